"""The LoopBack ``filter`` of the PaNOSC API: ``where`` to SQL, ``include``, ``fields``, ``order``.

The grammar and its meaning are described in :mod:`panhub_catalogue.panosc`. Every
problem is a :class:`~panhub_catalogue.errors.BadRequest` naming the part of the filter,
so the caller gets a 400 it can show, never an empty answer it cannot tell from "no
match".
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    Integer,
    Numeric,
    and_,
    false,
    func,
    not_,
    or_,
    true,
)
from sqlalchemy.sql.util import surface_selectables_only

from panhub_catalogue.clock import to_naive_utc
from panhub_catalogue.db import compile_regexp
from panhub_catalogue.errors import BadRequest
from panhub_catalogue.model import ParameterType
from panhub_catalogue.panosc.entities import Entity, Keywords
from panhub_catalogue.units import SIMap, UnitError, si_map

#: Deepest nesting of ``and``/``or`` in a ``where``, and of ``include`` scopes.
MAX_DEPTH = 16
#: Most rows one list gives (``limit`` 0 or absent asks for all: this many).
MAX_LIMIT = 1000
MAX_SKIP = 10**9
#: Most values of one ``inq``/``nin`` list, and most ``include`` items in one filter.
MAX_LIST = 1000
MAX_INCLUDES = 64
COMPARISONS = ("neq", "lt", "lte", "gt", "gte")
OPERATORS = (
    *COMPARISONS,
    *("between", "inq", "nin", "like", "nlike", "ilike", "nilike", "regexp"),
)
#: LoopBack operators panhub refuses, with the reason given to the caller.
REFUSED = {
    "near": "there is no geographic field",
    "maxDistance": "there is no geographic field",
}
FILTER_KEYS = ("where", "include", "limit", "skip", "fields", "order", "query")
SCOPE_KEYS = ("where", "include", "limit", "skip", "fields", "order")
#: Longest string the ``text`` operator looks for (each row is scanned for it).
MAX_TEXT = 200
#: Relative tolerance of an equality on a converted (SI) parameter value.
SI_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Context:
    """What compiling a ``where`` needs: the classes, the SQL dialect, the unit in force."""

    entities: dict[str, Entity]
    dialect: str
    unit: SIMap | None = None
    depth: int = 0

    def deeper(self, unit: SIMap | None = None) -> Context:
        """The context one ``and``/``or`` further down (a conjunction's unit replaces ours)."""
        if self.depth >= MAX_DEPTH:
            raise BadRequest(f"where: and/or nested more than {MAX_DEPTH} deep")
        return Context(self.entities, self.dialect, unit or self.unit, self.depth + 1)


def parse_json(text: str | None, name: str) -> Any:
    """A JSON query parameter (``filter``, ``where``) as a dict; 400 when it is not one."""
    if text is None or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadRequest(f"{name}: not valid JSON ({error.msg} at position {error.pos})") from None
    except RecursionError:
        raise BadRequest(f"{name}: nested too deeply") from None
    if not isinstance(value, dict):
        raise BadRequest(f'{name}: must be a JSON object such as {{"where": {{...}}, "limit": 10}}')
    return value


def parse_filter(text: str | None) -> dict[str, Any]:
    """The ``filter`` query parameter as a dict (400 when it is not a JSON object)."""
    value: dict[str, Any] = parse_json(text, "filter")
    unknown = sorted(set(value) - set(FILTER_KEYS))
    if unknown:
        raise BadRequest(f"filter: unknown key '{unknown[0]}'; known: {', '.join(FILTER_KEYS)}")
    return value


def parse_count(value: Any, name: str, default: int) -> int:
    """``limit`` or ``skip``: a non-negative integer (or its digits as a string)."""
    if value is None:
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadRequest(f"{name}: must be a non-negative integer")
    if name.endswith("limit"):
        if value > MAX_LIMIT:
            raise BadRequest(f"{name}: at most {MAX_LIMIT}")
        return value or MAX_LIMIT  # LoopBack: 0 is no limit
    if value > MAX_SKIP:
        raise BadRequest(f"{name}: at most {MAX_SKIP}")
    return value


# --- values -------------------------------------------------------------------------


def _kind(column: Any) -> str:
    """``number``, ``date``, ``bool``, ``text``, ``list``, or ``any`` (a parameter value)."""
    if isinstance(column, tuple):
        return "any"
    if isinstance(column, Keywords):
        return "list"
    kind = column.type
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, DateTime):
        return "date"
    if isinstance(kind, Integer | Float | Numeric):
        return "number"
    return "text"


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _value(value: Any, where: str, kind: str) -> Any:
    """A JSON value checked and coerced to the field's ``kind`` (400 when it cannot match)."""
    if value is None:
        return None
    if isinstance(value, str):
        if "\x00" in value:
            raise BadRequest(f"{where}: a NUL character cannot match")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest(f"{where}: a lone surrogate is not valid Unicode") from None
    if kind == "bool":
        if not isinstance(value, bool):
            raise BadRequest(f"{where}: needs true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadRequest(f"{where}: values must be strings, numbers or null")
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise BadRequest(f"{where}: {str(value)[:40]} is outside the 64-bit range")
    if isinstance(value, float) and not math.isfinite(value):
        raise BadRequest(f"{where}: {value} is not a finite number")
    if kind == "date":
        return _date(value, where)
    if kind == "number" and isinstance(value, str):
        number = _number(value)  # LoopBack coerces "10" for a number property
        if number is None:
            raise BadRequest(f"{where}: needs a number, not '{value[:40]}'")
        return int(number) if number.is_integer() else number
    if kind in ("text", "list") and not isinstance(value, str):
        return str(value)
    return value


def _date(value: Any, where: str) -> datetime:
    if isinstance(value, int | float):  # LoopBack: milliseconds since the epoch
        try:
            return to_naive_utc(datetime.fromtimestamp(value / 1000, UTC))
        except (ValueError, OverflowError, OSError):
            raise BadRequest(f"{where}: {value} is not a time in milliseconds") from None
    try:
        return to_naive_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        raise BadRequest(f"{where}: '{value[:40]}' is not an ISO 8601 date") from None


# --- like, ilike ----------------------------------------------------------------------


def like_pattern(value: str) -> str:
    """A LoopBack ``like`` operand as a SQL LIKE pattern (``\\`` escapes).

    ``%`` and ``_`` are wildcards, as in SQL. A pattern without ``%`` matches anywhere in
    the value (``"Cu"`` finds ``"CuO"``), as LoopBack's in-memory and MongoDB connectors
    (and the PaNOSC reference) match; one with ``%`` is anchored, as in SQL (``"Cu%"``
    finds values that start with Cu).
    """
    return value if "%" in value else f"%{value}%"


def _glob(pattern: str) -> str:
    """A LIKE pattern as an SQLite GLOB pattern (case-sensitive, as ``like`` must be)."""
    out, escaped = [], False
    for char in pattern:
        if escaped:
            out.append(f"[{char}]" if char in "*?[]" else char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            out.append("*")
        elif char == "_":
            out.append("?")
        elif char in "*?[]":
            out.append(f"[{char}]")
        else:
            out.append(char)
    return "".join(out)


def like_clause(column: Any, value: str, operator: str, dialect: str) -> ColumnElement[bool]:
    """``like``/``nlike`` (case-sensitive) and ``ilike``/``nilike`` (ignoring case)."""
    pattern = like_pattern(value)
    if operator in ("ilike", "nilike"):
        if dialect == "postgresql":
            clause = column.ilike(pattern, escape="\\")
        else:
            clause = func.lower(column).like(pattern.lower(), escape="\\")
    elif dialect == "sqlite":
        clause = column.op("GLOB", is_comparison=True)(_glob(pattern))
    else:
        clause = column.like(pattern, escape="\\")
    return not_(clause) if operator.startswith("n") else clause  # type: ignore[no-any-return]


def regexp_clause(column: Any, value: str, where: str, dialect: str) -> ColumnElement[bool]:
    """LoopBack's ``regexp``: ``"^Cu"`` or ``"/^cu/i"`` (the ``i`` flag ignores case).

    The pattern must compile with RE2, whose matching takes linear time (no pattern can
    hang the catalogue); SQLite runs RE2 itself (:func:`panhub_catalogue.db.compile_regexp`),
    PostgreSQL its own engine on the same pattern.
    """
    pattern, flags = value, ""
    found = re.fullmatch(r"/(.*)/([a-z]*)", value, re.DOTALL)
    if found:
        pattern, flags = found.group(1), found.group(2)
    if not pattern or len(pattern) > MAX_TEXT:
        raise BadRequest(f"{where}: a pattern of 1 to {MAX_TEXT} characters")
    ignore_case = "i" in flags
    try:
        compile_regexp(pattern)
    except Exception as error:
        detail = (
            error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else error
        )
        raise BadRequest(f"{where}: not a pattern panhub can run ({detail})") from None
    if dialect == "postgresql":
        return column.op("~*" if ignore_case else "~", is_comparison=True)(pattern)  # type: ignore[no-any-return]
    return column.op("REGEXP", is_comparison=True)(  # type: ignore[no-any-return]
        ("(?i)" if ignore_case else "") + pattern
    )


def escape_like(value: str) -> str:
    """``value`` as a literal inside a LIKE pattern."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- where ----------------------------------------------------------------------------


def _unit_of(conjunction: list[Any]) -> str | None:
    """The unit a conjunction of parameter conditions names (``{"unit": "K"}``), if any."""
    for item in conjunction:
        if isinstance(item, dict) and isinstance(item.get("unit"), str):
            return str(item["unit"])
    return None


def _si(unit: str | None) -> SIMap | None:
    """The SI map of a query's unit; ``None`` when pint does not know it (compared as text)."""
    if unit is None or not unit.strip():
        return None
    try:
        return si_map(unit)
    except UnitError:
        return None


def _operator(condition: Any, where: str) -> tuple[str | None, Any]:
    """``(operator, operand)`` of a field's condition; ``(None, value)`` for equality."""
    if not isinstance(condition, dict):
        return None, condition
    if len(condition) != 1:
        raise BadRequest(f"{where}: give one operator, got {sorted(condition)}")
    ((operator, operand),) = condition.items()
    if operator in REFUSED:
        raise BadRequest(f"{where}.{operator}: {REFUSED[operator]}")
    if operator not in OPERATORS:
        raise BadRequest(f"{where}: unknown operator '{operator}'; use {', '.join(OPERATORS)}")
    if operator in ("between", "inq", "nin") and (
        not isinstance(operand, list) or (operator == "between" and len(operand) != 2)
    ):
        raise BadRequest(
            f"{where}.{operator}: needs a list"
            + (" of two values" if operator == "between" else "")
        )
    return operator, operand


def _apply(
    column: Any, operator: str | None, operand: Any, where: str, kind: str, dialect: str
) -> Any:
    """``column <operator> operand`` for one plain column of ``kind``."""
    if operator == "regexp":
        if not isinstance(operand, str) or kind not in ("text", "list"):
            raise BadRequest(f"{where}.regexp: needs a string, on a text field")
        return regexp_clause(column, _value(operand, where, kind), f"{where}.regexp", dialect)
    if operator in ("like", "nlike", "ilike", "nilike"):
        if not isinstance(operand, str) or kind not in ("text", "list"):
            raise BadRequest(f"{where}.{operator}: needs a string, on a text field")
        return like_clause(column, _value(operand, where, kind), operator, dialect)
    if operator in ("between", "inq", "nin"):
        if len(operand) > MAX_LIST:
            raise BadRequest(f"{where}.{operator}: {len(operand)} values, at most {MAX_LIST}")
        values = [_value(v, where, kind) for v in operand]
        if operator == "between":
            return column.between(values[0], values[1])
        return column.in_(values) if operator == "inq" else column.not_in(values)
    value = _value(operand, where, kind)
    if operator is None:
        return column.is_(None) if value is None else column == value
    if operator == "neq":
        return column.is_not(None) if value is None else column != value
    return {
        "lt": column < value,
        "lte": column <= value,
        "gt": column > value,
        "gte": column >= value,
    }[operator]


def _bool_field(operator: str | None, operand: Any, where: str) -> ColumnElement[bool]:
    """``isPublic``, the one true/false field: every row this API gives is public."""
    if operator not in (None, "neq", "inq", "nin"):
        raise BadRequest(f"{where}: only equality, neq, inq and nin apply to true/false")
    wanted = {
        _value(v, where, "bool") for v in (operand if isinstance(operand, list) else [operand])
    }
    matches = (True in wanted) != (operator in ("neq", "nin"))
    return true() if matches else false()


def _parameter_value(
    columns: tuple[Any, Any], operator: str | None, operand: Any, where: str, context: Context
) -> ColumnElement[bool]:
    """A parameter's ``value``: a number (in the unit in force, compared in SI) or text."""
    numeric, text = columns
    operands = operand if isinstance(operand, list) else [operand]
    ranged = operator in ("lt", "lte", "gt", "gte", "between")
    # a range is numeric (the portal sends ["0", "7300"]); so is a number, or a unit in force
    numbers = [v if not isinstance(v, str) else _number(v) for v in operands]
    is_numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers) and (
        ranged or context.unit is not None or not any(isinstance(v, str) for v in operands)
    )
    if not is_numeric:  # text, compared as text (a range of strings is lexicographic)
        return _apply(text, operator, operand, where, "text", context.dialect)  # type: ignore[no-any-return]
    unit = context.unit
    if unit is None:
        shaped = numbers if isinstance(operand, list) else numbers[0]
        return _apply(numeric, operator, shaped, where, "number", context.dialect)  # type: ignore[no-any-return]
    si_value = numeric * ParameterType.siFactor + ParameterType.siOffset
    converted = [unit.to_si(float(v)) for v in numbers]  # type: ignore[arg-type]
    if operator in (None, "neq", "inq", "nin"):
        near = or_(*(si_value.between(*_tolerance(v)) for v in converted))
        return not_(near) if operator in ("neq", "nin") else near
    shaped = converted if operator == "between" else converted[0]
    return _apply(si_value, operator, shaped, where, "number", context.dialect)  # type: ignore[no-any-return]


def _tolerance(value: float) -> tuple[float, float]:
    spread = abs(value) * SI_TOLERANCE or 1e-300
    return value - spread, value + spread


def _parameter_unit(
    column: Any, operator: str | None, operand: Any, where: str, context: Context
) -> ColumnElement[bool]:
    """A parameter's ``unit``: a unit pint knows matches every unit of the same quantity."""
    if operator is None and isinstance(operand, str):
        found = _si(operand)
        if found is not None:
            return or_(ParameterType.siUnits == found.units, column == operand)
    return _apply(column, operator, operand, where, "text", context.dialect)  # type: ignore[no-any-return]


def _text(entity: Entity, value: Any, where: str, dialect: str) -> ColumnElement[bool]:
    if not entity.text:
        raise BadRequest(
            f"{where}: text searches Document, Dataset, File, Instrument, Sample and "
            f"Technique, not {entity.name}"
        )
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{where}: needs a non-empty string")
    value = _value(value, where, "text")
    if len(value) > MAX_TEXT:
        raise BadRequest(f"{where}: {len(value)} characters, at most {MAX_TEXT}")
    pattern = escape_like(value.strip())
    return or_(*(like_clause(entity.fields[f], pattern, "ilike", dialect) for f in entity.text))


def _field(entity: Entity, key: str, condition: Any, where: str, context: Context) -> Any:
    column = entity.fields[key]
    operator, operand = _operator(condition, where)
    kind = _kind(column)
    if entity.name == "Parameter" and key == "value":
        return _parameter_value(column, operator, operand, where, context)
    if entity.name == "Parameter" and key == "unit":
        return _parameter_unit(column, operator, operand, where, context)
    if kind == "bool":
        return _bool_field(operator, operand, where)
    if kind == "list":
        positive = {"neq": None, "nin": "inq", "nlike": "like", "nilike": "ilike"}
        negative = operator in positive
        inner = positive.get(operator or "", operator) if negative else operator
        found = (
            column.pairs()
            .where(_apply(column.value, inner, operand, where, "list", context.dialect))
            .with_only_columns(column.key)
            .correlate(None)
        )
        clause = entity.id.in_(found)
        return not_(clause) if negative else clause
    return _apply(column, operator, operand, where, kind, context.dialect)


def compile_where(
    where: Any, entity_name: str, context: Context, path: str = "where"
) -> ColumnElement[bool]:
    """A LoopBack ``where`` object as a SQL clause on ``entity_name``'s rows.

    A conjunction of parameter conditions (the keys of one object, or the items of an
    ``and`` list) that names a ``unit`` compares its values in that unit, converted to
    SI on both sides.
    """
    if where is None:
        return true()
    if not isinstance(where, dict):
        raise BadRequest(f"{path} on {context.entities[entity_name].name}: must be a JSON object")
    entity = context.entities[entity_name]
    if entity.name == "Parameter" and isinstance(where.get("unit"), str):
        context = Context(context.entities, context.dialect, _si(where["unit"]), context.depth)
    clauses: list[ColumnElement[bool]] = []
    for key, condition in where.items():
        here = f"{path}.{key}"
        if key in ("and", "or"):
            if not isinstance(condition, list) or not condition:
                raise BadRequest(f"{here}: needs a non-empty list of conditions")
            unit = _si(_unit_of(condition)) if key == "and" and entity.name == "Parameter" else None
            inner = context.deeper(unit)
            parts = [
                compile_where(c, entity_name, inner, f"{here}[{n}]")
                for n, c in enumerate(condition)
            ]
            clauses.append(and_(*parts) if key == "and" else or_(*parts))
        elif key == "text":
            clauses.append(_text(entity, condition, here, context.dialect))
        elif key in entity.fields:
            clauses.append(_field(entity, key, condition, here, context))
        else:
            known = ", ".join([*entity.fields, "and", "or"] + (["text"] if entity.text else []))
            raise BadRequest(f"{path}: unknown field '{key}' on {entity.name}; known: {known}")
    return and_(*clauses) if clauses else true()


# --- display units --------------------------------------------------------------------


def display_units(where: Any) -> dict[str | None, str]:
    """Parameter name (``None``: any) -> the unit a ``where`` asks for, to show values in."""
    found: dict[str | None, str] = {}

    def walk(node: Any, depth: int = 0) -> None:
        if not isinstance(node, dict) or depth > MAX_DEPTH:
            return
        items = [node] + [c for c in node.get("and", []) if isinstance(c, dict)]
        unit = next((i["unit"] for i in items if isinstance(i.get("unit"), str)), None)
        name = next((i["name"] for i in items if isinstance(i.get("name"), str)), None)
        if unit and _si(unit) is not None:
            found.setdefault(name, unit)
        for key in ("and", "or"):
            for child in node.get(key, []) if isinstance(node.get(key), list) else []:
                walk(child, depth + 1)

    walk(where)
    return found


# --- fields, order --------------------------------------------------------------------


def parse_fields(
    value: Any, entity: Entity, where: str
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """LoopBack ``fields`` (``{"pid": true}``, ``{"summary": false}`` or ``["pid"]``)."""
    if value is None:
        return lambda item: item
    if isinstance(value, list):
        value = dict.fromkeys(value, True)
    if not isinstance(value, dict) or not all(isinstance(v, bool) for v in value.values()):
        raise BadRequest(f'{where}: a list of field names or {{"name": true|false}}')
    names = set(entity.fields) | {"isPublic", "score"}
    unknown = sorted(str(k) for k in value if k not in names)
    if unknown:
        raise BadRequest(f"{where}: unknown field '{unknown[0]}' on {entity.name}")
    shown = {k for k, v in value.items() if v}
    hidden = {k for k, v in value.items() if not v}
    relations = set(entity.relations)

    def select_fields(item: dict[str, Any]) -> dict[str, Any]:
        if shown:
            return {k: v for k, v in item.items() if k in shown or k in relations or k == "score"}
        return {k: v for k, v in item.items() if k not in hidden}

    return select_fields


def parse_order(value: Any, entity: Entity, where: str) -> list[Any]:
    """LoopBack ``order`` (``"title ASC"`` or a list of them) as ORDER BY terms."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    terms = []
    for item in items:
        if not isinstance(item, str) or not item.split():
            raise BadRequest(f'{where}: "field ASC" or "field DESC", or a list of them')
        name, *direction = item.split()
        column = entity.fields.get(name)
        if column is None or isinstance(column, Keywords) or _kind(column) == "bool":
            sortable = [
                k
                for k, c in entity.fields.items()
                if not isinstance(c, Keywords) and _kind(c) != "bool"
            ]
            raise BadRequest(f"{where}: cannot sort by '{name}'; sort by {', '.join(sortable)}")
        if isinstance(column, tuple):
            column = column[0]
        if len(direction) > 1 or (direction and direction[0].upper() not in ("ASC", "DESC")):
            raise BadRequest(f"{where}: '{item[:40]}': the direction is ASC or DESC")
        descending = bool(direction) and direction[0].upper() == "DESC"
        terms.append(column.desc() if descending else column.asc())
    return terms


# --- include --------------------------------------------------------------------------


@dataclass(frozen=True)
class Include:
    """A parsed ``include`` item.

    Attributes
    ----------
    relation
        The relation's name on the parent class.
    clause
        Which children it keeps (its scope's ``where``, and its restricting includes).
    restricts
        Whether a parent needs a kept child to stay in the results.
    nested
        Its scope's includes.
    """

    relation: str
    clause: ColumnElement[bool]
    restricts: bool
    nested: tuple[Include, ...]
    fields: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda item: item)
    order: tuple[Any, ...] = ()
    limit: int = MAX_LIMIT
    skip: int = 0
    units: dict[str | None, str] = field(default_factory=dict)


def _items(value: Any, where: str) -> list[dict[str, Any]]:
    """``include`` in any of LoopBack's forms as ``{"relation", "scope"}`` objects."""
    if value is None:
        return []
    if isinstance(value, str):
        return [{"relation": value}]
    if isinstance(value, list):
        return [item for v in value for item in _items(v, where)]
    if isinstance(value, dict):
        if "relation" in value:
            if not isinstance(value["relation"], str):
                raise BadRequest(f"{where}.relation: must be a relation name")
            unknown = sorted(set(value) - {"relation", "scope"})
            if unknown:
                raise BadRequest(f"{where}: unknown key '{unknown[0]}'; use relation and scope")
            return [value]
        # LoopBack's {"members": "person"} form: relation -> nested include
        return [{"relation": k, "scope": {"include": v}} for k, v in value.items()]
    raise BadRequest(f'{where}: relation names, or {{"relation": ..., "scope": {{...}}}} objects')


def link(parent: Entity, relation_name: str, child: Entity, clause: ColumnElement[bool]) -> Any:
    """Parents of ``parent``'s class with a public child in ``relation_name`` meeting ``clause``.

    Stated for public parents (every query keeps to them). A correlated ``EXISTS``, so
    that a page of parents is found by testing parents one by one until the page is full
    (instead of listing every matching child first); an ``IN`` list where the relation's
    own statement reads the parent's table (an ``EXISTS`` would correlate to it).
    """
    relation = parent.relations[relation_name]
    public = () if relation.inherits else (child.public,)  # the parent is a public row
    children = relation.pairs().where(clause, *public)
    # correlation named, never automatic: a relation's statement may read a table that
    # the statement it is placed in reads too, and must keep its own rows of it
    if parent.model.__table__ in _tables(children):
        return parent.id.in_(children.with_only_columns(relation.key).correlate(None))
    correlated = children.where(relation.key == parent.id).correlate(parent.model)
    return correlated.with_only_columns(relation.key).exists()


def _tables(statement: Any) -> set[Any]:
    """The tables in a statement's FROM list, joins included."""
    found: set[Any] = set()
    for source in statement.get_final_froms():
        found |= set(surface_selectables_only(source))
    return {t for t in found if hasattr(t, "primary_key") and not hasattr(t, "element")}


def parse_includes(
    value: Any,
    entity_name: str,
    context: Context,
    *,
    where: str = "include",
) -> tuple[Include, ...]:
    """``include``, with the reference's meaning of a scope.

    As the PaNOSC reference's sanitising of results (an inner join), an include whose
    scope has a ``where``, or a restricting include below it, keeps only parents with at
    least one such child, and lists only the children its scope keeps. The reference
    also drops parents without children when a first-level scope has an ``include`` and
    no condition anywhere; panhub does not: a proposal with no recorded members still
    shows when the portal includes members with their persons.
    """
    if context.depth > MAX_DEPTH:
        raise BadRequest(f"{where}: scopes nested more than {MAX_DEPTH} deep")
    entity = context.entities[entity_name]
    parsed = []
    for n, item in enumerate(_items(value, where)):
        here = f"{where}[{n}]"
        relation = entity.relations.get(item["relation"])
        if relation is None:
            known = ", ".join(entity.relations) or "none"
            raise BadRequest(
                f"{here}: unknown relation '{item['relation']}' on {entity.name}; known: {known}"
            )
        scope = item.get("scope") or {}
        if not isinstance(scope, dict):
            raise BadRequest(f"{here}.scope: must be a JSON object")
        unknown = sorted(set(scope) - set(SCOPE_KEYS))
        if unknown:
            raise BadRequest(
                f"{here}.scope: unknown key '{unknown[0]}'; known: {', '.join(SCOPE_KEYS)}"
            )
        target = context.entities[relation.target]
        inner = Context(context.entities, context.dialect, None, context.depth + 1)
        nested = parse_includes(
            scope.get("include"), relation.target, inner, where=f"{here}.scope.include"
        )
        clause = compile_where(scope.get("where"), relation.target, inner, f"{here}.scope.where")
        for child in nested:
            if child.restricts:
                clause = and_(
                    clause,
                    link(
                        target,
                        child.relation,
                        context.entities[target.relations[child.relation].target],
                        child.clause,
                    ),
                )
        restricts = "where" in scope or any(c.restricts for c in nested)
        parsed.append(
            Include(
                relation=item["relation"],
                clause=clause,
                restricts=restricts,
                nested=nested,
                fields=parse_fields(scope.get("fields"), target, f"{here}.scope.fields"),
                order=tuple(parse_order(scope.get("order"), target, f"{here}.scope.order")),
                limit=parse_count(scope.get("limit"), f"{here}.scope.limit", MAX_LIMIT),
                skip=parse_count(scope.get("skip"), f"{here}.scope.skip", 0),
                units=display_units(scope.get("where")),
            )
        )
    return tuple(parsed)


def check_size(includes: tuple[Include, ...]) -> None:
    """A 400 when a filter has more than :data:`MAX_INCLUDES` include items in all."""

    def count(items: tuple[Include, ...]) -> int:
        return sum(1 + count(i.nested) for i in items)

    total = count(includes)
    if total > MAX_INCLUDES:
        raise BadRequest(f"include: {total} items in all, at most {MAX_INCLUDES}")
