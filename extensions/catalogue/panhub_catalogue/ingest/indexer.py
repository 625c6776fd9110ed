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

A file's proposal is the one its path names, whatever the file says: a file whose
``experiment_identifier`` names another proposal is catalogued under its path's, and the
disagreement is reported (:attr:`IndexReport.notes`, the log) and kept as the
datafile's ``index_note`` parameter, with missing link targets
(:mod:`panhub_catalogue.ingest.links`). The record of a file is that of its main entry
(:mod:`panhub_catalogue.ingest.record`); its technique comes from what the file states,
else :attr:`Indexer.beamline_techniques`, else :attr:`Indexer.techniques`
(:mod:`panhub_catalogue.ingest.techniques`).

Runs are incremental (a file whose size and modification time are unchanged is not
read again) and idempotent (running twice changes nothing). A file that cannot be
catalogued (not HDF5, corrupt, truncated, still being created, entries with nothing
usable) is reported with the reason, in :attr:`IndexReport.failed` and the log, and
leaves no row (one SAVEPOINT per file: :mod:`panhub_catalogue.ingest.writer`); the run
goes on, and a later run tries it again. No data array is read, whatever its size.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from traitlets import Bool, Dict, Enum, Int, List, TraitError, Unicode, default, validate
from traitlets.config import Configurable

from panhub_catalogue.ingest.beneath import open_beneath, proc_path
from panhub_catalogue.ingest.nexus import NexusFile, read_nexus_file
from panhub_catalogue.ingest.progress import Progress
from panhub_catalogue.ingest.prune import PruneReport, prune_missing
from panhub_catalogue.ingest.techniques import (
    DEFAULT_TECHNIQUES,
    PANET,
    TechniqueError,
    make_known_terms,
    parse_beamline_techniques,
)
from panhub_catalogue.ingest.writer import IndexRun, ReadResult, mtime_of
from panhub_catalogue.settings import get_proposals_root

__all__ = ["DEFAULT_TECHNIQUES", "PANET", "IndexReport", "Indexer", "mtime_of", "read_file"]


@dataclass
class IndexReport:
    """What a run did; ``failed``, ``ignored`` and ``notes`` hold ``(path, reason)`` pairs.

    ``notes`` are about files that were catalogued (missing link targets, a file naming
    another proposal than its path); ``pruned`` says what pruning removed, when the run
    was asked to prune.
    """

    indexed: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    pruned: PruneReport | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)

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
        help="""NeXus application definition -> [technique name, PaNET IRI or null], e.g.
        {'NXxas': ['x-ray absorption spectroscopy',
        'http://purl.org/pan-science/PaNET/PaNET01196']}. Default: DEFAULT_TECHNIQUES of
        panhub_catalogue.ingest.techniques (the NIAC application definitions, read as an
        X-ray facility's). Used when neither the file nor `beamline_techniques` says the
        technique.""",
    )
    beamline_techniques = Dict(
        config=True,
        help="""Beamline -> technique, for beamlines whose files' application definition
        does not say their technique: a powder diffraction beamline writing its detector
        images as NXmx, azimuthal integration as NXazint1d. A technique is a PaNET name
        the indexer knows ('x-ray powder diffraction'), a PaNET id or IRI ('PaNET01101'),
        or [name, IRI or null]; a beamline may map definitions to techniques instead,
        '*' standing for any other definition, e.g. {'BL04-MSPD': 'x-ray powder
        diffraction', 'BL11-NCD': {'NXmx': 'wide angle x-ray scattering', 'NXazint1d':
        'small angle x-ray scattering'}}. The beamline is the one a file's
        NXinstrument/name names (the key itself, or the key followed by a character other
        than a letter or digit, case aside: 'BL04-MSPD (synthetic)' is BL04-MSPD), else
        the one beamline the catalogue links the proposal to. Precedence, for each
        entry: the techniques the file states (an NXentry's 'techniques' group with
        'names' and 'iris', as ESRF's BLISS writes), then this setting, then
        `techniques` by definition. Default: none.""",
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

    @validate("beamline_techniques")
    def _validate_beamline_techniques(self, proposal: dict[str, Any]) -> dict[str, Any]:
        value = dict(proposal["value"])
        try:
            parse_beamline_techniques(value, make_known_terms(self.techniques))
        except TechniqueError as error:
            raise TraitError(str(error)) from None
        return value

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
            run = IndexRun(self, session, report)
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
                proposals = [job.folder for job in jobs]
                if workers > 1 and len(jobs) >= 32:
                    results = pool.map(reader, paths_to_read, proposals, chunksize=8)
                else:
                    results = map(reader, paths_to_read, proposals)
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
    path: Path, proposal: str = "", *, suffixes: tuple[str, ...], checksum: str, root: str
) -> ReadResult:
    """The NeXus content and checksum of one file, or the reason it cannot be read.

    The file is opened below ``root`` without following symbolic links
    (:func:`~panhub_catalogue.ingest.beneath.open_beneath`), and read through that descriptor:
    a user who swaps their file for a link into another proposal gets an error, not
    that proposal's metadata. ``proposal`` is the file's proposal folder, the only place
    its external links' files are looked for (:mod:`panhub_catalogue.ingest.links`).
    Runs in worker processes: takes and returns only picklable values, never raises for a
    bad file (whatever the HDF5 library or h5py raises becomes the reason).
    """
    try:
        fd = open_beneath(str(path), [root])
    except OSError as error:
        return f"not read: {error.strerror or error}"
    try:
        if path.suffix.lower() in suffixes:
            nexus = read_nexus_file(proc_path(fd), str(path.parent), proposal or None)
        else:
            nexus = NexusFile()
        return nexus, file_checksum(proc_path(fd), checksum)
    except Exception as error:  # a bad file must not stop the run
        return str(error) or type(error).__name__
    finally:
        os.close(fd)
