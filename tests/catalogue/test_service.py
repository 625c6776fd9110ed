"""The tornado service on a real loopback server, identity injected through ``identify``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from panhub_catalogue.model import (
    DataCollection,
    DataCollectionDataset,
    Datafile,
    Dataset,
    Investigation,
)
from sqlalchemy import select

from tests.support.catalogue_client import BASE, BENS, CHLOES, PUBLIC, Client


async def test_search_shows_only_visible_rows(client: Client) -> None:
    anonymous = await client.json("api/investigations")
    assert anonymous["total"] == 1
    (row,) = anonymous["items"]
    assert row["name"] == PUBLIC
    assert row["isPublic"] is True
    assert row["beamlines"] == ["BL13"]
    assert row["datasetCount"] == 2
    assert row["sampleCount"] == 1
    assert row["fileCount"] == 4
    assert [u["name"] for u in row["users"]] == ["ana", "ben"]
    ana = await client.json("api/investigations", as_user="ana", sort="name")
    assert [r["name"] for r in ana["items"]] == [PUBLIC, CHLOES]
    mine = await client.json("api/investigations", as_user="ben", mine="true")
    assert {r["name"] for r in mine["items"]} == {PUBLIC, BENS}
    everything = await client.json("api/investigations", as_user="root", limit=2, sort="startDate")
    assert (everything["total"], len(everything["items"])) == (3, 2)
    assert [r["name"] for r in everything["items"]] == [PUBLIC, BENS]


async def test_search_filters(client: Client) -> None:
    async def names(**params: Any) -> set[str]:
        found = await client.json("api/investigations", as_user="root", **params)
        return {r["name"] for r in found["items"]}

    assert await names(text="lysozyme") == {PUBLIC}
    assert await names(text="2024025") == {BENS}
    assert await names(beamline="BL22,BL11") == {BENS, CHLOES}
    assert await names(access="embargoed") == {BENS, CHLOES}
    assert await names(dateFrom="2024-01-01", dateTo="2024-12-31") == {BENS}
    assert await names(user="Chloe") == {CHLOES}
    assert await names(technique="small angle scattering") == {CHLOES}
    assert await names(technique="http://purl.org/pan-science/PaNET/PaNET01196") == {BENS}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "100000"}, r"limit: 100000 is outside [1, 100]"),
        ({"nope": "1"}, "unknown parameter 'nope'"),
        ({"dateFrom": "31/12/2024"}, "dateFrom: '31/12/2024' is not an ISO 8601 date"),
        ({"sort": "password"}, "sort: unknown field 'password'"),
        ({"text": '"*'}, "text: '\"*' contains no searchable word"),
    ],
)
async def test_bad_input_is_400_with_message(
    client: Client, params: dict[str, str], message: str
) -> None:
    body = await client.json("api/investigations", status=400, **params)
    assert body == {"status": 400, "message": body["message"]}
    assert message in body["message"]


async def test_sql_and_fts_syntax_is_just_text(client: Client) -> None:
    for text in ["' OR 1=1 --", 'lysozyme" OR "', "NEAR(a b)", "x*; DROP TABLE investigation"]:
        found = await client.json("api/investigations", as_user="root", text=text)
        assert found["total"] in (0, 1)
    assert (await client.json("api/investigations", as_user="root"))["total"] == 3


async def test_facets(client: Client) -> None:
    facets = (await client.json("api/facets", as_user="ana"))["facets"]
    assert facets["beamline"] == [{"value": "BL11", "count": 1}, {"value": "BL13", "count": 1}]
    assert facets["access"] == [
        {"value": "embargoed", "count": 1},
        {"value": "public", "count": 1},
    ]
    assert facets["year"] == [{"value": "2023", "count": 1}, {"value": "2025", "count": 1}]
    assert facets["user"] == [
        {"value": "ana", "count": 2},
        {"value": "ben", "count": 1},
        {"value": "chloe", "count": 1},
    ]
    chosen = (await client.json("api/facets", as_user="ana", user="chloe"))["facets"]
    assert chosen["user"] == facets["user"]  # a facet ignores its own filter
    assert chosen["beamline"] == [{"value": "BL11", "count": 1}]


async def test_one_investigation(client: Client) -> None:
    page = await client.json(f"api/investigations/{client.ids[BENS]}", as_user="ben")
    assert page["name"] == BENS
    assert {d["name"] for d in page["datasets"]} == {"raw/sample2", "processed/reduction"}
    raw = next(d for d in page["datasets"] if d["type"] == "raw")
    assert raw["techniques"] == [
        {
            "name": "x-ray absorption spectroscopy",
            "pid": "http://purl.org/pan-science/PaNET/PaNET01196",
        }
    ]
    assert raw["sample"] == "sample2"
    assert page["samples"] == [{"id": page["samples"][0]["id"], "name": "sample2", "type": None}]
    assert page["datafiles"]["total"] == 4
    assert {f["name"] for f in page["datafiles"]["items"]} >= {"scan0001.nxs", "notes.txt"}
    for item in page["datafiles"]["items"]:
        assert item["location"] == f"{client.root}/{item['relativePath']}"
        assert item["relativePath"].startswith(f"{BENS}/")


async def test_invisible_and_missing_look_the_same(client: Client) -> None:
    hidden = await client.json(
        f"api/investigations/{client.ids[BENS]}", as_user="chloe", status=404
    )
    missing = await client.json("api/investigations/999999", as_user="chloe", status=404)
    assert hidden["message"].replace(str(client.ids[BENS]), "N") == missing["message"].replace(
        "999999", "N"
    )
    assert (await client.json("api/nothing/here", status=404))["status"] == 404
    assert (
        "unknown parameter"
        in (await client.json(f"api/investigations/{client.ids[PUBLIC]}", status=400, x="1"))[
            "message"
        ]
    )


async def test_datafiles_of_a_dataset(client: Client) -> None:
    with client.sessions() as session:
        dataset_id = session.scalar(
            select(Dataset.id).where(
                Dataset.investigation_id == client.ids[BENS], Dataset.type == "raw"
            )
        )
    page = await client.json(
        f"api/datasets/{dataset_id}/datafiles", as_user="ben", limit=2, offset=1
    )
    assert (page["total"], [f["name"] for f in page["items"]]) == (
        3,
        ["scan0002.nxs", "scan0003.nxs"],
    )
    await client.json(f"api/datasets/{dataset_id}/datafiles", status=404)
    await client.json(f"api/datasets/{dataset_id}/datafiles", as_user="ben", status=400, limit="x")


def datafile(client: Client, proposal: str, name: str = "scan0001.nxs") -> tuple[int, Path]:
    with client.sessions() as session:
        row = session.execute(
            select(Datafile.id, Datafile.location)
            .join(Dataset)
            .where(Dataset.investigation_id == client.ids[proposal], Datafile.name == name)
        ).one()
    return row[0], Path(row[1])


async def test_download_streams_with_ranges(client: Client) -> None:
    file_id, path = datafile(client, PUBLIC)
    content = path.read_bytes()
    full = await client.get(f"api/datafiles/{file_id}/download")
    assert (full.code, full.body) == (200, content)
    assert full.headers["Accept-Ranges"] == "bytes"
    assert full.headers["Content-Disposition"] == (
        "attachment; filename=\"scan0001.nxs\"; filename*=UTF-8''scan0001.nxs"
    )
    part = await client.get(f"api/datafiles/{file_id}/download", headers={"Range": "bytes=8-15"})
    assert (part.code, part.body) == (206, content[8:16])
    assert part.headers["Content-Range"] == f"bytes 8-15/{len(content)}"
    tail = await client.get(f"api/datafiles/{file_id}/download", headers={"Range": "bytes=-4"})
    assert (tail.code, tail.body) == (206, content[-4:])
    beyond = await client.get(
        f"api/datafiles/{file_id}/download", headers={"Range": f"bytes={len(content)}-"}
    )
    assert beyond.code == 416
    assert "outside the file" in json.loads(beyond.body)["message"]


async def test_download_is_permission_checked(client: Client) -> None:
    file_id, _ = datafile(client, BENS)
    assert (await client.get(f"api/datafiles/{file_id}/download")).code == 404
    assert (await client.get(f"api/datafiles/{file_id}/download", as_user="chloe")).code == 404
    assert (await client.get(f"api/datafiles/{file_id}/download", as_user="ben")).code == 200
    # a catalogued location outside the download roots is never served
    with client.sessions() as session:
        row = session.get_one(Datafile, file_id)
        row.location = "/etc/passwd"
        session.commit()
    refused = await client.get(f"api/datafiles/{file_id}/download", as_user="ben")
    assert refused.code == 404
    assert b"root:" not in refused.body


async def test_download_never_follows_a_link_a_user_put_in_place(client: Client) -> None:
    """Ben swaps his catalogued file for a link into a proposal he is not a member of."""
    file_id, path = datafile(client, BENS)
    _, other = datafile(client, PUBLIC)
    with client.sessions() as session:
        hidden = session.scalars(
            select(Datafile.location).where(~Datafile.location.startswith(str(path.parent)))
        ).all()
    assert (await client.get(f"api/datafiles/{file_id}/download", as_user="ben")).code == 200
    for target in [*hidden, str(other)]:
        path.unlink()
        path.symlink_to(target)
        refused = await client.get(f"api/datafiles/{file_id}/download", as_user="ben")
        assert refused.code == 404, target
        assert Path(target).read_bytes() not in refused.body
    # a folder on the way swapped for a link is refused as well
    path.unlink()
    moved = path.parent.with_name(path.parent.name + "-moved")
    path.parent.rename(moved)
    path.parent.symlink_to(moved)
    (moved / path.name).write_bytes(b"real bytes")
    assert (await client.get(f"api/datafiles/{file_id}/download", as_user="ben")).code == 404


async def test_landing_pages_and_doi(client: Client) -> None:
    with client.sessions() as session:
        investigation = session.get_one(Investigation, client.ids[PUBLIC])
        investigation.doi = "10.5072/PANHUB.2023015001"
        dataset = session.scalars(
            select(Dataset).where(Dataset.investigation_id == investigation.id)
        ).first()
        assert dataset is not None
        collection = DataCollection(doi="10.5072/panhub.dc.1", title="Figure 3 data")
        session.add(collection)
        session.flush()
        session.add(DataCollectionDataset(data_collection_id=collection.id, dataset_id=dataset.id))
        hidden = DataCollection(doi="10.5072/panhub.dc.2", title="Embargoed figure")
        session.add(hidden)
        session.flush()
        bens = session.scalars(
            select(Dataset).where(Dataset.investigation_id == client.ids[BENS])
        ).first()
        assert bens is not None
        session.add(DataCollectionDataset(data_collection_id=hidden.id, dataset_id=bens.id))
        session.add(DataCollectionDataset(data_collection_id=hidden.id, dataset_id=dataset.id))
        session.commit()
        collection_id, hidden_id = collection.id, hidden.id
    redirect = await client.get("doi/10.5072/panhub.2023015001")
    assert redirect.code == 302
    assert redirect.headers["Location"] == f"{BASE}landing/investigations/{client.ids[PUBLIC]}"
    page = await client.get(f"landing/investigations/{client.ids[PUBLIC]}")
    html = page.body.decode()
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert (
        "Ana Alba; Ben Bragg (2026). Lysozyme crystals soaked with gadolinium [Data set]. "
        "PANHUB. https://doi.org/10.5072/PANHUB.2023015001" in html
    )
    jsonld = json.loads(html.split('<script type="application/ld+json">')[1].split("</script>")[0])
    assert jsonld["@type"] == "Dataset"
    assert jsonld["identifier"] == "https://doi.org/10.5072/PANHUB.2023015001"
    assert [(c["@type"], c["name"]) for c in jsonld["creator"]] == [
        ("Person", "Ana Alba"),
        ("Person", "Ben Bragg"),
    ]
    assert jsonld["measurementTechnique"] == ["macromolecular crystallography"]
    assert (
        jsonld["url"] == f"https://hub.example.org{BASE}landing/investigations/{client.ids[PUBLIC]}"
    )
    collection_page = await client.get("doi/10.5072/panhub.dc.1")
    assert collection_page.headers["Location"] == f"{BASE}landing/collections/{collection_id}"
    assert (
        "Figure 3 data" in (await client.get(f"landing/collections/{collection_id}")).body.decode()
    )
    # a collection with one embargoed dataset: its DOI resolves to citation metadata only
    assert (await client.get("doi/10.5072/panhub.dc.2")).headers["Location"] == (
        f"{BASE}landing/collections/{hidden_id}"
    )
    cited = (await client.get(f"landing/collections/{hidden_id}")).body.decode()
    assert "Embargoed figure" in cited
    assert "Under embargo until 2027-03-01." in cited  # the later of its two release dates
    assert "<tr><th>Beamline</th><td>BL13, BL22</td></tr>" in cited
    assert "raw/sample" not in cited and "Datasets" not in cited
    whole = (await client.get(f"landing/collections/{hidden_id}", as_user="ben")).body.decode()
    assert "<tr><th>Datasets</th><td>2</td></tr>" in whole and "Under embargo" not in whole
    assert (await client.get(f"landing/investigations/{client.ids[BENS]}")).code == 404


async def test_embargoed_doi_landing_shows_citation_only(client: Client) -> None:
    """A minted DOI resolves for everyone; the data stays behind the visibility rule."""
    with client.sessions() as session:
        bens = session.get_one(Investigation, client.ids[BENS])
        bens.doi, bens.summary = "10.5072/panhub.2024025002", "Unpublished abstract"
        session.add(DataCollection(title="Unpublished figure"))  # no DOI, nothing visible
        session.commit()
        files = set(session.scalars(select(Datafile.name)))
        undisclosed = session.scalars(
            select(DataCollection.id).where(DataCollection.doi.is_(None))
        ).one()
    redirect = await client.get("doi/10.5072/PANHUB.2024025002")
    assert redirect.headers["Location"] == f"{BASE}landing/investigations/{client.ids[BENS]}"
    page = await client.get(f"landing/investigations/{client.ids[BENS]}")
    html = page.body.decode()
    assert page.code == 200
    assert "Operando XAS of a LiNiO2 battery cathode" in html
    assert "Under embargo until 2027-03-01." in html
    for shown in ("10.5072/panhub.2024025002", "BL22", "PANHUB", "2024-03-01"):
        assert shown in html
    for hidden in (*files, "Ben Bragg", "sample2", "Unpublished abstract", "Datasets", "Files"):
        assert hidden not in html
    jsonld = json.loads(html.split('<script type="application/ld+json">')[1].split("</script>")[0])
    # the citation-only document: the facility stands for the members
    assert (jsonld["isAccessibleForFree"], jsonld["creator"]) == (
        False,
        [{"@type": "Organization", "name": "PANHUB"}],
    )
    # the API keeps the rule: a stranger gets 404 for the investigation and its files
    stranger = await client.get(f"api/investigations/{client.ids[BENS]}", as_user="chloe")
    assert stranger.code == 404
    assert (await client.get(f"landing/collections/{undisclosed}")).code == 404
    member = await client.get(f"landing/investigations/{client.ids[BENS]}", as_user="ben")
    assert "Ben Bragg" in member.body.decode() and "Under embargo" not in member.body.decode()


async def test_whoami(client: Client) -> None:
    assert await client.json("api/whoami") == {"username": None, "admin": False, "beamlines": []}
    assert (await client.json("api/whoami", as_user="ana"))["username"] == "ana"


async def test_front_page_is_html_with_what_the_caller_sees(client: Client) -> None:
    anonymous = await client.get("")
    assert anonymous.code == 200
    assert anonymous.headers["Content-Type"] == "text/html; charset=utf-8"
    page = anonymous.body.decode()
    assert f'<a href="{BASE}login">Sign in</a>' in page
    assert "1 investigations visible to you" in page
    assert f"{BASE}landing/investigations/{client.ids[PUBLIC]}" in page
    assert BENS not in page
    ben = (await client.get("", as_user="ben")).body.decode()
    assert "Signed in as <b>ben</b>." in ben
    assert "2 investigations visible to you" in ben
    assert BENS in ben


async def test_directory_needs_an_admin(client: Client) -> None:
    assert await client.json("api/directory", status=403) == {
        "status": 403,
        "message": "the directory is for the hub and catalogue admins only",
    }
    await client.json("api/directory", as_user="ana", status=403)
    directory = await client.json("api/directory", as_user="root")
    entry = directory["proposals"][PUBLIC]
    assert (entry["beamline"], entry["members"]) == ("BL13", ["ana", "ben"])
    assert set(directory["proposals"]) == {PUBLIC, BENS, CHLOES}


@pytest.mark.parametrize(
    "path",
    [
        "api/investigations",
        "api/investigations?bogus=<script>",
        "api/investigations/999999",
        "no/such/route<script>",
        "",
        "panosc/Datasets",
    ],
)
async def test_no_response_may_be_sniffed_as_another_type(client: Client, path: str) -> None:
    response = await client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff", response.code
