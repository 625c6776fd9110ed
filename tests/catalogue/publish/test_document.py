"""publish.document, publish.validation and publish.licences: the DataCite documents, exactly, and their checks."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import pytest
from datacite import schema45
from panhub_catalogue.publish.document import (
    SCHEMA_VERSION,
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
    make_doi,
    validate_document,
)
from panhub_catalogue.publish.licences import describe_licence, find_licence

from tests.support.publish_documents import edit_document

NOW = datetime(2026, 6, 1, 12)
ROR = "https://ror.org/02j9n6e35"
SETTINGS = DocumentSettings(
    publisher="ALBA Synchrotron",
    publisher_ror=ROR,
    licence="CC-BY-4.0",
    landing_url_base="https://data.example.org/services/catalogue/",
)
XAS = Technique("x-ray absorption spectroscopy", "http://purl.org/pan-science/PaNET/PaNET01196")
CONTENT = Content(
    facility="ALBA",
    beamlines=("BL22",),
    techniques=(XAS,),
    file_count=2,
    file_size=2048,
    formats=("application/x-hdf5",),
    start=datetime(2025, 3, 1, 8),
    end=datetime(2025, 3, 3, 20),
)
ANA = Creator(
    "Ana Example", "Ana", "Example", "0000-0002-1825-0097", (Affiliation("University", ROR),)
)
BEN = Creator("Ben Other")
SESSION = SessionRecord(
    id=7,
    proposal="2025035003",
    visit="",
    title="Operando XAS of battery cathodes",
    summary="We measured cathodes while cycling.",
    content=CONTENT,
    creators=(ANA, BEN),
    doi="10.5072/ALBA-ES-2025035003",
    release=datetime(2026, 3, 1),
    embargoed=False,
    minted=datetime(2025, 3, 4),
    modified=datetime(2026, 3, 1),
)
PUBLISHER = {
    "name": "ALBA Synchrotron",
    "publisherIdentifier": ROR,
    "publisherIdentifierScheme": "ROR",
    "schemeUri": "https://ror.org/",
}
HOST = {
    "name": "ALBA Synchrotron",
    "nameType": "Organizational",
    "contributorType": "HostingInstitution",
}
CC_BY = {
    "rights": "Creative Commons Attribution 4.0 International",
    "rightsUri": "https://creativecommons.org/licenses/by/4.0/legalcode",
    "rightsIdentifier": "cc-by-4.0",
    "rightsIdentifierScheme": "SPDX",
    "schemeUri": "https://spdx.org/licenses/",
}
ANA_JSON = {
    "name": "Example, Ana",
    "nameType": "Personal",
    "givenName": "Ana",
    "familyName": "Example",
    "nameIdentifiers": [
        {
            "nameIdentifier": "https://orcid.org/0000-0002-1825-0097",
            "nameIdentifierScheme": "ORCID",
            "schemeUri": "https://orcid.org/",
        }
    ],
    "affiliation": [
        {
            "name": "University",
            "affiliationIdentifier": ROR,
            "affiliationIdentifierScheme": "ROR",
            "schemeUri": "https://ror.org/",
        }
    ],
}
XAS_SUBJECT = {
    "subject": "x-ray absorption spectroscopy",
    "subjectScheme": "PaNET",
    "schemeUri": "http://purl.org/pan-science/PaNET/",
    "valueUri": "http://purl.org/pan-science/PaNET/PaNET01196",
}


def is_schema_valid(document: dict[str, Any]) -> bool:
    """The bundled schema's own verdict, apart from our checks."""
    return bool(schema45.validate({"schemaVersion": SCHEMA_VERSION} | document))


