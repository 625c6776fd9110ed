"""The template routes (``templates``, ``templates/copy``) in a real jupyter_server.

The server's root is pytest-jupyter's ``jp_root_dir``, laid out as panhub's servers see
theirs: ``data/<proposal>/{raw,processed}`` and ``home/alice``; its templates are the
test templates (tests/catalogue/lab/data/templates) and a site folder that is missing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

DATA = Path(__file__).parent / "data" / "templates"
SAXS = "saxs/01-integrate-fit.ipynb"


@pytest.fixture
def root(jp_root_dir: Path) -> Path:
    for folder in ["data/2026/raw", "data/2026/processed", "home/alice"]:
        (jp_root_dir / folder).mkdir(parents=True)
    return jp_root_dir


@pytest.fixture
def jp_server_config(root, tmp_path_factory, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    missing = tmp_path_factory.mktemp("site") / "notebooks"
    return {
        "ServerApp": {"jpserver_extensions": {"panhub_catalogue.lab": True}},
        "PanhubCatalogue": {
            "templates_path": [str(missing), str(DATA)],
            "proposals_view": str(root / "data"),
            "url": "http://127.0.0.1:9/services/catalogue/",
        },
    }


@pytest.fixture
def api(fetch):
    """``api("templates", json=...)``: the decoded JSON of a 2xx answer (and its status)."""

    def call(*parts: str, **kwargs: Any) -> tuple[int, Any]:
        if "json" in kwargs:
            kwargs["body"] = json.dumps(kwargs.pop("json"))
        response = fetch("panhub-catalogue", "api", *parts, **kwargs)
        assert response.headers["Content-Type"].startswith("application/json")
        return response.code, json.loads(response.body)

    return call


def copy(api, template: str, destination: str) -> tuple[int, Any]:
    body = {"template": template, "destination": destination}
    return api("templates", "copy", method="POST", json=body)


def test_templates_are_listed_with_their_kernels(api):
    status, body = api("templates")
    assert status == 200
    items = body["items"]
    assert [t["id"] for t in items] == [
        "data/01-look-file.ipynb",
        SAXS,
        "xas/01-normalize-fit.ipynb",
    ]
    assert items[0]["kernel"] == {
        "name": "python3",
        "displayName": "Python 3 (ipykernel)",
        "exists": True,
    }
    assert items[1] == {
        "id": SAXS,
        "name": "01-integrate-fit.ipynb",
        "title": "Integrate and fit",
        "technique": "SAXS/WAXS",
        "description": "I(q) from a detector image, a sphere model fitted (a test template)",
        "kernel": {
            "name": "saxs-2026.12.1",
            "displayName": "SAXS/WAXS (saxs 2026.12.1)",
            "exists": False,
        },
    }


def test_a_copy_lands_in_processed_then_gets_a_new_name(api, root):
    original = (DATA / SAXS).read_bytes()
    assert copy(api, SAXS, "data/2026/processed") == (
        201,
        {"path": "data/2026/processed/01-integrate-fit.ipynb", "name": "01-integrate-fit.ipynb",
         "template": SAXS},
    )  # fmt: skip
    status, second = copy(api, SAXS, "data/2026/processed")
    assert (status, second["path"]) == (201, "data/2026/processed/01-integrate-fit-2.ipynb")
    for name in ["01-integrate-fit.ipynb", "01-integrate-fit-2.ipynb"]:
        assert (root / "data/2026/processed" / name).read_bytes() == original
    assert (DATA / SAXS).read_bytes() == original


def test_a_copy_into_home_and_into_the_root(api, root):
    assert copy(api, SAXS, "home/alice/")[1]["path"] == "home/alice/01-integrate-fit.ipynb"
    assert copy(api, SAXS, "")[1]["path"] == "01-integrate-fit.ipynb"
    assert copy(api, SAXS, "/")[1]["path"] == "01-integrate-fit-2.ipynb"


def test_raw_is_refused_with_a_way_out(refused, root):
    assert refused("templates", "copy", method="POST",
                   json={"template": SAXS, "destination": "data/2026/raw"}) == (
        403, "raw/ is read-only: copy into processed/ or your home"
    )  # fmt: skip
    assert list((root / "data/2026/raw").iterdir()) == []


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"template": "../../etc/passwd.ipynb", "destination": ""}, 400, "not a template's id"),
        ({"template": "/etc/x.ipynb", "destination": ""}, 400, "not a template's id"),
        ({"template": str(DATA / SAXS), "destination": ""}, 400, "not a template's id"),
        ({"template": "saxs/99-nothing.ipynb", "destination": ""}, 404, "no template"),
        ({"destination": ""}, 400, "template must be a template's id"),
        ({"template": SAXS, "destination": "../.."}, 400, "leaves the server's root"),
        ({"template": SAXS, "destination": "data/9999"}, 404, "no folder /data/9999"),
        ({"template": SAXS, "destination": 3}, 400, "destination must be a folder's path"),
        ({"template": SAXS, "where": "home"}, 400, "unknown key 'where'"),
        ([SAXS], 400, "the body must be a JSON object"),
    ],
)
def test_bad_copy_requests(refused, body, status, message):
    got = refused("templates", "copy", method="POST", json=body)
    assert got[0] == status
    assert message in got[1]


def test_a_link_out_of_the_root_is_refused(refused, root, tmp_path_factory):
    (root / "out").symlink_to(tmp_path_factory.mktemp("outside"))
    body = {"template": SAXS, "destination": "out"}
    assert refused("templates", "copy", method="POST", json=body) == (
        400,
        "the destination leaves the server's root folder",
    )


def test_a_folder_that_refuses_writes_is_read_only(refused, monkeypatch):
    from panhub_catalogue.lab import templates

    monkeypatch.setattr(templates.os, "access", lambda path, mode: False)
    body = {"template": SAXS, "destination": "home/alice"}
    assert refused("templates", "copy", method="POST", json=body) == (
        403,
        "/home/alice is read-only: copy into your home",
    )


def test_someone_elses_server_is_refused(refused, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "someone-else")
    assert refused("templates")[0] == 403
    body = {"template": SAXS, "destination": "home/alice"}
    assert refused("templates", "copy", method="POST", json=body)[0] == 403


def test_without_login_nothing_is_listed_or_copied(fetch, root):
    wrong = {"Authorization": "token wrong"}
    with pytest.raises(HTTPClientError) as caught:
        fetch("panhub-catalogue", "api", "templates", headers=wrong)
    assert caught.value.code == 403
    body = json.dumps({"template": SAXS, "destination": "home/alice"})
    with pytest.raises(HTTPClientError) as caught:
        fetch("panhub-catalogue", "api", "templates", "copy", method="POST", body=body,
              headers=wrong)  # fmt: skip
    assert caught.value.code == 403
    assert list((root / "home/alice").iterdir()) == []
