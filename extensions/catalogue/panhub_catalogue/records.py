"""JSON-ready dictionaries of catalogue rows, with ICAT's field names.

Callers pass only rows that already passed the visibility rule in
:mod:`panhub_catalogue.visibility`; these functions add related rows of those same
investigations and never widen the set. The exceptions are :func:`describe_citation`
and :func:`describe_collection_citation`, for the landing pages of hidden items with a
DOI: they read citation metadata only (no members, samples, datasets or files).
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from panhub_catalogue.clock import format_utc
from panhub_catalogue.model import (
    DataCollection,
    Datafile,
    Dataset,
    DatasetTechnique,
    Instrument,
    Investigation,
    InvestigationInstrument,
    InvestigationUser,
    Sample,
    Technique,
    User,
)
from panhub_catalogue.publish.document import DocumentSettings
from panhub_catalogue.visibility import collection_investigations, list_datafiles


@dataclass(frozen=True)
class RecordOptions:
    """What records say about the service itself (from its traits).

    Attributes
    ----------
    proposals_root
        The folder datafile locations are given relative to (``relativePath``), e.g.
        ``/srv/proposals``; empty when not known (``relativePath`` is then ``None``).
    publisher
        Named in citations.
    public_url
        The service's URL as the world sees it, ending in ``/``: citations of an
        investigation without a DOI give its landing page, ``<public_url>landing/...``.
    documents
        What every DataCite document says of the publisher (citations are made from
        the item's document, :mod:`panhub_catalogue.publish.items`).
    """

    proposals_root: str = ""
    publisher: str = "PANHUB"
    public_url: str = "/services/catalogue/"
    documents: DocumentSettings = field(default_factory=DocumentSettings)


def make_relative_path(location: str | None, root: str) -> str | None:
    """``location`` relative to ``root`` (``<proposal>/raw/...``), or ``None``.

    ``None`` when either is empty or not absolute, or when the location (normalised:
    ``..`` resolved lexically) is not strictly below the root.
    """
    if not location or not root or not location.startswith("/") or not root.startswith("/"):
        return None
    path, top = posixpath.normpath(location), posixpath.normpath(root)
    relative = posixpath.relpath(path, top)
    if relative == "." or relative == ".." or relative.startswith("../"):
        return None
    return relative


def is_public(investigation: Investigation, now: datetime) -> bool:
    """Same test as :func:`panhub_catalogue.visibility.released_clause`, on a loaded row."""
    return investigation.releaseDate is not None and investigation.releaseDate <= now


def get_beamlines(session: Session, ids: list[int]) -> dict[int, list[str]]:
    """Instrument names per investigation id."""
    rows = session.execute(
        select(InvestigationInstrument.investigation_id, Instrument.name)
        .join(Instrument, Instrument.id == InvestigationInstrument.instrument_id)
        .where(InvestigationInstrument.investigation_id.in_(ids))
        .order_by(Instrument.name)
    )
    found: dict[int, list[str]] = defaultdict(list)
    for investigation_id, name in rows:
        found[investigation_id].append(name)
    return found


def get_members(session: Session, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Members (name, fullName, role) per investigation id."""
    rows = session.execute(
        select(InvestigationUser.investigation_id, User.name, User.fullName, InvestigationUser.role)
        .join(User, User.id == InvestigationUser.user_id)
        .where(InvestigationUser.investigation_id.in_(ids))
        .order_by(InvestigationUser.role, User.name)
    )
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for investigation_id, name, full_name, role in rows:
        found[investigation_id].append({"name": name, "fullName": full_name, "role": role})
    return found


def count_children(
    session: Session, model: type[Sample] | type[Dataset], ids: list[int]
) -> dict[int, int]:
    """Number of samples or datasets per investigation id."""
    rows = session.execute(
        select(model.investigation_id, func.count())
        .where(model.investigation_id.in_(ids))
        .group_by(model.investigation_id)
    )
    return {investigation_id: int(n) for investigation_id, n in rows}


def summarize_investigations(
    session: Session, investigations: list[Investigation], now: datetime
) -> list[dict[str, Any]]:
    """Rows of a search result page: the ALBA columns plus members."""
    ids = [i.id for i in investigations]
    beamlines = get_beamlines(session, ids)
    members = get_members(session, ids)
    samples = count_children(session, Sample, ids)
    datasets = count_children(session, Dataset, ids)
    return [
        {
            "id": i.id,
            "name": i.name,
            "visitId": i.visitId,
            "title": i.title,
            "summary": i.summary,
            "startDate": format_utc(i.startDate),
            "endDate": format_utc(i.endDate),
            "releaseDate": format_utc(i.releaseDate),
            "isPublic": is_public(i, now),
            "doi": i.doi,
            "beamlines": beamlines.get(i.id, []),
            "users": members.get(i.id, []),
            "sampleCount": samples.get(i.id, 0),
            "datasetCount": datasets.get(i.id, 0),
            "fileCount": i.fileCount,
            "fileSize": i.fileSize,
        }
        for i in investigations
    ]


def describe_datafile(datafile: Datafile, root: str = "") -> dict[str, Any]:
    """One file; ``relativePath`` is its location relative to ``root`` (or ``None``)."""
    return {
        "id": datafile.id,
        "datasetId": datafile.dataset_id,
        "name": datafile.name,
        "location": datafile.location,
        "relativePath": make_relative_path(datafile.location, root),
        "fileSize": datafile.fileSize,
        "checksum": datafile.checksum,
        "datafileFormat": datafile.datafileFormat,
        "datafileModTime": format_utc(datafile.datafileModTime),
    }


def describe_single_datafile(datafile: Datafile, root: str = "") -> dict[str, Any]:
    """One file on its own: :func:`describe_datafile` plus its dataset and investigation."""
    record = describe_datafile(datafile, root)
    record["datasetName"] = datafile.dataset.name
    record["investigationId"] = datafile.dataset.investigation_id
    record["investigationName"] = datafile.dataset.investigation.name
    return record


def describe_datasets(session: Session, datasets: list[Dataset]) -> list[dict[str, Any]]:
    """Datasets with their techniques and sample name."""
    ids = [d.id for d in datasets]
    techniques: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for dataset_id, name, pid in session.execute(
        select(DatasetTechnique.dataset_id, Technique.name, Technique.pid)
        .join(Technique, Technique.id == DatasetTechnique.technique_id)
        .where(DatasetTechnique.dataset_id.in_(ids))
    ):
        techniques[dataset_id].append({"name": name, "pid": pid})
    return [
        {
            "id": d.id,
            "name": d.name,
            "type": d.type,
            "description": d.description,
            "location": d.location,
            "startDate": format_utc(d.startDate),
            "endDate": format_utc(d.endDate),
            "complete": d.complete,
            "doi": d.doi,
            "sample": d.sample.name if d.sample else None,
            "techniques": techniques.get(d.id, []),
            "fileCount": d.fileCount,
            "fileSize": d.fileSize,
        }
        for d in datasets
    ]


def describe_investigation(
    session: Session,
    investigation: Investigation,
    now: datetime,
    file_limit: int = 100,
    options: RecordOptions = RecordOptions(),
) -> dict[str, Any]:
    """One investigation page: summary, samples, datasets and the first ``file_limit`` files."""
    (summary,) = summarize_investigations(session, [investigation], now)
    datasets = list(
        session.scalars(
            select(Dataset)
            .where(Dataset.investigation_id == investigation.id)
            .order_by(Dataset.name)
        )
    )
    samples = session.scalars(
        select(Sample).where(Sample.investigation_id == investigation.id).order_by(Sample.name)
    )
    total, files = list_datafiles(session, [d.id for d in datasets], file_limit)
    summary["parameters"] = [
        {
            "name": p.type.name,
            "units": p.type.units,
            "value": p.numericValue if p.numericValue is not None else p.stringValue,
        }
        for p in investigation.parameters
    ]
    summary["samples"] = [{"id": s.id, "name": s.name, "type": s.type} for s in samples]
    summary["datasets"] = describe_datasets(session, datasets)
    summary["datafiles"] = {
        "total": total,
        "items": [describe_datafile(f, options.proposals_root) for f in files],
    }
    return summary


def describe_collection(session: Session, collection: DataCollection) -> dict[str, Any]:
    """A data collection with its datasets and the investigations they come from."""
    datasets = [link.dataset for link in collection.dataCollectionDatasets]
    investigations = {d.investigation.id: d.investigation for d in datasets}
    return {
        "id": collection.id,
        "doi": collection.doi,
        "title": collection.title,
        "summary": collection.summary,
        "publicationDate": format_utc(collection.publicationDate),
        "datasets": describe_datasets(session, datasets),
        "investigations": [
            {"id": i.id, "name": i.name, "title": i.title, "doi": i.doi}
            for i in investigations.values()
        ],
    }


def describe_citation(
    session: Session, investigation: Investigation, now: datetime
) -> dict[str, Any]:
    """What a DOI's landing page shows of an investigation the caller may not see.

    Title, DOI, facility, beamlines, dates and release date: the metadata a DOI carries
    at DataCite anyway; nothing the visibility rule hides (members, summary, samples,
    datasets, files, sizes).
    """
    return {
        "id": investigation.id,
        "doi": investigation.doi,
        "title": investigation.title,
        "facility": investigation.facility.name,
        "beamlines": get_beamlines(session, [investigation.id]).get(investigation.id, []),
        "startDate": format_utc(investigation.startDate),
        "endDate": format_utc(investigation.endDate),
        "releaseDate": format_utc(investigation.releaseDate),
        "isPublic": is_public(investigation, now),
        "embargoed": True,
    }


def describe_collection_citation(session: Session, collection: DataCollection) -> dict[str, Any]:
    """What a DOI's landing page shows of a data collection the caller may not see all of.

    Title, DOI, publication date, and of the investigations its data comes from: facility,
    beamlines, dates, and the latest release date (``None`` when one has none).
    """
    investigations = list(
        session.scalars(select(Investigation).where(collection_investigations(collection.id)))
    )
    ids = [i.id for i in investigations]
    beamlines = get_beamlines(session, ids)
    starts = [i.startDate for i in investigations if i.startDate is not None]
    ends = [i.endDate for i in investigations if i.endDate is not None]
    releases = [i.releaseDate for i in investigations]
    release = None if None in releases or not releases else max(r for r in releases if r)
    return {
        "id": collection.id,
        "doi": collection.doi,
        "title": collection.title,
        "publicationDate": format_utc(collection.publicationDate),
        "facility": ", ".join(sorted({i.facility.name for i in investigations})),
        "beamlines": sorted({b for i in ids for b in beamlines.get(i, [])}),
        "startDate": format_utc(min(starts)) if starts else None,
        "endDate": format_utc(max(ends)) if ends else None,
        "releaseDate": format_utc(release),
        "isPublic": False,
        "embargoed": True,
    }
