"""publish.workflow and publish.forms: the collection's state rules and its form, pure."""

from __future__ import annotations

from typing import Any

import pytest
from panhub_catalogue.publish.forms import CreatorForm, RelatedForm, parse_collection
from panhub_catalogue.publish.problems import InvalidFields
from panhub_catalogue.publish.workflow import (
    Conflict,
    check_action,
    choose_state,
    needs_release,
    next_version,
)

ALLOWED = {
    ("edit", "draft"): "draft",
    ("edit", "minted"): "minted",
    ("edit_content", "draft"): "draft",
    ("delete", "draft"): "draft",
    ("submit", "draft"): "review",
    ("return", "review"): "draft",
    ("mint", "review"): "minted",
    ("new_version", "minted"): "minted",
    ("withdraw", "minted"): "minted",
}
ACTIONS = sorted({a for a, _ in ALLOWED} | {"edit_content"})


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("status", ["draft", "review", "minted"])
def test_each_action_is_allowed_in_its_states_only(action: str, status: str) -> None:
    if (action, status) in ALLOWED:
        assert check_action(action, status) == ALLOWED[(action, status)]
    else:
        with pytest.raises(Conflict, match=f"cannot {action.replace('_', ' ')}: "):
            check_action(action, status)


def test_refusals_say_what_to_do_instead() -> None:
    with pytest.raises(Conflict) as caught:
        check_action("edit_content", "minted")
    assert caught.value.status == 409
    assert caught.value.message == (
        "cannot edit content: it is minted, so its datasets and files cannot change: make a "
        "new version (POST api/collections/<id>/versions), which gets a DOI of its own"
    )
    with pytest.raises(Conflict, match="a DOI is never deleted"):
        check_action("delete", "minted")
    with pytest.raises(Conflict, match="the collection was withdrawn"):
        check_action("edit", "minted", withdrawn=True)
    with pytest.raises(Conflict, match="a newer version exists"):
        check_action("new_version", "minted", has_next=True)


@pytest.mark.parametrize(
    ("public", "release", "state", "releases"),
    [
        (True, "embargo", "findable", False),
        (True, "immediate", "findable", False),
        (False, "embargo", "registered", False),
        (False, "immediate", "findable", True),
    ],
)
def test_findable_when_the_data_is_public_or_released_now(
    public: bool, release: str, state: str, releases: bool
) -> None:
    assert choose_state(public, release) == state
    assert needs_release(public, release) is releases


def test_versions_count_on() -> None:
    assert [next_version(v) for v in (None, "", "1", "9", "v2")] == ["2", "2", "2", "10", "v2+1"]


