"""What each catalogue route answers, apart from HTTP (pure: no tornado).

Every function is a ``work(session, identity, now, **route)``: the three first arguments
are what :meth:`~panhub_catalogue.web.handlers.CatalogueHandler.answer` supplies, the
keyword ones are the route's parsed parameters. It returns the JSON-able body (or, for
the HTML and redirect routes, what the page is rendered from). No row is chosen here:
every one comes through :mod:`panhub_catalogue.visibility` or
:mod:`panhub_catalogue.search`, and is shaped by :mod:`panhub_catalogue.records`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeAlias, TypeVar

from sqlalchemy.orm import Session

from panhub_catalogue import logbook, records
from panhub_catalogue.citation import Document, make_citations
from panhub_catalogue.errors import CatalogueError, Forbidden
from panhub_catalogue.identity import Identity
from panhub_catalogue.ingest.members import read_directory
from panhub_catalogue.publish.items import COLLECTION, INVESTIGATION, load_documents
from panhub_catalogue.search import Search, count_facets, search_investigations
from panhub_catalogue.visibility import (
    find_investigation_by_doi,
    get_datafile,
    get_dataset,
    get_investigation,
    get_landing_collection,
    get_landing_investigation,
    get_logbook_attachment,
    list_datafiles,
    list_datasets,
    resolve_identity,
)

T = TypeVar("T")
#: ``work(session, identity, now)``: one route's answer, run in a worker thread.
Work: TypeAlias = Callable[[Session, Identity, datetime], T]
JSON: TypeAlias = dict[str, Any]


def investigations(session: Session, identity: Identity, now: datetime, *, search: Search) -> JSON:
    """``GET api/investigations``: one page of the search, with its total."""
    total, rows = search_investigations(session, identity, search, now)
    items = records.summarize_investigations(session, rows, now)
    return {"total": total, "limit": search.limit, "offset": search.offset, "items": items}


def facets(session: Session, identity: Identity, now: datetime, *, search: Search) -> JSON:
    """``GET api/facets``: counts per beamline, technique, access and year."""
    counts = count_facets(session, identity, search, now)
    return {
        "facets": {
            name: [{"value": v, "count": n} for v, n in values] for name, values in counts.items()
        }
    }


def investigation(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    investigation_id: int,
    file_limit: int,
    options: records.RecordOptions,
) -> JSON:
    """``GET api/investigations/<id>``: one investigation, its samples, datasets, files,
    and how to cite it."""
    found = get_investigation(session, identity, investigation_id, now)
    record = records.describe_investigation(session, found, now, file_limit, options)
    record["citation"] = make_citations(get_document(session, found.id, True, now, options))
    return record


def get_document(
    session: Session,
    investigation_id: int,
    whole: bool,
    now: datetime,
    options: records.RecordOptions,
) -> Document:
    """An investigation's DataCite document: whole, or its citation-only form."""
    full = [investigation_id] if whole else []
    documents = load_documents(
        session, INVESTIGATION, [investigation_id], options.documents, now, full
    )
    return documents[investigation_id]


def citation(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    investigation_id: int,
    options: records.RecordOptions,
) -> JSON:
    """``GET api/investigations/<id>/citation``: ``{"text", "bibtex", "ris"}``."""
    found = get_investigation(session, identity, investigation_id, now)
    return make_citations(get_document(session, found.id, True, now, options))


def datasets(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    investigation_id: int,
    limit: int,
    offset: int,
) -> JSON:
    """``GET api/investigations/<id>/datasets``: one page of an investigation's datasets."""
    found = get_investigation(session, identity, investigation_id, now)
    total, rows = list_datasets(session, found.id, limit, offset)
    items = records.describe_datasets(session, rows)
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def datafiles(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    dataset_id: int,
    limit: int,
    offset: int,
    root: str,
) -> JSON:
    """``GET api/datasets/<id>/datafiles``: one page of a dataset's files."""
    dataset = get_dataset(session, identity, dataset_id, now)
    total, files = list_datafiles(session, [dataset.id], limit, offset)
    items = [records.describe_datafile(f, root) for f in files]
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def datafile(
    session: Session, identity: Identity, now: datetime, *, datafile_id: int, root: str
) -> JSON:
    """``GET api/datafiles/<id>``: one file, with its dataset's and investigation's names."""
    found = get_datafile(session, identity, datafile_id, now)
    return records.describe_single_datafile(found, root)


