"""Read catalogue metadata from a NeXus/HDF5 file (h5py only, no writes, no locking).

Files are opened with ``locking=False`` because beamline files may still be written;
whatever cannot be read raises :class:`NexusError` with the reason.

Only what lies in the file itself is read: external links and virtual datasets are
skipped, since the indexer runs with more rights than the users who write files, and a
link could otherwise copy another proposal's metadata into theirs. No data array is
read: a field is read only when it holds one small value, so a file declaring a
100 GB dataset (as ``title`` or anywhere else) costs no memory.

Entries come in the order silx view shows them (:func:`order_entries`), the one the
root's ``@default`` names first: that *main* entry gives a multi-entry file's title,
instrument and sample (:class:`NexusFile`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from panhub_catalogue.clock import to_naive_utc
from panhub_catalogue.ingest.links import find_link_notes

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


#: Largest string field read, bytes (a "title" declared as a 1 GB string is skipped).
MAX_TEXT_BYTES = 65_536
#: Most items read from a list of names (an entry's ``techniques/names``).
MAX_ITEMS = 64
#: Date and time formats older writers use, tried after ISO 8601: ctime (SPEC, old NAPI
#: writers: "Thu Feb 29 08:30:00 2024") and ISIS's "29-FEB-2024 08:30:00".
LEGACY_TIME_FORMATS = ("%a %b %d %H:%M:%S %Y", "%d-%b-%Y %H:%M:%S")


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
    """What the catalogue keeps of one ``NXentry``.

    ``techniques`` are what the entry itself states, as ``(name, IRI)`` pairs either of
    which may be ``None`` (ESRF BLISS's ``techniques`` group: :func:`read_techniques`).
    ``has_data`` says whether the entry holds any dataset of its own (looked for only
    when it has no metadata: see :attr:`is_usable`).
    """

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
    techniques: tuple[tuple[str | None, str | None], ...] = ()
    has_data: bool = True

    @property
    def is_usable(self) -> bool:
        """Whether the catalogue can record anything of the entry (metadata or data)."""
        described = (
            self.title,
            self.start_time,
            self.end_time,
            self.definition,
            self.instrument,
            self.sample,
            self.users,
            self.parameters,
            self.techniques,
        )
        return any(described) or self.has_data


@dataclass(frozen=True)
class NexusFile:
    """The entries of a file, its main one first, and what is wrong with its links.

    ``entries`` holds the entry the root's ``@default`` names first, then the others in
    silx view's order (:func:`order_entries`); without a usable ``@default``, silx's
    first entry is the main one. ``notes`` says what the catalogue should tell users
    (missing link targets, a root ``@default`` naming no entry).
    """

    entries: tuple[Entry, ...] = ()
    default: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def main(self) -> Entry | None:
        """The entry whose title, instrument and sample stand for the file's."""
        return self.entries[0] if self.entries else None


def nx_class(obj: h5py.HLObject) -> str:
    """The ``NX_class`` attribute as ``str`` ('' if missing)."""
    return read_attr(obj, "NX_class") or ""


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


def read_small(item: h5py.Dataset, items: int = 1) -> Any:
    """The value of a dataset of at most ``items`` string or number values, else ``None``.

    Nothing is read from larger datasets (their shape says so), nor from strings longer
    than :data:`MAX_TEXT_BYTES`; a value that cannot be read (an unavailable filter, a
    type numpy has not) is ``None`` too.
    """
    if item.size > items or item.dtype.itemsize > MAX_TEXT_BYTES or item.dtype.names:
        return None
    try:
        return item[()]
    except (OSError, TypeError, ValueError, RuntimeError):
        return None


def as_text(value: Any) -> str | None:
    """A string (``bytes`` decoded as UTF-8) or number as text, stripped; else ``None``."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    elif isinstance(value, np.integer | np.floating | int | float):
        value = str(value)
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


def read_parameter(group: h5py.Group, field: str, name: str) -> Parameter | None:
    """A scalar number (with ``@units``) or short string field as the parameter ``name``."""
    item = local_child(group, field)
    if not isinstance(item, h5py.Dataset) or item.size != 1:
        return None
    units = read_attr(item, "units") or ""
    value: Any = read_small(item)
    if isinstance(value, np.ndarray):
        value = value.reshape(-1)[0]
    if isinstance(value, bytes | str):
        text = as_text(value)
        return Parameter(name, text[:255], units) if text else None
    if isinstance(value, np.integer | np.floating | int | float) and np.isfinite(value):
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


def read_techniques(entry: h5py.Group) -> tuple[tuple[str | None, str | None], ...]:
    """What the entry says its techniques are: its ``techniques`` group's names and IRIs.

    ESRF's BLISS writes ``<entry>/techniques`` as an ``NXnote`` with ``names`` and
    ``iris``, one item per technique (pan-ontologies/esrf-ontologies,
    ``TechniqueMetadata.get_scan_info``); either list may be missing.
    """
    group = local_child(entry, "techniques")
    if not isinstance(group, h5py.Group):
        return ()
    names, iris = read_texts(group, "names"), read_texts(group, "iris")
    length = max(len(names), len(iris))
    names += [None] * (length - len(names))
    iris += [None] * (length - len(iris))
    return tuple((n, i) for n, i in zip(names, iris, strict=True) if n or i)


def has_datasets(group: h5py.Group) -> bool:
    """Whether any dataset lies below ``group`` in this file (stops at the first)."""

    def is_dataset(_name: str, item: h5py.HLObject) -> bool | None:
        return True if isinstance(item, h5py.Dataset) else None

    try:
        return bool(group.visititems(is_dataset))
    except (OSError, RuntimeError, KeyError):
        return False


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
    found = Entry(
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
        techniques=read_techniques(entry),
    )
    if found.is_usable:
        return found
    return Entry(
        name=name, experiment_identifier=found.experiment_identifier, has_data=has_datasets(entry)
    )


_WORDS_AND_NUMBERS = re.compile(r"(\d+|\D+)")


def natural_key(name: str) -> list[str | int]:
    """silx view's name order: case aside, numbers as numbers ("scan2" before "scan10")."""
    return [int(p) if p[0].isdigit() else p.lower() for p in _WORDS_AND_NUMBERS.findall(name)]


def _silx_less(
    left: tuple[str, str | None, str | None], right: tuple[str, str | None, str | None]
) -> int:
    for a, b in ((left[1], right[1]), (left[2], right[2])):
        if a is not None and b is not None:
            return (a > b) - (a < b)
    a_key, b_key = natural_key(left[0]), natural_key(right[0])
    try:
        return (a_key > b_key) - (a_key < b_key)
    except TypeError:  # a word against a number: silx compares the names as strings
        return (left[0] > right[0]) - (left[0] < right[0])


def order_entries(entries: list[tuple[str, str | None, str | None]]) -> list[str]:
    """Entry names in silx view's order, from ``(name, start_time, end_time)`` as written.

    silx view (``silx.gui.hdf5.NexusSortFilterProxyModel.lessThan``) sorts sibling
    NXentry groups by their ``start_time`` text when both have one, else by
    ``end_time``, else by name (:func:`natural_key`); equal ones keep the file's order.
    """
    return [e[0] for e in sorted(entries, key=functools.cmp_to_key(_silx_less))]


def read_nexus_file(
    path: str | Path, folder: str | None = None, proposal: str | None = None
) -> NexusFile:
    """The entries of a NeXus file, main one first, and notes on its links.

    Parameters
    ----------
    path
        File to read; a plain HDF5 file without entries gives no entries.
    folder
        The folder the file is in, where its relative external links start (``path``
        may be a ``/proc/self/fd`` name); default: ``path``'s.
    proposal
        The proposal folder: external links are checked only inside it
        (:func:`~panhub_catalogue.ingest.links.describe_external`).

    Raises
    ------
    NexusError
        The file cannot be opened or read as HDF5.
    """
    folder = folder or str(Path(path).parent)
    try:
        with h5py.File(path, "r", locking=False) as f:
            groups = dict(classify(f).get("NXentry", []))
            times = [
                (name, read_text(g, "start_time"), read_text(g, "end_time"))
                for name, g in groups.items()
            ]
            order = order_entries(times)
            default = read_attr(f, "default")
            notes = []
            if default and default.strip("/").split("/")[0] in groups:
                main = default.strip("/").split("/")[0]
                order = [main, *(n for n in order if n != main)]
            elif default:
                notes.append(f"the root's @default names {default!r}, which is no NXentry")
                default = None
            entries = tuple(read_entry(name, groups[name]) for name in order)
            notes += find_link_notes([groups[n] for n in order], folder, proposal)
            return NexusFile(entries, default, tuple(notes))
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as error:
        raise NexusError(f"{type(error).__name__}: {error}") from error


def read_nexus(path: str | Path) -> list[Entry]:
    """The entries of a NeXus file, main one first (see :func:`read_nexus_file`)."""
    return list(read_nexus_file(path).entries)
