"""Which axis goes with which dim of an NXdata's signal.

The NeXus rules first, in the order silx and the NeXus manual give them: the group's
``@axes``; the signal's ``@axes="y:x"`` (NAPI); ``@<signal>_axes`` (NXcanSAS, ``@I_axes``);
``@<axis>_indices`` to place an axis; the oldest ``@axis=N`` on the axis datasets. Then
the repairs real files need, each said in a note:

* an axis of n + 1 values holds bin edges (histograms);
* an N-D axis with the signal's (trailing) shape that varies along one dim only is that
  dim's axis (Qx/Qy grids of 2-D SAS data); a declared name that is absent is looked
  for as such a grid under its name plus a letter (``Q`` -> ``Qx``, ``Qy``: Mantid);
* an axis whose length fits no dim it was declared for, but exactly one dim left
  without an axis, goes there (writers that list ``@axes`` out of order);
* a shorter ``@axes`` list is aligned to the last dims when ``@interpretation`` says the
  signal is spectra or images (silx), else to the first (NeXpy; NXmx's ``omega``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import h5py
import numpy as np
import numpy.typing as npt

from panhub_nexus.core.links import describe_broken, get_child
from panhub_nexus.core.text import get_indices, get_names, make_label

Floats = npt.NDArray[np.float64]
TRAILING = ("spectrum", "image", "rgb-image", "rgba-image")
"""Interpretations whose short ``@axes`` name the last dims."""


@dataclasses.dataclass(frozen=True)
class Axis:
    """The axis of one signal dim: its dataset path, label, and how its values fit.

    ``kind`` is ``values`` (one per point), ``edges`` (n + 1 bin edges), ``grid`` (an
    N-D array of which one line is the axis, see :func:`read_axis_values`) or ``coords``
    (an array of the signal's shape: the axis values of each point, read along the dim
    at the frame shown).
    """

    path: str
    label: str
    kind: str = "values"
    errors: str = ""


def _line(dataset: h5py.Dataset, dim: int) -> Floats | None:
    """The values of `dataset` along `dim`, the other indices at 0."""
    index = tuple(slice(None) if d == dim else 0 for d in range(dataset.ndim))
    try:
        return np.asarray(dataset[index], dtype=np.float64)
    except (OSError, ValueError, RuntimeError, TypeError):
        return None


def _varies(values: Floats | None) -> bool:
    return values is not None and values.size > 1 and bool(np.ptp(values) > 0)


def find_grid_dim(dataset: h5py.Dataset, shape: tuple[int, ...]) -> int | None:
    """The signal dim along which an N-D axis grid varies, or None if it is no grid.

    The grid has the signal's shape or its trailing dims', and varies along one dim.
    """
    grid = tuple(dataset.shape or ())
    if len(grid) < 2 or grid != shape[len(shape) - len(grid) :]:
        return None
    varying = [d for d in range(len(grid)) if _varies(_line(dataset, d))]
    return len(shape) - len(grid) + varying[0] if len(varying) == 1 else None


def read_axis_values(axis: h5py.Dataset, n: int) -> Floats | None:
    """The values of an axis for a dim of `n` points: n values, n + 1 bin edges, or the
    line of an N-D grid that has n values and varies; None if none fits."""
    if axis.dtype.kind not in "iuf":
        return None
    if axis.ndim == 1 and axis.shape[0] in (n, n + 1):
        line = _line(axis, 0)
        return line
    if axis.ndim >= 2:
        lines = [_line(axis, d) for d in range(axis.ndim) if axis.shape[d] == n]
        varying = [v for v in lines if _varies(v)]
        return varying[0] if len(varying) == 1 else None
    return None


def _axis_errors(group: h5py.Group, name: str, axis: h5py.Dataset) -> str:
    candidates = [f"{name}_errors"]
    for attr in ("resolutions", "uncertainties", "uncertainty"):
        candidates += get_names(axis, attr, ",") or []
    for candidate in candidates:
        errors = get_child(group, candidate)
        if isinstance(errors, h5py.Dataset) and errors.shape == axis.shape:
            return errors.name or ""
    return ""


def declared_names(
    group: h5py.Group, signal: h5py.Dataset, name: str, interpretation: str
) -> tuple[list[str | None], bool]:
    """The axis name of each signal dim, as the attributes declare them (None: none),
    and whether a list named every dim (else it was completed or built from indices)."""
    ndim = len(signal.shape or ())
    names = get_names(group, "axes")
    if names is None:
        names = get_names(signal, "axes", ":,")  # NAPI wrote "y:x" on the signal
    if names is None:
        names = get_names(group, f"{name}_axes", ",")  # NXcanSAS: @I_axes="Q"
    if names is None:
        return _names_from_indices(group, ndim), False
    out: list[str | None] = [None if n in ("", ".") else n for n in names][:ndim]
    pad: list[str | None] = [None] * (ndim - len(out))
    if not pad:  # a full list places every axis (silx; spec2nexus wrote wrong _indices)
        return out, True
    out = pad + out if interpretation in TRAILING else out + pad
    for axis in {n for n in out if n}:  # @<axis>_indices places a 1-D axis
        dims = get_indices(group.attrs.get(f"{axis}_indices", []))
        child = get_child(group, axis)
        if len(dims) == 1 and 0 <= dims[0] < ndim and getattr(child, "ndim", 0) == 1:
            out = [None if n == axis else n for n in out]
            out[dims[0]] = axis
    return out, False


def _names_from_indices(group: h5py.Group, ndim: int) -> list[str | None]:
    names: list[str | None] = [None] * ndim
    for key in sorted(group.attrs):
        axis = key[: -len("_indices")]
        if key.endswith("_indices") and axis in group:
            for dim in get_indices(group.attrs[key]):
                if 0 <= dim < ndim and names[dim] is None:
                    names[dim] = axis
    if any(names):
        return names
    # the oldest rule, @axis=N on the axis datasets: N counts from 1 (NX_POSINT, as
    # NAPI wrote it), but some writers (SOLEIL) counted from 0
    numbered = [(get_indices(c.attrs["axis"])[:1], key) for key, c in _datasets(group)
                if "axis" in c.attrs]  # fmt: skip
    base = 0 if any(n == [0] for n, _ in numbered) else 1
    for dims, key in numbered:
        if dims and 0 <= dims[0] - base < ndim and names[dims[0] - base] is None:
            names[dims[0] - base] = key
    return names


def _datasets(group: h5py.Group) -> Iterator[tuple[str, h5py.Dataset]]:
    for key in group:
        child = get_child(group, key)
        if isinstance(child, h5py.Dataset):
            yield key, child


def _grid_siblings(group: h5py.Group, name: str) -> list[h5py.Dataset]:
    """Datasets named `name` plus a letter or two (``Q`` -> ``Qx``, ``Qy``)."""
    return [c for key, c in _datasets(group)
            if key.startswith(name) and 0 < len(key) - len(name) <= 2 and c.ndim >= 2]  # fmt: skip


def _place_by_length(
    axes: list[Axis | None],
    misplaced: list[tuple[str, h5py.Dataset]],
    shape: tuple[int, ...],
    notes: list[str],
) -> None:
    """Put each axis on the one dim without an axis whose length it fits, if any."""
    for axis_name, axis in misplaced:
        n = int(axis.shape[0])
        free = [d for d in range(len(shape)) if axes[d] is None and shape[d] in (n, n - 1)]
        if len(free) != 1:
            notes.append(f"axis {axis_name!r} has {n} values for dims {shape}: not used")
            continue
        kind = "values" if shape[free[0]] == n else "edges"
        axes[free[0]] = Axis(axis.name or "", make_label(axis, axis_name), kind)
        notes.append(f"axis {axis_name!r} ({n} values) put on dim {free[0]}, the one it fits")


def assign_axes(
    group: h5py.Group, signal: h5py.Dataset, name: str, interpretation: str = ""
) -> tuple[list[Axis | None], list[str]]:
    """The axis of each signal dim (None where there is none), and notes on repairs."""
    shape = tuple(int(n) for n in signal.shape or ())
    axes: list[Axis | None] = [None] * len(shape)
    notes: list[str] = []
    misplaced: list[tuple[str, h5py.Dataset]] = []
    grids: dict[str, tuple[h5py.Dataset, list[int]]] = {}
    names, full = declared_names(group, signal, name, interpretation)
    for dim, axis_name in enumerate(names):
        if axis_name is None:
            continue
        axis = get_child(group, axis_name)
        if not isinstance(axis, h5py.Dataset):
            siblings = _grid_siblings(group, axis_name)
            for sibling in siblings:
                grids.setdefault((sibling.name or "").rsplit("/", 1)[-1], (sibling, []))
            if not siblings:
                notes.append(describe_broken(group, axis_name)
                             or f"axis {axis_name!r} is not in {group.name}")  # fmt: skip
        elif axis.dtype.kind not in "iuf":
            notes.append(f"axis {axis_name!r} is not numbers: not used")
        elif axis.ndim >= 2:
            grids.setdefault(axis_name, (axis, []))[1].append(dim)
        elif axis.shape[0] in (shape[dim], shape[dim] + 1):
            edges = axis.shape[0] != shape[dim]
            errors = "" if edges else _axis_errors(group, axis_name, axis)
            axes[dim] = Axis(axis.name or "", make_label(axis, axis_name),
                             "edges" if edges else "values", errors)  # fmt: skip
        elif axis.ndim == 1 and axis.shape[0] > 2:  # 1 or 2 values: a constant, a + b x
            misplaced.append((axis_name, axis))
    _place_by_length(axes, misplaced, shape, notes)
    for axis_name, (axis, dims) in grids.items():
        grid_dim = find_grid_dim(axis, shape)
        kind = "grid"
        if grid_dim is None and full and len(dims) == 1 and axis.shape == shape:
            grid_dim, kind = dims[0], "coords"  # a value per point, for the dim @axes says
        if grid_dim is not None and axes[grid_dim] is None:
            axes[grid_dim] = Axis(axis.name or "", make_label(axis, axis_name), kind,
                                  _axis_errors(group, axis_name, axis))  # fmt: skip
    return axes, notes
