"""Lazy tree: one group level at a time, never a walk of the whole file."""

from __future__ import annotations

from typing import Any, TypedDict

import h5py
import numpy as np

PAGE = 100
"""Children described per request: a group of 10^5 members opens as fast as one of 10."""


class NodeInfo(TypedDict):
    """One row of the tree browser (JSON-serialisable)."""

    name: str
    path: str
    kind: str
    """``group``, ``dataset``, ``datatype``, ``broken`` or ``external-missing``."""
    link: str
    """``hard``, ``soft`` or ``external``."""
    nx_class: str
    shape: list[int] | None
    dtype: str
    target: str


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.size == 1:
        return _text(value.item())
    return str(value)


def get_nx_class(obj: h5py.Group | h5py.Dataset) -> str:
    """The ``NX_class`` attribute of `obj`, or ``""``."""
    try:
        value = obj.attrs.get("NX_class")
    except (OSError, KeyError, TypeError):
        return ""
    return "" if value is None else _text(value)


def describe_dtype(dtype: np.dtype[Any]) -> str:
    """Short dtype text: ``uint32``, ``float64``, ``string``, ``compound``."""
    if h5py.check_string_dtype(dtype) is not None or dtype.kind in "SU":
        return "string"
    if dtype.names:
        return "compound"
    return str(dtype)


def _link_info(group: h5py.Group, name: str) -> tuple[str, str]:
    link = group.get(name, getlink=True)
    if isinstance(link, h5py.SoftLink):
        return "soft", link.path
    if isinstance(link, h5py.ExternalLink):
        return "external", f"{link.filename}::{link.path}"
    return "hard", ""


_VLEN_STR = np.dtype(h5py.string_dtype())
_VLEN_MTYPE = h5py.h5t.py_create(_VLEN_STR)


def _read_nx_class(oid: Any) -> str:
    # Low-level read: 5x faster than obj.attrs.get, which matters for wide groups.
    if not h5py.h5a.exists(oid, b"NX_class"):
        return ""
    attr = h5py.h5a.open(oid, b"NX_class")
    htype = attr.get_type()
    if attr.shape != () or not isinstance(htype, h5py.h5t.TypeStringID):
        return _text(h5py.AttributeManager(oid).get("NX_class", ""))  # rare layouts
    if htype.is_variable_str():
        value = np.empty((), dtype=_VLEN_STR)
        attr.read(value, mtype=_VLEN_MTYPE)
    else:
        value = np.empty((), dtype=f"S{htype.get_size()}")
        attr.read(value)
    return _text(value[()])


def get_node_info(group: h5py.Group, name: str) -> NodeInfo:
    """Describe the child `name` of `group` without reading any data."""
    base = group.name or "/"
    path = f"{base.rstrip('/')}/{name}"
    bname = name.encode()
    is_hard = group.id.links.get_info(bname).type == h5py.h5l.TYPE_HARD
    link, target = ("hard", "") if is_hard else _link_info(group, name)
    info = NodeInfo(
        name=name, path=path, kind="broken", link=link, nx_class="", shape=None, dtype="",
        target=target,
    )  # fmt: skip
    try:
        oid = h5py.h5o.open(group.id, bname)
    except (KeyError, OSError, ValueError):
        info["kind"] = "external-missing" if link == "external" else "broken"
        return info
    if isinstance(oid, h5py.h5d.DatasetID):
        dataset = h5py.Dataset(oid)
        info["kind"] = "dataset"
        info["shape"] = list(dataset.shape) if dataset.shape is not None else []
        info["dtype"] = describe_dtype(dataset.dtype)
    elif isinstance(oid, h5py.h5g.GroupID):
        info["kind"] = "group"
    else:
        info["kind"] = "datatype"
        return info
    try:
        info["nx_class"] = _read_nx_class(oid)
    except (OSError, KeyError, TypeError, ValueError):
        info["nx_class"] = ""
    return info


def list_children(
    file: h5py.File, path: str = "/", *, offset: int = 0, limit: int = PAGE
) -> tuple[list[NodeInfo], int]:
    """List one level of the tree below `path`, in creation or name order.

    Parameters
    ----------
    file : h5py.File
        Open file.
    path : str
        Group to list.
    offset, limit : int
        Page of children to describe (groups with 10^5 members stay cheap).

    Returns
    -------
    (list of NodeInfo, int)
        The page of children, and the total number of children.
    """
    group = file[path]
    if not isinstance(group, h5py.Group):
        return [], 0
    names = list(group.keys())
    page = names[offset : offset + limit]
    return [get_node_info(group, name) for name in page], len(names)


def get_attributes(obj: h5py.Group | h5py.Dataset, max_chars: int = 200) -> dict[str, str]:
    """Attributes of `obj` as short texts, for the inspector."""
    out: dict[str, str] = {}
    for key in obj.attrs:
        try:
            value = obj.attrs[key]
        except (OSError, TypeError) as exc:
            out[key] = f"<unreadable: {exc}>"
            continue
        if isinstance(value, np.ndarray) and value.size > 1:
            text = ", ".join(_text(v) for v in value.ravel()[:20])
        else:
            text = _text(value)
        out[key] = text if len(text) <= max_chars else text[: max_chars - 1] + "…"
    return out
