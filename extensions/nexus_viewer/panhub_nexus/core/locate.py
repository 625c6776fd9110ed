"""Find what to plot: the ``@default`` chain, guesses where it is missing, and fallbacks.

The NXdata rules are in :mod:`panhub_nexus.core.nxdata` (silx's, extended to what
writers produce); this module follows ``@default`` from the node the user opens, guesses
where a ``@default`` is missing or names nothing (the first NXentry, then the first
NXdata, as NeXpy's ``plottable_data`` does) and says so in the note, and reduces the
result to a small, JSON-friendly :class:`PlotSpec`.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterator
from typing import Any

import h5py
import numpy as np

from panhub_nexus.core.axes import Axis
from panhub_nexus.core.links import describe_broken, describe_missing_sources, get_child
from panhub_nexus.core.nxdata import NxView, has_signal, read_nxdata
from panhub_nexus.core.text import get_text
from panhub_nexus.core.tree import get_nx_class

MAX_SEARCH_NODES = 2000
"""Searches visit at most this many groups (files may hold millions)."""
MAX_DEFAULT_HOPS = 16
"""``@default`` links followed at most (a chain that loops ends here)."""


@dataclasses.dataclass(frozen=True)
class PlotSpec:
    """What the viewer shows for a node.

    Attributes
    ----------
    kind : str
        ``image`` (2D, or N-D with a frame index), ``curve`` (1D, or rows of 2D
        spectra with a frame index), ``scalar``, ``text`` or ``none``.
    signal : str
        HDF5 path of the signal dataset ("" when there is none; the missing one when
        its link is broken).
    title, signal_label : str
        Plot title (the NXdata's, else its NXentry's) and signal label with units.
    axes : tuple of str
        HDF5 paths of the axes of the displayed dims, ``""`` when absent. For images,
        ``(y, x)``; for curves, ``(x,)``. An axis may hold n + 1 bin edges, or be a
        2-D grid of which one line is the axis.
    axes_labels : tuple of str
        Axis labels with units, aligned with `axes`.
    errors : str
        Path of the signal errors ("" if none).
    axis_errors : str
        Path of the x axis's resolutions or errors, for curves ("" if none).
    auxiliary : tuple of str
        Paths of the auxiliary signals (curves only).
    frame_shape : tuple of int
        Shape of the leading dims indexed by the frame selectors (empty if none).
    frame_axes, frame_labels : tuple of str
        Paths ("" if none) and labels of the axes of the leading dims.
    signal_scale, x_scale : str
        ``log`` where the file or its technique asks for it (``SILX_style``, NXcanSAS),
        else ``""`` (``linear`` from ``SILX_style`` is kept).
    nxdata : str
        Path of the NXdata group used ("" for a raw dataset).
    note : str
        Why a fallback or a guess was taken, what is missing, or what is shown (e.g.
        ``|z|`` of complex data, bin centres).
    """

    kind: str
    signal: str = ""
    title: str = ""
    signal_label: str = ""
    axes: tuple[str, ...] = ()
    axes_labels: tuple[str, ...] = ()
    errors: str = ""
    axis_errors: str = ""
    auxiliary: tuple[str, ...] = ()
    frame_shape: tuple[int, ...] = ()
    frame_axes: tuple[str, ...] = ()
    frame_labels: tuple[str, ...] = ()
    signal_scale: str = ""
    x_scale: str = ""
    nxdata: str = ""
    note: str = ""

    @property
    def n_frames(self) -> int:
        """Number of frames (1 when there is no frame index)."""
        return int(np.prod(self.frame_shape)) if self.frame_shape else 1


def _is_numeric(dtype: np.dtype[np.generic]) -> bool:
    return dtype.kind in "biufc"


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _by_shape(spec: PlotSpec, shape: tuple[int, ...], size: int, dtype: np.dtype[Any]) -> PlotSpec:
    """`spec` as text, scalar or "no values" when the signal is no curve or image."""
    if not _is_numeric(dtype) or len(shape) == 0 or size == 1:
        return PlotSpec(kind="scalar" if _is_numeric(dtype) else "text", signal=spec.signal,
                        title=spec.title, signal_label=spec.signal_label, errors=spec.errors,
                        nxdata=spec.nxdata, note=spec.note)  # fmt: skip
    if size == 0:
        empty = f"{spec.signal} has no values (shape {shape})"
        return dataclasses.replace(spec, kind="none", note=_join(spec.note, empty))
    return spec


def make_dataset_spec(dataset: h5py.Dataset, note: str = "") -> PlotSpec:
    """Spec for a raw dataset: ndim decides, numeric data only is plotted."""
    name = dataset.name or ""
    label = name.rsplit("/", 1)[-1]
    units = get_text(dataset, "units")
    if units:
        label += f" ({units})"
    shape = tuple(dataset.shape or ())
    if dataset.dtype.kind == "c":
        note = _join(note, "complex data: showing |z|")
    base = PlotSpec(kind="none", signal=name, title=name, signal_label=label, note=note)
    if len(shape) == 1:
        spec = dataclasses.replace(base, kind="curve", axes=("",), axes_labels=("index",))
    else:
        lead = range(max(len(shape) - 2, 0))
        spec = dataclasses.replace(base, kind="image", axes=("", ""),
                                   axes_labels=("row", "column"), frame_shape=shape[:-2],
                                   frame_axes=tuple("" for _ in lead),
                                   frame_labels=tuple(f"dim {d}" for d in lead))  # fmt: skip
    return _by_shape(spec, shape, int(dataset.size), dataset.dtype)


def _edges_note(axes: list[Axis | None]) -> str:
    edges = [a.label for a in axes if a is not None and a.kind == "edges"]
    if not edges:
        return ""
    return f"histogram: {', '.join(edges)} holds bin edges (n + 1 values); shown at bin centres"


def make_nxdata_spec(group: h5py.Group, view: NxView, note: str = "") -> PlotSpec:
    """Reduce what an NXdata asks (:func:`read_nxdata`) to a :class:`PlotSpec`."""
    nxdata = group.name or ""
    base = PlotSpec(kind="none", signal=view.signal, title=view.title or nxdata, nxdata=nxdata,
                    signal_label=view.signal_label, errors=view.errors,
                    note=_join(note, view.problem, *view.notes))  # fmt: skip
    if not view.signal or view.problem:
        return base
    signal = group.file[view.signal]
    shape = tuple(signal.shape or ())
    ndim = len(shape)
    if signal.dtype.kind == "c":
        base = dataclasses.replace(base, note=_join(base.note, "complex data: showing |z|"))
    curve = ndim == 1 or view.interpretation == "spectrum"
    dims = [ndim - 1] if curve else [ndim - 2, ndim - 1]
    if ndim == 0:
        return _by_shape(base, shape, int(signal.size), signal.dtype)
    shown = [view.axes[d] for d in dims]
    lead = [a if a is not None and a.kind != "edges" else None for a in view.axes[: dims[0]]]
    defaults = ["index"] if curve else ["row", "column"]
    spec = dataclasses.replace(
        base,
        kind="curve" if curve else "image",
        axes=tuple(a.path if a else "" for a in shown),
        axes_labels=tuple(a.label if a else defaults[i] for i, a in enumerate(shown)),
        axis_errors=shown[0].errors if curve and shown[0] is not None else "",
        auxiliary=view.auxiliary if curve else (),
        frame_shape=shape[: dims[0]],
        frame_axes=tuple(a.path if a else "" for a in lead),
        frame_labels=tuple(a.label if a else f"dim {d}" for d, a in enumerate(lead)),
        signal_scale=view.signal_scale,
        x_scale=view.scales[dims[-1]] if curve else "",
        note=_join(base.note, _edges_note(shown)),
    )
    if curve and signal.size == 1 and _is_numeric(signal.dtype):
        return spec  # a scan of one point: a curve of one point, at its axis value
    return _by_shape(spec, shape, int(signal.size), signal.dtype)


def _children(group: h5py.Group) -> Iterator[tuple[str, h5py.Group | h5py.Dataset]]:
    """The children of `group` that can be opened, in h5py's order (lazily)."""
    for name in group:
        child = get_child(group, name)
        if child is not None:
            yield name, child


