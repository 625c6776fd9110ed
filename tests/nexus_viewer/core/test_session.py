from __future__ import annotations

import math
import resource
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus import synthetic
from panhub_nexus.core import DisplaySettings, ViewerError, ViewerSession


def test_stack_session_renders_pixels_profiles_and_rois(stack: synthetic.StackInfo) -> None:
    session = ViewerSession(stack.path)
    try:
        spec = session.select("/")
        assert spec.kind == "image"
        assert session.n_frames == 6
        image = session.render(1, DisplaySettings(norm="log"), (24, 20))
        assert image.factor == 2
        assert image.shape == (24, 20)
        y, x = stack.peaks[1]
        assert image.indices[y // 2, x // 2] == 254  # the marker peak survives pooling
        assert session.pixel(1, y, x) == stack.peak_value
        assert session.pixel(1, *stack.hot_pixels[0]) is None  # masked hot pixel
        stats = session.roi(1, (y, y + 1, x, x + 1))
        assert stats["max"] == stack.peak_value
        assert stats["argmax"] == [y, x]
        profile = session.profile(1, (y, 0), (y, 39))
        assert profile.values.shape == (40,)
        assert profile.values[x] == stack.peak_value
    finally:
        session.close()
    assert not session.file.id.valid


def test_session_on_an_h5py_object_does_not_close_it(stack: synthetic.StackInfo) -> None:
    with h5py.File(stack.path, "r") as f:
        session = ViewerSession(f["/entry/data"])
        assert session.select(session.start).signal == stack.signal_path
        session.close()
        assert f.id.valid


def test_curve_with_errors_and_auxiliary(spectrum: Path) -> None:
    session = ViewerSession(spectrum)
    session.select("/")
    curve = session.curve()
    assert curve.total == 3000
    assert not curve.is_decimated
    q, intensity = synthetic.make_spectrum(3000)
    np.testing.assert_array_equal(curve.x, q)
    np.testing.assert_array_equal(curve.y, intensity)
    assert curve.errors is not None
    np.testing.assert_array_equal(curve.errors, np.sqrt(intensity))
    np.testing.assert_array_equal(curve.auxiliary[0], np.full(3000, 100.0))
    with pytest.raises(ViewerError, match="not an image"):
        session.render(0, DisplaySettings(), (10, 10))


def test_huge_curve_is_decimated_in_bounded_memory(tmp_path: Path) -> None:
    n = 6_000_000
    with h5py.File(tmp_path / "huge.h5", "w") as f:
        d = f.create_dataset("y", shape=(n,), dtype=np.float32, chunks=(1 << 18,))
        for s in range(0, n, 1 << 20):
            d[s : s + (1 << 20)] = np.sin(np.arange(s, min(s + (1 << 20), n)) / 1e5)
        d[4_321_987] = 50.0
        d[17] = np.nan
    session = ViewerSession(tmp_path / "huge.h5")
    assert session.select("/y").kind == "curve"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    curve = session.curve(n_bins=1000)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert curve.is_decimated
    assert curve.index.size <= 2 * 1000 + 12
    assert curve.y.max() == 50.0
    assert 4_321_987 in curve.index.tolist()
    assert grown_mb < 60  # blocks of 2**20 points, never the 24 MB dataset x 8
    window = session.curve(window=(100, 200))
    assert (window.start, window.stop) == (100, 200)
    assert window.x.tolist() == list(map(float, range(100, 200)))


def test_text_scalar_and_nan_data(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "misc.h5", "w") as f:
        f["s"] = "hello"
        f["n"] = 3.5
        f["img"] = np.array([[np.nan, 1.0], [np.inf, 3.0]])
    session = ViewerSession(tmp_path / "misc.h5")
    assert session.select("/s").kind == "text"
    assert session.text() == "hello"
    assert session.select("/n").kind == "scalar"
    assert session.text() == "3.5"
    assert session.select("/img").kind == "image"
    image = session.render(0, DisplaySettings(autoscale="minmax"), (2, 2))
    assert (image.vmin, image.vmax) == (1.0, 3.0)
    assert image.indices.tolist() == [[255, 0], [255, 254]]
    with pytest.raises(ViewerError, match="cannot open /nowhere"):
        session.select("/nowhere")


APPEND = """
import sys, h5py
with h5py.File(sys.argv[1], "a") as f:
    f["d"].resize((5, 4, 4))
    f["d"][4] = 7.0
"""


def test_refresh_sees_frames_appended_by_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "growing.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("d", data=np.ones((2, 4, 4)), maxshape=(None, 4, 4), chunks=(1, 4, 4))
    session = ViewerSession(path)
    session.select("/d")
    assert session.n_frames == 2
    # another process appends while the session has the file open (no lock is held)
    subprocess.run([sys.executable, "-c", APPEND, str(path)], check=True, timeout=60)
    assert session.refresh().frame_shape == (5,)
    assert session.n_frames == 5
    assert session.pixel(4, 0, 0) == 7.0
    assert math.isnan(session.profile(4, (0, 0), (0, 6)).values[-1])


def test_image_axes_give_values_at_pixel_centres(tmp_path: Path) -> None:
    from panhub_nexus.core.session import get_linear_range

    with h5py.File(tmp_path / "axes.h5", "w") as f:
        f["centres"] = np.arange(5) * 0.5 + 1.0
        f["edges"] = np.arange(6) * 2.0  # 5 bins: centres 1, 3, ..., 9
        f["uneven"] = np.array([0.0, 1.0, 2.0, 4.0, 8.0])
        f["short"] = np.arange(3.0)
        f["text"] = np.array([b"a", b"b", b"c", b"d", b"e"])
        assert get_linear_range(f["centres"], 5) == (1.0, 3.0)
        assert get_linear_range(f["edges"], 5) == (1.0, 9.0)
        assert get_linear_range(f["uneven"], 5) is None
        assert get_linear_range(f["short"], 5) is None
        assert get_linear_range(f["text"], 5) is None


def test_session_image_axes_of_the_stack(stack: synthetic.StackInfo) -> None:
    session = ViewerSession(stack.path)
    session.select("/")
    assert session.image_axes() == [(0.0, 47 * 0.075), (0.0, 39 * 0.075)]
    session.close()
