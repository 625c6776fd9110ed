"""What the PaN data portal sends, through the federated search's rules, answered by panhub.

Each filter below is one the portal builds (panosc-eu/searchui ``src/Api/translate.js``
and its test, ``src/filters.json``, ``src/Explore/Sections.js``); the federation
forwards it with ``limit`` set and keeps a provider's results only with a score strictly
between 0 and 1 (``tests/support/panosc_contract.py`` states those rules). Every answer
must conform to the data model and survive the federation whole.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.catalogue.panosc.conftest import ask
from tests.catalogue.panosc.test_search import assert_public, pids
from tests.support.catalogue_client import Client
from tests.support.panosc_contract import (
    conformance_errors,
    federate,
    federation_keeps,
    forwarded_filter,
)
from tests.support.panosc_world import World

MEMBERS = {
    "relation": "members",
    "scope": {"include": [{"relation": "affiliation"}, {"relation": "person"}]},
}


def datasets_with(*includes: dict[str, Any]) -> dict[str, Any]:
    return {"relation": "datasets", "scope": {"include": list(includes)}}


def technique(name: str) -> dict[str, Any]:
    return {"relation": "techniques", "scope": {"where": {"name": name}}}


def parameter(
    name: str, value: Any, operator: str | None = None, unit: str | None = None
) -> dict[str, Any]:
    """As the portal's ``buildParameter`` writes one parameter filter."""
    conditions: list[dict[str, Any]] = [
        {"name": name},
        {"value": {operator: value} if operator else value},
    ]
    if unit:
        conditions.append({"unit": unit})
    return {"relation": "parameters", "scope": {"where": {"and": conditions}}}


async def through_federation(client: Client, portal_filter: dict[str, Any]) -> list[dict[str, Any]]:
    """The portal's ``/Documents`` search as the federation forwards and keeps it."""
    sent = forwarded_filter(portal_filter)
    answer = await ask(client, "Documents", filter=sent)
    assert_public(answer)
    for document in answer:
        assert conformance_errors(document, "Document") == []
        assert federation_keeps(document), document.get("score")
    kept = federate([answer], sent)
    assert len(kept) == len(answer)
    return kept


@pytest.mark.parametrize(
    ("portal_filter", "expected"),
    [
        # no filter, the portal's default configuration
        ({"limit": 50}, ["copper", "silica"]),
        # technique filter and the custom include of the results list
        (
            {"include": [MEMBERS, datasets_with(technique("x-ray absorption"))], "limit": 50},
            ["copper"],
        ),
        # technique and temperature range (the portal's test sends the range as strings)
        (
            {
                "include": [
                    MEMBERS,
                    datasets_with(
                        technique("small angle scattering"),
                        parameter("sample_temperature", ["0", "7300"], "between", "K"),
                    ),
                ],
                "limit": 50,
            },
            ["silica"],
        ),
        # chemical formula: the portal's filter uses like
        (
            {"include": [datasets_with(parameter("sample_chemical_formula", "Cu", "like"))]},
            ["copper"],
        ),
        # incident wavelength in nm, pm and angstrom (stored in angstrom)
        (
            {
                "include": [
                    datasets_with(parameter("incident_wavelength", [1000, 1100], "between", "nm"))
                ]
            },
            ["silica"],
        ),
        (
            {"include": [datasets_with(parameter("incident_wavelength", 2e6, "lt", "pm"))]},
            ["silica"],
        ),
        (
            {"include": [datasets_with(parameter("incident_wavelength", 5000, "gt", "angstrom"))]},
            ["silica"],
        ),
        # incident photon energy in eV and J (stored in keV)
        (
            {
                "include": [
                    datasets_with(parameter("incident_photon_energy", [900, 1000], "between", "eV"))
                ]
            },
            ["copper"],
        ),
        (
            {"include": [datasets_with(parameter("incident_photon_energy", 1e-15, "lt", "J"))]},
            ["copper"],
        ),
        # temperature in celsius and fahrenheit (stored in K and in degC)
        (
            {"include": [datasets_with(parameter("sample_temperature", 22, "lt", "celsius"))]},
            ["copper"],
        ),
        (
            {"include": [datasets_with(parameter("sample_temperature", 70, "gt", "fahrenheit"))]},
            ["silica"],
        ),
        # pressure: nothing has one
        ({"include": [datasets_with(parameter("sample_pressure", [0, 1e9], "between", "Pa"))]}, []),
        # paging and all of LoopBack's keys by id (translate.test.js)
        (
            {"skip": 1, "limit": 1, "include": [datasets_with({"relation": "parameters"})]},
            ["silica"],
        ),
    ],
)
async def test_the_portals_searches(
    world: Client, names: World, portal_filter: dict[str, Any], expected: list[str]
) -> None:
    kept = await through_federation(world, portal_filter)
    assert pids(kept) == [getattr(names, e) for e in expected]


