"""Investigation search: filters, full-text matching, the facet-index planner, facets.

Every clause starts from the visibility rule (:mod:`panhub_catalogue.visibility`),
stated on the keys of :class:`~panhub_catalogue.model.InvestigationFacet`, and every
page read from the investigation table checks it once more. :class:`Search` is one
request, as parsed by :mod:`panhub_catalogue.web.params`; :func:`search_investigations`
answers it with a page and a total, :func:`count_facets` with counts per beamline,
technique, access, year and member.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    distinct,
    extract,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.orm import Session, aliased

from panhub_catalogue.identity import Identity
from panhub_catalogue.model import (
    FACET_ALL,
    FACET_BEAMLINE,
    FACET_TECHNIQUE,
    Dataset,
    Instrument,
    Investigation,
    InvestigationFacet,
    InvestigationInstrument,
    InvestigationUser,
    LogbookEntry,
    Sample,
    Technique,
    User,
)
from panhub_catalogue.visibility import (
    member_investigations,
    released_clause,
    visible_investigations,
)

Access = Literal["all", "public", "embargoed"]


def _count_of(model: Any) -> Any:
    """An investigation's number of ``model`` rows, as a sort key."""
    return (
        select(func.count())
        .where(model.investigation_id == Investigation.id)
        .correlate(Investigation)
        .scalar_subquery()
    )


#: What the results may be sorted by: every column of the portal's table (the beamline
#: is the first beamline's name; the sample, dataset and logbook counts are counted per
#: matching investigation, so they cost more than the others on large result sets).
SORT_FIELDS: dict[str, Any] = {
    "startDate": Investigation.startDate,
    "endDate": Investigation.endDate,
    "releaseDate": Investigation.releaseDate,
    "name": Investigation.name,
    "title": Investigation.title,
    "fileSize": Investigation.fileSize,
    "fileCount": Investigation.fileCount,
    "doi": Investigation.doi,
    "beamline": (
        select(func.min(Instrument.name))
        .join(InvestigationInstrument, InvestigationInstrument.instrument_id == Instrument.id)
        .where(InvestigationInstrument.investigation_id == Investigation.id)
        .correlate(Investigation)
        .scalar_subquery()
    ),
    "sampleCount": _count_of(Sample),
    "datasetCount": _count_of(Dataset),
    "logbookCount": _count_of(LogbookEntry),
}
FACETS = ("beamline", "technique", "access", "year", "user")
#: Most values the ``user`` facet lists: the members of the most matching investigations.
MAX_USER_VALUES = 50
#: Rows fetched at a time when a text search counts its hits.
STREAM_BATCH = 100
#: Most terms one text search may hold: each is a prefix scan.
MAX_WORDS = 12


