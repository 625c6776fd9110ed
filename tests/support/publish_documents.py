"""DataCite documents of a session and of a data collection, as the catalogue builds them.

Built by :mod:`panhub_catalogue.publish.document` from records written out here, with
what every format must carry through: a ``<script>`` in a title, a creator and a
description, ORCID and ROR ids, a PaNET technique, a licence, related identifiers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from panhub_catalogue.publish.document import (
    Affiliation,
    CollectionRecord,
    Content,
    Creator,
    DocumentSettings,
    RelatedIdentifier,
    SessionRecord,
    Technique,
    build_collection_document,
    build_investigation_document,
)

SCRIPT = "<script>alert(1)</script>"
SETTINGS = DocumentSettings(
    publisher="ALBA",
    publisher_ror="https://ror.org/02j9n6e35",
    licence="CC-BY-4.0",
    landing_url_base="https://data.example.org/services/catalogue/",
)
NOW = datetime(2026, 6, 1)
XAS = Technique("x-ray absorption spectroscopy", "http://purl.org/pan-science/PaNET/PaNET01196")
BEN = Creator(
    "Ben Bragg",
    "Ben",
    "Bragg",
    "0000-0002-1825-0097",
    (Affiliation("Universitat Autònoma de Barcelona", "https://ror.org/052g8jq94"),),
)
CONTENT = Content(
    "ALBA",
    ("BL22",),
    (XAS,),
    4,
    1000,
    start=datetime(2024, 3, 1, 8),
    end=datetime(2024, 3, 3, 8),
)


def make_session_document(**changes: Any) -> dict[str, Any]:
    """An experiment session's document (released in 2027, minted in 2024)."""
    fields: dict[str, Any] = {
        "id": 42,
        "proposal": "2024025002",
        "visit": "",
        "title": f"Operando XAS of a {SCRIPT} cathode",
        "summary": "Lithium & nickel\nin operando",
        "content": CONTENT,
        "creators": (BEN, Creator(f"Ana {SCRIPT} Alba")),
        "doi": "10.5072/ALBA-ES-2024025002",
        "release": datetime(2027, 3, 1),
        "embargoed": False,
        "minted": datetime(2024, 3, 4),
    }
    return build_investigation_document(SessionRecord(**(fields | changes)), SETTINGS, NOW)


def make_collection_document(**changes: Any) -> dict[str, Any]:
    """A data collection's document: version 2, supplement to a paper, one session."""
    fields: dict[str, Any] = {
        "id": 7,
        "title": "Figure 3 {data} 50% & more",
        "description": f"The spectra of figure 3. {SCRIPT}",
        "content": CONTENT,
        "creators": (BEN,),
        "keywords": ("battery",),
        "related": (RelatedIdentifier("10.1234/paper.5", "IsSupplementTo", "DOI"),),
        "version": "2",
        "doi": "10.5072/ALBA-DC-7",
        "minted": datetime(2025, 5, 2),
        "sessions": ("10.5072/ALBA-ES-2024025002",),
    }
    return build_collection_document(CollectionRecord(**(fields | changes)), SETTINGS, NOW)


def edit_document(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``document`` with top-level ``changes`` (``None``: the key is left out), in place."""
    for key, value in changes.items():
        if value is None:
            del document[key]
        else:
            document[key] = value
    return document
