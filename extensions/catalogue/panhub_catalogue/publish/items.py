"""The catalogue's public items, as SQL, and their DataCite documents.

An item is an experiment session (an investigation) or a data collection. Public are
those the visibility rule shows to everyone (:func:`panhub_catalogue.visibility.released_clause`):

- a session once its release date has passed;
- a data collection that is minted, has a DOI, is findable at DataCite (or was minted
  outside the catalogue), and whose data is all released. A withdrawn one stays, as a
  deleted record (OAI-PMH's ``deletedRecord persistent``).

An item's datestamp is the last change of what is published about it: the later of
the moment it became public (its release) and its last metadata change (``modTime``).
:class:`Kind` holds these rules as SQL for each kind of item;
:mod:`panhub_catalogue.publish.oai_source` pages through them, and
:func:`load_documents` builds the documents of a page (:mod:`~.publish.rows`, then
:mod:`~.publish.document`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, exists, false, func, null, or_, select
from sqlalchemy.orm import Session

from panhub_catalogue.citation import Document
from panhub_catalogue.model import (
    MINTED,
    DataCollection,
    DataCollectionDatafile,
    DataCollectionDataset,
    Datafile,
    Dataset,
    Investigation,
)
from panhub_catalogue.publish.document import (
    DocumentSettings,
    build_collection_document,
    build_investigation_document,
)
from panhub_catalogue.publish.rows import load_collections, load_sessions
from panhub_catalogue.visibility import released_clause

INVESTIGATION, COLLECTION = "investigation", "collection"


def collection_links(collection_ids: Sequence[int] | None = None) -> Any:
    """``(collection_id, investigation_id)`` of collections' data, as a subquery (of the
    collections ``collection_ids`` only, when given: each branch then reads their
    rows through the index, instead of every dataset)."""
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
    if collection_ids is not None:
        via_datasets = via_datasets.where(
            DataCollectionDataset.data_collection_id.in_(collection_ids)
        )
        via_files = via_files.where(DataCollectionDatafile.data_collection_id.in_(collection_ids))
    return via_datasets.union(via_files).subquery()


def linked_releases() -> tuple[Any, Any]:
    """The release dates of the sessions a collection's datasets and files come from: two
    selects correlated with :class:`DataCollection` (each served by its link table's
    index on ``data_collection_id``)."""
    via_datasets = (
        select(Investigation.releaseDate)
        .join(Dataset, Dataset.investigation_id == Investigation.id)
        .join(DataCollectionDataset, DataCollectionDataset.dataset_id == Dataset.id)
        .where(DataCollectionDataset.data_collection_id == DataCollection.id)
    )
    via_files = (
        select(Investigation.releaseDate)
        .join(Dataset, Dataset.investigation_id == Investigation.id)
        .join(Datafile, Datafile.dataset_id == Dataset.id)
        .join(DataCollectionDatafile, DataCollectionDatafile.datafile_id == Datafile.id)
        .where(DataCollectionDatafile.data_collection_id == DataCollection.id)
    )
    return via_datasets, via_files


def collection_release() -> ColumnElement[Any]:
    """When all of a collection's data is public: the latest release of its sessions;
    ``NULL`` while one has none, or when it holds no data (correlated subqueries)."""
    branches = linked_releases()
    unset = or_(*(exists(b.where(Investigation.releaseDate.is_(None))) for b in branches))
    first, second = (
        b.with_only_columns(func.max(Investigation.releaseDate)).scalar_subquery() for b in branches
    )
    latest = case((first > second, first), else_=func.coalesce(second, first))
    return case((unset, null()), else_=latest)


def public_sessions(now: datetime) -> list[ColumnElement[bool]]:
    """Sessions everyone may see: released (the visibility rule, for the public)."""
    return [released_clause(now)]


def public_collections(now: datetime) -> list[ColumnElement[bool]]:
    """Collections in the public record: minted with a DOI, findable (or minted outside
    the catalogue, or withdrawn: a deleted record), all their data released."""
    release = collection_release()
    return [
        DataCollection.status == MINTED,
        DataCollection.doi.is_not(None),
        release.is_not(None),
        release <= now,
        or_(
            DataCollection.withdrawn,
            DataCollection.dataciteState.is_(None),
            DataCollection.dataciteState == "findable",
        ),
    ]


@dataclass(frozen=True)
class Kind:
    """One kind of item as SQL: its table and the public rule's parts.

    ``release`` is when an item became public and ``modified`` its last metadata change
    (``NULL`` when unknown); the datestamp is the later of the two.
    """

    name: str
    model: Any
    public: Callable[[datetime], list[ColumnElement[bool]]]
    release: Callable[[], Any]
    modified: Any
    deleted: Callable[[], ColumnElement[bool]]

    @property
    def id(self) -> Any:
        return self.model.id

    def datestamp(self) -> ColumnElement[Any]:
        """The later of release and last change."""
        release = self.release()
        return case((self.modified > release, self.modified), else_=release)

    def has_doi(self) -> ColumnElement[bool]:
        """Has a DOI (the catalogue stores one once it is registered at DataCite)."""
        return self.model.doi.is_not(None)  # type: ignore[no-any-return]

    def within(self, since: datetime | None, until: datetime) -> list[ColumnElement[bool]]:
        """Datestamp in ``[since, until]``, as conditions the release and modification
        indexes can serve (the later of two is at most ``until`` when both are, at
        least ``since`` when one is)."""
        release = self.release()
        clauses = [release <= until, or_(self.modified.is_(None), self.modified <= until)]
        if since is not None:
            clauses.append(or_(release >= since, self.modified >= since))
        return clauses


SESSIONS = Kind(
    INVESTIGATION,
    Investigation,
    public_sessions,
    lambda: Investigation.releaseDate,
    Investigation.modTime,
    false,
)
COLLECTIONS = Kind(
    COLLECTION,
    DataCollection,
    public_collections,
    collection_release,
    DataCollection.modTime,
    lambda: DataCollection.withdrawn.is_(True),
)
#: The kinds in list order (an item's position is its kind's index, then its id).
ALL_KINDS = (SESSIONS, COLLECTIONS)


def load_documents(
    session: Session,
    kind: str,
    ids: Sequence[int],
    settings: DocumentSettings,
    now: datetime,
    whole: Iterable[int] | None = None,
) -> dict[int, Document]:
    """The DataCite documents of these items, by id, built from their rows in batches.

    Sessions under embargo get their citation-only document, except those in ``whole``
    (whose reader may see all of them: a member on its landing page).
    """
    if not ids:
        return {}
    if kind == INVESTIGATION:
        shown = set(whole or ())
        records = [
            replace(r, embargoed=False) if r.id in shown else r
            for r in load_sessions(session, ids, now)
        ]
        return {r.id: build_investigation_document(r, settings, now) for r in records}
    return {
        r.id: build_collection_document(r, settings, now) for r in load_collections(session, ids)
    }