def logbook_page(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    investigation_id: int,
    page: logbook.LogbookFilter,
) -> JSON:
    """``GET api/investigations/<id>/logbook``: one page of the logbook, newest first."""
    total, rows = logbook.list_entries(session, identity, investigation_id, page, now)
    items = [logbook.describe_entry(r) for r in rows]
    return {"total": total, "limit": page.limit, "offset": page.offset, "items": items}


def annotation(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    investigation_id: int,
    body: object,
    figure_max_bytes: int,
) -> JSON:
    """``POST api/investigations/<id>/logbook``: add the annotation, commit, return it."""
    entry = logbook.write_annotation(
        session, identity, investigation_id, body, now, figure_max_bytes
    )
    session.commit()
    return logbook.describe_entry(entry)


def attachment(
    session: Session, identity: Identity, now: datetime, *, attachment_id: int
) -> logbook.Figure:
    """``GET api/logbook/attachments/<id>``: the figure, to whoever reads that logbook."""
    found = get_logbook_attachment(session, identity, attachment_id, now)
    return logbook.Figure(found.mimeType, found.data)


def whoami(session: Session, identity: Identity, now: datetime) -> JSON:
    """``GET api/whoami``: the identity with the roles the catalogue records added."""
    resolved = resolve_identity(session, identity)
    return {
        "username": resolved.username,
        "admin": resolved.admin,
        "beamlines": sorted(resolved.beamlines),
    }


def directory(session: Session, identity: Identity, now: datetime) -> JSON:
    """``GET api/directory``: membership in the hub's directory shape, for admins only."""
    if not resolve_identity(session, identity).admin:
        raise Forbidden("the directory is for the hub and catalogue admins only")
    return read_directory(session)


def landing(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    kind: str,
    item_id: int,
    logbook_entries: int,
    options: records.RecordOptions,
) -> JSON:
    """The record of a landing page (``kind``: ``investigations`` or ``collections``).

    Citation metadata only for what the caller may not see all of; an investigation's
    full record also holds its newest ``logbook_entries`` entries and their total.
    """
    if kind == "investigations":
        found, whole = get_landing_investigation(session, identity, item_id, now)
        if not whole:
            return records.describe_citation(session, found, now)
        record = records.describe_investigation(session, found, now, 0, options)
        page = logbook.LogbookFilter(limit=logbook_entries)
        total, rows = logbook.list_entries(session, identity, found.id, page, now)
        record["logbook"] = [logbook.describe_entry(r) for r in rows]
        record["logbookTotal"] = total
        return record
    collection, whole = get_landing_collection(session, identity, item_id, now)
    if not whole:
        return records.describe_collection_citation(session, collection)
    return records.describe_collection(session, collection)


def landing_document(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    kind: str,
    item_id: int,
    options: records.RecordOptions,
) -> Document:
    """The DataCite document of a landing page (``kind``: ``investigations`` or
    ``collections``), as the caller may see it.

    The whole document for whoever may see the whole item; for the others, an
    investigation's citation-only document (no people, abstract or sizes), and a data
    collection's published one (what its DOI says at DataCite).
    """
    if kind == "investigations":
        found, whole = get_landing_investigation(session, identity, item_id, now)
        return get_document(session, found.id, whole, now, options)
    collection, _ = get_landing_collection(session, identity, item_id, now)
    return load_documents(session, COLLECTION, [collection.id], options.documents, now)[
        collection.id
    ]


def doi_landing(session: Session, identity: Identity, now: datetime, *, doi: str) -> str:
    """``GET doi/<doi>``: the path, below the service, of the DOI's landing page."""
    try:
        found = find_investigation_by_doi(session, doi)
        return f"landing/investigations/{found.id}"
    except CatalogueError:
        collection, _ = get_landing_collection(session, identity, None, now, doi=doi)
        return f"landing/collections/{collection.id}"
