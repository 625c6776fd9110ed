"""Data collections as the JSON the collection routes answer (reading only).

One record per collection (:func:`describe_collection`): its metadata as the form
writes it (:mod:`~.forms`), its workflow (``status``, ``dataciteState``, ``withdrawn``,
times, the review note), its versions, what it holds, what the caller may do with it,
what is still missing before it can be submitted (``problems``: each named by the
form's field, :mod:`~.problems`), and ``document``: its
DataCite document, exactly what DataCite is (or would be) sent.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from panhub_catalogue.clock import format_utc
from panhub_catalogue.identity import Identity
from panhub_catalogue.model import (
    DRAFT,
    DataCollection,
    DataCollectionDatafile,
    DataCollectionDataset,
    Datafile,
    Dataset,
    Investigation,
)
from panhub_catalogue.publish.access import may_manage, may_review
from panhub_catalogue.publish.document import build_collection_document, make_landing_url
from panhub_catalogue.publish.forms import CREATOR_FIELDS, RELATED_FIELDS
from panhub_catalogue.publish.options import PublishOptions
from panhub_catalogue.publish.problems import Describe, make_collection_problems
from panhub_catalogue.publish.rows import load_collections
from panhub_catalogue.publish.validation import find_problems

JSON = dict[str, Any]


def make_document(
    session: Session, collection: DataCollection, options: PublishOptions, now: datetime
) -> JSON:
    """The collection's DataCite document, from its rows as they are in ``session``."""
    session.flush()
    (record,) = load_collections(session, [collection.id])
    return build_collection_document(record, options.document, now)


def make_describe(collection: DataCollection, document: JSON) -> Describe:
    """What names the problems of the collection's ``document``: its form's fields."""
    return partial(
        make_collection_problems, document=document, related=len(collection.relatedIdentifiers)
    )


def describe_metadata(collection: DataCollection) -> JSON:
    """The fields of the form (:mod:`~.forms`), as stored."""
    return {
        "title": collection.title or "",
        "description": collection.summary,
        "licence": collection.licence,
        "keywords": list(collection.keywords or []),
        "resourceTypeGeneral": collection.resourceTypeGeneral,
        "resourceType": collection.resourceType,
        "version": collection.version,
        "release": collection.release,
        "creators": [{k: getattr(c, k) for k in CREATOR_FIELDS} for c in collection.creators],
        "relatedIdentifiers": [
            {k: getattr(r, k) for k in RELATED_FIELDS} for r in collection.relatedIdentifiers
        ],
    }


def describe_content(session: Session, collection_id: int) -> JSON:
    """Its datasets and files, each with its session's id and proposal name."""
    datasets = session.execute(
        select(Dataset.id, Dataset.name, Investigation.id, Investigation.name)
        .join(DataCollectionDataset, DataCollectionDataset.dataset_id == Dataset.id)
        .join(Investigation, Investigation.id == Dataset.investigation_id)
        .where(DataCollectionDataset.data_collection_id == collection_id)
        .order_by(Dataset.id)
    )
    files = session.execute(
        select(Datafile.id, Datafile.name, Dataset.id, Investigation.id, Investigation.name)
        .join(DataCollectionDatafile, DataCollectionDatafile.datafile_id == Datafile.id)
        .join(Dataset, Dataset.id == Datafile.dataset_id)
        .join(Investigation, Investigation.id == Dataset.investigation_id)
        .where(DataCollectionDatafile.data_collection_id == collection_id)
        .order_by(Datafile.id)
    )
    return {
        "datasets": [
            {"id": i, "name": n, "investigationId": inv, "proposal": p} for i, n, inv, p in datasets
        ],
        "datafiles": [
            {"id": i, "name": n, "datasetId": d, "investigationId": inv, "proposal": p}
            for i, n, d, inv, p in files
        ],
    }


def get_next(session: Session, collection_id: int) -> DataCollection | None:
    """The collection's next version, if one was made."""
    return session.scalar(select(DataCollection).where(DataCollection.previous_id == collection_id))


def describe_collection(
    session: Session,
    identity: Identity,
    collection: DataCollection,
    options: PublishOptions,
    now: datetime,
    *,
    whole: bool = True,
) -> JSON:
    """The collection's record for the caller.

    Parameters
    ----------
    whole
        Whether the caller may see all of its data; else (a minted collection seen by
        someone outside its proposals, under embargo) its datasets and files, owner
        and review note are left out.
    """
    manager = may_manage(session, identity, collection.id)
    following = get_next(session, collection.id)
    document = make_document(session, collection, options, now)
    record: JSON = {
        "id": collection.id,
        "status": collection.status,
        "dataciteState": collection.dataciteState,
        "doi": collection.doi,
        "withdrawn": collection.withdrawn,
        **describe_metadata(collection),
        "previousId": collection.previous_id,
        "previousDoi": collection.previous.doi if collection.previous else None,
        "nextId": following.id if following else None,
        "nextDoi": following.doi if following else None,
        "createTime": format_utc(collection.createTime),
        "modTime": format_utc(collection.modTime),
        "mintTime": format_utc(collection.mintTime),
        "publicationDate": format_utc(collection.publicationDate),
        "landingUrl": make_landing_url(options.document, "collections", collection.id),
        "permissions": {
            "manage": manager,
            "review": manager and may_review(session, identity, collection.id),
        },
        "problems": [
            p.as_json() for p in make_describe(collection, document)(find_problems(document))
        ]
        if collection.status == DRAFT
        else [],
        "document": document,
    }
    if manager or whole:
        record |= describe_content(session, collection.id)
    if manager:
        record["owner"] = collection.owner.name if collection.owner else None
        record["reviewNote"] = collection.reviewNote
    return record


def summarize_collection(collection: DataCollection) -> JSON:
    """A row of the list: id, title, status, DOI, state, version, times."""
    return {
        "id": collection.id,
        "title": collection.title or "",
        "status": collection.status,
        "doi": collection.doi,
        "dataciteState": collection.dataciteState,
        "withdrawn": collection.withdrawn,
        "version": collection.version,
        "owner": collection.owner.name if collection.owner else None,
        "createTime": format_utc(collection.createTime),
        "modTime": format_utc(collection.modTime),
        "mintTime": format_utc(collection.mintTime),
    }
