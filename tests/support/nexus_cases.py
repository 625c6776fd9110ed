"""The NeXus files other software writes, one small writer per case, and what must be shown.

Issue 17's corpus: each :class:`Case` writes one file with h5py (in ``tmp_path``, a few
KB) and says what the viewer must show when the user opens it (:class:`Shown`) and what
the indexer must record (:class:`Record`, or ``None``: the file is reported, not
indexed). The viewer's tests (``tests/nexus_viewer/test_cases.py``), the indexer's and
the compatibility benchmark (``tests/benchmarks/bench_nexus_compat.py``) run the same
table. No panhub import: the table is data, written from the NeXus rules and from what
the programs that write such files do (SasView, NeXpy, old NAPI writers, Dectris
firmware, EPICS area detector).

Usage::

    from tests.support.nexus_cases import CASES

    @pytest.mark.parametrize("case", CASES, ids=str)
    def test_case(case, tmp_path):
        path = case.make(tmp_path)
        ...  # open `path` at case.shown.node, compare with case.shown
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import hdf5plugin
import numpy as np

START = "2024-05-01T10:00:00+02:00"
"""The ``start_time`` every synthetic entry carries (NX_DATE_TIME, with its offset)."""


@dataclasses.dataclass(frozen=True)
class Shown:
    """What the viewer shows when the user opens the file at :attr:`node`.

    Attributes
    ----------
    kind : str
        ``image``, ``curve``, ``scalar``, ``text`` or ``none`` (nothing plotted, a
        message instead); ``error``: the file cannot be opened, :attr:`error` says why.
    signal : str
        HDF5 path of the dataset plotted ("" when none).
    axes : tuple of str
        Paths of the axes of the displayed dims, ``(x,)`` for curves, ``(y, x)`` for
        images; ``""`` where the dim has no axis (pixel or point index).
    errors : str
        Path of the signal's uncertainties ("" if none).
    axis_errors : str
        Path of the x axis's resolutions or uncertainties, drawn as horizontal bars.
    frame_shape : tuple of int
        Sizes of the leading dims, one selector each ("stack" player for 3-D images).
    frame_axes : tuple of str
        Paths of the axes of the leading dims (their values are shown by the selectors).
    title : str
        Plot title: the NXdata's title, else its NXentry's ``title``, else the path.
    labels : tuple of str
        Labels of :attr:`axes`, with units (``"Q (1/angstrom)"``), ``""`` when unchecked.
    signal_label : str
        Label of the signal with units ("" when unchecked).
    scales : tuple of str
        ``(x, signal)`` scale hints of a curve, ``"log"`` or ``""``; for an image only the
        signal's (colour) scale counts.
    note : str
        Text the viewer's note must contain ("" : the note is empty).
    error : str
        Text the message must contain when the file or the data cannot be read ("": none).
    node : str
        Node the user opens ("/": the file itself).
    """

    kind: str
    signal: str = ""
    axes: tuple[str, ...] = ()
    errors: str = ""
    axis_errors: str = ""
    frame_shape: tuple[int, ...] = ()
    frame_axes: tuple[str, ...] = ()
    title: str = ""
    labels: tuple[str, ...] = ()
    signal_label: str = ""
    scales: tuple[str, str] = ("", "")
    note: str = ""
    error: str = ""
    node: str = "/"


@dataclasses.dataclass(frozen=True)
class Record:
    """What the indexer records of the file: the entry the root's ``@default`` names
    (else the first NXentry), as the file states it.

    ``definition`` is the ``definition`` field (the indexer maps it to a PaNET
    technique); ``start_time`` is the text written (ISO 8601 with its offset).
    """

    entry: str
    title: str | None
    definition: str | None = None
    instrument: str | None = None
    sample: str | None = None
    start_time: str | None = START


@dataclasses.dataclass(frozen=True)
class Case:
    """One file: its writer, what the viewer shows, what the indexer records.

    ``record`` is ``None`` when the file cannot be indexed: the indexer reports it and
    goes on, leaving no record. ``silx`` says why silx's ``get_default`` picks something
    else than the viewer, when it does ("" : it agrees); the compatibility benchmark
    fails on a difference that no case documents.
    """

    name: str
    write: Callable[[Path], None]
    shown: Shown
    record: Record | None
    silx: str = ""
    filename: str = ""

    def __str__(self) -> str:
        return self.name

    def make(self, folder: Path) -> Path:
        """Write the case's file (and the files it links to) in `folder`; its path."""
        path = Path(folder) / (self.filename or f"{self.name}.nxs")
        self.write(path)
        return path


# ---- writing helpers -----------------------------------------------------------------


def _group(parent: h5py.Group, name: str, nx_class: str, **attrs: Any) -> h5py.Group:
    group = parent.create_group(name)
    group.attrs["NX_class"] = nx_class
    group.attrs.update(attrs)
    return group


def _field(group: h5py.Group, name: str, data: Any, **attrs: Any) -> h5py.Dataset:
    dataset = group.create_dataset(name, data=data)
    dataset.attrs.update(attrs)
    return dataset


def _entry(
    f: h5py.Group,
    name: str = "entry",
    *,
    title: str,
    definition: str | None = None,
    instrument: str | None = "P12",
    sample: str | None = "lysozyme",
    start: str | None = START,
    default: str | None = "data",
) -> h5py.Group:
    """An NXentry with the metadata the indexer reads (``default=None``: no ``@default``)."""
    entry = _group(f, name, "NXentry")
    if default is not None:
        entry.attrs["default"] = default
    entry["title"] = title
    if definition is not None:
        entry["definition"] = definition
    if start is not None:
        entry["start_time"] = start
    if instrument is not None:
        _group(entry, "instrument", "NXinstrument")["name"] = instrument
    if sample is not None:
        _group(entry, "sample", "NXsample")["name"] = sample
    return entry