def test_a_released_session_gives_its_members_abstract_and_data() -> None:
    document = build_investigation_document(SESSION, SETTINGS, NOW)
    assert document == {
        "doi": "10.5072/ALBA-ES-2025035003",
        "url": "https://data.example.org/services/catalogue/landing/investigations/7",
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Experiment session"},
        "creators": [ANA_JSON, {"name": "Ben Other", "nameType": "Personal"}],
        "titles": [{"title": "Operando XAS of battery cathodes"}],
        "publisher": PUBLISHER,
        "publicationYear": "2026",
        "subjects": [XAS_SUBJECT],
        "contributors": [HOST],
        "dates": [
            {"date": "2025-03-01/2025-03-03", "dateType": "Collected"},
            {"date": "2026-03-01", "dateType": "Available"},
            {"date": "2025-03-04", "dateType": "Issued"},
            {"date": "2026-03-01", "dateType": "Updated"},
        ],
        "alternateIdentifiers": [
            {"alternateIdentifier": "2025035003", "alternateIdentifierType": "Proposal"}
        ],
        "rightsList": [CC_BY],
        "descriptions": [
            {"description": "We measured cathodes while cycling.", "descriptionType": "Abstract"},
            {
                "description": "Measured at beamline BL22 of ALBA.",
                "descriptionType": "TechnicalInfo",
            },
        ],
        "sizes": ["2 files", "2048 bytes"],
        "formats": ["application/x-hdf5"],
    }
    assert validate_document(document) == []
    assert is_schema_valid(document)


def test_an_embargoed_session_shows_what_its_public_landing_page_shows() -> None:
    """Members, abstract and sizes stay hidden until release; the facility is the creator."""
    record = SessionRecord(
        **{**SESSION.__dict__, "embargoed": True, "release": datetime(2027, 3, 1), "visit": "v2"}
    )
    document = build_investigation_document(record, SETTINGS, NOW)
    assert document["creators"] == [{"name": "ALBA Synchrotron", "nameType": "Organizational"}]
    assert document["descriptions"] == [
        {"description": "Measured at beamline BL22 of ALBA.", "descriptionType": "TechnicalInfo"}
    ]
    assert "sizes" not in document and "formats" not in document
    assert document["publicationYear"] == "2027"  # the year the data becomes public
    assert document["alternateIdentifiers"][1] == {
        "alternateIdentifier": "v2",
        "alternateIdentifierType": "Visit",
    }
    assert validate_document(document) == []


def test_a_session_without_title_doi_or_landing_base_is_still_a_valid_draft() -> None:
    record = SessionRecord(8, "2024-001", "", "", None, Content("ALBA"))
    document = build_investigation_document(record, DocumentSettings(), NOW)
    assert document["titles"] == [{"title": "Proposal 2024-001"}]
    assert "doi" not in document and "url" not in document
    assert document["publicationYear"] == "2026"  # neither release nor minting: now
    assert document["publisher"] == {"name": "PANHUB"}
    assert validate_document(document) == []


COLLECTION = CollectionRecord(
    id=3,
    title="Cathode data behind Smith et al. 2026",
    description="Two scans.",
    content=CONTENT,
    creators=(BEN, ANA),
    licence="CC0-1.0",
    keywords=("battery", "x-ray absorption spectroscopy"),
    related=(RelatedIdentifier("10.1234/paper.5", "IsSupplementTo", "DOI", "JournalArticle"),),
    resource_type_general="Collection",
    resource_type="Selected scans",
    version="2",
    doi="10.5072/ALBA-DC-ABCD1234",
    created=datetime(2026, 5, 1),
    modified=datetime(2026, 5, 2),
    minted=datetime(2026, 5, 3),
    release=datetime(2026, 3, 1),
    sessions=("10.5072/ALBA-ES-2025035003",),
    previous_doi="10.5072/ALBA-DC-PREV0001",
)


