"""Data collections: create, read, list, edit, delete (database operations).

The review and minting steps (submit, return, mint, new version, withdraw) are in
:mod:`~.lifecycle`; both follow the same rules, below.

Each operation is a ``work(session, identity, now, **arguments)`` as the service's
routes run them (:mod:`panhub_catalogue.web.collections`): it checks who may act
(:mod:`~.access`) and whether the state allows it (:mod:`~.workflow`), changes the rows,
talks to DataCite when the DOI is concerned (:mod:`~.minting`), and commits only when
DataCite agreed, so the catalogue never says something DataCite does not.

A refused or failed operation leaves the collection as it was: bad input is a 400
naming the field, an invalid DataCite document a 400 listing its problems (nothing is
sent), a state that does not allow the action a 409 saying what to do instead, and a
DataCite refusal a 502 quoting DataCite.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, object_session

from panhub_catalogue.errors import BadRequest, NotFound
from panhub_catalogue.identity import Identity
from panhub_catalogue.model import (
    DRAFT,
    MINTED,
    DataCollection,
    DataCollectionCreator,
    DataCollectionDatafile,
    DataCollectionDataset,
    DataCollectionRelated,
    Facility,
    Investigation,
    InvestigationUser,
    User,
)
from panhub_catalogue.publish import access, workflow
from panhub_catalogue.publish.describe import (
    JSON,
    describe_collection,
    make_describe,
    make_document,
    summarize_collection,
)
from panhub_catalogue.publish.document import make_doi
from panhub_catalogue.publish.forms import (
    CREATOR_FIELDS,
    RELATED_FIELDS,
    CollectionForm,
    CreatorForm,
    RelatedForm,
    parse_collection,
)
from panhub_catalogue.publish.minting import DataCite, check_sendable
from panhub_catalogue.publish.options import PublishOptions
from panhub_catalogue.publish.problems import InvalidFields, make_content_problem
from panhub_catalogue.store import Lookup
from panhub_catalogue.visibility import collection_investigations, get_landing_collection

#: The ordered children of a collection (:func:`make_ordered`).
Child = TypeVar("Child", DataCollectionCreator, DataCollectionRelated)
#: A collection's link row to a dataset or a file (:func:`relink`).
Link = TypeVar("Link", DataCollectionDataset, DataCollectionDatafile)
#: Letters of a random DOI suffix: digits and lower-case letters without i, l, o, u.
SUFFIX_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
NO_CONTENT = "a data collection holds at least one dataset or file"
METADATA = {
    "title": "title",
    "description": "summary",
    "licence": "licence",
    "keywords": "keywords",
    "resourceTypeGeneral": "resourceTypeGeneral",
    "resourceType": "resourceType",
    "version": "version",
    "release": "release",
}


def make_random_suffix(length: int = 8) -> str:
    """``length`` random letters and digits (DataCite advises opaque suffixes)."""
    return "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(length))


def is_doi_taken(session: Session, doi: str) -> bool:
    """Whether a collection or a session already has this DOI (case-insensitive)."""
    lower = doi.lower()
    taken = session.scalar(
        select(func.count())
        .select_from(DataCollection)
        .where(func.lower(DataCollection.doi) == lower)
    ) or session.scalar(
        select(func.count())
        .select_from(Investigation)
        .where(func.lower(Investigation.doi) == lower)
    )
    return bool(taken)


def name_collection_doi(
    session: Session, collection: DataCollection, options: PublishOptions
) -> str:
    """A new DOI for the collection, from ``Publishing.collection_doi_pattern``."""
    facility = session.scalar(
        select(Facility.name)
        .join(Investigation, Investigation.facility_id == Facility.id)
        .where(collection_investigations(collection.id))
        .order_by(Facility.name)
        .limit(1)
    )
    for _ in range(5):
        try:
            doi = make_doi(
                options.collection_doi_pattern,
                options.prefix,
                facility=facility or options.document.publisher,
                id=collection.id,
                random=make_random_suffix(),
            )
        except ValueError as error:
            raise BadRequest(str(error)) from None
        if not is_doi_taken(session, doi):
            return doi
    raise workflow.Conflict(f"DOI {doi} is taken: change Publishing.collection_doi_pattern")


def make_default_creator(session: Session, username: str) -> CreatorForm:
    """The caller as the first author: catalogue names, ORCID, an affiliation if known."""
    user = Lookup(session).user(username)
    row = session.execute(
        select(InvestigationUser)
        .where(InvestigationUser.user_id == user.id, InvestigationUser.affiliation_id.is_not(None))
        .order_by(InvestigationUser.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    affiliation = row.affiliation if row is not None else None
    return CreatorForm(
        user.fullName or user.name,
        user.givenName,
        user.familyName,
        user.orcidId,
        affiliation.name if affiliation else None,
        affiliation.pid if affiliation else None,
    )


def make_ordered(model: type[Child], items: Sequence[object], fields: Iterable[str]) -> list[Child]:
    """Rows of ``model`` copying ``fields`` of each item, numbered in order (``position``).

    Items are the form's (:class:`~.forms.CreatorForm`, :class:`~.forms.RelatedForm`) or
    rows of another collection: they name their fields alike.
    """
    names = tuple(fields)
    return [
        model(position=n, **{name: getattr(item, name) for name in names})
        for n, item in enumerate(items)
    ]


def replace_children(collection: DataCollection, name: str, rows: Sequence[Child]) -> None:
    """Replace an ordered child list: the old rows are deleted (flushed) before the new
    ones are inserted, else the unit of work inserts first and two rows hold one
    ``(collection, position)``."""
    session = object_session(collection)
    if session is not None and getattr(collection, name):
        setattr(collection, name, [])
        session.flush()
    setattr(collection, name, list(rows))


def set_creators(
    collection: DataCollection, creators: Sequence[CreatorForm | DataCollectionCreator]
) -> None:
    """Replace the authors, in order."""
    rows = make_ordered(DataCollectionCreator, creators, CREATOR_FIELDS)
    replace_children(collection, "creators", rows)


def set_related(
    collection: DataCollection, related: Sequence[RelatedForm | DataCollectionRelated]
) -> None:
    """Replace the related identifiers, in order."""
    rows = make_ordered(DataCollectionRelated, related, RELATED_FIELDS)
    replace_children(collection, "relatedIdentifiers", rows)


def set_content(
    session: Session,
    identity: Identity,
    collection: DataCollection,
    form: CollectionForm,
    now: datetime,
) -> None:
    """Replace the datasets and files (those given), each checked (:mod:`~.access`)."""
    datasets = form.values.get(
        "datasets", [d.dataset_id for d in collection.dataCollectionDatasets]
    )
    files = form.values.get(
        "datafiles", [f.datafile_id for f in collection.dataCollectionDatafiles]
    )
    if not datasets and not files:
        raise InvalidFields("", [make_content_problem(NO_CONTENT)])
    access.check_datasets(session, identity, form.values.get("datasets", []), now)
    access.check_datafiles(session, identity, form.values.get("datafiles", []), now)
    if "datasets" in form.values:
        collection.dataCollectionDatasets = relink(
            collection.dataCollectionDatasets, datasets, "dataset_id", DataCollectionDataset
        )
    if "datafiles" in form.values:
        collection.dataCollectionDatafiles = relink(
            collection.dataCollectionDatafiles, files, "datafile_id", DataCollectionDatafile
        )
    session.flush()


def relink(rows: list[Link], ids: list[int], key: str, make: type[Link]) -> list[Link]:
    """The link rows for ``ids``: those of ``rows`` whose ``key`` is one of them, kept
    (no duplicate insert), then a new ``make(key=id)`` for each id not linked yet."""
    kept = [row for row in rows if getattr(row, key) in ids]
    have = {getattr(row, key) for row in kept}
    return kept + [make(**{key: i}) for i in ids if i not in have]


def apply_form(
    session: Session,
    identity: Identity,
    collection: DataCollection,
    form: CollectionForm,
    now: datetime,
) -> None:
    """Write the form's fields into the collection (content checked first)."""
    if form.content_given:
        set_content(session, identity, collection, form, now)
    for field, attribute in METADATA.items():
        if field in form.values:
            setattr(collection, attribute, form.values[field])
    if "creators" in form.values:
        set_creators(collection, form.values["creators"])
    if "relatedIdentifiers" in form.values:
        set_related(collection, form.values["relatedIdentifiers"])
    collection.modTime = now
    session.flush()


