"""The PaNOSC search API (Datasets, Documents, Instruments) over the catalogue, public data only.

Mapping: Document = Investigation (``type`` "proposal"), Dataset = Dataset,
Instrument = Instrument, File = Datafile, Sample = Sample, Technique = Technique
(``panetId`` = ``pid``), Parameter = Dataset/Investigation parameter (``unit`` =
``ParameterType.units``), Member = InvestigationUser, Person = User.

The ``filter`` is the LoopBack JSON subset the PaN data portal sends: ``where`` (field
equality; ``neq``, ``lt``, ``lte``, ``gt``, ``gte``, ``between``, ``inq``, ``nin``,
``like``, ``nlike``, ``ilike``; ``and``/``or`` lists; ``text`` on Documents), ``include``
(``relation`` + ``scope`` with ``where`` and nested ``include``), ``limit``, ``skip``.
A scoped ``where`` keeps only parents that have at least one matching child (as the
PaNOSC reference does) and lists only the matching children. Parameter values are
compared in the stored unit (no unit conversion yet). Every query passes through the
public rule of :func:`panhub_catalogue.visibility.visible_investigations` for an anonymous
caller.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Float,
    Integer,
    Numeric,
    and_,
    func,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from panhub_catalogue.clock import to_naive_utc
from panhub_catalogue.errors import BadRequest, NotFound
from panhub_catalogue.model import (
    Dataset,
    Instrument,
    Investigation,
    make_search_text,
)
from panhub_catalogue.panosc_entities import Entity, make_entities, public_rule
from panhub_catalogue.search import MAX_WORDS, match_words

MAX_LIMIT = 1000
MAX_SKIP = 10**9
#: Deepest nesting of ``and``/``or`` in a ``where``, and of ``include`` scopes.
MAX_DEPTH = 16
OPERATORS = ("neq", "lt", "lte", "gt", "gte", "between", "inq", "nin", "like", "nlike", "ilike")


def parse_filter(text: str | None) -> dict[str, Any]:
    """The ``filter`` query parameter as a dict (400 when it is not a JSON object)."""
    if text is None or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadRequest(f"filter: not valid JSON ({error.msg} at position {error.pos})") from None
    except RecursionError:
        raise BadRequest("filter: nested too deeply") from None
    if not isinstance(value, dict):
        raise BadRequest('filter: must be a JSON object such as {"where": {...}, "limit": 10}')
    unknown = sorted(set(value) - {"where", "include", "limit", "skip", "fields", "order"})
    if unknown:
        raise BadRequest(f"filter: unknown key '{unknown[0]}'; use where, include, limit, skip")
    return value


def _kind(column: Any) -> str:
    """``"number"``, ``"date"``, ``"text"``, or ``"any"`` for a ``(numeric, text)`` pair.

    What values a field may be compared with: PostgreSQL refuses a text value against a
    number or date column, and a ``LIKE`` on a number.
    """
    if isinstance(column, tuple):
        return "any"
    kind = column.type
    if isinstance(kind, DateTime):
        return "date"
    if isinstance(kind, Integer | Float | Numeric):
        return "number"
    return "text"


def _compare(column: Any, name: str, condition: Any) -> ColumnElement[bool]:
    kind = _kind(column)
    if not isinstance(condition, dict):
        value = _value(condition, name, kind)
        return _column(column, value) == value  # type: ignore[no-any-return]
    if len(condition) != 1:
        raise BadRequest(f"where.{name}: give one operator, got {sorted(condition)}")
    ((operator, operand),) = condition.items()
    if operator not in OPERATORS:
        raise BadRequest(f"where.{name}: unknown operator '{operator}'; use {', '.join(OPERATORS)}")
    if operator in ("between", "inq", "nin"):
        if not isinstance(operand, list) or (operator == "between" and len(operand) != 2):
            raise BadRequest(
                f"where.{name}.{operator}: needs a list"
                + (" of two values" if operator == "between" else "")
            )
        values = [_value(v, name, kind) for v in operand]
        if kind == "any" and len({type(v) is str for v in values}) > 1:
            raise BadRequest(f"where.{name}.{operator}: all numbers or all strings")
        target = _column(column, values[0] if values else None)
        if operator == "between":
            return target.between(values[0], values[1])  # type: ignore[no-any-return]
        return target.in_(values) if operator == "inq" else target.not_in(values)  # type: ignore[no-any-return]
    value = _value(operand, name, kind)
    column = _column(column, value)
    if operator in ("like", "nlike", "ilike"):
        if not isinstance(value, str) or kind not in ("text", "any"):
            raise BadRequest(f"where.{name}.{operator}: needs a string, on a text field")
        pattern = value.replace("%", r"\%").replace("_", r"\_").replace(".*", "%").replace("*", "%")
        if operator == "ilike":
            return func.lower(column).like(f"%{pattern.lower()}%", escape="\\")
        like = column.like(f"%{pattern}%", escape="\\")
        return like if operator == "like" else not_(like)  # type: ignore[no-any-return]
    return {  # type: ignore[no-any-return]
        "neq": column != value,
        "lt": column < value,
        "lte": column <= value,
        "gt": column > value,
        "gte": column >= value,
    }[operator]


def _column(column: Any, value: Any) -> Any:
    """The column to compare ``value`` with: of a ``(numeric, text)`` pair, by its type."""
    if not isinstance(column, tuple):
        return column
    numeric, text = column
    return text if isinstance(value, str) else numeric


def _value(value: Any, name: str, kind: str = "any") -> Any:
    """A JSON value checked against the field's ``kind`` (400 when it cannot match)."""
    if value is None:
        return None
    if isinstance(value, str):
        if "\x00" in value:
            raise BadRequest(f"where.{name}: a NUL character cannot match")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest(f"where.{name}: a lone surrogate is not valid Unicode") from None
    if kind == "date":
        if not isinstance(value, str):
            raise BadRequest(f"where.{name}: needs an ISO 8601 date string")
        try:
            return to_naive_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except (ValueError, OverflowError):
            raise BadRequest(f"where.{name}: '{value[:40]}' is not an ISO 8601 date") from None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadRequest(f"where.{name}: values must be strings, numbers or null")
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise BadRequest(f"where.{name}: {str(value)[:40]} is outside the 64-bit range")
    if isinstance(value, float) and not math.isfinite(value):
        raise BadRequest(f"where.{name}: {value} is not a finite number")
    if kind == "number" and isinstance(value, str):
        raise BadRequest(f"where.{name}: needs a number, not '{value[:40]}'")
    if kind == "text" and not isinstance(value, str):
        return str(value)
    return value


