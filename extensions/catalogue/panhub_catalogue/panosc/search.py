"""One PaNOSC call: ``GET /<kind>``, ``/<kind>/count`` or ``/<kind>/<pid>``, public rows only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from panhub_catalogue.errors import BadRequest, NotFound
from panhub_catalogue.model import Dataset, Instrument, Investigation, make_search_text
from panhub_catalogue.panosc.entities import Entity, make_entities, public_rule
from panhub_catalogue.panosc.filters import Include, compile_where, parse_filter, parse_includes

MAX_LIMIT = 1000
MAX_SKIP = 10**9


def _render(
    session: Session,
    row: Any,
    entity_name: str,
    includes: tuple[Include, ...],
    entities: dict[str, Entity],
) -> dict[str, Any]:
    entity = entities[entity_name]
    document = entity.to_json(row)
    for include in includes:
        relation = entity.relations[include.relation]
        children = [
            _render(session, child, relation.target, include.nested, entities)
            for child in session.scalars(relation.children(row, include.clause).limit(MAX_LIMIT))
        ]
        document[include.relation] = (
            (children[0] if children else None) if relation.single else children
        )
    return document


ROOTS: dict[str, tuple[str, Any]] = {
    "Documents": ("Document", Investigation),
    "Datasets": ("Dataset", Dataset),
    "Instruments": ("Instrument", Instrument),
}


def _base_query(kind: str, now: datetime) -> tuple[Any, list[ColumnElement[bool]]]:
    if kind == "Documents":
        return select(Investigation), [public_rule(now)]
    if kind == "Datasets":
        return select(Dataset).join(Investigation, Investigation.id == Dataset.investigation_id), [
            public_rule(now)
        ]
    return select(Instrument), []


def score(item: dict[str, Any], words: list[str]) -> float:
    """Share of the ``query`` words found in an item's title and summary (0 to 1)."""
    if not words:
        return 0.0
    text = set(make_search_text(item.get("title"), item.get("summary"), item.get("name")).split())
    return round(sum(w in text for w in words) / len(words), 3)


def search(
    session: Session,
    kind: str,
    filter_text: str | None,
    now: datetime,
    *,
    count: bool = False,
    pid: str | None = None,
    query: str | None = None,
) -> Any:
    """Run one PaNOSC call: ``GET /<kind>``, ``/<kind>/count`` or ``/<kind>/<pid>``.

    ``query`` only scores results (the ``score`` field, then sorted by it); ``filter``
    selects them.
    """
    entity_name, model = ROOTS[kind]
    spec = parse_filter(filter_text)
    dialect = session.get_bind().dialect.name
    entities = make_entities(now)
    clause = compile_where(spec.get("where"), entity_name, entities, dialect)
    includes = parse_includes(spec.get("include"), entity_name, entities, dialect)
    for include in includes:
        if include.restricts:
            clause = and_(
                clause, entities[entity_name].relations[include.relation].link(include.clause)
            )
    statement, where = _base_query(kind, now)
    if pid is not None:
        where.append(entities[entity_name].fields["pid"] == pid)
    if count:
        total = session.scalar(
            select(func.count()).select_from(statement.where(*where, clause).subquery())
        )
        return {"count": int(total or 0)}
    limit = spec.get("limit", 100)
    skip = spec.get("skip", 0)
    if not isinstance(limit, int) or not 0 < limit <= MAX_LIMIT:
        raise BadRequest(f"filter.limit: must be an integer in [1, {MAX_LIMIT}]")
    if not isinstance(skip, int) or not 0 <= skip <= MAX_SKIP:
        raise BadRequest(f"filter.skip: must be an integer in [0, {MAX_SKIP}]")
    rows = session.scalars(
        statement.where(*where, clause).order_by(model.id).limit(limit).offset(skip)
    )
    found = [_render(session, row, entity_name, includes, entities) for row in rows]
    words = make_search_text(query).split()
    for item in found:
        item["score"] = score(item, words)
    if words:
        found.sort(key=lambda item: -item["score"])
    if pid is not None:
        if not found:
            raise NotFound(f"no {entity_name} with pid {pid}")
        return found[0]
    return found
