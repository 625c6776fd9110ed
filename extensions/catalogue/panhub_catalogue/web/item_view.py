"""The portal's item pages as plain data: a session's datasets, a dataset's files, data
collections (pure; the templates escape)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from panhub_catalogue.citation import make_text_citation
from panhub_catalogue.model import DRAFT, MINTED, REVIEW
from panhub_catalogue.publish.problems import Problem
from panhub_catalogue.web.collection_forms import get_choices, make_form_view, make_problems_view
from panhub_catalogue.web.view_parts import (
    Link,
    describe_documents,
    describe_release,
    format_count,
    format_day,
    format_size,
    make_pager,
)

JSON = dict[str, Any]
#: What a collection's page says after each action (``?done=<action>``).
DONE = {
    "created": "Draft created. Give it a title, its authors and a description, then submit "
    "it for review.",
    "added": "Added to the draft.",
    "saved": "Saved.",
    "submitted": "Submitted for review. A reviewer (beamline staff or an admin) mints it.",
    "returned": "Returned to draft.",
    "minted": "Minted: its DOI is registered at DataCite.",
    "version": "A new version, as a draft: edit it, then submit it for its own DOI.",
    "withdrawn": "Withdrawn: its DOI still resolves, to a page that says so.",
    "deleted": "The draft is deleted.",
}
STATUS_LABELS = {DRAFT: "Draft", REVIEW: "In review", MINTED: "Minted"}
#: A collection's content: (kind, its list in the record, the key of its dataset's id).
CONTENT_KINDS = (("dataset", "datasets", "id"), ("datafile", "datafiles", "datasetId"))


def describe_session(base: str, item: Mapping[str, Any]) -> JSON:
    """A session's header: proposal, title, release, its facts and links."""
    identifier = int(item["id"])
    day, release = describe_release(item)
    start, end = format_day(item.get("startDate")), format_day(item.get("endDate"))
    facts = [
        Link("Proposal", f"{item['name']} {item.get('visitId') or ''}".strip()),
        Link("Beamline", ", ".join(item.get("beamlines") or [])),
        Link("Dates", f"{start} to {end}" if end and end != start else start),
        Link("Samples", format_count(item.get("sampleCount"))),
        Link("Datasets", format_count(item.get("datasetCount"))),
        Link(
            "Files", f"{format_count(item.get('fileCount'))} ({format_size(item.get('fileSize'))})"
        ),
    ]
    doi = item.get("doi")
    if doi:
        facts.append(Link("DOI", str(doi), f"https://doi.org/{doi}"))
    return {
        "id": identifier,
        "proposal": str(item["name"]),
        "title": str(item.get("title") or ""),
        "public": bool(item.get("isPublic")),
        "release": release,
        "release_day": day,
        "facts": [f for f in facts if f.value],
        "landing": f"{base}landing/investigations/{identifier}",
        "href": f"{base}investigations/{identifier}",
    }


def make_investigation_view(base: str, data: Mapping[str, Any], limit: int, offset: int) -> JSON:
    """``investigation.html``: the session, one page of its datasets, what may be done."""
    session = describe_session(base, data["investigation"])
    datasets = [
        {
            "id": int(d["id"]),
            "name": str(d["name"]),
            "type": str(d.get("type") or ""),
            "sample": str(d.get("sample") or ""),
            "techniques": ", ".join(t["name"] for t in d.get("techniques") or []),
            "start": format_day(d.get("startDate")),
            "files": format_count(d.get("fileCount")),
            "size": format_size(d.get("fileSize")),
            "href": f"{base}datasets/{int(d['id'])}",
        }
        for d in data["datasets"]["items"]
    ]
    total = int(data["datasets"]["total"])
    return {
        "session": session,
        "datasets": datasets,
        "total": total,
        "range": describe_items(total, limit, offset, "dataset"),
        "pager": make_pager(session["href"], {"limit": [str(limit)]}, total, limit, offset),
        "documents": describe_documents(base, data.get("documents") or {}),
        "logbook": int(data.get("logbook") or 0),
        "entitled": bool(data["entitled"]),
        "drafts": data.get("drafts") or [],
    }


