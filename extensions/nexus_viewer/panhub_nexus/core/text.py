"""Attributes and small fields as text: names, lists of names, indices, labels."""

from __future__ import annotations

import re
from typing import Any

import h5py
import numpy as np
from silx.io.nxdata._utils import get_attr_as_unicode


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
    """Attribute `name` as a list of names (an array, or text split at `separators`)."""
    try:
        value = get_attr_as_unicode(obj, name)
    except (OSError, KeyError, TypeError, UnicodeDecodeError):
        return None
    if value is None:
        return None
    values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if separators:  # also in a 1-element array of text (Igor Pro writes them)
        values = [p for v in values for p in re.split(f"[{re.escape(separators)}]", v)]
    return [v.strip() for v in values]


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
