"""Session DOIs at the end of an experiment, and DOIs made findable when data is released.

The catalogue service runs :func:`run` every ``Publishing.mint_sessions_every`` seconds
(:mod:`panhub_catalogue.web.minter`); ``panhub-catalogue mint-sessions`` runs it once
(from cron, where the service does not). :func:`run`

1. mints a DOI for every investigation whose end date has passed and that has none,
   named by ``Publishing.session_doi_pattern`` (``<prefix>/<FACILITY>-ES-<proposal>``):
   findable when its data is already public, else registered with citation metadata
   only (the document of an embargoed session names no people: see
   :mod:`~.document`);
2. makes findable, with their full metadata, the registered session DOIs whose data
   has been released since, and the registered data collections all of whose data is
   now public.

Investigations that already have a DOI (imported from ICAT, minted elsewhere) are left
alone. Each DOI is committed on its own; a failure is reported and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from panhub_catalogue.errors import CatalogueError
from panhub_catalogue.model import MINTED, DataCollection, Facility, Investigation
from panhub_catalogue.publish.access import is_data_public
from panhub_catalogue.publish.collections import is_doi_taken
from panhub_catalogue.publish.describe import make_document
from panhub_catalogue.publish.document import build_investigation_document, make_doi
from panhub_catalogue.publish.lifecycle import stamp
from panhub_catalogue.publish.minting import REGISTERED, DataCite
from panhub_catalogue.publish.options import PublishOptions
from panhub_catalogue.publish.rows import load_sessions
from panhub_catalogue.records import is_public
from panhub_catalogue.store import update_search_text


@dataclass
class Report:
    """What a run did: ``minted`` and ``published`` DOIs, ``failed`` as ``(item, why)``."""

    minted: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def describe(self, minted: str = "minted") -> tuple[list[str], list[str]]:
        """Lines saying what was done, and lines saying what failed.

        >>> Report(["10.1/ES-1"], [], [("proposal 2", "DataCite said no")]).describe()
        (['minted: 10.1/ES-1'], ['failed: proposal 2: DataCite said no'])
        """
        done = [f"{minted}: {item}" for item in self.minted]
        done += [f"findable: {doi}" for doi in self.published]
        return done, [f"failed: {item}: {why}" for item, why in self.failed]


def find_due_sessions(session: Session, now: datetime, limit: int | None = None) -> list[int]:
    """Investigations that ended by ``now`` and have no DOI, oldest end first."""
    query = (
        select(Investigation.id)
        .where(
            Investigation.endDate.is_not(None),
            Investigation.endDate <= now,
            Investigation.doi.is_(None),
        )
        .order_by(Investigation.endDate, Investigation.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def name_session_doi(
    session: Session, investigation: Investigation, options: PublishOptions
) -> str:
    """The session's DOI from ``Publishing.session_doi_pattern`` (409 when it is taken)."""
    facility = session.scalar(select(Facility.name).where(Facility.id == investigation.facility_id))
    try:
        doi = make_doi(
            options.session_doi_pattern,
            options.prefix,
            facility=facility or options.document.publisher,
            proposal=investigation.name,
            visit=investigation.visitId,
            id=investigation.id,
        )
    except ValueError as error:
        raise CatalogueError(str(error)) from None
    if is_doi_taken(session, doi):
        raise CatalogueError(
            f"DOI {doi} is taken (another visit of proposal {investigation.name}?): add "
            "{visit} to Publishing.session_doi_pattern"
        )
    return doi


def make_session_document(
    session: Session, investigation: Investigation, options: PublishOptions, now: datetime
) -> dict[str, object]:
    """The session's DataCite document, from its rows as they are in ``session``."""
    session.flush()
    (record,) = load_sessions(session, [investigation.id], now)
    return build_investigation_document(record, options.document, now)


