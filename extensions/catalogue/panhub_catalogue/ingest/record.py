"""What the catalogue records of one NeXus file: its main entry's, gaps filled by the others.

A file may hold one entry or hundreds (a scan file). The record takes the title,
instrument, sample, parameters and experiment identifier of the *main* entry (the one
the root's ``@default`` names, else silx view's first: :class:`~.nexus.NexusFile`); a
field the main entry lacks comes from the first other entry, in silx's order, that
has it. The dates span every entry (earliest start, latest end), since the file holds
them all. The techniques are chosen the same way, entry by entry
(:mod:`panhub_catalogue.ingest.techniques`), in :class:`~.indexer.Indexer`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from panhub_catalogue.ingest.nexus import Entry, NexusFile, NexusUser, Parameter

T = TypeVar("T")


@dataclass(frozen=True)
class FileRecord:
    """The catalogue's fields for one file (see the module's docstring)."""

    title: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    instrument: str | None = None
    sample: str | None = None
    sample_description: str | None = None
    experiment_identifier: str | None = None
    users: tuple[NexusUser, ...] = ()
    parameters: tuple[Parameter, ...] = ()


def first_of(entries: tuple[Entry, ...], get: Callable[[Entry], T | None]) -> T | None:
    """The first value ``get`` finds in ``entries``, main entry first."""
    for entry in entries:
        value = get(entry)
        if value:
            return value
    return None


def make_record(nexus: NexusFile) -> FileRecord:
    """The record of a file's entries (main entry first, then the others)."""
    entries = nexus.entries
    starts = [e.start_time or e.end_time for e in entries]
    ends = [e.end_time or e.start_time for e in entries]
    with_sample = first_of(entries, lambda e: e if e.sample else None)
    parameters: dict[str, Parameter] = {}
    for entry in entries:
        for parameter in entry.parameters:
            parameters.setdefault(parameter.name, parameter)
    users: dict[NexusUser, None] = {}
    for entry in entries:
        users.update(dict.fromkeys(entry.users))
    return FileRecord(
        title=first_of(entries, lambda e: e.title),
        start=min((s for s in starts if s), default=None),
        end=max((e for e in ends if e), default=None),
        instrument=first_of(entries, lambda e: e.instrument),
        sample=with_sample.sample if with_sample else None,
        sample_description=with_sample.sample_description if with_sample else None,
        experiment_identifier=first_of(entries, lambda e: e.experiment_identifier),
        users=tuple(users),
        parameters=tuple(parameters[name] for name in sorted(parameters)),
    )


_SEPARATORS = re.compile(r"[\s/_:-]+")


def is_same_proposal(identifier: str, proposal: str, visit: str = "") -> bool:
    """Whether a file's ``experiment_identifier`` names the proposal its path names.

    Case and spacing aside, the identifier is the proposal, the visit, or starts with
    the proposal followed by a separator (``"20240001-1"``, ``"MX-1234/visit2"`` for
    proposal ``"MX-1234"``; Diamond's ``"cm12345-1"`` for ``"cm12345"``).
    """
    said, named = identifier.strip().lower(), proposal.strip().lower()
    if said in (named, visit.strip().lower()):
        return True
    return said.startswith(named) and bool(_SEPARATORS.match(said[len(named) :]))


def find_foreign_identifiers(nexus: NexusFile, proposal: str, visit: str = "") -> list[str]:
    """The experiment identifiers of the file's entries that name another proposal."""
    named = {e.experiment_identifier for e in nexus.entries if e.experiment_identifier}
    return sorted(i for i in named if not is_same_proposal(i, proposal, visit))
