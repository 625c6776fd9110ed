"""Remove the rows of files deleted from disk (``panhub-catalogue index --prune PATH...``).

A Datafile whose ``location`` lies under one of the indexed paths and no longer exists
is removed; so is a Dataset left without files by that. Nothing is pruned under a path
that does not exist itself (an unmounted file system must not empty the catalogue), a
file that cannot be checked (permissions) is kept, and rows that belong to a
DataCollection (which may carry a DOI) are kept and reported, for a curator to decide.
Investigations, samples and membership are never removed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from panhub_catalogue.model import (
    DataCollectionDatafile,
    DataCollectionDataset,
    Datafile,
    Dataset,
)
from panhub_catalogue.store import refresh_investigation

BATCH = 500


@dataclass
class PruneReport:
    """What pruning removed; ``kept`` and ``skipped`` hold ``(path, reason)`` pairs."""

    files: int = 0
    datasets: int = 0
    kept: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def is_missing(location: str) -> bool:
    """True only when the file is known to be gone (not for an unreadable folder)."""
    try:
        os.stat(location)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def is_under(column: InstrumentedAttribute[str], folder: str) -> ColumnElement[bool]:
    """``column`` is ``folder`` or a path below it (LIKE wildcards in names escaped)."""
    escaped = folder.rstrip("/").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(column == folder, column.like(escaped + "/%", escape="\\"))


def find_missing(session: Session, folder: str, seen: set[str]) -> list[tuple[int, str, int]]:
    """``(id, location, dataset_id)`` of the datafiles under ``folder`` that are gone."""
    rows = session.execute(
        select(Datafile.id, Datafile.location, Datafile.dataset_id).where(
            is_under(Datafile.location, folder)
        ),
        execution_options={"yield_per": 10_000},
    )
    return [
        (int(i), str(loc), int(d)) for i, loc, d in rows if loc not in seen and is_missing(str(loc))
    ]


def prune_missing(session: Session, paths: Iterable[str | Path], seen: set[str]) -> PruneReport:
    """Remove the rows of files gone from under ``paths``; the caller commits.

    Parameters
    ----------
    session
        Open session on the catalogue.
    paths
        Folders or files that were just indexed.
    seen
        Absolute paths of the files the index run found, which need no check.
    """
    report = PruneReport()
    missing: list[tuple[int, str, int]] = []
    for start in paths:
        folder = str(Path(start).absolute())
        if not os.path.lexists(folder):
            report.skipped.append((folder, "does not exist: nothing pruned under it"))
            continue
        missing += find_missing(session, folder, seen)
    gone = []
    for first in range(0, len(missing), BATCH):
        batch = missing[first : first + BATCH]
        collected = set(
            session.scalars(
                select(DataCollectionDatafile.datafile_id).where(
                    DataCollectionDatafile.datafile_id.in_([i for i, _, _ in batch])
                )
            )
        )
        for datafile_id, location, dataset_id in batch:
            if datafile_id in collected:
                report.kept.append((location, "missing, but in a data collection"))
            else:
                gone.append((datafile_id, dataset_id))
    for first in range(0, len(gone), BATCH):
        ids = [i for i, _ in gone[first : first + BATCH]]
        session.execute(delete(Datafile).where(Datafile.id.in_(ids)))
    report.files = len(gone)
    report.datasets = remove_empty_datasets(session, {d for _, d in gone})
    return report


def remove_empty_datasets(session: Session, dataset_ids: set[int]) -> int:
    """Delete the datasets of ``dataset_ids`` left without files, outside data collections.

    The investigations they belong to get their derived columns refreshed.
    """
    if not dataset_ids:
        return 0
    ids = sorted(dataset_ids)
    investigations = set(
        session.scalars(select(Dataset.investigation_id).where(Dataset.id.in_(ids)))
    )
    with_files = select(Datafile.dataset_id).where(Datafile.dataset_id.in_(ids))
    collected = select(DataCollectionDataset.dataset_id)
    empty = list(
        session.scalars(
            select(Dataset.id).where(
                Dataset.id.in_(ids), Dataset.id.not_in(with_files), Dataset.id.not_in(collected)
            )
        )
    )
    if empty:
        session.execute(delete(Dataset).where(Dataset.id.in_(empty)))
    session.expire_all()
    for investigation_id in sorted(investigations):
        refresh_investigation(session, investigation_id)
    return len(empty)