def mint_session(
    session: Session,
    datacite: DataCite,
    options: PublishOptions,
    investigation_id: int,
    now: datetime,
) -> str:
    """Mint one session's DOI (findable when its data is public, else registered)."""
    investigation = session.get_one(Investigation, investigation_id)
    investigation.doi = name_session_doi(session, investigation, options)
    investigation.mintTime = investigation.modTime = now
    update_search_text(investigation)  # its DOI is searchable
    document = make_session_document(session, investigation, options, now)
    findable = is_public(investigation, now)
    investigation.dataciteState = datacite.register(document, findable, None)
    stamp(investigation, now)
    session.commit()
    return investigation.doi


def publish_sessions(
    session: Session, datacite: DataCite, options: PublishOptions, ids: Iterable[int], now: datetime
) -> list[str]:
    """Make registered, now public session DOIs findable with their full metadata."""
    published = []
    for investigation in session.scalars(
        select(Investigation).where(
            Investigation.id.in_(list(ids)), Investigation.dataciteState == REGISTERED
        )
    ).all():
        if not is_public(investigation, now):
            continue
        investigation.modTime = now
        document = make_session_document(session, investigation, options, now)
        investigation.dataciteState = datacite.register(document, True, REGISTERED)
        stamp(investigation, now)
        session.commit()
        published.append(str(investigation.doi))
    return published


def publish_collection(
    session: Session,
    datacite: DataCite,
    options: PublishOptions,
    collection: DataCollection,
    now: datetime,
) -> str | None:
    """Make a registered collection findable once all of its data is public."""
    if not is_data_public(session, collection.id, now):
        return None
    collection.modTime = collection.publicationDate = now
    document = make_document(session, collection, options, now)
    collection.dataciteState = datacite.register(document, True, REGISTERED)
    session.commit()
    return collection.doi


def make_release_hook(
    options: PublishOptions, now: datetime
) -> Callable[[Session, list[int]], list[str]]:
    """``after(session, ids) -> warnings`` for :func:`~.collections.mint`: publish the
    session DOIs of the sessions an immediate release just released."""
    datacite = DataCite(options.account)

    def after(session: Session, ids: list[int]) -> list[str]:
        try:
            publish_sessions(session, datacite, options, ids, now)
        except CatalogueError as error:
            session.rollback()
            return [f"the released sessions' DOIs were not made findable: {error.message}"]
        return []

    return after


def run(
    sessions: sessionmaker[Session],
    options: PublishOptions,
    now: datetime,
    *,
    limit: int | None = None,
    dry_run: bool = False,
) -> Report:
    """Mint due session DOIs, then publish what was released (see the module's text).

    ``dry_run`` lists the sessions that would get a DOI (as ``minted``) and sends nothing.
    """
    report = Report()
    datacite = DataCite(options.account)
    with sessions() as session:
        due = find_due_sessions(session, now, limit)
        if dry_run:
            report.minted = [session.get_one(Investigation, i).name for i in due]
            return report
        for investigation_id in due:
            try:
                report.minted.append(
                    mint_session(session, datacite, options, investigation_id, now)
                )
            except CatalogueError as error:
                session.rollback()
                name = session.get_one(Investigation, investigation_id).name
                report.failed.append((f"proposal {name}", error.message))
        registered = session.scalars(
            select(Investigation.id).where(Investigation.dataciteState == REGISTERED)
        ).all()
        try:
            report.published += publish_sessions(session, datacite, options, registered, now)
        except CatalogueError as error:
            session.rollback()
            report.failed.append(("session DOIs", error.message))
        for collection in session.scalars(
            select(DataCollection).where(
                DataCollection.status == MINTED,
                DataCollection.dataciteState == REGISTERED,
                DataCollection.withdrawn.is_(False),
            )
        ).all():
            try:
                doi = publish_collection(session, datacite, options, collection, now)
            except CatalogueError as error:
                session.rollback()
                report.failed.append((f"collection {collection.id}", error.message))
            else:
                if doi:
                    report.published.append(doi)
    return report
