"""Drive the widget's traits and message handlers from Python (no browser)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from panhub_nexus import NexusViewer, synthetic
from panhub_nexus.core.colormap import make_palette

from tests.support.foreign_files import write_plain_hdf5
from tests.support.viewer_messages import Recorder, client


@pytest.fixture
def viewer(stack: synthetic.StackInfo):
    v = NexusViewer(stack.path, threaded=False, display_shape=[24, 20])
    yield v
    v.close()


def test_opens_the_default_stack(viewer: NexusViewer, stack: synthetic.StackInfo) -> None:
    assert viewer.error == ""
    assert viewer.comm is not None  # ipywidgets' own open() created the comm
    assert (viewer.kind, viewer.node, viewer.n_frames) == ("image", "/", 6)
    assert viewer.spec["signal"] == stack.signal_path
    assert viewer.spec["frame_size"] == [48, 40]
    assert viewer.spec["axes_labels"] == ["y (mm)", "x (mm)"]
    assert viewer.spec["axes_range"] == [[0.0, 47 * 0.075], [0.0, 39 * 0.075]]
    assert viewer.palette == make_palette("viridis").tobytes()
    image = viewer.image
    assert image is not None
    assert image.shape == (24, 20)
    y, x = stack.peaks[0]
    assert image.indices[y // 2, x // 2] == 254


def test_client_view_request_sends_frame_bytes(
    viewer: NexusViewer, stack: synthetic.StackInfo
) -> None:
    sent = Recorder(viewer)
    client(viewer, {"type": "view", "id": 7, "frame": 3, "region": [], "size": [48, 40]})
    (header, buffers), *_ = sent.of("image")
    assert header["id"] == 7
    assert header["frame"] == 3
    assert header["shape"] == [48, 40]
    assert header["encoding"] == "raw"  # 48 x 40 pixels: not worth compressing
    indices = np.frombuffer(b"".join(buffers), np.uint8)
    indices = indices.reshape(48, 40)
    assert header["bytes"] == sum(len(b) for b in buffers)
    assert indices[stack.peaks[3]] == 254
    assert indices[stack.hot_pixels[0]] == 255  # masked hot pixel: transparent
    assert viewer.frame == 3
    assert viewer.display_shape == [48, 40]
    assert viewer.status.startswith("frame 4/6")


def test_client_requests_are_not_echoed_but_python_changes_are_sent(
    viewer: NexusViewer,
) -> None:
    sent = Recorder(viewer)
    states: list[object] = []
    viewer.send_state = lambda key=None: states.append(key)  # type: ignore[method-assign]
    client(viewer, {"type": "view", "id": 3, "frame": 2, "region": [], "size": [24, 20]})
    (header, _), *_ = sent.of("image")
    assert (header["id"], header["reply"], header["frame"]) == (3, True, 2)
    kb, ms = f"{header['bytes'] / 1024:.0f}", f"{header['served_ms']:.0f}"
    assert header["status"] == viewer.status == f"frame 3/6 · 20 x 24 px · {kb} KB · {ms} ms"
    assert (viewer.frame, states) == (2, [])  # the front end knows: nothing sent back
    viewer.frame = 4  # Python's changes reach the front end, with the last client id
    assert states == ["frame"]
    (header, _) = sent.of("image")[-1]
    assert (header["id"], header["reply"], header["frame"]) == (3, False, 4)


def test_python_side_changes_rerender(viewer: NexusViewer) -> None:
    sent = Recorder(viewer)
    viewer.frame = 5
    viewer.norm = "linear"
    viewer.autoscale = "fixed"
    viewer.vmin, viewer.vmax = 0.0, 10.0
    frames = [h["frame"] for h, _ in sent.of("image")]
    assert frames
    assert set(frames) == {5}
    assert viewer.image is not None
    assert (viewer.image.vmin, viewer.image.vmax) == (0.0, 10.0)


def test_colormap_change_sends_only_a_palette(viewer: NexusViewer) -> None:
    sent = Recorder(viewer)
    viewer.colormap = "magma"
    assert sent.messages == []
    assert viewer.palette == make_palette("magma").tobytes()
    viewer.colormap = "no-such-map"
    assert "unknown colormap 'no-such-map'" in viewer.error


def test_roi_and_line_results_in_python(viewer: NexusViewer, stack: synthetic.StackInfo) -> None:
    sent = Recorder(viewer)
    y, x = stack.peaks[0]
    viewer.roi = [y, y + 1, x, x + 1]
    assert viewer.selection["max"] == stack.peak_value
    assert viewer.selection["argmax"] == [y, x]
    viewer.line = [float(y), 0.0, float(y), 39.0]
    assert viewer.profile is not None
    assert viewer.profile.values[x] == stack.peak_value
    (_header, buffers), *_ = sent.of("profile")
    assert np.frombuffer(buffers[1], np.float64)[x] == stack.peak_value
    viewer.frame = 1  # results follow the frame
    # same process as the viewer: HDF5 requires the same locking flag
    with h5py.File(stack.path, "r", locking=False) as f:
        expected = float(f[stack.signal_path][1, y, x])
    assert viewer.selection["max"] == expected != stack.peak_value
    assert viewer.profile.values[x] == expected


def test_tree_messages_and_opening_a_curve(tmp_path: Path) -> None:
    path = tmp_path / "both.nxs"
    synthetic.write_eiger_stack(path, shape=(16, 16), n_frames=2, module=(7, 7), gap=(1, 1))
    synthetic.write_spectrum(path, mode="a")
    viewer = NexusViewer(path, threaded=False)
    sent = Recorder(viewer)
    client(viewer, {"type": "children", "path": "/", "offset": 0})
    (header, _), *_ = sent.of("children")
    assert [i["name"] for i in header["items"]] == ["entry", "spectrum"]
    client(viewer, {"type": "open", "path": "/spectrum"})
    assert viewer.kind == "curve"
    assert viewer.node == "/spectrum"
    (curve, buffers), *_ = sent.of("curve")
    assert curve["n"] == 3000
    assert curve["errors"]
    assert curve["auxiliary"] == 1
    _q, intensity = synthetic.make_spectrum(3000)
    assert np.array_equal(np.frombuffer(buffers[1], np.float64), intensity)
    assert len(buffers) == 5  # x, y, errors, one auxiliary signal, indices
    assert np.array_equal(np.frombuffer(buffers[4], np.float64), np.arange(3000))
    viewer.close()


def test_bad_input_is_an_error_message_not_an_exception(tmp_path: Path) -> None:
    (tmp_path / "junk.nxs").write_bytes(b"\x00" * 1000)
    viewer = NexusViewer(tmp_path / "junk.nxs", threaded=False)
    assert viewer.error == "junk.nxs is not an HDF5 file (or its header is damaged)"
    viewer.refresh()
    assert viewer.error == "no file open"
    missing = NexusViewer(tmp_path / "absent.nxs", threaded=False)
    assert missing.error.endswith("absent.nxs: no such file")


def test_a_file_that_did_not_open_keeps_its_message(tmp_path: Path) -> None:
    # the front end asks for the tree and a first image as soon as it is shown
    synthetic.write_eiger_stack(tmp_path / "whole.nxs", shape=(40, 30), n_frames=2)
    whole = (tmp_path / "whole.nxs").read_bytes()
    (tmp_path / "half.nxs").write_bytes(whole[: len(whole) // 2])  # still being written
    viewer = NexusViewer(tmp_path / "half.nxs", threaded=False)
    message = viewer.error
    assert message.startswith("half.nxs is truncated or corrupt")
    client(viewer, {"type": "children", "path": "/", "offset": 0})
    client(viewer, {"type": "view", "id": 1, "frame": 0, "display_shape": [20, 20]})
    assert viewer.error == message


def test_plain_hdf5_text_and_links(tmp_path: Path) -> None:
    path = tmp_path / "plain.h5"
    write_plain_hdf5(path)
    with h5py.File(path, "a") as f:
        f["broken"] = h5py.SoftLink("/nowhere")
    viewer = NexusViewer(path, threaded=False)
    assert viewer.kind == "image"
    assert viewer.spec["note"] == "not NeXus: showing the first dataset"
    viewer.select("/notes")
    assert (viewer.kind, viewer.text) == ("text", "plain HDF5, no NeXus")
    viewer.select("/broken")
    assert viewer.error.startswith("cannot open /broken")
    viewer.select("/images/frame")
    assert viewer.error == ""
    assert viewer.kind == "image"
    viewer.close()


def test_missing_plugin_is_shown(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "vbz.h5", "w") as f:
        d = f.create_dataset(
            "d",
            shape=(2, 4, 4),
            dtype=np.uint16,
            chunks=(1, 4, 4),
            compression=32020,
            allow_unknown_filter=True,
        )
        d.id.write_direct_chunk((0, 0, 0), b"xx")
    viewer = NexusViewer(tmp_path / "vbz.h5", threaded=False)
    assert "plugin not available: VBZ (filter id 32020)" in viewer.error
    viewer.close()


def test_threaded_viewer_serves_latest_and_exports_png(
    stack: synthetic.StackInfo, tmp_path: Path
) -> None:
    viewer = NexusViewer(stack.path, display_shape=[48, 40])
    try:
        sent = Recorder(viewer)
        for i, f in enumerate([1, 2, 3, 4, 5, 2], start=1):
            client(viewer, {"type": "view", "id": i, "frame": f, "size": [48, 40]})
        assert viewer.wait(10)
        replies = {h["id"]: h["type"] for h, _ in sent.messages if h.get("id")}
        assert sorted(replies) == [1, 2, 3, 4, 5, 6]  # each request answered once
        # the last image shows the last frame asked for (the kernel's own re-render,
        # id 0, once the pixel mask is loaded, may supersede request 6: same view)
        images = [h for h, _ in sent.messages if h["type"] == "image"]
        assert images[-1]["frame"] == 2
        assert set(replies.values()) <= {"image", "dropped"}
        assert viewer.image is not None
        y, x = stack.peaks[2]
        assert viewer.image.indices[y, x] == 254
        viewer.save_png(tmp_path / "view.png")
        assert (tmp_path / "view.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        viewer.close()


def _played(sent: Recorder, play: int) -> list[dict[str, Any]]:
    return [h for h, _ in list(sent.messages) if h.get("played") == play]


def _wait_played(sent: Recorder, play: int, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    end = time.monotonic() + timeout
    while len(_played(sent, play)) < n and time.monotonic() < end:
        time.sleep(0.005)
    time.sleep(0.05)  # and nothing more arrives
    return _played(sent, play)


def test_playback_is_driven_by_the_kernel_within_a_window(
    viewer: NexusViewer, stack: synthetic.StackInfo
) -> None:
    viewer.autoscale, viewer.vmin, viewer.vmax = "fixed", 0.0, float(stack.peak_value)
    sent = Recorder(viewer)
    client(viewer, {"type": "play", "play": 1, "frame": 3, "fps": 500, "window": 3,
                    "region": [], "size": [48, 40]})  # fmt: skip
    assert viewer.is_playing
    played = _wait_played(sent, 1, 3)
    assert [h["frame"] for h in played] == [4, 5, 0]  # no acknowledgement: 3 at most
    for header, buffers in sent.of("image"):
        indices = np.frombuffer(b"".join(buffers), np.uint8).reshape(header["shape"])
        assert indices[stack.peaks[header["frame"]]] == 254  # frame f shows f's peak
    client(viewer, {"type": "ack", "play": 7, "shown": 3})  # another playback's: ignored
    assert len(_wait_played(sent, 1, 4, timeout=0.1)) == 3
    client(viewer, {"type": "ack", "play": 1, "shown": 2, "frame": 5})
    assert [h["frame"] for h in _wait_played(sent, 1, 5)] == [4, 5, 0, 1, 2]
    assert viewer.frame == 5  # the frame the front end acknowledged last
    y, x = stack.peaks[0]
    viewer.roi = [y, y + 1, x, x + 1]
    client(viewer, {"type": "pause", "frame": 0})
    assert not viewer.is_playing
    last, _ = [m for m in sent.messages if m[0]["type"] == "image"][-1]
    assert (last["frame"], last["played"]) == (0, 0)  # the frame shown, served last
    assert viewer.frame == 0
    assert viewer.selection["max"] == stack.peak_value  # the ROI follows the frame shown
    client(viewer, {"type": "ack", "play": 1, "shown": 5})
    assert len(_played(sent, 1)) == 5  # stopped: acknowledgements start nothing


def test_a_view_request_stops_playback(viewer: NexusViewer) -> None:
    sent = Recorder(viewer)
    client(viewer, {"type": "play", "play": 2, "frame": 0, "fps": 500, "window": 2})
    _wait_played(sent, 2, 2)
    client(viewer, {"type": "view", "id": 9, "frame": 4, "size": [24, 20]})
    assert not viewer.is_playing
    assert sent.messages[-1][0]["frame"] == 4
    assert len(_played(sent, 2)) == 2


def test_reopening_a_viewed_file_needs_the_same_locking(stack: synthetic.StackInfo) -> None:
    """What README.md says about HDF5 file locking, checked."""
    viewer = NexusViewer(stack.path, threaded=False)
    try:
        with pytest.raises(OSError, match="file locking flag values don't match"):
            h5py.File(stack.path, "r")
        with pytest.raises(OSError, match="already open for read-only"):
            h5py.File(stack.path, "a", locking=False)
        with h5py.File(stack.path, "r", locking=False) as f:
            assert f[stack.signal_path].shape[0] == 6
            shared = NexusViewer(f["/entry"], threaded=False)
            assert (shared.node, shared.kind, shared.error) == ("/entry", "image", "")
            shared.close()
            assert f.id.valid  # the viewer does not close a file it was given
    finally:
        viewer.close()
    with h5py.File(stack.path, "r") as f:  # once the viewer is closed, any way works
        assert f[stack.signal_path].shape[0] == 6


def test_zoomed_curve_window_shows_every_point(tmp_path: Path) -> None:
    y = np.sin(np.arange(100_000) / 500.0)
    y[73_210] = 40.0  # a single-point peak
    with h5py.File(tmp_path / "long.h5", "w") as f:
        f["y"] = y
    viewer = NexusViewer(tmp_path / "long.h5", threaded=False)
    try:
        sent = Recorder(viewer)
        viewer.select("/y")
        (whole, buffers), *_ = sent.of("curve")
        assert (whole["start"], whole["stop"], whole["total"]) == (0, 100_000, 100_000)
        assert whole["decimated"]
        assert whole["n"] <= 2 * 2048
        index = np.frombuffer(buffers[-1], np.float64).astype(int)
        values = np.frombuffer(buffers[1], np.float64)
        assert np.array_equal(values, y[index])  # each point is where its index says
        assert 73_210 in index  # min/max per bin keeps the peak
        client(viewer, {"type": "curve", "window": [73_000, 74_000]})  # the front end zooms
        zoomed, buffers = sent.of("curve")[-1]
        assert (zoomed["start"], zoomed["stop"], zoomed["n"]) == (73_000, 74_000, 1000)
        assert not zoomed["decimated"]
        assert np.array_equal(np.frombuffer(buffers[0], np.float64), np.arange(73_000, 74_000))
        assert np.array_equal(np.frombuffer(buffers[1], np.float64), y[73_000:74_000])
        assert viewer.status == "100,000 points"
    finally:
        viewer.close()
