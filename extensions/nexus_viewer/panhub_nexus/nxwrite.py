"""Small helpers to write NeXus with h5py: classes, units, links that keep ``@target``.

Every NeXus file panhub writes (the synthetic generators, the demo's data, the
templates' results) goes through these, so that the rules the validator and silx rely
on live in one place: each group names its ``NX_class``, a field carries its
``units``, a hard link records its ``@target`` (a stale one crashes nexusformat's
validator), strings are stored as UTF-8 variable-length strings, and the root carries
``file_name``, ``file_time``, ``creator`` and ``@default``.

Examples
--------
>>> import h5py
>>> from panhub_nexus import nxwrite
>>> with h5py.File("example.nxs", "w") as f:  # doctest: +SKIP
...     nxwrite.root(f, creator="me", default="entry")
...     entry = nxwrite.group(f, "entry", "NXentry", default="data")
...     nxwrite.field(entry, "definition", "NXsas")
"""

from __future__ import annotations

import datetime
import os
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt

STRING = h5py.string_dtype("utf-8")


def now() -> str:
    """The current time as ISO 8601 with its UTC offset (NX_DATE_TIME)."""
    return datetime.datetime.now(datetime.UTC).astimezone().isoformat(timespec="seconds")


def _value(value: Any) -> Any:
    if isinstance(value, str):
        return np.array(value, dtype=STRING)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return np.array(value, dtype=STRING)
    return value


def set_attrs(node: h5py.Group | h5py.Dataset, **attrs: Any) -> None:
    """Set attributes, strings (and lists of strings) as UTF-8 variable-length strings."""
    for key, value in attrs.items():
        node.attrs[key] = _value(value)


def root(f: h5py.File, *, creator: str, default: str = "entry") -> h5py.File:
    """Mark a file as ``NXroot`` with its name, time, creator and ``@default`` entry."""
    set_attrs(
        f,
        NX_class="NXroot",
        default=default,
        file_name=os.path.basename(f.filename),
        file_time=now(),
        creator=creator,
        HDF5_Version=h5py.version.hdf5_version,
        h5py_version=h5py.version.version,
    )
    return f


def group(parent: h5py.Group, name: str, nx_class: str, **attrs: Any) -> h5py.Group:
    """The group ``name`` of class ``nx_class`` under ``parent`` (created if missing)."""
    node = parent.require_group(name)
    set_attrs(node, NX_class=nx_class, **attrs)
    return node


def field(
    parent: h5py.Group,
    name: str,
    value: npt.ArrayLike | str,
    units: str | None = None,
    **kwargs: Any,
) -> h5py.Dataset:
    """A field ``name`` with ``units``; keyword arguments go to ``create_dataset``.

    Attributes are given as ``attrs={...}``; everything else (``chunks``, ``dtype``,
    compression filters) is passed to :meth:`h5py.Group.create_dataset`.
    """
    attrs: dict[str, Any] = kwargs.pop("attrs", {})
    dataset = parent.create_dataset(name, data=_value(value), **kwargs)
    if units is not None:
        attrs = {"units": units, **attrs}
    set_attrs(dataset, **attrs)
    return dataset


def link(parent: h5py.Group, name: str, target: h5py.Dataset | h5py.Group) -> None:
    """Hard-link ``target`` as ``parent/name``, recording ``@target`` as NeXus asks.

    ``@target`` is the target's own absolute path; a copied entry keeps the old one,
    so links are made here, in the file they belong to, never copied.
    """
    if target.file != parent.file:
        raise ValueError(f"{target.name} is in another file: use an external link")
    target.attrs["target"] = _value(target.name)
    parent[name] = target


def data(
    parent: h5py.Group,
    name: str,
    *,
    signal: str,
    axes: list[str] | None = None,
    **attrs: Any,
) -> h5py.Group:
    """An ``NXdata`` group naming its signal and axes (``"."`` for an axis-less dimension).

    Each named axis gets ``@<axis>_indices`` for its position in ``axes``; the fields
    themselves are written by the caller (with :func:`field` or :func:`link`).
    """
    axes = axes or []
    indices = {f"{a}_indices": np.int32(i) for i, a in enumerate(axes) if a != "."}
    node = group(parent, name, "NXdata", signal=signal, **indices, **attrs)
    if axes:
        set_attrs(node, axes=list(axes))
    return node
