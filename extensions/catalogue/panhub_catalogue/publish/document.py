"""The one DataCite 4.5 document of an item: an experiment session or a data collection.

Everything published about an item is made from this document: the body sent to
DataCite's REST API (``data.attributes``), the landing page, OAI-PMH's ``oai_datacite``
and ``oai_dc``, schema.org JSON-LD and the citations. So they cannot disagree.

Pure: the builders take plain frozen dataclasses (:class:`SessionRecord`,
:class:`CollectionRecord`, :class:`DocumentSettings`), filled from the catalogue's
rows by :mod:`panhub_catalogue.publish.rows`, and return a JSON-able ``dict`` in
DataCite's JSON shape (the REST API's attribute names). Text is copied as given: a
``<script>`` in a title stays those characters; escaping belongs to each output format.

The document holds ``doi`` and ``url`` (the landing page) when they are known, never
``event`` or ``prefix`` (what to do at DataCite is :mod:`~.minting`'s business), nor
``schemaVersion``, which the REST API does not need but the bundled 4.5 JSON schema
requires: :func:`validate_document` adds it to a copy before validating.

An embargoed session (``SessionRecord.embargoed``) gets citation metadata only, as its
landing page shows it to the public (:func:`panhub_catalogue.visibility.get_landing_investigation`):
title, DOI, facility, beamlines, dates; its creator is the facility and it carries no
abstract, sizes or people. Once released, the full document replaces it at DataCite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from panhub_catalogue.pids import read_orcid
from panhub_catalogue.publish.licences import describe_licence, find_licence
from panhub_catalogue.publish.validation import DOI, ORCID_URL, SCHEMA_VERSION, validate_document

__all__ = [
    "SCHEMA_VERSION",
    "Affiliation",
    "CollectionRecord",
    "Content",
    "Creator",
    "DocumentSettings",
    "RelatedIdentifier",
    "SessionRecord",
    "Technique",
    "build_collection_document",
    "build_investigation_document",
    "make_doi",
    "validate_document",
]
#: ``types.resourceType`` of an experiment session's document.
SESSION_RESOURCE_TYPE = "Experiment session"
#: ``resourceTypeGeneral`` values a data collection may take.
COLLECTION_TYPES = ("Dataset", "Collection")
#: Relation types a user may give a related identifier (DataCite 4.5's list; the version
#: links are set by the catalogue itself).
VERSION_RELATIONS = ("IsNewVersionOf", "IsPreviousVersionOf")
#: PaNET, the photon and neutron techniques ontology (``Technique.pid`` holds its IRIs).
PANET_SCHEME = "http://purl.org/pan-science/PaNET/"
ROR_URL = "https://ror.org/"
#: Characters kept as they are in a generated DOI suffix (others become ``-``).
_UNSAFE_SUFFIX = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Affiliation:
    """An institution: its name and ROR id (``https://ror.org/...``), if known."""

    name: str
    ror: str | None = None


@dataclass(frozen=True)
class Creator:
    """A person (or, with ``organisation``, an institution) credited as an author.

    ``name`` is what is shown when the given and family names are not both known (a
    full name, ``Ana Example``); ``orcid`` is a bare ORCID iD (``0000-0002-1825-0097``).
    """

    name: str
    given_name: str | None = None
    family_name: str | None = None
    orcid: str | None = None
    affiliations: tuple[Affiliation, ...] = ()
    organisation: bool = False


@dataclass(frozen=True)
class RelatedIdentifier:
    """A link to another work: ``IsSupplementTo`` a paper's DOI, ``IsCitedBy``...

    ``identifier_type`` is one of DataCite's (``DOI``, ``URL``, ``arXiv``, ``Handle``...).
    """

    identifier: str
    relation_type: str
    identifier_type: str = "DOI"
    resource_type_general: str | None = None


@dataclass(frozen=True)
class Technique:
    """An experimental technique; ``pid`` its PaNET IRI, if known."""

    name: str
    pid: str | None = None


@dataclass(frozen=True)
class DocumentSettings:
    """What the facility says about everything it publishes (from ``settings.Publishing``).

    Attributes
    ----------
    publisher
        The publisher's name, e.g. ``ALBA Synchrotron``.
    publisher_ror
        Its ROR id, e.g. ``https://ror.org/02j9n6e35``; empty when none.
    licence
        SPDX id of the licence of data that gives none, e.g. ``CC-BY-4.0``.
    landing_url_base
        Absolute URL the landing pages are under, ending in ``/``, e.g.
        ``https://data.example.org/services/catalogue/``; empty: no ``url``.
    """

    publisher: str = "PANHUB"
    publisher_ror: str = ""
    licence: str = "CC-BY-4.0"
    landing_url_base: str = ""


@dataclass(frozen=True)
class Content:
    """What an item's data is, as its document describes it."""

    facility: str
    beamlines: tuple[str, ...] = ()
    techniques: tuple[Technique, ...] = ()
    file_count: int = 0
    file_size: int = 0
    formats: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class SessionRecord:
    """An experiment session (an investigation), as its document needs it.

    ``creators`` are its members in order (principal investigators first); ``release``
    is the end of its embargo (``None``: not set); ``embargoed`` whether its data is
    hidden from the public now; ``minted`` when its DOI was registered.
    """

    id: int
    proposal: str
    visit: str
    title: str
    summary: str | None
    content: Content
    creators: tuple[Creator, ...] = ()
    doi: str | None = None
    release: datetime | None = None
    embargoed: bool = True
    minted: datetime | None = None
    modified: datetime | None = None


@dataclass(frozen=True)
class CollectionRecord:
    """A data collection, as its document needs it.

    ``release`` is when all of its data is public (the latest release of the sessions
    it comes from; ``None`` when one has none); ``sessions`` the DOIs of those sessions;
    ``previous_doi``/``next_doi`` the versions before and after it.
    """

    id: int
    title: str
    description: str | None
    content: Content
    creators: tuple[Creator, ...] = ()
    licence: str | None = None
    keywords: tuple[str, ...] = ()
    related: tuple[RelatedIdentifier, ...] = ()
    resource_type_general: str = "Dataset"
    resource_type: str | None = None
    version: str | None = None
    doi: str | None = None
    created: datetime | None = None
    modified: datetime | None = None
    minted: datetime | None = None
    release: datetime | None = None
    sessions: tuple[str, ...] = ()
    previous_doi: str | None = None
    next_doi: str | None = None


def make_landing_url(settings: DocumentSettings, kind: str, item_id: int) -> str | None:
    """``<landing_url_base>landing/<kind>/<id>`` (``kind``: investigations or collections)."""
    if not settings.landing_url_base:
        return None
    return f"{settings.landing_url_base}landing/{kind}/{item_id}"


def make_doi_suffix(text: str) -> str:
    """``text`` with characters a DOI suffix should avoid replaced by ``-``.

    >>> make_doi_suffix("ALBA-ES-2024 001/a")
    'ALBA-ES-2024-001-a'
    """
    return _UNSAFE_SUFFIX.sub("-", text).strip("-")


def make_doi(pattern: str, prefix: str, **fields: object) -> str:
    """A DOI from a pattern such as ``{prefix}/{facility}-ES-{proposal}``.

    Each field (``facility``, ``proposal``, ``visit``, ``id``, ``random``) is made safe
    for a DOI suffix (:func:`make_doi_suffix`); the prefix is used as is.

    Raises
    ------
    ValueError
        The pattern names an unknown field, or does not give ``<prefix>/<suffix>``.
    """
    safe = {name: make_doi_suffix(str(value)) for name, value in fields.items()}
    try:
        doi = pattern.format(prefix=prefix, **safe)
    except (KeyError, IndexError, ValueError) as error:
        known = ", ".join(["prefix", *fields])
        raise ValueError(
            f"DOI pattern {pattern!r}: unknown field {error} (known: {known})"
        ) from None
    if not doi.startswith(prefix + "/") or DOI.fullmatch(doi) is None:
        raise ValueError(f"DOI pattern {pattern!r} gives {doi!r}, not '{prefix}/<suffix>'")
    return doi


def format_date(moment: datetime) -> str:
    """``YYYY-MM-DD``."""
    return moment.date().isoformat()


def describe_affiliation(affiliation: Affiliation) -> dict[str, str]:
    """DataCite's ``affiliation`` entry (with its ROR id when there is one)."""
    entry = {"name": affiliation.name}
    if affiliation.ror:
        entry |= {
            "affiliationIdentifier": affiliation.ror,
            "affiliationIdentifierScheme": "ROR",
            "schemeUri": ROR_URL,
        }
    return entry


def describe_creator(creator: Creator) -> dict[str, Any]:
    """DataCite's ``creators`` entry: ``Family, Given`` when both are known, ORCID, ROR."""
    if creator.organisation:
        entry: dict[str, Any] = {"name": creator.name, "nameType": "Organizational"}
    else:
        entry = {"name": creator.name, "nameType": "Personal"}
        if creator.given_name and creator.family_name:
            entry["name"] = f"{creator.family_name}, {creator.given_name}"
        if creator.given_name:
            entry["givenName"] = creator.given_name
        if creator.family_name:
            entry["familyName"] = creator.family_name
    if creator.orcid:
        entry["nameIdentifiers"] = [
            {
                "nameIdentifier": ORCID_URL + (read_orcid(creator.orcid) or creator.orcid),
                "nameIdentifierScheme": "ORCID",
                "schemeUri": ORCID_URL,
            }
        ]
    if creator.affiliations:
        entry["affiliation"] = [describe_affiliation(a) for a in creator.affiliations]
    return entry


def describe_publisher(settings: DocumentSettings) -> dict[str, str]:
    """DataCite 4.5's ``publisher`` object (with the ROR id when configured)."""
    publisher = {"name": settings.publisher}
    if settings.publisher_ror:
        publisher |= {
            "publisherIdentifier": settings.publisher_ror,
            "publisherIdentifierScheme": "ROR",
            "schemeUri": ROR_URL,
        }
    return publisher


def describe_subjects(content: Content, keywords: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Techniques (as PaNET terms when they have an IRI), then free keywords, no repeats."""
    subjects: list[dict[str, str]] = []
    for technique in content.techniques:
        subject = {"subject": technique.name}
        if technique.pid:
            subject |= {"subjectScheme": "PaNET", "schemeUri": PANET_SCHEME}
            subject["valueUri"] = technique.pid
        subjects.append(subject)
    subjects += [{"subject": k} for k in keywords]
    unique: list[dict[str, str]] = []
    for subject in subjects:
        if subject not in unique:
            unique.append(subject)
    return unique


def describe_dates(
    content: Content,
    release: datetime | None,
    minted: datetime | None,
    created: datetime | None = None,
    modified: datetime | None = None,
) -> list[dict[str, str]]:
    """``Collected`` (start/end), ``Available`` (end of embargo), ``Issued`` (minted),
    ``Created`` and ``Updated`` (the record's own)."""
    dates: list[dict[str, str]] = []
    if content.start is not None:
        end = content.end if content.end is not None else content.start
        collected = f"{format_date(content.start)}/{format_date(end)}"
        dates.append({"date": collected, "dateType": "Collected"})
    for moment, kind in (
        (release, "Available"),
        (minted, "Issued"),
        (created, "Created"),
        (modified, "Updated"),
    ):
        if moment is not None:
            dates.append({"date": format_date(moment), "dateType": kind})
    return dates


def describe_beamlines(content: Content) -> str:
    """``Measured at beamline BL13 of ALBA.`` (``beamlines`` for several; the facility only
    when none is known)."""
    if not content.beamlines:
        return f"Measured at {content.facility}."
    word = "beamline" if len(content.beamlines) == 1 else "beamlines"
    return f"Measured at {word} {', '.join(content.beamlines)} of {content.facility}."


def get_publication_year(*candidates: datetime | None) -> str:
    """The year of the first known moment (DataCite: when the data is or will be public)."""
    for moment in candidates:
        if moment is not None:
            return f"{moment.year:04d}"
    raise ValueError("no date to take the publication year from")


def add_data_description(document: dict[str, Any], content: Content) -> None:
    """``sizes`` and ``formats`` of the data (left out when there are no files)."""
    if content.file_count:
        document["sizes"] = [f"{content.file_count} files", f"{content.file_size} bytes"]
    if content.formats:
        document["formats"] = sorted(set(content.formats))


def add_identity(
    document: dict[str, Any], doi: str | None, settings: DocumentSettings, kind: str, item_id: int
) -> dict[str, Any]:
    """``doi`` and ``url`` first in the document, when they are known."""
    head: dict[str, Any] = {}
    if doi:
        head["doi"] = doi
    url = make_landing_url(settings, kind, item_id)
    if url:
        head["url"] = url
    return head | document


def build_investigation_document(
    record: SessionRecord, settings: DocumentSettings, now: datetime
) -> dict[str, Any]:
    """The DataCite document of an experiment session (an investigation).

    Parameters
    ----------
    record
        The session, from :func:`panhub_catalogue.publish.rows.load_sessions`.
    settings
        Publisher, default licence, landing URL base.
    now
        The publication year when the session has neither release date nor DOI yet.

    Returns
    -------
    dict
        ``resourceTypeGeneral`` ``Dataset`` of type :data:`SESSION_RESOURCE_TYPE`;
        creators are the members (the facility while the session is embargoed or has
        none), the proposal is an alternate identifier, techniques are subjects.
    """
    content = record.content
    facility = Creator(settings.publisher, organisation=True)
    people = () if record.embargoed else record.creators
    visit = f" ({record.visit})" if record.visit else ""
    title = record.title or f"Proposal {record.proposal}{visit}"
    document: dict[str, Any] = {
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": SESSION_RESOURCE_TYPE},
        "creators": [describe_creator(c) for c in people or (facility,)],
        "titles": [{"title": title}],
        "publisher": describe_publisher(settings),
        "publicationYear": get_publication_year(record.release, record.minted, now),
        "subjects": describe_subjects(content),
        "contributors": [
            describe_creator(facility) | {"contributorType": "HostingInstitution"},
        ],
        "dates": describe_dates(content, record.release, record.minted, None, record.modified),
        "alternateIdentifiers": [
            {"alternateIdentifier": record.proposal, "alternateIdentifierType": "Proposal"}
        ],
        "rightsList": [describe_licence(find_licence(settings.licence) or settings.licence)],
        "descriptions": [],
    }
    if record.visit:
        document["alternateIdentifiers"].append(
            {"alternateIdentifier": record.visit, "alternateIdentifierType": "Visit"}
        )
    if record.summary and not record.embargoed:
        document["descriptions"].append(
            {"description": record.summary, "descriptionType": "Abstract"}
        )
    document["descriptions"].append(
        {"description": describe_beamlines(content), "descriptionType": "TechnicalInfo"}
    )
    if not record.embargoed:
        add_data_description(document, content)
    return add_identity(document, record.doi, settings, "investigations", record.id)


def describe_related(related: RelatedIdentifier) -> dict[str, str]:
    """DataCite's ``relatedIdentifiers`` entry."""
    entry = {
        "relatedIdentifier": related.identifier,
        "relatedIdentifierType": related.identifier_type,
        "relationType": related.relation_type,
    }
    if related.resource_type_general:
        entry["resourceTypeGeneral"] = related.resource_type_general
    return entry


def make_collection_links(record: CollectionRecord) -> list[RelatedIdentifier]:
    """The links the catalogue adds: the sessions the data is part of, the versions."""
    links = [RelatedIdentifier(doi, "IsPartOf", "DOI", "Dataset") for doi in record.sessions]
    if record.previous_doi:
        links.append(RelatedIdentifier(record.previous_doi, "IsNewVersionOf"))
    if record.next_doi:
        links.append(RelatedIdentifier(record.next_doi, "IsPreviousVersionOf"))
    return links


def build_collection_document(
    record: CollectionRecord, settings: DocumentSettings, now: datetime
) -> dict[str, Any]:
    """The DataCite document of a data collection.

    Parameters
    ----------
    record
        The collection, from :func:`panhub_catalogue.publish.rows.load_collections`.
    settings
        Publisher, default licence (when the collection names none), landing URL base.
    now
        The publication year of a collection neither minted nor with a later release.

    Returns
    -------
    dict
        Creators, title, description, keywords (with the techniques, as subjects),
        licence, version, related identifiers: the user's, then the sessions the data
        is part of (``IsPartOf``) and the versions (``IsNewVersionOf`` the previous one,
        ``IsPreviousVersionOf`` the next).
    """
    content = record.content
    licence = record.licence or settings.licence
    issued = record.minted or now
    available = max(issued, record.release) if record.release is not None else issued
    document: dict[str, Any] = {
        "types": {"resourceTypeGeneral": record.resource_type_general},
        "creators": [describe_creator(c) for c in record.creators],
        "titles": [{"title": record.title}],
        "publisher": describe_publisher(settings),
        "publicationYear": get_publication_year(available),
        "subjects": describe_subjects(content, record.keywords),
        "contributors": [
            describe_creator(Creator(settings.publisher, organisation=True))
            | {"contributorType": "HostingInstitution"},
        ],
        "dates": describe_dates(
            content, record.release, record.minted, record.created, record.modified
        ),
        "relatedIdentifiers": [
            describe_related(r) for r in (*record.related, *make_collection_links(record))
        ],
        "rightsList": [describe_licence(find_licence(licence) or licence)],
        "descriptions": [
            {"description": describe_beamlines(content), "descriptionType": "TechnicalInfo"}
        ],
    }
    if record.resource_type:
        document["types"]["resourceType"] = record.resource_type
    if record.description:
        document["descriptions"].insert(
            0, {"description": record.description, "descriptionType": "Abstract"}
        )
    if record.version:
        document["version"] = record.version
    add_data_description(document, content)
    return add_identity(document, record.doi, settings, "collections", record.id)
