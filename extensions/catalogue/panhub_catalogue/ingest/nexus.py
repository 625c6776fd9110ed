"""Read catalogue metadata from a NeXus/HDF5 file (h5py only, no writes, no locking).

Files are opened with ``locking=False`` because beamline files may still be written;
whatever cannot be read raises :class:`NexusError` with the reason.

Only what lies in the file itself is read: external links and virtual datasets are
skipped, since the indexer runs with more rights than the users who write files, and a
link could otherwise copy another proposal's metadata into theirs. No data array is
read: a field is read only when it holds one small value, so a file declaring a
100 GB dataset (as ``title`` or anywhere else) costs no memory.

A file is recorded by its *main* entry (:func:`read_nexus_file`): the one the root's
``@default`` names, else the first in the order silx view shows them
(:func:`order_entries`). Its title, times, definition, instrument, sample and the rest
stand for the file's; the other entries of a multi-entry file (a scan each, often
hundreds) are not read beyond their times, so such a file is indexed about as fast as
a file of one entry. A file still open for writing in SWMR mode is read as an SWMR
reader.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from panhub_catalogue.ingest.fields import (
    as_text,
    classify,
    has_datasets,
    local_child,
    parse_time,
    read_attr,
    read_small,
    read_text,
    read_texts,
)
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
    def is_described(self) -> bool:
        """Whether the entry gives any of the metadata the catalogue records."""
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
        return any(described)

    @property
    def is_usable(self) -> bool:
        """Whether the catalogue can record anything of the entry (metadata or data)."""
        return self.is_described or self.has_data


@dataclass(frozen=True)
class NexusFile:
    """What the catalogue reads of a file: its main entry, and notes for its users.

    ``main`` is the entry the root's ``@default`` names, else silx view's first; if that
    one holds nothing to catalogue, the first in silx's order that does (and a note says
    so); ``None`` when the file has no NXentry. ``entries`` names every NXentry, the
    main one first, then in silx view's order when it was needed. ``notes``: missing
    link targets, a root ``@default`` naming no entry.
    """

    main: Entry | None = None
    entries: tuple[str, ...] = ()
    default: str | None = None
    notes: tuple[str, ...] = ()


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


def read_entry(name: str, entry: h5py.Group) -> Entry:
    """Metadata of one ``NXentry``, as the file states it.

    ``title``; ``start_time`` (else spec2nexus's ``date``) and ``end_time``;
    ``definition`` (else its first NXsubentry's); the ``name`` of its first NXinstrument
    and of its first NXsample (a group's own name is no beamline or sample name); its
    NXuser groups, :data:`PARAMETER_FIELDS` and the techniques it states.
    """
    children = classify(entry)
    instrument, parts = None, {}
    if children.get("NXinstrument"):
        _, group = children["NXinstrument"][0]
        instrument = read_text(group, "name")  # the group name ("instrument") names nothing
        parts = classify(group)
    samples = children.get("NXsample", [])
    # the group's name ("sample") names no sample, as the instrument's names no beamline
    sample = read_text(samples[0][1], "name") if samples else None
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
        # spec2nexus writes a SPEC scan's time as ``date``
        start_time=parse_time(read_text(entry, "start_time") or read_text(entry, "date")),
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
    if found.is_described:
        return found
    return dataclasses.replace(found, has_data=has_datasets(entry))


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


def open_nexus(path: str | Path) -> h5py.File:
    """Open ``path`` read-only without locking; as an SWMR reader if an SWMR writer has it.

    Raises
    ------
    OSError
        The file cannot be opened; one open for writing without SWMR (HDF5 refuses
        readers until its writer closes it) says so.
    """
    try:
        return h5py.File(path, "r", locking=False)
    except OSError as error:
        if "already open for write" not in str(error):
            raise
    try:
        return h5py.File(path, "r", locking=False, swmr=True)
    except OSError as error:
        raise OSError(
            "the file is being written (open for writing, not in SWMR mode): "
            "it can be read once its writer closes it"
        ) from error


def order_groups(groups: dict[str, h5py.Group]) -> list[str]:
    """The names of NXentry ``groups`` in silx view's order (:func:`order_entries`)."""
    times = [(n, read_text(g, "start_time"), read_text(g, "end_time")) for n, g in groups.items()]
    return order_entries(times)


def find_main(
    f: h5py.File, groups: dict[str, h5py.Group]
) -> tuple[Entry | None, list[str], str | None, list[str]]:
    """The main entry, the entry names (main first), the root's ``@default``, notes.

    With a root ``@default`` naming an entry that holds something, the other entries are
    not read at all; otherwise they are ordered as silx view does, and read until one
    holds something.
    """
    default = read_attr(f, "default")
    named = (default or "").strip("/").split("/")[0]
    notes = []
    if default and named not in groups:
        notes.append(f"the root's @default names {default!r}, which is no NXentry")
    if named not in groups:
        default, named = None, ""
    main = read_entry(named, groups[named]) if named else None
    if main is not None and main.is_usable:
        return main, [named, *(n for n in groups if n != named)], default, notes
    order = ([named] if named else []) + order_groups(
        {n: g for n, g in groups.items() if n != named}
    )
    first = main
    for name in order:
        entry = main if main is not None and name == named else read_entry(name, groups[name])
        first = first or entry
        if entry.is_usable:
            if entry is not first:
                notes.append(f"NXentry {first.name!r} holds nothing to catalogue: {name!r} does")
            return entry, [name, *(n for n in order if n != name)], default, notes
    return first, order, default, notes


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
        with open_nexus(path) as f:
            groups = dict(classify(f).get("NXentry", []))
            main, order, default, notes = find_main(f, groups)
            notes += find_link_notes(f, folder, proposal)
            return NexusFile(main, tuple(order), default, tuple(notes))
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as error:
        raise NexusError(f"{type(error).__name__}: {error}") from error


def read_nexus(path: str | Path) -> list[Entry]:
    """Every ``NXentry`` of a file, read whole: the root's ``@default`` one first, then in
    silx view's order.

    For inspection and tests; the indexer reads the main entry only
    (:func:`read_nexus_file`).
    """
    try:
        with open_nexus(path) as f:
            groups = dict(classify(f).get("NXentry", []))
            named = (read_attr(f, "default") or "").strip("/").split("/")[0]
            first = [named] if named in groups else []
            order = first + order_groups({n: g for n, g in groups.items() if n != named})
            return [read_entry(name, groups[name]) for name in order]
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as error:
        raise NexusError(f"{type(error).__name__}: {error}") from error
