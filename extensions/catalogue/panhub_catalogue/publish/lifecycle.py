"""A data collection's review and minting: submit, return, mint, new version, withdraw.

The operations of :mod:`~.collections` that move a collection through the workflow
(:mod:`~.workflow`) and reach DataCite (:mod:`~.minting`); each is a
``work(session, identity, now, **arguments)`` and commits only once DataCite agreed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from panhub_catalogue.errors import BadRequest, Forbidden
from panhub_catalogue.identity import Identity
from panhub_catalogue.model import (
    DRAFT,
    DataCollection,
    DataCollectionDatafile,
    DataCollectionDataset,
    Investigation,
)
from panhub_catalogue.publish import access, workflow
from panhub_catalogue.publish.collections import (
    name_collection_doi,
    send_update,
    set_creators,
    set_related,
)
from panhub_catalogue.publish.describe import (
    JSON,
    describe_collection,
    get_next,
    make_describe,
    make_document,
)
from panhub_catalogue.publish.minting import DataCite, InvalidDocument, check_sendable
from panhub_catalogue.publish.options import PublishOptions
from panhub_catalogue.publish.validation import Finding, find_problems
from panhub_catalogue.store import Lookup
from panhub_catalogue.visibility import collection_investigations


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
    findings = find_problems(document)
    if not document.get("url"):
        findings.append(Finding(("url",), "no landing page URL (set Publishing.landing_url_base)"))
    if findings:
        problems = make_describe(collection, document)(findings)
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
    check_sendable(document, make_describe(collection, document))
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
