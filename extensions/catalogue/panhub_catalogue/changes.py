"""An item's ``modTime`` moves when anything its DataCite document says changes.

OAI-PMH's datestamp of an experiment session or a data collection is the later of its
release and its ``modTime`` (:mod:`panhub_catalogue.publish.items`): a harvester asks
for what changed ``from`` a moment, so every change of what an item's document holds
must move it, or the harvester never fetches it again. A document is made from its row
and from rows around it, written by many hands (the indexer, the ICAT import, the
directory of members, pruning, publishing). Rather than each writer remembering to
stamp, :func:`track_changes` watches a session factory's sessions, in one place:

- **before each flush**, the pending inserts, changes and deletions of the rows a
  document is made from stamp their item: a session's datasets, files, samples,
  members, beamlines and techniques; its members' names and ORCID iDs, their
  affiliations; a collection's datasets, files, authors and related works; and a
  session's new DOI stamps the collections drawing on it (their ``IsPartOf`` link);
- **bulk deletes and inserts** (``session.execute(delete(InvestigationUser)...)``) of
  those tables (but the derived ``InvestigationTechnique``) stamp the items of the rows
  they touch (read first, with the statement's own ``WHERE``).

A ``modTime`` the flush sets itself is kept (publishing stamps with its own clock);
otherwise the stamp is the wall-clock time. Stamping reads nothing for objects already
in the session and runs one ``UPDATE ... WHERE id IN`` for the rest, so reading (the OAI
lists, by the indexed ``mod_time``) costs nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, event, inspect, select, union, update
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.orm.util import identity_key

from panhub_catalogue.clock import utcnow
from panhub_catalogue.model import (
    Affiliation,
    DataCollection,
    DataCollectionCreator,
    DataCollectionDatafile,
    DataCollectionDataset,
    DataCollectionRelated,
    Datafile,
    Dataset,
    Investigation,
    InvestigationInstrument,
    InvestigationTechnique,
    InvestigationUser,
    Sample,
    User,
)

#: Rows of a session's document that name their session (``investigation_id``).
SESSION_PARTS: tuple[type[Any], ...] = (
    Dataset,
    Sample,
    InvestigationUser,
    InvestigationInstrument,
    InvestigationTechnique,
)
#: Those watched in bulk statements too: not ``InvestigationTechnique``, which
#: :func:`panhub_catalogue.store.refresh_investigation` rewrites whole on every refresh
#: (it follows the datasets' techniques, whose datasets stamp their session).
STATEMENT_SESSION_PARTS = tuple(m for m in SESSION_PARTS if m is not InvestigationTechnique)
#: Rows of a collection's document that name their collection (``data_collection_id``).
COLLECTION_PARTS: tuple[type[Any], ...] = (
    DataCollectionDataset,
    DataCollectionDatafile,
    DataCollectionCreator,
    DataCollectionRelated,
)


class Stamps:
    """The items a flush or a statement changes: ids, and objects not yet flushed."""

    def __init__(self) -> None:
        self.sessions: set[int] = set()
        self.collections: set[int] = set()
        self.objects: list[Investigation | DataCollection] = []

    def add_session(self, investigation_id: int | None, row: Investigation | None) -> None:
        if investigation_id is not None:
            self.sessions.add(investigation_id)
        elif row is not None:
            self.objects.append(row)

    def add_collection(self, collection_id: int | None, row: DataCollection | None) -> None:
        if collection_id is not None:
            self.collections.add(collection_id)
        elif row is not None:
            self.objects.append(row)


def is_changed(session: Session, row: object) -> bool:
    """Whether a row is new, deleted, or has a changed column."""
    return row in session.new or row in session.deleted or session.is_modified(row)


def has_new_doi(row: Investigation) -> bool:
    """Whether a loaded session's DOI changes in this flush."""
    return bool(inspect(row).attrs.doi.history.has_changes())


def find_datafile_session(row: Datafile) -> tuple[int | None, Investigation | None]:
    """A file's session: by its dataset object when it has one, else by its dataset id."""
    dataset = row.__dict__.get("dataset")
    if dataset is not None:
        return dataset.investigation_id, dataset.__dict__.get("investigation")
    session = inspect(row).session
    if session is None or row.dataset_id is None:
        return None, None
    return session.get(Dataset, row.dataset_id).investigation_id, None  # type: ignore[union-attr]


