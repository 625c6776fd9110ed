"""Data collections: create, edit, submit, mint, version, withdraw (database operations).

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
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from panhub_catalogue.errors import BadRequest, Forbidden, NotFound
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
    get_next,
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
from panhub_catalogue.publish.minting import DataCite, InvalidDocument, check_sendable
from panhub_catalogue.publish.options import PublishOptions
from panhub_catalogue.publish.validation import validate_document
from panhub_catalogue.store import Lookup
from panhub_catalogue.visibility import collection_investigations, get_landing_collection

#: The ordered children of a collection (:func:`make_ordered`).
Child = TypeVar("Child", DataCollectionCreator, DataCollectionRelated)
#: Letters of a random DOI suffix: digits and lower-case letters without i, l, o, u.
SUFFIX_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
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


def set_creators(
    collection: DataCollection, creators: Sequence[CreatorForm | DataCollectionCreator]
) -> None:
    """Replace the authors, in order."""
    collection.creators = make_ordered(DataCollectionCreator, creators, CREATOR_FIELDS)


def set_related(
    collection: DataCollection, related: Sequence[RelatedForm | DataCollectionRelated]
) -> None:
    """Replace the related identifiers, in order."""
    collection.relatedIdentifiers = make_ordered(DataCollectionRelated, related, RELATED_FIELDS)


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
        raise BadRequest("a data collection needs at least one dataset or file")
    access.check_datasets(session, identity, form.values.get("datasets", []), now)
    access.check_datafiles(session, identity, form.values.get("datafiles", []), now)
    if "datasets" in form.values:
        kept = [d for d in collection.dataCollectionDatasets if d.dataset_id in datasets]
        have = {d.dataset_id for d in kept}
        new = [DataCollectionDataset(dataset_id=i) for i in datasets if i not in have]
        collection.dataCollectionDatasets = kept + new  # rows kept: no duplicate insert
    if "datafiles" in form.values:
        kept_files = [f for f in collection.dataCollectionDatafiles if f.datafile_id in files]
        have = {f.datafile_id for f in kept_files}
        new_files = [DataCollectionDatafile(datafile_id=i) for i in files if i not in have]
        collection.dataCollectionDatafiles = kept_files + new_files
    session.flush()


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
        raise BadRequest(
            "a data collection needs at least one dataset or file (datasets, datafiles)"
        )
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
    DataCite(options.account).update(make_document(session, collection, options, now))


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


def submit(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    collection_id: int,
    options: PublishOptions,
) -> JSON:
    """``POST api/collections/<id>/submit``: a complete draft goes to review.

    Its document must be valid (only the DOI, given at minting, may be missing), else
    :class:`~.minting.InvalidDocument` lists what to fill in.
    """
    collection = access.get_managed(session, identity, collection_id, "submit it")
    status = workflow.check_action("submit", collection.status, withdrawn=collection.withdrawn)
    document = make_document(session, collection, options, now)
    problems = validate_document(document)
    if not document.get("url"):
        problems.append("url: no landing page URL (set Publishing.landing_url_base)")
    if problems:
        raise InvalidDocument("the collection is not complete", problems)
    collection.status, collection.reviewNote, collection.modTime = status, None, now
    session.commit()
    return describe_collection(session, identity, collection, options, now)


def return_to_draft(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    collection_id: int,
    body: object,
    options: PublishOptions,
) -> JSON:
    """``POST api/collections/<id>/return``: back to draft, with the reviewer's note."""
    collection = access.get_managed(session, identity, collection_id, "return it")
    note = body.get("note") if isinstance(body, dict) else None
    if note is not None and (not isinstance(note, str) or len(note) > 10_000):
        raise BadRequest("note must be text of at most 10000 characters")
    collection.status = workflow.check_action(
        "return", collection.status, withdrawn=collection.withdrawn
    )
    collection.reviewNote, collection.modTime = note, now
    session.commit()
    return describe_collection(session, identity, collection, options, now)


def check_reviewer(
    session: Session,
    identity: Identity,
    collection: DataCollection,
    options: PublishOptions,
    release: bool,
) -> None:
    """403 unless the caller may mint: a reviewer, or the author when no review is needed."""
    if (options.review_required or release) and not access.may_review(
        session, identity, collection.id
    ):
        beamlines = (
            ", ".join(sorted(access.get_beamline_names(session, collection.id))) or "its beamlines"
        )
        why = "an immediate release of data under embargo" if release else "minting"
        raise Forbidden(f"{why} needs a reviewer: beamline staff of {beamlines} or an admin")


def stamp(investigation: Investigation, now: datetime) -> None:
    """Set the datestamp to ``now`` in the next UPDATE, even when it holds ``now`` already
    (else the model's ``onupdate`` would stamp the wall-clock time)."""
    investigation.modTime = now
    flag_modified(investigation, "modTime")


def release_sessions(session: Session, collection: DataCollection, now: datetime) -> list[str]:
    """End the embargo of the sessions the collection draws from; their proposal names."""
    sessions = session.scalars(
        select(Investigation).where(
            collection_investigations(collection.id),
            or_(Investigation.releaseDate.is_(None), Investigation.releaseDate > now),
        )
    ).all()
    for investigation in sessions:
        investigation.releaseDate = now
        stamp(investigation, now)
    return [i.name for i in sessions]