def compile_where(
    where: Any, entity_name: str, entities: dict[str, Entity], dialect: str, depth: int = 0
) -> ColumnElement[bool]:
    """A LoopBack ``where`` object as a SQL clause on ``entity_name``'s rows."""
    if where is None:
        return true()
    if depth > MAX_DEPTH:
        raise BadRequest(f"where: and/or nested more than {MAX_DEPTH} deep")
    if not isinstance(where, dict):
        raise BadRequest(f"where on {entity_name}: must be a JSON object")
    entity = entities[entity_name]
    clauses: list[ColumnElement[bool]] = []
    for key, condition in where.items():
        if key in ("and", "or"):
            if not isinstance(condition, list) or not condition:
                raise BadRequest(f"where.{key}: needs a non-empty list of conditions")
            parts = [compile_where(c, entity_name, entities, dialect, depth + 1) for c in condition]
            clauses.append(and_(*parts) if key == "and" else or_(*parts))
        elif key == "text" and entity_name == "Document":
            words = tuple(w for w in (make_search_text(t) for t in str(condition).split()) if w)
            if len(words) > MAX_WORDS:  # as api/investigations?text=: each is a prefix scan
                raise BadRequest(f"where.text: {len(words)} words, at most {MAX_WORDS}")
            clauses.append(match_words(words, dialect) if words else true())
        elif key == "isPublic":
            clauses.append(true() if condition is True else func.not_(true()))
        elif key in entity.fields:
            clauses.append(_compare(entity.fields[key], key, condition))
        else:
            known = ", ".join(
                [*entity.fields, "isPublic", "and", "or"]
                + (["text"] if entity_name == "Document" else [])
            )
            raise BadRequest(f"where: unknown field '{key}' on {entity_name}; known: {known}")
    return and_(*clauses) if clauses else true()


@dataclass(frozen=True)
class Include:
    """A parsed ``include`` item: relation, child clause, nested includes."""

    relation: str
    clause: ColumnElement[bool]
    restricts: bool
    nested: tuple[Include, ...]


def parse_includes(
    items: Any, entity_name: str, entities: dict[str, Entity], dialect: str, depth: int = 0
) -> tuple[Include, ...]:
    """``include`` (a list of names or ``{"relation", "scope"}`` objects)."""
    if items is None:
        return ()
    if depth > MAX_DEPTH:
        raise BadRequest(f"include: scopes nested more than {MAX_DEPTH} deep")
    if not isinstance(items, list):
        items = [items]
    parsed = []
    for item in items:
        if isinstance(item, str):
            item = {"relation": item}
        if not isinstance(item, dict) or not isinstance(item.get("relation"), str):
            raise BadRequest(
                f'include on {entity_name}: items are relation names or {{"relation": ...}}'
            )
        relation = entities[entity_name].relations.get(item["relation"])
        if relation is None:
            known = ", ".join(entities[entity_name].relations) or "none"
            raise BadRequest(
                f"include: unknown relation '{item['relation']}' on {entity_name}; known: {known}"
            )
        scope = item.get("scope") or {}
        if not isinstance(scope, dict):
            raise BadRequest(f"include.{item['relation']}.scope: must be a JSON object")
        nested = parse_includes(scope.get("include"), relation.target, entities, dialect, depth + 1)
        clause = compile_where(scope.get("where"), relation.target, entities, dialect)
        for child in nested:
            if child.restricts:
                clause = and_(
                    clause, entities[relation.target].relations[child.relation].link(child.clause)
                )
        parsed.append(
            Include(
                item["relation"],
                clause,
                "where" in scope or any(c.restricts for c in nested),
                nested,
            )
        )
    return tuple(parsed)


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