@dataclass(frozen=True)
class Search:
    """One investigation search, as parsed from a request by :mod:`panhub_catalogue.web.params`.

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


def _clean(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in words if w.strip())


def fts5_ids(words: tuple[str, ...]) -> Select[Any]:
    """Rowids of the investigations whose text has every term (SQLite's FTS5 index)."""
    fts = table("investigation_fts")
    expression = " AND ".join(f'"{w}"*' for w in words)
    return (
        select(literal_column("rowid"))
        .select_from(fts)
        .where(literal_column("investigation_fts").op("MATCH")(expression))
    )


def _tsvector_match(words: tuple[str, ...]) -> ColumnElement[bool]:
    expression = " & ".join("(" + " <-> ".join(w.split()) + ":*)" for w in words)
    # the stored to_tsvector('simple', search_text) of migration 0004, GIN-indexed
    vector: ColumnElement[Any] = literal_column("investigation.search_vector")
    return vector.op("@@")(func.to_tsquery(literal_column("'simple'"), expression))


def match_words(words: tuple[str, ...], dialect: str) -> ColumnElement[bool]:
    """Full-text clause on :class:`Investigation`: every term matches.

    FTS5 on SQLite, tsvector on PostgreSQL. Each term is a phrase of normalised words
    (``"10 5072 panhub 1"`` for the DOI ``10.5072/panhub.1``) whose last word may be a
    prefix. Terms come from :func:`~panhub_catalogue.model.make_search_text`, so they
    hold only word characters and spaces: no FTS or tsquery syntax can reach the engine.
    """
    words = _clean(words)
    if not words:
        return true()
    if dialect == "sqlite":
        return Investigation.id.in_(fts5_ids(words))
    return _tsvector_match(words)


def _match_keys(
    words: tuple[str, ...], dialect: str, keys: type[InvestigationFacet]
) -> ColumnElement[bool]:
    """:func:`match_words` on a keys alias, as a filter and never as the driver.

    A common word matches a large share of all investigations. On SQLite the hits are
    collected once into a temporary index that each candidate row probes; ``+ 0`` stops
    the planner from walking the hits and looking up each one (the cost measured in
    issue 5), so the narrow composite index on the other filters drives instead.
    """
    if dialect == "sqlite":
        return (keys.investigation_id + 0).in_(fts5_ids(words))
    return keys.investigation_id.in_(select(Investigation.id).where(_tsvector_match(words)))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _beamline_ids(names: tuple[str, ...]) -> Select[int]:
    return select(Instrument.id).where(Instrument.name.in_(names))


def _technique_ids(names: tuple[str, ...]) -> Select[int]:
    return select(Technique.id).where(or_(Technique.name.in_(names), Technique.pid.in_(names)))


def _in_facet(
    keys: type[InvestigationFacet], driver: int, facet: int, values: Select[int]
) -> ColumnElement[bool]:
    """Investigations with one of ``values`` in ``facet``.

    On the driver's own rows, a test of ``keys.value_id``; otherwise a test of
    ``keys.investigation_id`` against the investigation's rows of that facet.
    """
    if facet == driver:
        return keys.value_id.in_(values)
    linked = aliased(InvestigationFacet)
    having = select(linked.investigation_id).where(
        linked.facet == facet, linked.value_id.in_(values)
    )
    return keys.investigation_id.in_(having)


def choose_driver(search: Search) -> int:
    """The facet whose rows a search scans: the most selective filter it has.

    A beamline (one of a dozen or more) narrows more than a technique (a handful), and
    either more than nothing; the date range then bounds the scan inside the chosen
    values, since ``start_date`` follows them in the composite index.
    """
    if search.beamlines:
        return FACET_BEAMLINE
    if search.techniques:
        return FACET_TECHNIQUE
    return FACET_ALL


def filter_keys(
    search: Search,
    identity: Identity,
    now: datetime,
    dialect: str,
    keys: type[InvestigationFacet],
    driver: int,
) -> list[ColumnElement[bool]]:
    """WHERE clauses for ``search`` on ``keys`` rows of facet ``driver``.

    Always starts with the visibility rule. The driver's own filter (beamlines or
    techniques) is a condition on ``keys.value_id``; every other filter tests
    ``keys.investigation_id``.
    """
    clauses = [keys.facet == driver, visible_investigations(identity, now, keys)]
    if driver == FACET_ALL:
        clauses.append(keys.value_id == 0)
    elif not (search.beamlines if driver == FACET_BEAMLINE else search.techniques):
        # every value, listed: SQLite then seeks the date range within each value
        # instead of reading all of the facet's rows
        named = Instrument if driver == FACET_BEAMLINE else Technique
        clauses.append(keys.value_id.in_(select(named.id)))
    if search.beamlines:
        clauses.append(_in_facet(keys, driver, FACET_BEAMLINE, _beamline_ids(search.beamlines)))
    if search.techniques:
        techniques = _technique_ids(search.techniques)
        clauses.append(_in_facet(keys, driver, FACET_TECHNIQUE, techniques))
    words = _clean(search.words)
    if words:
        clauses.append(_match_keys(words, dialect, keys))
    if search.access == "public":
        clauses.append(released_clause(now, keys.releaseDate))
    elif search.access == "embargoed":
        clauses.append(~released_clause(now, keys.releaseDate))
    if search.mine:
        clauses.append(
            keys.investigation_id.in_(member_investigations(identity.username))
            if identity.username is not None
            else false()
        )
    if search.users:
        names = [User.name.in_(search.users)]
        names += [
            func.lower(User.fullName).like(f"%{_escape_like(u.lower())}%", escape="\\")
            for u in search.users
        ]
        clauses.append(
            keys.investigation_id.in_(
                select(InvestigationUser.investigation_id)
                .join(User, User.id == InvestigationUser.user_id)
                .where(or_(*names))
            )
        )
    if search.date_from is not None:
        clauses.append(keys.startDate >= search.date_from)
    if search.date_to is not None:
        clauses.append(keys.endDate < search.date_to)  # holds coalesce(endDate, startDate)
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


def _is_several(search: Search, driver: int) -> bool:
    # one keys row per investigation, unless several values of the driving facet match
    return len(search.beamlines if driver == FACET_BEAMLINE else search.techniques) > 1


def _count(
    keys: type[InvestigationFacet],
    driver: int,
    search: Search,
    condition: ColumnElement[bool] | None = None,
) -> ColumnElement[int]:
    """``count(*)`` of the matching keys rows (where ``condition`` holds), per investigation."""
    several = _is_several(search, driver)
    if condition is None:
        return func.count(distinct(keys.investigation_id)) if several else func.count()
    counted = case((condition, keys.investigation_id if several else 1))
    return func.count(distinct(counted)) if several else func.count(counted)


def _in_start_order(
    keys: type[InvestigationFacet], where: list[ColumnElement[bool]], search: Search
) -> Select[int, datetime | None]:
    """Matching ids in the page order of a start-date sort, from the keys index alone."""
    (_, descending), *_ = search.sort
    start = keys.startDate.desc() if descending else keys.startDate.asc()
    tie = keys.investigation_id.desc() if descending else keys.investigation_id.asc()
    return (
        select(keys.investigation_id, keys.startDate)
        .where(*where)
        .distinct()
        .order_by(start.nulls_last(), tie)
    )


def _stream_page(
    session: Session,
    keys: type[InvestigationFacet],
    where: list[ColumnElement[bool]],
    search: Search,
) -> tuple[int, list[int]]:
    """Count the matching ids in start-date order and keep the page's, in one pass.

    The rows are streamed (``yield_per``: SQLite steps its cursor, PostgreSQL uses a
    server-side cursor), so the service holds at most one batch and one page of ids
    however many investigations match. This costs one full-text evaluation, where a
    count plus a page query would cost two, and measured faster than a window
    ``count(*) OVER ()``, which sorts every hit before the first row comes back.
    """
    rows = session.execute(
        _in_start_order(keys, where, search), execution_options={"yield_per": STREAM_BATCH}
    )
    total, page, stop = 0, [], search.offset + search.limit
    for investigation_id, _start in rows:
        if search.offset <= total < stop:
            page.append(int(investigation_id))
        total += 1
    return total, page


def _count_and_page(
    session: Session, keys: type[InvestigationFacet], search: Search, driver: int, where: Any
) -> tuple[int, list[int] | None]:
    """The total, and the page's ids when the keys index alone can order them.

    With free text, the full-text hits are the costly part: one statement collects them
    once (:func:`_stream_page`). Without, a count and a ``LIMIT`` query are cheaper, since
    the page query stops after one page of the index.
    """
    by_start = [name for name, _ in search.sort] == ["startDate"]
    if by_start and _clean(search.words):
        return _stream_page(session, keys, where, search)
    total = int(session.scalar(select(_count(keys, driver, search)).where(*where)) or 0)
    if not by_start:
        return total, None
    page = _in_start_order(keys, where, search).limit(search.limit).offset(search.offset)
    return total, [row[0] for row in session.execute(page)]


def search_investigations(
    session: Session, identity: Identity, search: Search, now: datetime
) -> tuple[int, list[Investigation]]:
    """One page of the visible investigations matching ``search``, and their total count.

    The count and, when sorted by start date, the page come from the composite index of
    :class:`InvestigationFacet` (see :func:`choose_driver`); only the page's rows are read
    from the investigation table, where the rule is checked once more.
    """
    dialect = session.get_bind().dialect.name
    driver = choose_driver(search)
    keys = InvestigationFacet
    where = filter_keys(search, identity, now, dialect, keys, driver)
    total, ids = _count_and_page(session, keys, search, driver, where)
    if ids is None:
        matching = Investigation.id.in_(select(keys.investigation_id).where(*where))
        offset = search.offset
    else:
        matching, offset = Investigation.id.in_(ids), 0
    page = session.scalars(
        select(Investigation)
        .where(matching, visible_investigations(identity, now))
        .order_by(*_order_by(search))
        .limit(search.limit)
        .offset(offset)
    )
    return total, list(page)


def _count_values(
    session: Session, keys: type[InvestigationFacet], where: list[ColumnElement[bool]], named: Any
) -> list[tuple[str, int]]:
    # grouping by value_id follows the index order: no sort, names joined afterwards
    counts = (
        select(keys.value_id.label("value_id"), func.count().label("n"))
        .where(*where)
        .group_by(keys.value_id)
        .subquery()
    )
    query = select(named.name, counts.c.n).join(counts, counts.c.value_id == named.id)
    return [(str(name), int(n)) for name, n in session.execute(query)]


def _count_access(
    session: Session, search: Search, keys: type[InvestigationFacet], where: Any, now: datetime
) -> list[tuple[str, int]]:
    driver = choose_driver(search)
    released = released_clause(now, keys.releaseDate)
    total, public = session.execute(
        select(_count(keys, driver, search), _count(keys, driver, search, released)).where(*where)
    ).one()
    counts = [("public", int(public)), ("embargoed", int(total) - int(public))]
    return [(name, n) for name, n in counts if n]


def _count_years(
    session: Session, search: Search, keys: type[InvestigationFacet], where: Any
) -> list[tuple[str, int]]:
    """Investigations per start year."""
    if session.get_bind().dialect.name == "sqlite":
        # stored as 'YYYY-MM-DD HH:MM:SS...': cheaper than parsing with strftime
        year: ColumnElement[Any] = func.substr(keys.startDate, 1, 4)
    else:
        year = extract("year", keys.startDate)
    query = (
        select(year, _count(keys, choose_driver(search), search))
        .where(*where, keys.startDate.is_not(None))
        .group_by(year)
    )
    return [(str(int(y)), int(n)) for y, n in session.execute(query)]


def _count_users(
    session: Session, keys: type[InvestigationFacet], where: list[ColumnElement[bool]]
) -> list[tuple[str, int]]:
    """Matching investigations per member name, the :data:`MAX_USER_VALUES` most frequent.

    Memberships are grouped by user id first and names joined to the groups only (a
    third faster than grouping by name); a person with two roles counts once.
    """
    matching = select(keys.investigation_id).where(*where)
    counts = (
        select(
            InvestigationUser.user_id.label("user_id"),
            func.count(distinct(InvestigationUser.investigation_id)).label("n"),
        )
        .where(InvestigationUser.investigation_id.in_(matching))
        .group_by(InvestigationUser.user_id)
        .subquery()
    )
    query = (
        select(User.name, counts.c.n)
        .join(counts, counts.c.user_id == User.id)
        .order_by(counts.c.n.desc(), User.name)
        .limit(MAX_USER_VALUES)
    )
    return [(str(name), int(n)) for name, n in session.execute(query)]


def count_facets(
    session: Session,
    identity: Identity,
    search: Search,
    now: datetime,
    names: Collection[str] = FACETS,
) -> dict[str, list[tuple[str, int]]]:
    """Counts of visible matching investigations per beamline, technique, access, year
    and member (``user``: user names, the :data:`MAX_USER_VALUES` most frequent).

    Each facet ignores its own filter (so the other values of a selected facet stay
    countable) and applies all the others. Values are sorted by decreasing count, then
    by value. Every count but ``user`` scans :class:`InvestigationFacet` rows only, in
    index order; ``user`` joins the matching ids to the members, so it costs the most
    (about as much as all the others together). ``names`` chooses the facets counted
    (of :data:`FACETS`; all by default).
    """
    dialect = session.get_bind().dialect.name

    def keyed(driver: int | None = None, **unset: Any) -> tuple[Any, list[ColumnElement[bool]]]:
        narrowed = replace(search, **unset)
        driver = choose_driver(narrowed) if driver is None else driver
        keys = InvestigationFacet
        return keys, filter_keys(narrowed, identity, now, dialect, keys, driver)

    counters: dict[str, Callable[[], list[tuple[str, int]]]] = {
        "beamline": lambda: _count_values(
            session, *keyed(FACET_BEAMLINE, beamlines=()), Instrument
        ),
        "technique": lambda: _count_values(
            session, *keyed(FACET_TECHNIQUE, techniques=()), Technique
        ),
        "access": lambda: _count_access(session, search, *keyed(access="all"), now),
        "year": lambda: _count_years(session, search, *keyed(date_from=None, date_to=None)),
        "user": lambda: _count_users(session, *keyed(users=())),
    }
    return {
        name: sorted(count(), key=lambda r: (-r[1], r[0]))
        for name, count in counters.items()
        if name in names
    }
