"""OAI-PMH 2.0, the protocol for harvesters (B2FIND, OpenAIRE, EOSC): a pure core.

:func:`respond` answers one request: its arguments (GET query or POST form, already
decoded) in, the XML document out. What the catalogue holds comes through a
:class:`Source` (:mod:`panhub_catalogue.publish.oai_source` reads the database; tests
pass their own), so this module knows the protocol and nothing of SQL or HTTP (what a
request's arguments, identifiers, sets and dates may be:
:mod:`panhub_catalogue.publish.oai_requests`):

- the six verbs, with the arguments each requires, allows or refuses, and the
  protocol's error codes (``badVerb``, ``badArgument`` for a missing, repeated or
  illegal argument or a bad date, ``badResumptionToken``, ``cannotDisseminateFormat``,
  ``idDoesNotExist``, ``noRecordsMatch``); sets are supported, so never
  ``noSetHierarchy``, and every item has ``oai_dc``, so never ``noMetadataFormats``;
- formats ``oai_dc`` (every item) and ``oai_datacite`` (items with a DOI: DataCite's
  ``identifier`` is a DOI), both rendered from the item's DataCite document
  (:mod:`panhub_catalogue.publish.formats`);
- sets ``type:session``, ``type:collection``, ``doi`` (items with a DOI),
  ``beamline:<name>``, ``technique:<PaNET id or name>``, and their parents;
- datestamps to the second (``YYYY-MM-DDThh:mm:ssZ``; ``from``/``until`` also as days);
- ``deletedRecord persistent``: a withdrawn item stays, as a header marked deleted;
- flow control by resumption tokens (:mod:`panhub_catalogue.publish.oai_tokens`):
  stateless, signed, carrying the selection, the harvest's start, the keyset position,
  the cursor and ``completeListSize``, so the same token always answers the same page.

Identifiers are ``oai:<repository identifier>:<kind>/<id>``, the kind being
``investigation`` (an experiment session) or ``collection`` (a data collection).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from lxml import etree  # type: ignore[import-untyped]

from panhub_catalogue.citation import Document
from panhub_catalogue.clock import format_utc
from panhub_catalogue.publish import formats
from panhub_catalogue.publish.oai_requests import (
    DOI_SET,
    KINDS,
    OaiError,
    SetFilter,
    is_known_family,
    make_identifier,
    read_arguments,
    read_date,
    read_identifier,
    read_set,
)
from panhub_catalogue.publish.oai_tokens import (
    Position,
    Selection,
    Token,
    TokenError,
    read_token,
    write_token,
)
from panhub_catalogue.publish.xml_text import write_element

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
IDENTIFIER_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
#: The text standing for a page's records in the envelope until it is serialised: the
#: records are written as text (much quicker than as elements), then put in its place.
#: It is an element's text, so ``>`` and ``<`` are around it; in an attribute (a
#: request's arguments are echoed) lxml writes ``>`` as ``&gt;``.
RECORDS = "panhub-oai-records"
RECORDS_BYTES = RECORDS.encode()


@dataclass(frozen=True)
class Header:
    """An item's OAI header: where it is, when its metadata last changed, its sets.

    ``deleted`` items (withdrawn) are answered as a header alone (``status="deleted"``).
    """

    kind: str
    item_id: int
    datestamp: datetime
    sets: tuple[str, ...] = ()
    deleted: bool = False
    has_doi: bool = False

    @property
    def position(self) -> Position:
        """Where the item is in every list: ``(kind rank, id)``."""
        return (KINDS.index(self.kind), self.item_id)


@dataclass(frozen=True)
class Item:
    """A header and, when asked for and not deleted, the item's DataCite document."""

    header: Header
    document: Document | None = None