def collect_flush(session: Session) -> Stamps:
    """The items the pending changes of ``session`` touch."""
    stamps = Stamps()
    users: set[int] = set()
    affiliations: set[int] = set()
    new_dois: set[int] = set()
    for row in (*session.new, *session.dirty, *session.deleted):
        if not is_changed(session, row):
            continue
        if isinstance(row, SESSION_PARTS):
            stamps.add_session(row.investigation_id, row.__dict__.get("investigation"))
        elif isinstance(row, Datafile):
            stamps.add_session(*find_datafile_session(row))
        elif isinstance(row, COLLECTION_PARTS):
            stamps.add_collection(row.data_collection_id, None)
        elif isinstance(row, User) and row not in session.new:
            users.add(row.id)
        elif isinstance(row, Affiliation) and row not in session.new:
            affiliations.add(row.id)
        elif isinstance(row, Investigation) and row not in session.new and has_new_doi(row):
            new_dois.add(row.id)
    if users or affiliations:
        stamps.sessions.update(
            session.scalars(
                select(InvestigationUser.investigation_id).where(
                    InvestigationUser.user_id.in_(users)
                    | InvestigationUser.affiliation_id.in_(affiliations)
                )
            )
        )
    if new_dois:
        stamps.collections.update(session.scalars(select_collections(new_dois)))
    return stamps


def select_collections(investigation_ids: Iterable[int]) -> Any:
    """Ids of the collections holding data of these sessions."""
    ids = list(investigation_ids)
    return union(
        select(DataCollectionDataset.data_collection_id)
        .join(Dataset, Dataset.id == DataCollectionDataset.dataset_id)
        .where(Dataset.investigation_id.in_(ids)),
        select(DataCollectionDatafile.data_collection_id)
        .join(Datafile, Datafile.id == DataCollectionDatafile.datafile_id)
        .join(Dataset, Dataset.id == Datafile.dataset_id)
        .where(Dataset.investigation_id.in_(ids)),
    )


def apply(session: Session, stamps: Stamps, now: datetime) -> None:
    """Stamp the items: objects in the session directly (unless the flush sets their
    ``modTime`` itself), the others with one ``UPDATE`` per table."""
    loaded: list[Any] = list(stamps.objects)
    for model, ids in ((Investigation, stamps.sessions), (DataCollection, stamps.collections)):
        rest = []
        for item_id in sorted(ids):
            row = session.identity_map.get(identity_key(model, item_id))
            if row is None:
                rest.append(item_id)
            else:
                loaded.append(row)
        if rest:
            session.execute(
                update(model)
                .where(model.id.in_(rest))
                .values(modTime=now)
                .execution_options(synchronize_session=False)
            )
    for row in loaded:
        if row in session.deleted or inspect(row).attrs.modTime.history.has_changes():
            continue
        row.modTime = now


def stamp_flush(session: Session, _context: object, _instances: object) -> None:
    """``before_flush``: stamp the items the pending changes touch."""
    stamps = collect_flush(session)
    if stamps.sessions or stamps.collections or stamps.objects:
        apply(session, stamps, utcnow())


def select_touched(state: ORMExecuteState) -> tuple[Any, Select[Any]] | None:
    """For a bulk delete of rows a document is made from: the item table, and a select of
    the ids of the items those rows belong to (with the statement's ``WHERE``)."""
    model = state.bind_mapper.class_ if state.bind_mapper is not None else None
    where = getattr(state.statement, "whereclause", None)
    if model is None or where is None:
        return None
    if model in STATEMENT_SESSION_PARTS:
        return Investigation, select(model.investigation_id).where(where)
    if model is Datafile:
        parent = select(Dataset.investigation_id).join(Datafile, Datafile.dataset_id == Dataset.id)
        return Investigation, parent.where(where)
    if model in COLLECTION_PARTS:
        return DataCollection, select(model.data_collection_id).where(where)
    return None


def stamp_statement(state: ORMExecuteState) -> None:
    """``do_orm_execute``: a bulk delete or insert stamps the items of its rows."""
    if not (state.is_delete or state.is_insert):
        return
    model = state.bind_mapper.class_ if state.bind_mapper is not None else None
    if state.is_insert:
        if model not in STATEMENT_SESSION_PARTS and model not in COLLECTION_PARTS:
            return
        key = "investigation_id" if model in SESSION_PARTS else "data_collection_id"
        params: Any = state.parameters
        rows: list[Any] = params if isinstance(params, list) else [params or {}]
        ids = {r[key] for r in rows if r.get(key) is not None}
        item: Any = Investigation if model in STATEMENT_SESSION_PARTS else DataCollection
    else:
        touched = select_touched(state)
        if touched is None:
            return
        item, query = touched
        ids = set(state.session.scalars(query))
    if ids:
        state.session.execute(
            update(item)
            .where(item.id.in_(sorted(ids)))
            .values(modTime=utcnow())
            .execution_options(synchronize_session="fetch")
        )


def track_changes(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Stamp items when what their documents hold changes, in every session of ``sessions``."""
    event.listen(sessions, "before_flush", stamp_flush)
    event.listen(sessions, "do_orm_execute", stamp_statement)
    return sessions
