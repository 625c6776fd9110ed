"""Logbook figures: checked on the way in, stored with their entry, read as the logbook
is, on both backends. Bad figures are 400s naming the problem and write nothing."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from panhub_catalogue.errors import BadRequest
from panhub_catalogue.logbook import FIGURE_MAX_BYTES, Figure, parse_entry, parse_figure
from panhub_catalogue.model import LogbookAttachment, LogbookEntry
from panhub_catalogue.web.service import ServiceOptions, make_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tornado.httpclient import AsyncHTTPClient

from tests.support.catalogue_client import BASE, Client, identify_from_header, serving
from tests.support.catalogue_world import NOW, Proposal, World, build

WORLD = World(
    (
        Proposal("P-PUB", beamline="BL13", members=(("ana", "PI"),), release_days=-10),
        Proposal("P-EMB", beamline="BL22", members=(("ben", "PI"),), release_days=100),
    ),
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(50)
#: The cap of the service in these tests.
CAP = 4096


def figure(data: bytes, mime_type: str = "image/png") -> dict[str, str]:
    return {"mimeType": mime_type, "data": base64.b64encode(data).decode()}


def test_parse_figure_keeps_the_bytes_and_the_checked_type() -> None:
    assert parse_figure(figure(PNG)) == Figure("image/png", PNG)
    assert parse_figure(figure(JPEG, "image/jpeg")) == Figure("image/jpeg", JPEG)
    assert parse_figure(None) is None
    entry = parse_entry({"content": "plot", "figure": figure(PNG)})
    assert entry.figure == Figure("image/png", PNG)
    assert parse_entry({"content": "no plot"}).figure is None
    # exactly at the cap is fine
    assert parse_figure(figure(PNG[:100]), max_bytes=100) == Figure("image/png", PNG[:100])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "figure must be an object"),
        ({"mimeType": "image/png"}, "figure.data must be a string of base64"),
        ({**figure(PNG), "name": "x.png"}, "figure: unknown key 'name'; known: mimeType, data"),
        (figure(PNG, "image/svg+xml"), "figure.mimeType: 'image/svg+xml' is not one of"),
        ({"data": figure(PNG)["data"]}, "figure.mimeType: 'None' is not one of"),
        ({"mimeType": "image/png", "data": 5}, "figure.data must be a string of base64"),
        ({"mimeType": "image/png", "data": "!!notbase64!!"}, "figure.data is not valid base64"),
        ({"mimeType": "image/png", "data": "iVBORw0KGgo"}, "figure.data is not valid base64"),
        ({"mimeType": "image/png", "data": "é" * 8}, "figure.data is not valid base64"),
        ({"mimeType": "image/png", "data": ""}, "figure.data is empty"),
        (figure(JPEG), "figure.data is not a PNG image: it lacks the PNG signature"),
        (figure(PNG[:64], "image/jpeg"), "not a JPEG image: it lacks the JPEG signature"),
        (figure(b"<svg onload=alert(1)>"), "not a PNG image"),
        (figure(PNG[:101]), "figure is 101 bytes; a figure may have at most 100 bytes"),
        (figure(PNG[:200]), "characters of base64, more than 100 bytes"),
    ],
)
def test_bad_figures_are_refused_naming_the_problem(value: Any, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_figure(value, max_bytes=100)
    assert message in caught.value.message


@pytest.fixture
async def figures(sessions: sessionmaker[Session], tmp_path: Path) -> AsyncIterator[Client]:
    """The service over :data:`WORLD`, figures capped at :data:`CAP` bytes."""
    with sessions() as session:
        ids = build(session, WORLD)
    options = ServiceOptions(
        base_url=BASE, max_limit=100, logbook_figure_max_bytes=CAP, clock=lambda: NOW
    )
    app = make_app(sessions, options, identify_from_header)
    async with serving(app, sessions, ids, tmp_path) as client:
        yield client


async def post(client: Client, name: str, body: Any, as_user: str) -> tuple[int, Any]:
    response = await AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{client.port}{BASE}api/investigations/{client.ids[name]}/logbook",
        method="POST",
        body=body if isinstance(body, bytes) else json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "X-Test-Identity": json.dumps({"username": as_user}),
        },
        raise_error=False,
    )
    return response.code, json.loads(response.body)


def count_rows(client: Client) -> tuple[int, int]:
    with client.sessions() as session:
        entries = session.scalar(select(func.count()).select_from(LogbookEntry))
        attachments = session.scalar(select(func.count()).select_from(LogbookAttachment))
    return int(entries or 0), int(attachments or 0)


async def test_a_figure_is_stored_listed_and_served_to_readers(figures: Client) -> None:
    code, entry = await post(figures, "P-EMB", {"content": "fit", "figure": figure(PNG)}, "ben")
    assert code == 201, entry
    (attachment,) = entry["attachments"]
    assert attachment == {"id": attachment["id"], "mimeType": "image/png", "size": len(PNG)}
    page = await figures.json(f"api/investigations/{figures.ids['P-EMB']}/logbook", as_user="ben")
    assert page["items"][0]["attachments"] == [attachment]
    path = f"api/logbook/attachments/{attachment['id']}"
    served = await figures.get(path, as_user="ben")
    assert (served.code, served.body) == (200, PNG)
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert served.headers["Cache-Control"] == "private, no-cache"
    code, jpeg = await post(
        figures, "P-PUB", {"content": "photo", "figure": figure(JPEG, "image/jpeg")}, "ana"
    )
    assert code == 201
    public = await figures.get(f"api/logbook/attachments/{jpeg['attachments'][0]['id']}")
    assert (public.code, public.headers["Content-Type"], public.body) == (200, "image/jpeg", JPEG)


@pytest.mark.parametrize("user", [None, "ana", "eve"])
async def test_a_hidden_logbook_figure_answers_404_like_a_missing_one(
    figures: Client, user: str | None
) -> None:
    code, entry = await post(figures, "P-EMB", {"content": "fit", "figure": figure(PNG)}, "ben")
    assert code == 201
    number = str(entry["attachments"][0]["id"])
    hidden = await figures.json(f"api/logbook/attachments/{number}", as_user=user, status=404)
    missing = await figures.json("api/logbook/attachments/999999", as_user=user, status=404)
    assert hidden == {"status": 404, "message": f"no logbook attachment {number}"}
    assert hidden["message"].replace(number, "N") == missing["message"].replace("999999", "N")
    assert PNG not in (await figures.get(f"api/logbook/attachments/{number}", as_user=user)).body


async def test_unknown_parameters_of_the_figure_route_are_400(figures: Client) -> None:
    body = await figures.json("api/logbook/attachments/1", status=400, download="1")
    assert "unknown parameter 'download'" in body["message"]


@pytest.mark.parametrize(
    ("figure_value", "message"),
    [
        ({"mimeType": "image/png", "data": "not base64!"}, "figure.data is not valid base64"),
        (figure(JPEG), "figure.data is not a PNG image"),
        (figure(b"GIF89a" + bytes(10), "image/gif"), "figure.mimeType: 'image/gif'"),
        (figure(PNG + bytes(CAP)), f"a figure may have at most {CAP} bytes"),
        ([1, 2], "figure must be an object"),
    ],
)
async def test_a_bad_figure_is_400_and_writes_nothing(
    figures: Client, figure_value: Any, message: str
) -> None:
    before = count_rows(figures)
    code, answer = await post(
        figures, "P-PUB", {"content": "keep me", "figure": figure_value}, "ana"
    )
    assert (code, answer["status"]) == (400, 400)
    assert message in answer["message"]
    assert count_rows(figures) == before
    # the same entry without the figure goes in
    code, _ = await post(figures, "P-PUB", {"content": "keep me"}, "ana")
    assert code == 201


async def test_a_body_far_over_the_cap_is_refused_before_parsing(figures: Client) -> None:
    huge = (
        b'{"content": "x", "figure": {"mimeType": "image/png", "data": "'
        + b"A" * (2 << 20)
        + b'"}}'
    )
    code, answer = await post(figures, "P-PUB", huge, "ana")
    assert code == 400
    assert "the body is" in answer["message"] and "are allowed" in answer["message"]
    assert count_rows(figures) == (0, 0)


async def test_the_landing_page_shows_figures_to_readers(figures: Client) -> None:
    code, entry = await post(figures, "P-PUB", {"content": "fit", "figure": figure(PNG)}, "ana")
    assert code == 201
    page = (await figures.get(f"landing/investigations/{figures.ids['P-PUB']}")).body.decode()
    source = f'src="{BASE}api/logbook/attachments/{entry["attachments"][0]["id"]}"'
    assert f"<figure><img {source}" in page
    assert 'alt="figure 1 of the entry of 2026-01-01T12:00:00Z"' in page


def test_the_default_cap_is_5_mib() -> None:
    assert FIGURE_MAX_BYTES == ServiceOptions().logbook_figure_max_bytes == 5 * 1024 * 1024
