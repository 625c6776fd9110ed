"""One PaNOSC call: a list, a count, one item by pid, or a dataset's files; public rows only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from panhub_catalogue.errors import BadRequest, NotFound
from panhub_catalogue.model import Dataset, InvestigationTechnique, Technique
from panhub_catalogue.panosc.entities import Entity, make_entities
from panhub_catalogue.panosc.filters import (
    MAX_LIMIT,
    Context,
    Include,
    check_size,
    compile_where,
    link,
    parse_count,
    parse_fields,
    parse_filter,
    parse_includes,
    parse_json,
    parse_order,
)
from panhub_catalogue.panosc.scoring import (
    UNRANKED,
    make_ranking,
    present_words,
    query_words,
    scale,
    share,
    stream_all_words,
    weight,
    word_clause,
)
from panhub_catalogue.units import si_map, tidy

#: Most included rows one answer holds (a filter asking for more is a 400, not a crash).
MAX_ITEMS = 100_000
#: The API's roots: path name -> PaNOSC class.
ROOTS = {"Documents": "Document", "Datasets": "Dataset", "Instruments": "Instrument"}


@dataclass(frozen=True)
class Call:
    """One request: ``GET <kind>[/<pid>[/files]][/count]``, with its query parameters."""

    kind: str
    pid: str | None = None
    files: bool = False
    count: bool = False
    filter: str | None = None
    where: str | None = None
    query: str | None = None


def _show_in(units: dict[str | None, str], row: Any, item: dict[str, Any]) -> None:
    """A parameter's value in the unit its include's ``where`` asked for, if convertible."""
    wanted = units.get(row.type.name) or units.get(None)
    kind = row.type
    if not wanted or row.numericValue is None or kind.siUnits is None or kind.siFactor is None:
        return
    target = si_map(wanted)
    if target.units != kind.siUnits:
        return
    item["value"] = tidy(target.from_si(row.numericValue * kind.siFactor + (kind.siOffset or 0)))
    item["unit"] = wanted


class Renderer:
    """Turns rows into PaNOSC JSON with their includes, one query per relation and page."""

    def __init__(self, session: Session, entities: dict[str, Entity]) -> None:
        self.session = session
        self.entities = entities
        self.budget = MAX_ITEMS

    def children(
        self, entity: Entity, include: Include, parent_ids: list[int]
    ) -> list[tuple[int, Any]]:
        """``(parent id, child row)`` pairs of ``include``, in order, per-parent paged."""
        relation = entity.relations[include.relation]
        target = self.entities[relation.target]
        ranked = (
            relation.pairs()
            .where(relation.key.in_(parent_ids), include.clause)
            .where(*(() if relation.inherits else (target.public,)))
            .with_only_columns(
                relation.key.label("parent"),
                target.id.label("child"),
                func.row_number()
                .over(partition_by=relation.key, order_by=[*include.order, target.id])
                .label("rank"),
            )
            .subquery()
        )
        limit = 1 if relation.single else include.limit
        pairs = self.session.execute(
            select(ranked.c.parent, ranked.c.child)
            .where(ranked.c.rank > include.skip, ranked.c.rank <= include.skip + limit)
            .order_by(ranked.c.parent, ranked.c.rank)
            .limit(self.budget + 1)
        ).all()
        self.budget -= len(pairs)
        if self.budget < 0:
            raise BadRequest(
                f"include: the answer would hold more than {MAX_ITEMS} included items; "
                "ask for fewer (limit, or limit in the include's scope)"
            )
        wanted = {child for _, child in pairs}
        rows = (
            {
                row.id: row
                for row in self.session.scalars(target.rows().where(target.id.in_(wanted)))
            }
            if wanted
            else {}
        )
        return [(parent, rows[child]) for parent, child in pairs]

    def render(
        self, entity_name: str, rows: list[Any], includes: tuple[Include, ...]
    ) -> list[dict[str, Any]]:
        """JSON of ``rows`` of ``entity_name`` with their ``includes``."""
        entity = self.entities[entity_name]
        items = [entity.to_json(row) for row in rows]
        if not rows:
            return items
        ids = [row.id for row in rows]
        if entity_name == "Document":
            self.add_keywords(ids, items)
        by_relation: dict[str, list[Include]] = defaultdict(list)
        for include in includes:
            by_relation[include.relation].append(include)
        position = {row_id: n for n, row_id in enumerate(ids)}
        for name, group in by_relation.items():
            relation = entity.relations[name]
            # children of every parent, each with the includes that chose it
            found: dict[int, dict[int, tuple[Any, tuple[int, ...]]]] = defaultdict(dict)
            for n, include in enumerate(group):
                for parent, child in self.children(entity, include, ids):
                    _, chosen_by = found[parent].get(child.id, (child, ()))
                    found[parent][child.id] = (child, (*chosen_by, n))
            # rendered in one batch per set of includes (almost always one), not per row
            batches: dict[tuple[int, ...], dict[int, Any]] = defaultdict(dict)
            for of_parent in found.values():
                for row, chosen_by in of_parent.values():
                    batches[chosen_by][row.id] = row
            rendered: dict[tuple[tuple[int, ...], int], dict[str, Any]] = {}
            for chosen_by, batch in batches.items():
                used = [group[n] for n in chosen_by]
                rows_of = list(batch.values())
                nested = tuple(i for include in used for i in include.nested)
                for child, item in zip(
                    rows_of, self.render(relation.target, rows_of, nested), strict=True
                ):
                    if self.entities[relation.target].name == "Parameter":
                        for include in used:
                            _show_in(include.units, child, item)
                    rendered[chosen_by, child.id] = used[0].fields(item)
            for parent_id, of_parent in found.items():
                values = [rendered[chosen_by, row.id] for row, chosen_by in of_parent.values()]
                items[position[parent_id]][name] = values[0] if relation.single else values
            if not relation.single:
                for item in items:
                    item.setdefault(name, [])
        # LoopBack leaves out what a row does not have: no null for a string or an object
        return [{k: v for k, v in item.items() if v is not None} for item in items]

    def add_keywords(self, ids: list[int], items: list[dict[str, Any]]) -> None:
        """A document's keywords: the names of its techniques."""
        found: dict[int, list[str]] = defaultdict(list)
        for investigation_id, name in self.session.execute(
            select(InvestigationTechnique.investigation_id, Technique.name)
            .join(Technique, Technique.id == InvestigationTechnique.technique_id)
            .where(InvestigationTechnique.investigation_id.in_(ids))
            .order_by(Technique.name)
        ):
            found[investigation_id].append(name)
        for row_id, item in zip(ids, items, strict=True):
            item["keywords"] = found.get(row_id, [])