class Source(Protocol):
    """The public items of the catalogue, as the protocol asks for them.

    A source answers for one request and one ``now``: it holds only public items (the
    visibility rule's released ones) and withdrawn ones (deleted headers).
    """

    def get_earliest(self) -> datetime | None:
        """The earliest datestamp of any item, ``None`` when there is none."""

    def list_sets(self) -> list[tuple[str, str]]:
        """``(setSpec, setName)`` of the beamline and technique sets that have items."""

    def count(self, selection: Selection, sets: SetFilter | None) -> int:
        """How many items ``selection`` holds."""

    def list_items(
        self,
        selection: Selection,
        sets: SetFilter | None,
        after: Position | None,
        limit: int,
        documents: bool,
    ) -> list[Item]:
        """Up to ``limit`` items of ``selection`` after ``after``, in position order;
        with their documents when ``documents``."""

    def get_item(self, kind: str, item_id: int) -> Item | None:
        """One item with its document (``None`` when it is not public or not there)."""


@dataclass(frozen=True)
class MetadataFormat:
    """A metadata format: its schema, namespace, whether it needs a DOI, its renderer
    (XML text with its namespaces declared, :mod:`~panhub_catalogue.publish.formats`)."""

    schema: str
    namespace: str
    needs_doi: bool
    render: Callable[[Document, Repository], str]


METADATA_FORMATS: dict[str, MetadataFormat] = {
    "oai_dc": MetadataFormat(
        formats.OAI_DC_SCHEMA,
        formats.OAI_DC_NS,
        False,
        lambda document, _: formats.make_oai_dc(document),
    ),
    "oai_datacite": MetadataFormat(
        "http://schema.datacite.org/oai/oai-1.1/oai.xsd",
        formats.OAI_DATACITE_NS,
        True,
        lambda document, repository: formats.make_oai_datacite(document, repository.datacentre),
    ),
}


@dataclass(frozen=True)
class Repository:
    """What the repository says of itself and how it pages (from the service's settings).

    Attributes
    ----------
    name
        ``repositoryName`` of Identify.
    base_url
        The endpoint's absolute URL, e.g. ``https://hub.example.org/services/catalogue/oai``.
    identifier
        The repository identifier in item identifiers (a domain name, ``data.example.org``).
    admin_emails
        ``adminEmail`` of Identify (at least one).
    datacentre
        The DataCite repository symbol named by ``oai_datacite`` records.
    secret
        Key signing resumption tokens.
    page_size
        Items per list response.
    token_lifetime
        How long after a harvest's first request its tokens are accepted.
    """

    name: str
    base_url: str
    identifier: str
    admin_emails: tuple[str, ...]
    datacentre: str
    secret: bytes = field(repr=False)
    page_size: int = 500
    token_lifetime: timedelta = timedelta(days=7)


def get_format(prefix: str) -> MetadataFormat:
    """The format of a ``metadataPrefix``, else ``cannotDisseminateFormat``."""
    if prefix not in METADATA_FORMATS:
        raise OaiError(
            "cannotDisseminateFormat",
            f"metadataPrefix {prefix[:40]!r} is not one of {', '.join(METADATA_FORMATS)}",
        )
    return METADATA_FORMATS[prefix]


def make_selection(given: dict[str, str], now: datetime) -> Selection:
    """The selection of a first list request (``until`` is at most ``now``)."""
    get_format(given["metadataPrefix"])
    since = until = None
    if "from" in given:
        since, since_day = read_date("from", given["from"], until=False)
    if "until" in given:
        until, until_day = read_date("until", given["until"], until=True)
    if since is not None and until is not None:
        if since_day != until_day:
            raise OaiError("badArgument", "from and until must have the same granularity")
        if since > until:
            raise OaiError("badArgument", "from is later than until")
    if "set" in given:
        read_set(given["set"])
    started = now.replace(microsecond=0)
    return Selection(
        prefix=given["metadataPrefix"],
        set_spec=given.get("set"),
        since=since,
        until=started if until is None else min(until, started),
        started=started,
    )


# --- the response ---------------------------------------------------------------------


def make_envelope(
    repository: Repository, now: datetime, verb: str | None, given: Mapping[str, str] | None
) -> etree._Element:
    """``<OAI-PMH>`` with ``responseDate`` and ``request`` (its attributes only when the
    verb and arguments were good, as the protocol says)."""
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI[1:].split("}")[0]})
    root.set(XSI, f"{OAI_NS} {OAI_SCHEMA}")
    etree.SubElement(root, f"{{{OAI_NS}}}responseDate").text = format_utc(
        now.replace(microsecond=0)
    )
    request = etree.SubElement(root, f"{{{OAI_NS}}}request")
    request.text = repository.base_url
    if verb is not None and given is not None:
        request.set("verb", verb)
        for name, value in given.items():
            request.set(name, value)
    return root


