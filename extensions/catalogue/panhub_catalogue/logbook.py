"""The electronic logbook of an investigation, shaped as ESRF's ICAT+ shapes it.

Who reads: exactly those who may see the investigation (the rule in
:func:`~panhub_catalogue.visibility.visible_investigations`). As in ICAT+, a logbook
becomes public with its data on the release date; under embargo it is hidden like the
rest, and an investigation one may not see answers "not found".

Who writes: admins, members and beamline staff of the investigation
(:func:`~panhub_catalogue.visibility.entitled_investigations`, the same rule without the
release clause). A signed-in reader of released data may read the logbook but not
write in it (:class:`~panhub_catalogue.errors.Forbidden`); anonymous callers are
:class:`~panhub_catalogue.errors.Unauthorized`. People write annotations; the
beamline's notifications come through ``panhub-catalogue logbook add``.

An annotation may carry a figure (a PNG or JPEG image, base64 in the JSON body), read by
whoever reads the logbook (:func:`~panhub_catalogue.visibility.get_logbook_attachment`).
Its type is checked against the image's first bytes and its size against a cap, before
anything is written: a refused entry leaves the logbook as it was.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from panhub_catalogue.clock import format_utc
from panhub_catalogue.errors import BadRequest, Forbidden, NotFound, Unauthorized
from panhub_catalogue.identity import Identity
from panhub_catalogue.model import (
    ANNOTATION,
    NOTIFICATION,
    Dataset,
    Investigation,
    LogbookAttachment,
    LogbookEntry,
    User,
)
from panhub_catalogue.store import Lookup
from panhub_catalogue.visibility import entitled_investigations, get_investigation

#: Largest entry, in bytes of UTF-8.
MAX_CONTENT = 64 * 1024
#: ICAT+ categories.
CATEGORIES = ("comment", "info", "error", "commandLine", "debug")
TYPES = (ANNOTATION, NOTIFICATION)
MAX_TAGS, MAX_TAG = 20, 64
#: Longest ``search`` text, in characters.
MAX_SEARCH = 200
#: Keys a JSON body may hold (``POST api/investigations/<id>/logbook``).
BODY_KEYS = ("content", "dataset", "tags", "category", "figure")
#: Image types a figure may have, and the signature its bytes start with.
FIGURE_TYPES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
FIGURE_NAMES = {"image/png": "PNG", "image/jpeg": "JPEG"}
#: Keys of a body's ``figure``.
FIGURE_KEYS = ("mimeType", "data")
#: Largest figure by default, in bytes (``c.CatalogueService.logbook_figure_max_bytes``).
FIGURE_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class LogbookFilter:
    """One page of a logbook, as parsed from a request by
    :func:`~panhub_catalogue.web.params.parse_logbook_filter`.

    Attributes
    ----------
    search
        Case-insensitive substring of the content (plain text: ``%``, ``_``, quotes
        and FTS syntax are matched literally); empty for all.
    type
        :data:`~panhub_catalogue.model.ANNOTATION` or ``NOTIFICATION``, or ``None``.
    dataset
        Only entries about this dataset id, or ``None``.
    limit, offset
        The page, newest first.
    """

    search: str = ""
    type: str | None = None
    dataset: int | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class Figure:
    """An image checked by :func:`parse_figure`: ``mime_type`` is a key of
    :data:`FIGURE_TYPES` and ``data`` starts with its signature."""

    mime_type: str
    data: bytes


@dataclass(frozen=True)
class NewEntry:
    """A validated entry to add (see :func:`parse_entry`)."""

    content: str
    category: str = "comment"
    tags: tuple[str, ...] = ()
    dataset: int | None = None
    type: str = ANNOTATION
    figure: Figure | None = None


def check_text(text: str, name: str) -> bytes:
    """``text`` as UTF-8, or a :class:`BadRequest` for NUL or lone surrogate characters.

    JSON may carry both (``\\u0000``, ``\\ud800``); no database column can store them.
    """
    if "\x00" in text:
        raise BadRequest(f"{name} holds a NUL character")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(f"{name} holds a lone surrogate (not valid Unicode)") from None


def check_content(content: object) -> str:
    """``content`` if it is a non-blank string of at most :data:`MAX_CONTENT` bytes."""
    if not isinstance(content, str):
        raise BadRequest("content must be a string")
    if not content.strip():
        raise BadRequest("content is empty")
    size = len(check_text(content, "content"))
    if size > MAX_CONTENT:
        raise BadRequest(f"content is {size} bytes; at most {MAX_CONTENT} are allowed")
    return content


def check_tags(tags: object) -> tuple[str, ...]:
    """Tags: a list of at most :data:`MAX_TAGS` strings, each 1-64 characters, no commas."""
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise BadRequest("tags must be a list of strings")
    if len(tags) > MAX_TAGS:
        raise BadRequest(f"tags: {len(tags)} given; at most {MAX_TAGS} are allowed")
    cleaned = tuple(dict.fromkeys(t.strip() for t in tags))
    for tag in cleaned:
        check_text(tag, "a tag")
        if not tag or len(tag) > MAX_TAG or "," in tag:
            raise BadRequest(f"tag {tag[:MAX_TAG]!r}: 1-{MAX_TAG} characters, no commas")
    return cleaned


def check_category(category: object) -> str:
    """One of :data:`CATEGORIES`."""
    if category not in CATEGORIES:
        raise BadRequest(f"category: {str(category)[:40]!r} is not one of {', '.join(CATEGORIES)}")
    return str(category)


def get_encoded_length(size: int) -> int:
    """Characters of base64 that ``size`` bytes take."""
    return 4 * ((size + 2) // 3)


def parse_figure(value: object, max_bytes: int = FIGURE_MAX_BYTES) -> Figure | None:
    """A body's ``figure``, ``{"mimeType": "image/png" | "image/jpeg", "data": <base64>}``.

    ``None`` (or an absent key) is no figure. The size is checked on the base64 text
    before decoding, and again on the bytes.

    Raises
    ------
    BadRequest
        Not an object, unknown or missing keys, another type, data that is not base64,
        is empty, is larger than ``max_bytes``, or does not start with the signature of
        the type it claims.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise BadRequest('figure must be an object {"mimeType": ..., "data": <base64>}')
    unknown = sorted(set(value) - set(FIGURE_KEYS))
    if unknown:
        raise BadRequest(f"figure: unknown key '{str(unknown[0])[:40]}'; known: mimeType, data")
    mime_type, text = value.get("mimeType"), value.get("data")
    if mime_type not in FIGURE_TYPES:
        raise BadRequest(
            f"figure.mimeType: {str(mime_type)[:40]!r} is not one of {', '.join(FIGURE_TYPES)}"
        )
    if not isinstance(text, str):
        raise BadRequest("figure.data must be a string of base64")
    if len(text) > get_encoded_length(max_bytes):
        raise BadRequest(
            f"figure.data is {len(text)} characters of base64, more than {max_bytes} bytes; "
            f"a figure may have at most {max_bytes} bytes"
        )
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("figure.data is not valid base64") from None
    if not data:
        raise BadRequest("figure.data is empty")
    if len(data) > max_bytes:
        raise BadRequest(
            f"figure is {len(data)} bytes; a figure may have at most {max_bytes} bytes"
        )
    name = FIGURE_NAMES[str(mime_type)]
    if not data.startswith(FIGURE_TYPES[str(mime_type)]):
        raise BadRequest(f"figure.data is not a {name} image: it lacks the {name} signature")
    return Figure(str(mime_type), data)