def mint(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    collection_id: int,
    options: PublishOptions,
    after: Callable[[Session, list[int]], list[str]] | None = None,
) -> JSON:
    """``POST api/collections/<id>/mint``: the reviewer mints it (registered or findable).

    The DOI is named, the document validated, then DataCite gets a draft and the
    ``register`` or ``publish`` event; the catalogue commits only after. An immediate
    release of embargoed data ends the embargo of its sessions first
    (:func:`~.workflow.needs_release`). Then the previous version, if any, is updated
    at DataCite with its ``IsPreviousVersionOf`` link, and ``after`` (the sessions the
    data comes from, when released) runs; their failures are reported as ``warnings``.
    """
    collection = access.get_managed(session, identity, collection_id, "mint it")
    status = workflow.check_action("mint", collection.status, withdrawn=collection.withdrawn)
    public = access.is_data_public(session, collection.id, now)
    release = workflow.needs_release(public, collection.release)
    check_reviewer(session, identity, collection, options, release)
    state = workflow.choose_state(public, collection.release)
    released = release_sessions(session, collection, now) if release else []
    collection.doi = name_collection_doi(session, collection, options)
    collection.status, collection.mintTime, collection.modTime = status, now, now
    if state == "findable":
        collection.publicationDate = now
    document = make_document(session, collection, options, now)
    check_sendable(document)
    datacite = DataCite(options.account)
    collection.dataciteState = datacite.register(document, state == "findable", None)
    session.commit()
    warnings = update_previous(session, collection, options, now)
    if released and after is not None:
        ids = list(
            session.scalars(select(Investigation.id).where(Investigation.name.in_(released)))
        )
        warnings += after(session, ids)
    record = describe_collection(session, identity, collection, options, now)
    return record | {"released": released, "warnings": warnings}


def update_previous(
    session: Session, collection: DataCollection, options: PublishOptions, now: datetime
) -> list[str]:
    """Send the previous version its new ``IsPreviousVersionOf`` link; problems as text."""
    previous = collection.previous
    if previous is None or previous.dataciteState is None:
        return []
    previous.modTime = now
    try:
        send_update(session, previous, options, now)
    except Exception as error:  # the new DOI is minted: report, never undo it
        session.rollback()
        message = getattr(error, "message", str(error))
        return [f"the previous version {previous.doi} was not updated at DataCite: {message}"]
    session.commit()
    return []


def new_version(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    collection_id: int,
    options: PublishOptions,
) -> JSON:
    """``POST api/collections/<id>/versions``: a new draft copying a minted collection.

    Same metadata and content, the next version number, ``previous`` set: edit it, then
    submit and mint it for a DOI of its own.
    """
    username = access.require_person(identity, "make a new version")
    source = access.get_managed(session, identity, collection_id, "make a new version")
    has_next = get_next(session, source.id) is not None
    workflow.check_action(
        "new_version", source.status, withdrawn=source.withdrawn, has_next=has_next
    )
    copy = DataCollection(
        owner_id=Lookup(session).user(username).id,
        previous_id=source.id,
        status=DRAFT,
        title=source.title,
        summary=source.summary,
        licence=source.licence,
        keywords=list(source.keywords or []),
        resourceTypeGeneral=source.resourceTypeGeneral,
        resourceType=source.resourceType,
        version=workflow.next_version(source.version),
        release=source.release,
        createTime=now,
        modTime=now,
    )
    session.add(copy)
    session.flush()
    copy.dataCollectionDatasets = [
        DataCollectionDataset(dataset_id=d.dataset_id) for d in source.dataCollectionDatasets
    ]
    copy.dataCollectionDatafiles = [
        DataCollectionDatafile(datafile_id=f.datafile_id) for f in source.dataCollectionDatafiles
    ]
    set_creators(copy, source.creators)
    set_related(copy, source.relatedIdentifiers)
    session.commit()
    return describe_collection(session, identity, copy, options, now)


def withdraw(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    collection_id: int,
    body: object,
    options: PublishOptions,
) -> JSON:
    """``POST api/collections/<id>/withdraw``: hide the DOI (it still resolves) and mark
    the collection withdrawn (a tombstone; OAI-PMH's deleted record). Final."""
    collection = access.get_managed(session, identity, collection_id, "withdraw it")
    workflow.check_action("withdraw", collection.status, withdrawn=collection.withdrawn)
    if not access.may_review(session, identity, collection.id):
        raise Forbidden("withdrawing a DOI needs a reviewer: beamline staff or an admin")
    reason = body.get("reason") if isinstance(body, dict) else None
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 10_000:
        raise BadRequest("reason: say why it is withdrawn (text, at most 10000 characters)")
    collection.withdrawn, collection.reviewNote, collection.modTime = True, reason, now
    if collection.dataciteState == "findable":
        collection.dataciteState = DataCite(options.account).hide(str(collection.doi))
    session.commit()
    return describe_collection(session, identity, collection, options, now)
