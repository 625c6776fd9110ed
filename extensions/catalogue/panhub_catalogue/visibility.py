"""Who sees which catalogue rows: the one place the visibility rule lives.

:func:`visible_investigations` is the rule; every read in the package (search, facets,
one investigation, a file download, landing pages, the logbook, PaNOSC) goes through
it or through a lookup below. An investigation is visible to

- admins (``Identity.admin``, from the hub's admin flag, or members of the catalogue's
  ``admin`` :class:`~panhub_catalogue.model.Grouping`);
- its members (``InvestigationUser``);
- staff of one of its beamlines (``InstrumentScientist`` rows in the catalogue, or
  ``Identity.beamlines`` when the hub is configured to pass them);
- everyone, once its ``releaseDate`` has passed.

Datasets, samples, datafiles, parameters, logbook entries and their figures are visible
exactly when their investigation is. Anything else is reported as "not found".

One exception, for DOIs only: a minted DOI must resolve, so the landing page of an
investigation or data collection that has a DOI answers everyone, showing citation
metadata only (title, DOI, facility, beamlines, dates, release date) while the rule
hides the rest (:func:`get_landing_investigation`, :func:`get_landing_collection`).

Search, full text and facets (:mod:`panhub_catalogue.search`) state the same rule on
the keys of :class:`~panhub_catalogue.model.InvestigationFacet`, through the ``keys``
argument of :func:`visible_investigations`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, undefer

from panhub_catalogue.errors import NotFound
from panhub_catalogue.identity import Identity
from panhub_catalogue.model import (
    ADMIN_GROUPING,
    DataCollection,
    DataCollectionDatafile,
    DataCollectionDataset,
    Datafile,
    Dataset,
    Grouping,
    Instrument,
    InstrumentScientist,
    Investigation,
    InvestigationFacet,
    InvestigationInstrument,
    InvestigationUser,
    LogbookAttachment,
    LogbookEntry,
    User,
    UserGroup,
)


def released_clause(
    now: datetime, release_date: InstrumentedAttribute[datetime | None] | None = None
) -> ColumnElement[bool]:
    """True for investigations whose release date has passed.

    ``release_date`` is the column to test: ``Investigation.releaseDate`` by default, or
    the copy in an :class:`InvestigationFacet` alias.
    """
    column = Investigation.releaseDate if release_date is None else release_date
    return and_(column.is_not(None), column <= now)


def member_investigations(username: str) -> Select[int]:
    """Ids of the investigations ``username`` is a member of."""
    return (
        select(InvestigationUser.investigation_id)
        .join(User, User.id == InvestigationUser.user_id)
        .where(User.name == username)
    )


def catalogue_admin(username: str) -> Select[Any]:
    """Rows that make ``username`` a catalogue admin (member of :data:`ADMIN_GROUPING`)."""
    return (
        select(UserGroup.id)
        .join(Grouping, Grouping.id == UserGroup.grouping_id)
        .join(User, User.id == UserGroup.user_id)
        .where(Grouping.name == ADMIN_GROUPING, User.name == username)
    )


def staff_instruments(username: str) -> Select[int]:
    """Ids of the instruments ``username`` is an ``InstrumentScientist`` of."""
    return (
        select(InstrumentScientist.instrument_id)
        .join(User, User.id == InstrumentScientist.user_id)
        .where(User.name == username)
    )


def visible_investigations(
    identity: Identity, now: datetime, keys: type[InvestigationFacet] | None = None
) -> ColumnElement[bool]:
    """THE visibility rule: a WHERE clause on :class:`Investigation` for ``identity``.

    Released, or :func:`entitled_investigations` (admin, member, beamline staff).

    Parameters
    ----------
    identity
        The caller.
    now
        Naive UTC time against which release dates are compared.
    keys
        An :class:`InvestigationFacet` alias to state the same rule on its copies of the
        investigation id and release date (what searches and facets scan), instead of
        on :class:`Investigation`.
    """
    if identity.admin:
        return true()
    released = released_clause(now, None if keys is None else keys.releaseDate)
    return or_(released, entitled_investigations(identity, keys))


def entitled_investigations(
    identity: Identity, keys: type[InvestigationFacet] | None = None
) -> ColumnElement[bool]:
    """The rule's part that does not depend on release: admin, member or beamline staff.

    Those are the people who may see an investigation under embargo, and who may write
    in its logbook (:mod:`panhub_catalogue.logbook`) once it is released.
    """
    investigation_id = Investigation.id if keys is None else keys.investigation_id
    if identity.admin:
        return true()
    clauses: list[ColumnElement[bool]] = [false()]
    if identity.username is not None:
        clauses.append(exists(catalogue_admin(identity.username)))
        clauses.append(investigation_id.in_(member_investigations(identity.username)))
        staff_of = (
            select(InvestigationInstrument.investigation_id)
            .join(
                InstrumentScientist,
                InstrumentScientist.instrument_id == InvestigationInstrument.instrument_id,
            )
            .join(User, User.id == InstrumentScientist.user_id)
            .where(User.name == identity.username)
        )
        clauses.append(investigation_id.in_(staff_of))
    if identity.beamlines:
        on_beamlines = (
            select(InvestigationInstrument.investigation_id)
            .join(Instrument, Instrument.id == InvestigationInstrument.instrument_id)
            .where(Instrument.name.in_(sorted(identity.beamlines)))
        )
        clauses.append(investigation_id.in_(on_beamlines))
    return or_(*clauses)


def resolve_identity(session: Session, identity: Identity) -> Identity:
    """``identity`` with the roles the catalogue itself records added.

    ``admin`` becomes true for members of the admin grouping, and ``beamlines`` gains the
    instruments the user is a scientist of: the same rows :func:`visible_investigations`
    consults, so what ``whoami`` reports is what the rule applies.
    """
    if identity.username is None:
        return identity
    admin = identity.admin or session.scalar(select(exists(catalogue_admin(identity.username))))
    names = session.scalars(
        select(Instrument.name).where(Instrument.id.in_(staff_instruments(identity.username)))
    )
    return replace(identity, admin=bool(admin), beamlines=identity.beamlines | frozenset(names))


def get_investigation(
    session: Session, identity: Identity, investigation_id: int, now: datetime
) -> Investigation:
    """The investigation with this id, if visible.

    Raises
    ------
    NotFound
        It does not exist or ``identity`` may not see it.
    """
    found = session.scalar(
        select(Investigation).where(
            Investigation.id == investigation_id, visible_investigations(identity, now)
        )
    )
    if found is None:
        raise NotFound(f"no investigation {investigation_id}")
    return found


def get_landing_investigation(
    session: Session, identity: Identity, investigation_id: int, now: datetime
) -> tuple[Investigation, bool]:
    """The investigation of a landing page, and whether ``identity`` may see all of it.

    A minted DOI must resolve (DataCite), also while the data is under embargo, and the
    DOI's metadata is public anyway. So an investigation with a DOI is returned to
    everyone, with ``False`` when the rule hides it: its landing page then shows citation
    metadata only (:func:`~panhub_catalogue.records.describe_citation`: title, DOI,
    facility, beamlines, dates, release date), never members, samples, datasets or
    files. Without a DOI, a hidden investigation is :class:`NotFound`, as everywhere.
    The JSON API does not use this: it answers 404 for hidden investigations.
    """
    row = session.execute(
        select(Investigation, case((visible_investigations(identity, now), 1), else_=0)).where(
            Investigation.id == investigation_id
        )
    ).one_or_none()
    if row is not None and (row[1] or row[0].doi):
        return row[0], bool(row[1])
    raise NotFound(f"no investigation {investigation_id}")


def find_investigation_by_doi(session: Session, doi: str) -> Investigation:
    """The investigation with this DOI (case-insensitive), visible or not.

    Only for resolving a DOI to its landing page (:func:`get_landing_investigation`
    decides what that page shows); else :class:`NotFound`.
    """
    found = session.scalar(
        select(Investigation)
        .where(func.lower(Investigation.doi) == doi.lower())
        .order_by(Investigation.id)
        .limit(1)
    )
    if found is None:
        raise NotFound(f"no investigation with DOI {doi}")
    return found


def get_dataset(session: Session, identity: Identity, dataset_id: int, now: datetime) -> Dataset:
    """The dataset with this id, if its investigation is visible, else :class:`NotFound`."""
    found = session.scalar(
        select(Dataset)
        .join(Investigation, Investigation.id == Dataset.investigation_id)
        .where(Dataset.id == dataset_id, visible_investigations(identity, now))
    )
    if found is None:
        raise NotFound(f"no dataset {dataset_id}")
    return found


def get_datafile(session: Session, identity: Identity, datafile_id: int, now: datetime) -> Datafile:
    """The datafile with this id, if its investigation is visible, else :class:`NotFound`."""
    found = session.scalar(
        select(Datafile)
        .join(Dataset, Dataset.id == Datafile.dataset_id)
        .join(Investigation, Investigation.id == Dataset.investigation_id)
        .where(Datafile.id == datafile_id, visible_investigations(identity, now))
    )
    if found is None:
        raise NotFound(f"no datafile {datafile_id}")
    return found


def get_logbook_attachment(
    session: Session, identity: Identity, attachment_id: int, now: datetime
) -> LogbookAttachment:
    """A logbook figure with its bytes, if its investigation is visible (whoever reads the
    logbook), else :class:`NotFound`."""
    found = session.scalar(
        select(LogbookAttachment)
        .join(LogbookEntry, LogbookEntry.id == LogbookAttachment.entry_id)
        .join(Investigation, Investigation.id == LogbookEntry.investigation_id)
        .where(LogbookAttachment.id == attachment_id, visible_investigations(identity, now))
        .options(undefer(LogbookAttachment.data))
    )
    if found is None:
        raise NotFound(f"no logbook attachment {attachment_id}")
    return found


def list_datafiles(
    session: Session, dataset_ids: list[int], limit: int, offset: int = 0
) -> tuple[int, list[Datafile]]:
    """Files of datasets the caller was already allowed to see, one page, by name."""
    where = Datafile.dataset_id.in_(dataset_ids)
    total = session.scalar(select(func.count()).select_from(Datafile).where(where))
    rows = session.scalars(
        select(Datafile)
        .where(where)
        .order_by(Datafile.dataset_id, Datafile.name, Datafile.id)
        .limit(limit)
        .offset(offset)
    )
    return int(total or 0), list(rows)


def list_datasets(
    session: Session, investigation_id: int, limit: int, offset: int = 0
) -> tuple[int, list[Dataset]]:
    """Datasets of an investigation the caller was already allowed to see, one page.

    Newest first (start date, datasets without one last), then by name.
    """
    where = Dataset.investigation_id == investigation_id
    total = session.scalar(select(func.count()).select_from(Dataset).where(where))
    rows = session.scalars(
        select(Dataset)
        .where(where)
        .order_by(Dataset.startDate.desc().nulls_last(), Dataset.name, Dataset.id)
        .limit(limit)
        .offset(offset)
    )
    return int(total or 0), list(rows)


def collection_investigations(collection_id: int) -> ColumnElement[bool]:
    """A clause on :class:`Investigation`: those a collection's datasets or files belong to."""
    via_datasets = (
        select(Dataset.investigation_id)
        .join(DataCollectionDataset, DataCollectionDataset.dataset_id == Dataset.id)
        .where(DataCollectionDataset.data_collection_id == collection_id)
    )
    via_files = (
        select(Dataset.investigation_id)
        .join(Datafile, Datafile.dataset_id == Dataset.id)
        .join(DataCollectionDatafile, DataCollectionDatafile.datafile_id == Datafile.id)
        .where(DataCollectionDatafile.data_collection_id == collection_id)
    )
    return Investigation.id.in_(via_datasets.union(via_files))


def get_landing_collection(
    session: Session,
    identity: Identity,
    collection_id: int | None,
    now: datetime,
    doi: str | None = None,
) -> tuple[DataCollection, bool]:
    """A data collection (by id or DOI), and whether ``identity`` may see all of it.

    All of it is visible when it is not empty and every investigation its datasets and
    files come from is visible. Otherwise a collection with a DOI is still returned (a
    DOI must resolve, see :func:`get_landing_investigation`) with ``False``, for a
    citation-only landing page; one without a DOI is :class:`NotFound`.
    """
    where = (
        DataCollection.id == collection_id
        if doi is None
        else func.lower(DataCollection.doi) == doi.lower()
    )
    collection = session.scalar(select(DataCollection).where(where))
    label = f"DOI {doi}" if doi is not None else str(collection_id)
    if collection is None:
        raise NotFound(f"no data collection {label}")
    total, visible = session.execute(
        select(
            func.count(),
            func.count(case((visible_investigations(identity, now), 1))),
        ).where(collection_investigations(collection.id))
    ).one()
    whole = total > 0 and total == visible
    if not whole and not collection.doi:
        raise NotFound(f"no data collection {label}")
    return collection, whole
