"""Read an NXdata group as the programs that write them mean it.

silx's parser (:class:`silx.io.nxdata.NXdata`) is the reference, and where it accepts a
group these rules give the same signal, axes and uncertainties
(``tests/benchmarks/bench_nexus_compat.py`` measures it). Where silx rejects or ignores
what writers produce, the NeXus manual and NeXpy decide:

* the signal: the group's ``@signal``, else the dataset with ``@signal=1`` (NAPI);
* its axes: :mod:`panhub_nexus.core.axes` (``@I_axes``, ``_indices``, bin edges, grids);
* uncertainties: ``<signal>_errors``, the signal's ``@uncertainties`` (NXcanSAS; Mantid
  wrote ``@uncertainty``, and ``@I_uncertainty`` on the group), then ``errors``;
* a broken link is reported with the file or path that is missing, never replaced;
* the title: the NXdata's ``title`` or ``@title``, else its NXentry's ``title``;
* scales: ``SILX_style``, else log-log I(Q) for NXcanSAS.
"""

from __future__ import annotations

import dataclasses
import json

import h5py

from panhub_nexus.core.axes import Axis, assign_axes
from panhub_nexus.core.links import describe_broken, describe_missing_sources, get_child
from panhub_nexus.core.text import get_names, get_text, make_label, read_string
from panhub_nexus.core.tree import get_nx_class


@dataclasses.dataclass(frozen=True)
class NxView:
    """What an NXdata group asks to plot.

    ``problem`` says why nothing can be plotted ("" when the signal is readable);
    ``missing`` is True when that is a broken link (nothing else may be shown instead).
    ``axes`` has one entry per signal dim (None: no axis); ``notes`` explain repairs.
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


def _is_signal_one(dataset: h5py.Group | h5py.Dataset) -> bool:
    return (get_text(dataset, "signal") or "").strip() == "1"


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


def find_errors(group: h5py.Group, name: str, signal: h5py.Dataset) -> str:
    """Path of the signal's uncertainties, with the signal's shape ("" if none)."""
    declared = [*(get_names(signal, "uncertainties", ",") or []),
                *(get_names(signal, "uncertainty", ",") or []),
                *(get_names(group, f"{name}_uncertainties", ",") or []),
                *(get_names(group, f"{name}_uncertainty", ",") or [])]  # fmt: skip
    for candidate in (f"{name}_errors", *declared, "errors"):
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
    sources = describe_missing_sources(signal)
    if sources:
        return NxView(path, signal=signal.name or "", problem=sources, missing=True,
                      title=read_title(group, {name}))  # fmt: skip
    interpretation = get_text(signal, "interpretation") or get_text(group, "interpretation")
    axes, notes = assign_axes(group, signal, name, interpretation or "")
    used = {name, *(a.path.rsplit("/", 1)[-1] for a in axes if a is not None)}
    scales, signal_scale = read_scales(group, len(signal.shape or ()))
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
        notes=tuple(dict.fromkeys(notes)),
    )


def has_signal(group: h5py.Group) -> bool:
    """True if `group` is an NXdata that names a signal (a quick test for guesses)."""
    return get_nx_class(group) == "NXdata" and find_signal_name(group) is not None
