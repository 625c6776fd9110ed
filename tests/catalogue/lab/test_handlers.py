"""The server extension's routes in a real jupyter_server (pytest-jupyter's jp_fetch)."""

from __future__ import annotations

import json

import pytest
from panhub_catalogue import __version__
from tornado.httpclient import HTTPClientError


@pytest.fixture
def jp_server_config(jp_root_dir):
    return {"ServerApp": {"jpserver_extensions": {"panhub_catalogue.lab": True}}}


def test_version(fetch):
    response = fetch("panhub-catalogue", "api", "version")
    assert json.loads(response.body) == {"version": __version__}


def test_open_code_gives_the_path_as_mounted(fetch, jp_root_dir):
    response = fetch("panhub-catalogue", "api", "open-code", params={"path": "a b/x'.nxs"})
    body = json.loads(response.body)
    path = str(jp_root_dir / "a b" / "x'.nxs")
    assert body["path"] == path
    assert f"NexusViewer({path!r})" in body["code"]["viewer"]


def test_open_code_refuses_a_path_out_of_the_root(fetch):
    with pytest.raises(HTTPClientError) as caught:
        fetch("panhub-catalogue", "api", "open-code", params={"path": "../../etc/shadow"})
    assert caught.value.code == 400
    assert "leaves the server's root" in json.loads(caught.value.response.body)["message"]


def test_places_are_contents_paths_of_home_and_proposals(fetch, jp_root_dir, monkeypatch):
    home = jp_root_dir / "home" / "alice"
    view = jp_root_dir / "data"
    home.mkdir(parents=True)
    view.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PANHUB_PROPOSALS_VIEW", str(view))
    body = json.loads(fetch("panhub-catalogue", "api", "places").body)
    assert body == {"home": "home/alice", "proposals": "data"}


def test_places_outside_the_root_or_missing_are_null(fetch, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("elsewhere")))
    monkeypatch.setenv("PANHUB_PROPOSALS_VIEW", "/nonexistent/data")
    body = json.loads(fetch("panhub-catalogue", "api", "places").body)
    assert body == {"home": None, "proposals": None}
