"""lab.routes, lab.fields, lab.copies, lab.config: the server extension in a real
jupyter_server (jp_fetch) in front of the real catalogue service (in a thread).

The server is ana's: its token is ``ana-token``, its data view holds her proposal
2023015001 only (tests/support/catalogue_served.py).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from panhub_catalogue.model import Dataset
from panhub_catalogue.publish.licences import LICENCES
from sqlalchemy import select
from tornado.httpclient import HTTPClientError

from tests.support.catalogue_served import BENS, CHLOES, PUBLIC, Served, serve_catalogue


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve_catalogue(tmp_path_factory.mktemp("served")) as served:
        yield served


@pytest.fixture
def lab_config(request) -> dict[str, Any]:
    """Overrides of ``c.PanhubCatalogue`` (parametrize indirectly): a dict, or "down"
    (nothing listens at the URL) or "slow" (a socket that never answers)."""
    param = getattr(request, "param", {})
    if param == "down":
        return {"url": f"http://127.0.0.1:{free_port()}/services/catalogue/"}
    if param == "slow":
        port = request.getfixturevalue("silent_port")
        return {"url": f"http://127.0.0.1:{port}/services/catalogue/", "timeout": 0.3}
    return param


@pytest.fixture
def jp_server_config(served, lab_config, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "ana-token")
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("JUPYTERHUB_BASE_URL", "/")
    settings = {
        "url": served.url,
        "proposals_root": str(served.root),
        "proposals_view": str(served.view),
        "copy_folder": str(tmp_path / "downloads"),
        "timeout": 5.0,
        **lab_config,
    }
    return {
        "ServerApp": {"jpserver_extensions": {"panhub_catalogue.lab": True}},
        "PanhubCatalogue": settings,
    }


@pytest.fixture
def api(fetch):
    """``api("investigations", params=...)``: the decoded JSON of a 2xx answer."""

    def call(*parts: str, **kwargs: Any) -> Any:
        if "json" in kwargs:
            kwargs["body"] = json.dumps(kwargs.pop("json"))
        response = fetch("panhub-catalogue", "api", *parts, **kwargs)
        assert response.headers["Content-Type"].startswith("application/json")
        assert b"ana-token" not in response.body
        return json.loads(response.body) if response.body else None

    return call


def scan_of(record: dict[str, Any]) -> dict[str, Any]:
    return next(f for f in record["datafiles"]["items"] if f["name"].endswith(".nxs"))


# -- what passes through ----------------------------------------------------------------


def test_whoami_is_the_catalogues(api):
    assert api("whoami") == {"username": "ana", "admin": False, "beamlines": []}


def test_search_rows_are_anas_with_mounted_and_landing(api, served):
    page = api("investigations")
    assert page["total"] == 2
    rows = {row["name"]: row for row in page["items"]}
    assert set(rows) == {PUBLIC, CHLOES}  # ben's embargoed proposal is not there
    assert rows[PUBLIC]["mounted"] is True
    assert rows[CHLOES]["mounted"] is False
    assert rows[PUBLIC]["landingUrl"] == (
        f"/services/catalogue/landing/investigations/{served.investigations[PUBLIC]}"
    )


def test_search_parameters_pass_through(api):
    assert [r["name"] for r in api("investigations", params={"beamline": "BL13"})["items"]] == [
        PUBLIC
    ]
    page = api("investigations", params={"limit": "1", "offset": "1", "sort": "name"})
    assert (page["limit"], page["offset"], len(page["items"])) == (1, 1, 1)
    assert api("investigations", params={"text": "silica"})["items"][0]["name"] == CHLOES


def test_facets_pass_through(api):
    facets = api("facets")["facets"]
    assert {f["value"] for f in facets["beamline"]} == {"BL13", "BL11"}


def test_bens_embargoed_proposal_is_404_for_ana(refused, served):
    status, message = refused("investigations", str(served.investigations[BENS]))
    assert status == 404
    assert "not visible to you" in message


def test_the_detail_of_a_mounted_proposal(api, served):
    record = api("investigations", str(served.investigations[PUBLIC]))
    assert record["mounted"] is True
    assert record["landingUrl"].endswith(f"/landing/investigations/{record['id']}")
    assert "citation" in record
    scan = scan_of(record)
    expected = str(served.view / Path(scan["location"]).relative_to(served.root))
    assert scan["path"] == expected
    assert scan["mounted"] is True
    assert f"NexusViewer({expected!r})" in scan["code"]["viewer"]
    assert "locking=False" in scan["code"]["h5py"]
    marker, code = scan["cell"].split("\n", 1)
    doi = f" · DOI {record['doi']}" if record["doi"] else ""
    assert marker == f"# panhub catalogue: datafile {scan['id']} · proposal {PUBLIC}{doi}"
    assert f"NexusViewer({expected!r})" in code
    download = f"/services/catalogue/api/datafiles/{scan['id']}/download"
    assert scan["downloadUrl"] == f"/services/catalogue/login?next={download}"


def test_a_file_of_a_proposal_not_mounted_is_download_only(api, served):
    record = api("investigations", str(served.investigations[CHLOES]))
    assert record["mounted"] is False
    scan = scan_of(record)
    assert scan["path"] is None
    assert scan["mounted"] is False
    assert f"Catalogue().download({scan['id']})" in scan["code"]["viewer"]
    assert f"Catalogue().download({scan['id']})" in scan["cell"]
    assert "NexusViewer(path)" in scan["cell"]


def test_the_logbook_through_the_server(api, refused, served):
    investigation = str(served.investigations[PUBLIC])
    entry = api(
        "investigations", investigation, "logbook", method="POST", json={"content": "from Lab"}
    )
    assert entry["author"] == "ana"
    page = api("investigations", investigation, "logbook", params={"search": "from Lab"})
    assert page["items"][0]["id"] == entry["id"]
    status, message = refused(
        "investigations", str(served.investigations[BENS]), "logbook", method="POST",
        json={"content": "x"},
    )  # fmt: skip
    assert status == 404
    status, message = refused("investigations", investigation, "logbook", method="POST", json=[1])
    assert (status, message) == (400, "the body must be a JSON object")
    status, message = refused(
        "investigations", investigation, "logbook", method="POST", json={"nope": 1}
    )
    assert status == 400
    assert "unknown key 'nope'" in message


# -- hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"evil": "1"}, 400, "unknown parameter 'evil'; known: text, access"),
        ({"text": "a\x00b"}, 400, "NUL character"),
        ({"text": "x" * 1001}, 400, "over 1000 characters"),
        ({"access": "nope"}, 400, "access: 'nope' is not one of"),
        ({"limit": "100000"}, 400, "limit: 100000 is outside"),
        ({"dateFrom": "'; DROP TABLE investigation; --"}, 400, "is not an ISO 8601 date"),
    ],
)
def test_hostile_search_parameters_are_refused(refused, params, status, message):
    got_status, got_message = refused("investigations", params=params)
    assert got_status == status
    assert message in got_message


def test_the_servers_login_parameters_are_not_sent_on(api, fetch, jp_auth_header):
    token = jp_auth_header["Authorization"].split()[-1]
    page = fetch(
        "panhub-catalogue", "api", "investigations", params={"token": token, "_xsrf": "x"},
        headers={},
    )  # fmt: skip
    assert json.loads(page.body)["total"] == 2


def test_jupyterlabs_cache_buster_is_ignored(api, fetch):
    # ServerConnection.makeRequest adds ?<milliseconds> to every GET of the panel
    page = fetch("panhub-catalogue", "api", "investigations", params={"1796549582143": ""})
    assert json.loads(page.body)["total"] == 2
    whoami = fetch("panhub-catalogue", "api", "whoami", params={"1796549582143": ""})
    assert json.loads(whoami.body)["username"]


def test_routes_that_take_no_parameters_refuse_them(refused, served):
    status, message = refused("whoami", params={"x": "1"})
    assert (status, message) == (400, "unknown parameter 'x'; this resource takes none")
    investigation = str(served.investigations[PUBLIC])
    assert refused("investigations", investigation, params={"file_limit": "9"})[0] == 400


def test_undecodable_query_is_refused(fetch):
    with pytest.raises(HTTPClientError) as caught:
        fetch("panhub-catalogue", "api", "investigations", params={"text": b"\xff"})
    assert caught.value.code == 400


@pytest.mark.parametrize(
    "path", ["investigations/1x", "investigations/-1", "datafiles/" + "9" * 19]
)
def test_malformed_ids_have_no_route(fetch, path):
    with pytest.raises(HTTPClientError) as caught:
        fetch("panhub-catalogue", "api", *path.split("/"))
    assert caught.value.code == 404


# -- copies into the workspace --------------------------------------------------------------


def wait_for(api, copy_id: str) -> dict[str, Any]:
    for _ in range(400):
        job = api("copies", copy_id)
        if job["state"] != "running":
            return job
        time.sleep(0.025)
    raise AssertionError(f"copy {copy_id} still running")


def test_a_copy_into_home_with_progress_never_overwriting(api, served, tmp_path):
    record = api("investigations", str(served.investigations[CHLOES]))
    scan = scan_of(record)
    original = (served.root / Path(scan["location"]).relative_to(served.root)).read_bytes()
    started = api("copies", method="POST", json={"datafile": scan["id"], "destination": "home"})
    assert started["state"] in ("running", "done")
    assert started["total"] == scan["fileSize"]
    target = tmp_path / "downloads" / CHLOES / scan["name"]
    assert started["path"] == str(target)
    done = wait_for(api, started["id"])
    assert done["state"] == "done", done
    assert done["bytes"] == done["total"] == len(original)
    assert target.read_bytes() == original
    assert started["id"] in {job["id"] for job in api("copies")["items"]}
    # a second copy gets a new name; the first file is left as it is
    target.write_bytes(b"my edits")
    again = api("copies", method="POST", json={"datafile": scan["id"], "destination": "home"})
    assert again["path"] == str(target.with_name("scan0001 (1).nxs"))
    assert wait_for(api, again["id"])["state"] == "done"
    assert target.read_bytes() == b"my edits"
    assert target.with_name("scan0001 (1).nxs").read_bytes() == original
    # a finished copy is forgotten on DELETE (its file stays)
    assert api("copies", again["id"], method="DELETE")["state"] == "done"
    assert again["id"] not in {job["id"] for job in api("copies")["items"]}
    assert target.with_name("scan0001 (1).nxs").exists()


def test_a_copy_resumes_an_interrupted_one(api, served, tmp_path):
    scan = scan_of(api("investigations", str(served.investigations[CHLOES])))
    original = (served.root / Path(scan["location"]).relative_to(served.root)).read_bytes()
    folder = tmp_path / "downloads" / CHLOES
    folder.mkdir(parents=True)
    (folder / (scan["name"] + ".part")).write_bytes(original[:500])
    started = api("copies", method="POST", json={"datafile": scan["id"]})
    assert started["path"] == str(folder / scan["name"])
    assert wait_for(api, started["id"])["state"] == "done"
    assert (folder / scan["name"]).read_bytes() == original
    assert not (folder / (scan["name"] + ".part")).exists()


@pytest.mark.parametrize("lab_config", [{"copy_max_bytes": 100}], indirect=True)
def test_a_copy_over_the_cap_is_refused_up_front(refused, api, served, tmp_path):
    scan = scan_of(api("investigations", str(served.investigations[CHLOES])))
    status, message = refused("copies", method="POST", json={"datafile": scan["id"]})
    assert status == 413
    assert "capped at 100 B" in message
    assert api("copies") == {"items": []}
    assert not (tmp_path / "downloads" / CHLOES / scan["name"]).exists()


def test_a_copy_into_processed(api, refused, served):
    public = scan_of(api("investigations", str(served.investigations[PUBLIC])))
    job = api("copies", method="POST", json={"datafile": public["id"], "destination": "processed"})
    assert job["path"] == str(served.view / PUBLIC / "processed" / public["name"])
    assert wait_for(api, job["id"])["state"] == "done"
    chloes = scan_of(api("investigations", str(served.investigations[CHLOES])))
    status, message = refused(
        "copies", method="POST", json={"datafile": chloes["id"], "destination": "processed"}
    )
    assert status == 409
    assert "not mounted here" in message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "datafile must be a datafile id"),
        ({"datafile": "1"}, "datafile must be a datafile id"),
        ({"datafile": True}, "datafile must be a datafile id"),
        ({"datafile": 1, "destination": "/etc"}, "destination: '/etc' is not one of"),
        ({"datafile": 1, "path": "/etc/passwd"}, "unknown key 'path'"),
    ],
)
def test_bad_copy_requests(refused, body, message):
    status, got = refused("copies", method="POST", json=body)
    assert status == 400
    assert message in got


def test_ana_cannot_copy_bens_file(refused, served):
    status, _ = refused("copies", method="POST", json={"datafile": served.file_id(BENS)})
    assert status == 404


def test_an_unknown_copy_is_404(refused):
    assert refused("copies", "0123456789abcdef")[0] == 404
    assert refused("copies", "0123456789abcdef", method="DELETE")[0] == 404


# -- the catalogue down or slow; someone else's server ----------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()  # connections are accepted by the kernel, never answered
        yield sock.getsockname()[1]


@pytest.mark.parametrize("lab_config", ["down"], indirect=True)
def test_a_catalogue_that_is_down_is_a_502_and_the_server_answers(refused, api):
    status, message = refused("investigations")
    assert status == 502
    assert "the catalogue service at http://127.0.0.1:" in message
    assert "is not reachable" in message
    assert "version" in api("version")


@pytest.mark.parametrize("lab_config", ["slow"], indirect=True)
def test_a_slow_catalogue_is_a_504_and_the_server_answers(refused, api):
    status, message = refused("whoami")
    assert status == 504
    assert "did not answer within 0.3 s" in message
    assert "version" in api("version")


def test_someone_elses_server_is_refused(refused, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "someone-else")
    status, message = refused("investigations")
    assert status == 403
    assert "owner" in message


# -- after the service's additions ----------------------------------------------------------


def test_datasets_datafiles_and_one_datafile(api, refused, served):
    investigation = str(served.investigations[PUBLIC])
    datasets = api("investigations", investigation, "datasets", params={"limit": "10"})
    assert datasets["total"] >= 1
    first = datasets["items"][0]
    assert first["cell"].startswith(f"# panhub catalogue: dataset {first['id']}")
    assert first["mounted"] == (first["path"] is not None)
    files = api("datasets", str(datasets["items"][0]["id"]), "datafiles")
    assert files["items"]
    assert all(f["mounted"] and f["path"].startswith(str(served.view)) for f in files["items"])
    one = api("datafiles", str(served.file_id(PUBLIC)))
    assert one["path"] == str(served.view / PUBLIC / "raw" / "sample1" / "scan0001.nxs")
    assert one["cell"].startswith(f"# panhub catalogue: datafile {one['id']} · proposal {PUBLIC}")
    assert refused("datafiles", str(served.file_id(BENS)))[0] == 404
    assert refused("investigations", investigation, "datasets", params={"x": "1"})[0] == 400


def test_citation(api, served):
    citation = api("investigations", str(served.investigations[PUBLIC]), "citation")
    assert set(citation) >= {"text", "bibtex", "ris"}
    record = api("investigations", str(served.investigations[PUBLIC]))
    assert record["citation"]["text"] == citation["text"]


# -- data collections (the panel's form) --------------------------------------------------


def test_the_collection_forms_choices_are_the_catalogues(api):
    options = api("collections", "form")
    assert {"id": "CC-BY-4.0", "name": LICENCES["CC-BY-4.0"][0]} in options["licences"]
    assert "IsSupplementTo" in options["relationTypes"]
    assert "IsNewVersionOf" not in options["relationTypes"]  # the catalogue sets those
    assert options["portalUrl"] == "/services/catalogue/collections"


def test_ana_makes_a_collection_of_two_datasets_and_submits_it(api, fetch, refused, served):
    investigation = str(served.investigations[PUBLIC])
    datasets = api("investigations", investigation, "datasets")["items"]
    assert len(datasets) >= 2
    chosen = [d["id"] for d in datasets[:2]]
    draft = api(
        "collections",
        method="POST",
        json={"title": "Two scans", "datasets": chosen, "licence": "CC-BY-4.0"},
    )
    assert draft["status"] == "draft"
    assert sorted(d["id"] for d in draft["datasets"]) == sorted(chosen)
    assert draft["portalUrl"] == f"/services/catalogue/collections/{draft['id']}"
    assert [c["name"] for c in draft["creators"]] != []  # ana by default
    # without authors DataCite would refuse it: the draft says so, and so does submit
    ident = str(draft["id"])
    edited = api("collections", ident, method="PATCH", json={"creators": []})
    assert any(p["label"].startswith("Author") for p in edited["problems"]), edited
    with pytest.raises(HTTPClientError) as caught:
        fetch("panhub-catalogue", "api", "collections", ident, "submit", method="POST", body="{}")
    refusal = json.loads(caught.value.response.body)
    assert caught.value.code == 400
    assert refusal["problems"] == edited["problems"], refusal
    edited = api(
        "collections",
        ident,
        method="PATCH",
        json={"creators": [{"name": "Ana Tester", "orcid": "0000-0002-1825-0097"}]},
    )
    assert edited["problems"] == []
    submitted = api("collections", ident, "submit", method="POST", body="{}")
    assert submitted["status"] == "review"
    mine = api("collections", params={"mine": "true"})
    assert [c["id"] for c in mine["items"]] == [draft["id"]]
    assert mine["items"][0]["portalUrl"].endswith(f"collections/{draft['id']}")
    # submitted: a draft's edits are refused, and the route says why
    status, message = refused("collections", ident, method="PATCH", json={"title": "x"})
    assert status == 409, message


def test_a_collection_of_someone_elses_data_is_refused(refused, served):
    with served.sessions() as session:
        bens = session.scalars(
            select(Dataset.id).where(Dataset.investigation_id == served.investigations[BENS])
        ).first()
    status, message = refused(
        "collections", method="POST", json={"title": "Not mine", "datasets": [bens]}
    )
    assert status in (403, 404), message


def test_bad_collection_input_names_the_field(refused, served):
    status, message = refused(
        "collections",
        method="POST",
        json={"title": "x", "datasets": [1], "relatedIdentifiers": [{"identifier": "nope"}]},
    )
    assert status == 400
    assert "relatedIdentifiers" in message or "Related" in message, message
    assert refused("collections", "form", params={"x": "1"})[0] == 400
