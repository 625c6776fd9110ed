"""Read catalogue metadata from a NeXus/HDF5 file (h5py only, no writes, no locking).

Files are opened with ``locking=False`` because beamline files may still be written;
whatever cannot be read raises :class:`NexusError` with the reason.

Only what lies in the file itself is read: external links and virtual datasets are
skipped, since the indexer runs with more rights than the users who write files, and a
link could otherwise copy another proposal's metadata into theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from panhub_catalogue.clock import to_naive_utc

#: Scalar fields read as parameters: (NX_class of the parent group, field, parameter name).
#: The names are those the PaN data portal (PaNOSC search) filters on where it has one
#: (``incident_wavelength``, ``incident_photon_energy``, ``sample_temperature``,
#: ``sample_pressure``, ``sample_chemical_formula``); the first field found of a name
#: wins, and its units are kept as written.
PARAMETER_FIELDS = (
    ("NXsample", "temperature", "sample_temperature"),
    ("NXsample", "pressure", "sample_pressure"),
    ("NXsample", "chemical_formula", "sample_chemical_formula"),
    ("NXsample", "concentration", "sample_concentration"),
    ("NXsample", "thickness", "sample_thickness"),
    ("NXmonochromator", "energy", "incident_photon_energy"),
    ("NXmonochromator", "wavelength", "incident_wavelength"),
    ("NXbeam", "incident_energy", "incident_photon_energy"),
    ("NXbeam", "incident_wavelength", "incident_wavelength"),
    ("NXsource", "energy", "source_energy"),
    ("NXsource", "current", "source_current"),
    ("NXdetector", "distance", "detector_distance"),
)


class NexusError(Exception):
    """The file is not readable HDF5 (corrupt, truncated, still being created)."""


@dataclass(frozen=True)
class NexusUser:
    """An ``NXuser`` group: ``facility_user_id`` is the login name when present.

    ``orcid`` is the ``ORCID`` field as written (an iD or its URL, unchecked).
    """

    name: str
    role: str | None = None
    facility_user_id: str | None = None
    email: str | None = None
    affiliation: str | None = None
    orcid: str | None = None


@dataclass(frozen=True)
class Parameter:
    """A scalar with units (``value`` is a float, or a string such as a formula)."""

    name: str
    value: float | str
    units: str = ""


@dataclass(frozen=True)
class Entry:
    """What the catalogue keeps of one ``NXentry``."""

    name: str
    title: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    definition: str | None = None
    experiment_identifier: str | None = None
    instrument: str | None = None
    sample: str | None = None
    sample_description: str | None = None
    users: tuple[NexusUser, ...] = ()
    parameters: tuple[Parameter, ...] = ()


def nx_class(obj: h5py.HLObject) -> str:
    """The ``NX_class`` attribute as ``str`` ('' if missing)."""
    value = obj.attrs.get("NX_class", "")
    return value.decode() if isinstance(value, bytes) else str(value)


def local_child(group: h5py.Group, name: str) -> h5py.Group | h5py.Dataset | None:
    """The child ``name`` of ``group`` if it is stored in this file, else ``None``.

    External links (and missing or dangling names) give ``None`` without being followed,
    and so do virtual datasets, whose data come from other files.
    """
    link = group.get(name, getlink=True)
    if link is None or isinstance(link, h5py.ExternalLink):
        return None
    try:
        item = group.get(name)
    except (KeyError, OSError):  # a dangling soft link
        return None
    # a soft link may lead through an external link
    soft = isinstance(link, h5py.SoftLink)
    if soft and item is not None and item.file.filename != group.file.filename:
        return None
    if isinstance(item, h5py.Dataset) and item.is_virtual:
        return None
    return item if isinstance(item, h5py.Group | h5py.Dataset) else None


def read_text(group: h5py.Group, name: str) -> str | None:
    """A string field (scalar, 1-element array, bytes or str) or ``None``."""
    item = local_child(group, name)
    if not isinstance(item, h5py.Dataset):
        return None
    value: Any = item[()]
    if isinstance(value, np.ndarray):
        if value.size != 1:
            return None
        value = value.reshape(-1)[0]
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip()
    return text or None


def parse_time(text: str | None) -> datetime | None:
    """ISO 8601 (NeXus ``NX_DATE_TIME``) to naive UTC; ``None`` if absent or malformed."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return to_naive_utc(moment)


