"""The viewer on real files written by other software: it shows what their authors meant.

The files and what their authors mean to plot are in :mod:`tests.support.nexus_real`.
For each file, the viewer and the widget show its authors' signal, axes and
uncertainties, and NXmx masters whose frames file is not shipped say which file is
missing instead of showing HDF5's fill value.
"""

from __future__ import annotations

import re
from typing import Any

import h5py
import numpy as np
import pytest
from panhub_nexus import NexusViewer
from panhub_nexus.core.files import open_file
from panhub_nexus.core.locate import PlotSpec, find_plot

from tests.support.nexus_real import DATA, REAL_FILES, RealFile

MAX_BYTES = 5_000_000
"""No real file may be larger (the repository carries them)."""

MISSING_FRAMES = {
    "punx/DLS_i03_i04_NXmx_Therm_6_2.nxs": "Therm_6_2_000001.h5",
    "nexgen/xrc_209_master.h5": "xrc_209_000001.h5",
}
"""NXmx master files whose frames are in a file that is not shipped: name -> that file."""


def _name(real: RealFile) -> str:
    return real.path.relative_to(DATA).as_posix()


def _cases(files: tuple[RealFile, ...] = REAL_FILES) -> list[Any]:
    return [pytest.param(real, id=_name(real)) for real in files]


def _displayed_axes(real: RealFile, spec: PlotSpec) -> tuple[str, ...]:
    """The authors' axes of the dimensions the viewer displays (the last one or two)."""
    return real.axes[len(real.axes) - len(spec.axes) :]


# ---- the corpus itself ------------------------------------------------------------------


def test_every_real_file_is_there_with_its_provenance() -> None:
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    # file rows only: the sources table's rows name folders (``punx/``)
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([^`]*[^`/])` \|.*$", sources, re.M)}
    listed = {_name(real) for real in REAL_FILES}
    on_disk = {
        p.relative_to(DATA).as_posix()
        for p in DATA.rglob("*")
        if p.is_file() and p.name != "SOURCES.md" and not p.name.startswith(("LICENSE", "COPYING"))
    }
    assert on_disk == listed, "a file without its entry in REAL_FILES, or the reverse"
    assert set(rows) == listed, "a file without its row in SOURCES.md, or the reverse"
    for real in REAL_FILES:
        name = _name(real)
        assert real.path.stat().st_size <= MAX_BYTES, name
        assert real.licence in rows[name].split("|")[3], f"{name}: licence differs from SOURCES.md"
        assert list(real.path.parent.glob("LICENSE*")) + list(real.path.parent.glob("COPYING*")), (
            f"{real.path.parent.name}/ has no licence text"
        )
        assert real.source and real.writer and real.how, name


@pytest.mark.parametrize("real", _cases())
def test_real_file_opens_and_names_existing_nodes(real: RealFile) -> None:
    with h5py.File(real.path, "r", locking=False) as f:
        if not real.signal:
            assert real.axes == () and real.errors == ""
            return
        signal = f[real.signal]
        assert isinstance(signal, h5py.Dataset)
        assert len(real.axes) == signal.ndim, "one axis entry per dimension"
        for axis in [*real.axes, real.errors]:
            assert not axis or isinstance(f[axis], h5py.Dataset), axis


# ---- what the viewer shows ----------------------------------------------------------------


@pytest.mark.parametrize("real", _cases())
def test_viewer_plots_what_the_authors_meant(real: RealFile) -> None:
    with open_file(real.path) as f:
        spec = find_plot(f, "/")
    if not real.signal:
        # nothing plottable by the NeXus rules: whatever is shown is a guess, said so
        assert spec.kind == "none" or spec.note, spec
        return
    assert spec.signal == real.signal
    if spec.kind in ("curve", "image"):
        assert spec.axes == _displayed_axes(real, spec)
    if spec.kind == "curve":
        assert spec.errors == real.errors


def _record_curve(viewer: NexusViewer) -> tuple[dict[str, Any], list[np.ndarray]]:
    """Select the root again and keep the curve message the front end would get."""
    sent: list[tuple[dict[str, Any], list[bytes]]] = []
    viewer.send = lambda content, buffers=None: sent.append((content, list(buffers or [])))  # type: ignore[method-assign]
    viewer.select("/")
    header, buffers = next(m for m in sent if m[0]["type"] == "curve")
    return header, [np.frombuffer(b, dtype=np.float64) for b in buffers]


def _check_curve(viewer: NexusViewer, real: RealFile) -> None:
    header, arrays = _record_curve(viewer)
    x, index = arrays[0], arrays[-1].astype(np.int64)
    assert header["errors"] == bool(real.errors), "error bars"
    with h5py.File(real.path, "r", locking=False) as f:
        axis = f[real.axes[-1]] if real.axes[-1] else None
        if axis is not None and axis.ndim == 1 and axis.shape[0] == header["total"]:
            np.testing.assert_allclose(x, axis[()][index])
        if real.errors:
            np.testing.assert_allclose(arrays[2], f[real.errors][()].reshape(-1)[index])


@pytest.mark.parametrize(
    "real",
    _cases(tuple(r for r in REAL_FILES if _name(r) not in MISSING_FRAMES)),
)
def test_widget_opens_the_real_file(real: RealFile) -> None:
    viewer = NexusViewer(real.path, threaded=False, display_shape=[64, 64])
    try:
        assert viewer.error == ""
        if real.signal:
            assert viewer.spec["signal"] == real.signal
        if viewer.kind == "image":
            assert viewer.image is not None
            with h5py.File(real.path, "r", locking=False) as f:
                assert viewer.spec["frame_size"] == list(f[viewer.spec["signal"]].shape[-2:])
        elif viewer.kind == "curve" and real.signal:
            _check_curve(viewer, real)
        elif viewer.kind == "scalar":
            assert viewer.text
    finally:
        viewer.close()


@pytest.mark.parametrize(
    "real",
    _cases(tuple(r for r in REAL_FILES if _name(r) in MISSING_FRAMES)),
)
def test_widget_names_the_missing_frames_file(real: RealFile) -> None:
    viewer = NexusViewer(real.path, threaded=False, display_shape=[64, 64])
    try:
        assert viewer.spec["signal"] == real.signal
        shown = viewer.error + " " + viewer.spec.get("note", "")
        assert MISSING_FRAMES[_name(real)] in shown
    finally:
        viewer.close()
