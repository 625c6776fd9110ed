"""Index proposal folders of NeXus/HDF5 files into the catalogue.

Files map to rows through :attr:`Indexer.layout`, a regular expression on the path
relative to :attr:`Indexer.root`: by default ``<root>/<proposal>/raw/...`` and
``<root>/<proposal>/processed/...``, where ``<proposal>`` is ``Investigation.name``.
A folder holding files is a Dataset (named by its path below the proposal, e.g.
``raw/sample1/scan0001``, type ``raw`` or ``processed``); each file is a Datafile.

What files say about who may see them (NXuser, NXinstrument) is not trusted by
default, since users can write files under their proposals: membership and beamlines
come from the authoritative source (``panhub-catalogue members import``, an ICAT
import), unless :attr:`Indexer.members_from_files` or
:attr:`Indexer.instruments_from_files` say otherwise.

Runs are incremental (a file whose size and modification time are unchanged is not
read again) and idempotent (running twice changes nothing). A file that cannot be read
(corrupt, truncated, still being created) is reported and skipped; the run goes on,
and a later run tries it again.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from stat import S_ISREG
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from traitlets import Bool, Dict, Enum, Int, List, Unicode, default, validate
from traitlets.config import Configurable

from panhub_catalogue.ingest.beneath import open_beneath, proc_path
from panhub_catalogue.ingest.nexus import Entry, NexusError, NexusUser, read_nexus
from panhub_catalogue.ingest.progress import Progress
from panhub_catalogue.ingest.prune import PruneReport, prune_missing
from panhub_catalogue.model import (
    Affiliation,
    Datafile,
    Dataset,
    DatasetParameter,
    DatasetTechnique,
    Investigation,
    InvestigationInstrument,
    InvestigationUser,
    Sample,
)
from panhub_catalogue.pids import read_orcid
from panhub_catalogue.settings import get_proposals_root
from panhub_catalogue.store import Lookup, refresh_investigation, set_release_dates

PANET = "http://purl.org/pan-science/PaNET/"

#: NeXus application definition -> (technique name, PaNET IRI), names as PaNET has them.
#: For an X-ray facility: NXsas and NXmonopd cover neutrons too, and are read as X-rays'.
DEFAULT_TECHNIQUES: dict[str, list[str | None]] = {
    "NXxas": ["x-ray absorption spectroscopy", PANET + "PaNET01196"],
    "NXxasproc": ["x-ray absorption spectroscopy", PANET + "PaNET01196"],
    "NXsas": ["small angle scattering", PANET + "PaNET01124"],
    "NXcanSAS": ["small angle scattering", PANET + "PaNET01124"],
    "NXtomo": ["x-ray tomography", PANET + "PaNET01207"],
    "NXtomoproc": ["x-ray tomography", PANET + "PaNET01207"],
    "NXmx": ["macromolecular crystallography", PANET + "PaNET01164"],
    "NXfluo": ["x-ray fluorescence", PANET + "PaNET01177"],
    "NXarpes": ["angle resolved photoemission spectroscopy", PANET + "PaNET01089"],
    "NXstxm": ["scanning transmission x-ray microscopy", PANET + "PaNET01219"],
    "NXmonopd": ["x-ray powder diffraction", PANET + "PaNET01101"],
    "NXxrd_pan": ["x-ray powder diffraction", PANET + "PaNET01101"],
    "NXxrd": ["x-ray diffraction", PANET + "PaNET01216"],
}


@dataclass
class IndexReport:
    """What a run did; ``failed`` and ``ignored`` hold ``(path, reason)`` pairs.

    ``pruned`` says what pruning removed, when the run was asked to prune.
    """

    indexed: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    pruned: PruneReport | None = None

    @property
    def seen(self) -> int:
        """Files looked at."""
        return self.indexed + self.unchanged + len(self.failed) + len(self.ignored)


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Regular files under ``paths`` (files or folders), in sorted order, hidden ones skipped."""
    for start in paths:
        path = Path(start).absolute()
        if path.is_file():
            yield path
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith("."):
                    yield Path(folder, name)


