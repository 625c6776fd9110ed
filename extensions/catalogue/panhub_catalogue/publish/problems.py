"""A data collection's problems, named as its form names its fields (pure).

The checks find problems where they look: the form's JSON body
(:mod:`~.forms`: ``creators[1].orcid``) or the DataCite document made from it
(:mod:`~.validation`: ``creators[1].nameIdentifiers[0]``). A person filling in the
form knows neither: :func:`name_form_path` and :func:`name_document_path` give each
path the form's **field key** and its **label**, so a problem reads
``Author 2, ORCID iD: '0000-0002-1825-0098' is not a valid ORCID iD`` and the form marks
the field it is about.

Field keys are the portal form's input names (:mod:`panhub_catalogue.web.collection_forms`),
which the JSON API's clients (the Lab panel) share:

================================  ============================================
``title``, ``description``,       the fields of the JSON body of that name
``licence``, ``keywords``,
``resourceTypeGeneral``,
``resourceType``, ``version``,
``release``
``creator-<n>-<field>``           author ``n`` (from 0); ``<field>`` one of
                                  name, givenName, familyName, orcid,
                                  affiliation, affiliationRor
``related-<n>-<field>``           related work ``n``; identifier,
                                  identifierType, relationType,
                                  resourceTypeGeneral
``dataset``, ``datafile``         the datasets and files chosen
================================  ============================================

A problem about no field of the form (the publisher, the landing URL: site settings;
the links the catalogue adds) has no key (``None``). As JSON (:meth:`Problem.as_json`)::

    {"path": "creators[1].nameIdentifiers[0]", "field": "creator-1-orcid",
     "label": "Author 2, ORCID iD", "message": "'...' is not a valid ORCID iD",
     "text": "Author 2, ORCID iD: '...' is not a valid ORCID iD"}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from panhub_catalogue.errors import BadRequest
from panhub_catalogue.publish.validation import Finding, Path, format_path

#: Labels of the form's own fields, as the portal's form shows them.
FIELD_LABELS = {
    "title": "Title",
    "description": "Description",
    "licence": "Licence",
    "keywords": "Keywords",
    "resourceTypeGeneral": "Resource type",
    "resourceType": "Specific type",
    "version": "Version",
    "release": "Release",
    "dataset": "Datasets",
    "datafile": "Files",
}
#: Labels of an author's fields.
CREATOR_LABELS = {
    "name": "Name as cited",
    "givenName": "Given name",
    "familyName": "Family name",
    "orcid": "ORCID iD",
    "affiliation": "Affiliation",
    "affiliationRor": "ROR id",
}
#: Labels of a related work's fields.
RELATED_LABELS = {
    "identifier": "Identifier",
    "identifierType": "Kind of identifier",
    "relationType": "Relation",
    "resourceTypeGeneral": "Its type",
}
#: The body's list fields and the datasets' and files' keys.
BODY_LISTS = {"datasets": "dataset", "datafiles": "datafile"}
#: What the catalogue or the site sets, by the document's top-level key.
SITE_LABELS = {
    "publisher": "Publisher (a setting of the site)",
    "url": "Landing page URL",
    "doi": "DOI",
    "publicationYear": "Publication year",
    "dates": "Dates",
    "contributors": "Hosting institution",
    "sizes": "Sizes of the data",
    "formats": "Formats of the data",
    "alternateIdentifiers": "Other identifiers",
    "document": "The record",
}
#: The document's keys of an author's fields.
DOCUMENT_CREATOR = {"name": "name", "givenName": "givenName", "familyName": "familyName"}
#: The document's keys of a related work's fields.
DOCUMENT_RELATED = {
    "relatedIdentifier": "identifier",
    "relatedIdentifierType": "identifierType",
    "relationType": "relationType",
    "resourceTypeGeneral": "resourceTypeGeneral",
}
_BODY_PART = re.compile(r"(\w+)(?:\[(\d*)\])?")


@dataclass(frozen=True)
class Problem:
    """One problem, where the form shows it.

    Attributes
    ----------
    path
        Where the check found it: the DataCite document's path, or the form body's.
    field
        The form's field key (see the module's table), ``None`` for no field of it.
    label
        The field as the form labels it, e.g. ``Author 2, ORCID iD``.
    message
        What is wrong, e.g. ``'0000-0002-1825-0098' is not a valid ORCID iD``.
    """

    path: str
    field: str | None
    label: str
    message: str

    @property
    def text(self) -> str:
        """``<label>: <message>``."""
        return f"{self.label}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        """``path``, ``field``, ``label``, ``message`` and ``text``."""
        return {
            "path": self.path,
            "field": self.field,
            "label": self.label,
            "message": self.message,
            "text": self.text,
        }


class InvalidFields(BadRequest):
    """Bad input with the problems it has (HTTP 400): ``summary`` says what was refused,
    ``problems`` what to fix; the message is both."""

    def __init__(self, summary: str, problems: Sequence[Problem]) -> None:
        texts = [p.text for p in problems]
        super().__init__(f"{summary}: {'; '.join(texts[:5])}" if summary else "; ".join(texts))
        self.summary = summary
        self.problems = list(problems)


def name_creator(n: int, key: str | None) -> tuple[str, str]:
    """Author ``n``'s field ``key`` (the whole author: its name)."""
    if key is None:
        return f"creator-{n}-name", f"Author {n + 1}"
    return f"creator-{n}-{key}", f"Author {n + 1}, {CREATOR_LABELS[key]}"


