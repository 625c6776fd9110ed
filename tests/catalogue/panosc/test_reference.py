"""The PaNOSC reference's acceptance tests, their queries replayed against panhub.

panosc-eu/search-api ``test/dataset.test.js``, ``document.test.js``,
``instrument.test.js`` and ``panet.test.js``: the same filters, and the same checks of
each answer, over the world of ``tests/support/panosc_world.py``, which holds the same
facts as the reference's test data. Two differences, both of the data, not of the query
language: the parameter names are the PaN portal's (``incident_photon_energy`` for the
reference's ``photon_energy``, see :data:`NAMES`), and the beamlines and facility are
panhub's (BL22 and BL11 of PANHUB for the reference's LoKI and ODIN of ESS).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.catalogue.panosc.conftest import ask
from tests.catalogue.panosc.test_search import assert_public
from tests.support.catalogue_client import Client
from tests.support.panosc_contract import conformance_errors
from tests.support.panosc_world import World

#: The reference's test parameter names -> the names the PaN portal filters on.
NAMES = {
    "photon_energy": "incident_photon_energy",
    "temperature": "sample_temperature",
    "wavelength": "incident_wavelength",
    "chemical_formula": "sample_chemical_formula",
    "sample_state": "sample_state",
}


def parameters(where: dict[str, Any]) -> dict[str, Any]:
    return {"relation": "parameters", "scope": {"where": where}}


def named(name: str, value: Any, unit: str | None = None) -> dict[str, Any]:
    conditions = [{"name": NAMES[name]}, {"value": value}]
    return {"and": conditions + ([{"unit": unit}] if unit else [])}


async def find(client: Client, path: str, filter_: dict[str, Any]) -> list[dict[str, Any]]:
    answer = await ask(client, path, filter=filter_)
    assert_public(answer)
    assert isinstance(answer, list)
    cls = path.rstrip("s")
    for item in answer:
        assert "score" in item
        assert conformance_errors(item, cls) == []
    return answer


# --- dataset.test.js --------------------------------------------------------------------


async def test_datasets_without_filter(world: Client) -> None:
    found = await find(world, "Datasets", {})
    assert len(found) == 3


async def test_datasets_where_technique_is_xray_absorption(world: Client) -> None:
    filter_ = {
        "include": [{"relation": "techniques", "scope": {"where": {"name": "x-ray absorption"}}}]
    }
    found = await find(world, "Datasets", filter_)
    assert len(found) == 2
    for dataset in found:
        assert dataset["techniques"]
        assert all(t["name"] == "x-ray absorption" for t in dataset["techniques"])


async def test_datasets_where_photon_energy_is_880_to_990_ev(world: Client) -> None:
    filter_ = {"include": [parameters(named("photon_energy", {"between": [880, 990]}, "eV"))]}
    found = await find(world, "Datasets", filter_)
    assert len(found) == 1
    for parameter in found[0]["parameters"]:
        assert parameter["name"] == NAMES["photon_energy"]
        assert 880 <= parameter["value"] <= 990
        assert parameter["unit"] == "eV"


async def test_datasets_where_sample_is_solid_or_contains_copper(world: Client) -> None:
    where = {"or": [named("sample_state", "solid"), named("chemical_formula", "Cu")]}
    found = await find(world, "Datasets", {"include": [parameters(where)]})
    assert len(found) == 1
    first, second = found[0]["parameters"]
    assert (first["name"], first["value"]) == (NAMES["chemical_formula"], "Cu")
    assert (second["name"], second["value"]) == ("sample_state", "solid")


async def test_datasets_where_temperature_is_below_80_celsius(world: Client) -> None:
    filter_ = {"include": [parameters(named("temperature", {"lt": 80}, "celsius"))]}
    found = await find(world, "Datasets", filter_)
    # the reference's data has one such dataset; panhub's world two (in K and in degC)
    assert [d["title"] for d in found] == ["raw/cu_cylinder", "raw/sol"]
    for dataset in found:
        for parameter in dataset["parameters"]:
            assert parameter["name"] == NAMES["temperature"]
            assert parameter["value"] < 80
            assert parameter["unit"] == "celsius"


async def test_datasets_where_a_file_matches_text_file1(world: Client) -> None:
    filter_ = {"include": [{"relation": "files", "scope": {"where": {"text": "file1"}}}]}
    found = await find(world, "Datasets", filter_)
    assert len(found) == 1
    assert found[0]["files"]
    assert all("file1" in f["name"] for f in found[0]["files"])


async def test_dataset_by_pid(world: Client) -> None:
    (dataset,) = await find(world, "Datasets", {"where": {"title": "raw/sol"}})
    one = await ask(world, "Datasets/" + quote(dataset["pid"], safe=""))
    assert one["pid"] == dataset["pid"]
    assert {"title", "isPublic", "creationDate"} <= set(one)


# --- document.test.js -------------------------------------------------------------------


async def test_documents_without_filter(world: Client) -> None:
    assert len(await find(world, "Documents", {})) == 2


async def test_proposals_with_a_given_principal_investigator(world: Client, names: World) -> None:
    filter_ = {
        "where": {"type": "proposal"},
        "include": [
            {"relation": "datasets"},
            {
                "relation": "members",
                "scope": {
                    "where": {"role": "principal investigator"},
                    "include": [
                        {"relation": "person", "scope": {"where": {"fullName": "James Chadwick"}}}
                    ],
                },
            },
        ],
    }
    found = await find(world, "Documents", filter_)
    assert [d["pid"] for d in found] == [names.copper]
    for document in found:
        assert document["datasets"]
        assert document["members"]
        for member in document["members"]:
            assert member["role"] == "principal investigator"
            assert member["person"]["fullName"] == "James Chadwick"


async def test_documents_where_wavelength_is_1000_to_1100_nm(world: Client) -> None:
    filter_ = {"include": [parameters(named("wavelength", {"between": [1000, 1100]}, "nm"))]}
    found = await find(world, "Documents", filter_)
    assert len(found) == 1
    for parameter in found[0]["parameters"]:
        assert parameter["name"] == NAMES["wavelength"]
        assert 1000 <= parameter["value"] <= 1100
        assert parameter["unit"] == "nm"


async def test_documents_whose_datasets_have_a_wavelength_of_1000_to_1100_nm(world: Client) -> None:
    where = named("wavelength", {"between": [1000, 1100]}, "nm")
    filter_ = {"include": [{"relation": "datasets", "scope": {"include": [parameters(where)]}}]}
    found = await find(world, "Documents", filter_)
    assert len(found) == 1
    for dataset in found[0]["datasets"]:
        assert dataset["parameters"]
        for parameter in dataset["parameters"]:
            assert 1000 <= parameter["value"] <= 1100  # stored in angstrom
            assert parameter["unit"] == "nm"


async def test_documents_with_xray_absorption_on_a_solid_copper_cylinder(
    world: Client, names: World
) -> None:
    filter_ = {
        "include": [
            {
                "relation": "datasets",
                "scope": {
                    "include": [
                        {
                            "relation": "samples",
                            "scope": {"where": {"name": "solid copper cylinder"}},
                        },
                        {
                            "relation": "techniques",
                            "scope": {"where": {"name": "x-ray absorption"}},
                        },
                    ]
                },
            }
        ]
    }
    found = await find(world, "Documents", filter_)
    assert [d["pid"] for d in found] == [names.copper]
    for dataset in found[0]["datasets"]:
        assert [s["name"] for s in dataset["samples"]] == ["solid copper cylinder"]
        # panet.test.js: the technique carries its PaNET id
        assert [(t["name"], t["panetId"]) for t in dataset["techniques"]] == [
            ("x-ray absorption", "http://purl.org/pan-science/PaNET/PaNET01227")
        ]


async def test_documents_whose_datasets_have_a_file_matching_file1(world: Client) -> None:
    filter_ = {
        "include": [
            {
                "relation": "datasets",
                "scope": {
                    "include": [{"relation": "files", "scope": {"where": {"text": "file1"}}}]
                },
            }
        ]
    }
    found = await find(world, "Documents", filter_)
    assert len(found) == 1
    for dataset in found[0]["datasets"]:
        assert dataset["files"]
        assert all("file1" in f["name"] for f in dataset["files"])


async def test_document_by_pid(world: Client, names: World) -> None:
    one = await ask(world, "Documents/" + quote(names.copper, safe=""))
    assert one["pid"] == names.copper


# --- instrument.test.js -----------------------------------------------------------------


async def test_instruments(world: Client) -> None:
    assert len(await find(world, "Instruments", {})) == 2
    for instrument in await find(world, "Instruments", {"where": {"name": "BL22"}}):
        assert instrument["name"] == "BL22"
    paged = await find(
        world, "Instruments", {"where": {"facility": "PANHUB"}, "skip": 0, "limit": 3}
    )
    assert len(paged) == 2
    assert all(i["facility"] == "PANHUB" for i in paged)
    one = await ask(world, "Instruments/" + quote(paged[0]["pid"], safe=""))
    assert one["pid"] == paged[0]["pid"]
