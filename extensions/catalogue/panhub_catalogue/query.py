"""The visibility rule, search filters, facets and pagination over the catalogue.

:func:`visible_investigations` is the one place that decides who sees what; every
other query in the package (search, facets, one investigation, a file download,
landing pages, PaNOSC) goes through it. An investigation is visible to

- admins (``Identity.admin``, from the hub's admin flag, or members of the catalogue's
  ``admin`` :class:`~panhub_catalogue.model.Grouping`);
- its members (``InvestigationUser``);
- staff of one of its beamlines (``InstrumentScientist`` rows in the catalogue, or
  ``Identity.beamlines`` when the hub is configured to pass them);
- everyone, once its ``releaseDate`` has passed.

Datasets, samples, datafiles and parameters are visible exactly when their
investigation is. Anything else is reported as "not found".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    extract,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.orm import Session

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
    InvestigationInstrument,
    InvestigationTechnique,
    InvestigationUser,
    Technique,
    User,
    UserGroup,
)

Access = Literal["all", "public", "embargoed"]

SORT_FIELDS: dict[str, Any] = {
    "startDate": Investigation.startDate,
    "endDate": Investigation.endDate,
    "releaseDate": Investigation.releaseDate,
    "name": Investigation.name,
    "title": Investigation.title,
    "fileSize": Investigation.fileSize,
    "fileCount": Investigation.fileCount,
}
FACETS = ("beamline", "technique", "access", "year")


@dataclass(frozen=True)
class Search:
    """One investigation search, as parsed from a request by :mod:`panhub_catalogue.params`.

    Attributes
    ----------
    words
        Free-text terms, each a phrase of normalised words (see
        :func:`~panhub_catalogue.model.make_search_text`); each must match name, visitId,
        title, summary or DOI, its last word as a prefix.
    access
        ``"public"`` (released), ``"embargoed"`` (not released) or ``"all"``.
    mine
        Only investigations the caller is a member of.
    beamlines, users, techniques
        Any-of filters: instrument names; user names or parts of full names;
        technique names or PaNET IRIs.
    date_from, date_to
        ``startDate >= date_from`` and ``coalesce(endDate, startDate) < date_to``.
    sort
        ``(field, descending)`` pairs from :data:`SORT_FIELDS`; ``id`` breaks ties.
    limit, offset
        The page.
    """

    words: tuple[str, ...] = ()
    access: Access = "all"
    mine: bool = False
    beamlines: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    techniques: tuple[str, ...] = ()
    date_from: datetime | None = None
    date_to: datetime | None = None
    sort: tuple[tuple[str, bool], ...] = (("startDate", True),)
    limit: int = 50
    offset: int = 0


def is_released(now: datetime) -> ColumnElement[bool]:
    """True for investigations whose release date has passed."""
    return and_(Investigation.releaseDate.is_not(None), Investigation.releaseDate <= now)


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


def visible_investigations(identity: Identity, now: datetime) -> ColumnElement[bool]:
    """THE visibility rule: a WHERE clause on :class:`Investigation` for ``identity``.

    Parameters
    ----------
    identity
        The caller.
    now
        Naive UTC time against which release dates are compared.
    """
    if identity.admin:
        return true()
    clauses = [is_released(now)]
    if identity.username is not None:
        clauses.append(exists(catalogue_admin(identity.username)))
        clauses.append(Investigation.id.in_(member_investigations(identity.username)))
        staff_of = select(InvestigationInstrument.investigation_id).where(
            InvestigationInstrument.instrument_id.in_(staff_instruments(identity.username))
        )
        clauses.append(Investigation.id.in_(staff_of))
    if identity.beamlines:
        on_beamlines = (
            select(InvestigationInstrument.investigation_id)
            .join(Instrument, Instrument.id == InvestigationInstrument.instrument_id)
            .where(Instrument.name.in_(sorted(identity.beamlines)))
        )
        clauses.append(Investigation.id.in_(on_beamlines))
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


def match_words(words: tuple[str, ...], dialect: str) -> ColumnElement[bool]:
    """Full-text clause: every term matches (FTS5 on SQLite, tsvector on PostgreSQL).

    Each term is a phrase of normalised words (``"10 5072 panhub 1"`` for the DOI
    ``10.5072/panhub.1``) whose last word may be a prefix. Terms come from
    :func:`~panhub_catalogue.model.make_search_text`, so they hold only word characters
    and spaces: no FTS or tsquery syntax can reach the engine.
    """
    words = tuple(w for w in words if w.strip())
    if not words:
        return true()
    if dialect == "sqlite":
        fts = table("investigation_fts")
        expression = " AND ".join(f'"{w}"*' for w in words)
        matching: Select[Any] = (
            select(literal_column("rowid"))
            .select_from(fts)
            .where(literal_column("investigation_fts").op("MATCH")(expression))
        )
        return Investigation.id.in_(matching)
    expression = " & ".join("(" + " <-> ".join(w.split()) + ":*)" for w in words)
    vector = func.to_tsvector(literal_column("'simple'"), Investigation.searchText)
    return vector.op("@@")(func.to_tsquery(literal_column("'simple'"), expression))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_investigations(
    search: Search, identity: Identity, now: datetime, dialect: str
) -> list[ColumnElement[bool]]:
    """WHERE clauses for ``search``, always starting with the visibility rule."""
    clauses = [visible_investigations(identity, now)]
    if search.words:
        clauses.append(match_words(search.words, dialect))
    if search.access == "public":
        clauses.append(is_released(now))
    elif search.access == "embargoed":
        clauses.append(~is_released(now))
    if search.mine:
        clauses.append(
            Investigation.id.in_(member_investigations(identity.username))
            if identity.username is not None
            else false()
        )
    if search.beamlines:
        clauses.append(
            Investigation.id.in_(
                select(InvestigationInstrument.investigation_id)
                .join(Instrument, Instrument.id == InvestigationInstrument.instrument_id)
                .where(Instrument.name.in_(search.beamlines))
            )
        )
    if search.users:
        names = [User.name.in_(search.users)]
        names += [
            func.lower(User.fullName).like(f"%{_escape_like(u.lower())}%", escape="\\")
            for u in search.users
        ]
        clauses.append(
            Investigation.id.in_(
                select(InvestigationUser.investigation_id)
                .join(User, User.id == InvestigationUser.user_id)
                .where(or_(*names))
            )
        )
    if search.techniques:
        clauses.append(
            Investigation.id.in_(
                select(InvestigationTechnique.investigation_id)
                .join(Technique, Technique.id == InvestigationTechnique.technique_id)
                .where(
                    or_(Technique.name.in_(search.techniques), Technique.pid.in_(search.techniques))
                )
            )
        )
    if search.date_from is not None:
        clauses.append(Investigation.startDate >= search.date_from)
    if search.date_to is not None:
        clauses.append(
            func.coalesce(Investigation.endDate, Investigation.startDate) < search.date_to
        )
    return clauses


def _order_by(search: Search) -> list[Any]:
    order: list[Any] = []
    for name, descending in search.sort:
        column = SORT_FIELDS[name]
        order.append(column.desc().nulls_last() if descending else column.asc().nulls_last())
    order.append(
        Investigation.id.desc() if search.sort and search.sort[-1][1] else Investigation.id
    )
    return order


def search_investigations(
    session: Session, identity: Identity, search: Search, now: datetime
) -> tuple[int, list[Investigation]]:
    """One page of the visible investigations matching ``search``, and their total count."""
    clauses = filter_investigations(search, identity, now, session.get_bind().dialect.name)
    total = session.scalar(select(func.count()).select_from(Investigation).where(*clauses))
    page = session.scalars(
        select(Investigation)
        .where(*clauses)
        .order_by(*_order_by(search))
        .limit(search.limit)
        .offset(search.offset)
    )
    return int(total or 0), list(page)


def count_facets(
    session: Session, identity: Identity, search: Search, now: datetime
) -> dict[str, list[tuple[str, int]]]:
    """Counts of visible matching investigations per beamline, technique, access and year.

    Each facet ignores its own filter (so the other values of a selected facet stay
    countable) and applies all the others. Values are sorted by decreasing count.
    """
    dialect = session.get_bind().dialect.name

    def where(**unset: Any) -> list[ColumnElement[bool]]:
        return filter_investigations(replace(search, **unset), identity, now, dialect)

    released = case((is_released(now), "public"), else_="embargoed")
    year = extract("year", Investigation.startDate)
    queries: dict[str, Select[Any, int]] = {
        "beamline": select(Instrument.name, func.count())
        .select_from(Investigation)
        .join(InvestigationInstrument, InvestigationInstrument.investigation_id == Investigation.id)
        .join(Instrument, Instrument.id == InvestigationInstrument.instrument_id)
        .where(*where(beamlines=()))
        .group_by(Instrument.name),
        "technique": select(Technique.name, func.count())
        .select_from(Investigation)
        .join(InvestigationTechnique, InvestigationTechnique.investigation_id == Investigation.id)
        .join(Technique, Technique.id == InvestigationTechnique.technique_id)
        .where(*where(techniques=()))
        .group_by(Technique.name),
        "access": select(released, func.count()).where(*where(access="all")).group_by(released),
        "year": select(year, func.count())
        .where(*where(date_from=None, date_to=None), Investigation.startDate.is_not(None))
        .group_by(year),
    }
    facets: dict[str, list[tuple[str, int]]] = {}
    for name, query in queries.items():
        rows = [
            (str(int(v)) if name == "year" else str(v), int(n)) for v, n in session.execute(query)
        ]
        facets[name] = sorted(rows, key=lambda r: (-r[1], r[0]))
    return facets


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


def find_investigation_by_doi(
    session: Session, identity: Identity, doi: str, now: datetime
) -> Investigation:
    """The visible investigation with this DOI (case-insensitive), else :class:`NotFound`."""
    found = session.scalar(
        select(Investigation)
        .where(func.lower(Investigation.doi) == doi.lower(), visible_investigations(identity, now))
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


def get_data_collection(
    session: Session,
    identity: Identity,
    collection_id: int | None,
    now: datetime,
    doi: str | None = None,
) -> DataCollection:
    """A data collection (by id or DOI) whose every dataset and file is visible.

    An empty collection, or one with any dataset or file the caller may not see, is
    :class:`NotFound`: a collection never reveals part of an embargoed investigation.
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
    via_datasets = (
        select(Dataset.investigation_id)
        .join(DataCollectionDataset, DataCollectionDataset.dataset_id == Dataset.id)
        .where(DataCollectionDataset.data_collection_id == collection.id)
    )
    via_files = (
        select(Dataset.investigation_id)
        .join(Datafile, Datafile.dataset_id == Dataset.id)
        .join(DataCollectionDatafile, DataCollectionDatafile.datafile_id == Datafile.id)
        .where(DataCollectionDatafile.data_collection_id == collection.id)
    )
    linked = Investigation.id.in_(via_datasets.union(via_files))
    total, visible = session.execute(
        select(
            func.count(),
            func.count(case((visible_investigations(identity, now), 1))),
        ).where(linked)
    ).one()
    if total == 0 or total != visible:
        raise NotFound(f"no data collection {label}")
    return collection
