"""What the portal's pages are made of (pure: no tornado), as ``work(session, identity, now)``.

The list page asks exactly what the Lab panel asks: :func:`.answers.investigations` and
:func:`.answers.facets` (one search, :mod:`panhub_catalogue.search`, one visibility
rule, :mod:`panhub_catalogue.visibility`), except that the user facet, the costliest
(it joins every matching session's members), is counted only when the page's user
field asks for it (:func:`user_facet`). It adds, for the rows of its page only, their
logbook counts and A-Forms. Those and the experimental reports are the
facility's documents of a session: files in the session's documents datasets
(:class:`Documents`), visible exactly when the session is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from panhub_catalogue import records
from panhub_catalogue.identity import Identity
from panhub_catalogue.model import (
    DRAFT,
    DataCollection,
    Datafile,
    Dataset,
    Investigation,
    InvestigationUser,
    LogbookEntry,
)
from panhub_catalogue.publish import collections as operations
from panhub_catalogue.publish import lifecycle
from panhub_catalogue.publish.access import managed_collections
from panhub_catalogue.publish.options import PublishOptions
from panhub_catalogue.search import Search
from panhub_catalogue.visibility import (
    entitled_investigations,
    get_dataset,
    get_investigation,
    get_landing_investigation,
    member_investigations,
)
from panhub_catalogue.web import answers

JSON = dict[str, Any]
#: The facets counted with every list page, in two groups counted side by side (each
#: group about as costly as the page's rows); the user facet comes on demand
#: (:func:`user_facet`).
FACET_GROUPS = (("beamline", "technique"), ("access", "year"))


@dataclass(frozen=True)
class Documents:
    """Where a session's experimental report and A-Form are, among its files.

    Attributes
    ----------
    datasets
        Names of the datasets (folders below the proposal, as the indexer names them,
        e.g. ``raw/documents``) that hold the facility's documents of a session.
    report
        Shell patterns of the experimental report's file name (case-insensitive).
    aform
        Shell patterns of the A-Form's file name (case-insensitive).
    """

    datasets: tuple[str, ...] = ("raw/documents",)
    report: tuple[str, ...] = ("experimental-report*.pdf", "experimental_report*.pdf")
    aform: tuple[str, ...] = ("a-form*.pdf", "aform*.pdf", "a_form*.pdf")


@dataclass(frozen=True)
class PortalOptions:
    """What the portal's pages need of the service's settings (``c.Portal``).

    Attributes
    ----------
    documents
        Where sessions' reports and A-Forms are.
    hub_prefix
        The hub's URL prefix (links to JupyterHub and JupyterLab), e.g. ``/hub/``.
    lab_view
        Where a member's JupyterLab sees the proposals (``<lab_view>/<proposal>``).
    page_size
        Sessions per page when the URL names none.
    """

    documents: Documents = Documents()
    hub_prefix: str = "/hub/"
    lab_view: str = "/data"
    page_size: int = 25


def classify_document(name: str, documents: Documents) -> str | None:
    """``report``, ``aform`` or ``None`` for a file name of a documents dataset."""
    lowered = name.lower()
    for kind in ("report", "aform"):
        if any(fnmatchcase(lowered, p.lower()) for p in getattr(documents, kind)):
            return kind
    return None


def find_documents(
    session: Session, investigation_ids: Iterable[int], documents: Documents
) -> dict[int, dict[str, JSON]]:
    """Each session's report and A-Form (``{id: {"report": file, "aform": file}}``).

    Callers pass sessions the caller may see. Only the documents datasets are read
    (their unique index by investigation and name), never a session's other files;
    where several files match, the newest (highest id) is the one.
    """
    ids = sorted(set(investigation_ids))
    if not ids or not documents.datasets:
        return {}
    rows = session.execute(
        select(Dataset.investigation_id, Datafile.id, Datafile.name, Datafile.fileSize)
        .join(Datafile, Datafile.dataset_id == Dataset.id)
        .where(Dataset.investigation_id.in_(ids), Dataset.name.in_(documents.datasets))
        .order_by(Datafile.id)
    )
    found: dict[int, dict[str, JSON]] = defaultdict(dict)
    for investigation_id, file_id, name, size in rows:
        kind = classify_document(name, documents)
        if kind is not None:
            found[investigation_id][kind] = {"id": file_id, "name": name, "fileSize": size}
    return dict(found)


def count_logbooks(session: Session, investigation_ids: Iterable[int]) -> dict[int, int]:
    """Logbook entries per session (of sessions the caller may see)."""
    ids = sorted(set(investigation_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(LogbookEntry.investigation_id, func.count())
        .where(LogbookEntry.investigation_id.in_(ids))
        .group_by(LogbookEntry.investigation_id)
    )
    return {int(i): int(n) for i, n in rows}


def user_facet(session: Session, identity: Identity, now: datetime, *, search: Search) -> JSON:
    """The user facet alone (``{"user": [{"value", "count"}]}``), asked for by the page's
    user field when it is used: it costs as much as all the other facets together."""
    counted: JSON = answers.facets(session, identity, now, search=search, names=("user",))
    return {"user": counted["facets"]["user"]}


def portal_rows(
    session: Session, identity: Identity, now: datetime, *, search: Search, documents: Documents
) -> JSON:
    """The list page's rows: the Lab panel's page for ``search`` and the page's extras.

    Returns ``{"page": <api/investigations>, "logbooks": {id: n}, "documents": {id:
    {"report"|"aform": file}}}``. The facets are counted apart (:data:`FACET_GROUPS`,
    :func:`.answers.facets`), in parallel.
    """
    page = answers.investigations(session, identity, now, search=search)
    ids = [int(item["id"]) for item in page["items"]]
    return {
        "page": page,
        "logbooks": count_logbooks(session, ids),
        "documents": find_documents(session, ids, documents),
    }


def is_member(session: Session, identity: Identity, investigation_id: int) -> bool:
    """Whether the caller is a member of the investigation's proposal."""
    if identity.username is None:
        return False
    mine = member_investigations(identity.username).where(
        InvestigationUser.investigation_id == investigation_id
    )
    return session.scalar(select(func.count()).select_from(mine.subquery())) != 0


