"""What the PaN data portal and its federated search expect of a provider, as plain rules.

Written from reading, not copying, three projects (their code is GPL or not packaged;
the facts below are what the tests need of them):

* panosc-eu/search-api (the reference provider, commit f7732f5): ``common/models/*.json``
  give each class's properties (``required``, ``type``) and relations;
  ``doc/query.md`` the filter language; ``test/*.test.js`` the acceptance queries.
* panosc-eu/panosc-federated-search-service (commit fa7b780): ``search-api/server/
  connectors/distributedConnector.js`` forwards ``find`` on Document, Dataset and
  Instrument with ``filter.limit`` set (the caller's, else ``DEFAULT_LIMIT`` 100), the
  keywords staying in ``filter.query``; a provider's error or timeout becomes no results;
  ``findById`` keeps the first provider's answer, a 404 being "not here".
  ``search-api/common/mixins/score.js`` drops every result whose ``score`` is missing, not
  a number, ``<= 0`` or ``>= 1`` (``FILTER_INVALID_SCORES``, true unless set otherwise,
  and true in production). ``search-api/server/aggregator.js`` concatenates the providers'
  lists, sorts them by score (descending) when the filter had a ``query``, else by title
  (or name) ignoring case, keeps the first ``limit``; counts are summed.
* panosc-eu/searchui (the portal, commit f30dd56): ``src/Api/translate.js`` and its test
  give the filter JSON it sends (``{"include": [...], "where": ..., "query": ...,
  "limit": 50}``); ``src/Explore/Sections.js`` asks one document by pid with
  ``limit: 0`` for its members, techniques and parameters.
"""

from __future__ import annotations

from typing import Any

#: Each class's properties: name -> (JSON type, required), from the reference's models.
CLASSES: dict[str, dict[str, tuple[str, bool]]] = {
    "Document": {
        "pid": ("string", True),
        "isPublic": ("boolean", True),
        "type": ("string", True),
        "title": ("string", True),
        "summary": ("string", False),
        "doi": ("string", False),
        "startDate": ("date", False),
        "endDate": ("date", False),
        "releaseDate": ("date", False),
        "license": ("string", False),
        "keywords": ("string[]", False),
        "score": ("number", False),
    },
    "Dataset": {
        "pid": ("string", True),
        "title": ("string", True),
        "isPublic": ("boolean", True),
        "size": ("number", False),
        "creationDate": ("date", True),
        "score": ("number", False),
    },
    "Instrument": {
        "pid": ("string", True),
        "name": ("string", True),
        "facility": ("string", True),
        "score": ("number", False),
    },
    "File": {
        "id": ("number", True),
        "name": ("string", True),
        "path": ("string", False),
        "size": ("number", False),
    },
    "Parameter": {
        "id": ("number", True),
        "name": ("string", True),
        "value": ("any", True),
        "unit": ("string", False),
    },
    "Sample": {"pid": ("string", True), "name": ("string", True), "description": ("string", False)},
    "Technique": {"pid": ("string", True), "name": ("string", True), "panetId": ("string", False)},
    "Member": {"id": ("number", True), "role": ("string", False)},
    "Person": {
        "id": ("string", True),
        "fullName": ("string", True),
        "orcid": ("string", False),
        "researcherId": ("string", False),
        "firstName": ("string", False),
        "lastName": ("string", False),
    },
    "Affiliation": {
        "id": ("number", True),
        "name": ("string", False),
        "address": ("string", False),
        "city": ("string", False),
        "country": ("string", False),
    },
}

#: Each class's relations: name -> (class, to many), from the data model (both directions).
RELATIONS: dict[str, dict[str, tuple[str, bool]]] = {
    "Document": {
        "datasets": ("Dataset", True),
        "members": ("Member", True),
        "parameters": ("Parameter", True),
    },
    "Dataset": {
        "documents": ("Document", True),
        "document": ("Document", False),
        "techniques": ("Technique", True),
        "instrument": ("Instrument", False),
        "files": ("File", True),
        "parameters": ("Parameter", True),
        "samples": ("Sample", True),
    },
    "Instrument": {"datasets": ("Dataset", True)},
    "File": {"dataset": ("Dataset", False)},
    "Parameter": {"dataset": ("Dataset", False), "document": ("Document", False)},
    "Sample": {"datasets": ("Dataset", True)},
    "Technique": {"datasets": ("Dataset", True)},
    "Member": {
        "document": ("Document", False),
        "person": ("Person", False),
        "affiliation": ("Affiliation", False),
    },
    "Person": {"members": ("Member", True)},
    "Affiliation": {"members": ("Member", True)},
}

#: The federation's defaults (``.env`` and README of the federated service).
DEFAULT_LIMIT = 100
ROOT_CLASSES = {"Documents": "Document", "Datasets": "Dataset", "Instruments": "Instrument"}


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "any":
        return isinstance(value, str | int | float) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "date":
        return isinstance(value, str) and value.endswith("Z") and "T" in value
    if kind == "string[]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    raise AssertionError(kind)


def conformance_errors(item: Any, cls: str, where: str = "") -> list[str]:
    """What in ``item`` (with its included relations) breaks the model of ``cls``."""
    where = where or cls
    if not isinstance(item, dict):
        return [f"{where}: not an object"]
    errors = []
    properties, relations = CLASSES[cls], RELATIONS.get(cls, {})
    for name, (kind, required) in properties.items():
        if name not in item or item[name] is None:
            if required:
                errors.append(f"{where}.{name}: required, missing")
        elif not _type_ok(item[name], kind):
            errors.append(f"{where}.{name}: {item[name]!r} is not a {kind}")
    for name, value in item.items():
        if name in properties:
            continue
        if name not in relations:
            errors.append(f"{where}.{name}: not a property or relation of {cls}")
            continue
        target, many = relations[name]
        if many:
            if not isinstance(value, list):
                errors.append(f"{where}.{name}: a list of {target} expected")
                continue
            for n, child in enumerate(value):
                errors += conformance_errors(child, target, f"{where}.{name}[{n}]")
        elif value is not None:
            errors += conformance_errors(value, target, f"{where}.{name}")
    return errors


def federation_keeps(item: dict[str, Any]) -> bool:
    """The federation's score rule: kept only with a number strictly between 0 and 1."""
    score = item.get("score")
    return isinstance(score, int | float) and not isinstance(score, bool) and 0 < score < 1


def forwarded_filter(portal_filter: dict[str, Any] | None) -> dict[str, Any]:
    """The filter the federation sends a provider for a ``find`` (limit always set)."""
    sent = dict(portal_filter or {})
    sent["limit"] = sent.get("limit", DEFAULT_LIMIT)
    return sent


def federate(answers: list[list[dict[str, Any]]], sent: dict[str, Any]) -> list[dict[str, Any]]:
    """What the portal gets from the providers' ``find`` answers (each already kept)."""
    merged = [item for answer in answers for item in answer if federation_keeps(item)]
    if "query" in sent:
        merged.sort(key=lambda item: -item["score"])
    else:
        merged.sort(key=lambda item: str(item.get("title", item.get("name", ""))).lower())
    limit = sent.get("limit", DEFAULT_LIMIT)
    return merged[:limit] if limit > 0 else merged