def parse_entry(body: object, figure_max_bytes: int = FIGURE_MAX_BYTES) -> NewEntry:
    """Validate a decoded JSON body into an annotation.

    Raises
    ------
    BadRequest
        Not an object, unknown keys, missing, empty or too long content, bad types, a
        figure :func:`parse_figure` refuses.
    """
    if not isinstance(body, Mapping):
        raise BadRequest("the body must be a JSON object")
    unknown = sorted(set(body) - set(BODY_KEYS))
    if unknown:
        raise BadRequest(f"unknown key '{str(unknown[0])[:40]}'; known: {', '.join(BODY_KEYS)}")
    if "content" not in body:
        raise BadRequest("content is missing")
    dataset = body.get("dataset")
    if dataset is not None and (
        not isinstance(dataset, int) or isinstance(dataset, bool) or not 1 <= dataset < 2**63
    ):
        raise BadRequest("dataset must be a dataset id (a positive 64-bit integer) or null")
    return NewEntry(
        content=check_content(body["content"]),
        category=check_category(body.get("category", "comment")),
        tags=check_tags(body.get("tags", [])),
        dataset=dataset,
        figure=parse_figure(body.get("figure"), figure_max_bytes),
    )


def match_entries(investigation_id: int, page: LogbookFilter) -> ColumnElement[bool]:
    """The WHERE clause of one investigation's entries under ``page``'s filters."""
    clauses = [LogbookEntry.investigation_id == investigation_id]
    if page.type is not None:
        clauses.append(LogbookEntry.type == page.type)
    if page.dataset is not None:
        clauses.append(LogbookEntry.dataset_id == page.dataset)
    if page.search:
        clauses.append(LogbookEntry.content.icontains(page.search, autoescape=True))
    return and_(*clauses)