def classify(group: h5py.Group) -> dict[str, list[tuple[str, h5py.Group]]]:
    """Child groups by NeXus class (each ``NX_class`` read once), sorted by name."""
    found: dict[str, list[tuple[str, h5py.Group]]] = {}
    for name in sorted(group):
        item = local_child(group, name)
        if isinstance(item, h5py.Group):
            found.setdefault(nx_class(item), []).append((name, item))
    return found


def read_parameter(group: h5py.Group, field: str, name: str) -> Parameter | None:
    """A scalar number (with ``@units``) or short string field as the parameter ``name``."""
    item = local_child(group, field)
    if not isinstance(item, h5py.Dataset) or item.size != 1:
        return None
    units = item.attrs.get("units", "")
    units = units.decode() if isinstance(units, bytes) else str(units)
    value: Any = item[()]
    if isinstance(value, np.ndarray):
        value = value.reshape(-1)[0]
    if isinstance(value, bytes | str):
        text = read_text(group, field)
        return Parameter(name, text[:255], units) if text else None
    if isinstance(value, np.number | int | float) and np.isfinite(value):
        return Parameter(name, float(value), units)
    return None


def read_parameters(
    *levels: dict[str, list[tuple[str, h5py.Group]]],
) -> tuple[Parameter, ...]:
    """:data:`PARAMETER_FIELDS` found in the child groups of ``levels``, first level first.

    The indexer passes the entry's, the instrument's and the sample's child groups (an
    ``NXbeam`` may be in the instrument or, as in NXmx, in the sample).
    """
    found: dict[str, Parameter] = {}
    for children in levels:
        for cls, field, name in PARAMETER_FIELDS:
            if name in found:
                continue
            for _, group in children.get(cls, ()):
                parameter = read_parameter(group, field, name)
                if parameter is not None:
                    found[name] = parameter
                    break
    return tuple(found[name] for name in sorted(found))


def read_entry(name: str, entry: h5py.Group) -> Entry:
    """Metadata of one ``NXentry``."""
    children = classify(entry)
    instrument, parts = None, {}
    if children.get("NXinstrument"):
        _, group = children["NXinstrument"][0]
        instrument = read_text(group, "name")  # the group name ("instrument") names nothing
        parts = classify(group)
    samples = children.get("NXsample", [])
    sample = (read_text(samples[0][1], "name") or samples[0][0]) if samples else None
    description = read_text(samples[0][1], "description") if samples else None
    users = tuple(
        NexusUser(
            name=read_text(group, "name") or group_name,
            role=read_text(group, "role"),
            facility_user_id=read_text(group, "facility_user_id"),
            email=read_text(group, "email"),
            affiliation=read_text(group, "affiliation"),
            orcid=read_text(group, "ORCID") or read_text(group, "orcid"),
        )
        for group_name, group in children.get("NXuser", [])
    )
    definition = read_text(entry, "definition")
    if definition is None and children.get("NXsubentry"):
        definition = read_text(children["NXsubentry"][0][1], "definition")
    return Entry(
        name=name,
        title=read_text(entry, "title"),
        start_time=parse_time(read_text(entry, "start_time")),
        end_time=parse_time(read_text(entry, "end_time")),
        definition=definition,
        experiment_identifier=read_text(entry, "experiment_identifier"),
        instrument=instrument,
        sample=sample,
        sample_description=description[:4000] if description else None,
        users=users,
        parameters=read_parameters(children, parts, classify(samples[0][1]) if samples else {}),
    )


def read_nexus(path: str | Path) -> list[Entry]:
    """Metadata of every ``NXentry`` at the top of a NeXus file.

    Parameters
    ----------
    path
        File to read; a plain HDF5 file without entries gives ``[]``.

    Raises
    ------
    NexusError
        The file cannot be opened or read as HDF5.
    """
    try:
        with h5py.File(path, "r", locking=False) as f:
            return [read_entry(name, group) for name, group in classify(f).get("NXentry", [])]
    except (OSError, KeyError, ValueError, RuntimeError) as error:
        raise NexusError(f"{type(error).__name__}: {error}") from error
