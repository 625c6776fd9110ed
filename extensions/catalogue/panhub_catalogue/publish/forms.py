"""A data collection's JSON form, checked field by field (pure).

:func:`parse_collection` turns the body of ``POST``/``PATCH api/collections`` into a
:class:`CollectionForm` holding only the fields given, each checked: unknown fields,
wrong types, over-long text, ORCID iDs (check digit), ROR ids, licences (SPDX),
DataCite's relation and identifier types. Every refusal is a
:class:`~.problems.InvalidFields` (a 400) whose problem names the field as the form
labels it (``Author 2, ORCID iD: ...``), its key in the form and its path in the body
(:mod:`~.problems`). Text is kept as given (a ``<script>`` is stored as text).

JSON shape (every field optional in a ``PATCH``)::

    {"title": "...", "description": "...", "licence": "CC-BY-4.0" | null,
     "keywords": ["..."], "resourceTypeGeneral": "Dataset" | "Collection",
     "resourceType": "..." | null, "version": "1" | null,
     "release": "embargo" | "immediate",
     "creators": [{"name": "Ana Example", "givenName": "Ana", "familyName": "Example",
                   "orcid": "0000-0002-1825-0097", "affiliation": "University",
                   "affiliationRor": "https://ror.org/02j9n6e35"}],
     "relatedIdentifiers": [{"identifier": "10.1234/paper", "identifierType": "DOI",
                             "relationType": "IsSupplementTo",
                             "resourceTypeGeneral": "JournalArticle"}],
     "datasets": [12, 13], "datafiles": [400]}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from panhub_catalogue.pids import is_ror, read_orcid
from panhub_catalogue.publish.document import COLLECTION_TYPES, VERSION_RELATIONS
from panhub_catalogue.publish.licences import find_licence
from panhub_catalogue.publish.problems import InvalidFields, make_form_problem
from panhub_catalogue.publish.validation import DOI, load_enum

RELEASES = ("embargo", "immediate")
#: Most creators, related identifiers, keywords and items one collection may hold.
MAX_CREATORS, MAX_RELATED, MAX_KEYWORDS, MAX_ITEMS = 200, 100, 50, 10_000
TEXT_FIELDS = {"title": 4000, "description": 100_000, "resourceType": 255, "version": 64}
CREATOR_FIELDS = {
    "name": 255,
    "givenName": 255,
    "familyName": 255,
    "orcid": 64,
    "affiliation": 255,
    "affiliationRor": 255,
}
RELATED_FIELDS = ("identifier", "identifierType", "relationType", "resourceTypeGeneral")
FIELDS = (
    *TEXT_FIELDS,
    "licence",
    "keywords",
    "resourceTypeGeneral",
    "release",
    "creators",
    "relatedIdentifiers",
    "datasets",
    "datafiles",
)


@dataclass(frozen=True)
class CreatorForm:
    """One author as the form gives it (ORCID bare, ROR as its URL)."""

    name: str
    givenName: str | None = None
    familyName: str | None = None
    orcid: str | None = None
    affiliation: str | None = None
    affiliationRor: str | None = None


@dataclass(frozen=True)
class RelatedForm:
    """One related identifier as the form gives it."""

    identifier: str
    relationType: str
    identifierType: str = "DOI"
    resourceTypeGeneral: str | None = None


@dataclass(frozen=True)
class CollectionForm:
    """The checked fields of a form: ``given`` names those present, ``values`` holds them."""

    values: dict[str, Any]

    @property
    def given(self) -> set[str]:
        return set(self.values)

    @property
    def content_given(self) -> bool:
        """Whether the form sets the datasets or files (a content change)."""
        return "datasets" in self.values or "datafiles" in self.values


def refuse(path: str, message: str) -> InvalidFields:
    """The refusal of the field at ``path`` of the body (``creators[0].orcid``)."""
    return InvalidFields("", [make_form_problem(path, message)])


def check_text(value: object, name: str, limit: int, *, required: bool = False) -> str | None:
    """A string of at most ``limit`` characters without NUL (``None`` unless required)."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise refuse(name, f"must be text, not {type(value).__name__}")
    if "\x00" in value:
        raise refuse(name, "holds a NUL character")
    if len(value) > limit:
        raise refuse(name, f"is {len(value)} characters long; at most {limit} are allowed")
    if required and not value.strip():
        raise refuse(name, "must not be empty")
    return value


def check_list(value: object, name: str, limit: int) -> list[Any]:
    """A JSON array of at most ``limit`` items."""
    if not isinstance(value, list):
        raise refuse(name, f"must be a list, not {type(value).__name__}")
    if len(value) > limit:
        raise refuse(name, f"has {len(value)} items; at most {limit} are allowed")
    return value


def check_object(value: object, name: str, known: Any) -> dict[str, Any]:
    """A JSON object with only ``known`` keys."""
    if not isinstance(value, dict):
        raise refuse(name, f"must be an object, not {type(value).__name__}")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise refuse(name, f"unknown field {unknown[0][:40]!r} (known: {', '.join(known)})")
    return value


