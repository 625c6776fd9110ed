"""Validate OAI-PMH responses and their payloads against the vendored XML schemas.

The schemas are in ``tests/support/xsd/`` (sources in its ``SOURCES.md``), loaded with
lxml without network access: ``simpledc20021212.xsd`` imports the W3C's ``xml.xsd`` by
URL, which :class:`LocalSchemas` answers with the copy DataCite's kernel ships.

OAI-PMH.xsd checks the envelope and skips what is inside ``<metadata>`` and
``<description>`` (``processContents="skip"``), so :func:`check_response` validates each
of those payloads on its own against :data:`PAYLOAD` (``oai_dc``, ``oai_datacite`` with
the DataCite kernel 4.5 inside its ``payload``, ``oai-identifier``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

XSD = Path(__file__).resolve().parent / "xsd"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
#: What the schemas import by URL, and the local copy that answers it.
LOCAL = {
    "http://www.w3.org/2001/03/xml.xsd": XSD / "datacite-kernel-4.5" / "include" / "xml.xsd",
    "http://www.w3.org/2001/xml.xsd": XSD / "datacite-kernel-4.5" / "include" / "xml.xsd",
}
#: The payload schemas, imported into one.
PAYLOAD = {
    "http://www.openarchives.org/OAI/2.0/oai_dc/": XSD / "oai_dc.xsd",
    "http://schema.datacite.org/oai/oai-1.1/": XSD / "datacite-oai-1.1" / "oai.xsd",
    "http://datacite.org/schema/kernel-4": XSD / "datacite-kernel-4.5" / "metadata.xsd",
    "http://www.openarchives.org/OAI/2.0/oai-identifier": XSD / "oai-identifier.xsd",
}


class LocalSchemas(etree.Resolver):  # type: ignore[misc]
    """Answer the schemas' imports by URL with the vendored copies; nothing from the net."""

    def resolve(self, url: str, pubid: Any, context: Any) -> Any:
        if url in LOCAL:
            return self.resolve_filename(str(LOCAL[url]), context)
        if url.removeprefix("file://").startswith(str(XSD)):
            return None  # a vendored file: lxml reads it
        raise AssertionError(f"a schema imports {url}, which is not vendored")


def load_schema(text: str | Path) -> etree.XMLSchema:
    """An XML schema from a file or a text, its imports resolved locally."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(LocalSchemas())
    if isinstance(text, Path):
        return etree.XMLSchema(etree.parse(str(text), parser))
    return etree.XMLSchema(etree.fromstring(text.encode(), parser, base_url=XSD.as_uri() + "/"))


@cache
def oai_schema() -> etree.XMLSchema:
    """OAI-PMH.xsd (the envelope)."""
    return load_schema(XSD / "OAI-PMH.xsd")


@cache
def payload_schema() -> etree.XMLSchema:
    """One schema importing every payload format's."""
    imports = "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{path.as_uri()}"/>'
        for ns, path in PAYLOAD.items()
    )
    return load_schema(
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    )


def check_payload(element: etree._Element) -> None:
    """Assert that a payload element is valid for its schema (its namespace's)."""
    schema = payload_schema()
    assert etree.QName(element).namespace in PAYLOAD, f"unknown payload {element.tag}"
    assert schema.validate(element), f"{element.tag}: {schema.error_log}"


def check_response(body: bytes) -> etree._Element:
    """Parse an OAI-PMH response, assert it and every payload valid; the root element."""
    root = etree.fromstring(body, etree.XMLParser(no_network=True, resolve_entities=False))
    schema = oai_schema()
    assert schema.validate(root), f"OAI-PMH.xsd: {schema.error_log}"
    for container in root.iter(f"{OAI}metadata", f"{OAI}description", f"{OAI}about"):
        (payload,) = container
        check_payload(payload)
    return root