def list_entries(
    session: Session, identity: Identity, investigation_id: int, page: LogbookFilter, now: datetime
) -> tuple[int, list[LogbookEntry]]:
    """The total and one page of a visible investigation's logbook, newest first.

    Raises
    ------
    NotFound
        The investigation does not exist or ``identity`` may not see it.
    """
    found = get_investigation(session, identity, investigation_id, now)
    where = match_entries(found.id, page)
    total = session.scalar(select(func.count()).select_from(LogbookEntry).where(where))
    rows = session.scalars(
        select(LogbookEntry)
        .where(where)
        .order_by(LogbookEntry.createTime.desc(), LogbookEntry.id.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return int(total or 0), list(rows)


def check_writer(
    session: Session, identity: Identity, investigation_id: int, now: datetime
) -> User:
    """The catalogue user who may write in this investigation's logbook.

    Raises
    ------
    Unauthorized
        Anonymous caller (before any lookup: no existence leak).
    NotFound
        The investigation does not exist or ``identity`` may not see it.
    Forbidden
        The caller sees it (released) but is not admin, member or beamline staff, or
        is a hub service writing for no person.
    """
    if identity.username is None:
        if identity.service is not None:
            raise Forbidden("a hub service writes no annotations; use panhub-catalogue logbook")
        raise Unauthorized("sign in to write in the logbook")
    get_investigation(session, identity, investigation_id, now)
    entitled = session.scalar(
        select(Investigation.id).where(
            Investigation.id == investigation_id, entitled_investigations(identity)
        )
    )
    if entitled is None:
        raise Forbidden("only members, beamline staff and admins may write in this logbook")
    # a hub admin or staff by group may not be in the catalogue yet
    return Lookup(session).user(identity.username)


def check_dataset(session: Session, investigation_id: int, dataset_id: int | None) -> None:
    """A :class:`BadRequest` unless ``dataset_id`` is ``None`` or one of the investigation's."""
    if dataset_id is None:
        return
    owner = session.scalar(select(Dataset.investigation_id).where(Dataset.id == dataset_id))
    if owner != investigation_id:
        raise BadRequest(
            f"dataset {dataset_id} is not a dataset of investigation {investigation_id}"
        )


def add_entry(
    session: Session,
    investigation_id: int,
    entry: NewEntry,
    author: User | None,
    now: datetime,
) -> LogbookEntry:
    """Insert ``entry`` (already validated and authorised); the caller commits."""
    check_dataset(session, investigation_id, entry.dataset)
    row = LogbookEntry(
        investigation_id=investigation_id,
        dataset_id=entry.dataset,
        author_id=None if author is None else author.id,
        createTime=now,
        type=entry.type,
        category=entry.category,
        tags=",".join(entry.tags),
        content=entry.content,
    )
    if entry.figure is not None:
        figure = entry.figure
        row.attachments.append(
            LogbookAttachment(mimeType=figure.mime_type, size=len(figure.data), data=figure.data)
        )
    session.add(row)
    session.flush()
    return row


def write_annotation(
    session: Session,
    identity: Identity,
    investigation_id: int,
    body: object,
    now: datetime,
    figure_max_bytes: int = FIGURE_MAX_BYTES,
) -> LogbookEntry:
    """``POST``: check the writer, then the body, then add the annotation (no commit)."""
    author = check_writer(session, identity, investigation_id, now)
    entry = parse_entry(body, figure_max_bytes)
    return add_entry(session, investigation_id, entry, author, now)


def describe_entry(entry: LogbookEntry) -> dict[str, Any]:
    """An entry as JSON (ICAT+-like field names)."""
    author = entry.author
    return {
        "id": entry.id,
        "investigationId": entry.investigation_id,
        "datasetId": entry.dataset_id,
        "datasetName": entry.dataset.name if entry.dataset is not None else None,
        "createTime": format_utc(entry.createTime),
        "author": None if author is None else author.name,
        "authorFullName": None if author is None else author.fullName,
        "type": entry.type,
        "category": entry.category,
        "tags": entry.tags.split(",") if entry.tags else [],
        "content": entry.content,
        "attachments": [
            {"id": a.id, "mimeType": a.mimeType, "size": a.size} for a in entry.attachments
        ],
    }


def find_investigation(session: Session, name: str, visit: str | None = None) -> Investigation:
    """The investigation named ``name`` (and ``visit``), for the command line.

    Raises
    ------
    NotFound
        None, or several visits when ``visit`` is not given.
    """
    where = [Investigation.name == name]
    if visit is not None:
        where.append(Investigation.visitId == visit)
    found = list(session.scalars(select(Investigation).where(*where).limit(2)))
    if not found:
        raise NotFound(f"no investigation {name}" + (f" visit {visit}" if visit else ""))
    if len(found) > 1:
        raise NotFound(f"investigation {name} has several visits; give one with --visit")
    return found[0]


def find_dataset(session: Session, investigation_id: int, name: str) -> int:
    """The id of the dataset named ``name`` in an investigation, for the command line."""
    found = session.scalar(
        select(Dataset.id).where(Dataset.investigation_id == investigation_id, Dataset.name == name)
    )
    if found is None:
        raise NotFound(f"no dataset {name!r} in this investigation")
    return found