@pytest.mark.parametrize("chunks", [None, (1, 10), (1, 1)])
async def test_the_portals_free_text_search_is_ranked(
    world: Client, names: World, monkeypatch: pytest.MonkeyPatch, chunks: tuple[int, int] | None
) -> None:
    """The portal puts its keywords in ``filter.query``; other clients send ``?query=``.

    The same answers however the full-text matches are read (one at a time, and giving
    up after one read for the plain query).
    """
    if chunks is not None:
        from panhub_catalogue.panosc import scoring

        monkeypatch.setattr(scoring, "CHUNK", chunks[0])
        monkeypatch.setattr(scoring, "MAX_CHUNKS", chunks[1])
    kept = await through_federation(world, {"query": "copper oxidation", "limit": 50})
    assert pids(kept) == [names.copper]
    assert kept[0]["score"] == 0.999  # every word
    kept = await through_federation(world, {"query": "silica water copper", "limit": 50})
    assert pids(kept) == [names.silica, names.copper]
    silica, copper = (d["score"] for d in kept)
    assert 0 < copper < silica < 1
    # each word counts by its rarity among public documents only: "embargo" is only in the
    # embargoed proposal's title, so it weighs exactly what a word nobody wrote weighs (the
    # scores say nothing of data under embargo), and half a match is not a full one
    (half,) = await through_federation(world, {"query": "embargo silica"})
    (unknown,) = await through_federation(world, {"query": "qzxv silica"})
    assert half["pid"] == unknown["pid"] == names.silica
    assert half["score"] == unknown["score"] < 0.5
    assert await through_federation(world, {"query": "embargo"}) == []
    # keywords and filters together, and as a query parameter
    both = {"query": "silica copper", "include": [datasets_with(technique("x-ray absorption"))]}
    assert pids(await through_federation(world, both)) == [names.copper]
    found = await ask(world, "Documents", query="water", filter={"limit": 10})
    assert pids(found) == [names.silica]
    datasets = await ask(world, "Datasets", filter={"query": "cylinder"})
    assert [d["title"] for d in datasets] == ["raw/cu_cylinder", "raw/cu_edge"]
    assert all(federation_keeps(d) for d in datasets)
    instruments = await ask(world, "Instruments", filter={"query": "bl11"})
    assert [(i["name"], federation_keeps(i)) for i in instruments] == [("BL11", True)]


def members_of(document: dict[str, Any]) -> list[Any]:
    """Sections.js ``getMembers``: full name and affiliation of each member."""
    return sorted((m["person"]["fullName"], m["affiliation"]["name"]) for m in document["members"])


def techniques_of(document: dict[str, Any]) -> list[Any]:
    """Sections.js ``getTechniques``: name, and the pid when it is a URL."""
    return sorted({(t["name"], t["pid"]) for d in document["datasets"] for t in d["techniques"]})


def parameters_of(document: dict[str, Any]) -> list[Any]:
    """Sections.js ``getParameters``: name, and value with its unit."""
    return sorted(
        (p["name"], f"{p['value']} {p['unit']}" if p.get("unit") else p["value"])
        for d in document["datasets"]
        for p in d["parameters"]
    )


@pytest.mark.parametrize(
    ("include", "read", "expected"),
    [
        (
            [MEMBERS],
            members_of,
            [
                ("James Chadwick", "ALBA Synchrotron Light Source"),
                ("John Smith", "University of Lund"),
            ],
        ),
        (
            [datasets_with({"relation": "techniques"})],
            techniques_of,
            [("x-ray absorption", "http://purl.org/pan-science/PaNET/PaNET01227")],
        ),
        (
            [datasets_with({"relation": "parameters"})],
            parameters_of,
            [
                ("incident_photon_energy", "0.93 keV"),
                ("sample_chemical_formula", "Cu"),
                ("sample_state", "solid"),
                ("sample_temperature", "293.15 K"),
            ],
        ),
    ],
)
async def test_the_portals_detail_view(
    world: Client, names: World, include: list[Any], read: Any, expected: list[Any]
) -> None:
    """Sections.js asks one document by pid, ``limit: 0``, for each part of its details."""
    path = f"Documents/{quote(names.copper, safe='')}"
    document = await ask(world, path, filter={"include": include, "limit": 0})
    assert conformance_errors(document, "Document") == []
    assert read(document) == expected
    # the federation asks every provider; one that has no such pid answers 404
    await ask(world, f"Documents/{quote('10.9999/elsewhere', safe='')}", status=404)


async def test_counts_as_the_federation_sums_them(world: Client) -> None:
    assert await ask(world, "Documents/count") == {"count": 2}
    assert await ask(world, "Datasets/count", where={"title": {"like": "raw/%"}}) == {"count": 3}
    assert await ask(world, "Instruments/count", where={"facility": "PANHUB"}) == {"count": 2}
