"""Find what to plot: the default NXdata (silx rules), with fallbacks.

The NeXus rules (``@default`` chain, ``@signal``/``@axes``, errors, ``SILX_style``)
come from :mod:`silx.io.nxdata`; this module only decides what to do when a file
has no default, and reduces the result to a small, JSON-friendly :class:`PlotSpec`.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterator

import h5py
import numpy as np
from silx.io.nxdata.parse import NXdata, get_default, is_valid_nxdata

from panhub_nexus.core.tree import get_nx_class

MAX_SEARCH_NODES = 2000
"""Fallback search visits at most this many groups (files may hold millions)."""


@dataclasses.dataclass(frozen=True)
class PlotSpec:
    """What the viewer shows for a node.

    Attributes
    ----------
    kind : str
        ``image`` (2D, or N-D with a frame index), ``curve`` (1D, or rows of 2D
        spectra with a frame index), ``scalar``, ``text`` or ``none``.
    signal : str
        HDF5 path of the signal dataset ("" when kind is ``none``).
    title, signal_label : str
        Plot title and signal label with units.
    axes : tuple of str
        HDF5 paths of the axes of the displayed dims, ``""`` when absent. For images,
        ``(y, x)``; for curves, ``(x,)``.
    axes_labels : tuple of str
        Axis labels with units, aligned with `axes`.
    errors : str
        Path of the signal errors ("" if none).
    auxiliary : tuple of str
        Paths of the auxiliary signals (curves only).
    frame_shape : tuple of int
        Shape of the leading dims indexed by the frame slider (empty if none).
    signal_scale : str
        ``linear`` or ``log`` when the file asks (``SILX_style``), else ``""``.
    nxdata : str
        Path of the NXdata group used ("" for a raw dataset).
    note : str
        Why a fallback was taken, or what is shown (e.g. ``|z|`` of complex data).
    """

    kind: str
    signal: str = ""
    title: str = ""
    signal_label: str = ""
    axes: tuple[str, ...] = ()
    axes_labels: tuple[str, ...] = ()
    errors: str = ""
    auxiliary: tuple[str, ...] = ()
    frame_shape: tuple[int, ...] = ()
    signal_scale: str = ""
    nxdata: str = ""
    note: str = ""

    @property
    def n_frames(self) -> int:
        """Number of frames (1 when there is no frame index)."""
        return int(np.prod(self.frame_shape)) if self.frame_shape else 1


def _is_numeric(dtype: np.dtype[np.generic]) -> bool:
    return dtype.kind in "biufc"


def make_dataset_spec(dataset: h5py.Dataset, note: str = "") -> PlotSpec:
    """Spec for a raw dataset: ndim decides, numeric data only is plotted."""
    name = dataset.name or ""
    label = name.rsplit("/", 1)[-1]
    units = dataset.attrs.get("units")
    if units is not None:
        label += f" ({units.decode() if isinstance(units, bytes) else units})"
    shape = dataset.shape or ()
    if dataset.dtype.kind == "c":
        note = (note + "; " if note else "") + "complex data: showing |z|"
    if not _is_numeric(dataset.dtype):
        return PlotSpec(kind="text", signal=name, title=name, signal_label=label, note=note)
    if len(shape) == 0 or dataset.size == 1:
        return PlotSpec(kind="scalar", signal=name, title=name, signal_label=label, note=note)
    if len(shape) == 1:
        return PlotSpec(kind="curve", signal=name, title=name, signal_label=label,
                        axes=("",), axes_labels=("index",), note=note)  # fmt: skip
    return PlotSpec(
        kind="image", signal=name, title=name, signal_label=label, axes=("", ""),
        axes_labels=("row", "column"), frame_shape=tuple(shape[:-2]), note=note,
    )  # fmt: skip


def make_nxdata_spec(group: h5py.Group, nx: NXdata, note: str = "") -> PlotSpec:
    """Reduce a valid silx ``NXdata`` to a :class:`PlotSpec`."""
    signal = nx.signal
    if signal is None:
        return PlotSpec(kind="none", nxdata=group.name or "", note="NXdata without a signal")
    ndim = len(signal.shape)
    axes = list(nx.axes) if nx.axes is not None else [None] * ndim
    labels = list(nx.axes_names) if nx.axes_names is not None else [None] * ndim
    title = nx.title or (group.name or "")
    scale = nx.plot_style.signal_scale_type or "" if nx.plot_style else ""
    errors = nx.errors.name if nx.errors is not None else ""
    if signal.dtype.kind == "c":
        note = (note + "; " if note else "") + "complex data: showing |z|"
    if not _is_numeric(signal.dtype):
        return PlotSpec(kind="text", signal=signal.name, title=title, nxdata=group.name or "")
    # silx 3's rule without its deprecated ``is_curve``: a 1D signal, or spectra of any
    # dimension (silx's validation has already checked that the last axis fits)
    curve = ndim == 1 or (ndim > 1 and nx.interpretation == "spectrum")
    dims = [ndim - 1] if curve else [ndim - 2, ndim - 1]
    if ndim == 0 or signal.size == 1:
        return PlotSpec(kind="scalar", signal=signal.name, title=title, nxdata=group.name or "")
    aux = tuple(a.name for a in nx.auxiliary_signals if a is not None) if curve else ()
    default_labels = ["x"] if curve else ["row", "column"]
    return PlotSpec(
        kind="curve" if curve else "image",
        signal=signal.name,
        title=str(title),
        signal_label=str(nx.signal_name),
        axes=tuple(_axis_path(axes[d], signal.shape[d]) for d in dims),
        axes_labels=tuple(
            str(labels[d]) if labels[d] else default_labels[i] for i, d in enumerate(dims)
        ),
        errors=errors if curve else "",
        auxiliary=aux,
        frame_shape=tuple(signal.shape[: dims[0]]),
        signal_scale=scale,
        nxdata=group.name or "",
        note=note,
    )


def _axis_path(axis: h5py.Dataset | None, length: int) -> str:
    # Only 1D axes with one value per pixel (or N+1 bin edges) label the plot axis.
    if axis is None or len(axis.shape) != 1 or axis.shape[0] not in (length, length + 1):
        return ""
    return axis.name or ""


def _nxdata_or_none(group: h5py.Group) -> NXdata | None:
    try:
        if get_nx_class(group) == "NXdata" and is_valid_nxdata(group):
            return NXdata(group)
    except (OSError, KeyError, TypeError, ValueError):
        return None
    return None


def find_first_nxdata(group: h5py.Group) -> h5py.Group | None:
    """Breadth-first search for the first valid NXdata below `group`, bounded in size."""
    queue: deque[h5py.Group] = deque([group])
    seen = 0
    while queue and seen < MAX_SEARCH_NODES:
        current = queue.popleft()
        seen += 1
        if current is not group and _nxdata_or_none(current) is not None:
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
        for name in current:
            try:
                child = current.get(name)
            except (OSError, KeyError, ValueError):
                continue
            if isinstance(child, h5py.Group):
                queue.append(child)
            elif isinstance(child, h5py.Dataset) and _is_numeric(child.dtype) and child.ndim:
                if child.ndim >= 2:
                    return child
                best = best or child
    return best


def find_plot(file: h5py.File, path: str = "/") -> PlotSpec:
    """Decide what to show for the node `path`.

    Order: the NeXus ``@default`` chain (silx); the node itself if it is a valid
    NXdata; the first valid NXdata below; the node itself if it is a dataset; the
    first numeric dataset below. Broken NXdata groups are explained with silx's
    ``issues`` list.
    """
    node = file[path]
    if isinstance(node, h5py.Dataset):
        parent = node.parent
        nx = _nxdata_or_none(parent)
        if nx is not None and nx.signal is not None and nx.signal.name == node.name:
            return make_nxdata_spec(parent, nx)
        return make_dataset_spec(node)
    if not isinstance(node, h5py.Group):
        return PlotSpec(kind="none", note=f"{path} is not a group or dataset")
    try:
        default = get_default(node, validate=True)
    except (OSError, KeyError, TypeError, ValueError):
        default = None
    if default is not None:
        return make_nxdata_spec(default.group, default)
    note = ""
    if get_nx_class(node) == "NXdata":
        try:
            issues = NXdata(node, validate=True).issues
        except (OSError, KeyError, TypeError, ValueError) as exc:
            issues = [str(exc)]
        note = f"invalid NXdata {path}: " + "; ".join(issues)
    found = find_first_nxdata(node)
    if found is not None:
        nx = NXdata(found)
        reason = note or f"no @default in {path}: showing the first NXdata"
        return make_nxdata_spec(found, nx, note=reason)
    dataset = find_first_dataset(node)
    if dataset is not None:
        return make_dataset_spec(dataset, note=note or "not NeXus: showing the first dataset")
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


def _child_groups(group: h5py.Group) -> Iterator[h5py.Group]:
    """The subgroups of ``group``, skipping links that cannot be resolved."""
    for name in group:
        try:
            child = group.get(name)
        except (OSError, KeyError, ValueError):
            continue
        if isinstance(child, h5py.Group):
            yield child


def _iter_groups(group: h5py.Group, depth: int) -> list[h5py.Group]:
    out: list[h5py.Group] = []
    if depth < 0:
        return out
    for child in _child_groups(group):
        out.append(child)
        out.extend(_iter_groups(child, depth - 1))
    return out
