"""The catalogue's public items and their DataCite documents, read from the database.

An item is an experiment session (an investigation) or a data collection. The public
ones are those the visibility rule shows to everyone (:mod:`panhub_catalogue.visibility`:
released): a session once its release date has passed, a collection with a DOI once
every session its data comes from is released. :class:`CatalogueSource` answers the
OAI-PMH core's questions (:class:`panhub_catalogue.publish.oaipmh.Source`) with keyset
pages in SQL (``id > last id ... LIMIT n``), one query per relation per page, never
every row at once; :func:`load_documents` builds the documents of a page
(:mod:`panhub_catalogue.publish.document`).

An item's datestamp is the last change of what is published about it: the moment it
became public (its release date), or a later change of the metadata when the catalogue
records one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, null, select
from sqlalchemy.orm import Session

from panhub_catalogue.citation import Document
from panhub_catalogue.model import (
    Affiliation,
    DataCollection,
    DataCollectionDatafile,
    DataCollectionDataset,
    Datafile,
    Dataset,
    Facility,
    Instrument,
    Investigation,
    InvestigationInstrument,
    InvestigationTechnique,
    InvestigationUser,
    Technique,
    User,
)
from panhub_catalogue.publish.document import Affiliation as DocumentAffiliation
from panhub_catalogue.publish.document import (
    CollectionRecord,
    Content,
    Creator,
    DocumentSettings,
    SessionRecord,
    build_collection_document,
    build_investigation_document,
)
from panhub_catalogue.publish.document import Technique as DocumentTechnique
from panhub_catalogue.publish.oai_tokens import Position, Selection
from panhub_catalogue.publish.oaipmh import (
    DOI_SET,
    KINDS,
    METADATA_FORMATS,
    TYPE_SETS,
    Header,
    Item,
    SetFilter,
    make_set_value,
    make_technique_value,
)
from panhub_catalogue.visibility import released_clause

INVESTIGATION, COLLECTION = KINDS


def session_datestamp() -> Any:
    """An investigation's datestamp: its release date (when it became public)."""
    return Investigation.releaseDate


def public_sessions(now: datetime) -> list[ColumnElement[bool]]:
    """The visibility rule for everyone: released."""
    return [released_clause(now)]


def collection_links() -> Any:
    """``(collection id, investigation id)`` of every collection's data, as a subquery."""
    via_datasets = select(
        DataCollectionDataset.data_collection_id.label("collection_id"),
        Dataset.investigation_id.label("investigation_id"),
    ).join(Dataset, Dataset.id == DataCollectionDataset.dataset_id)
    via_files = (
        select(
            DataCollectionDatafile.data_collection_id.label("collection_id"),
            Dataset.investigation_id.label("investigation_id"),
        )
        .join(Datafile, Datafile.id == DataCollectionDatafile.datafile_id)
        .join(Dataset, Dataset.id == Datafile.dataset_id)
    )
    return via_datasets.union(via_files).subquery()


def collection_release() -> ColumnElement[Any]:
    """When all of a collection's data is public: the latest release of its sessions
    (``NULL`` while one has none, or when it holds no data)."""
    links = collection_links()
    has_unset = exists(
        select(Investigation.id)
        .join(links, links.c.investigation_id == Investigation.id)
        .where(links.c.collection_id == DataCollection.id, Investigation.releaseDate.is_(None))
    )
    latest = (
        select(func.max(Investigation.releaseDate))
        .join(links, links.c.investigation_id == Investigation.id)
        .where(links.c.collection_id == DataCollection.id)
        .scalar_subquery()
    )
    return case((has_unset, null()), else_=latest)


def collection_datestamp() -> ColumnElement[Any]:
    """A collection's datestamp: when all its data became public."""
    return collection_release()


def public_collections(now: datetime) -> list[ColumnElement[bool]]:
    """Collections with a DOI whose data is all released."""
    release = collection_release()
    return [DataCollection.doi.is_not(None), release.is_not(None), release <= now]


@dataclass(frozen=True)
class Vocabulary:
    """Beamlines and techniques by id, with their setSpec values (a handful of rows)."""

    beamlines: dict[int, str]
    techniques: dict[int, str]

    @classmethod
    def load(cls, session: Session) -> Vocabulary:
        """Read both tables."""
        instruments = session.execute(select(Instrument.id, Instrument.name))
        techniques = session.execute(select(Technique.id, Technique.name, Technique.pid))
        return cls(
            {i: make_set_value(n) for i, n in instruments},
            {i: make_technique_value(n, p) for i, n, p in techniques},
        )


