"""The catalogue service through the real hub: hub OAuth in Chromium, visibility, downloads.

The tests' hub runs the catalogue as its managed service (port 8190), filled by the
``catalogue`` fixture (tests/integration/conftest.py): the tests' proposals and one
released proposal, T4 (a NeXus scan from 2020 naming beamline BL-B: public after the
3-year embargo, no members, no beamline).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from panhub.proposals import CatalogueSource, Directory, Proposal
from playwright.sync_api import APIResponse, Browser, BrowserContext

from tests.support.browser import log_in
from tests.support.hub import HubAPI

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sessions(browser: Browser, api: HubAPI) -> Iterator[dict[str, BrowserContext]]:
    """alice and carol logged in to the hub in Chromium, then to the catalogue (hub OAuth)."""
    contexts = {}
    for user in ("alice", "carol"):
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(30_000)
        log_in(page, api.base, user)
        page.goto(f"{api.base}/services/catalogue/login")
        assert page.url == f"{api.base}/services/catalogue/"
        assert page.inner_text("#who") == f"Signed in as {user}."
        page.close()
        contexts[user] = context
    yield contexts
    for context in contexts.values():
        context.close()


@pytest.fixture(scope="module")
def anonymous(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    yield context
    context.close()


def get(context: BrowserContext, api: HubAPI, path: str, **headers: str) -> APIResponse:
    """GET a catalogue path with the context's cookies (the browser's hub OAuth login)."""
    return context.request.get(f"{api.base}/services/catalogue/{path}", headers=headers)


def names(context: BrowserContext, api: HubAPI) -> list[str]:
    response = get(context, api, "api/investigations?sort=name")
    assert response.status == 200, response.text()
    return [i["name"] for i in response.json()["items"]]


def test_each_user_sees_exactly_their_proposals(
    catalogue: dict[str, int],
    sessions: dict[str, BrowserContext],
    anonymous: BrowserContext,
    api: HubAPI,
) -> None:
    assert sorted(catalogue) == ["T1", "T2", "T3", "T4"]
    alice, carol = sessions["alice"], sessions["carol"]
    assert get(alice, api, "api/whoami").json() == {
        "username": "alice",
        "admin": False,
        "beamlines": [],
    }
    assert get(carol, api, "api/whoami").json() == {
        "username": "carol",
        "admin": False,
        "beamlines": ["BL-A"],
    }
    assert get(anonymous, api, "api/whoami").json()["username"] is None
    assert names(alice, api) == ["T1", "T4"]
    assert names(carol, api) == ["T1", "T2", "T4"]  # staff of BL-A, not by T3's forged file
    assert names(anonymous, api) == ["T4"]  # released only
    # someone else's proposal and a missing one look the same: 404, no existence leak
    hidden = get(alice, api, f"api/investigations/{catalogue['T2']}")
    missing = get(alice, api, "api/investigations/999999")
    assert (hidden.status, missing.status) == (404, 404)
    assert hidden.json() == {"status": 404, "message": f"no investigation {catalogue['T2']}"}
    assert get(carol, api, f"api/investigations/{catalogue['T2']}").status == 200


def first_file(api: HubAPI, investigation_id: int) -> dict[str, Any]:
    """As the hub's admin service (a catalogue admin): the investigation's first datafile."""
    url = f"{api.base}/services/catalogue/api/investigations/{investigation_id}"
    record = requests.get(url, headers=api.headers, timeout=30).json()
    (datafile,) = [f for f in record["datafiles"]["items"] if f["name"] == "data.txt"]
    return dict(datafile)


def test_downloads_are_permission_checked(
    catalogue: dict[str, int], sessions: dict[str, BrowserContext], api: HubAPI
) -> None:
    alice = sessions["alice"]
    own, other = first_file(api, catalogue["T1"]), first_file(api, catalogue["T2"])
    whole = get(alice, api, f"api/datafiles/{own['id']}/download")
    assert (whole.status, whole.body()) == (200, b"raw data of T1\n")
    part = get(alice, api, f"api/datafiles/{own['id']}/download", Range="bytes=4-7")
    assert (part.status, part.body()) == (206, b"data")
    assert part.headers["content-range"] == "bytes 4-7/15"
    refused = get(alice, api, f"api/datafiles/{other['id']}/download")
    assert refused.status == 404
    assert refused.json() == {"status": 404, "message": f"no datafile {other['id']}"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=many", "limit: 'many' is not an integer"),
        ("limit=0", "limit: 0 is outside [1, 500]"),
        (
            "colour=red",
            "unknown parameter 'colour'; known: text, access, mine, beamline, user, technique, "
            "dateFrom, dateTo, sort, limit, offset",
        ),
    ],
)
def test_bad_query_strings_are_400_with_a_message(
    catalogue: dict[str, int],
    sessions: dict[str, BrowserContext],
    api: HubAPI,
    query: str,
    message: str,
) -> None:
    response = get(sessions["alice"], api, f"api/investigations?{query}")
    assert (response.status, response.json()) == (400, {"status": 400, "message": message})


def test_the_hub_reads_membership_from_the_catalogue(
    catalogue: dict[str, int], sessions: dict[str, BrowserContext], api: HubAPI
) -> None:
    """The hub's own CatalogueSource, with the hub's admin service token."""
    source = CatalogueSource(f"{api.base}/services/catalogue", api.token)
    assert source.get_directory() == Directory(
        proposals=(
            Proposal("T1", "BL-A", frozenset({"alice"})),
            Proposal("T2", "BL-A", frozenset({"bob"})),
            # the proposals file gives T3 no title, and its only NeXus file is in
            # processed/, which its members write: that file does not title it
            Proposal("T3", "BL-B", frozenset({"bob"})),
            # T4, found by the indexer only, is left out: its file names BL-B
            # (NXinstrument), but files are not trusted to link beamlines
        ),
        staff={"BL-A": frozenset({"carol"}), "BL-B": frozenset()},
        admins=frozenset(),
    )
    # a user's own login is not enough
    assert get(sessions["alice"], api, "api/directory").status == 403
