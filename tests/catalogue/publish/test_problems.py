"""publish.problems: a collection's problems named by the form's fields and labels.

Every path the checks can give for a collection's DataCite document (publish.validation,
run on real documents built by publish.document) and for its form's JSON body
(publish.forms, in test_workflow) becomes the form's field key and label; what no field
of the form holds (site settings, the catalogue's own links) has no key.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from panhub_catalogue.publish.document import Affiliation, Creator, RelatedIdentifier
from panhub_catalogue.publish.problems import (
    Problem,
    make_collection_problems,
    make_plain_problems,
    name_form_path,
)
from panhub_catalogue.publish.validation import find_problems
from panhub_catalogue.web.collection_forms import make_problems_view

from tests.support.publish_documents import BEN, edit_document, make_collection_document

ANA = Creator("Ana Alba", orcid="0000-0002-1694-233X")
#: The related work the form gave (make_collection_document's).
PAPER = RelatedIdentifier("10.1234/paper.5", "IsSupplementTo", "DOI")
#: The collection's record: two authors, one related work, one session.
RECORD: dict[str, Any] = {"creators": (BEN, ANA), "related": (PAPER,)}


def replace_record(**changes: Any) -> dict[str, Any]:
    """The record's fields with ``changes``."""
    return RECORD | changes


def build(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The record's document, with ``changes`` to the document (``None``: left out)."""
    return edit_document(make_collection_document(**record), **changes)


def find(record: dict[str, Any]) -> list[tuple[str | None, str]]:
    """The problems of the record's document, as ``(field, text)``."""
    document = build(record)
    problems = make_collection_problems(find_problems(document), document, len(record["related"]))
    return [(p.field, p.text) for p in problems]


def test_a_valid_collection_has_no_problems() -> None:
    assert find(RECORD) == []


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (replace_record(title=" "), [("title", "Title: a title is needed")]),
        (replace_record(creators=()), [("creator-0-name", "Authors: at least 1 needed")]),
        (
            replace_record(creators=(ANA, replace(BEN, orcid="0000-0002-1694-2330"))),
            [
                (
                    "creator-1-orcid",
                    "Author 2, ORCID iD: 'https://orcid.org/0000-0002-1694-2330' is not a "
                    "valid ORCID iD",
                )
            ],
        ),
        (
            replace_record(creators=(BEN, replace(ANA, name=" "))),
            [("creator-1-name", "Author 2, Name as cited: a name is needed")],
        ),
        (
            replace_record(creators=(replace(BEN, affiliations=(Affiliation("U", "ror:1"),)),)),
            [
                (
                    "creator-0-affiliationRor",
                    "Author 1, ROR id: 'ror:1' is not a ROR id (https://ror.org/0xxxxxxxx)",
                )
            ],
        ),
        (
            replace_record(licence="CC-BY-5.0"),
            [("licence", "Licence: 'cc-by-5.0' is not a known SPDX licence id")],
        ),
        (
            replace_record(related=(PAPER, RelatedIdentifier("doi:10.1/x", "IsCitedBy"))),
            [
                (
                    "related-1-identifier",
                    "Related work 2: 'doi:10.1/x' is not a DOI (10.<prefix>/<suffix>)",
                )
            ],
        ),
        (
            replace_record(related=(replace(PAPER, relation_type="Likes"),)),
            [
                (
                    "related-0-relationType",
                    "Related work 1, Relation: 'Likes' is not one of IsCitedBy, Cites, "
                    "IsCollectedBy, Collects, IsSupplementTo, IsSupplementedBy, ...",
                )
            ],
        ),
        (
            replace_record(related=(replace(PAPER, resource_type_general="Paper"),)),
            [
                (
                    "related-0-resourceTypeGeneral",
                    "Related work 1, Its type: 'Paper' is not one of Audiovisual, Book, "
                    "BookChapter, Collection, ComputationalNotebook, ConferencePaper, ...",
                )
            ],
        ),
        (
            replace_record(related=(replace(PAPER, identifier_type="Tweet"),)),
            [
                (
                    "related-0-identifierType",
                    "Related work 1, Kind of identifier: 'Tweet' is not one of ARK, arXiv, "
                    "bibcode, DOI, EAN13, EISSN, ...",
                )
            ],
        ),
        (
            # the catalogue's own links follow the form's: a bad session DOI is not the user's
            replace_record(sessions=("10.1/x",)),
            [
                (
                    None,
                    "Link 1 the catalogue adds: '10.1/x' is not a DOI (10.<prefix>/<suffix>)",
                )
            ],
        ),
        (replace_record(resource_type_general="Film"), [("resourceTypeGeneral", None)]),
    ],
)
def test_each_problem_of_a_collection_is_named_by_its_field(
    record: dict[str, Any], expected: list[tuple[str | None, str | None]]
) -> None:
    found = find(record)
    assert [field for field, _ in found] == [field for field, _ in expected]
    for (_, text), (_, wanted) in zip(found, expected, strict=True):
        assert wanted is None or text == wanted
        assert "[" not in text.split(":")[0]  # the label is no JSON path


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"descriptions": [{"description": 5, "descriptionType": "Abstract"}]},
            ("description", "Description: 5 is not of type 'string'"),
        ),
        (
            {"subjects": [{"subject": ["battery"]}]},
            ("keywords", "Keywords: ['battery'] is not of type 'string'"),
        ),
        ({"version": 2}, ("version", "Version: 2 is not of type 'string'")),
        (
            {"types": {"resourceTypeGeneral": "Dataset", "resourceType": 7}},
            ("resourceType", "Specific type: 7 is not of type 'string'"),
        ),
        ({"titles": None}, ("title", "Title: missing")),
        (
            {"url": "landing/3"},
            (None, "Landing page URL: 'landing/3' is not an absolute http(s) URL"),
        ),
        (
            {"publisher": {"name": " "}},
            (None, "Publisher (a setting of the site): the publisher needs a name"),
        ),
        (
            {"doi": "doi:10.1/x"},
            (None, "DOI: 'doi:10.1/x' is not of the form DataCite expects"),
        ),
    ],
)
def test_the_rest_of_a_collections_document_is_named_too(
    changes: dict[str, Any], expected: tuple[str | None, str]
) -> None:
    document = build(RECORD, **changes)
    problems = make_collection_problems(find_problems(document), document, 1)
    assert [(p.field, p.text) for p in problems] == [expected]