def file_checksum(path: Path | str, kind: str) -> str | None:
    """``adler32:<hex>`` of the whole file, or ``None`` when ``kind`` is ``"none"``."""
    if kind == "none":
        return None
    value = 1
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            value = zlib.adler32(chunk, value)
    return f"adler32:{value:08x}"


def mtime_of(stat: os.stat_result) -> datetime:
    """Modification time as naive UTC."""
    return datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)


class Indexer(Configurable):
    """Scans proposal folders into the catalogue (``panhub-catalogue index``)."""

    root = Unicode(
        config=True,
        help="Proposals root: the folder holding one folder per proposal, e.g. "
        "'/gpfs/proposals'. Default: $PANHUB_PROPOSALS_ROOT, else '/srv/proposals'.",
    )

    @default("root")
    def _default_root(self) -> str:
        return get_proposals_root()

    layout = Unicode(
        r"^(?P<proposal>[^/]+)/(?P<kind>raw|processed)/",
        config=True,
        help="""Regular expression matched against a file's path relative to `root`.
        Named groups: `proposal` (Investigation.name, required), `kind` (Dataset.type,
        required) and `visit` (Investigation.visitId, optional). Files that do not match
        are reported as ignored. Example for `<root>/<proposal>/<visit>/raw/...`:
        '^(?P<proposal>[^/]+)/(?P<visit>[^/]+)/(?P<kind>raw|processed)/'.""",
    )
    facility = Unicode("PANHUB", config=True, help="Facility.name the investigations belong to.")
    embargo_years = Int(
        3,
        config=True,
        help="Years from an investigation's start date to its release date (public data), "
        "applied when the investigation has no release date yet.",
    )
    checksum = Enum(
        ["none", "adler32"],
        "none",
        config=True,
        help="Datafile checksum: 'adler32' reads every new or changed file in full "
        "(costly on multi-GB detector files); 'none' skips it.",
    )
    nexus_suffixes = List(
        Unicode(),
        [".nxs", ".nx5", ".h5", ".hdf5", ".hdf", ".nx"],
        config=True,
        help="File name suffixes read as NeXus/HDF5 for metadata; other files are "
        "catalogued with name, size and time only.",
    )
    techniques = Dict(
        config=True,
        help="NeXus application definition -> [technique name, PaNET IRI or null], e.g. "
        "{'NXxas': ['x-ray absorption spectroscopy', "
        "'http://purl.org/pan-science/PaNET/PaNET01196']}.",
    )
    members_from_files = Bool(
        False,
        config=True,
        help="""Record the NXuser entries of files as InvestigationUser rows, which make
        those users members who see the investigation, with their affiliation and ORCID
        iD when the files give them. Only for catalogues with no other membership source
        (a demo, a stand-alone archive): anyone who can write a file under a proposal
        could otherwise grant access to it. With False (the default), membership comes
        from `panhub-catalogue members import` or an ICAT import.""",
    )
    instruments_from_files = Bool(
        False,
        config=True,
        help="""Link an investigation to the beamline its files name (NXinstrument/name)
        as an InvestigationInstrument row, which lets that beamline's staff see it. Only
        for catalogues with no other membership source (a demo, a stand-alone archive):
        anyone who can write a file under a proposal (processed/ is user-writable) could
        otherwise widen who sees it. With False (the default), beamlines come from
        `panhub-catalogue members import` or an ICAT import, and the name a file gives is
        kept only as the dataset parameter 'instrument_name'.""",
    )
    batch_size = Int(500, config=True, help="Files per database transaction.")
    workers = Int(
        0,
        config=True,
        help="Processes reading NeXus metadata in parallel; 0 picks min(4, CPUs). "
        "Batches of fewer than 32 files to read are read in this process.",
    )

    @default("techniques")
    def _default_techniques(self) -> dict[str, list[str | None]]:
        return dict(DEFAULT_TECHNIQUES)

    @validate("layout")
    def _validate_layout(self, proposal: dict[str, Any]) -> str:
        pattern = re.compile(proposal["value"])
        missing = {"proposal", "kind"} - set(pattern.groupindex)
        if missing:
            raise ValueError(f"layout needs the named groups {sorted(missing)}")
        return str(proposal["value"])

    def index(
        self,
        sessions: sessionmaker[Session],
        paths: Iterable[str | Path],
        progress: Progress | None = None,
        prune: bool = False,
    ) -> IndexReport:
        """Index every file under ``paths`` (which lie under :attr:`root`).

        With ``prune``, the rows of files under ``paths`` that are gone from disk are
        removed afterwards (see :mod:`panhub_catalogue.ingest.prune`).
        """
        paths = list(paths)
        files = list(iter_files(paths))
        progress = progress or Progress(len(files), enabled=False)
        report = IndexReport()
        workers = self.workers or min(4, os.cpu_count() or 1)
        with sessions() as session, ProcessPoolExecutor(workers) as pool:
            run = _Run(self, session, report)
            for start in range(0, len(files), self.batch_size):
                batch = files[start : start + self.batch_size]
                jobs = [job for job in map(run.plan, batch) if job is not None]
                reader = partial(
                    read_file,
                    suffixes=tuple(self.nexus_suffixes),
                    checksum=self.checksum,
                    root=str(run.root),
                )
                paths_to_read = [job.path for job in jobs]
                if workers > 1 and len(jobs) >= 32:
                    results = pool.map(reader, paths_to_read, chunksize=8)
                else:
                    results = map(reader, paths_to_read)
                for job, result in zip(jobs, results, strict=True):
                    run.store(job, result)
                run.commit()
                progress.update(start + len(batch))
        progress.close()
        if prune:
            with sessions() as session:
                report.pruned = prune_missing(session, paths, {str(f) for f in files})
                session.commit()
        return report


