"""The PaNOSC filter language over the reference-shaped world, on SQLite and PostgreSQL.

Every relation in both directions, ``where`` on every field, LoopBack's operators with
LoopBack's meaning, ``text`` where the reference allows it, ``fields``, ``order``,
paging, parameters in other units than stored, one item by pid, a dataset's files, the
counts; and a 400 naming the part for what panhub cannot answer. Nothing of the
embargoed proposal ever shows.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.catalogue.panosc.conftest import ask
from tests.support.catalogue_client import Client
from tests.support.panosc_contract import conformance_errors
from tests.support.panosc_world import CHADWICK_ORCID, World

SECRET = ("2026013003", "under embargo", "not yet released")


def assert_public(answer: Any) -> None:
    text = json.dumps(answer)
    for word in SECRET:
        assert word not in text


def pids(items: list[dict[str, Any]]) -> list[str]:
    return [item["pid"] for item in items]


async def documents(client: Client, **where: Any) -> list[str]:
    found = await ask(client, "Documents", filter={"where": where})
    assert_public(found)
    return pids(found)


# --- relations ------------------------------------------------------------------------


async def test_every_relation_of_documents_conforms(world: Client, names: World) -> None:
    include = [
        {"relation": "members", "scope": {"include": ["person", "affiliation", "document"]}},
        {
            "relation": "datasets",
            "scope": {
                "include": [
                    "documents",
                    "document",
                    "techniques",
                    "instrument",
                    {"relation": "files", "scope": {"include": ["dataset"]}},
                    {"relation": "parameters", "scope": {"include": ["dataset", "document"]}},
                    {"relation": "samples", "scope": {"include": ["datasets"]}},
                ]
            },
        },
        {"relation": "parameters", "scope": {"include": ["document", "dataset"]}},
    ]
    found = await ask(world, "Documents", filter={"include": include})
    assert_public(found)
    assert pids(found) == [names.copper, names.silica]
    for document in found:
        assert conformance_errors(document, "Document") == []
    copper, silica = found
    assert [
        (m["role"], m["person"]["fullName"], m["affiliation"]["name"]) for m in copper["members"]
    ] == [
        ("principal investigator", "James Chadwick", "ALBA Synchrotron Light Source"),
        ("member", "John Smith", "University of Lund"),
    ]
    assert copper["members"][0]["person"]["orcid"] == CHADWICK_ORCID
    assert copper["members"][0]["document"]["pid"] == names.copper
    # a member without a recorded name is not published under their login
    assert [m["person"]["fullName"] for m in silica["members"]] == [
        "John Smith",
        "(name not recorded)",
    ]
    assert "affiliation" not in silica["members"][1]
    cylinder, edge = copper["datasets"]
    assert cylinder["documents"][0]["pid"] == cylinder["document"]["pid"] == names.copper
    assert cylinder["instrument"] == {
        "pid": "instrument/BL22",
        "name": "BL22",
        "facility": "PANHUB",
    }
    assert cylinder["files"][0]["dataset"]["pid"] == cylinder["pid"]
    assert isinstance(cylinder["files"][0]["id"], int)
    assert {p["name"]: p["value"] for p in cylinder["parameters"]} == {
        "sample_chemical_formula": "Cu",
        "sample_state": "solid",
        "sample_temperature": 293.15,
    }
    assert all(p["dataset"]["pid"] == cylinder["pid"] for p in cylinder["parameters"])
    assert all("document" not in p for p in cylinder["parameters"])  # a dataset's, not both
    (sample,) = cylinder["samples"]
    assert sample["description"] == "Cu, 5 mm diameter"
    # the embargoed proposal's datasets of the same sample name are not reached
    assert [d["pid"] for d in sample["datasets"]] == [cylinder["pid"], edge["pid"]]
    (parameter,) = silica["parameters"]
    assert (parameter["name"], parameter["value"], parameter["unit"]) == (
        "incident_wavelength",
        1064.0,
        "nm",
    )
    assert parameter["document"]["pid"] == names.silica
    assert "dataset" not in parameter  # a document's, not both
    # an include without a condition keeps every document, even one without such children
    # (the reference's sanitising drops them: the copper proposal has no parameters)
    assert copper["parameters"] == []


async def test_relations_into_datasets_keep_to_public_ones(world: Client, names: World) -> None:
    instruments = await ask(world, "Instruments", filter={"include": ["datasets"]})
    assert_public(instruments)
    by_name = {i["name"]: [d["title"] for d in i["datasets"]] for i in instruments}
    assert by_name == {"BL22": ["raw/cu_cylinder", "raw/cu_edge"], "BL11": ["raw/sol"]}
    datasets = await ask(
        world,
        "Datasets",
        filter={
            "include": [
                {"relation": "techniques", "scope": {"include": ["datasets"]}},
                {"relation": "document", "scope": {"include": [
                    {"relation": "members", "scope": {"include": [
                        {"relation": "person", "scope": {"include": [
                            {"relation": "members", "scope": {"include": ["document"]}}
                        ]}},
                        {"relation": "affiliation", "scope": {"include": ["members"]}},
                    ]}}
                ]}},
            ]
        },
    )  # fmt: skip
    assert_public(datasets)
    assert [d["title"] for d in datasets] == ["raw/cu_cylinder", "raw/cu_edge", "raw/sol"]
    for dataset in datasets:
        assert conformance_errors(dataset, "Dataset") == []
    xas = datasets[0]["techniques"][0]
    assert [d["title"] for d in xas["datasets"]] == ["raw/cu_cylinder", "raw/cu_edge"]
    chadwick = datasets[0]["document"]["members"][0]["person"]
    # James Chadwick is a member of the embargoed proposal too: not shown
    assert [m["document"]["pid"] for m in chadwick["members"]] == [names.copper]
    alba = datasets[0]["document"]["members"][0]["affiliation"]
    assert [m["id"] for m in alba["members"]] == [datasets[0]["document"]["members"][0]["id"]]


# --- where ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"type": "proposal"}, "both"),
        ({"type": "publication"}, "none"),
        ({"isPublic": True}, "both"),
        ({"isPublic": False}, "none"),
        ({"license": "CC-BY-4.0"}, "both"),
        ({"keywords": "x-ray absorption"}, "copper"),
        ({"keywords": {"inq": ["small angle scattering", "imaging"]}}, "silica"),
        ({"keywords": {"nin": ["small angle scattering"]}}, "copper"),
        ({"pid": "10.5072/panhub.copper"}, "copper"),
        ({"pid": {"like": "investigation/%"}}, "silica"),
        ({"doi": None}, "silica"),
        ({"doi": {"neq": None}}, "copper"),
        ({"title": "Silica nanoparticles in water"}, "silica"),
        ({"summary": {"ilike": "SMALL ANGLE"}}, "silica"),
        ({"startDate": {"gt": "2021-01-01T00:00:00Z"}}, "silica"),
        ({"startDate": {"lt": 1609459200000}}, "copper"),  # milliseconds, as LoopBack allows
        ({"endDate": {"between": ["2020-01-01", "2020-12-31"]}}, "copper"),
        ({"releaseDate": {"gte": "2024-04-05T00:00:00Z"}}, "silica"),
        ({"or": [{"title": {"like": "Copper%"}}, {"doi": None}]}, "both"),
        ({"and": [{"title": {"like": "%in%"}}, {"type": "proposal"}]}, "both"),
    ],
)
async def test_where_on_document_fields(
    world: Client, names: World, where: dict[str, Any], expected: str
) -> None:
    want = {
        "both": [names.copper, names.silica],
        "copper": [names.copper],
        "silica": [names.silica],
        "none": [],
    }[expected]
    assert await documents(world, **where) == want
    assert await ask(world, "Documents/count", where=where) == {"count": len(want)}


@pytest.mark.parametrize(
    ("path", "where", "expected"),
    [
        ("Datasets", {"title": {"inq": ["raw/sol", "raw/none"]}}, ["raw/sol"]),
        ("Datasets", {"size": {"gt": 1000}}, ["raw/cu_cylinder", "raw/cu_edge", "raw/sol"]),
        ("Datasets", {"size": "2048"}, ["raw/cu_cylinder", "raw/cu_edge", "raw/sol"]),
        ("Datasets", {"creationDate": {"lt": "2021-01-01"}}, ["raw/cu_cylinder", "raw/cu_edge"]),
        ("Datasets", {"title": {"nin": ["raw/cu_cylinder"]}}, ["raw/cu_edge", "raw/sol"]),
        (
            "Datasets",
            {"pid": {"like": "dataset/%"}, "isPublic": True},
            ["raw/cu_cylinder", "raw/cu_edge", "raw/sol"],
        ),
        ("Datasets", {"text": "CU_"}, ["raw/cu_cylinder", "raw/cu_edge"]),
        ("Instruments", {"facility": "PANHUB", "name": {"neq": "BL22"}}, ["BL11"]),
        ("Instruments", {"text": "bl1"}, ["BL11"]),
        ("Instruments", {"pid": "instrument/BL22"}, ["BL22"]),
    ],
)
async def test_where_on_dataset_and_instrument_fields(
    world: Client, path: str, where: dict[str, Any], expected: list[str]
) -> None:
    found = await ask(world, path, filter={"where": where})
    assert_public(found)
    assert [item.get("title", item.get("name")) for item in found] == expected


async def test_like_means_what_loopback_says(world: Client, names: World) -> None:
    # without % the pattern matches anywhere; with %, it is anchored; _ is one character
    assert await documents(world, title={"like": "oxidation"}) == [names.copper]
    assert await documents(world, title={"like": "oxidation%"}) == []
    assert await documents(world, title={"like": "Copper%"}) == [names.copper]
    assert await documents(world, title={"like": "%water"}) == [names.silica]
    assert await documents(world, title={"like": "S_lica%"}) == [names.silica]
    # like is case-sensitive on both backends, ilike is not
    assert await documents(world, title={"like": "copper"}) == []
    assert await documents(world, title={"ilike": "copper%"}) == [names.copper]
    assert await documents(world, title={"nlike": "Copper%"}) == [names.silica]
    assert await documents(world, title={"nilike": "%WATER"}) == [names.copper]
    # a literal % or _ is escaped with a backslash
    assert await documents(world, title={"like": "100\\%"}) == []


async def test_regexp_as_loopback_reads_it(world: Client, names: World) -> None:
    assert await documents(world, title={"regexp": "^Copper"}) == [names.copper]
    assert await documents(world, title={"regexp": "^copper"}) == []
    assert await documents(world, title={"regexp": "/^copper/i"}) == [names.copper]
    assert await documents(world, summary={"regexp": "sil(ica|icon) sol$"}) == [names.silica]
    # a pattern that backtracking engines take exponential time on: linear here
    assert await documents(world, title={"regexp": "(a+)+$"}) == []


async def test_text_searches_the_fields_the_reference_names(world: Client, names: World) -> None:
    """``text`` is a substring ignoring case: Document title and summary, File name,
    Sample name and description, Technique name, Instrument name and facility."""
    assert await documents(world, text="SOL") == [names.silica]  # summary: "silica sol"
    assert await documents(world, text="copper cyl") == [names.copper]
    assert await documents(world, text="100%") == []  # no wildcard inside text
    for relation, text, expected in (
        ("files", "file1", [names.copper]),
        ("samples", "SiO2", [names.silica]),
        ("techniques", "absorption", [names.copper]),
        ("instrument", "bl11", [names.silica]),
    ):
        filter_ = {
            "include": [
                {
                    "relation": "datasets",
                    "scope": {
                        "include": [{"relation": relation, "scope": {"where": {"text": text}}}]
                    },
                }
            ]
        }
        found = await ask(world, "Documents", filter=filter_)
        assert_public(found)
        assert pids(found) == expected, relation


async def test_fields_and_order(world: Client, names: World) -> None:
    found = await ask(
        world, "Documents", filter={"fields": {"pid": True, "title": True}, "order": "title DESC"}
    )
    assert found == [
        {"pid": names.silica, "title": "Silica nanoparticles in water", "score": 0.001},
        {"pid": names.copper, "title": "Copper oxidation followed in situ", "score": 0.001},
    ]
    found = await ask(world, "Documents", filter={"fields": {"summary": False, "keywords": False}})
    assert all("summary" not in d and "keywords" not in d and "title" in d for d in found)
    found = await ask(world, "Documents", filter={"fields": ["pid"], "order": ["startDate DESC"]})
    assert pids(found) == [names.silica, names.copper]
    datasets = await ask(
        world,
        "Datasets",
        filter={
            "where": {"title": {"like": "raw/cu%"}},
            "include": [
                {"relation": "parameters", "scope": {"order": "name DESC", "fields": ["name"]}}
            ],
        },
    )
    assert [p["name"] for p in datasets[0]["parameters"]] == [
        "sample_temperature",
        "sample_state",
        "sample_chemical_formula",
    ]


async def test_paging(world: Client, names: World) -> None:
    assert pids(await ask(world, "Documents", filter={"limit": 1})) == [names.copper]
    assert pids(await ask(world, "Documents", filter={"limit": 1, "skip": 1})) == [names.silica]
    assert pids(await ask(world, "Documents", filter={"skip": 2})) == []
    assert pids(await ask(world, "Documents", filter={"limit": 0})) == [names.copper, names.silica]
    assert pids(await ask(world, "Documents", filter={"limit": "1"})) == [names.copper]
    found = await ask(
        world,
        "Documents",
        filter={"include": [{"relation": "datasets", "scope": {"limit": 1, "skip": 1}}]},
    )
    assert [[d["title"] for d in doc["datasets"]] for doc in found] == [["raw/cu_edge"], []]


# --- parameters and units -------------------------------------------------------------


def parameter_filter(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"include": [{"relation": "parameters", "scope": {"where": {"and": list(conditions)}}}]}


@pytest.mark.parametrize(
    ("conditions", "titles", "shown"),
    [
        # stored 0.93 keV, asked in eV
        (
            [
                {"name": "incident_photon_energy"},
                {"value": {"between": [880, 990]}},
                {"unit": "eV"},
            ],
            ["raw/cu_edge"],
            (930.0, "eV"),
        ),
        # the portal sends range values as strings
        (
            [
                {"name": "incident_photon_energy"},
                {"value": {"between": ["0.9", "1"]}},
                {"unit": "keV"},
            ],
            ["raw/cu_edge"],
            (0.93, "keV"),
        ),
        ([{"name": "incident_photon_energy"}, {"value": {"gt": 1}}, {"unit": "keV"}], [], None),
        # stored 293.15 K and 25 degC, asked in celsius: both below 80
        (
            [{"name": "sample_temperature"}, {"value": {"lt": 80}}, {"unit": "celsius"}],
            ["raw/cu_cylinder", "raw/sol"],
            (20.0, "celsius"),
        ),
        (
            [{"name": "sample_temperature"}, {"value": {"gte": 295}}, {"unit": "K"}],
            ["raw/sol"],
            (298.15, "K"),
        ),
        (
            [
                {"name": "sample_temperature"},
                {"value": {"between": [60, 70]}},
                {"unit": "fahrenheit"},
            ],
            ["raw/cu_cylinder"],
            (68.0, "fahrenheit"),
        ),
        # equality after conversion
        (
            [{"name": "sample_temperature"}, {"value": 20}, {"unit": "celsius"}],
            ["raw/cu_cylinder"],
            (20.0, "celsius"),
        ),
        # stored 10640 angstrom, asked in nm and in pm
        (
            [{"name": "incident_wavelength"}, {"value": {"between": [1000, 1100]}}, {"unit": "nm"}],
            ["raw/sol"],
            (1064.0, "nm"),
        ),
        (
            [{"name": "incident_wavelength"}, {"value": {"lt": 1.1e6}}, {"unit": "pm"}],
            ["raw/sol"],
            (1064000.0, "pm"),
        ),
        # a unit of another quantity matches nothing
        ([{"name": "incident_wavelength"}, {"value": {"gt": 0}}, {"unit": "eV"}], [], None),
        # text values
        ([{"name": "sample_chemical_formula"}, {"value": "Cu"}], ["raw/cu_cylinder"], ("Cu", None)),
        (
            [{"name": "sample_chemical_formula"}, {"value": {"like": "C"}}],
            ["raw/cu_cylinder"],
            ("Cu", None),
        ),
        # flat form: the conditions as one object
    ],
)
async def test_parameters_are_compared_in_si(
    world: Client,
    conditions: list[dict[str, Any]],
    titles: list[str],
    shown: tuple[Any, Any] | None,
) -> None:
    found = await ask(world, "Datasets", filter=parameter_filter(*conditions))
    assert_public(found)
    assert [d["title"] for d in found] == titles
    if shown is not None:
        value, unit = shown
        parameter = found[0]["parameters"][0]
        assert parameter["value"] == pytest.approx(value)
        assert parameter.get("unit") == unit
        assert conformance_errors(found[0], "Dataset") == []


async def test_parameter_filters_combine_as_the_reference_does(world: Client) -> None:
    # two parameter includes: both must match; the dataset shows both matching parameters
    filter_ = {
        "include": [
            {"relation": "parameters", "scope": {"where": {"and": [{"name": "sample_chemical_formula"}, {"value": "Cu"}]}}},
            {"relation": "parameters", "scope": {"where": {"and": [{"name": "sample_state"}, {"value": "solid"}]}}},
        ]
    }  # fmt: skip
    (dataset,) = await ask(world, "Datasets", filter=filter_)
    assert [(p["name"], p["value"]) for p in dataset["parameters"]] == [
        ("sample_chemical_formula", "Cu"),
        ("sample_state", "solid"),
    ]
    # an or of two conjunctions, each with its own unit: values shown in each one's unit
    either = {
        "include": [
            {
                "relation": "parameters",
                "scope": {
                    "where": {
                        "or": [
                            {"and": [{"name": "sample_temperature"}, {"value": {"lt": 300}}, {"unit": "K"}]},
                            {"and": [{"name": "incident_wavelength"}, {"value": {"gt": 1}}, {"unit": "um"}]},
                        ]
                    }
                },
            }
        ]
    }  # fmt: skip
    found = await ask(world, "Datasets", filter=either)
    shown = {
        d["title"]: [(p["name"], p["value"], p["unit"]) for p in d["parameters"]] for d in found
    }
    assert shown == {
        "raw/cu_cylinder": [("sample_temperature", 293.15, "K")],
        "raw/sol": [
            ("incident_wavelength", pytest.approx(1.064), "um"),
            ("sample_temperature", 298.15, "K"),
        ],
    }
    # the flat form of a conjunction
    flat = {
        "include": [
            {
                "relation": "parameters",
                "scope": {
                    "where": {"name": "sample_temperature", "value": {"lt": 21}, "unit": "degC"}
                },
            }
        ]
    }
    assert [d["title"] for d in await ask(world, "Datasets", filter=flat)] == ["raw/cu_cylinder"]


async def test_document_parameters(world: Client, names: World) -> None:
    filter_ = parameter_filter(
        {"name": "incident_wavelength"}, {"value": {"between": [1, 2]}}, {"unit": "um"}
    )
    (document,) = await ask(world, "Documents", filter=filter_)
    assert document["pid"] == names.silica
    assert [(p["value"], p["unit"]) for p in document["parameters"]] == [
        (pytest.approx(1.064), "um")
    ]


# --- one by pid, files, counts ----------------------------------------------------------


async def test_one_by_pid_and_the_files_of_a_dataset(world: Client, names: World) -> None:
    one = await ask(
        world, "Documents/10.5072%2Fpanhub.copper", filter={"include": ["members"], "limit": 0}
    )
    assert one["pid"] == names.copper
    assert "score" not in one
    assert conformance_errors(one, "Document") == []
    await ask(world, "Documents/investigation%2F2026013003", status=404)
    await ask(world, "Documents/investigation%2F2026013003/count", status=200)
    dataset = (await ask(world, "Datasets", filter={"where": {"title": "raw/cu_cylinder"}}))[0]
    path = f"Datasets/{dataset['pid'].replace('/', '%2F')}"
    assert (await ask(world, path))["title"] == "raw/cu_cylinder"
    files = await ask(world, path + "/files")
    assert [f["name"] for f in files] == ["panosc-file1.h5"]
    assert all(conformance_errors(f, "File") == [] for f in files)
    assert await ask(world, path + "/files/count") == {"count": 1}
    assert await ask(world, path + "/files/count", where={"name": {"like": "%.nxs"}}) == {
        "count": 0
    }
    assert await ask(
        world, path + "/files", filter={"where": {"text": "FILE1"}, "fields": ["name"]}
    ) == [{"name": "panosc-file1.h5"}]
    # the files of an embargoed dataset are not there
    secret = await ask(world, "Datasets/count", where={"title": "raw/cu_cylinder"})
    assert secret == {"count": 1}
    await ask(world, "Datasets/dataset%2F999/files", status=404)
    assert await ask(world, "Instruments/count") == {"count": 2}
    assert await ask(world, "Datasets/count", filter={"where": {"size": {"lt": 3000}}}) == {
        "count": 3
    }
    assert await ask(world, "Datasets/count", filter={"where": {"title": {"like": "%cu%"}}}) == {
        "count": 2
    }


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("Documents", {"filter": "{not json"}, "filter: not valid JSON"),
        ("Documents", {"filter": "[1, 2]"}, "filter: must be a JSON object"),
        (
            "Documents",
            {"filter": {"where": {"colour": "red"}}},
            "where: unknown field 'colour' on Document",
        ),
        (
            "Documents",
            {"filter": {"where": {"title": {"regexp": "(?=C)"}}}},
            "where.title.regexp: not a pattern panhub can run (invalid perl operator: (?=)",
        ),
        (
            "Datasets",
            {"filter": {"where": {"size": {"regexp": "1"}}}},
            "where.size.regexp: needs a string, on a text field",
        ),
        (
            "Documents",
            {"filter": {"where": {"title": {"near": [0, 0]}}}},
            "where.title.near: there is no geographic field",
        ),
        (
            "Documents",
            {"filter": {"where": {"title": {"foo": 1}}}},
            "where.title: unknown operator 'foo'",
        ),
        (
            "Documents",
            {"filter": {"include": ["secrets"]}},
            "include[0]: unknown relation 'secrets' on Document",
        ),
        (
            "Documents",
            {"filter": {"include": [{"relation": "datasets", "scope": {"where": {"colour": 1}}}]}},
            "include[0].scope.where: unknown field 'colour' on Dataset",
        ),
        (
            "Documents",
            {
                "filter": {
                    "include": [
                        {
                            "relation": "members",
                            "scope": {
                                "include": [
                                    {"relation": "person", "scope": {"where": {"text": "x"}}}
                                ]
                            },
                        }
                    ]
                }
            },
            "text searches Document, Dataset, File, Instrument, Sample and Technique, not Person",
        ),
        ("Documents", {"filter": {"limit": 100000}}, "filter.limit: at most 1000"),
        ("Documents", {"filter": {"limit": -1}}, "filter.limit: must be a non-negative integer"),
        (
            "Documents",
            {"filter": {"where": {"startDate": {"gt": "soon"}}}},
            "is not an ISO 8601 date",
        ),
        ("Documents", {"filter": {"order": "colour ASC"}}, "filter.order: cannot sort by 'colour'"),
        ("Documents", {"filter": {"order": "title UP"}}, "the direction is ASC or DESC"),
        (
            "Documents",
            {"filter": {"fields": {"colour": True}}},
            "filter.fields: unknown field 'colour'",
        ),
        ("Documents", {"filter": {"query": "a"}, "query": "b"}, "query: given twice"),
        ("Documents", {"filter": {"query": 5}}, "query: must be a string"),
        (
            "Datasets",
            {"filter": {"where": {"size": {"between": [1]}}}},
            "needs a list of two values",
        ),
        ("Datasets", {"filter": {"where": {"size": "big"}}}, "needs a number, not 'big'"),
        ("Datasets", {"filter": {"sort": "x"}}, "filter: unknown key 'sort'"),
        ("Datasets", {"token": "x"}, "unknown parameter 'token'"),
        (
            "Datasets",
            {"filter": {"include": ["files"] * 65}},
            "include: 65 items in all, at most 64",
        ),
        (
            "Datasets",
            {"filter": {"where": {"title": {"inq": ["a"] * 1001}}}},
            "where.title.inq: 1001 values, at most 1000",
        ),
        (
            "Datasets",
            {"filter": parameter_filter({"name": "t"}, {"value": {"between": [1]}})},
            "include[0].scope.where.and[1].value.between: needs a list of two values",
        ),
    ],
)
async def test_what_cannot_be_answered_is_a_400_naming_the_part(
    world: Client, path: str, params: dict[str, Any], message: str
) -> None:
    body = await ask(world, path, status=400, **params)
    assert message in body["message"]
    assert body["error"]["statusCode"] == 400  # LoopBack's shape too
    assert message in body["error"]["message"]


async def test_an_answer_too_big_is_refused_not_built(
    world: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from panhub_catalogue.panosc import search

    monkeypatch.setattr(search, "MAX_ITEMS", 3)
    found = await ask(world, "Documents", filter={"include": ["datasets"]})  # 3 datasets
    assert sum(len(d["datasets"]) for d in found) == 3
    body = await ask(world, "Documents", status=400, filter={"include": ["datasets", "members"]})
    assert "more than 3 included items" in body["message"]


#: A way to each class from a root, and the class it reaches.
PATHS = {
    "Document": ("Documents", []),
    "Dataset": ("Datasets", []),
    "Instrument": ("Instruments", []),
    "File": ("Datasets", ["files"]),
    "Parameter": ("Datasets", ["parameters"]),
    "Sample": ("Datasets", ["samples"]),
    "Technique": ("Datasets", ["techniques"]),
    "Member": ("Documents", ["members"]),
    "Person": ("Documents", ["members", "person"]),
    "Affiliation": ("Documents", ["members", "affiliation"]),
}


def nested(relations: list[str], where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """``include`` down ``relations``, the last one's scope with ``where``."""
    head, *rest = relations
    scope: dict[str, Any] = {"include": nested(rest, where)} if rest else {}
    if not rest and where is not None:
        scope["where"] = where
    return [{"relation": head, "scope": scope}] if scope else [{"relation": head}]