def check_ids(value: object, name: str) -> list[int]:
    """A list of distinct positive integer ids."""
    ids = check_list(value, name, MAX_ITEMS)
    for item in ids:
        if isinstance(item, bool) or not isinstance(item, int) or not 0 < item < 2**63:
            raise refuse(name, f"{str(item)[:40]!r} is not an id")
    return sorted(set(ids))


def check_choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``."""
    if value not in choices:
        raise refuse(name, f"{str(value)[:60]!r} is not one of {', '.join(choices)}")
    return str(value)


def parse_creator(value: object, where: str) -> CreatorForm:
    """One author: a name, optional given and family names, ORCID, affiliation and ROR."""
    entry = check_object(value, where, CREATOR_FIELDS)
    text = {k: check_text(entry.get(k), f"{where}.{k}", n) for k, n in CREATOR_FIELDS.items()}
    given, family = text["givenName"], text["familyName"]
    name = text["name"] or (f"{given} {family}" if given and family else None)
    if not name or not name.strip():
        raise refuse(f"{where}.name", "every author needs a name")
    orcid = text["orcid"]
    if orcid and read_orcid(orcid) is None:
        raise refuse(
            f"{where}.orcid",
            f"{orcid[:40]!r} is not an ORCID iD (0000-0002-1825-0097, check digit included)",
        )
    ror = text["affiliationRor"]
    if ror and not is_ror(ror):
        raise refuse(
            f"{where}.affiliationRor", f"{ror[:60]!r} is not a ROR id (https://ror.org/...)"
        )
    if ror and not text["affiliation"]:
        raise refuse(f"{where}.affiliation", "a ROR id needs the institution's name too")
    return CreatorForm(
        name,
        given,
        family,
        read_orcid(orcid) if orcid else None,
        text["affiliation"] or None,
        ror or None,
    )


def parse_related(value: object, where: str) -> RelatedForm:
    """One related identifier; a DOI is written bare (``10.1234/x``)."""
    entry = check_object(value, where, RELATED_FIELDS)
    identifier = check_text(entry.get("identifier"), f"{where}.identifier", 1000, required=True)
    assert identifier is not None
    kind = check_choice(
        entry.get("identifierType", "DOI"),
        f"{where}.identifierType",
        tuple(load_enum("relatedIdentifierType")),
    )
    relations = tuple(r for r in load_enum("relationType") if r not in VERSION_RELATIONS)
    relation = entry.get("relationType")
    if relation in VERSION_RELATIONS:
        raise refuse(
            f"{where}.relationType",
            f"{relation} links are set by the catalogue (make a new version)",
        )
    relation = check_choice(relation, f"{where}.relationType", relations)
    general = entry.get("resourceTypeGeneral")
    if general is not None:
        general = check_choice(
            general, f"{where}.resourceTypeGeneral", tuple(load_enum("resourceTypeGeneral"))
        )
    identifier = identifier.strip()
    if kind == "DOI":
        identifier = identifier.removeprefix("https://doi.org/").removeprefix("doi:")
        if DOI.fullmatch(identifier) is None:
            raise refuse(f"{where}.identifier", f"{identifier[:80]!r} is not a DOI (10.1234/...)")
    return RelatedForm(identifier, relation, kind, general)


def parse_field(name: str, value: object) -> object:
    """One field of the form, checked."""
    if name in TEXT_FIELDS:
        return check_text(value, name, TEXT_FIELDS[name], required=name == "title")
    if name == "licence":
        if value is None:
            return None
        text = check_text(value, name, 255)
        assert text is not None
        found = find_licence(text)
        if found is None:
            raise refuse(
                "licence",
                f"{text[:60]!r} is not a known SPDX licence id (e.g. CC-BY-4.0, CC0-1.0, "
                "or LicenseRef-<name> for a site licence)",
            )
        return found
    if name == "keywords":
        words = [
            check_text(w, "keywords[]", 255, required=True)
            for w in check_list(value, name, MAX_KEYWORDS)
        ]
        return list(dict.fromkeys(w.strip() for w in words if w is not None))
    if name == "resourceTypeGeneral":
        return check_choice(value, name, COLLECTION_TYPES)
    if name == "release":
        return check_choice(value, name, RELEASES)
    if name == "creators":
        people = check_list(value, name, MAX_CREATORS)
        return [parse_creator(p, f"creators[{n}]") for n, p in enumerate(people)]
    if name == "relatedIdentifiers":
        links = check_list(value, name, MAX_RELATED)
        return [parse_related(r, f"relatedIdentifiers[{n}]") for n, r in enumerate(links)]
    return check_ids(value, name)  # datasets, datafiles


def parse_collection(body: object) -> CollectionForm:
    """The checked fields of a collection's form (only those given).

    Raises
    ------
    InvalidFields
        The body is not an object, has an unknown field, or a field is wrong.
    """
    entry = check_object(body, "the body", FIELDS)
    return CollectionForm({name: parse_field(name, value) for name, value in entry.items()})
