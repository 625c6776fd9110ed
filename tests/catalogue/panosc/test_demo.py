"""The PaNOSC search API over the demo catalogue: public data only, LoopBack filters."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.catalogue_client import PUBLIC, Client


async def panosc(client: Client, path: str, status: int = 200, **params: Any) -> Any:
    for key in ("filter", "where"):
        if key in params and not isinstance(params[key], str):
            params[key] = json.dumps(params[key])
    return await client.json(f"panosc/{path}", status=status, **params)


async def test_documents_are_public_only(client: Client) -> None:
    documents = await panosc(client, "Documents")
    assert [d["pid"] for d in documents] == [f"investigation/{PUBLIC}"]
    (document,) = documents
    assert document["isPublic"] is True
    assert document["type"] == "proposal"
    assert document["title"] == "Lysozyme crystals soaked with gadolinium"
    assert await panosc(client, "Documents/count") == {"count": 1}
    assert await panosc(client, "datasets/count") == {"count": 2}
    # an embargoed proposal is not there, even asked by pid and even with a login
    await panosc(client, "Documents/investigation%2F2024025002", status=404)
    one = await panosc(client, f"Documents/investigation%2F{PUBLIC}")
    assert one["pid"] == f"investigation/{PUBLIC}"


async def test_portal_style_include_with_scoped_where(client: Client) -> None:
    portal_filter = {
        "include": [
            {"relation": "members", "scope": {"include": [{"relation": "person"}]}},
            {
                "relation": "datasets",
                "scope": {
                    "where": {"title": {"like": "raw"}},
                    "include": [
                        {"relation": "techniques"},
                        {"relation": "instrument"},
                        {
                            "relation": "parameters",
                            "scope": {
                                "where": {
                                    "and": [
                                        {"name": "sample_temperature"},
                                        {"value": {"between": [200, 300]}},
                                        {"unit": "K"},
                                    ]
                                }
                            },
                        },
                    ],
                },
            },
        ],
        "limit": 10,
    }
    (document,) = await panosc(client, "Documents", filter=portal_filter)
    assert sorted(m["person"]["fullName"] for m in document["members"]) == ["Ana Alba", "Ben Bragg"]
    (dataset,) = document["datasets"]
    assert dataset["title"] == "raw/sample1"
    assert dataset["instrument"]["name"] == "BL13"
    assert dataset["instrument"]["facility"] == "PANHUB"
    assert [t["name"] for t in dataset["techniques"]] == ["macromolecular crystallography"]
    assert dataset["parameters"] == [{"name": "sample_temperature", "value": 295.0, "unit": "K"}]
    too_cold = json.loads(json.dumps(portal_filter).replace("[200, 300]", "[0, 100]"))
    assert await panosc(client, "Documents", filter=too_cold) == []


async def test_where_operators_and_text(client: Client) -> None:
    assert len(await panosc(client, "Documents", filter={"where": {"text": "lysozyme"}})) == 1
    assert await panosc(client, "Documents", filter={"where": {"text": "battery"}}) == []
    assert (
        len(
            await panosc(client, "Documents", filter={"where": {"startDate": {"lt": "2024-01-01"}}})
        )
        == 1
    )
    assert (
        await panosc(client, "Documents", filter={"where": {"startDate": {"gt": "2024-01-01"}}})
        == []
    )
    or_filter = {"where": {"or": [{"title": "nothing"}, {"title": {"ilike": "LYSOZYME"}}]}}
    assert len(await panosc(client, "Documents", filter=or_filter)) == 1
    datasets = await panosc(
        client, "Datasets", filter={"where": {"title": {"inq": ["raw/sample1", "x"]}}}
    )
    assert [d["title"] for d in datasets] == ["raw/sample1"]
    instruments = await panosc(client, "Instruments", filter={"include": ["datasets"]})
    by_name = {i["name"]: i for i in instruments}
    assert set(by_name) == {"BL11", "BL13", "BL22"}  # instruments are public metadata
    assert len(by_name["BL13"]["datasets"]) == 2
    assert by_name["BL22"]["datasets"] == []  # its only proposal is embargoed
    scored = await panosc(client, "Documents", query="lysozyme crystals copper")
    assert scored[0]["score"] == pytest.approx(0.667)


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("Documents", {"filter": "{not json"}, "filter: not valid JSON"),
        ("Documents", {"filter": "[1, 2]"}, "filter: must be a JSON object"),
        (
            "Documents",
            {"filter": {"where": {"colour": "red"}}},
            "unknown field 'colour' on Document",
        ),
        (
            "Documents",
            {"filter": {"where": {"title": {"regexp": ".*"}}}},
            "unknown operator 'regexp'",
        ),
        (
            "Documents",
            {"filter": {"include": ["secrets"]}},
            "unknown relation 'secrets' on Document",
        ),
        (
            "Documents",
            {"filter": {"limit": 100000}},
            "filter.limit: must be an integer in [1, 1000]",
        ),
        (
            "Documents",
            {"filter": {"where": {"startDate": {"gt": "soon"}}}},
            "is not an ISO 8601 date",
        ),
        (
            "Datasets",
            {"filter": {"where": {"size": {"between": [1]}}}},
            "needs a list of two values",
        ),
        ("Datasets", {"filter": {"sort": "x"}}, "filter: unknown key 'sort'"),
        ("Datasets", {"token": "x"}, "unknown parameter 'token'"),
    ],
)
async def test_bad_filters_are_400(
    client: Client, path: str, params: dict[str, Any], message: str
) -> None:
    body = await panosc(client, path, status=400, **params)
    assert message in body["message"]
