"""Is a DataCite document fit to send? Readable problems, before any request is made.

:func:`validate_document` checks a document against the DataCite 4.5 JSON schema that
the ``datacite`` package bundles, and adds what the schema lets pass (blank titles and
names, ORCID check digits, the forms of ROR ids, DOIs and URLs, unknown licences).
:func:`find_problems` gives each problem as a :class:`Finding` (where, and why), which
:mod:`~.problems` names by the form's fields; :func:`validate_document` as one sentence
that names where it is (``creators[0].name: ...``).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, NamedTuple
from urllib.parse import urlparse

from panhub_catalogue.pids import is_orcid, is_ror
from panhub_catalogue.publish.licences import find_licence

#: ``schemaVersion`` of every DataCite 4.x record.
SCHEMA_VERSION = "http://datacite.org/schema/kernel-4"
ORCID_URL = "https://orcid.org/"


@cache
def get_validator() -> Any:
    """The bundled DataCite 4.5 JSON schema's validator (imported on first use: the
    ``jsonschema`` import alone takes seconds)."""
    from datacite import schema45  # type: ignore[import-untyped]

    return schema45.validator


#: A DOI as DataCite's schema writes it (``10.<4-9 digits>/<suffix>``).
DOI = re.compile(r"10\.\d{4,9}/\S+")


#: A path in a JSON document: keys and list indexes (``("creators", 0, "name")``).
Path = tuple[str | int, ...]


def format_path(path: Any) -> str:
    """A JSON path as ``creators[0].name`` (``document`` for the top)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".") or "document"


class Finding(NamedTuple):
    """One problem of a document: where (``path``) and why (``reason``).

    A property missing at the top has its own name as ``path`` and ``is required`` as
    its reason (the sentence: ``creators is required``).
    """

    path: Path
    reason: str

    @property
    def text(self) -> str:
        """``creators[0].name: a name is needed``."""
        where = format_path(self.path)
        if self.reason == "is required" and len(self.path) == 1:
            return f"{where} is required"
        return f"{where}: {self.reason}"


def describe_schema_error(error: Any) -> Finding:
    """One jsonschema error as a finding a user can act on."""
    path: Path = tuple(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        if not path:
            return Finding((missing,), "is required")
        return Finding(path, f"'{missing}' is required")
    if error.validator == "enum":
        allowed = error.validator_value
        shown = ", ".join(allowed[:6]) + (", ..." if len(allowed) > 6 else "")
        return Finding(path, f"{str(error.instance)[:80]!r} is not one of {shown}")
    if error.validator == "minItems":
        return Finding(path, f"at least {error.validator_value} needed")
    if error.validator == "pattern":
        return Finding(path, f"{str(error.instance)[:80]!r} is not of the form DataCite expects")
    return Finding(path, error.message[:200])


def check_people(document: dict[str, Any]) -> list[Finding]:
    """Creators: a name each, ORCID iDs with their check digit, ROR ids of affiliations."""
    problems: list[Finding] = []
    for n, creator in enumerate(document.get("creators") or []):
        if not isinstance(creator, dict):
            continue
        if not str(creator.get("name", "")).strip():
            problems.append(Finding(("creators", n, "name"), "a name is needed"))
        for m, identifier in enumerate(creator.get("nameIdentifiers") or []):
            value = str(identifier.get("nameIdentifier", ""))
            orcid = value.removeprefix(ORCID_URL)
            if identifier.get("nameIdentifierScheme") == "ORCID" and not is_orcid(orcid):
                where: Path = ("creators", n, "nameIdentifiers", m)
                problems.append(Finding(where, f"{value[:60]!r} is not a valid ORCID iD"))
        for m, affiliation in enumerate(creator.get("affiliation") or []):
            ror = affiliation.get("affiliationIdentifier")
            if ror is not None and not is_ror(ror):
                problems.append(
                    Finding(
                        ("creators", n, "affiliation", m),
                        f"{str(ror)[:60]!r} is not a ROR id (https://ror.org/0xxxxxxxx)",
                    )
                )
    return problems


def check_text(document: dict[str, Any]) -> list[Finding]:
    """Problems the schema lets pass: empty titles and names, a bad DOI or URL, ORCID, ROR."""
    problems: list[Finding] = []
    for n, title in enumerate(document.get("titles") or []):
        if isinstance(title, dict) and not str(title.get("title", "")).strip():
            problems.append(Finding(("titles", n, "title"), "a title is needed"))
    problems += check_people(document)
    publisher = document.get("publisher")
    if isinstance(publisher, dict):
        if not str(publisher.get("name", "")).strip():
            problems.append(Finding(("publisher", "name"), "the publisher needs a name"))
        ror = publisher.get("publisherIdentifier")
        if ror is not None and not is_ror(ror):
            problems.append(
                Finding(("publisher", "publisherIdentifier"), f"{str(ror)[:60]!r} is not a ROR id")
            )
    url = document.get("url")
    if isinstance(url, str):
        parts = urlparse(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(Finding(("url",), f"{url[:80]!r} is not an absolute http(s) URL"))
    for n, rights in enumerate(document.get("rightsList") or []):
        identifier = rights.get("rightsIdentifier") if isinstance(rights, dict) else None
        if identifier is not None and find_licence(str(identifier)) is None:
            problems.append(
                Finding(
                    ("rightsList", n), f"{str(identifier)[:60]!r} is not a known SPDX licence id"
                )
            )
    for n, related in enumerate(document.get("relatedIdentifiers") or []):
        if not isinstance(related, dict) or related.get("relatedIdentifierType") != "DOI":
            continue
        if DOI.fullmatch(str(related.get("relatedIdentifier", ""))) is None:
            problems.append(
                Finding(
                    ("relatedIdentifiers", n),
                    f"{str(related.get('relatedIdentifier'))[:80]!r} "
                    "is not a DOI (10.<prefix>/<suffix>)",
                )
            )
    return problems


def find_problems(document: object) -> list[Finding]:
    """The problems of a document, against DataCite's 4.5 JSON schema and more.

    ``schemaVersion`` is added to a copy first (the bundled schema requires it, the
    REST API does not). Beyond the schema: titles and names are not blank, ORCID iDs
    have the right check digit, ROR ids and DOIs have their form, the URL is absolute,
    the licence is a known SPDX id.

    Returns
    -------
    list[Finding]
        In document order; empty when it is valid.
    """
    if not isinstance(document, dict):
        return [Finding((), "not a JSON object")]
    candidate = {"schemaVersion": SCHEMA_VERSION} | document
    errors = sorted(
        get_validator().iter_errors(candidate), key=lambda e: [str(p) for p in e.absolute_path]
    )
    # an item whose property failed is also "unevaluated" by allOf: say it once
    failed = {tuple(e.absolute_path)[:-1] for e in errors if e.validator != "unevaluatedProperties"}
    errors = [
        e
        for e in errors
        if e.validator != "unevaluatedProperties" or tuple(e.absolute_path) not in failed
    ]
    problems = [describe_schema_error(e) for e in errors]
    return problems + [p for p in check_text(candidate) if p not in problems]


def validate_document(document: object) -> list[str]:
    """Readable problems of a document (:func:`find_problems`), as sentences.

    Returns
    -------
    list[str]
        ``"<path>: <problem>"`` sentences, in document order; empty when it is valid.
    """
    return [finding.text for finding in find_problems(document)]


def load_enum(name: str) -> list[str]:
    """The values DataCite's 4.5 schema allows for one of its enumerations.

    >>> "IsSupplementTo" in load_enum("relationType")
    True
    """
    values: list[str] = get_validator().schema["definitions"][name]["enum"]
    return values