def name_related(n: int, key: str | None) -> tuple[str, str]:
    """Related work ``n``'s field ``key`` (the whole work: its identifier)."""
    if key is None:
        return f"related-{n}-identifier", f"Related work {n + 1}"
    return f"related-{n}-{key}", f"Related work {n + 1}, {RELATED_LABELS[key]}"


def name_form_path(path: str) -> tuple[str | None, str]:
    """The field key and label of a path in the form's JSON body.

    >>> name_form_path("creators[1].orcid")
    ('creator-1-orcid', 'Author 2, ORCID iD')
    >>> name_form_path("keywords[]")
    ('keywords', 'Keywords')
    """
    parts = [_BODY_PART.fullmatch(p) for p in path.split(".")]
    if not parts or any(p is None for p in parts):
        return None, path
    head = parts[0]
    assert head is not None
    name, index = head.group(1), head.group(2)
    key = parts[1].group(1) if len(parts) > 1 and parts[1] is not None else None
    if name in ("creators", "relatedIdentifiers") and index:
        labels = CREATOR_LABELS if name == "creators" else RELATED_LABELS
        known = key if key in labels else None
        make = name_creator if name == "creators" else name_related
        return make(int(index), known)
    if name == "creators":
        return "creator-0-name", "Authors"
    if name == "relatedIdentifiers":
        return "related-0-identifier", "Related works"
    if name in BODY_LISTS:
        return BODY_LISTS[name], FIELD_LABELS[BODY_LISTS[name]]
    if name in FIELD_LABELS:
        return name, FIELD_LABELS[name]
    return None, path


def make_content_problem(message: str) -> Problem:
    """A problem of the datasets and files chosen as a whole (the form's Data)."""
    return Problem("datasets", "dataset", "Data", message)


def make_form_problem(path: str, message: str) -> Problem:
    """A problem the form's checks found at ``path`` of its JSON body."""
    field, label = name_form_path(path)
    return Problem(path, field, label, message)


def name_document_path(
    path: Path, document: Mapping[str, Any], related: int | None = None
) -> tuple[str | None, str]:
    """The form's field key and label of a path in a collection's DataCite document.

    Parameters
    ----------
    path
        Where the problem is (:class:`~.validation.Finding`'s ``path``).
    document
        The document, to tell its abstract from the technical description.
    related
        How many of its related identifiers the form gave (the catalogue's links to
        sessions and versions follow them); ``None``: all.
    """
    head = path[0] if path else "document"
    rest = path[1:]
    index = rest[0] if rest and isinstance(rest[0], int) else None
    if head == "titles":
        return "title", FIELD_LABELS["title"]
    if head == "creators":
        return name_document_creator(index, rest[1:])
    if head == "relatedIdentifiers":
        if index is not None and related is not None and index >= related:
            return None, f"Link {index - related + 1} the catalogue adds"
        if index is None:
            return "related-0-identifier", "Related works"
        key = DOCUMENT_RELATED.get(str(rest[1])) if len(rest) > 1 else None
        return name_related(index, key)
    if head == "descriptions":
        if index is None or is_abstract(document, index):
            return "description", FIELD_LABELS["description"]
        return None, "Technical description"
    if head == "rightsList":
        return "licence", FIELD_LABELS["licence"]
    if head == "subjects":
        return "keywords", FIELD_LABELS["keywords"]
    if head == "types":
        key = "resourceType" if rest[:1] == ("resourceType",) else "resourceTypeGeneral"
        return key, FIELD_LABELS[key]
    if head == "version":
        return "version", FIELD_LABELS["version"]
    return None, SITE_LABELS.get(str(head), format_path(path))


def name_document_creator(index: int | None, rest: Path) -> tuple[str, str]:
    """Author ``index``'s field at ``rest`` of its document entry."""
    if index is None:
        return "creator-0-name", "Authors"
    key = str(rest[0]) if rest else None
    if key == "nameIdentifiers":
        return name_creator(index, "orcid")
    if key == "affiliation":
        named = len(rest) > 2 and rest[2] == "name"
        return name_creator(index, "affiliation" if named else "affiliationRor")
    return name_creator(index, DOCUMENT_CREATOR.get(key or ""))


def is_abstract(document: Mapping[str, Any], index: int) -> bool:
    """Whether the document's ``descriptions[index]`` is the abstract (the form's)."""
    descriptions = document.get("descriptions") or []
    if not 0 <= index < len(descriptions) or not isinstance(descriptions[index], dict):
        return False
    return bool(descriptions[index].get("descriptionType") == "Abstract")


def make_collection_problems(
    findings: Sequence[Finding], document: Mapping[str, Any], related: int | None = None
) -> list[Problem]:
    """A collection document's findings as the form's problems (see :func:`name_document_path`)."""
    problems = []
    for finding in findings:
        field, label = name_document_path(finding.path, document, related)
        message = "missing" if finding.reason == "is required" else finding.reason
        problems.append(Problem(format_path(finding.path), field, label, message))
    return problems


def make_plain_problems(findings: Sequence[Finding]) -> list[Problem]:
    """Findings of a document no form fills in (a session's): labelled by their path."""
    return [Problem(format_path(f.path), None, format_path(f.path), f.reason) for f in findings]


#: Turns a document's findings into problems (:func:`make_plain_problems` or a
#: collection's :func:`make_collection_problems` with its document bound).
Describe = Callable[[Sequence[Finding]], list[Problem]]