def read_file(
    path: Path, suffixes: tuple[str, ...], checksum: str, root: str
) -> tuple[list[Entry], str | None] | str:
    """NeXus entries and checksum of one file, or the reason it cannot be read.

    The file is opened below ``root`` without following symbolic links
    (:func:`~panhub_catalogue.ingest.beneath.open_beneath`), and read through that descriptor:
    a user who swaps their file for a link into another proposal gets an error, not
    that proposal's metadata. Runs in worker processes: takes and returns only picklable
    values, never raises for a bad file.
    """
    try:
        fd = open_beneath(str(path), [root])
    except OSError as error:
        return f"not read: {error.strerror or error}"
    try:
        entries = read_nexus(proc_path(fd)) if path.suffix.lower() in suffixes else []
        return entries, file_checksum(proc_path(fd), checksum)
    except (NexusError, OSError) as error:
        return str(error)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class _Job:
    """A file to read and store: where it goes and what the catalogue knew of it."""

    path: Path
    investigation: Investigation
    dataset: str
    kind: str
    stat: os.stat_result
    known: tuple[int, datetime | None, int] | None


class _Run:
    """State of one indexing run: lookups, caches, investigations touched since the last commit."""

    def __init__(self, indexer: Indexer, session: Session, report: IndexReport) -> None:
        self.indexer = indexer
        self.session = session
        self.report = report
        self.root = Path(indexer.root).absolute()
        self.layout = re.compile(indexer.layout)
        self.lookup = Lookup(session)
        self.facility = self.lookup.facility(indexer.facility, 365 * indexer.embargo_years)
        self.investigations: dict[tuple[str, str], Investigation] = {}
        self.known: dict[int, dict[str, tuple[int, datetime | None, int]]] = {}
        self.touched: set[int] = set()
        self.parameters: dict[tuple[int, int], DatasetParameter] = {}
        self.members: set[tuple[tuple[str, object], ...]] = set()

    def commit(self) -> None:
        for investigation_id in sorted(self.touched):
            refresh_investigation(self.session, investigation_id)
        set_release_dates(self.session, self.facility, self.indexer.embargo_years)
        self.session.commit()
        self.touched.clear()

    def plan(self, path: Path) -> _Job | None:
        """Sort out files outside the layout, vanished or unchanged; the rest are jobs."""
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
        investigation = self.get_investigation(
            match["proposal"], match.groupdict().get("visit") or ""
        )
        known = self.get_known(investigation).get(str(path))
        if known is not None and known[:2] == (stat.st_size, mtime_of(stat)):
            self.report.unchanged += 1
            return None
        below = path.parent.relative_to(self.root / relative[: match.start("kind")]).as_posix()
        return _Job(path, investigation, below, match["kind"], stat, known)

    def store(self, job: _Job, result: tuple[list[Entry], str | None] | str) -> None:
        """Write what :func:`read_file` found (or record its error message)."""
        path, investigation, stat, known = job.path, job.investigation, job.stat, job.known
        if isinstance(result, str):
            self.report.failed.append((str(path), result))
            return
        entries, checksum = result
        below = job.dataset
        dataset = self.get_dataset(investigation, below, job.kind, str(path.parent))
        datafile = self.session.get(Datafile, known[2]) if known else None
        if datafile is None:
            datafile = Datafile(dataset_id=dataset.id, name=path.name, location=str(path))
            self.session.add(datafile)
        datafile.fileSize = stat.st_size
        datafile.datafileModTime = mtime_of(stat)
        datafile.datafileFormat = "nexus" if entries else path.suffix.lstrip(".").lower() or None
        datafile.checksum = checksum
        for entry in entries:
            self.apply_entry(investigation, dataset, entry)
        self.session.flush()
        self.get_known(investigation)[str(path)] = (stat.st_size, mtime_of(stat), datafile.id)
        self.touched.add(investigation.id)
        self.report.indexed += 1

    def get_investigation(self, name: str, visit: str) -> Investigation:
        cached = self.investigations.get((name, visit))
        if cached is None:
            cached = self.session.scalar(
                select(Investigation).filter_by(
                    facility_id=self.facility.id, name=name, visitId=visit
                )
            )
            if cached is None:
                cached = Investigation(
                    facility_id=self.facility.id, name=name, visitId=visit, title=""
                )
                self.session.add(cached)
                self.session.flush()
            self.investigations[(name, visit)] = cached
        return cached

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

    def apply_entry(self, investigation: Investigation, dataset: Dataset, entry: Entry) -> None:
        if entry.start_time and (dataset.startDate is None or entry.start_time < dataset.startDate):
            dataset.startDate = entry.start_time
        end = entry.end_time or entry.start_time
        if end and (dataset.endDate is None or end > dataset.endDate):
            dataset.endDate = end
        dataset.description = dataset.description or entry.title
        if not investigation.title and entry.title and dataset.type == "raw":
            # raw data comes from the beamline; processed files are the users' to write
            investigation.title = entry.title
        if entry.sample:
            sample = self.lookup.get(Sample, investigation_id=investigation.id, name=entry.sample)
            dataset.sample_id = sample.id
            sample.description = sample.description or entry.sample_description
        technique = self.indexer.techniques.get(entry.definition or "")
        if technique:
            row = self.lookup.technique(str(technique[0]), technique[1])
            self.lookup.add_once(DatasetTechnique, dataset_id=dataset.id, technique_id=row.id)
        if entry.instrument:
            self.set_parameter(dataset, "instrument_name", entry.instrument[:255], "")
        if entry.instrument and self.indexer.instruments_from_files:
            instrument = self.lookup.instrument(self.facility, entry.instrument)
            self.lookup.add_once(
                InvestigationInstrument,
                investigation_id=investigation.id,
                instrument_id=instrument.id,
            )
        for person in entry.users if self.indexer.members_from_files else ():
            self.add_member(investigation, person)
        for parameter in entry.parameters:
            self.set_parameter(dataset, parameter.name, parameter.value, parameter.units)

    def add_member(self, investigation: Investigation, person: NexusUser) -> None:
        """A member from an ``NXuser`` group (only with ``members_from_files``).

        The user's ORCID iD is recorded when the catalogue has none and the file's is a
        valid one; the affiliation (an :class:`Affiliation` by name) when the membership
        has none.
        """
        user = self.lookup.user(person.facility_user_id or person.name, person.name)
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
        kind = self.lookup.parameter_type(name, units, "NUMERIC" if is_number else "STRING")
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