def test_the_technical_description_is_not_the_forms() -> None:
    """``descriptions`` holds the abstract (the form's Description), then the catalogue's
    technical description; a problem of the latter is no field of the form."""
    document = build(RECORD)
    document["descriptions"][1]["description"] = 5
    (problem,) = make_collection_problems(find_problems(document), document, 1)
    assert (problem.path, problem.field, problem.label) == (
        "descriptions[1].description",
        None,
        "Technical description",
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("title", ("title", "Title")),
        ("description", ("description", "Description")),
        ("licence", ("licence", "Licence")),
        ("keywords[]", ("keywords", "Keywords")),
        ("keywords", ("keywords", "Keywords")),
        ("resourceTypeGeneral", ("resourceTypeGeneral", "Resource type")),
        ("resourceType", ("resourceType", "Specific type")),
        ("version", ("version", "Version")),
        ("release", ("release", "Release")),
        ("creators", ("creator-0-name", "Authors")),
        ("creators[0]", ("creator-0-name", "Author 1")),
        ("creators[11].familyName", ("creator-11-familyName", "Author 12, Family name")),
        ("creators[1].affiliationRor", ("creator-1-affiliationRor", "Author 2, ROR id")),
        ("relatedIdentifiers", ("related-0-identifier", "Related works")),
        (
            "relatedIdentifiers[2].relationType",
            ("related-2-relationType", "Related work 3, Relation"),
        ),
        ("datasets", ("dataset", "Datasets")),
        ("datafiles", ("datafile", "Files")),
        ("the body", (None, "the body")),
    ],
)
def test_each_path_of_the_form_body_has_its_field(
    path: str, expected: tuple[str | None, str]
) -> None:
    assert name_form_path(path) == expected


def test_a_sessions_problems_keep_their_paths() -> None:
    """A document no form fills in (a session's) is described by its paths."""
    document = build(RECORD, creators=[])
    assert [p.text for p in make_plain_problems(find_problems(document))] == [
        "creators: at least 1 needed"
    ]


def test_the_page_links_each_problem_to_its_field_and_marks_it() -> None:
    problems = [
        Problem("titles[0].title", "title", "Title", "a title is needed"),
        Problem("url", None, "Landing page URL", "none"),
        Problem("creators[1].nameIdentifiers[0]", "creator-1-orcid", "Author 2, ORCID iD", "bad"),
        Problem("datasets", "dataset", "Data", "none"),
    ]
    view = make_problems_view([problems[0], problems[1].as_json(), *problems[2:]])
    assert [(e["label"], e["target"]) for e in view["entries"]] == [
        ("Title", "c-title"),
        ("Landing page URL", None),
        ("Author 2, ORCID iD", "creator-1-orcid"),
        ("Data", "c-content"),
    ]
    assert view["marked"] == {
        "c-title": "problem-0",
        "creator-1-orcid": "problem-2",
        "c-content": "problem-3",
    }
