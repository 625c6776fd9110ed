"""OAI-PMH requests: their arguments, identifiers, sets and dates, checked (pure).

What :mod:`panhub_catalogue.publish.oaipmh` reads from a request before it asks the
catalogue anything; every malformed input is an :class:`OaiError` with the protocol's
code (``badVerb``, ``badArgument``, ``idDoesNotExist``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from panhub_catalogue.publish.xml_text import NOT_XML

#: Item kinds, in the order lists walk them (an item's rank is its index).
KINDS = ("investigation", "collection")
#: ``type:`` set of each kind.
TYPE_SETS = {"investigation": "type:session", "collection": "type:collection"}
#: The set of items with a DOI.
DOI_SET = "doi"
#: Characters of one part of a setSpec (OAI-PMH.xsd's setSpecType).
_SET_PART = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
_NOT_SET_CHAR = re.compile(r"[^A-Za-z0-9\-_.!~*'()]+")
_PANET = re.compile(r"PaNET\d+")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_LOCAL_ID = re.compile(r"([a-z]+)/([1-9]\d{0,17})")
#: metadataPrefixType of OAI-PMH.xsd.
_PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")

VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # verb: (required arguments, optional ones); resumptionToken is exclusive
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset({"resumptionToken"})),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
    "ListIdentifiers": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set", "resumptionToken"}),
    ),
    "ListRecords": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set", "resumptionToken"}),
    ),
}


class OaiError(Exception):
    """An OAI-PMH error condition: ``code`` (``badArgument``...) and a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SetFilter:
    """A parsed setSpec: ``family`` (type, doi, beamline, technique) and an optional value."""

    family: str
    value: str | None = None


def make_identifier(repository: str, kind: str, item_id: int) -> str:
    """``oai:<repository>:<kind>/<id>``."""
    return f"oai:{repository}:{kind}/{item_id}"


def read_identifier(repository: str, identifier: str) -> tuple[str, int]:
    """``(kind, id)`` of one of this repository's identifiers, else ``idDoesNotExist``."""
    prefix = f"oai:{repository}:"
    local = identifier[len(prefix) :] if identifier.startswith(prefix) else ""
    match = _LOCAL_ID.fullmatch(local)
    if match is None or match.group(1) not in KINDS:
        raise OaiError("idDoesNotExist", f"no item {identifier!r} in this repository")
    return match.group(1), int(match.group(2))


def make_set_value(text: str) -> str:
    """A name as one part of a setSpec: each run of other characters becomes ``_``.

    >>> make_set_value("x-ray absorption spectroscopy")
    'x-ray_absorption_spectroscopy'
    """
    return _NOT_SET_CHAR.sub("_", text.strip()) or "_"


def make_technique_value(name: str, pid: str | None) -> str:
    """A technique's setSpec value: its PaNET id (``PaNET01196``) when it has one, else
    its name (:func:`make_set_value`)."""
    match = _PANET.search(pid or "")
    return match.group(0) if match else make_set_value(name)


def read_set(spec: str) -> SetFilter:
    """A setSpec as a :class:`SetFilter`; malformed ones are ``badArgument``.

    A well-formed but unknown set is answered ``noRecordsMatch`` by the list itself.
    """
    parts = spec.split(":")
    if not all(_SET_PART.fullmatch(p) for p in parts) or len(parts) > 2:
        raise OaiError("badArgument", f"set {spec[:80]!r} is not a setSpec")
    return SetFilter(parts[0], parts[1] if len(parts) == 2 else None)


def read_date(name: str, text: str, until: bool) -> tuple[datetime, bool]:
    """A ``from``/``until`` argument as naive UTC, and whether it was a day.

    A day ``until`` means its last second, a day ``from`` its first.
    """
    try:
        if _SECOND.fullmatch(text):
            return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ"), False
        if _DAY.fullmatch(text):
            day = datetime.strptime(text, "%Y-%m-%d")
            return (day + timedelta(days=1, seconds=-1) if until else day), True
    except ValueError:
        pass
    raise OaiError(
        "badArgument",
        f"{name} {text[:40]!r} is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ",
    )


def read_arguments(arguments: Mapping[str, Sequence[str]]) -> tuple[str, dict[str, str]]:
    """The verb and its arguments, checked against :data:`VERBS`.

    Raises
    ------
    OaiError
        ``badVerb`` (none, unknown or repeated), ``badArgument`` (a repeated, illegal
        or missing argument, or a resumption token beside anything but the verb).
    """
    verbs = arguments.get("verb", [])
    if len(verbs) != 1 or verbs[0] not in VERBS:
        what = (
            "no verb"
            if not verbs
            else ("a repeated verb" if len(verbs) > 1 else f"verb {verbs[0][:40]!r}")
        )
        raise OaiError("badVerb", f"{what}: the verbs are {', '.join(VERBS)}")
    verb = verbs[0]
    required, optional = VERBS[verb]
    given: dict[str, str] = {}
    for name, values in arguments.items():
        if name == "verb":
            continue
        if name not in required | optional:
            raise OaiError("badArgument", f"{verb} takes no argument {name[:40]!r}")
        if len(values) != 1:
            raise OaiError("badArgument", f"argument {name!r} is repeated")
        if NOT_XML.search(values[0]):
            raise OaiError("badArgument", f"argument {name!r} holds a character XML cannot hold")
        given[name] = values[0]
    if "metadataPrefix" in given and not _PREFIX.fullmatch(given["metadataPrefix"]):
        raise OaiError(
            "badArgument", f"metadataPrefix {given['metadataPrefix'][:40]!r} is malformed"
        )
    if "resumptionToken" in given:
        if len(given) > 1:
            raise OaiError(
                "badArgument", "resumptionToken is exclusive: no other argument but verb"
            )
        return verb, given
    missing = sorted(required - set(given))
    if missing:
        raise OaiError("badArgument", f"{verb} needs {', '.join(missing)}")
    return verb, given


def is_known_family(sets: SetFilter) -> bool:
    """Whether a set names one of our families (``type`` only with a known value)."""
    if sets.family == "type":
        return sets.value is None or f"type:{sets.value}" in TYPE_SETS.values()
    if sets.family == DOI_SET:
        return sets.value is None
    return sets.family in ("beamline", "technique")
