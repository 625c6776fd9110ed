"""Read an NXdata group as the programs that write them mean it.

silx's parser (:class:`silx.io.nxdata.NXdata`) is the reference, and where it accepts a
group these rules give the same signal, axes and uncertainties
(``tests/benchmarks/bench_nexus_compat.py`` measures it). Where silx rejects or ignores
what writers produce, these rules follow the NeXus manual and NeXpy instead:

* axes: the group's ``@axes``; else the signal's ``@axes="a:b"`` (NAPI); else
  ``@<signal>_axes`` (NXcanSAS: ``@I_axes="Q"``); else ``@<axis>_indices``; else the
  oldest ``@axis=N`` on the axis datasets (counted from 1, as the NeXus manual has it);
* an axis of n + 1 values holds bin edges (histograms; silx rejects them, NeXpy plots
  them); a 2-D axis that varies along one dim only (Qx/Qy grids) is that dim's axis;
* uncertainties: ``<signal>_errors``, the signal's ``@uncertainties`` (NXcanSAS), then
  ``errors`` (NeXpy's order); an axis's ``<axis>_errors``, ``@resolutions`` or
  ``@uncertainties``;
* broken links are reported with the file or path that is missing, never replaced.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import h5py
import numpy as np
from silx.io.nxdata._utils import get_attr_as_unicode

from panhub_nexus.core.links import describe_broken, get_child
from panhub_nexus.core.tree import get_nx_class


@dataclasses.dataclass(frozen=True)
class Axis:
    """The axis of one signal dim: its dataset path, label, and how its values fit.

    ``kind`` is ``values`` (one per point), ``edges`` (n + 1 bin edges) or ``grid`` (a
    2-D array of which one line is the axis).
    """

    path: str
    label: str
    kind: str = "values"
    errors: str = ""


@dataclasses.dataclass(frozen=True)
class NxView:
    """What an NXdata group asks to plot.

    ``problem`` says why nothing can be plotted ("" when the signal is readable);
    ``missing`` is True when that is a broken link (nothing else may be shown instead).
    ``axes`` has one entry per signal dim (None: no axis); ``notes`` explain choices.
    """

    group: str
    signal: str = ""
    problem: str = ""
    missing: bool = False
    axes: tuple[Axis | None, ...] = ()
    errors: str = ""
    auxiliary: tuple[str, ...] = ()
    interpretation: str = ""
    title: str = ""
    signal_label: str = ""
    scales: tuple[str, ...] = ()
    signal_scale: str = ""
    notes: tuple[str, ...] = ()


def get_text(obj: h5py.Group | h5py.Dataset, name: str) -> str | None:
    """Attribute `name` of `obj` as one string (a 1-element array is unwrapped)."""
    try:
        value = get_attr_as_unicode(obj, name)
    except (OSError, KeyError, TypeError, UnicodeDecodeError):
        return None
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    return None if value is None else str(value)


def get_names(obj: h5py.Group | h5py.Dataset, name: str, separators: str = "") -> list[str] | None:
    """Attribute `name` as a list of names (an array, or a string split at `separators`)."""
    try:
        value = get_attr_as_unicode(obj, name)
    except (OSError, KeyError, TypeError, UnicodeDecodeError):
        return None
    if value is None:
        return None
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    parts = re.split(f"[{re.escape(separators)}]", str(value)) if separators else [str(value)]
    return [v.strip() for v in parts]


def get_indices(value: Any) -> list[int]:
    """Dims of an ``@<axis>_indices`` attribute: an int, an array, or text like ``"[0,1]"``."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        return [int(v) for v in re.findall(r"-?\d+", value)]
    try:
        return [int(v) for v in np.atleast_1d(np.asarray(value)).ravel()]
    except (TypeError, ValueError):
        return []


def make_label(dataset: h5py.Dataset, name: str) -> str:
    """``long_name`` (else the dataset's name) with ``(units)`` unless it has them."""
    label = get_text(dataset, "long_name") or name
    units = get_text(dataset, "units")
    if units and units not in label:
        label += f" ({units})"
    return label


def _is_signal_one(dataset: h5py.Group | h5py.Dataset) -> bool:
    value = dataset.attrs.get("signal")
    return value is not None and str(get_attr_as_unicode(dataset, "signal")).strip() == "1"


def find_signal_name(group: h5py.Group) -> str | None:
    """The group's ``@signal``, else the dataset with ``@signal=1`` (NeXus before 2014)."""
    name = get_text(group, "signal")
    if name is not None:
        return name
    key: str
    for key in group:
        child = get_child(group, key)
        if isinstance(child, h5py.Dataset) and _is_signal_one(child):
            return key
    return None


