"""Every file of issue 17's corpus through the viewer: what it plots, sends and says.

The corpus (``tests/support/nexus_cases.py``) writes one small file per case and says
what must be shown; here each is opened as a user opens it: the plot chosen
(:class:`PlotSpec`), the data read for it, and what the widget sends to the browser. Bad
files give a message and no exception; no file is modified.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import textwrap
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from panhub_nexus import NexusViewer
from panhub_nexus.core import DisplaySettings, ViewerError, ViewerSession, locate
from panhub_nexus.core.locate import PlotSpec
from panhub_nexus.core.tree import UNKNOWN

from tests.support.nexus_cases import CASES, HUGE_SHAPE, MANY_DEFAULT, Case, Shown, get_case
from tests.support.viewer_messages import Recorder, client


def fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    """Content hash and modification time of every file in `folder`."""
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.iterdir())}  # fmt: skip


def expected_title(case: Case) -> str:
    return case.shown.title or (case.record.title if case.record else "") or ""


def read_shown(session: ViewerSession, spec: PlotSpec) -> Any:
    """Read what the viewer reads to draw `spec`: the first frame, the curve, the text."""
    if spec.kind == "image":
        return session.render(0, DisplaySettings(), (64, 64))
    if spec.kind == "curve":
        return session.curve()
    if spec.kind in ("scalar", "text"):
        return session.text()
    return None


def check_spec(spec: PlotSpec, case: Case) -> None:
    shown = case.shown
    got = (spec.kind, spec.signal, spec.axes, spec.errors, spec.axis_errors, spec.frame_shape,
           spec.frame_axes, spec.title, spec.axes_labels, spec.signal_label,
           (spec.x_scale, spec.signal_scale))  # fmt: skip
    want = (shown.kind, shown.signal, shown.axes, shown.errors, shown.axis_errors,
            shown.frame_shape, shown.frame_axes, expected_title(case), shown.labels,
            shown.signal_label, shown.scales)  # fmt: skip
    assert got == want
    if shown.note:
        assert shown.note in spec.note
    else:
        assert spec.note == ""


def check_data(session: ViewerSession, spec: PlotSpec, shown: Shown) -> None:
    if shown.error:
        with pytest.raises(ViewerError, match=re.escape(shown.error)):
            read_shown(session, spec)
        return
    data = read_shown(session, spec)
    signal = session.file[spec.signal] if spec.signal and spec.kind != "none" else None
    if spec.kind == "image":
        assert data.shape[0] >= 1 and data.factor >= 1
        assert session.n_frames == max(1, int(np.prod(spec.frame_shape)))
    elif spec.kind == "curve":
        assert signal is not None and data.total == signal.shape[-1]
        assert np.isfinite(data.x).all()  # an axis, bin centres, or point indices
        assert (data.errors is not None) == bool(spec.errors)
        assert (data.x_errors is not None) == bool(spec.axis_errors)
    elif spec.kind in ("scalar", "text"):
        assert data


def check_widget(path: Path, case: Case, spec: PlotSpec) -> None:
    """The widget opened on the file, then on the case's node as the tree opens it."""
    viewer = NexusViewer(path, threaded=False, display_shape=[64, 64])
    try:
        sent = Recorder(viewer)
        client(viewer, {"type": "open", "path": case.shown.node})
        assert (viewer.kind, viewer.spec["signal"], viewer.spec["title"]) == (
            spec.kind, spec.signal, spec.title)  # fmt: skip
        assert viewer.spec["axes_labels"] == list(spec.axes_labels)
        assert viewer.spec["note"] == spec.note
        assert [a["label"] for a in viewer.spec["frame_axes"]] == list(spec.frame_labels)
        if case.shown.error:
            assert case.shown.error in viewer.error
        elif spec.kind == "none":
            assert viewer.error == spec.note  # the message is where the plot would be
        else:
            assert viewer.error == ""
        if spec.kind == "image" and not case.shown.error:
            (header, buffers), *_ = sent.of("image")
            assert header["bytes"] == sum(len(b) for b in buffers)
        if spec.kind == "curve":
            (header, buffers), *_ = sent.of("curve")
            assert (header["errors"], header["xerrors"]) == (bool(spec.errors),
                                                             bool(spec.axis_errors))  # fmt: skip
            assert len(buffers) == 3 + header["errors"] + header["xerrors"] + header["auxiliary"]
            assert (viewer.x_log, viewer.y_log) == (spec.x_scale == "log",
                                                    spec.signal_scale == "log")  # fmt: skip
    finally:
        viewer.close()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Case], Path]:
    """Write a case's file once per module, in a folder of its own; its path."""
    root = tmp_path_factory.mktemp("cases")
    paths: dict[str, Path] = {}

    def make(case: Case) -> Path:
        if case.name not in paths:
            (root / case.name).mkdir()
            paths[case.name] = case.make(root / case.name)
        return paths[case.name]

    return make


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_case_is_shown_as_its_writer_meant(
    case: Case, written: Callable[[Case], Path]
) -> None:
    path = written(case)
    before = fingerprint(path.parent)
    if case.shown.kind == "error":
        with pytest.raises(ViewerError, match=re.escape(case.shown.error)):
            ViewerSession(path)
        viewer = NexusViewer(path, threaded=False)  # a message in the widget, no exception
        assert case.shown.error in viewer.error
        viewer.close()
    else:
        session = ViewerSession(path)
        try:
            spec = session.select(case.shown.node)
            check_spec(spec, case)
            check_data(session, spec, case.shown)
        finally:
            session.close()
        check_widget(path, case, spec)
    assert fingerprint(path.parent) == before  # read-only: nothing written, not even touched


