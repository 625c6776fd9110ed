"""Browsing one investigation over HTTP, on both backends: its datasets page by page, one
file on its own, files' ``relativePath``, its citation, and the ``user`` facet.

Visibility: an investigation the caller may not see answers 404 on each route, with the
message a missing one gets, as ``api/investigations/<id>`` does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from panhub_catalogue.model import Datafile, Dataset
from panhub_catalogue.web.service import ServiceOptions, make_app
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.catalogue_client import BASE, Client, identify_from_header, serving
from tests.support.catalogue_world import NOW, Proposal, World, build

WORLD = World(
    (
        Proposal("P-PUB", beamline="BL13", members=(("ana", "PI"), ("ben", "member"))),
        Proposal("P-EMB", beamline="BL22", members=(("ben", "PI"),), release_days=100),
        Proposal("P-OLD", beamline="BL13", members=(("ana", "PI"),), release_days=-10),
    ),
    staff=(("chloe", "BL22"),),
)
#: Datasets added to P-OLD: (name, start in days from its first dataset's, or None).
EXTRA = (("raw/scan0003", 2), ("raw/scan0002", 1), ("processed/b", None), ("processed/a", None))


@pytest.fixture
async def browse(sessions: sessionmaker[Session], tmp_path: Path) -> AsyncIterator[Client]:
    """The service over :data:`WORLD` (P-PUB has no release date: members only)."""
    with sessions() as session:
        ids = build(session, WORLD)
        first = session.scalars(
            select(Dataset).where(Dataset.investigation_id == ids["P-OLD"])
        ).one()
        for name, days in EXTRA:
            start = None if days is None else first.startDate + timedelta(days=days)  # type: ignore[operator]
            session.add(Dataset(investigation_id=ids["P-OLD"], name=name, startDate=start))
        # a file catalogued outside the proposals root: no relativePath
        session.add(Datafile(dataset_id=first.id, name="x.nxs", location="/elsewhere/x.nxs"))
        session.commit()
    options = ServiceOptions(
        base_url=BASE,
        max_limit=100,
        proposals_root="/data/",
        public_url="https://hub.example.org" + BASE,
        clock=lambda: NOW,
    )
    app = make_app(sessions, options, identify_from_header)
    async with serving(app, sessions, ids, tmp_path) as client:
        yield client


def file_of(client: Client, name: str, file_name: str = "scan0001.nxs") -> int:
    with client.sessions() as session:
        found = session.scalar(
            select(Datafile.id)
            .join(Dataset)
            .where(Dataset.investigation_id == client.ids[name], Datafile.name == file_name)
        )
    assert found is not None
    return found


async def test_datasets_are_paged_newest_first_then_by_name(browse: Client) -> None:
    path = f"api/investigations/{browse.ids['P-OLD']}/datasets"
    page = await browse.json(path, limit=2)
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 0)
    assert [d["name"] for d in page["items"]] == ["raw/scan0003", "raw/scan0002"]
    rest = await browse.json(path, limit=10, offset=2)
    assert [d["name"] for d in rest["items"]] == ["raw/scan0001", "processed/a", "processed/b"]
    first = rest["items"][0]
    assert set(first) == {
        "id",
        "name",
        "type",
        "description",
        "location",
        "startDate",
        "endDate",
        "complete",
        "doi",
        "sample",
        "techniques",
        "fileCount",
        "fileSize",
    }
    assert (first["sample"], first["fileCount"]) == ("sample-2", 1)
    assert (await browse.json(path, offset=5))["items"] == []


async def test_one_datafile_with_its_dataset_and_investigation(browse: Client) -> None:
    file_id = file_of(browse, "P-EMB")
    record = await browse.json(f"api/datafiles/{file_id}", as_user="ben")
    assert record == {
        "id": file_id,
        "datasetId": record["datasetId"],
        "datasetName": "raw/scan0001",
        "investigationId": browse.ids["P-EMB"],
        "investigationName": "P-EMB",
        "name": "scan0001.nxs",
        "location": "/data/P-EMB/raw/scan0001/scan0001.nxs",
        "relativePath": "P-EMB/raw/scan0001/scan0001.nxs",
        "fileSize": 1001,
        "checksum": None,
        "datafileFormat": None,
        "datafileModTime": None,
    }
    outside = await browse.json(f"api/datafiles/{file_of(browse, 'P-OLD', 'x.nxs')}")
    assert (outside["location"], outside["relativePath"]) == ("/elsewhere/x.nxs", None)


async def test_every_datafile_record_has_its_relative_path(browse: Client) -> None:
    investigation = await browse.json(f"api/investigations/{browse.ids['P-OLD']}")
    paths = {f["name"]: f["relativePath"] for f in investigation["datafiles"]["items"]}
    assert paths == {"scan0001.nxs": "P-OLD/raw/scan0001/scan0001.nxs", "x.nxs": None}
    dataset = investigation["datafiles"]["items"][0]["datasetId"]
    page = await browse.json(f"api/datasets/{dataset}/datafiles")
    assert {f["relativePath"] for f in page["items"]} == set(paths.values())


@pytest.mark.parametrize("user", [None, "eve", "ana", "chloe"])
async def test_hidden_investigation_answers_404_like_a_missing_one(
    browse: Client, user: str | None
) -> None:
    """P-EMB (embargoed, on BL22) is seen by ben (its PI) and chloe (BL22 staff) only."""
    hidden_id = browse.ids["P-EMB"]
    file_id = file_of(browse, "P-EMB")
    routes = [
        (f"api/investigations/{hidden_id}/datasets", "api/investigations/999999/datasets"),
        (f"api/investigations/{hidden_id}/citation", "api/investigations/999999/citation"),
        (f"api/datafiles/{file_id}", "api/datafiles/999999"),
    ]
    for hidden, missing in routes:
        if user == "chloe":  # staff of BL22
            assert (await browse.get(hidden, as_user=user)).code == 200
            continue
        found = await browse.json(hidden, as_user=user, status=404)
        absent = await browse.json(missing, as_user=user, status=404)
        assert found == {"status": 404, "message": found["message"]}
        number = str(file_id) if "datafiles" in hidden else str(hidden_id)
        assert found["message"].replace(number, "N") == absent["message"].replace("999999", "N")
    assert (await browse.get(f"api/investigations/{hidden_id}/datasets", as_user="ben")).code == 200


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("api/investigations/{P}/datasets", {"limit": "0"}, "limit: 0 is outside [1, 100]"),
        ("api/investigations/{P}/datasets", {"limit": "x"}, "limit: 'x' is not an integer"),
        ("api/investigations/{P}/datasets", {"offset": "-1"}, "offset: -1 is outside"),
        ("api/investigations/{P}/datasets", {"sort": "name"}, "unknown parameter 'sort'"),
        ("api/datafiles/{F}", {"download": "1"}, "unknown parameter 'download'"),
        ("api/investigations/{P}/citation", {"format": "bibtex"}, "unknown parameter 'format'"),
    ],
)
async def test_bad_parameters_are_400_naming_them(
    browse: Client, path: str, params: dict[str, str], message: str
) -> None:
    target = path.format(P=browse.ids["P-OLD"], F=file_of(browse, "P-OLD"))
    body = await browse.json(target, status=400, **params)
    assert message in body["message"]


async def test_citation_route_and_the_record_agree(browse: Client) -> None:
    investigation_id = browse.ids["P-OLD"]
    cited = await browse.json(f"api/investigations/{investigation_id}/citation")
    assert set(cited) == {"text", "bibtex", "ris"}
    assert cited["text"] == (
        "Ana Example (2025). a study [Data set]. PANHUB. https://doi.org/10.5072/panhub.2"
    )
    assert cited["bibtex"].startswith("@misc{10_5072_panhub_2,\n  author = {Ana Example},\n")
    assert "  url = {https://doi.org/10.5072/panhub.2},\n" in cited["bibtex"]
    assert cited["ris"].startswith("TY  - DATA\nAU  - Ana Example\nTI  - a study\n")
    record = await browse.json(f"api/investigations/{investigation_id}")
    assert record["citation"] == cited