def _declared_axes(group: h5py.Group, signal: h5py.Dataset, name: str) -> list[str] | None:
    names = get_names(group, "axes")
    if names is None:
        names = get_names(signal, "axes", ":,")  # NAPI wrote "y:x" on the signal
    if names is None:
        names = get_names(group, f"{name}_axes", ",")  # NXcanSAS: @I_axes="Q"
    return names


def _axes_from_indices(group: h5py.Group, ndim: int) -> list[str | None]:
    names: list[str | None] = [None] * ndim
    for key in sorted(group.attrs):
        if not key.endswith("_indices") or key[: -len("_indices")] not in group:
            continue
        for dim in get_indices(group.attrs[key]):
            if 0 <= dim < ndim and names[dim] is None:
                names[dim] = key[: -len("_indices")]
    if any(names):
        return names
    for key in group:  # the oldest rule: @axis=N, N counted from 1
        child = get_child(group, key)
        if isinstance(child, h5py.Dataset) and "axis" in child.attrs:
            dims = get_indices(child.attrs["axis"])
            if dims and 1 <= dims[0] <= ndim and names[dims[0] - 1] is None:
                names[dims[0] - 1] = key
    return names


def get_axis_names(group: h5py.Group, signal: h5py.Dataset, name: str) -> list[str | None]:
    """The axis name of each signal dim (None where there is none)."""
    ndim = len(signal.shape or ())
    declared = _declared_axes(group, signal, name)
    if declared is None:
        return _axes_from_indices(group, ndim)
    names: list[str | None] = [None if n in ("", ".") else n for n in declared]
    if len(names) > ndim:  # a scatter (1-D signal, several axes): the first is x
        names = names[:ndim]
    return [None] * (ndim - len(names)) + names  # too few: they are the last dims'


def get_grid_line(dataset: h5py.Dataset) -> int | None:
    """The dim along which a 2-D axis grid varies (0 or 1), or None if it is no grid."""
    try:
        row = np.asarray(dataset[0, :], dtype=np.float64)
        column = np.asarray(dataset[:, 0], dtype=np.float64)
    except (OSError, ValueError, RuntimeError, TypeError):
        return None
    row_flat, column_flat = bool(np.ptp(row) == 0), bool(np.ptp(column) == 0)
    if row_flat and not column_flat:
        return 0
    if column_flat and not row_flat:
        return 1
    return None


def _axis_errors(group: h5py.Group, name: str, axis: h5py.Dataset) -> str:
    candidates = [f"{name}_errors"]
    for attr in ("resolutions", "uncertainties"):
        candidates += get_names(axis, attr, ",") or []
    for candidate in candidates:
        errors = get_child(group, candidate)
        if isinstance(errors, h5py.Dataset) and errors.shape == axis.shape:
            return errors.name or ""
    return ""


def fit_axis(group: h5py.Group, name: str, n: int) -> tuple[Axis | None, str]:
    """The axis `name` of a signal dim of length `n`, or None and why it is not used."""
    axis = get_child(group, name)
    if not isinstance(axis, h5py.Dataset):
        problem = describe_broken(group, name) or f"axis {name!r} is not in {group.name}"
        return None, problem
    shape: tuple[int, ...] = tuple(axis.shape or ())
    if axis.dtype.kind not in "iuf" or len(shape) not in (1, 2):
        return None, f"axis {name!r} is not a 1-D list of numbers"
    label = make_label(axis, name)
    errors = _axis_errors(group, name, axis)
    if len(shape) == 2:
        return Axis(axis.name or "", label, "grid", errors), ""
    if shape[0] == n:
        return Axis(axis.name or "", label, "values", errors), ""
    if shape[0] == n + 1:
        return Axis(axis.name or "", label, "edges"), ""
    if shape[0] in (1, 2):  # a constant or a calibration (a + b x): not drawn
        return None, ""
    return None, f"axis {name!r} has {shape[0]} values for {n} points: not used"


def _place_grids(group: h5py.Group, axes: list[Axis | None], shape: tuple[int, ...]) -> None:
    """Put each 2-D grid axis of the last two dims on the dim it varies along."""
    if len(shape) < 2:
        return
    grids = [a for a in axes if a is not None and a.kind == "grid"]
    for i, axis in enumerate(axes):
        if axis is not None and axis.kind == "grid":
            axes[i] = None
    for axis in grids:
        dataset = group.file[axis.path]
        dim = get_grid_line(dataset) if dataset.shape == shape[-2:] else None
        if dim is not None and axes[len(shape) - 2 + dim] is None:
            axes[len(shape) - 2 + dim] = axis


def find_errors(group: h5py.Group, name: str, signal: h5py.Dataset) -> str:
    """Path of the signal's uncertainties, with the signal's shape ("" if none)."""
    for candidate in (f"{name}_errors", *(get_names(signal, "uncertainties", ",") or []), "errors"):
        errors = get_child(group, candidate)
        if isinstance(errors, h5py.Dataset) and errors.shape == signal.shape:
            return errors.name or ""
    return ""


