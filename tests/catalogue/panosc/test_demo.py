"""The hub demo's catalogue as the PaN data portal meets it through the federation.

The demo (``make demo``: hub_config/demo/proposals.toml, acquisitions.toml and
make_data.py, imported and indexed as ``panhub.demo.bring_up`` does it) is served, and
the portal's searches and the PaNOSC reference's acceptance queries are replayed against
it. Each answer must conform to the data model, survive the federation whole, mean what
the filter says (every item meets it), and not be empty where the demo holds such data.
The demo's embargoed proposals (2026) never show.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from panhub_catalogue.web.service import ServiceOptions, make_app
from sqlalchemy.orm import Session, sessionmaker

from tests.catalogue.panosc.conftest import ask
from tests.catalogue.panosc.test_portal import MEMBERS, datasets_with, parameter, technique
from tests.support.catalogue_client import BASE, Client, identify_from_header, serving
from tests.support.demo_catalogue import NOW, build_hub_demo, load
from tests.support.panosc_contract import (
    conformance_errors,
    federate,
    federation_keeps,
    forwarded_filter,
)

PUBLIC = ["20210005", "20220004", "20220006", "20220007", "20220008", "20220009"]
EMBARGOED = ["20260001", "20260002", "20260003"]
ORCID = re.compile(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]")


@pytest.fixture
async def demo(sqlite_sessions: sessionmaker[Session], tmp_path: Path) -> AsyncIterator[Client]:
    build_hub_demo(sqlite_sessions, tmp_path / "proposals")
    app = make_app(
        sqlite_sessions, ServiceOptions(base_url=BASE, clock=lambda: NOW), identify_from_header
    )
    async with serving(app, sqlite_sessions, {}, tmp_path) as client:
        yield client


def embargoed_titles() -> list[str]:
    proposals = load("proposals.toml")["proposals"]
    return [proposals[p]["title"] for p in EMBARGOED]


async def portal(client: Client, portal_filter: dict[str, Any]) -> list[dict[str, Any]]:
    """A portal search of Documents, forwarded and kept as the federation does."""
    sent = forwarded_filter(portal_filter)
    answer = await ask(client, "Documents", filter=sent)
    text = json.dumps(answer)
    for secret in EMBARGOED + embargoed_titles():
        assert secret not in text
    for document in answer:
        assert conformance_errors(document, "Document") == []
        assert federation_keeps(document)
    assert len(federate([answer], sent)) == len(answer)
    return answer


def proposal_of(document: dict[str, Any]) -> str:
    return document["pid"].removeprefix("investigation/")


def parameters_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for d in document["datasets"] for p in d["parameters"]]


async def test_the_public_proposals_with_members_samples_and_parameters(demo: Client) -> None:
    include = [
        MEMBERS,
        datasets_with(
            {"relation": "techniques"}, {"relation": "samples"}, {"relation": "parameters"}
        ),
    ]
    found = await portal(demo, {"include": include, "limit": 50})
    assert sorted(proposal_of(d) for d in found) == PUBLIC
    with_members = [d for d in found if d["members"]]
    assert len(with_members) == 5  # 20220004 has no members
    for document in with_members:
        for member in document["members"]:
            assert member["person"]["fullName"] != "(name not recorded)"
            assert ORCID.fullmatch(member["person"]["orcid"])
            assert member["affiliation"]["name"]
        assert [m["role"] for m in document["members"]].count("principal investigator") == 1
    for document in found:
        techniques = {t["name"] for d in document["datasets"] for t in d["techniques"]}
        assert len(techniques) == 1
        assert all(
            t["panetId"].startswith("http://purl.org/pan-science/PaNET/PaNET")
            for d in document["datasets"]
            for t in d["techniques"]
        )
        assert any(s.get("description") for d in document["datasets"] for s in d["samples"])
        names = {p["name"] for p in parameters_of(document)}
        assert "sample_temperature" in names
        assert names & {"incident_photon_energy", "incident_wavelength"}
    beamlines = await ask(demo, "Instruments", filter={"include": ["datasets"]})
    assert len({i["name"] for i in beamlines if i["datasets"]}) >= 5


@pytest.mark.parametrize(
    ("name", "operator", "value", "unit", "low", "high"),
    [
        ("sample_temperature", "between", ["0", "7300"], "K", 0, 7300),
        ("sample_temperature", "lt", 30, "celsius", -300, 30),
        ("sample_temperature", "gt", 500, "fahrenheit", 500, 1e9),
        ("incident_wavelength", "between", [0.05, 0.1], "nm", 0.05, 0.1),
        ("incident_wavelength", "lt", 50, "pm", 0, 50),
        ("incident_wavelength", "gt", 0.9, "angstrom", 0.9, 1e9),
        ("incident_photon_energy", "between", [8000, 9000], "eV", 8000, 9000),
        ("incident_photon_energy", "lt", 1e-16, "J", 0, 1e-16),
        ("sample_pressure", "gt", 1e8, "Pa", 1e8, 1e30),
    ],
)
async def test_the_portals_parameter_filters_in_any_unit(
    demo: Client, name: str, operator: str, value: Any, unit: str, low: float, high: float
) -> None:
    found = await portal(
        demo, {"include": [datasets_with(parameter(name, value, operator, unit))], "limit": 50}
    )
    assert found, "the demo holds such data"
    for document in found:
        for shown in parameters_of(document):
            assert shown["name"] == name
            assert shown["unit"] == unit
            assert low <= shown["value"] <= high or (
                operator == "between" and float(value[0]) <= shown["value"] <= float(value[1])
            )


async def test_the_portals_technique_formula_and_text_searches(demo: Client) -> None:
    for name in (
        "small angle scattering",
        "x-ray absorption spectroscopy",
        "macromolecular crystallography",
    ):
        found = await portal(
            demo, {"include": [MEMBERS, datasets_with(technique(name))], "limit": 50}
        )
        assert found, name
        assert all(
            t["name"] == name for d in found for ds in d["datasets"] for t in ds["techniques"]
        )
    found = await portal(
        demo, {"include": [datasets_with(parameter("sample_chemical_formula", "Cu", "like"))]}
    )
    assert [proposal_of(d) for d in found] == ["20220006"]
    assert [p["value"] for p in parameters_of(found[0])] == ["CuO"]
    found = await portal(demo, {"query": "zeolite copper", "limit": 50})
    assert [proposal_of(d) for d in found][:2] == ["20220006", "20220004"]  # both words, then one
    assert found[0]["score"] > found[1]["score"]
    assert await portal(demo, {"query": "fibrillation insulin"}) == []  # only under embargo


async def test_the_references_queries_on_the_demo(demo: Client) -> None:
    xas = {
        "include": [
            {
                "relation": "techniques",
                "scope": {"where": {"name": "x-ray absorption spectroscopy"}},
            }
        ]
    }
    datasets = await ask(demo, "Datasets", filter=xas)
    assert datasets
    for dataset in datasets:
        assert conformance_errors(dataset, "Dataset") == []
        assert all(t["name"] == "x-ray absorption spectroscopy" for t in dataset["techniques"])
    pi = {
        "where": {"type": "proposal"},
        "include": [
            {"relation": "datasets"},
            {
                "relation": "members",
                "scope": {
                    "where": {"role": "principal investigator"},
                    "include": [
                        {"relation": "person", "scope": {"where": {"fullName": {"like": "Alice%"}}}}
                    ],
                },
            },
        ],
    }
    documents = await portal(demo, pi)
    assert sorted(proposal_of(d) for d in documents) == ["20210005", "20220008"]
    for document in documents:
        assert document["datasets"]
        assert [m["role"] for m in document["members"]] == ["principal investigator"]
    files = {
        "include": [
            {
                "relation": "datasets",
                "scope": {"include": [{"relation": "files", "scope": {"where": {"text": "saxs"}}}]},
            }
        ]
    }
    for document in await portal(demo, files):
        assert all("saxs" in f["name"].lower() for d in document["datasets"] for f in d["files"])
    one = await ask(
        demo, "Documents/investigation%2F20220006", filter={"include": [MEMBERS], "limit": 0}
    )
    assert [m["affiliation"]["name"] for m in one["members"]]
    await ask(demo, "Documents/investigation%2F20260001", status=404)
    assert await ask(demo, "Documents/count") == {"count": len(PUBLIC)}
