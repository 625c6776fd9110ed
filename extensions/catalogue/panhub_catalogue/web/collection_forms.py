"""The portal's data collection form, as the JSON the collection routes take (pure).

The form is plain HTML (it works without JavaScript): one field per metadata field,
numbered rows for the authors (``creator-<n>-<field>``) and the related works
(``related-<n>-<field>``), keywords one a line or comma separated, and checkboxes for
the datasets and files it holds (``dataset``, ``datafile``). :func:`read_form` turns a
posted form into the body of ``POST``/``PATCH api/collections``
(:mod:`panhub_catalogue.publish.forms` checks it, field by field), so the portal and
the JSON API share one set of rules. :func:`make_form_view` goes the other way, from a
collection's record or from what was posted (after a refusal nothing the user typed is
lost); :func:`make_problems_view` lists the problems by the fields' labels, each linked
to its field, and says which fields to mark (``aria-invalid``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from panhub_catalogue.errors import BadRequest
from panhub_catalogue.publish.document import COLLECTION_TYPES, VERSION_RELATIONS
from panhub_catalogue.publish.forms import CREATOR_FIELDS, RELATED_FIELDS, RELEASES
from panhub_catalogue.publish.licences import LICENCES
from panhub_catalogue.publish.problems import Problem
from panhub_catalogue.publish.validation import load_enum

#: Text fields of the form, as the JSON names them.
TEXT_FIELDS = ("title", "description", "resourceType", "version")
#: Empty rows added below the filled ones, for one more author or related work without
#: JavaScript (the page's script adds more on demand).
BLANK_ROWS = 1
#: The element id of a field key (:mod:`panhub_catalogue.publish.problems`) where it is not
#: the key itself (the authors' and related works' rows use their keys as ids).
FIELD_IDS = {
    "title": "c-title",
    "description": "c-description",
    "keywords": "c-keywords",
    "licence": "c-licence",
    "version": "c-version",
    "resourceType": "c-resource-type",
    "resourceTypeGeneral": "c-resource-type-general",
    "release": "c-release",
    "dataset": "c-content",
    "datafile": "c-content",
}
_ROW = re.compile(r"^(creator|related)-(\d{1,3})-(\w+)$")
_KEYWORDS = re.compile(r"[,\n]")
JSON = dict[str, Any]


def get_first(fields: Mapping[str, Sequence[str]], name: str) -> str | None:
    """The first value of a field, ``None`` when absent."""
    values = fields.get(name) or []
    return values[0] if values else None


def read_rows(
    fields: Mapping[str, Sequence[str]], kind: str, names: Sequence[str], keys: Sequence[str]
) -> list[JSON]:
    """Numbered rows (``<kind>-<n>-<field>``) in order, empty values left out; a row
    with none of its ``keys`` filled in is a blank row, dropped (a list's default choice
    alone does not make a row)."""
    rows: dict[int, JSON] = {}
    for key, values in fields.items():
        match = _ROW.match(key)
        if match and match.group(1) == kind and match.group(3) in names and values:
            value = values[0].strip()
            if value:
                rows.setdefault(int(match.group(2)), {})[match.group(3)] = value
    return [row for _, row in sorted(rows.items()) if any(row.get(k) for k in keys)]


def read_ids(fields: Mapping[str, Sequence[str]], name: str) -> list[int]:
    """Checked ids of the datasets or files; a value that is not one is a 400."""
    ids = []
    for value in fields.get(name) or []:
        if not value.isdigit() or len(value) > 18:
            raise BadRequest(f"{name}: {value[:40]!r} is not an id")
        ids.append(int(value))
    return ids


def read_form(fields: Mapping[str, Sequence[str]], *, content: bool = True) -> JSON:
    """The JSON body of a posted collection form.

    Parameters
    ----------
    fields
        The form's fields (each a list of strings), e.g. tornado's ``body_arguments``
        decoded.
    content
        Whether the form lists the collection's datasets and files (a draft's does; a
        minted one's content never changes).
    """
    body: JSON = {}
    for name in TEXT_FIELDS:
        value = get_first(fields, name)
        if value is not None:
            body[name] = value.strip() if name != "description" else value.strip("\r\n")
            if name != "title" and not body[name]:
                body[name] = None
    licence = get_first(fields, "licence")
    if licence is not None:
        body["licence"] = licence or None
    keywords = get_first(fields, "keywords")
    if keywords is not None:
        body["keywords"] = [w.strip() for w in _KEYWORDS.split(keywords) if w.strip()]
    for name in ("resourceTypeGeneral", "release"):
        value = get_first(fields, name)
        if value is not None:
            body[name] = value
    if any(_ROW.match(k) and k.startswith("creator-") for k in fields):
        names = tuple(CREATOR_FIELDS)
        body["creators"] = read_rows(fields, "creator", names, names)
    if any(_ROW.match(k) and k.startswith("related-") for k in fields):
        related = read_rows(fields, "related", RELATED_FIELDS, ("identifier", "relationType"))
        body["relatedIdentifiers"] = related
    if content:
        body["datasets"] = read_ids(fields, "dataset")
        body["datafiles"] = read_ids(fields, "datafile")
    return body


@dataclass(frozen=True)
class Choices:
    """The values the form's lists offer (DataCite's, and the licences the catalogue knows)."""

    licences: tuple[tuple[str, str], ...]
    relations: tuple[str, ...]
    identifier_types: tuple[str, ...]
    resource_types: tuple[str, ...]
    collection_types: tuple[str, ...] = COLLECTION_TYPES
    releases: tuple[str, ...] = RELEASES


def get_choices() -> Choices:
    """What each list of the form offers."""
    return Choices(
        licences=tuple((spdx, name) for spdx, (name, _url) in LICENCES.items()),
        relations=tuple(r for r in load_enum("relationType") if r not in VERSION_RELATIONS),
        identifier_types=tuple(load_enum("relatedIdentifierType")),
        resource_types=tuple(load_enum("resourceTypeGeneral")),
    )


def make_form_view(values: Mapping[str, Any]) -> JSON:
    """What the form shows: ``values`` (a collection's metadata, as its record or a posted
    body gives it) with every field present and blank rows for more authors and works."""
    creators = [dict(c) for c in values.get("creators") or []]
    related = [dict(r) for r in values.get("relatedIdentifiers") or []]
    blank_creator = dict.fromkeys(CREATOR_FIELDS)
    blank_related = dict.fromkeys(RELATED_FIELDS) | {"identifierType": "DOI"}
    return {
        "title": values.get("title") or "",
        "description": values.get("description") or "",
        "licence": values.get("licence") or "",
        "keywords": "\n".join(values.get("keywords") or []),
        "resourceTypeGeneral": values.get("resourceTypeGeneral") or "Dataset",
        "resourceType": values.get("resourceType") or "",
        "version": values.get("version") or "",
        "release": values.get("release") or "embargo",
        "creators": [blank_creator | c for c in creators] + [blank_creator] * BLANK_ROWS,
        "related": [blank_related | r for r in related] + [blank_related] * BLANK_ROWS,
    }


def make_problems_view(problems: Sequence[Problem | Mapping[str, Any]]) -> JSON:
    """The problems as the page lists them, and the fields they mark.

    Parameters
    ----------
    problems
        :class:`~panhub_catalogue.publish.problems.Problem` objects (a refusal's) or
        their JSON (a record's ``problems``).

    Returns
    -------
    dict
        ``entries``: each problem's ``id`` (``problem-<n>``), ``label``, ``message`` and
        ``target`` (the id of its field's element, ``None`` when it is no field of the
        form); ``marked``: element id -> the ids of the problems about it, for its
        ``aria-describedby``.
    """
    items: list[JSON] = []
    marked: dict[str, list[str]] = {}
    for n, problem in enumerate(problems):
        entry = problem.as_json() if isinstance(problem, Problem) else dict(problem)
        field = entry.get("field")
        target = FIELD_IDS.get(field, field) if isinstance(field, str) else None
        item = {"id": f"problem-{n}", "label": entry.get("label") or entry.get("path") or ""}
        item |= {"message": entry.get("message") or entry.get("text") or "", "target": target}
        items.append(item)
        if target:
            marked.setdefault(target, []).append(item["id"])
    return {"entries": items, "marked": {k: " ".join(v) for k, v in marked.items()}}