def _child_groups(group: h5py.Group) -> Iterator[h5py.Group]:
    """The subgroups of ``group``, skipping links that cannot be resolved."""
    for _, child in _children(group):
        if isinstance(child, h5py.Group):
            yield child


def find_first_nxdata(group: h5py.Group) -> h5py.Group | None:
    """Breadth-first search for the first NXdata with a signal below `group`, bounded."""
    queue: deque[h5py.Group] = deque([group])
    seen = 0
    while queue and seen < MAX_SEARCH_NODES:
        current = queue.popleft()
        seen += 1
        if current is not group and has_signal(current):
            return current
        queue.extend(_child_groups(current))
    return None


def find_first_dataset(group: h5py.Group) -> h5py.Dataset | None:
    """First numeric dataset with the most dims (2D and more first), bounded search."""
    best: h5py.Dataset | None = None
    queue: deque[h5py.Group] = deque([group])
    seen = 0
    while queue and seen < MAX_SEARCH_NODES:
        current = queue.popleft()
        seen += 1
        for _, child in _children(current):
            if isinstance(child, h5py.Group):
                queue.append(child)
            elif _is_numeric(child.dtype) and child.ndim and child.size:
                if child.ndim >= 2:
                    return child
                best = best or child
    return best


def _guess(group: h5py.Group) -> h5py.Group | None:
    """What a missing ``@default`` of `group` most likely meant: its first NXentry (a
    file's entries), else its first NXdata with a signal, else the first one below."""
    first_data = None
    for child in _child_groups(group):
        nx_class = get_nx_class(child)
        if nx_class == "NXentry":
            return child
        if first_data is None and nx_class == "NXdata" and has_signal(child):
            first_data = child
    return first_data or find_first_nxdata(group)