def reached(answer: list[dict[str, Any]], relations: list[str]) -> list[dict[str, Any]]:
    """The items at the end of ``relations`` (lists and single objects alike)."""
    items = answer
    for name in relations:
        found: list[dict[str, Any]] = []
        for item in items:
            value = item.get(name)
            found += value if isinstance(value, list) else [value] if value else []
        items = found
    return items


@pytest.mark.parametrize("cls", sorted(PATHS))
async def test_where_on_every_field_finds_the_row_it_was_read_from(world: Client, cls: str) -> None:
    """Each field's value, read from an answer, selects that row again (every field, every
    class, both backends: no type a backend refuses, no field left out)."""
    root, relations = PATHS[cls]
    fields = {
        "Document": [
            "pid",
            "isPublic",
            "type",
            "title",
            "summary",
            "doi",
            "startDate",
            "endDate",
            "releaseDate",
            "license",
            "keywords",
        ],
        "Dataset": ["pid", "title", "isPublic", "creationDate", "size"],
        "Instrument": ["pid", "name", "facility"],
        "File": ["id", "name", "path", "size"],
        "Parameter": ["id", "name", "value", "unit"],
        "Sample": ["pid", "name", "description"],
        "Technique": ["pid", "name", "panetId"],
        "Member": ["id", "role"],
        "Person": ["id", "fullName", "orcid", "firstName", "lastName"],
        "Affiliation": ["id", "name", "city", "country"],
    }[cls]
    filter_ = {"include": nested(relations)} if relations else {}
    everything = await ask(world, root, filter=filter_)
    rows = reached(everything, relations) if relations else everything
    for field in fields:
        row = next(r for r in rows if r.get(field) not in (None, []))
        value = row[field][0] if field == "keywords" else row[field]
        where = {field: value}
        if relations:
            found = reached(
                await ask(world, root, filter={"include": nested(relations, where)}), relations
            )
        else:
            found = await ask(world, root, filter={"where": where})
        assert found, (cls, field, value)
        assert all((value in r[field]) if field == "keywords" else r[field] == value for r in found)
        assert row in found or any(
            r.get("pid", r.get("id")) == row.get("pid", row.get("id")) for r in found
        )