def _root(f: h5py.File, default: str | None = "entry") -> h5py.File:
    f.attrs["NX_class"] = "NXroot"
    f.attrs["creator"] = "tests/support/nexus_cases.py"
    if default is not None:
        f.attrs["default"] = default
    return f


def _curve(n: int = 50) -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(0.01, 0.5, n)
    return x, 100.0 / (1.0 + (x / 0.05) ** 2) + 1.0


def _image(shape: tuple[int, ...] = (24, 32), dtype: Any = np.float64) -> np.ndarray:
    values = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) % 97
    return values.astype(dtype)


def _xy_axes(group: h5py.Group, shape: tuple[int, int]) -> None:
    _field(group, "y", np.linspace(-1.0, 1.0, shape[0]), units="mm")
    _field(group, "x", np.linspace(-2.0, 2.0, shape[1]), units="mm")


def _simple(
    path: Path,
    fill: Callable[[h5py.Group], None],
    *,
    title: str,
    signal: str = "data",
    axes: Any = None,
    definition: str | None = None,
) -> None:
    """A file with one entry whose default NXdata ``/entry/data`` `fill` fills."""
    with h5py.File(path, "w") as f:
        entry = _entry(_root(f), title=title, definition=definition)
        data = _group(entry, "data", "NXdata", signal=signal)
        if axes is not None:
            data.attrs["axes"] = axes
        fill(data)


# ---- histograms, per-signal axes, uncertainties --------------------------------------


def write_histogram_1d(path: Path) -> None:
    """Counts per time-of-flight bin: 101 bin edges for 100 counts (a neutron histogram)."""

    def fill(g: h5py.Group) -> None:
        _field(g, "counts", np.arange(100, dtype=np.int32) % 13, units="counts")
        _field(g, "tof", np.linspace(1000.0, 20000.0, 101), units="microsecond",
               long_name="time-of-flight")  # fmt: skip

    _simple(path, fill, title="histogram 1d", signal="counts", axes="tof")


def write_histogram_2d(path: Path) -> None:
    """A 2-D histogram: both axes are bin edges (n + 1 values)."""

    def fill(g: h5py.Group) -> None:
        _field(g, "counts", _image((20, 30)), units="counts")
        _field(g, "y", np.linspace(0.0, 2.0, 21), units="mm")
        _field(g, "x", np.linspace(0.0, 3.0, 31), units="mm")

    _simple(path, fill, title="histogram 2d", signal="counts", axes=["y", "x"])


def _sasdata(entry: h5py.Group, name: str = "sasdata", **attrs: Any) -> h5py.Group:
    return _group(entry, name, "NXdata", canSAS_class="SASdata", signal="I", **attrs)


def write_nxcansas_1d(path: Path) -> None:
    """NXcanSAS as SasView writes it: ``@I_axes``, ``@Q_indices``, no ``@axes``;
    ``I@uncertainties="Idev"``, ``Q@resolutions="dQ"``."""
    with h5py.File(path, "w") as f:
        entry = _entry(_root(f, "sasentry"), "sasentry", title="lysozyme 2 mg/ml",
                       definition="NXcanSAS", default="sasdata")  # fmt: skip
        entry.attrs["canSAS_class"] = "SASentry"
        data = _sasdata(entry, I_axes="Q", Q_indices=0)
        q, intensity = _curve(80)
        _field(data, "I", intensity, units="1/cm", uncertainties="Idev")
        _field(data, "Idev", np.sqrt(intensity) / 10, units="1/cm")
        _field(data, "Q", q, units="1/angstrom", resolutions="dQ")
        _field(data, "dQ", q * 0.05, units="1/angstrom")


def write_nxcansas_2d(path: Path) -> None:
    """2-D reduced SAS data: I(Qy, Qx) with 1-D Qx, Qy (``@I_axes="Qy,Qx"``), no
    ``@default`` anywhere (older SasView)."""
    with h5py.File(path, "w") as f:
        entry = _entry(_root(f, None), "sasentry", title="2d reduced", definition="NXcanSAS",
                       default=None)  # fmt: skip
        data = _sasdata(entry, I_axes="Qy,Qx", Qy_indices=0, Qx_indices=1)
        _field(data, "I", _image((20, 24)) + 1, units="1/cm", uncertainties="Idev")
        _field(data, "Idev", np.ones((20, 24)), units="1/cm")
        _field(data, "Qy", np.linspace(-0.1, 0.1, 20), units="1/angstrom")
        _field(data, "Qx", np.linspace(-0.12, 0.12, 24), units="1/angstrom")


def write_qxqy_grids(path: Path) -> None:
    """2-D reduced data whose Qx and Qy are 2-D grids (one value per pixel), as some
    reduction programs write them: ``@I_axes="Qx,Qy"``, ``Q_indices="[0,1]"`` (text)."""
    with h5py.File(path, "w") as f:
        entry = _entry(_root(f, "sasentry"), "sasentry", title="qxqy grids",
                       definition="NXcanSAS", default="sasdata")  # fmt: skip
        data = _sasdata(entry, I_axes="Qx,Qy", Q_indices="[0,1]")
        qy, qx = np.meshgrid(np.linspace(-0.1, 0.1, 16), np.linspace(-0.2, 0.2, 18),
                             indexing="ij")  # fmt: skip
        _field(data, "I", _image((16, 18)) + 1, units="1/cm")
        _field(data, "Qx", qx, units="1/angstrom")
        _field(data, "Qy", qy, units="1/angstrom")


def write_axes_from_indices(path: Path) -> None:
    """``@signal`` and ``@energy_indices=0`` only: the axis is found from ``_indices``."""

    def fill(g: h5py.Group) -> None:
        g.attrs["energy_indices"] = 0
        x, y = _curve(40)
        _field(g, "mu", y, long_name="absorption")
        _field(g, "energy", 8000 + 1000 * x, units="eV")

    _simple(path, fill, title="xas scan", signal="mu", definition="NXxas")


