"""Lazy tree: one group level at a time, never a walk of the whole file."""

from __future__ import annotations

import contextlib
from typing import Any, TypedDict

import h5py
import numpy as np

PAGE = 50
"""Children described per request: a group of 10^5 members opens as fast as one of 10.
The tree panel shows about 30 rows; "… N more" asks for the next page. On a cold
page cache each child described costs a disk read of its object header."""


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


UNKNOWN = -1
"""Total of a page of children that is not the last one: counting the children of a
group reads its whole link index (4 ms for 360 children on a cold page cache, as long
as the rest of the first level), so it is left to the last page."""


def get_child_names(group: h5py.Group, offset: int, limit: int) -> tuple[list[str], int]:
    """Names of the children ``offset .. offset + limit`` of `group`, and their number.

    Only the page asked for (and one more name) is read from the group's link index:
    ``group.keys()`` and ``len(group)`` read all of it. The order is h5py's: creation
    order when the group tracks it, name order otherwise.

    Returns
    -------
    (list of str, int)
        The names, and the number of children, or :data:`UNKNOWN` if there are
        children after the page.
    """
    gid = group.id
    if limit <= 0:
        return [], UNKNOWN
    order = h5py.h5.INDEX_NAME
    with contextlib.suppress(OSError, ValueError, RuntimeError):
        if gid.get_create_plist().get_link_creation_order() & h5py.h5p.CRT_ORDER_TRACKED:
            order = h5py.h5.INDEX_CRT_ORDER
    names: list[str] = []

    def take(name: bytes) -> bool | None:
        names.append(name.decode("utf-8", "surrogateescape"))  # as h5py decodes names
        return True if len(names) > limit else None  # anything but None stops

    try:
        gid.links.iterate(take, idx_type=order, idx=offset)
    except (ValueError, RuntimeError):  # an offset past the last child
        return [], int(gid.get_num_objs())
    if len(names) > limit:
        return names[:limit], UNKNOWN
    return names, offset + len(names)


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
        The page of children, and the total number of children, or :data:`UNKNOWN`
        when children follow the page (see :func:`get_child_names`).
    """
    group = file[path]
    if not isinstance(group, h5py.Group):
        return [], 0
    names, total = get_child_names(group, max(offset, 0), limit)
    return [get_node_info(group, name) for name in names], total


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