def create(
    session: Session, identity: Identity, now: datetime, *, body: object, options: PublishOptions
) -> JSON:
    """``POST api/collections``: a draft from datasets and files the caller may publish.

    The caller is its first author unless ``creators`` is given.
    """
    username = access.require_person(identity, "make a data collection")
    form = parse_collection(body)
    if not form.content_given:
        raise InvalidFields("", [make_content_problem(f"{NO_CONTENT} (datasets, datafiles)")])
    owner = Lookup(session).user(username)
    collection = DataCollection(owner_id=owner.id, createTime=now, status=DRAFT, keywords=[])
    session.add(collection)
    session.flush()
    apply_form(session, identity, collection, form, now)
    if "creators" not in form.values:
        set_creators(collection, [make_default_creator(session, username)])
    session.commit()
    return describe_collection(session, identity, collection, options, now)


def read(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    collection_id: int,
    options: PublishOptions,
) -> JSON:
    """``GET api/collections/<id>``: managers see all; others a minted one's public record."""
    if identity.username is not None and access.may_manage(session, identity, collection_id):
        collection = access.get_managed(session, identity, collection_id, "read it")
        return describe_collection(session, identity, collection, options, now)
    collection, whole = get_landing_collection(session, identity, collection_id, now)
    if collection.status != MINTED:  # drafts are their managers' only
        raise NotFound(f"no data collection {collection_id}")
    return describe_collection(session, identity, collection, options, now, whole=whole)