class CatalogueSource:
    """The OAI-PMH core's :class:`~panhub_catalogue.publish.oaipmh.Source` for one request.

    Parameters
    ----------
    session
        The database session of the request.
    now
        The request's time (the visibility rule's ``now``).
    settings
        What documents say of the publisher (:class:`DocumentSettings`).
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

    # --- the clauses of a selection ----------------------------------------------------

    def _kinds(self, sets: SetFilter | None) -> tuple[str, ...]:
        if sets is not None and sets.family == "type" and sets.value is not None:
            return tuple(k for k, spec in TYPE_SETS.items() if spec == f"type:{sets.value}")
        return KINDS

    def _set_ids(self, sets: SetFilter) -> tuple[Any, list[int]]:
        """The link table and value ids of a beamline or technique set."""
        table: Any
        if sets.family == "beamline":
            table, column, values = (
                InvestigationInstrument,
                InvestigationInstrument.instrument_id,
                self.vocabulary.beamlines,
            )
        else:
            table, column, values = (
                InvestigationTechnique,
                InvestigationTechnique.technique_id,
                self.vocabulary.techniques,
            )
        ids = [i for i, v in values.items() if sets.value is None or v == sets.value]
        return (select(table.investigation_id).where(column.in_(ids))), ids

    def where(
        self, kind: str, selection: Selection, sets: SetFilter | None
    ) -> list[ColumnElement[bool]]:
        """WHERE clauses of the items of ``kind`` that ``selection`` holds."""
        if kind == INVESTIGATION:
            clauses, datestamp, doi, item_id = (
                public_sessions(self.now),
                session_datestamp(),
                Investigation.doi,
                Investigation.id,
            )
        else:
            clauses, datestamp, doi, item_id = (
                public_collections(self.now),
                collection_datestamp(),
                DataCollection.doi,
                DataCollection.id,
            )
        clauses.append(datestamp <= selection.until)
        if selection.since is not None:
            clauses.append(datestamp >= selection.since)
        if METADATA_FORMATS[selection.prefix].needs_doi or (
            sets is not None and sets.family == DOI_SET
        ):
            clauses.append(doi.is_not(None))
        if sets is not None and sets.family in ("beamline", "technique"):
            having, _ = self._set_ids(sets)
            if kind == INVESTIGATION:
                clauses.append(item_id.in_(having))
            else:
                links = collection_links()
                clauses.append(
                    item_id.in_(
                        select(links.c.collection_id).where(links.c.investigation_id.in_(having))
                    )
                )
        return clauses

    # --- the Source protocol -----------------------------------------------------------

    def get_earliest(self) -> datetime | None:
        sessions = self.session.scalar(
            select(func.min(session_datestamp())).where(*public_sessions(self.now))
        )
        collections = self.session.scalar(
            select(func.min(collection_datestamp())).where(*public_collections(self.now))
        )
        found = [d for d in (sessions, collections) if d is not None]
        return min(found) if found else None

    def list_sets(self) -> list[tuple[str, str]]:
        rows = self.session.execute(select(Instrument.name).order_by(Instrument.name))
        sets = [(f"beamline:{make_set_value(n)}", f"Beamline {n}") for (n,) in rows]
        techniques = self.session.execute(
            select(Technique.name, Technique.pid).order_by(Technique.name)
        )
        sets += [(f"technique:{make_technique_value(n, p)}", n) for n, p in techniques]
        return sets

    def count(self, selection: Selection, sets: SetFilter | None) -> int:
        total = 0
        for kind in self._kinds(sets):
            model = Investigation if kind == INVESTIGATION else DataCollection
            where = self.where(kind, selection, sets)
            total += int(
                self.session.scalar(select(func.count()).select_from(model).where(*where)) or 0
            )
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
        for kind in self._kinds(sets):
            rank = KINDS.index(kind)
            if after is not None and after[0] > rank:
                continue
            last = after[1] if after is not None and after[0] == rank else 0
            if len(items) >= limit:
                break
            items += self._page(
                kind, self.where(kind, selection, sets), last, limit - len(items), documents
            )
        return items

    def get_item(self, kind: str, item_id: int) -> Item | None:
        selection = Selection("oai_dc", None, None, self.now, self.now)
        where = self.where(kind, selection, None)
        model = Investigation if kind == INVESTIGATION else DataCollection
        found = self._page(kind, [*where, model.id == item_id], item_id - 1, 1, True)
        return found[0] if found else None

    # --- pages ---------------------------------------------------------------------------

    def _page(
        self, kind: str, where: list[ColumnElement[bool]], last: int, limit: int, documents: bool
    ) -> list[Item]:
        if kind == INVESTIGATION:
            query = (
                select(Investigation.id, session_datestamp(), Investigation.doi)
                .where(*where, Investigation.id > last)
                .order_by(Investigation.id)
                .limit(limit)
            )
        else:
            query = (
                select(DataCollection.id, collection_datestamp(), DataCollection.doi)
                .where(*where, DataCollection.id > last)
                .order_by(DataCollection.id)
                .limit(limit)
            )
        rows = self.session.execute(query).all()
        ids = [int(r[0]) for r in rows]
        sets = self._sets_of(kind, ids)
        loaded = (
            load_documents(self.session, kind, ids, self.settings, self.now) if documents else {}
        )
        return [
            Item(
                Header(
                    kind,
                    item_id,
                    datestamp.replace(microsecond=0),
                    (TYPE_SETS[kind], *sets.get(item_id, ()), *((DOI_SET,) if doi else ())),
                    has_doi=bool(doi),
                ),
                loaded.get(item_id),
            )
            for (item_id, datestamp, doi) in rows
        ]

    def _sets_of(self, kind: str, ids: list[int]) -> dict[int, list[str]]:
        """Beamline and technique setSpecs per item."""
        if not ids:
            return {}
        if kind == INVESTIGATION:
            owner: Any = InvestigationInstrument.investigation_id
            beamline_rows = self.session.execute(
                select(owner, InvestigationInstrument.instrument_id).where(owner.in_(ids))
            )
            technique_owner: Any = InvestigationTechnique.investigation_id
            technique_rows = self.session.execute(
                select(technique_owner, InvestigationTechnique.technique_id).where(
                    technique_owner.in_(ids)
                )
            )
        else:
            links = collection_links()
            beamline_rows = self.session.execute(
                select(links.c.collection_id, InvestigationInstrument.instrument_id)
                .join(
                    InvestigationInstrument,
                    InvestigationInstrument.investigation_id == links.c.investigation_id,
                )
                .where(links.c.collection_id.in_(ids))
            )
            technique_rows = self.session.execute(
                select(links.c.collection_id, InvestigationTechnique.technique_id)
                .join(
                    InvestigationTechnique,
                    InvestigationTechnique.investigation_id == links.c.investigation_id,
                )
                .where(links.c.collection_id.in_(ids))
            )
        found: dict[int, set[str]] = defaultdict(set)
        for item_id, value_id in beamline_rows:
            found[int(item_id)].add(f"beamline:{self.vocabulary.beamlines[value_id]}")
        for item_id, value_id in technique_rows:
            found[int(item_id)].add(f"technique:{self.vocabulary.techniques[value_id]}")
        return {item_id: sorted(specs) for item_id, specs in found.items()}


def load_documents(
    session: Session,
    kind: str,
    ids: Sequence[int],
    settings: DocumentSettings,
    now: datetime,
    full: Iterable[int] | None = None,
) -> dict[int, Document]:
    """The DataCite documents of these items, by id, built from their rows in batches.

    ``full``: the ids whose whole document the reader may see (default: all); the others
    get the citation-only document of an embargoed session.
    """
    if not ids:
        return {}
    if kind == INVESTIGATION:
        records = load_sessions(session, list(ids), now, full)
        return {r.id: build_investigation_document(r, settings, now) for r in records}
    collections = load_collections(session, list(ids), now)
    return {r.id: build_collection_document(r, settings, now) for r in collections}


# --- rows -> records (provisional: publish.rows of the doi branch replaces these) -------


def get_content(session: Session, ids: list[int]) -> dict[int, Content]:
    """Facility, beamlines, techniques, sizes and dates of investigations, by id."""
    beamlines: dict[int, list[str]] = defaultdict(list)
    for investigation_id, name in session.execute(
        select(InvestigationInstrument.investigation_id, Instrument.name)
        .join(Instrument, Instrument.id == InvestigationInstrument.instrument_id)
        .where(InvestigationInstrument.investigation_id.in_(ids))
        .order_by(Instrument.name)
    ):
        beamlines[investigation_id].append(name)
    techniques: dict[int, list[DocumentTechnique]] = defaultdict(list)
    for investigation_id, name, pid in session.execute(
        select(InvestigationTechnique.investigation_id, Technique.name, Technique.pid)
        .join(Technique, Technique.id == InvestigationTechnique.technique_id)
        .where(InvestigationTechnique.investigation_id.in_(ids))
        .order_by(Technique.name)
    ):
        techniques[investigation_id].append(DocumentTechnique(name, pid))
    rows = session.execute(
        select(Investigation, Facility.name)
        .join(Facility, Facility.id == Investigation.facility_id)
        .where(Investigation.id.in_(ids))
    )
    return {
        i.id: Content(
            facility=facility,
            beamlines=tuple(beamlines.get(i.id, ())),
            techniques=tuple(techniques.get(i.id, ())),
            file_count=i.fileCount,
            file_size=i.fileSize,
            start=i.startDate,
            end=i.endDate,
        )
        for i, facility in rows
    }


def get_creators(session: Session, ids: list[int]) -> dict[int, list[Creator]]:
    """Members of investigations as creators, principal investigators first, by id."""
    rows = session.execute(
        select(InvestigationUser.investigation_id, InvestigationUser.role, User, Affiliation)
        .join(User, User.id == InvestigationUser.user_id)
        .outerjoin(Affiliation, Affiliation.id == InvestigationUser.affiliation_id)
        .where(InvestigationUser.investigation_id.in_(ids))
        .order_by(InvestigationUser.investigation_id, User.name)
    )
    found: dict[int, list[tuple[bool, Creator]]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for investigation_id, role, user, affiliation in rows:
        if (investigation_id, user.id) in seen:
            continue
        seen.add((investigation_id, user.id))
        where = (DocumentAffiliation(affiliation.name, affiliation.pid),) if affiliation else ()
        creator = Creator(
            user.fullName or user.name,
            user.givenName,
            user.familyName,
            user.orcidId,
            where,
        )
        found[investigation_id].append((role != "PI", creator))
    return {k: [c for _, c in sorted(v, key=lambda pair: pair[0])] for k, v in found.items()}


def load_sessions(
    session: Session, ids: list[int], now: datetime, full: Iterable[int] | None = None
) -> list[SessionRecord]:
    """Investigations as :class:`SessionRecord`; embargoed unless released or in ``full``."""
    contents = get_content(session, ids)
    creators = get_creators(session, ids)
    shown = set(ids if full is None else full)
    return [
        SessionRecord(
            id=i.id,
            proposal=i.name,
            visit=i.visitId,
            title=i.title,
            summary=i.summary,
            content=contents[i.id],
            creators=tuple(creators.get(i.id, ())),
            doi=i.doi,
            release=i.releaseDate,
            embargoed=i.id not in shown,
        )
        for i in session.scalars(
            select(Investigation).where(Investigation.id.in_(ids)).order_by(Investigation.id)
        )
    ]


def load_collections(session: Session, ids: list[int], now: datetime) -> list[CollectionRecord]:
    """Data collections as :class:`CollectionRecord`: their sessions' content, creators."""
    links = collection_links()
    sessions: dict[int, list[int]] = defaultdict(list)
    for collection_id, investigation_id in session.execute(
        select(links.c.collection_id, links.c.investigation_id).where(
            links.c.collection_id.in_(ids)
        )
    ):
        sessions[collection_id].append(investigation_id)
    every = sorted({i for v in sessions.values() for i in v})
    contents = get_content(session, every)
    creators = get_creators(session, every)
    records = []
    for collection in session.scalars(select(DataCollection).where(DataCollection.id.in_(ids))):
        mine = [contents[i] for i in sessions.get(collection.id, []) if i in contents]
        content = Content(
            facility=", ".join(sorted({c.facility for c in mine})) or "",
            beamlines=tuple(sorted({b for c in mine for b in c.beamlines})),
            techniques=tuple(dict.fromkeys(t for c in mine for t in c.techniques)),
        )
        people = tuple(
            dict.fromkeys(p for i in sessions.get(collection.id, []) for p in creators.get(i, []))
        )
        records.append(
            CollectionRecord(
                id=collection.id,
                title=collection.title or "",
                description=collection.summary,
                content=content,
                creators=people,
                doi=collection.doi,
                minted=collection.publicationDate,
            )
        )
    return records