def write_errors_field(path: Path) -> None:
    """Uncertainties in a dataset named ``errors`` (NeXus before 2018)."""

    def fill(g: h5py.Group) -> None:
        x, y = _curve(30)
        _field(g, "data", y)
        _field(g, "errors", np.sqrt(y))
        _field(g, "x", x, units="1/nm")

    _simple(path, fill, title="errors field", axes="x")


def write_signal_errors(path: Path) -> None:
    """``<signal>_errors`` beside the signal, and ``@x_indices``."""

    def fill(g: h5py.Group) -> None:
        x, y = _curve(30)
        g.attrs["x_indices"] = 0
        _field(g, "data", y)
        _field(g, "data_errors", np.sqrt(y))
        _field(g, "x", x, units="1/nm")

    _simple(path, fill, title="signal errors", axes="x")


def write_mantid_2d(path: Path) -> None:
    """2-D SAS as Mantid's SaveNXcanSAS writes it: ``@I_axes="Q,Q"`` with no ``Q`` but
    2-D ``Qx``, ``Qy`` grids; ``I@uncertainty`` (singular) and ``@I_uncertainty``."""
    with h5py.File(path, "w") as f:
        entry = _entry(_root(f, "sasentry01"), "sasentry01", title="mantid 2d",
                       definition="NXcanSAS", default="sasdata")  # fmt: skip
        data = _sasdata(entry, I_axes="Q,Q", Q_indices=[0, 1], I_uncertainty="Idev")
        qy, qx = np.meshgrid(np.linspace(-0.1, 0.1, 12), np.linspace(-0.2, 0.2, 14),
                             indexing="ij")  # fmt: skip
        _field(data, "I", _image((12, 14)) + 1, units="1/cm", uncertainty="Idev")
        _field(data, "Idev", np.ones((12, 14)), units="1/cm")
        _field(data, "Qx", qx, units="1/A")
        _field(data, "Qy", qy, units="1/A")


def write_axes_out_of_order(path: Path) -> None:
    """A full ``@axes`` list in the wrong order: each axis fits another dim by length."""

    def fill(g: h5py.Group) -> None:
        _field(g, "data", _image((5, 7, 30)))
        _field(g, "temperature", np.linspace(280.0, 340.0, 7), units="K")
        _field(g, "time", np.arange(5.0), units="s")
        _field(g, "q", np.linspace(0.01, 0.3, 30), units="1/nm")

    _simple(path, fill, title="axes out of order", axes=["temperature", "time", "q"])


def write_short_axes(path: Path) -> None:
    """NXmx as DLS and nexgen write it: 3-D frames with ``@axes="omega"`` (one name, for
    the first dim) and no ``@interpretation``."""

    def fill(g: h5py.Group) -> None:
        _field(g, "data", _image((4, 16, 20), np.uint16))
        _field(g, "omega", np.linspace(0.0, 0.3, 4), units="deg")

    _simple(path, fill, title="short axes", axes="omega")


def write_axis_attr_from_zero(path: Path) -> None:
    """``@signal=1`` and ``@axis=0`` (SOLEIL's DataRecorder counted dims from 0)."""

    def fill(g: h5py.Group) -> None:
        del g.attrs["signal"]
        _field(g, "image", _image((3, 16, 20), np.int32), signal=np.int32(1),
               interpretation="image")  # fmt: skip
        _field(g, "timestamps", np.arange(3.0), axis=np.int32(0), units="s")

    _simple(path, fill, title="axis from zero")


# ---- old NeXus, missing attributes, @default -------------------------------------------


def write_old_signal_attr(path: Path) -> None:
    """NAPI-era NeXus: ``@signal=1`` and ``@axes="y:x"`` on the dataset, nothing on the
    group."""

    def fill(g: h5py.Group) -> None:
        del g.attrs["signal"]
        _field(g, "counts", _image((16, 20)), signal=np.int32(1), axes="y:x")
        _xy_axes(g, (16, 20))

    _simple(path, fill, title="old nexus")


def write_old_axis_attr(path: Path) -> None:
    """Oldest NeXus: ``@signal=1`` on the data, ``@axis=1`` on the axis dataset."""

    def fill(g: h5py.Group) -> None:
        del g.attrs["signal"]
        x, y = _curve(25)
        _field(g, "counts", y, signal=np.int32(1))
        _field(g, "two_theta", x * 100, axis=np.int32(1), units="degrees")

    _simple(path, fill, title="oldest nexus")


def write_nxdata_without_axes(path: Path) -> None:
    """An NXdata with ``@signal`` and no ``@axes``: plotted against point index."""
    _simple(path, lambda g: _field(g, "data", _curve(20)[1]), title="no axes")


def write_no_default_root(path: Path) -> None:
    """No ``@default`` on the root; the only NXentry names its NXdata."""
    with h5py.File(path, "w") as f:
        entry = _entry(_root(f, None), title="no root default")
        data = _group(entry, "data", "NXdata", signal="data")
        _field(data, "data", _curve(20)[1])


def write_no_default_entry(path: Path) -> None:
    """The root names the entry; the entry names no NXdata: the first NXdata is guessed."""
    with h5py.File(path, "w") as f:
        entry = _entry(_root(f), title="no entry default", default=None)
        for name in ("counts", "monitor"):
            data = _group(entry, name, "NXdata", signal="data")
            _field(data, "data", _curve(20)[1])