@lru_cache(maxsize=4)
def _entities(now: datetime, license: str | None) -> dict[str, Entity]:
    """:func:`make_entities`, shared by the requests of one second (built in ~10 ms)."""
    return make_entities(now, license)


def _files_of(session: Session, entities: dict[str, Entity], pid: str) -> Any:
    """The clause on files of the public dataset ``pid`` (404 when there is none)."""
    dataset = entities["Dataset"]
    found = session.scalar(
        select(Dataset.id).where(dataset.public, dataset.fields["pid"] == pid).limit(1)
    )
    if found is None:
        raise NotFound(f"no Dataset with pid {pid}")
    return entities["File"].model.dataset_id == found


def search(session: Session, call: Call, now: datetime, license: str | None = None) -> Any:
    """Answer one PaNOSC call (see :class:`Call`) over the public rows at ``now``."""
    entities = _entities(now.replace(microsecond=0), license)
    dialect = session.get_bind().dialect.name
    context = Context(entities, dialect)
    spec = parse_filter(call.filter)
    entity_name = "File" if call.files else ROOTS[call.kind]
    entity = entities[entity_name]
    where = parse_json(call.where, "where") if call.where is not None else spec.get("where")
    clause = compile_where(where, entity_name, context)
    includes = parse_includes(spec.get("include"), entity_name, context)
    check_size(includes)
    for include in includes:
        if include.restricts:
            target = entities[entity.relations[include.relation].target]
            clause = and_(clause, link(entity, include.relation, target, include.clause))
    statement = entity.rows().where(entity.public, clause)
    if call.files:
        statement = statement.where(_files_of(session, entities, call.pid or ""))
    elif call.pid is not None:
        statement = statement.where(entity.fields["pid"] == call.pid)
    if call.count:
        total = session.scalar(select(func.count()).select_from(statement.subquery()))
        return {"count": int(total or 0)}
    order = parse_order(spec.get("order"), entity, "filter.order")
    fields = parse_fields(spec.get("fields"), entity, "filter.fields")
    limit = parse_count(spec.get("limit"), "filter.limit", MAX_LIMIT)
    skip = parse_count(spec.get("skip"), "filter.skip", 0)
    words = _words(call, spec) if entity_name != "File" else ()
    rows, scores = _page(session, statement, entity, call.kind, words, order, limit, skip, dialect)
    items = Renderer(session, entities).render(entity_name, rows, includes)
    items = [fields(item) for item in items]
    if call.pid is not None and not call.files:
        if not items:
            raise NotFound(f"no {entity.name} with pid {call.pid}")
        return items[0]
    if entity_name != "File":
        for item, score in zip(items, scores, strict=True):
            item["score"] = score
    return items


