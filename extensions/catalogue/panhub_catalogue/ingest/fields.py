"""Reading small fields of a NeXus/HDF5 file: names, texts, times, never data arrays.

Low-level h5py calls where a file of hundreds of entries asks thousands of them. Nothing
outside the file is opened: :func:`local_child` refuses external links, soft links whose
way goes through one, and virtual datasets. A value is read only when its dataset holds
one small value (or a short list), so a field declared as 100 GB costs nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import h5py
import numpy as np

from panhub_catalogue.clock import to_naive_utc
from panhub_catalogue.ingest.links import find_soft_target

#: Largest string field read, bytes (a "title" declared as a 1 GB string is skipped).
MAX_TEXT_BYTES = 65_536
#: Most items read from a list of names (an entry's ``techniques/names``).
MAX_ITEMS = 64
#: Date and time formats older writers use, tried after ISO 8601: ctime (SPEC, old NAPI
#: writers: "Thu Feb 29 08:30:00 2024"), ISIS's and Mantid's "29-FEB-2024 08:30:00", and
#: EPICS areaDetector's "02/29/2024 08:30:00" (month first).
LEGACY_TIME_FORMATS = ("%a %b %d %H:%M:%S %Y", "%d-%b-%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S")
#: canSAS class names read as the NeXus classes they became: Mantid 3.6's draft NXcanSAS
#: writer (2016) put them in ``NX_class`` (``SASentry``, ``SASinstrument``...).
CANSAS_CLASSES = {
    "SASentry": "NXentry",
    "SASinstrument": "NXinstrument",
    "SASsample": "NXsample",
    "SASsource": "NXsource",
    "SASdetector": "NXdetector",
    "SASdata": "NXdata",
}


def nx_class(obj: h5py.HLObject) -> str:
    """The ``NX_class`` attribute as ``str`` ('' if missing; canSAS names as NeXus')."""
    value = read_attr(obj, "NX_class") or ""
    return CANSAS_CLASSES.get(value, value)


def read_attr(obj: h5py.HLObject, name: str) -> str | None:
    """A string attribute (``str``, ``bytes`` or a 1-element array) or ``None``."""
    try:
        value: Any = obj.attrs.get(name)
    except (OSError, TypeError, ValueError):  # an attribute of a type h5py cannot read
        return None
    if isinstance(value, np.ndarray):
        value = value.reshape(-1)[0] if value.size == 1 else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


def local_child(group: h5py.Group, name: str) -> h5py.Group | h5py.Dataset | None:
    """The child ``name`` of ``group`` if it is stored in this file, else ``None``.

    External links (and missing or dangling names) give ``None`` without being followed,
    and so do soft links whose way goes through an external link (looked up link by
    link first: no other file is opened) and virtual datasets, whose data come from
    other files. Low-level calls: a file of hundreds of entries asks thousands of these.
    """
    key = name.encode()
    try:
        if not group.id.links.exists(key):
            return None
        kind = group.id.links.get_info(key).type
    except (KeyError, ValueError, RuntimeError):  # a name with a missing folder in it
        return None
    if kind == h5py.h5l.TYPE_SOFT:
        target = group.id.links.get_val(key).decode("utf-8", "replace")
        if find_soft_target(group, target) != "found":
            return None
    elif kind != h5py.h5l.TYPE_HARD:
        return None
    try:
        found = h5py.h5o.open(group.id, key)
    except (KeyError, OSError, RuntimeError, ValueError):
        return None
    if isinstance(found, h5py.h5g.GroupID):
        return h5py.Group(found)
    if isinstance(found, h5py.h5d.DatasetID):
        dataset = h5py.Dataset(found)
        return None if dataset.is_virtual else dataset
    return None


def read_small(item: h5py.Dataset, items: int = 1) -> Any:
    """The value of a dataset of at most ``items`` string or number values, else ``None``.

    Nothing is read from larger datasets (their shape says so), nor from strings longer
    than :data:`MAX_TEXT_BYTES`; a value that cannot be read (an unavailable filter, a
    type numpy has not) is ``None`` too.
    """
    size = item.size  # None for a null dataspace (h5py.Empty)
    if size is None or size > items or item.dtype.itemsize > MAX_TEXT_BYTES or item.dtype.names:
        return None
    try:
        return item[()]
    except (OSError, TypeError, ValueError, RuntimeError):
        return None


def as_text(value: Any) -> str | None:
    """A string (``bytes`` decoded as UTF-8) or number as text, stripped; else ``None``."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    elif isinstance(value, np.integer | np.floating | int | float) and np.isfinite(value):
        value = str(value)  # a NaN placeholder (EPICS areaDetector's) says nothing
    if not isinstance(value, str):
        return None
    text = value.replace("\x00", "").strip()
    return text or None


def read_text(group: h5py.Group, name: str) -> str | None:
    """A string field (scalar, 1-element array, bytes or str) or ``None``."""
    item = local_child(group, name)
    if not isinstance(item, h5py.Dataset):
        return None
    value = read_small(item)
    if isinstance(value, np.ndarray):
        value = value.reshape(-1)[0] if value.size == 1 else None
    return as_text(value)


def read_texts(group: h5py.Group, name: str) -> list[str | None]:
    """A string field holding one value or a list of at most :data:`MAX_ITEMS`."""
    item = local_child(group, name)
    if not isinstance(item, h5py.Dataset):
        return []
    value = read_small(item, MAX_ITEMS)
    values = value.reshape(-1).tolist() if isinstance(value, np.ndarray) else [value]
    return [as_text(v) for v in values if v is not None]


def parse_time(text: str | None) -> datetime | None:
    """``NX_DATE_TIME`` (ISO 8601, or an older writer's format) as naive UTC.

    ``None`` if absent, malformed or out of range once in UTC. A time without a zone is
    taken as UTC.
    """
    if not text:
        return None
    moment = None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for layout in LEGACY_TIME_FORMATS:
            try:
                moment = datetime.strptime(" ".join(text.split()), layout)
                break
            except ValueError:
                continue
    try:
        return to_naive_utc(moment) if moment else None
    except OverflowError:
        return None


def classify(group: h5py.Group) -> dict[str, list[tuple[str, h5py.Group]]]:
    """Child groups by NeXus class (each ``NX_class`` read once), sorted by name."""
    found: dict[str, list[tuple[str, h5py.Group]]] = {}
    for name in sorted(group):
        item = local_child(group, name)
        if isinstance(item, h5py.Group):
            found.setdefault(nx_class(item), []).append((name, item))
    return found


def has_datasets(group: h5py.Group) -> bool:
    """Whether any dataset lies below ``group`` in this file (stops at the first)."""

    def is_dataset(_name: str, item: h5py.HLObject) -> bool | None:
        return True if isinstance(item, h5py.Dataset) else None

    try:
        return bool(group.visititems(is_dataset))
    except (OSError, RuntimeError, KeyError):
        return False