def write_no_default_anywhere(path: Path) -> None:
    """No ``@default`` at any level, two entries: the first entry's first NXdata."""
    with h5py.File(path, "w") as f:
        _root(f, None)
        for name in ("scan_1", "scan_2"):
            entry = _entry(f, name, title=f"{name} title", default=None)
            data = _group(entry, "plot", "NXdata", signal="data", axes="x")
            _field(data, "data", _curve(20)[1])
            _field(data, "x", np.arange(20.0), units="s")


def write_default_dangling(path: Path) -> None:
    """The entry's ``@default`` names a group that does not exist."""
    with h5py.File(path, "w") as f:
        entry = _entry(_root(f), title="dangling default", default="plot")
        data = _group(entry, "data", "NXdata", signal="data")
        _field(data, "data", _curve(20)[1])


def write_root_default_not_first(path: Path) -> None:
    """Three entries; the root's ``@default`` names the last one."""
    with h5py.File(path, "w") as f:
        _root(f, "entry_c")
        for name in ("entry_a", "entry_b", "entry_c"):
            entry = _entry(f, name, title=f"{name} title", sample=f"{name} sample")
            data = _group(entry, "data", "NXdata", signal="data")
            _field(data, "data", _curve(20)[1])


MANY_ENTRIES = 400
MANY_DEFAULT = "scan_0350"


def write_many_entries(path: Path) -> None:
    """400 entries (a scan per entry, as SPEC-to-NeXus converters write), root default
    ``scan_0350``."""
    x, y = _curve(10)
    with h5py.File(path, "w") as f:
        _root(f, MANY_DEFAULT)
        for i in range(1, MANY_ENTRIES + 1):
            entry = _entry(f, f"scan_{i:04d}", title=f"scan {i}", instrument=None, sample=None)
            data = _group(entry, "data", "NXdata", signal="I0", axes="th")
            data["I0"] = y * i
            data["th"] = x


# ---- links ----------------------------------------------------------------------------


def _detector_file(path: Path, link: Callable[[h5py.Group, h5py.Group], None]) -> None:
    """An NXmx-like layout: the detector data in the instrument, `link` puts it in
    ``/entry/data/data``."""
    with h5py.File(path, "w") as f:
        entry = _entry(_root(f), title=path.stem.replace("_", " "), definition="NXmx")
        detector = _group(entry["instrument"], "detector", "NXdetector")
        data = _group(entry, "data", "NXdata", signal="data")
        link(detector, data)


def _frames(group: h5py.Group, name: str = "data") -> None:
    group.create_dataset(name, data=_image((3, 16, 20), np.uint16))


def write_soft_link(path: Path) -> None:
    """``/entry/data/data`` is a soft link to the detector's data."""

    def link(detector: h5py.Group, data: h5py.Group) -> None:
        _frames(detector)
        data["data"] = h5py.SoftLink("/entry/instrument/detector/data")

    _detector_file(path, link)


def write_hard_link(path: Path) -> None:
    """``/entry/data/data`` is a hard link to the detector's data (NXmx style)."""

    def link(detector: h5py.Group, data: h5py.Group) -> None:
        _frames(detector)
        data["data"] = detector["data"]

    _detector_file(path, link)


def frames_file(path: Path) -> Path:
    """The data file an external-link case links to (Dectris ``_data_000001.h5`` style)."""
    return path.with_name(f"{path.stem}_data_000001.h5")


def write_external_link(path: Path) -> None:
    """The frames live in another file (master/data files of Eiger detectors)."""
    with h5py.File(frames_file(path), "w") as f:
        _frames(f.require_group("entry/data"))

    def link(detector: h5py.Group, data: h5py.Group) -> None:
        data["data"] = h5py.ExternalLink(frames_file(path).name, "/entry/data/data")

    _detector_file(path, link)


def write_external_missing(path: Path) -> None:
    """An external link to a data file that is not there (not copied with the master)."""

    def link(detector: h5py.Group, data: h5py.Group) -> None:
        _frames(detector, "flatfield")
        data["data"] = h5py.ExternalLink(frames_file(path).name, "/entry/data/data")

    _detector_file(path, link)


def write_soft_missing(path: Path) -> None:
    """A soft link whose target path does not exist."""

    def link(detector: h5py.Group, data: h5py.Group) -> None:
        _frames(detector, "flatfield")
        data["data"] = h5py.SoftLink("/entry/instrument/detector/data")

    _detector_file(path, link)


# ---- dimensions and types -------------------------------------------------------------


def _nd(path: Path, shape: tuple[int, ...], names: tuple[str, ...]) -> None:
    def fill(g: h5py.Group) -> None:
        _field(g, "data", _image(shape, np.float32), units="counts")
        for n, name in zip(shape, names, strict=True):
            _field(g, name, np.linspace(0.0, 1.0, n) + len(name), units="mm")

    _simple(path, fill, title=f"{len(shape)}-d data", axes=list(names))


def write_stack_3d(path: Path) -> None:
    """A stack of 5 images with an axis per dim."""
    _nd(path, (5, 16, 20), ("z", "y", "x"))


def write_data_4d(path: Path) -> None:
    """A 4-D scan: images over a 3 x 4 grid of sample positions."""
    _nd(path, (3, 4, 16, 20), ("sy", "sx", "y", "x"))


def write_data_5d(path: Path) -> None:
    """A 5-D dataset: images over temperature, field and angle."""
    _nd(path, (2, 3, 2, 8, 10), ("temperature", "field", "angle", "y", "x"))


def _typed(path: Path, data: np.ndarray) -> None:
    _simple(path, lambda g: _field(g, "data", data), title=f"{data.dtype} signal")


def write_signal_int(path: Path) -> None:
    """A uint32 image (detector counts, 2**32 - 1 marks gaps)."""
    data = _image((16, 20), np.uint32)
    data[:, 10] = np.iinfo(np.uint32).max
    _typed(path, data)


def write_signal_float16(path: Path) -> None:
    """A float16 curve."""
    _typed(path, _curve(30)[1].astype(np.float16))


