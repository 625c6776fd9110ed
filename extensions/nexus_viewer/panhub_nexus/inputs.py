"""Checks a template runs first, so bad input stops with what to change, not a traceback.

A template's first code cells open the input with :func:`open_input` (the file exists,
is HDF5, and has an entry of the application definition the template reads) and fetch
what the reduction needs with :func:`require` (a field, with units of the right kind).
Every failure raises :class:`InputError`, whose message names the file, the path and
what to change; Jupyter shows only that message (no traceback), and papermill reports
it as the cell's error.

Examples
--------
>>> from panhub_nexus import inputs
>>> f, entry = inputs.open_input("agbeh.nxs", ("NXsas",))        # doctest: +SKIP
>>> distance = inputs.require(entry, "instrument/detector/distance", "mm")  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt

from panhub_nexus.core.files import ViewerError, open_file

#: the technique whose template reads each application definition (for the hint)
TECHNIQUES = {
    "NXsas": "SAXS/WAXS",
    "NXcanSAS": "SAXS/WAXS (reduced)",
    "NXxas": "XAS",
    "NXtomo": "tomography",
    "NXmx": "MX or powder diffraction",
    "NXmonopd": "powder diffraction",
    "NXazint1d": "powder diffraction or SAXS (reduced)",
}


class InputError(Exception):
    """Bad input for a template: the message says what is wrong and what to change."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"\x1b[31m{type(self).__name__}\x1b[0m: {self}"]


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return _text(value.reshape(-1)[0]) if value.size else ""
    return str(value)


def find_entries(f: h5py.File) -> dict[str, str]:
    """``{entry name: definition}`` of the file's NXentry groups (``""`` if none)."""
    found = {}
    for name, node in f.items():
        if isinstance(node, h5py.Group) and _text(node.attrs.get("NX_class", "")) == "NXentry":
            definition = node.get("definition")
            found[name] = _text(definition[()]) if isinstance(definition, h5py.Dataset) else ""
    return found


def open_input(
    path: str | os.PathLike[str], definitions: Sequence[str], entry: str = ""
) -> tuple[h5py.File, h5py.Group]:
    """Open ``path`` read-only and find its entry of one of ``definitions``.

    Parameters
    ----------
    path
        The raw (or reduced) file.
    definitions
        Application definitions the template reads, e.g. ``("NXsas",)``.
    entry
        An entry name, when the file holds several of that definition.

    Raises
    ------
    InputError
        If the file is missing, not HDF5, or has no entry of those definitions (the
        message says which definitions it has and which template reads them).
    """
    if not os.fspath(path):
        raise InputError("no input file: set `raw_file` in the parameters cell")
    try:
        f = open_file(path)
    except ViewerError as error:
        raise InputError(f"{error}: set `raw_file` to a NeXus file") from None
    entries = find_entries(f)
    wanted = " or ".join(definitions)
    if entry:
        if entry not in entries:
            f.close()
            raise InputError(f"{path} has no NXentry named {entry!r}: it has {sorted(entries)}")
        candidates = [entry] if entries[entry] in definitions else []
    else:
        candidates = [name for name, d in entries.items() if d in definitions]
    if len(candidates) == 1:
        return f, f[candidates[0]]
    f.close()
    if len(candidates) > 1:
        raise InputError(f"{path} has several {wanted} entries {candidates}: set `entry`")
    others = sorted({d for d in entries.values() if d})
    if not others:
        raise InputError(f"{path} names no application definition: this template reads {wanted}")
    hint = "; ".join(f"{d} is read by the {TECHNIQUES.get(d, d)} template" for d in others)
    raise InputError(f"{path} is {', '.join(others)}, not {wanted}: {hint}")


def require(
    group: h5py.Group, path: str, units: str | None = None, what: str = ""
) -> npt.NDArray[Any]:
    """The value of ``group/path`` (converted to ``units`` when given), or an InputError.

    Units are converted with pint when it is installed, else they must match exactly.
    """
    node = group.get(path)
    where = f"{os.path.basename(group.file.filename)}:{group.name}/{path}"
    purpose = f" ({what})" if what else ""
    if not isinstance(node, h5py.Dataset):
        raise InputError(f"{where} is missing{purpose}: this template needs it")
    value = np.asarray(node[()])
    if units is None:
        return value
    have = _text(node.attrs.get("units", ""))
    if not have:
        raise InputError(f"{where} has no units{purpose}: expected a value in {units}")
    return _convert(value, have, units, where)


@functools.cache
def _units() -> Any:
    """One pint registry per process (building one reads its definitions: ~0.1 s)."""
    import pint

    return pint.UnitRegistry()


def _convert(value: npt.NDArray[Any], have: str, want: str, where: str) -> npt.NDArray[Any]:
    if have == want:
        return value
    try:
        import pint  # optional: the Lab venv need not carry it (the kernels do)
    except ImportError:
        raise InputError(f"{where} is in {have}, expected {want}") from None
    try:
        return np.asarray(_units().Quantity(value.astype(float), have).to(want).magnitude)
    except (pint.errors.PintError, ValueError, AttributeError):
        raise InputError(f"{where} is in {have!r}, which is not convertible to {want}") from None