def add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    """A child ``<name>`` in the OAI namespace, with ``text``."""
    child = etree.SubElement(parent, f"{{{OAI_NS}}}{name}")
    if text is not None:
        child.text = text
    return child


def write_header(repository: Repository, header: Header) -> str:
    """An item's ``<header>``, as XML text."""
    identifier = make_identifier(repository.identifier, header.kind, header.item_id)
    status = ' status="deleted"' if header.deleted else ""
    return (
        f"<header{status}>"
        f"{write_element('identifier', identifier)}"
        f"{write_element('datestamp', format_utc(header.datestamp))}"
        f"{''.join(write_element('setSpec', spec) for spec in header.sets)}</header>"
    )


def write_record(repository: Repository, item: Item, prefix: str) -> str:
    """An item's ``<record>``, as XML text: header, and metadata unless it is deleted."""
    header = write_header(repository, item.header)
    if item.header.deleted or item.document is None:
        return f"<record>{header}</record>"
    metadata = METADATA_FORMATS[prefix].render(item.document, repository)
    return f"<record>{header}<metadata>{metadata}</metadata></record>"


def identify(
    repository: Repository, source: Source, now: datetime, container: etree._Element
) -> None:
    """``Identify``: name, base URL, earliest datestamp, deleted records, granularity."""
    add(container, "repositoryName", repository.name)
    add(container, "baseURL", repository.base_url)
    add(container, "protocolVersion", "2.0")
    for email in repository.admin_emails:
        add(container, "adminEmail", email)
    earliest = source.get_earliest() or now
    add(container, "earliestDatestamp", format_utc(earliest.replace(microsecond=0)))
    add(container, "deletedRecord", "persistent")
    add(container, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    description = add(container, "description")
    scheme = etree.SubElement(
        description, f"{{{IDENTIFIER_NS}}}oai-identifier", nsmap={None: IDENTIFIER_NS}
    )
    scheme.set(XSI, f"{IDENTIFIER_NS} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd")
    for name, text in (
        ("scheme", "oai"),
        ("repositoryIdentifier", repository.identifier),
        ("delimiter", ":"),
        ("sampleIdentifier", make_identifier(repository.identifier, KINDS[0], 1)),
    ):
        etree.SubElement(scheme, f"{{{IDENTIFIER_NS}}}{name}").text = text


def list_metadata_formats(
    repository: Repository, source: Source, given: dict[str, str], container: etree._Element
) -> None:
    """``ListMetadataFormats``: all of them, or those one item has."""
    has_doi = True
    if "identifier" in given:
        item = source.get_item(*read_identifier(repository.identifier, given["identifier"]))
        if item is None:
            raise OaiError("idDoesNotExist", f"no item {given['identifier']!r} in this repository")
        has_doi = item.header.has_doi
    for prefix, found in METADATA_FORMATS.items():
        if has_doi or not found.needs_doi:
            element = add(container, "metadataFormat")
            add(element, "metadataPrefix", prefix)
            add(element, "schema", found.schema)
            add(element, "metadataNamespace", found.namespace)


def list_sets(source: Source, given: dict[str, str], container: etree._Element) -> None:
    """``ListSets``: the fixed sets, then each beamline's and technique's."""
    if "resumptionToken" in given:
        raise OaiError("badResumptionToken", "ListSets is answered whole: it has no tokens")
    fixed = [
        ("type", "By type"),
        ("type:session", "Experiment sessions"),
        ("type:collection", "Data collections"),
        (DOI_SET, "Items with a DOI"),
        ("beamline", "By beamline"),
        ("technique", "By technique"),
    ]
    for spec, name in fixed + source.list_sets():
        element = add(container, "set")
        add(element, "setSpec", spec)
        add(element, "setName", name)


def get_record(repository: Repository, source: Source, given: dict[str, str]) -> str:
    """``GetRecord``: one item in one format (its record as XML text)."""
    prefix = given["metadataPrefix"]
    found = get_format(prefix)
    item = source.get_item(*read_identifier(repository.identifier, given["identifier"]))
    if item is None:
        raise OaiError("idDoesNotExist", f"no item {given['identifier']!r} in this repository")
    if found.needs_doi and not item.header.has_doi:
        raise OaiError(
            "cannotDisseminateFormat", f"{given['identifier']} has no DOI, so no {prefix}"
        )
    return write_record(repository, item, prefix)


def list_items(
    repository: Repository,
    source: Source,
    verb: str,
    given: dict[str, str],
    now: datetime,
    container: etree._Element,
) -> str:
    """``ListIdentifiers``/``ListRecords``: one page (its records or headers as XML
    text), and the token of the next (added to ``container``)."""
    if "resumptionToken" in given:
        try:
            token = read_token(given["resumptionToken"], repository.secret)
        except TokenError as error:
            raise OaiError("badResumptionToken", str(error)) from None
        if token.verb != verb:
            raise OaiError("badResumptionToken", f"this token belongs to {token.verb}, not {verb}")
        if now > token.selection.started + repository.token_lifetime:
            raise OaiError("badResumptionToken", "this token has expired: start the harvest again")
        selection, after, cursor, total = token.selection, token.after, token.cursor, token.total
    else:
        selection, after, cursor = make_selection(given, now), None, 0
        total = 0
    sets = read_set(selection.set_spec) if selection.set_spec else None
    if sets is not None and not is_known_family(sets):
        raise OaiError("noRecordsMatch", f"no set {selection.set_spec!r}")
    if after is None:
        total = source.count(selection, sets)
    limit = repository.page_size
    items = source.list_items(selection, sets, after, limit + 1, documents=verb == "ListRecords")
    if not items:
        raise OaiError("noRecordsMatch", "no item matches these arguments")
    page = items[:limit]
    if verb == "ListRecords":
        written = "".join(write_record(repository, item, selection.prefix) for item in page)
    else:
        written = "".join(write_header(repository, item.header) for item in page)
    if after is None and len(items) <= limit:
        return written  # the whole list in one response: no token
    element = add(container, "resumptionToken")
    element.set("completeListSize", str(max(total, cursor + len(page))))
    element.set("cursor", str(cursor))
    if len(items) > limit:
        next_token = Token(verb, selection, page[-1].header.position, cursor + len(page), total)
        element.set("expirationDate", format_utc(selection.started + repository.token_lifetime))
        element.text = write_token(next_token, repository.secret)
    return written


def respond(
    arguments: Mapping[str, Sequence[str]], repository: Repository, source: Source, now: datetime
) -> bytes:
    """The XML answer (UTF-8) to one OAI-PMH request; protocol errors are part of it."""
    verb: str | None = None
    given: dict[str, str] | None = None
    records: str | None = None  # a page's records or headers, written as text
    try:
        verb, given = read_arguments(arguments)
        root = make_envelope(repository, now, verb, given)
        container = etree.Element(f"{{{OAI_NS}}}{verb}")
        if verb == "Identify":
            identify(repository, source, now, container)
        elif verb == "ListMetadataFormats":
            list_metadata_formats(repository, source, given, container)
        elif verb == "ListSets":
            list_sets(source, given, container)
        elif verb == "GetRecord":
            records = get_record(repository, source, given)
        else:
            records = list_items(repository, source, verb, given, now, container)
        if records is not None:
            container.text = RECORDS
        root.append(container)
    except OaiError as error:
        # badVerb and badArgument: the request element carries no attributes
        echo = error.code not in ("badVerb", "badArgument")
        root = make_envelope(repository, now, verb if echo else None, given if echo else None)
        add(root, "error", error.message).set("code", error.code)
        records = None
    body: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    if records is None:
        return body
    return body.replace(b">%s<" % RECORDS_BYTES, b">%s<" % records.encode(), 1)