def _words(call: Call, spec: dict[str, Any]) -> tuple[str, ...]:
    """The keywords of ``?query=`` or of the filter's ``query`` (where the portal puts them)."""
    inside = spec.get("query")
    if call.query is not None and inside is not None and call.query != inside:
        raise BadRequest("query: given twice, differently (as a parameter and in the filter)")
    return query_words(call.query if call.query is not None else inside)


def _page(
    session: Session,
    statement: Any,
    entity: Entity,
    kind: str,
    words: tuple[str, ...],
    order: list[Any],
    limit: int,
    skip: int,
    dialect: str,
) -> tuple[list[Any], list[float]]:
    """A page of rows and their scores: by ``order``, else by relevance, else by id."""
    if not words:
        rows = list(
            session.scalars(statement.order_by(*order, entity.id).offset(skip).limit(limit))
        )
        return rows, [UNRANKED] * len(rows)
    corpus = entity.rows().where(entity.public)

    def weights() -> dict[str, float]:
        return {w: weight(session, corpus, kind, w, dialect) for w in words}

    def with_every(present: tuple[str, ...]) -> list[Any]:
        """The first rows with every word of ``present``, by id."""
        if kind == "Documents" and dialect == "sqlite":
            streamed = stream_all_words(session, statement, present, skip + limit)
            if streamed is not None:
                return streamed
        every = and_(*(word_clause(kind, w, dialect) for w in present))
        return list(session.scalars(statement.where(every).order_by(entity.id).limit(skip + limit)))

    # the rows with every word rank first, at the top score: when there are enough of
    # them for the page, the rest need no ranking (and no word needs counting)
    if not order and len(best := with_every(words)) == skip + limit:
        return best[skip:], [scale(1.0)] * limit
    present = present_words(session, statement, kind, words, dialect)
    if not present:
        return [], []
    if not order and present != words and len(best := with_every(present)) == skip + limit:
        # as many rows with every word that some row has: they rank first, at one score
        return best[skip:], [scale(share(weights(), present))] * limit
    ranking = make_ranking(weights(), kind, present, dialect)
    score = ranking.score.label("score")
    ranked = statement.where(ranking.candidates).add_columns(score)
    ranked = (
        ranked.order_by(*order, entity.id) if order else ranked.order_by(score.desc(), entity.id)
    )
    found = session.execute(ranked.offset(skip).limit(limit)).all()
    return [row[0] for row in found], [scale(float(row[1])) for row in found]