def test_frame_selectors_carry_the_axis_values(tmp_path: Path) -> None:
    session = ViewerSession(get_case("data_5d").make(tmp_path))
    spec = session.select("/")
    axes = session.frame_axes()
    assert [a["label"] for a in axes] == ["temperature (mm)", "field (mm)", "angle (mm)"]
    with h5py.File(session.path, "r", locking=False) as f:
        assert axes[1]["values"] == f["/entry/data/field"][()].tolist()
    # the flat frame index runs over the leading dims, the last fastest
    frame = np.ravel_multi_index((1, 2, 0), spec.frame_shape)
    with h5py.File(session.path, "r", locking=False) as f:
        expected = f["/entry/data/data"][1, 2, 0]
    np.testing.assert_array_equal(session.get_frame(int(frame)), expected)
    session.close()


def test_histogram_curve_is_at_bin_centres(tmp_path: Path) -> None:
    session = ViewerSession(get_case("histogram_1d").make(tmp_path))
    session.select("/")
    curve = session.curve()
    edges = np.linspace(1000.0, 20000.0, 101)
    np.testing.assert_allclose(curve.x, (edges[:-1] + edges[1:]) / 2)
    assert curve.y.size == 100
    session.close()


def test_qxqy_grid_axes_label_the_image_in_q(tmp_path: Path) -> None:
    session = ViewerSession(get_case("qxqy_grids").make(tmp_path))
    session.select("/")
    assert session.image_axes() == [pytest.approx([-0.1, 0.1]), pytest.approx([-0.2, 0.2])]
    session.close()


def test_many_entries_open_at_the_default_without_a_scan(
    written: Callable[[Case], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = written(get_case("many_entries"))
    opened: list[str] = []
    get_child = locate.get_child

    def counting(group: h5py.Group, name: str) -> Any:
        opened.append(name)
        return get_child(group, name)

    monkeypatch.setattr(locate, "get_child", counting)
    session = ViewerSession(path)
    assert session.select("/").signal == f"/{MANY_DEFAULT}/data/I0"
    assert len(opened) < 10  # the @default chain, not 400 entries
    items, total = session.children("/")
    assert (len(items), total) == (50, UNKNOWN)  # one page of the tree, not all entries
    session.close()


def test_a_huge_declared_dataset_is_shown_in_bounded_memory(tmp_path: Path) -> None:
    path = get_case("huge_declared").make(tmp_path)
    assert path.stat().st_size < 1 << 20  # 100 GB declared, a few chunks written
    tracemalloc.start()
    try:
        session = ViewerSession(path)
        spec = session.select("/")
        first = session.render(0, DisplaySettings(norm="linear"), (256, 256))
        middle = session.render(HUGE_SHAPE[0] // 2, DisplaySettings(norm="linear"), (256, 256))
        session.get_frame(HUGE_SHAPE[0] - 1)  # never written: the fill value
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert spec.frame_shape == (HUGE_SHAPE[0],)
    assert first.vmax > 0 and middle.vmax > 0
    frame_bytes = HUGE_SHAPE[1] * HUGE_SHAPE[2] * 4
    assert peak < 8 * frame_bytes  # a few frames' worth (1 MB each), not the dataset
    session.close()


WRITER = """
import sys, time, h5py, numpy as np
f = h5py.File(sys.argv[1], "w", libver="latest")
e = f.create_group("entry"); e.attrs["NX_class"] = "NXentry"; e.attrs["default"] = "data"
f.attrs["default"] = "entry"
g = e.create_group("data"); g.attrs.update({"NX_class": "NXdata", "signal": "data"})
d = g.create_dataset("data", shape=(2, 8, 8), maxshape=(None, 8, 8), chunks=(1, 8, 8),
                     dtype="f4", data=np.ones((2, 8, 8)))
f.swmr_mode = True
f.flush()
print("ready", flush=True)
sys.stdin.readline()
d.resize((5, 8, 8)); d[2:] = 7; d.flush()
print("grown", flush=True)
sys.stdin.readline()
f.close()
"""


def test_a_file_being_written_is_read_and_refreshed(tmp_path: Path) -> None:
    path = tmp_path / "live.nxs"
    command = [sys.executable, "-c", textwrap.dedent(WRITER), str(path)]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as writer:  # fmt: skip
        assert writer.stdout is not None and writer.stdin is not None
        try:
            assert writer.stdout.readline().strip() == "ready"
            viewer = NexusViewer(path, threaded=False, display_shape=[8, 8])
            assert (viewer.error, viewer.kind, viewer.n_frames) == ("", "image", 2)
            writer.stdin.write("go\n")
            writer.stdin.flush()
            assert writer.stdout.readline().strip() == "grown"
            viewer.refresh()
            assert (viewer.error, viewer.n_frames) == ("", 5)
            viewer.frame = 4
            assert viewer.image is not None and viewer.image.vmax == 7
            viewer.close()
            writer.stdin.write("done\n")
            writer.stdin.flush()
            assert writer.wait(timeout=20) == 0
        finally:
            if writer.poll() is None:
                writer.kill()