def landing_extras(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    kind: str,
    item_id: int,
    documents: Documents,
) -> JSON:
    """What a session's landing page adds for a visitor who may see it whole: its report
    and A-Form (``{"report"|"aform": file}``) and whether they are a member (whose
    JupyterLab holds its data). Nothing for data collections and citation-only pages.
    """
    if kind != "investigations":
        return {"documents": {}, "member": False}
    found, whole = get_landing_investigation(session, identity, item_id, now)
    if not whole:
        return {"documents": {}, "member": False}
    return {
        "documents": find_documents(session, [found.id], documents).get(found.id, {}),
        "member": is_member(session, identity, found.id),
    }


def is_entitled(session: Session, identity: Identity, investigation_id: int) -> bool:
    """Whether the caller may publish the investigation's data (member, staff, admin)."""
    if identity.username is None:
        return False
    found = session.scalar(
        select(func.count())
        .select_from(Investigation)
        .where(Investigation.id == investigation_id, entitled_investigations(identity))
    )
    return bool(found)


def list_drafts(session: Session, identity: Identity) -> list[JSON]:
    """The drafts the caller manages (what the "add to" choice offers), newest first."""
    if identity.username is None:
        return []
    rows = session.execute(
        select(DataCollection.id, DataCollection.title)
        .where(
            DataCollection.status == DRAFT,
            DataCollection.id.in_(managed_collections(session, identity)),
        )
        .order_by(DataCollection.modTime.desc(), DataCollection.id.desc())
        .limit(50)
    )
    return [{"id": int(i), "title": t or f"Draft {i}"} for i, t in rows]


def investigation_page(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    investigation_id: int,
    limit: int,
    offset: int,
    documents: Documents,
) -> JSON:
    """A session's page of datasets (``api/investigations/<id>/datasets``'s answer), its
    summary, and the caller's rights (``entitled``: may put its data in a collection)
    and drafts."""
    datasets = answers.datasets(
        session, identity, now, investigation_id=investigation_id, limit=limit, offset=offset
    )
    found = get_investigation(session, identity, investigation_id, now)
    (summary,) = records.summarize_investigations(session, [found], now)
    entitled = is_entitled(session, identity, found.id)
    return {
        "investigation": summary,
        "datasets": datasets,
        "documents": find_documents(session, [found.id], documents).get(found.id, {}),
        "logbook": count_logbooks(session, [found.id]).get(found.id, 0),
        "entitled": entitled,
        "drafts": list_drafts(session, identity) if entitled else [],
    }


def dataset_page(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    dataset_id: int,
    limit: int,
    offset: int,
    root: str,
) -> JSON:
    """A dataset's page of files (``api/datasets/<id>/datafiles``'s answer), with the
    dataset, its session's summary and the caller's rights."""
    files = answers.datafiles(
        session, identity, now, dataset_id=dataset_id, limit=limit, offset=offset, root=root
    )
    dataset = get_dataset(session, identity, dataset_id, now)
    (summary,) = records.summarize_investigations(session, [dataset.investigation], now)
    (described,) = records.describe_datasets(session, [dataset])
    entitled = is_entitled(session, identity, dataset.investigation_id)
    return {
        "investigation": summary,
        "dataset": described,
        "datafiles": files,
        "entitled": entitled,
        "drafts": list_drafts(session, identity) if entitled else [],
    }


def add_content(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    collection_id: int,
    datasets: list[int],
    datafiles: list[int],
    options: PublishOptions,
) -> JSON:
    """Add datasets and files to a draft (the JSON routes' read, then their edit)."""
    record = operations.read(session, identity, now, collection_id=collection_id, options=options)
    body = {
        "datasets": sorted({int(d["id"]) for d in record.get("datasets") or []} | set(datasets)),
        "datafiles": sorted({int(f["id"]) for f in record.get("datafiles") or []} | set(datafiles)),
    }
    return operations.update(
        session, identity, now, collection_id=collection_id, body=body, options=options
    )


def save_and_submit(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    collection_id: int,
    body: JSON,
    options: PublishOptions,
) -> JSON:
    """Save the form, then submit the draft for review (the JSON routes' two steps).

    A refused submission leaves the form saved: the draft keeps what was typed.
    """
    operations.update(
        session, identity, now, collection_id=collection_id, body=body, options=options
    )
    return lifecycle.submit(session, identity, now, collection_id=collection_id, options=options)