async def test_relations_back_to_the_same_table_keep_their_own_rows(
    world: Client, names: World
) -> None:
    """A restricting include under a relation that reads the same table (a dataset's
    documents' datasets, a member's person's members) tests its own rows, not the row
    it hangs from."""
    datasets = {"relation": "datasets", "scope": {"where": {"title": "raw/sol"}}}
    filter_ = {"include": [{"relation": "documents", "scope": {"include": [datasets]}}]}
    found = await ask(world, "Datasets", filter=filter_)
    assert [(d["title"], [x["pid"] for x in d["documents"]]) for d in found] == [
        ("raw/sol", [names.silica])
    ]
    members = {"relation": "members", "scope": {"where": {"role": "member"}}}
    person = {"relation": "person", "scope": {"include": [members]}}
    found = await ask(
        world,
        "Documents",
        filter={"include": [{"relation": "members", "scope": {"include": [person]}}]},
    )
    shown = {
        d["pid"]: sorted(
            (m["person"]["fullName"], len(m["person"]["members"])) for m in d["members"]
        )
        for d in found
    }
    # John Smith is a "member" on copper only; Chadwick and the nameless never are
    assert shown == {
        names.copper: [("John Smith", 1)],
        names.silica: [("(name not recorded)", 1), ("John Smith", 1)],
    }