def test_a_collection_carries_its_metadata_and_the_links_the_catalogue_adds() -> None:
    document = build_collection_document(COLLECTION, SETTINGS, NOW)
    assert document == {
        "doi": "10.5072/ALBA-DC-ABCD1234",
        "url": "https://data.example.org/services/catalogue/landing/collections/3",
        "types": {"resourceTypeGeneral": "Collection", "resourceType": "Selected scans"},
        "creators": [{"name": "Ben Other", "nameType": "Personal"}, ANA_JSON],
        "titles": [{"title": "Cathode data behind Smith et al. 2026"}],
        "publisher": PUBLISHER,
        "publicationYear": "2026",
        # the technique's subject once, though a keyword repeats it as a plain word
        "subjects": [XAS_SUBJECT, {"subject": "battery"}, {"subject": XAS.name}],
        "contributors": [HOST],
        "dates": [
            {"date": "2025-03-01/2025-03-03", "dateType": "Collected"},
            {"date": "2026-03-01", "dateType": "Available"},
            {"date": "2026-05-03", "dateType": "Issued"},
            {"date": "2026-05-01", "dateType": "Created"},
            {"date": "2026-05-02", "dateType": "Updated"},
        ],
        "relatedIdentifiers": [
            {
                "relatedIdentifier": "10.1234/paper.5",
                "relatedIdentifierType": "DOI",
                "relationType": "IsSupplementTo",
                "resourceTypeGeneral": "JournalArticle",
            },
            {
                "relatedIdentifier": "10.5072/ALBA-ES-2025035003",
                "relatedIdentifierType": "DOI",
                "relationType": "IsPartOf",
                "resourceTypeGeneral": "Dataset",
            },
            {
                "relatedIdentifier": "10.5072/ALBA-DC-PREV0001",
                "relatedIdentifierType": "DOI",
                "relationType": "IsNewVersionOf",
            },
        ],
        "rightsList": [
            {
                "rights": "Creative Commons Zero v1.0 Universal",
                "rightsUri": "https://creativecommons.org/publicdomain/zero/1.0/legalcode",
                "rightsIdentifier": "cc0-1.0",
                "rightsIdentifierScheme": "SPDX",
                "schemeUri": "https://spdx.org/licenses/",
            }
        ],
        "descriptions": [
            {"description": "Two scans.", "descriptionType": "Abstract"},
            {
                "description": "Measured at beamline BL22 of ALBA.",
                "descriptionType": "TechnicalInfo",
            },
        ],
        "version": "2",
        "sizes": ["2 files", "2048 bytes"],
        "formats": ["application/x-hdf5"],
    }
    assert validate_document(document) == []
    assert is_schema_valid(document)


def test_a_collection_takes_the_default_licence_and_links_its_next_version() -> None:
    record = CollectionRecord(
        **{**COLLECTION.__dict__, "licence": None, "next_doi": "10.5072/NEXT", "version": None}
    )
    document = build_collection_document(record, SETTINGS, NOW)
    assert document["rightsList"] == [CC_BY]
    assert document["relatedIdentifiers"][-1] == {
        "relatedIdentifier": "10.5072/NEXT",
        "relatedIdentifierType": "DOI",
        "relationType": "IsPreviousVersionOf",
    }
    assert "version" not in document


def test_the_publication_year_of_embargoed_data_is_its_release_year() -> None:
    later = CollectionRecord(**{**COLLECTION.__dict__, "release": datetime(2028, 1, 1)})
    assert build_collection_document(later, SETTINGS, NOW)["publicationYear"] == "2028"
    draft = CollectionRecord(**{**COLLECTION.__dict__, "minted": None, "release": None})
    assert build_collection_document(draft, SETTINGS, NOW)["publicationYear"] == "2026"


def test_markup_stays_text_in_the_document() -> None:
    script = "<script>alert('x')</script> & co"
    record = CollectionRecord(
        **{
            **COLLECTION.__dict__,
            "title": script,
            "description": script,
            "creators": (Creator(script),),
        }
    )
    document = build_collection_document(record, SETTINGS, NOW)
    assert document["titles"] == [{"title": script}]
    assert document["creators"][0]["name"] == script
    assert document["descriptions"][0]["description"] == script
    assert validate_document(document) == []


def test_a_valid_document_is_not_changed_by_validation() -> None:
    document = build_collection_document(COLLECTION, SETTINGS, NOW)
    before = copy.deepcopy(document)
    validate_document(document)
    assert document == before
    assert "schemaVersion" not in document