def make_dataset_view(base: str, data: Mapping[str, Any], limit: int, offset: int) -> JSON:
    """``dataset.html``: the dataset, one page of its files, what may be done."""
    session = describe_session(base, data["investigation"])
    dataset = data["dataset"]
    identifier = int(dataset["id"])
    files = [
        {
            "id": int(f["id"]),
            "name": str(f["name"]),
            "format": str(f.get("datafileFormat") or ""),
            "size": format_size(f.get("fileSize")),
            "modified": format_day(f.get("datafileModTime")),
            "path": str(f.get("relativePath") or f.get("location") or ""),
            "download": f"{base}api/datafiles/{int(f['id'])}/download",
        }
        for f in data["datafiles"]["items"]
    ]
    total = int(data["datafiles"]["total"])
    href = f"{base}datasets/{identifier}"
    return {
        "session": session,
        "dataset": {
            "id": identifier,
            "name": str(dataset["name"]),
            "facts": [
                f
                for f in (
                    Link("Type", str(dataset.get("type") or "")),
                    Link("Sample", str(dataset.get("sample") or "")),
                    Link(
                        "Techniques", ", ".join(t["name"] for t in dataset.get("techniques") or [])
                    ),
                    Link("Start", format_day(dataset.get("startDate"))),
                    Link("Files", format_count(dataset.get("fileCount"))),
                    Link("Size", format_size(dataset.get("fileSize"))),
                )
                if f.value
            ],
        },
        "files": files,
        "total": total,
        "range": describe_items(total, limit, offset, "file"),
        "pager": make_pager(href, {"limit": [str(limit)]}, total, limit, offset),
        "entitled": bool(data["entitled"]),
        "drafts": data.get("drafts") or [],
    }


def describe_items(total: int, limit: int, offset: int, noun: str) -> str:
    """``1 to 50 of 120 datasets`` (``3 files`` when all are shown)."""
    plural = noun if total == 1 else f"{noun}s"
    if total <= limit and offset == 0:
        return f"{total:,} {plural}"
    if offset >= total:
        return f"Past the end of {total:,} {plural}"
    return f"{offset + 1:,} to {min(total, offset + limit):,} of {total:,} {plural}"


def make_collections_view(base: str, listed: Mapping[str, Any], limit: int, offset: int) -> JSON:
    """``collections.html``: the collections the caller manages, newest change first."""
    href = f"{base}collections"
    total = int(listed["total"])
    return {
        "collections": [
            {
                "id": int(c["id"]),
                "title": str(c.get("title") or f"Draft {c['id']}"),
                "status": STATUS_LABELS.get(str(c["status"]), str(c["status"])),
                "state": c.get("dataciteState") or "",
                "withdrawn": bool(c.get("withdrawn")),
                "doi": c.get("doi"),
                "version": c.get("version") or "",
                "owner": c.get("owner") or "",
                "modified": format_day(c.get("modTime")),
                "href": f"{href}/{int(c['id'])}",
            }
            for c in listed["items"]
        ],
        "total": total,
        "range": describe_items(total, limit, offset, "data collection"),
        "pager": make_pager(href, {"limit": [str(limit)]}, total, limit, offset),
    }


def describe_content(base: str, record: Mapping[str, Any]) -> list[JSON]:
    """A collection's datasets and files, each linked to its dataset's page in the portal."""
    return [
        {
            "kind": kind,
            "id": int(item["id"]),
            "name": str(item["name"]),
            "proposal": str(item.get("proposal") or ""),
            "href": f"{base}datasets/{int(item[key])}",
        }
        for kind, listed, key in (
            ("dataset", "datasets", "id"),
            ("datafile", "datafiles", "datasetId"),
        )
        for item in record.get(listed) or []
    ]


def make_collection_view(
    base: str,
    record: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    review_required: bool = True,
    message: str | None = None,
    problems: Sequence[Problem] = (),
) -> JSON:
    """``collection.html``: the collection's form, review or record, and its actions.

    ``values`` fill the form: the record's own, or what was posted when the action was
    refused (``message``, ``problems``), so nothing typed is lost. The problems (the
    refusal's, else what a draft still lacks) name the fields by their labels and mark them.
    """
    status = str(record["status"])
    permissions = record.get("permissions") or {}
    manage = bool(permissions.get("manage"))
    withdrawn = bool(record.get("withdrawn"))
    editable = manage and not withdrawn and status in (DRAFT, MINTED)
    document = record.get("document") or {}
    return {
        "id": int(record["id"]),
        "title": str(record.get("title") or f"Draft {record['id']}"),
        "status": status,
        "status_label": STATUS_LABELS.get(status, status),
        "state": record.get("dataciteState") or "",
        "withdrawn": withdrawn,
        "doi": record.get("doi"),
        "landing": f"{base}landing/collections/{int(record['id'])}",
        "previous": record.get("previousId"),
        "next": record.get("nextId"),
        "owner": record.get("owner") or "",
        "review_note": record.get("reviewNote") or "",
        "manage": manage,
        "editable": editable,
        "content_editable": editable and status == DRAFT,
        "may_mint": status == REVIEW and (bool(permissions.get("review")) or not review_required),
        "may_review": bool(permissions.get("review")),
        "content": describe_content(base, record),
        "form": make_form_view(values),
        "choices": get_choices(),
        "problems": make_problems_view(list(problems) or list(record.get("problems") or [])),
        "refused": message is not None or bool(problems),
        "message": message,
        "citation": make_text_citation(document) if document else "",
        "document_json": json.dumps(document, indent=2, ensure_ascii=False),
        "action": f"{base}collections/{int(record['id'])}",
    }
