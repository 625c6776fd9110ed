"""The OAI-PMH core's source over the database: keyset pages of the public items.

:class:`CatalogueSource` answers :class:`panhub_catalogue.publish.oaipmh.Source` for one
request: counts and pages in SQL (``WHERE id > <last id> ORDER BY id LIMIT n``, never an
``OFFSET``, never every row), the sets of a page's items in one query per relation, and
the page's documents in a few more (:func:`~panhub_catalogue.publish.items.load_documents`).
Only public items are ever read (:mod:`panhub_catalogue.publish.items`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from panhub_catalogue.model import (
    Instrument,
    InvestigationInstrument,
    InvestigationTechnique,
    Technique,
)
from panhub_catalogue.publish.document import DocumentSettings
from panhub_catalogue.publish.items import (
    ALL_KINDS,
    INVESTIGATION,
    Kind,
    collection_links,
    load_documents,
)
from panhub_catalogue.publish.oai_requests import (
    DOI_SET,
    KINDS,
    TYPE_SETS,
    SetFilter,
    make_set_value,
    make_technique_value,
)
from panhub_catalogue.publish.oai_tokens import Position, Selection
from panhub_catalogue.publish.oaipmh import METADATA_FORMATS, Header, Item

#: The link table of each set family and its value column.
FAMILIES: dict[str, tuple[Any, Any]] = {
    "beamline": (InvestigationInstrument, InvestigationInstrument.instrument_id),
    "technique": (InvestigationTechnique, InvestigationTechnique.technique_id),
}


@dataclass(frozen=True)
class Vocabulary:
    """Beamlines and techniques by id, as setSpec values (a handful of rows each)."""

    values: dict[str, dict[int, str]]

    @classmethod
    def load(cls, session: Session) -> Vocabulary:
        """Read both tables."""
        instruments = session.execute(select(Instrument.id, Instrument.name))
        techniques = session.execute(select(Technique.id, Technique.name, Technique.pid))
        return cls(
            {
                "beamline": {i: make_set_value(n) for i, n in instruments},
                "technique": {i: make_technique_value(n, p) for i, n, p in techniques},
            }
        )


class CatalogueSource:
    """The public items of the catalogue, for one OAI-PMH request at ``now``.

    ``settings`` is what documents say of the publisher (:class:`DocumentSettings`).
    """

    def __init__(self, session: Session, now: datetime, settings: DocumentSettings) -> None:
        self.session = session
        self.now = now
        self.settings = settings
        self._vocabulary: Vocabulary | None = None

    @property
    def vocabulary(self) -> Vocabulary:
        if self._vocabulary is None:
            self._vocabulary = Vocabulary.load(self.session)
        return self._vocabulary

    def kinds(self, sets: SetFilter | None) -> tuple[Kind, ...]:
        """The kinds a set may hold (``type:session`` holds sessions only)."""
        if sets is not None and sets.family == "type" and sets.value is not None:
            return tuple(k for k in ALL_KINDS if TYPE_SETS[k.name] == f"type:{sets.value}")
        return ALL_KINDS

    def in_set(self, kind: Kind, sets: SetFilter) -> ColumnElement[bool]:
        """Items of a beamline or technique set (a collection: through its sessions)."""
        table, column = FAMILIES[sets.family]
        values = self.vocabulary.values[sets.family]
        ids = [i for i, v in values.items() if sets.value is None or v == sets.value]
        sessions = select(table.investigation_id).where(column.in_(ids))
        if kind.name == INVESTIGATION:
            return kind.id.in_(sessions)  # type: ignore[no-any-return]
        links = collection_links()
        having = select(links.c.collection_id).where(links.c.investigation_id.in_(sessions))
        return kind.id.in_(having)  # type: ignore[no-any-return]

    def where(
        self, kind: Kind, selection: Selection, sets: SetFilter | None
    ) -> list[ColumnElement[bool]]:
        """WHERE clauses of the items of ``kind`` that ``selection`` and ``sets`` hold."""
        clauses = [*kind.public(self.now), *kind.within(selection.since, selection.until)]
        needs_doi = METADATA_FORMATS[selection.prefix].needs_doi
        if needs_doi or (sets is not None and sets.family == DOI_SET):
            clauses.append(kind.has_doi())
        if sets is not None and sets.family in FAMILIES:
            clauses.append(self.in_set(kind, sets))
        return clauses

    # --- the Source protocol -----------------------------------------------------------

    def get_earliest(self) -> datetime | None:
        found = [
            self.session.scalar(select(func.min(k.datestamp())).where(*k.public(self.now)))
            for k in ALL_KINDS
        ]
        moments = [d for d in found if d is not None]
        return min(moments) if moments else None

    def list_sets(self) -> list[tuple[str, str]]:
        instruments = self.session.execute(select(Instrument.name).order_by(Instrument.name))
        sets = [(f"beamline:{make_set_value(n)}", f"Beamline {n}") for (n,) in instruments]
        techniques = self.session.execute(
            select(Technique.name, Technique.pid).order_by(Technique.name)
        )
        sets += [(f"technique:{make_technique_value(n, p)}", n) for n, p in techniques]
        return list(dict.fromkeys(sets))

    def count(self, selection: Selection, sets: SetFilter | None) -> int:
        total = 0
        for kind in self.kinds(sets):
            query = select(func.count()).select_from(kind.model)
            total += int(self.session.scalar(query.where(*self.where(kind, selection, sets))) or 0)
        return total

    def list_items(
        self,
        selection: Selection,
        sets: SetFilter | None,
        after: Position | None,
        limit: int,
        documents: bool,
    ) -> list[Item]:
        items: list[Item] = []
        for kind in self.kinds(sets):
            rank = KINDS.index(kind.name)
            if (after is not None and after[0] > rank) or len(items) >= limit:
                continue
            last = after[1] if after is not None and after[0] == rank else 0
            where = [*self.where(kind, selection, sets), kind.id > last]
            items += self.read_page(kind, where, limit - len(items), documents)
        return items

    def get_item(self, kind: str, item_id: int) -> Item | None:
        (found,) = [k for k in ALL_KINDS if k.name == kind]
        selection = Selection("oai_dc", None, None, self.now, self.now)
        where = [*self.where(found, selection, None), found.id == item_id]
        page = self.read_page(found, where, 1, True)
        return page[0] if page else None

    # --- pages ---------------------------------------------------------------------------

    def read_page(
        self, kind: Kind, where: list[ColumnElement[bool]], limit: int, documents: bool
    ) -> list[Item]:
        """Up to ``limit`` items of ``kind`` matching ``where``, by id, with their sets
        and, when ``documents``, their DataCite documents (not for deleted ones)."""
        query = (
            select(kind.id, kind.datestamp(), kind.has_doi(), kind.deleted())
            .where(*where)
            .order_by(kind.id)
            .limit(limit)
        )
        rows = self.session.execute(query).all()
        ids = [int(r[0]) for r in rows]
        sets = self.get_sets(kind, ids)
        shown = [int(r[0]) for r in rows if not r[3]] if documents else []
        loaded = load_documents(self.session, kind.name, shown, self.settings, self.now)
        items = []
        for item_id, datestamp, has_doi, deleted in rows:
            specs = (TYPE_SETS[kind.name], *sets.get(item_id, ()), *([DOI_SET] if has_doi else []))
            moment = datestamp.replace(microsecond=0)
            header = Header(kind.name, item_id, moment, specs, bool(deleted), bool(has_doi))
            items.append(Item(header, loaded.get(item_id)))
        return items

    def get_sets(self, kind: Kind, ids: list[int]) -> dict[int, list[str]]:
        """Beamline and technique setSpecs of each item (a collection: its sessions')."""
        if not ids:
            return {}
        found: dict[int, set[str]] = defaultdict(set)
        for family, (table, column) in FAMILIES.items():
            values = self.vocabulary.values[family]
            if kind.name == INVESTIGATION:
                query = select(table.investigation_id, column).where(
                    table.investigation_id.in_(ids)
                )
            else:
                links = collection_links(ids)
                query = (
                    select(links.c.collection_id, column)
                    .join(table, table.investigation_id == links.c.investigation_id)
                    .where(links.c.collection_id.in_(ids))
                )
            for item_id, value_id in self.session.execute(query):
                found[int(item_id)].add(f"{family}:{values[value_id]}")
        return {item_id: sorted(specs) for item_id, specs in found.items()}