def find_default(group: h5py.Group) -> tuple[h5py.Group | None, str]:
    """Follow ``@default`` from `group` to an NXdata, guessing where it is missing.

    Returns
    -------
    (h5py.Group or None, str)
        The NXdata (None if there is none), and a note on each guess made ("" if the
        file's ``@default`` chain led there).
    """
    notes: list[str] = []
    current, seen = group, {group.name}
    for _ in range(MAX_DEFAULT_HOPS):
        if get_nx_class(current) == "NXdata":
            return current, _join(*notes)
        name = get_text(current, "default")
        target = get_child(current, name) if name else None
        if isinstance(target, h5py.Group) and target.name not in seen:
            current = target
            seen.add(target.name)
            continue
        guess = _guess(current)
        if guess is None or guess.name in seen:
            return None, _join(*notes)
        where = current.name or "/"
        why = f"no @default in {where}"
        if name:
            missing = f"@default of {where} names {name!r}, which is not there"
            why = describe_broken(current, name) or missing
        notes.append(f"{why}: guessed {guess.name}")
        current = guess
        seen.add(guess.name)
    return None, _join(*notes)


def _broken_spec(file: h5py.File, path: str) -> PlotSpec | None:
    parent, _, name = path.rstrip("/").rpartition("/")
    group = get_child(file, parent or "/") if parent else file
    if not isinstance(group, h5py.Group):
        return None
    problem = describe_broken(group, name)
    if not problem:
        return None
    return PlotSpec(kind="none", signal=path, note=f"cannot open {path}: {problem}")


def _spec_of_dataset(dataset: h5py.Dataset) -> PlotSpec:
    sources = describe_missing_sources(dataset)
    if sources:
        return PlotSpec(kind="none", signal=dataset.name or "", note=sources)
    parent = dataset.parent
    if get_nx_class(parent) == "NXdata":
        view = read_nxdata(parent)
        if view.signal == dataset.name and not view.problem:
            return make_nxdata_spec(parent, view)
    return make_dataset_spec(dataset)


def find_plot(file: h5py.File, path: str = "/") -> PlotSpec:
    """Decide what to show for the node `path`.

    A dataset is shown as itself (with its NXdata's axes if it is the signal). For a
    group: its ``@default`` chain to an NXdata, guessing where a ``@default`` is missing
    (:func:`find_default`, the note says so); else the first numeric dataset below. An
    NXdata whose signal is a broken link shows nothing and says which file or path is
    missing; one whose signal cannot be found is explained, and its first dataset shown.
    """
    node = get_child(file, path) if path != "/" else file
    if node is None:
        return _broken_spec(file, path) or PlotSpec(kind="none", note=f"{path} does not exist")
    if isinstance(node, h5py.Dataset):
        return _spec_of_dataset(node)
    group, note = find_default(node)
    if group is not None:
        view = read_nxdata(group)
        if not view.problem or view.missing:
            return make_nxdata_spec(group, view, note)
        note = _join(note, f"invalid NXdata {group.name}: {view.problem}")
        dataset = find_first_dataset(group)
        if dataset is not None:
            return make_dataset_spec(dataset, note=note)
    dataset = find_first_dataset(node)
    if dataset is not None:
        fallback = "no NXdata" if note else "not NeXus"
        return make_dataset_spec(
            dataset, note=_join(note, f"{fallback}: showing the first dataset")
        )
    return PlotSpec(kind="none", note=note or f"nothing to plot below {path}")


def find_pixel_mask(file: h5py.File, signal: str, frame_shape: tuple[int, int]) -> str:
    """Path of the NXdetector ``pixel_mask`` that goes with `signal`, or ``""``.

    Looks in the NXentry holding `signal`: first an NXdetector whose ``data`` is the
    signal itself (NXmx hard link), then any NXdetector of the NXinstrument groups
    whose 2D ``pixel_mask`` has the frame's shape.
    """
    parts = signal.strip("/").split("/")
    entry = file["/" + parts[0]] if len(parts) > 1 else file
    candidates: list[h5py.Group] = []
    for group in _iter_groups(entry, depth=3):
        if get_nx_class(group) == "NXdetector" and "pixel_mask" in group:
            candidates.append(group)
    signal_id = file[signal].id
    candidates.sort(key=lambda g: 0 if ("data" in g and g.get("data") is not None
                                        and getattr(g.get("data"), "id", None) == signal_id)
                    else 1)  # fmt: skip
    for group in candidates:
        mask = group.get("pixel_mask")
        if isinstance(mask, h5py.Dataset) and tuple(mask.shape) == tuple(frame_shape):
            return mask.name or ""
    return ""


def _iter_groups(group: h5py.Group, depth: int) -> list[h5py.Group]:
    out: list[h5py.Group] = []
    if depth < 0:
        return out
    for child in _child_groups(group):
        out.append(child)
        out.extend(_iter_groups(child, depth - 1))
    return out
