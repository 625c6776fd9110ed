"""The LoopBack ``filter`` of the PaNOSC API: ``where`` to SQL, ``include`` scopes.

The grammar accepted is described in :mod:`panhub_catalogue.panosc`. Every problem is a
:class:`~panhub_catalogue.errors.BadRequest` naming the field, so the portal gets a 400
it can show.
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
    true,
)

from panhub_catalogue.clock import to_naive_utc
from panhub_catalogue.errors import BadRequest
from panhub_catalogue.model import make_search_text
from panhub_catalogue.panosc.entities import Entity
from panhub_catalogue.search import MAX_WORDS, match_words

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