def list_collections(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    mine: bool,
    status: str | None,
    limit: int,
    offset: int,
) -> JSON:
    """``GET api/collections``: those the caller manages, newest change first."""
    username = access.require_person(identity, "list data collections")
    where: list[ColumnElement[bool]] = [
        DataCollection.id.in_(access.managed_collections(session, identity))
    ]
    if mine:
        where.append(DataCollection.owner_id.in_(select(User.id).where(User.name == username)))
    if status is not None:
        where.append(DataCollection.status == status)
    total = session.scalar(select(func.count()).select_from(DataCollection).where(*where))
    rows = session.scalars(
        select(DataCollection)
        .where(*where)
        .order_by(DataCollection.modTime.desc(), DataCollection.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = [summarize_collection(c) for c in rows]
    return {"total": int(total or 0), "limit": limit, "offset": offset, "items": items}


def send_update(
    session: Session, collection: DataCollection, options: PublishOptions, now: datetime
) -> None:
    """Send a minted collection's changed metadata to DataCite (it keeps its state)."""
    if collection.dataciteState is None:
        raise workflow.Conflict(
            f"DOI {collection.doi} was not minted by this catalogue: its metadata is kept "
            "where it was minted"
        )
    document = make_document(session, collection, options, now)
    check_sendable(document, make_describe(collection, document))
    DataCite(options.account).update(document)


def update(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    collection_id: int,
    body: object,
    options: PublishOptions,
) -> JSON:
    """``PATCH api/collections/<id>``: edit a draft; a minted one's metadata goes to DataCite."""
    collection = access.get_managed(session, identity, collection_id)
    form = parse_collection(body)
    action = "edit_content" if form.content_given else "edit"
    workflow.check_action(action, collection.status, withdrawn=collection.withdrawn)
    if collection.status == MINTED and "release" in form.values:
        raise workflow.Conflict("release is chosen before minting; it cannot change afterwards")
    apply_form(session, identity, collection, form, now)
    if collection.status == MINTED:
        send_update(session, collection, options, now)
    session.commit()
    return describe_collection(session, identity, collection, options, now)


def delete(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    collection_id: int,
    options: PublishOptions,
) -> None:
    """``DELETE api/collections/<id>``: a draft goes (nothing was sent to DataCite)."""
    collection = access.get_managed(session, identity, collection_id, "delete it")
    workflow.check_action("delete", collection.status, withdrawn=collection.withdrawn)
    session.delete(collection)
    session.commit()
