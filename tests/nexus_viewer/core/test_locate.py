from __future__ import annotations

import logging
from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus import synthetic
from panhub_nexus.core.locate import find_pixel_mask, find_plot
from silx.utils import deprecation

from tests.support.foreign_files import write_plain_hdf5


def test_default_chain_gives_a_stack(stack: synthetic.StackInfo) -> None:
    with h5py.File(stack.path, "r") as f:
        spec = find_plot(f)
        assert spec.kind == "image"
        assert spec.signal == stack.signal_path
        assert spec.frame_shape == (6,)
        assert spec.n_frames == 6
        assert spec.axes == ("/entry/data/y", "/entry/data/x")
        assert spec.axes_labels == ("y (mm)", "x (mm)")
        assert find_pixel_mask(f, spec.signal, (48, 40)) == stack.mask_path
        assert find_pixel_mask(f, spec.signal, (4, 4)) == ""


def test_spectrum_gives_a_curve_with_errors(spectrum: Path) -> None:
    with h5py.File(spectrum, "r") as f:
        spec = find_plot(f)
    assert spec.kind == "curve"
    assert spec.signal == "/entry/integrated/I"
    assert spec.errors == "/entry/integrated/I_errors"
    assert spec.auxiliary == ("/entry/integrated/I_background",)
    assert spec.axes == ("/entry/integrated/Q",)
    assert spec.axes_labels == ("Q (1/nm)",)


def test_silx_style_log_hint(tmp_path: Path) -> None:
    synthetic.write_spectrum(tmp_path / "s.nxs", log_scale=True)
    with h5py.File(tmp_path / "s.nxs", "r") as f:
        assert find_plot(f).signal_scale == "log"


def test_without_default_the_first_nxdata_is_used(tmp_path: Path) -> None:
    path = tmp_path / "nodefault.nxs"
    synthetic.write_spectrum(path)
    with h5py.File(path, "a") as f:
        del f.attrs["default"]
        del f["entry"].attrs["default"]
    with h5py.File(path, "r") as f:
        spec = find_plot(f)
    assert spec.kind == "curve"
    assert spec.nxdata == "/entry/integrated"
    assert "no @default" in spec.note


def test_plain_hdf5_falls_back_to_datasets(tmp_path: Path) -> None:
    path = tmp_path / "plain.h5"
    write_plain_hdf5(path)
    with h5py.File(path, "r") as f:
        assert find_plot(f).signal == "/images/frame"
        assert find_plot(f).note == "not NeXus: showing the first dataset"
        assert find_plot(f, "/curves/y").kind == "curve"
        assert find_plot(f, "/notes").kind == "text"
        assert find_plot(f, "/scalar").kind == "scalar"


def test_invalid_nxdata_is_explained(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "bad.nxs", "w") as f:
        g = f.create_group("data")
        g.attrs["NX_class"] = "NXdata"
        g.attrs["signal"] = "missing"
        g["other"] = np.zeros(3)
    with h5py.File(tmp_path / "bad.nxs", "r") as f:
        spec = find_plot(f, "/data")
    assert spec.kind == "curve"
    assert spec.signal == "/data/other"
    assert spec.note.startswith("invalid NXdata /data: ")
    assert "missing" in spec.note


def test_complex_and_spectrum_stacks(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "c.nxs", "w") as f:
        f["z"] = np.ones((3, 4), np.complex64)
        g = f.create_group("spectra")
        g.attrs.update({"NX_class": "NXdata", "signal": "s"})
        g["s"] = np.zeros((5, 100))
        g["s"].attrs["interpretation"] = "spectrum"
    with h5py.File(tmp_path / "c.nxs", "r") as f:
        assert find_plot(f, "/z").note == "complex data: showing |z|"
        spec = find_plot(f, "/spectra")
    assert spec.kind == "curve"
    assert spec.frame_shape == (5,)


@pytest.mark.parametrize(
    ("shape", "interpretation", "kind", "frame_shape"),
    [
        ((100,), None, "curve", ()),
        ((5, 100), None, "image", ()),
        ((5, 100), "spectrum", "curve", (5,)),
        ((2, 5, 100), "spectrum", "curve", (2, 5)),
        ((2, 5, 100), "image", "image", (2,)),
        ((2, 5, 100), None, "image", (2,)),
    ],
)
def test_curve_or_image_by_dimension_and_interpretation(
    tmp_path: Path,
    shape: tuple[int, ...],
    interpretation: str | None,
    kind: str,
    frame_shape: tuple[int, ...],
) -> None:
    with h5py.File(tmp_path / "d.nxs", "w") as f:
        g = f.create_group("data")
        g.attrs.update(
            {"NX_class": "NXdata", "signal": "s", "axes": ["."] * (len(shape) - 1) + ["x"]}
        )
        g["s"] = np.zeros(shape)
        g["x"] = np.arange(shape[-1])
        if interpretation:
            g["s"].attrs["interpretation"] = interpretation
    with h5py.File(tmp_path / "d.nxs", "r") as f:
        spec = find_plot(f, "/data")
    assert (spec.kind, spec.frame_shape) == (kind, frame_shape)


def test_no_deprecated_silx_api(
    stack: synthetic.StackInfo,
    spectrum: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # silx logs a deprecation (no warning) once per call site and process: FORCE logs
    # every one, whichever test located a plot first
    monkeypatch.setattr(deprecation, "FORCE", True)
    with caplog.at_level(logging.WARNING, logger="silx.DEPRECATION"):
        for path in (stack.path, spectrum):
            with h5py.File(path, "r") as f:
                find_plot(f)
    assert [r.getMessage() for r in caplog.records if r.name == "silx.DEPRECATION"] == []
