"""Opening files, and turning HDF5 failures into messages a user can act on."""

from __future__ import annotations

import os
import re

import h5py
import hdf5plugin

# Filters known by name: hdf5plugin's own, plus registered ones it does not ship.
_FILTER_NAMES: dict[int, str] = {
    1: "deflate (gzip)",
    2: "shuffle",
    3: "fletcher32",
    4: "szip",
    305: "LZO",
    32000: "LZF",
    32002: "MAFISC",
    32003: "Snappy",
    32006: "CBF",
    32007: "JPEG-XR",
    32009: "SPDP",
    32010: "LPC-Rice",
    32011: "CCSDS-123",
    32012: "JPEG-LS",
    32014: "fpzip",
    32016: "B3D",
    32019: "JPEG",
    32020: "VBZ",
    32021: "FAPEC",
    32022: "BitGroom",
    32023: "Granular BitRound",
    32025: "Delta-Rice",
}
_FILTER_NAMES.update({fid: name for name, fid in hdf5plugin.FILTERS.items()})


class ViewerError(Exception):
    """An error with a message meant for the user of the viewer."""


def open_file(path: str | os.PathLike[str]) -> h5py.File:
    """Open an HDF5 file read-only, without file locking, in SWMR mode when possible.

    Beamline files may still be written, so the file is never locked. Files that do
    not support SWMR reads are opened normally.

    Raises
    ------
    ViewerError
        If the file is missing, is not HDF5, or is truncated or corrupt.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ViewerError(f"{path}: no such file")
    try:
        return h5py.File(path, "r", locking=False, swmr=True)
    except OSError:
        pass
    try:
        return h5py.File(path, "r", locking=False)
    except OSError as exc:
        raise ViewerError(describe_open_error(path, exc)) from exc


def describe_open_error(path: str, exc: BaseException) -> str:
    """Explain why `path` could not be opened."""
    text = str(exc)
    name = os.path.basename(path)
    if "already open for write" in text:
        return (
            f"{name} is being written by another program, which did not open it for "
            "concurrent reading (SWMR): it can be read once that program closes it "
            "(if it crashed, `h5clear -s` clears the mark)"
        )
    if not h5py.is_hdf5(path):
        return f"{name} is not an HDF5 file (or its header is damaged)"
    if "truncated" in text or "eof" in text.lower() or "signature" in text:
        return f"{name} is truncated or corrupt: {text}"
    return f"cannot open {name}: {text}"


def get_filter_name(filter_id: int) -> str:
    """Human name of an HDF5 filter id, e.g. ``32008 -> 'bshuf'``."""
    return _FILTER_NAMES.get(filter_id, f"unregistered filter {filter_id}")


def get_filter_ids(dataset: h5py.Dataset) -> list[int]:
    """Ids of the filters in the pipeline of `dataset`."""
    plist = dataset.id.get_create_plist()
    return [int(plist.get_filter(i)[0]) for i in range(plist.get_nfilters())]


def find_missing_filters(dataset: h5py.Dataset) -> list[int]:
    """Ids of the filters of `dataset` that this HDF5 library cannot decode."""
    return [fid for fid in get_filter_ids(dataset) if not h5py.h5z.filter_avail(fid)]


def describe_read_error(dataset: h5py.Dataset, exc: BaseException) -> str:
    """Explain why reading `dataset` failed: missing plugin, corruption, or else."""
    name = dataset.name or "dataset"
    try:
        missing = find_missing_filters(dataset)
    except Exception:  # the property list itself may be unreadable in a corrupt file
        missing = []
    if missing:
        names = ", ".join(f"{get_filter_name(fid)} (filter id {fid})" for fid in missing)
        return (
            f"cannot decode {name}: compression plugin not available: {names}. "
            "Install an HDF5 plugin for it (hdf5plugin covers the common ones) "
            "and set HDF5_PLUGIN_PATH."
        )
    text = re.sub(r"\s+", " ", str(exc)).strip()
    return f"cannot read {name}: {text or type(exc).__name__}"