def find_auxiliary(group: h5py.Group, name: str, signal: h5py.Dataset) -> tuple[str, ...]:
    """Paths of the auxiliary signals with the signal's shape."""
    names = get_names(group, "auxiliary_signals") or []
    out = []
    for aux in names:
        dataset = get_child(group, aux)
        if aux != name and isinstance(dataset, h5py.Dataset) and dataset.shape == signal.shape:
            out.append(dataset.name or "")
    return tuple(out)


def find_entry(group: h5py.Group) -> h5py.Group | None:
    """The NXentry holding `group` (the group itself if it is one), or None."""
    current = group
    while True:
        if get_nx_class(current) == "NXentry":
            return current
        if current.name in ("/", None):
            return None
        current = current.parent


def read_string(dataset: h5py.Group | h5py.Dataset | None) -> str:
    """The value of a one-element (string) dataset as text ("" for anything else)."""
    if not isinstance(dataset, h5py.Dataset) or dataset.size != 1:
        return ""
    try:
        value = dataset[()]
    except (OSError, ValueError, RuntimeError, TypeError):
        return ""
    if isinstance(value, np.ndarray):
        value = value.ravel()[0]
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return text.strip()


def read_title(group: h5py.Group, used: set[str]) -> str:
    """The NXdata's ``title`` field or ``@title``, else its NXentry's ``title``."""
    if "title" not in used and read_string(get_child(group, "title")):
        return read_string(get_child(group, "title"))
    text = get_text(group, "title")
    if text:
        return text
    entry = find_entry(group)
    return read_string(get_child(entry, "title")) if entry is not None else ""


def read_scales(group: h5py.Group, ndim: int) -> tuple[tuple[str, ...], str]:
    """Scale hints ("log" or "") of each dim and of the signal.

    ``SILX_style`` first; else log-log I(Q) for NXcanSAS, as SAS programs plot it.
    """
    scales, signal_scale = [""] * ndim, ""
    style = get_text(group, "SILX_style")
    if style:
        try:
            parsed = json.loads(style)
        except ValueError:
            parsed = {}
        if isinstance(parsed, dict):
            signal_scale = str(parsed.get("signal_scale_type") or "")
            axes = parsed.get("axes_scale_types") or []
            axes = [axes] if isinstance(axes, str) else list(axes)[-ndim:] if ndim else []
            scales[ndim - len(axes) :] = [str(a or "") for a in axes]
            return tuple(s if s == "log" else "" for s in scales), signal_scale
    entry = find_entry(group)
    definition = read_string(get_child(entry, "definition")) if entry is not None else ""
    if get_text(group, "canSAS_class") == "SASdata" or definition == "NXcanSAS":
        signal_scale = "log"
        if ndim == 1:
            scales = ["log"]
    return tuple(scales), signal_scale


def read_nxdata(group: h5py.Group) -> NxView:
    """What the NXdata `group` asks to plot (see the module's rules)."""
    path = group.name or ""
    name = find_signal_name(group)
    if name is None:
        return NxView(path, problem=f"{path} names no signal (no @signal)")
    signal = get_child(group, name)
    if not isinstance(signal, h5py.Dataset):
        broken = describe_broken(group, name)
        if broken:
            return NxView(path, signal=f"{path.rstrip('/')}/{name}", problem=broken,
                          missing=True, title=read_title(group, {name}))  # fmt: skip
        return NxView(path, problem=f"signal {name!r} is not a dataset of {path}")
    shape = tuple(signal.shape or ())
    notes: list[str] = []
    axes: list[Axis | None] = []
    names = get_axis_names(group, signal, name)
    for dim, axis_name in enumerate(names):
        axis, why = fit_axis(group, axis_name, shape[dim]) if axis_name else (None, "")
        axes.append(axis)
        if why:
            notes.append(why)
    _place_grids(group, axes, shape)
    used = {name, *(n for n in names if n)}
    scales, signal_scale = read_scales(group, len(shape))
    interpretation = get_text(signal, "interpretation") or get_text(group, "interpretation")
    return NxView(
        group=path,
        signal=signal.name or "",
        axes=tuple(axes),
        errors=find_errors(group, name, signal),
        auxiliary=find_auxiliary(group, name, signal),
        interpretation=interpretation or "",
        title=read_title(group, used),
        signal_label=make_label(signal, name),
        scales=scales,
        signal_scale=signal_scale,
        notes=tuple(notes),
    )


def has_signal(group: h5py.Group) -> bool:
    """True if `group` is an NXdata that names a signal (a quick test for guesses)."""
    return get_nx_class(group) == "NXdata" and find_signal_name(group) is not None