def write_signal_bool(path: Path) -> None:
    """A boolean image (a mask)."""
    _typed(path, _image((16, 20)) > 40)


def write_signal_complex(path: Path) -> None:
    """A complex image (a reconstruction): |z| is shown."""
    _typed(path, _image((16, 20)) * np.exp(1j * _image((16, 20))))


def write_scalar_signal(path: Path) -> None:
    """An NXdata whose signal is a scalar (0-D)."""
    _simple(path, lambda g: _field(g, "data", 42.5, units="K"), title="scalar")


def write_empty_signal(path: Path) -> None:
    """An NXdata whose signal has 0 values (a scan stopped before its first point)."""

    def fill(g: h5py.Group) -> None:
        _field(g, "data", np.zeros(0))
        _field(g, "x", np.zeros(0), units="s")

    _simple(path, fill, title="empty", axes="x")


def _with_default_curve(path: Path, extra: Callable[[h5py.Group], None], title: str) -> None:
    def fill(g: h5py.Group) -> None:
        _field(g, "data", _curve(20)[1])
        extra(g.parent)

    _simple(path, fill, title=title)


def write_string_dataset(path: Path) -> None:
    """A string dataset (a note): shown as its value."""
    _with_default_curve(path, lambda e: e.create_dataset("notes", data="sample moved at 10:02"),
                        "strings")  # fmt: skip


def write_compound_dataset(path: Path) -> None:
    """A compound dataset (a table of motor positions): shown as values, not plotted."""
    table = np.array([(1, 0.5, b"open"), (2, 0.75, b"closed")],
                     dtype=[("step", "i4"), ("position", "f8"), ("shutter", "S6")])  # fmt: skip
    _with_default_curve(path, lambda e: e.create_dataset("positions", data=table), "compound")


ODD_ENTRY = "scan 1: Bob's sample.v2"
ODD_DATA = "I (det.1)"


def write_odd_names(path: Path) -> None:
    """Names with spaces, a colon, an apostrophe, dots and parentheses."""
    with h5py.File(path, "w") as f:
        entry = _entry(_root(f, ODD_ENTRY), ODD_ENTRY, title="odd names", default="data: 1")
        data = _group(entry, "data: 1", "NXdata", signal=ODD_DATA, axes="q.value")
        x, y = _curve(20)
        _field(data, ODD_DATA, y)
        _field(data, "q.value", x, units="1/nm")


# ---- compression ------------------------------------------------------------------------


def _compressed(path: Path, compression: Any) -> None:
    def fill(g: h5py.Group) -> None:
        g.create_dataset("data", data=_image((4, 32, 40), np.uint32), chunks=(1, 32, 40),
                         **compression)  # fmt: skip

    _simple(path, fill, title="compressed")


def write_bitshuffle_lz4(path: Path) -> None:
    """Bitshuffle + LZ4 (Dectris Eiger)."""
    _compressed(path, hdf5plugin.Bitshuffle(cname="lz4"))


def write_blosc(path: Path) -> None:
    """Blosc with LZ4 and byte shuffle."""
    _compressed(path, hdf5plugin.Blosc(cname="lz4", clevel=5, shuffle=hdf5plugin.Blosc.SHUFFLE))


def write_zstd(path: Path) -> None:
    """Zstandard."""
    _compressed(path, hdf5plugin.Zstd())


UNAVAILABLE_FILTER = 32020
"""VBZ (Oxford Nanopore's filter): registered with the HDF Group, shipped by nobody here."""


def write_unavailable_filter(path: Path) -> None:
    """Chunks compressed with a filter no installed plugin decodes."""

    def fill(g: h5py.Group) -> None:
        d = g.create_dataset("data", shape=(16, 20), dtype="f4", chunks=(16, 20),
                             compression=UNAVAILABLE_FILTER, allow_unknown_filter=True)  # fmt: skip
        d.id.write_direct_chunk((0, 0), b"\x00" * 64, 0)

    _simple(path, fill, title="unavailable filter")


# ---- units, long names, titles ----------------------------------------------------------


def write_units_and_titles(path: Path) -> None:
    """``@long_name`` and ``@units`` on the signal and the axis, ``@title`` on the NXdata."""

    def fill(g: h5py.Group) -> None:
        g.attrs["title"] = "Azimuthal integration"
        x, y = _curve(30)
        _field(g, "I", y, units="counts", long_name="Intensity")
        _field(g, "q", x, units="1/nm", long_name="Scattering vector")

    _simple(path, fill, title="units and titles", signal="I", axes="q")


def write_title_from_entry(path: Path) -> None:
    """No NXdata title: the NXentry's ``title`` is the plot title."""

    def fill(g: h5py.Group) -> None:
        _field(g, "data", _curve(20)[1], units="counts")

    _simple(path, fill, title="Calibration run: AgBeh")


def write_silx_style_log(path: Path) -> None:
    """``SILX_style`` asks for a log signal scale."""

    def fill(g: h5py.Group) -> None:
        g.attrs["SILX_style"] = '{"signal_scale_type": "log"}'
        x, y = _curve(30)
        _field(g, "data", y)
        _field(g, "x", x)

    _simple(path, fill, title="silx style", axes="x")


# ---- bad input ------------------------------------------------------------------------


def _good_image_file(path: Path, **dataset: Any) -> None:
    def fill(g: h5py.Group) -> None:
        g.create_dataset("data", data=_image((8, 64, 64)), chunks=(1, 64, 64), **dataset)

    _simple(path, fill, title="good file")


def write_truncated(path: Path) -> None:
    """A file cut at half its size (a copy that did not finish)."""
    _good_image_file(path)
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)