def broken(**changes: Any) -> dict[str, Any]:
    return edit_document(build_collection_document(COLLECTION, SETTINGS, NOW), **changes)


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"creators": []}, ["creators: at least 1 needed"]),
        ({"creators": None, "titles": None}, ["creators is required", "titles is required"]),
        ({"titles": [{"title": "  "}]}, ["titles[0].title: a title is needed"]),
        ({"publicationYear": "26"}, ["publicationYear: '26' is not of the form DataCite expects"]),
        (
            {"types": {"resourceTypeGeneral": "Spreadsheet"}},
            [
                "types.resourceTypeGeneral: 'Spreadsheet' is not one of Audiovisual, Book, "
                "BookChapter, Collection, ComputationalNotebook, ConferencePaper, ..."
            ],
        ),
        ({"doi": "doi:10.5072/x"}, ["doi: 'doi:10.5072/x' is not of the form DataCite expects"]),
        (
            {"url": "landing/collections/3"},
            ["url: 'landing/collections/3' is not an absolute http(s) URL"],
        ),
        (
            {
                "creators": [
                    {
                        "name": "A",
                        "nameIdentifiers": [
                            {
                                "nameIdentifier": "https://orcid.org/0000-0002-1825-0098",
                                "nameIdentifierScheme": "ORCID",
                            }
                        ],
                        "affiliation": [{"name": "U", "affiliationIdentifier": "ror:02j9n6e35"}],
                    }
                ]
            },
            [
                "creators[0].nameIdentifiers[0]: 'https://orcid.org/0000-0002-1825-0098' "
                "is not a valid ORCID iD",
                "creators[0].affiliation[0]: 'ror:02j9n6e35' is not a ROR id (https://ror.org/0xxxxxxxx)",
            ],
        ),
        (
            {"rightsList": [{"rights": "mine", "rightsIdentifier": "cc-by-5.0"}]},
            ["rightsList[0]: 'cc-by-5.0' is not a known SPDX licence id"],
        ),
        (
            {
                "relatedIdentifiers": [
                    {
                        "relatedIdentifier": "https://doi.org/10.1/x",
                        "relatedIdentifierType": "DOI",
                        "relationType": "IsCitedBy",
                    }
                ]
            },
            ["relatedIdentifiers[0]: 'https://doi.org/10.1/x' is not a DOI (10.<prefix>/<suffix>)"],
        ),
        (
            {
                "relatedIdentifiers": [
                    {
                        "relatedIdentifier": "10.1234/x",
                        "relatedIdentifierType": "DOI",
                        "relationType": "Likes",
                    }
                ]
            },
            [
                "relatedIdentifiers[0].relationType: 'Likes' is not one of IsCitedBy, Cites, "
                "IsCollectedBy, Collects, IsSupplementTo, IsSupplementedBy, ..."
            ],
        ),
    ],
)
def test_a_bad_document_is_described_in_readable_sentences(
    changes: dict[str, Any], problems: list[str]
) -> None:
    assert validate_document(broken(**changes)) == problems


def test_a_bad_document_is_also_refused_by_the_schema_itself() -> None:
    """Our sentences never hide a schema error: the schema's verdict agrees."""
    assert not is_schema_valid(broken(creators=[]))
    assert not is_schema_valid(broken(types={"resourceTypeGeneral": "Spreadsheet"}))
    assert validate_document("not a document") == ["document: not a JSON object"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pattern", "fields", "doi"),
    [
        (
            "{prefix}/{facility}-ES-{proposal}",
            {"facility": "ALBA", "proposal": "2025035003"},
            "10.5072/ALBA-ES-2025035003",
        ),
        (
            "{prefix}/{facility}-ES-{proposal}-{visit}",
            {"facility": "ALBA", "proposal": "20 25/3", "visit": "v1"},
            "10.5072/ALBA-ES-20-25-3-v1",
        ),
        ("{prefix}/dc.{id}", {"id": 12}, "10.5072/dc.12"),
    ],
)
def test_dois_follow_the_configured_pattern_with_safe_suffixes(
    pattern: str, fields: dict[str, Any], doi: str
) -> None:
    assert make_doi(pattern, "10.5072", **fields) == doi


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            "{prefix}/{beamline}-{proposal}",
            "unknown field 'beamline' (known: prefix, facility, proposal)",
        ),
        ("ES-{proposal}", "gives 'ES-2025', not '10.5072/<suffix>'"),
    ],
)
def test_a_bad_doi_pattern_says_what_is_wrong(pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match="DOI pattern") as caught:
        make_doi(pattern, "10.5072", facility="ALBA", proposal="2025")
    assert message in str(caught.value)


def test_licences_are_spdx_ids_in_any_case_or_site_references() -> None:
    assert find_licence("cc-by-4.0") == "CC-BY-4.0"
    assert find_licence("CC-BY-4") is None
    assert find_licence("LicenseRef-ALBA-data-policy") == "LicenseRef-ALBA-data-policy"
    assert describe_licence("LicenseRef-ALBA-data-policy") == {
        "rights": "LicenseRef-ALBA-data-policy"
    }
