"""``api/investigations/<id>/logbook`` and the landing page's logbook, on both backends.

Identity is injected through ``identify`` (tests/catalogue/test_hub_auth.py covers the
real HubOAuth, cookies and XSRF).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from panhub_catalogue.logbook import NewEntry, add_entry
from panhub_catalogue.model import NOTIFICATION, Dataset
from panhub_catalogue.web.service import ServiceOptions, make_app
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tornado.httpclient import AsyncHTTPClient, HTTPResponse

from tests.support.catalogue_client import BASE, Client, identify_from_header, serving
from tests.support.catalogue_world import NOW, Proposal, World, build

WORLD = World(
    (
        Proposal("P-PUB", beamline="BL13", members=(("ana", "PI"),), release_days=-10),
        Proposal("P-EMB", beamline="BL22", members=(("ben", "PI"),), release_days=100),
    ),
    staff=(("chloe", "BL22"),),
)
SCRIPT = "<script>alert('x')</script> & done"


@pytest.fixture
async def logbook(sessions: sessionmaker[Session], tmp_path: Path) -> AsyncIterator[Client]:
    """The service over :data:`WORLD`, each investigation with one notification."""
    with sessions() as session:
        ids = build(session, WORLD)
        for name, investigation_id in ids.items():
            entry = NewEntry(f"{SCRIPT} in {name}", category="info", type=NOTIFICATION)
            add_entry(session, investigation_id, entry, None, NOW)
        session.commit()
    options = ServiceOptions(base_url=BASE, max_limit=100, clock=lambda: NOW)
    app = make_app(sessions, options, identify_from_header)
    async with serving(app, sessions, ids, tmp_path) as client:
        yield client


async def post(
    client: Client,
    name: str,
    body: Any,
    as_user: str | None = None,
    content_type: str = "application/json",
    investigation_id: int | None = None,
) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": content_type}
    if as_user is not None:
        headers["X-Test-Identity"] = json.dumps({"username": as_user, "admin": as_user == "root"})
    target = client.ids[name] if investigation_id is None else investigation_id
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response: HTTPResponse = await AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{client.port}{BASE}api/investigations/{target}/logbook",
        method="POST",
        body=raw,
        headers=headers,
        raise_error=False,
    )
    assert response.headers["Content-Type"].startswith("application/json")
    return response.code, json.loads(response.body)


def path(client: Client, name: str) -> str:
    return f"api/investigations/{client.ids[name]}/logbook"


@pytest.mark.parametrize(
    ("user", "readable"),
    [
        (None, {"P-PUB"}),
        ("eve", {"P-PUB"}),
        ("ana", {"P-PUB"}),
        ("ben", {"P-PUB", "P-EMB"}),
        ("chloe", {"P-PUB", "P-EMB"}),
        ("root", {"P-PUB", "P-EMB"}),
    ],
)
async def test_read_follows_the_investigation(
    logbook: Client, user: str | None, readable: set[str]
) -> None:
    for name in ("P-PUB", "P-EMB"):
        if name in readable:
            page = await logbook.json(path(logbook, name), as_user=user)
            assert page["total"] == 1
            (item,) = page["items"]
            assert item["content"] == f"{SCRIPT} in {name}"
            assert (item["type"], item["category"], item["author"]) == (
                "notification",
                "info",
                None,
            )
        else:
            hidden = await logbook.json(path(logbook, name), as_user=user, status=404)
            missing = await logbook.json(
                "api/investigations/999999/logbook", as_user=user, status=404
            )
            assert hidden["message"].replace(str(logbook.ids[name]), "N") == missing[
                "message"
            ].replace("999999", "N")


async def test_write_then_read_newest_first_with_filters(logbook: Client) -> None:
    with logbook.sessions() as session:
        dataset = session.scalar(
            select(Dataset.id).where(Dataset.investigation_id == logbook.ids["P-EMB"])
        )
    code, entry = await post(
        logbook,
        "P-EMB",
        {"content": "100% of scan_1", "dataset": dataset, "tags": ["beam"], "category": "error"},
        as_user="chloe",
    )
    assert code == 201
    assert {k: entry[k] for k in ("author", "type", "category", "tags", "datasetId")} == {
        "author": "chloe",
        "type": "annotation",
        "category": "error",
        "tags": ["beam"],
        "datasetId": dataset,
    }
    assert entry["datasetName"] == "raw/scan0001"
    assert (await post(logbook, "P-EMB", {"content": "second"}, as_user="ben"))[0] == 201
    page = await logbook.json(path(logbook, "P-EMB"), as_user="ben", limit=2)
    assert page["total"] == 3
    # same createTime (a fixed clock): the later id comes first
    assert [i["content"] for i in page["items"]] == ["second", "100% of scan_1"]
    only = await logbook.json(path(logbook, "P-EMB"), as_user="ben", type="notification")
    assert [i["content"] for i in only["items"]] == [f"{SCRIPT} in P-EMB"]
    about = await logbook.json(path(logbook, "P-EMB"), as_user="ben", dataset=str(dataset))
    assert [i["content"] for i in about["items"]] == ["100% of scan_1"]
    for text, expected in [("%", 1), ("scan_", 1), ("' OR 1=1 --", 0), ('"*', 0), ("SECOND", 1)]:
        found = await logbook.json(path(logbook, "P-EMB"), as_user="ben", search=text)
        assert found["total"] == expected, text


@pytest.mark.parametrize(
    ("user", "name", "status"),
    [
        (None, "P-PUB", 401),
        (None, "P-EMB", 401),
        ("eve", "P-PUB", 403),  # a public reader of released data may not write
        ("chloe", "P-PUB", 403),  # staff of another beamline
        ("eve", "P-EMB", 404),  # may not see it: no existence leak
        ("ana", "P-EMB", 404),
        ("ana", "P-PUB", 201),
        ("ben", "P-EMB", 201),
        ("chloe", "P-EMB", 201),
        ("root", "P-EMB", 201),
    ],
)
async def test_who_may_write(logbook: Client, user: str | None, name: str, status: int) -> None:
    code, body = await post(logbook, name, {"content": "hello"}, as_user=user)
    assert code == status, body
    if status != 201:
        assert body["status"] == status
        count = await logbook.json(path(logbook, name), as_user="root")
        assert count["total"] == 1
    else:
        assert body["author"] == user


async def test_write_to_a_missing_investigation_is_404(logbook: Client) -> None:
    code, body = await post(logbook, "P-PUB", {"content": "x"}, "ana", investigation_id=999999)
    assert (code, body["message"]) == (404, "no investigation 999999")


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        ({}, "application/json", "content is missing"),
        ({"content": ""}, "application/json", "content is empty"),
        ({"content": "x" * (64 * 1024 + 1)}, "application/json", "at most 65536 are allowed"),
        ({"content": "x", "type": "notification"}, "application/json", "unknown key 'type'"),
        ({"content": "x", "tags": "a"}, "application/json", "tags must be a list of strings"),
        ({"content": "x", "dataset": "1"}, "application/json", "dataset must be a dataset id"),
        ({"content": "x", "category": 3}, "application/json", "category: '3' is not one of"),
        ([1], "application/json", "the body must be a JSON object"),
        (b"{not json", "application/json", "the body is not JSON"),
        (b"\xff\xfe", "application/json", "the body is not JSON"),
        ({"content": "x"}, "text/plain", "Content-Type must be application/json"),
        (
            b"content=x",
            "application/x-www-form-urlencoded",
            "Content-Type must be application/json",
        ),
    ],
)
async def test_bad_input_is_400_naming_the_problem(
    logbook: Client, body: Any, content_type: str, message: str
) -> None:
    code, answer = await post(logbook, "P-PUB", body, "ana", content_type)
    assert code == 400
    assert message in answer["message"]


async def test_dataset_of_another_investigation_is_400(logbook: Client) -> None:
    with logbook.sessions() as session:
        other = session.scalar(
            select(Dataset.id).where(Dataset.investigation_id == logbook.ids["P-EMB"])
        )
    code, answer = await post(logbook, "P-PUB", {"content": "x", "dataset": other}, "root")
    assert code == 400
    assert answer["message"] == (
        f"dataset {other} is not a dataset of investigation {logbook.ids['P-PUB']}"
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"nope": "1"}, "unknown parameter 'nope'"),
        ({"type": "x"}, "type: 'x' is not one of"),
        ({"limit": "101"}, "limit: 101 is outside [1, 100]"),
        ({"dataset": "a"}, "dataset: 'a' is not an integer"),
    ],
)
async def test_bad_filters_are_400(logbook: Client, params: dict[str, str], message: str) -> None:
    body = await logbook.json(path(logbook, "P-PUB"), status=400, **params)
    assert message in body["message"]


async def test_landing_page_shows_the_logbook_escaped_to_those_who_see_the_data(
    logbook: Client,
) -> None:
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; done in P-EMB"
    page = await logbook.get(f"landing/investigations/{logbook.ids['P-EMB']}", as_user="ben")
    assert page.code == 200
    html = page.body.decode()
    assert '<section id="logbook">' in html
    assert escaped in html
    assert "<script>alert" not in html
    # the embargoed DOI's citation-only page: no logbook
    for user in (None, "eve"):
        citation = await logbook.get(f"landing/investigations/{logbook.ids['P-EMB']}", as_user=user)
        assert citation.code == 200
        text = citation.body.decode()
        assert "Under embargo" in text
        assert "logbook" not in text.lower()
        assert "alert" not in text
    public = await logbook.get(f"landing/investigations/{logbook.ids['P-PUB']}")
    assert '<section id="logbook">' in public.body.decode()
    assert "done in P-PUB" in public.body.decode()