def test_a_full_form_is_checked_and_normalised() -> None:
    form = parse_collection(
        {
            "title": "T",
            "description": None,
            "licence": "cc-by-sa-4.0",
            "keywords": [" battery ", "battery", "XAS"],
            "resourceTypeGeneral": "Collection",
            "release": "immediate",
            "creators": [
                {
                    "givenName": "Ana",
                    "familyName": "Example",
                    "orcid": "https://orcid.org/0000-0002-1825-0097",
                    "affiliation": "U",
                    "affiliationRor": "https://ror.org/02j9n6e35",
                },
            ],
            "relatedIdentifiers": [
                {"identifier": "doi:10.1234/X", "relationType": "IsCitedBy"},
                {
                    "identifier": "https://example.org/paper",
                    "identifierType": "URL",
                    "relationType": "References",
                },
            ],
            "datasets": [3, 1, 3],
        }
    )
    assert form.values == {
        "title": "T",
        "description": None,
        "licence": "CC-BY-SA-4.0",
        "keywords": ["battery", "XAS"],
        "resourceTypeGeneral": "Collection",
        "release": "immediate",
        "creators": [
            CreatorForm(
                "Ana Example",
                "Ana",
                "Example",
                "0000-0002-1825-0097",
                "U",
                "https://ror.org/02j9n6e35",
            )
        ],
        "relatedIdentifiers": [
            RelatedForm("10.1234/X", "IsCitedBy", "DOI", None),
            RelatedForm("https://example.org/paper", "References", "URL", None),
        ],
        "datasets": [1, 3],
    }
    assert form.content_given


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ([], None, "the body: must be an object, not list"),
        ({"titel": "x"}, None, "the body: unknown field 'titel' (known: title, description, "),
        ({"title": "  "}, "title", "Title: must not be empty"),
        (
            {"title": "x" * 4001},
            "title",
            "Title: is 4001 characters long; at most 4000 are allowed",
        ),
        ({"title": "a\x00b"}, "title", "Title: holds a NUL character"),
        ({"licence": "CC-BY-4"}, "licence", "Licence: 'CC-BY-4' is not a known SPDX licence id"),
        (
            {"resourceTypeGeneral": "Software"},
            "resourceTypeGeneral",
            "Resource type: 'Software' is not one of Dataset, Collection",
        ),
        ({"release": "later"}, "release", "Release: 'later' is not one of embargo, immediate"),
        ({"datasets": [1, "2"]}, "dataset", "Datasets: '2' is not an id"),
        ({"datafiles": [True]}, "datafile", "Files: 'True' is not an id"),
        (
            {"creators": [{}]},
            "creator-0-name",
            "Author 1, Name as cited: every author needs a name",
        ),
        (
            {"creators": [{"name": "A"}, {"name": "B", "orcid": "0000-0002-1825-0098"}]},
            "creator-1-orcid",
            "Author 2, ORCID iD: '0000-0002-1825-0098' is not an ORCID iD",
        ),
        (
            {"creators": [{"name": "A", "affiliationRor": "https://ror.org/02j9n6e35"}]},
            "creator-0-affiliation",
            "Author 1, Affiliation: a ROR id needs the institution's name too",
        ),
        (
            {"creators": [{"name": "A", "affiliation": "U", "affiliationRor": "ror:1"}]},
            "creator-0-affiliationRor",
            "Author 1, ROR id: 'ror:1' is not a ROR id",
        ),
        (
            {"creators": [{"name": "A", "givenName": 3}]},
            "creator-0-givenName",
            "Author 1, Given name: must be text, not int",
        ),
        (
            {"creators": [{"name": "A", "email": "a@b"}]},
            "creator-0-name",
            "Author 1: unknown field 'email'",
        ),
        ({"creators": "Ana"}, "creator-0-name", "Authors: must be a list, not str"),
        (
            {"relatedIdentifiers": [{"identifier": "10.1/x", "relationType": "IsCitedBy"}]},
            "related-0-identifier",
            "Related work 1, Identifier: '10.1/x' is not a DOI",
        ),
        (
            {"relatedIdentifiers": [{"identifier": "10.1234/x", "relationType": "IsNewVersionOf"}]},
            "related-0-relationType",
            "Related work 1, Relation: IsNewVersionOf links are set by the catalogue",
        ),
        (
            {"relatedIdentifiers": [{"identifier": "10.1234/x", "relationType": "Likes"}]},
            "related-0-relationType",
            "Related work 1, Relation: 'Likes' is not one of IsCitedBy, Cites",
        ),
        (
            {
                "relatedIdentifiers": [
                    {"identifier": "x", "relationType": "Cites", "identifierType": "ISBNx"}
                ]
            },
            "related-0-identifierType",
            "Related work 1, Kind of identifier: 'ISBNx' is not one of",
        ),
        (
            {
                "relatedIdentifiers": [
                    {"identifier": "10.1/xy", "relationType": "Cites", "resourceTypeGeneral": "Y"}
                ]
            },
            "related-0-resourceTypeGeneral",
            "Related work 1, Its type: 'Y' is not one of",
        ),
        ({"keywords": ["x"] * 51}, "keywords", "Keywords: has 51 items; at most 50 are allowed"),
        ({"keywords": ["x", " "]}, "keywords", "Keywords: must not be empty"),
        ({"description": 5}, "description", "Description: must be text, not int"),
        ({"version": "v" * 65}, "version", "Version: is 65 characters long; at most 64"),
        ({"resourceType": ["x"]}, "resourceType", "Specific type: must be text, not list"),
    ],
)
def test_a_bad_form_is_refused_naming_the_field_as_the_form_labels_it(
    body: Any, field: str | None, message: str
) -> None:
    """The refusal's message and its one problem name the field by its label and key."""
    with pytest.raises(InvalidFields) as caught:
        parse_collection(body)
    assert caught.value.status == 400
    assert caught.value.message.startswith(message)
    (problem,) = caught.value.problems
    assert (problem.field, problem.text) == (field, caught.value.message)


def test_markup_is_kept_as_text() -> None:
    script = "<script>alert(1)</script>"
    form = parse_collection({"title": script, "creators": [{"name": script}], "keywords": [script]})
    assert form.values["title"] == script and form.values["keywords"] == [script]
    assert form.values["creators"][0].name == script
