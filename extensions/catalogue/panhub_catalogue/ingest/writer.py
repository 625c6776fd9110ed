"""The database side of an indexing run: plan each file, then write its rows, or none.

Each file is written in a SAVEPOINT of its own (:meth:`IndexRun.store`): a file that
cannot be catalogued (unreadable, nothing usable in its entries, or an error while its
rows are written) is reported and leaves no row behind; in particular an investigation
is created only together with the dataset and datafile of a file that made it, never
for a file that failed. The run's batches are committed by the caller.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from panhub_catalogue.ingest.nexus import Entry, NexusFile, NexusUser
from panhub_catalogue.ingest.proposal import describe_disagreement
from panhub_catalogue.ingest.techniques import (
    Technique,
    make_known_terms,
    parse_beamline_techniques,
    pick_techniques,
)
from panhub_catalogue.model import (
    Affiliation,
    Datafile,
    DatafileParameter,
    Dataset,
    DatasetParameter,
    DatasetTechnique,
    Instrument,
    Investigation,
    InvestigationInstrument,
    InvestigationUser,
    ParameterType,
    Sample,
)
from panhub_catalogue.model import (
    Technique as TechniqueRow,
)
from panhub_catalogue.pids import read_orcid
from panhub_catalogue.store import Lookup, refresh_investigation, set_release_dates

if TYPE_CHECKING:
    from panhub_catalogue.ingest.indexer import Indexer, IndexReport

log = logging.getLogger(__name__)

#: The datafile parameter that holds what the indexer noticed about a file.
NOTE_PARAMETER = "index_note"
#: What :func:`~panhub_catalogue.ingest.indexer.read_file` returns: the file's content
#: and checksum, or why it cannot be read.
ReadResult = tuple[NexusFile, str | None] | str


def mtime_of(stat: os.stat_result) -> datetime:
    """Modification time as naive UTC."""
    return datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Job:
    """A file to read and store: its proposal (from the path) and what the catalogue knew."""

    path: Path
    proposal: str
    visit: str
    folder: str
    dataset: str
    kind: str
    stat: os.stat_result
    known: tuple[int, datetime | None, int] | None


def describe_unusable(nexus: NexusFile) -> str | None:
    """Why a file's entries give the catalogue nothing, or ``None`` when they give enough.

    A file without NXentry (plain HDF5, a detector's data file) is catalogued as a file.
    """
    if nexus.main is None or nexus.main.is_usable:
        return None
    names = ", ".join(map(repr, nexus.entries[:5])) + (", ..." if len(nexus.entries) > 5 else "")
    return (
        f"nothing to catalogue: NXentry {names} holds no title, times, definition, "
        "instrument, sample or data (still being written?)"
    )


class IndexRun:
    """State of one indexing run: lookups, caches, investigations touched since the last commit."""

    def __init__(self, indexer: Indexer, session: Session, report: IndexReport) -> None:
        self.indexer = indexer
        self.session = session
        self.report = report
        self.root = Path(indexer.root).absolute()
        self.layout = re.compile(indexer.layout)
        known = make_known_terms(indexer.techniques)
        self.beamline_table = parse_beamline_techniques(indexer.beamline_techniques, known)
        self.known_terms = known
        self.facility = Lookup(session).facility(indexer.facility, 365 * indexer.embargo_years)
        self.touched: set[int] = set()
        self.forget()

    def forget(self) -> None:
        """Drop every cache of rows (after a rollback, some may be gone)."""
        self.lookup = Lookup(self.session)
        self.investigations: dict[tuple[str, str], Investigation] = {}
        self.beamlines: dict[int, list[str]] = {}
        self.techniques: dict[Technique, TechniqueRow] = {}
        self.known: dict[int, dict[str, tuple[int, datetime | None, int]]] = {}
        self.parameters: dict[tuple[int, int], DatasetParameter] = {}
        self.members: set[tuple[tuple[str, object], ...]] = set()

    def commit(self) -> None:
        for investigation_id in sorted(self.touched):
            refresh_investigation(self.session, investigation_id)
        set_release_dates(self.session, self.facility, self.indexer.embargo_years)
        self.session.commit()
        self.touched.clear()

    def plan(self, path: Path) -> Job | None:
        """Sort out files outside the layout, vanished or unchanged; the rest are jobs.

        Planning writes nothing: a file's investigation is created when its rows are.
        """
        try:
            relative = path.relative_to(self.root).as_posix()
        except ValueError:
            self.report.ignored.append((str(path), f"outside the proposals root {self.root}"))
            return None
        match = self.layout.match(relative)
        if match is None:
            self.report.ignored.append((str(path), "does not match the proposals layout"))
            return None
        try:
            stat = path.lstat()
        except OSError as error:
            self.report.failed.append((str(path), f"cannot stat: {error.strerror}"))
            return None
        if not S_ISREG(stat.st_mode):
            # a link could point into another proposal: never followed
            self.report.ignored.append((str(path), "not a regular file (links are not followed)"))
            return None
        proposal, visit = match["proposal"], match.groupdict().get("visit") or ""
        investigation = self.find_investigation(proposal, visit)
        known = self.get_known(investigation).get(str(path)) if investigation else None
        if known is not None and known[:2] == (stat.st_size, mtime_of(stat)):
            self.report.unchanged += 1
            return None
        top = self.root / relative[: match.start("kind")]
        below = path.parent.relative_to(top).as_posix()
        return Job(path, proposal, visit, str(top), below, match["kind"], stat, known)

    def store(self, job: Job, result: ReadResult) -> None:
        """Write what :func:`read_file` found in one SAVEPOINT, or report why not."""
        if isinstance(result, str):
            self.report_failure(job.path, result)
            return
        nexus, checksum = result
        reason = describe_unusable(nexus)
        if reason is not None:
            self.report_failure(job.path, reason)
            return
        try:
            with self.session.begin_nested():
                investigation, notes = self.write_file(job, nexus, checksum)
        except Exception as error:  # the run goes on with the next file
            log.exception("%s: not catalogued", job.path)
            self.forget()
            self.report_failure(job.path, f"not catalogued: {type(error).__name__}: {error}")
            return
        self.touched.add(investigation.id)
        self.report.indexed += 1
        for note in notes:
            log.info("%s: %s", job.path, note)
            self.report.notes.append((str(job.path), note))

    def report_failure(self, path: Path, reason: str) -> None:
        log.info("%s: not catalogued: %s", path, reason)
        self.report.failed.append((str(path), reason))

    def write_file(
        self, job: Job, nexus: NexusFile, checksum: str | None
    ) -> tuple[Investigation, list[str]]:
        """The rows of one file (inside the caller's SAVEPOINT), and its notes."""
        path, stat, known = job.path, job.stat, job.known
        investigation = self.get_investigation(job.proposal, job.visit)
        dataset = self.get_dataset(investigation, job.dataset, job.kind, str(path.parent))
        datafile = self.session.get(Datafile, known[2]) if known else None
        if datafile is None:
            datafile = Datafile(dataset_id=dataset.id, name=path.name, location=str(path))
            self.session.add(datafile)
        datafile.fileSize = stat.st_size
        datafile.datafileModTime = mtime_of(stat)
        suffix = path.suffix.lstrip(".").lower() or None
        datafile.datafileFormat = "nexus" if nexus.main else suffix
        datafile.checksum = checksum
        notes = list(nexus.notes)
        main = nexus.main
        if main is not None:
            disagreement = describe_disagreement(
                main.experiment_identifier, job.proposal, job.visit
            )
            notes += [disagreement] if disagreement else []
            self.apply_entry(investigation, dataset, main)
            self.apply_techniques(investigation, dataset, main)
        self.session.flush()
        self.set_note(datafile, notes, known is not None)
        self.get_known(investigation)[str(path)] = (stat.st_size, mtime_of(stat), datafile.id)
        return investigation, notes

    def find_investigation(self, name: str, visit: str) -> Investigation | None:
        """The investigation of that proposal and visit, if the catalogue has it."""
        cached = self.investigations.get((name, visit))
        if cached is None:
            cached = self.session.scalar(
                select(Investigation).filter_by(
                    facility_id=self.facility.id, name=name, visitId=visit
                )
            )
            if cached is not None:
                self.investigations[(name, visit)] = cached
        return cached

    def get_investigation(self, name: str, visit: str) -> Investigation:
        """The investigation of that proposal and visit, created if new."""
        found = self.find_investigation(name, visit)
        if found is None:
            found = Investigation(facility_id=self.facility.id, name=name, visitId=visit, title="")
            self.session.add(found)
            self.session.flush()
            self.investigations[(name, visit)] = found
        return found

    def get_known(
        self, investigation: Investigation
    ) -> dict[str, tuple[int, datetime | None, int]]:
        if investigation.id not in self.known:
            rows = self.session.execute(
                select(Datafile.location, Datafile.fileSize, Datafile.datafileModTime, Datafile.id)
                .join(Dataset, Dataset.id == Datafile.dataset_id)
                .where(Dataset.investigation_id == investigation.id)
            )
            self.known[investigation.id] = {r[0]: (r[1], r[2], r[3]) for r in rows}
        return self.known[investigation.id]

    def get_dataset(
        self, investigation: Investigation, name: str, kind: str, location: str
    ) -> Dataset:
        return self.lookup.get(
            Dataset,
            {"type": kind, "location": location},
            investigation_id=investigation.id,
            name=name,
        )

    def get_beamlines(self, investigation: Investigation) -> list[str]:
        """The names of the beamlines the catalogue links ``investigation`` to."""
        if investigation.id not in self.beamlines:
            self.beamlines[investigation.id] = list(
                self.session.scalars(
                    select(Instrument.name)
                    .join(InvestigationInstrument)
                    .where(InvestigationInstrument.investigation_id == investigation.id)
                )
            )
        return self.beamlines[investigation.id]

    def apply_entry(self, investigation: Investigation, dataset: Dataset, entry: Entry) -> None:
        """What the file's main entry says, on its dataset (and an untitled investigation)."""
        end = entry.end_time or entry.start_time
        if entry.start_time and (dataset.startDate is None or entry.start_time < dataset.startDate):
            dataset.startDate = entry.start_time
        if end and (dataset.endDate is None or end > dataset.endDate):
            dataset.endDate = end
        title = entry.title[:4000] if entry.title else None
        dataset.description = dataset.description or title
        if not investigation.title and title and dataset.type == "raw":
            # raw data comes from the beamline; processed files are the users' to write
            investigation.title = title
        if entry.sample:
            sample = self.lookup.get(
                Sample, investigation_id=investigation.id, name=entry.sample[:255]
            )
            dataset.sample_id = sample.id
            sample.description = sample.description or entry.sample_description
        if entry.instrument:
            self.set_parameter(dataset, "instrument_name", entry.instrument[:255], "")
        if entry.instrument and self.indexer.instruments_from_files:
            instrument = self.lookup.instrument(self.facility, entry.instrument[:255])
            self.lookup.add_once(
                InvestigationInstrument,
                investigation_id=investigation.id,
                instrument_id=instrument.id,
            )
        for person in entry.users if self.indexer.members_from_files else ():
            self.add_member(investigation, person)
        for parameter in entry.parameters:
            self.set_parameter(dataset, parameter.name, parameter.value, parameter.units)

    def apply_techniques(
        self, investigation: Investigation, dataset: Dataset, entry: Entry
    ) -> None:
        """The techniques of the entry (:func:`~.techniques.pick_techniques`)."""
        explicit = tuple(self.name_technique(n, i) for n, i in entry.techniques)
        beamlines = self.get_beamlines(investigation) if self.beamline_table else []
        techniques, _rule = pick_techniques(
            explicit,
            entry.definition,
            entry.instrument,
            beamlines,
            self.beamline_table,
            self.indexer.techniques,
        )
        for technique in techniques:
            row = self.get_technique(technique)
            self.lookup.add_once(DatasetTechnique, dataset_id=dataset.id, technique_id=row.id)

    def name_technique(self, name: str | None, iri: str | None) -> Technique:
        """A technique a file states, named as the catalogue knows it when it does."""
        known = self.known_terms.get((name or "").lower())
        if iri:
            by_id = self.known_terms.get(iri.rsplit("/", 1)[-1])
            if by_id and by_id[1] == iri:
                known = by_id
        if known and (iri is None or known[1] == iri):
            return known
        return ((name or iri or "")[:255], iri[:255] if iri else None)

    def get_technique(self, technique: Technique) -> TechniqueRow:
        """The catalogue's technique of that PID (else that name), created if neither."""
        row = self.techniques.get(technique)
        if row is None:
            name, pid = technique
            row = self.session.scalar(select(TechniqueRow).filter_by(pid=pid)) if pid else None
            if row is None:
                row = self.session.scalar(select(TechniqueRow).filter_by(name=name))
            if row is None:
                row = TechniqueRow(name=name, pid=pid)
                self.session.add(row)
                self.session.flush()
            self.techniques[technique] = row
        return row

    def set_note(self, datafile: Datafile, notes: list[str], known: bool) -> None:
        """Keep ``notes`` as the datafile's :data:`NOTE_PARAMETER` (none: removed).

        ``known``: the datafile was catalogued before, and may have a note to replace.
        """
        kind = (
            self.lookup.parameter_type(NOTE_PARAMETER, "", "STRING")
            if notes
            else self.session.scalar(select(ParameterType).filter_by(name=NOTE_PARAMETER))
        )
        if kind is None:
            return
        if known:
            self.session.execute(
                delete(DatafileParameter).where(
                    DatafileParameter.datafile_id == datafile.id,
                    DatafileParameter.type_id == kind.id,
                )
            )
        if notes:
            text = "; ".join(notes)
            text = text if len(text) <= 4000 else text[:3997] + "..."
            self.session.add(
                DatafileParameter(datafile_id=datafile.id, type_id=kind.id, stringValue=text)
            )

    def add_member(self, investigation: Investigation, person: NexusUser) -> None:
        """A member from an ``NXuser`` group (only with ``members_from_files``).

        The user's ORCID iD is recorded when the catalogue has none and the file's is a
        valid one; the affiliation (an :class:`Affiliation` by name) when the membership
        has none.
        """
        login = (person.facility_user_id or person.name)[:255]
        user = self.lookup.user(login, person.name[:255])
        orcid = read_orcid(person.orcid)
        if orcid and not user.orcidId:
            user.orcidId = orcid
        affiliation = (
            self.lookup.get(Affiliation, name=person.affiliation[:255]).id
            if person.affiliation
            else None
        )
        keys = {
            "user_id": user.id,
            "investigation_id": investigation.id,
            "role": (person.role or "member")[:255],
        }
        cache_key = (*sorted(keys.items()), ("affiliation_id", affiliation))
        if cache_key in self.members:
            return
        self.members.add(cache_key)
        row = self.session.scalar(select(InvestigationUser).filter_by(**keys))
        if row is None:
            self.session.add(InvestigationUser(**keys, affiliation_id=affiliation))
        elif row.affiliation_id is None and affiliation is not None:
            row.affiliation_id = affiliation

    def set_parameter(self, dataset: Dataset, name: str, value: float | str, units: str) -> None:
        is_number = isinstance(value, float)
        kind = self.lookup.parameter_type(name, units[:255], "NUMERIC" if is_number else "STRING")
        row = self.parameters.get((dataset.id, kind.id))
        if row is None:
            row = self.session.scalar(
                select(DatasetParameter).filter_by(dataset_id=dataset.id, type_id=kind.id)
            )
        if row is None:
            row = DatasetParameter(dataset_id=dataset.id, type_id=kind.id)
            self.session.add(row)
        self.parameters[(dataset.id, kind.id)] = row
        row.numericValue = value if isinstance(value, float) else None
        row.stringValue = value if isinstance(value, str) else None