def write_corrupt_chunk(path: Path) -> None:
    """A gzip chunk overwritten with garbage: the metadata reads, the frame does not."""
    _good_image_file(path, compression="gzip")
    with h5py.File(path, "r") as f:
        offset = f["/entry/data/data"].id.get_chunk_info(0).byte_offset
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(b"\xff\x00garbage" * 8)


def write_corrupt_header(path: Path) -> None:
    """The superblock's signature overwritten (a disk or transfer error)."""
    _good_image_file(path)
    with open(path, "r+b") as f:
        f.write(b"\x00" * 8)


def write_not_hdf5(path: Path) -> None:
    """A text file named ``.nxs``."""
    path.write_text("# SPEC file\n#S 1 ascan th 0 1 10 1\n0 1\n")


def _snapshot(path: Path, swmr: bool) -> None:
    """The file as another reader sees it while the writer still has it open."""
    scratch = path.with_name(path.name + ".writing")
    f = h5py.File(scratch, "w", libver="latest")
    try:
        entry = _entry(_root(f), title="being written")
        data = _group(entry, "data", "NXdata", signal="data")
        data.create_dataset("data", data=_image((2, 16, 20)), maxshape=(None, 16, 20),
                            chunks=(1, 16, 20))  # fmt: skip
        if swmr:
            f.swmr_mode = True
        f.flush()
        shutil.copyfile(scratch, path)
    finally:
        f.close()
        scratch.unlink()


def write_being_written_swmr(path: Path) -> None:
    """Open for writing in SWMR mode (a detector writer appending frames)."""
    _snapshot(path, swmr=True)


def write_being_written(path: Path) -> None:
    """Open for writing without SWMR (HDF5 1.10 format): readers are refused until it
    is closed."""
    _snapshot(path, swmr=False)


HUGE_SHAPE = (100_000, 512, 512)
"""uint32: 100 GB declared; chunks of 64 x 64 pixels, three of them written."""


def write_huge_declared(path: Path) -> None:
    """A 100 GB dataset declared with tiny chunks, almost none written: a small file."""

    def fill(g: h5py.Group) -> None:
        d = g.create_dataset("data", shape=HUGE_SHAPE, dtype=np.uint32, chunks=(1, 64, 64))
        d[0, :64, :64] = 7
        d[0, 64:128, :64] = 9
        d[50_000, :64, :64] = 11

    _simple(path, fill, title="huge declared")


# ---- the table -------------------------------------------------------------------------


def _record(entry: str = "entry", **values: Any) -> Record:
    values.setdefault("instrument", "P12")
    values.setdefault("sample", "lysozyme")
    return Record(entry=entry, **values)


D = "/entry/data"


def _by_index(signal: str, **shown: Any) -> Shown:
    """A curve against point index (no axis)."""
    return Shown("curve", signal, ("",), labels=("index",), **shown)


def _by_pixel(signal: str, frames: tuple[int, ...] = (), **shown: Any) -> Shown:
    """An image (or a stack of `frames`) against pixel indices (no axes)."""
    return Shown("image", signal, ("", ""), frame_shape=frames, frame_axes=("",) * len(frames),
                 labels=("row", "column"), **shown)  # fmt: skip


SAS = "/sasentry/sasdata"
WHY_HISTOGRAM = (
    "silx rejects an axis of n + 1 bin edges (its NXdata is invalid, no plot); panhub "
    "plots the histogram at bin centres and says so, as NeXpy and the NeXus manual allow"
)
WHY_CANSAS_AXES = (
    "silx reads only @axes and plots I against point index; NXcanSAS names the axes with "
    "@I_axes/@Q_indices, which panhub follows, so I is plotted against Q"
)
WHY_GUESS = (
    "silx's get_default returns nothing when a @default is missing; panhub guesses the "
    "first NXdata as NeXpy's plottable_data does, and says in the note that it guessed"
)
WHY_BROKEN_LINK = (
    "silx's get_default raises KeyError on an NXdata whose signal link is broken; panhub "
    "plots nothing either, and names the missing file or path"
)
WHY_INDICES = (
    "silx ignores @AXISNAME_indices without @axes and plots against point index; panhub "
    "takes the axis from its _indices attribute, as the NeXus manual defines it"
)
WHY_2D_AXES = (
    "silx rejects 2-D axes (its NXdata is invalid); panhub uses Qx/Qy grids that vary "
    "along one dim only as the 1-D axes they are"
)
WHY_LENGTHS = (
    "silx rejects an NXdata whose @axes do not fit the dims they are listed for; panhub "
    "puts each axis on the one dim left whose length it fits, and says so in the note"
)
WHY_SHORT_AXES = (
    "silx rejects an @axes list shorter than the signal's dims without @interpretation; "
    "panhub, as NeXpy, gives the names to the first dims (NXmx's scan axis, omega)"
)
WHY_AXIS_ATTR = (
    "silx counts the old @axis attribute from 0, so @axis=1 of a 1-D signal names no dim; "
    "NXdata.nxdl.xml types it NX_POSINT, counted from 1 as NAPI wrote it: panhub plots "
    "against two_theta"
)

CASES: tuple[Case, ...] = (
    Case("histogram_1d", write_histogram_1d,
         Shown("curve", f"{D}/counts", (f"{D}/tof",), labels=("time-of-flight (microsecond)",),
               signal_label="counts", note="bin edges"),
         _record(title="histogram 1d"), silx=WHY_HISTOGRAM),
    Case("histogram_2d", write_histogram_2d,
         Shown("image", f"{D}/counts", (f"{D}/y", f"{D}/x"), labels=("y (mm)", "x (mm)"),
               signal_label="counts", note="bin edges"),
         _record(title="histogram 2d"), silx=WHY_HISTOGRAM),
    Case("nxcansas_1d", write_nxcansas_1d,
         Shown("curve", f"{SAS}/I", (f"{SAS}/Q",), errors=f"{SAS}/Idev",
               axis_errors=f"{SAS}/dQ", labels=("Q (1/angstrom)",), signal_label="I (1/cm)",
               scales=("log", "log")),
         _record("sasentry", title="lysozyme 2 mg/ml", definition="NXcanSAS"),
         silx=WHY_CANSAS_AXES),
    Case("nxcansas_2d", write_nxcansas_2d,
         Shown("image", f"{SAS}/I", (f"{SAS}/Qy", f"{SAS}/Qx"), errors=f"{SAS}/Idev",
               labels=("Qy (1/angstrom)", "Qx (1/angstrom)"), signal_label="I (1/cm)",
               scales=("", "log"), note="guessed"),
         _record("sasentry", title="2d reduced", definition="NXcanSAS"), silx=WHY_GUESS),
    Case("qxqy_grids", write_qxqy_grids,
         Shown("image", f"{SAS}/I", (f"{SAS}/Qy", f"{SAS}/Qx"),
               labels=("Qy (1/angstrom)", "Qx (1/angstrom)"), signal_label="I (1/cm)",
               scales=("", "log")),
         _record("sasentry", title="qxqy grids", definition="NXcanSAS"), silx=WHY_2D_AXES),
    Case("axes_from_indices", write_axes_from_indices,
         Shown("curve", f"{D}/mu", (f"{D}/energy",), labels=("energy (eV)",),
               signal_label="absorption"),
         _record(title="xas scan", definition="NXxas"), silx=WHY_INDICES),
    Case("mantid_2d", write_mantid_2d,
         Shown("image", "/sasentry01/sasdata/I", ("/sasentry01/sasdata/Qy", "/sasentry01/sasdata/Qx"),
               errors="/sasentry01/sasdata/Idev", labels=("Qy (1/A)", "Qx (1/A)"),
               signal_label="I (1/cm)", scales=("", "log")),
         _record("sasentry01", title="mantid 2d", definition="NXcanSAS"), silx=WHY_2D_AXES),
    Case("axes_out_of_order", write_axes_out_of_order,
         Shown("image", f"{D}/data", (f"{D}/temperature", f"{D}/q"), frame_shape=(5,),
               frame_axes=(f"{D}/time",), labels=("temperature (K)", "q (1/nm)"),
               signal_label="data", note="put on dim"),
         _record(title="axes out of order"), silx=WHY_LENGTHS),
    Case("short_axes", write_short_axes,
         Shown("image", f"{D}/data", ("", ""), frame_shape=(4,), frame_axes=(f"{D}/omega",),
               labels=("row", "column"), signal_label="data"),
         _record(title="short axes"), silx=WHY_SHORT_AXES),
    Case("axis_attr_from_zero", write_axis_attr_from_zero,
         Shown("image", f"{D}/image", ("", ""), frame_shape=(3,), frame_axes=(f"{D}/timestamps",),
               labels=("row", "column"), signal_label="image"),
         _record(title="axis from zero")),
    Case("errors_field", write_errors_field,
         Shown("curve", f"{D}/data", (f"{D}/x",), errors=f"{D}/errors", labels=("x (1/nm)",),
               signal_label="data"),
         _record(title="errors field")),
    Case("signal_errors", write_signal_errors,
         Shown("curve", f"{D}/data", (f"{D}/x",), errors=f"{D}/data_errors",
               labels=("x (1/nm)",), signal_label="data"),
         _record(title="signal errors")),
    Case("old_signal_attr", write_old_signal_attr,
         Shown("image", f"{D}/counts", (f"{D}/y", f"{D}/x"), labels=("y (mm)", "x (mm)"),
               signal_label="counts"),
         _record(title="old nexus")),
    Case("old_axis_attr", write_old_axis_attr,
         Shown("curve", f"{D}/counts", (f"{D}/two_theta",), labels=("two_theta (degrees)",),
               signal_label="counts"),
         _record(title="oldest nexus"), silx=WHY_AXIS_ATTR),
    Case("nxdata_without_axes", write_nxdata_without_axes,
         _by_index(f"{D}/data", signal_label="data"),
         _record(title="no axes")),
    Case("no_default_root", write_no_default_root,
         _by_index(f"{D}/data", signal_label="data",
               note="guessed"),
         _record(title="no root default"), silx=WHY_GUESS),
    Case("no_default_entry", write_no_default_entry,
         _by_index("/entry/counts/data", signal_label="data",
               note="guessed"),
         _record(title="no entry default"), silx=WHY_GUESS),
    Case("no_default_anywhere", write_no_default_anywhere,
         Shown("curve", "/scan_1/plot/data", ("/scan_1/plot/x",), labels=("x (s)",),
               signal_label="data", title="scan_1 title", note="guessed"),
         _record("scan_1", title="scan_1 title"), silx=WHY_GUESS),
    Case("default_dangling", write_default_dangling,
         _by_index(f"{D}/data", signal_label="data",
               note="plot"),
         _record(title="dangling default"), silx=WHY_GUESS),
    Case("root_default_not_first", write_root_default_not_first,
         _by_index("/entry_c/data/data", signal_label="data",
               title="entry_c title"),
         _record("entry_c", title="entry_c title", sample="entry_c sample")),
    Case("many_entries", write_many_entries,
         Shown("curve", f"/{MANY_DEFAULT}/data/I0", (f"/{MANY_DEFAULT}/data/th",),
               labels=("th",), signal_label="I0", title="scan 350"),
         _record(MANY_DEFAULT, title="scan 350", instrument=None, sample=None)),
    Case("soft_link", write_soft_link,
         _by_pixel(f"{D}/data", (3,), signal_label="data"),
         _record(title="soft link", definition="NXmx")),
    Case("hard_link", write_hard_link,
         _by_pixel(f"{D}/data", (3,), signal_label="data"),
         _record(title="hard link", definition="NXmx")),
    Case("external_link", write_external_link,
         _by_pixel(f"{D}/data", (3,), signal_label="data"),
         _record(title="external link", definition="NXmx")),
    Case("external_missing", write_external_missing,
         Shown("none", f"{D}/data", note="external_missing_data_000001.h5"),
         _record(title="external missing", definition="NXmx"), silx=WHY_BROKEN_LINK),
    Case("soft_missing", write_soft_missing,
         Shown("none", f"{D}/data", note="/entry/instrument/detector/data"),
         _record(title="soft missing", definition="NXmx"), silx=WHY_BROKEN_LINK),
    Case("stack_3d", write_stack_3d,
         Shown("image", f"{D}/data", (f"{D}/y", f"{D}/x"), frame_shape=(5,),
               frame_axes=(f"{D}/z",), labels=("y (mm)", "x (mm)"),
               signal_label="data (counts)"),
         _record(title="3-d data")),
    Case("data_4d", write_data_4d,
         Shown("image", f"{D}/data", (f"{D}/y", f"{D}/x"), frame_shape=(3, 4),
               frame_axes=(f"{D}/sy", f"{D}/sx"), labels=("y (mm)", "x (mm)"),
               signal_label="data (counts)"),
         _record(title="4-d data")),
    Case("data_5d", write_data_5d,
         Shown("image", f"{D}/data", (f"{D}/y", f"{D}/x"), frame_shape=(2, 3, 2),
               frame_axes=(f"{D}/temperature", f"{D}/field", f"{D}/angle"),
               labels=("y (mm)", "x (mm)"), signal_label="data (counts)"),
         _record(title="5-d data")),
    Case("signal_int", write_signal_int,
         _by_pixel(f"{D}/data", signal_label="data"),
         _record(title="uint32 signal")),
    Case("signal_float16", write_signal_float16,
         _by_index(f"{D}/data", signal_label="data"),
         _record(title="float16 signal")),
    Case("signal_bool", write_signal_bool,
         _by_pixel(f"{D}/data", signal_label="data"),
         _record(title="bool signal")),
    Case("signal_complex", write_signal_complex,
         _by_pixel(f"{D}/data", signal_label="data",
               note="|z|"),
         _record(title="complex128 signal")),
    Case("scalar_signal", write_scalar_signal,
         Shown("scalar", f"{D}/data", signal_label="data (K)"), _record(title="scalar")),
    Case("empty_signal", write_empty_signal,
         Shown("none", f"{D}/data", (f"{D}/x",), labels=("x (s)",), signal_label="data",
               note="no values"),
         _record(title="empty")),
    Case("string_dataset", write_string_dataset,
         Shown("text", "/entry/notes", signal_label="notes", title="/entry/notes",
               node="/entry/notes"),
         _record(title="strings")),
    Case("compound_dataset", write_compound_dataset,
         Shown("text", "/entry/positions", signal_label="positions", title="/entry/positions",
               node="/entry/positions"),
         _record(title="compound")),
    Case("odd_names", write_odd_names,
         Shown("curve", f"/{ODD_ENTRY}/data: 1/{ODD_DATA}", (f"/{ODD_ENTRY}/data: 1/q.value",),
               labels=("q.value (1/nm)",), signal_label=ODD_DATA),
         _record(ODD_ENTRY, title="odd names")),
    Case("bitshuffle_lz4", write_bitshuffle_lz4,
         _by_pixel(f"{D}/data", (4,), signal_label="data"),
         _record(title="compressed")),
    Case("blosc", write_blosc,
         _by_pixel(f"{D}/data", (4,), signal_label="data"),
         _record(title="compressed")),
    Case("zstd", write_zstd,
         _by_pixel(f"{D}/data", (4,), signal_label="data"),
         _record(title="compressed")),
    Case("unavailable_filter", write_unavailable_filter,
         _by_pixel(f"{D}/data", signal_label="data",
               error="VBZ (filter id 32020)"),
         _record(title="unavailable filter")),
    Case("units_and_titles", write_units_and_titles,
         Shown("curve", f"{D}/I", (f"{D}/q",), title="Azimuthal integration",
               labels=("Scattering vector (1/nm)",), signal_label="Intensity (counts)"),
         _record(title="units and titles")),
    Case("title_from_entry", write_title_from_entry,
         _by_index(f"{D}/data", signal_label="data (counts)"),
         _record(title="Calibration run: AgBeh")),
    Case("silx_style_log", write_silx_style_log,
         Shown("curve", f"{D}/data", (f"{D}/x",), labels=("x",), signal_label="data",
               scales=("", "log")),
         _record(title="silx style")),
    Case("truncated", write_truncated, Shown("error", error="truncated"), None),
    Case("corrupt_chunk", write_corrupt_chunk,
         _by_pixel(f"{D}/data", (8,), signal_label="data", error="cannot read /entry/data/data"),
         _record(title="good file")),
    Case("corrupt_header", write_corrupt_header,
         Shown("error", error="not an HDF5 file"), None),
    Case("not_hdf5", write_not_hdf5, Shown("error", error="not an HDF5 file"), None),
    Case("being_written_swmr", write_being_written_swmr,
         _by_pixel(f"{D}/data", (2,), signal_label="data"),
         _record(title="being written")),
    Case("being_written", write_being_written,
         Shown("error", error="being written"), None),
    Case("huge_declared", write_huge_declared,
         _by_pixel(f"{D}/data", (HUGE_SHAPE[0],), signal_label="data"),
         _record(title="huge declared")),
)  # fmt: skip
"""Every case, in the issue's order."""

BY_NAME: dict[str, Case] = {case.name: case for case in CASES}


def get_case(name: str) -> Case:
    """The case called `name`."""
    return BY_NAME[name]
