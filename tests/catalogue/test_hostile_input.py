"""Hostile input to every kind of route: each answers 400 naming the problem, never 500.

NUL characters (PostgreSQL refuses them in text), lone surrogates, numbers and dates
beyond what the database stores, JSON nested without end, PaNOSC values of the wrong
type for their field, and redirect targets a browser reads as another site.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from panhub_catalogue.errors import NotFound, RangeNotSatisfiable
from panhub_catalogue.identity import Identity
from panhub_catalogue.logbook import FIGURE_MAX_BYTES, get_encoded_length
from panhub_catalogue.web.download import open_download, parse_range
from panhub_catalogue.web.handlers import MAX_BODY
from panhub_catalogue.web.landing import render_landing
from panhub_catalogue.web.service import ServiceOptions, make_app
from sqlalchemy.orm import Session, sessionmaker
from tornado.httpclient import AsyncHTTPClient, HTTPResponse
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port
from tornado.web import RequestHandler

from tests.support.catalogue_client import BASE, Client, identify_from_header, serving
from tests.support.catalogue_world import NOW, Proposal, World, build

#: Largest logbook body: 1 MiB of text and tags, and a figure of 5 MiB in base64.
LOGBOOK_BODY = MAX_BODY + get_encoded_length(FIGURE_MAX_BYTES)
WORLD = World(
    (
        Proposal("P-PUB", beamline="BL13", members=(("ana", "PI"),), release_days=-10),
        Proposal("P-EMB", beamline="BL22", members=(("ben", "PI"),), release_days=100),
    ),
)


async def identify_signed_in(handler: RequestHandler) -> Identity:
    """``identify`` that also sets ``current_user``, as the hub's does (for ``login``)."""
    handler.current_user = {"name": "ana"}
    return Identity("ana")


@pytest.fixture
async def service(sessions: sessionmaker[Session], tmp_path: Path) -> AsyncIterator[Client]:
    """The service over :data:`WORLD`, identity from the test header."""
    with sessions() as session:
        ids = build(session, WORLD)
    app = make_app(sessions, ServiceOptions(base_url=BASE, clock=lambda: NOW), identify_from_header)
    async with serving(app, sessions, ids, tmp_path) as client:
        yield client


async def fetch(client: Client, path: str, **kwargs: Any) -> HTTPResponse:
    headers = {"X-Test-Identity": json.dumps({"username": "ana"}), **kwargs.pop("headers", {})}
    return await AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{client.port}{BASE}{path}",
        headers=headers,
        raise_error=False,
        follow_redirects=False,
        **kwargs,
    )


def panosc(kind: str, spec: Any) -> str:
    return f"panosc/{kind}?filter=" + quote(json.dumps(spec))


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("api/investigations?beamline=%00", "NUL"),
        ("api/investigations?user=a%00b", "NUL"),
        ("api/investigations?technique=%00", "NUL"),
        ("api/investigations?text=%00abc", "NUL"),
        ("api/facets?beamline=%00", "NUL"),
        ("api/investigations/1/logbook?search=%00", "NUL"),
        ("doi/10.5072%00", "NUL"),
        ("panosc/Documents/%00", "NUL"),
        ("api/investigations?dateFrom=0001-01-01T00:00:00%2B01:00", "dateFrom"),
        ("api/investigations?dateTo=9999-12-31T23:00:00-05:00", "dateTo"),
        (panosc("Documents", {"where": {"title": "\x00"}}), "NUL"),
        (panosc("Documents", {"where": {"title": "\ud800"}}), "surrogate"),
        (panosc("Datasets", {"where": {"size": "abc"}}), "where.size"),
        (panosc("Datasets", {"where": {"size": {"like": "1"}}}), "where.size"),
        (panosc("Datasets", {"where": {"size": 10**30}}), "64-bit"),
        (panosc("Datasets", {"where": {"creationDate": True}}), "where.creationDate"),
        (panosc("Datasets", {"where": {"creationDate": "0001-01-01T00:00+01:00"}}), "ISO 8601"),
        (panosc("Datasets", {"skip": 10**30}), "filter.skip"),
        (panosc("Documents", {"where": {"text": " ".join(["ab"] * 2000)}}), "at most 200"),
        (panosc("Documents", {"query": " ".join(f"w{n}" for n in range(13))}), "at most 12"),
        ("panosc/Documents?filter=" + "[" * 5000 + "]" * 5000, "nested too deeply"),
        (
            panosc("Documents", {"where": json.loads('{"or":[' * 40 + "{}" + "]}" * 40)}),
            "nested more than",
        ),
    ],
)
async def test_hostile_query_is_400(service: Client, path: str, message: str) -> None:
    response = await fetch(service, path)
    assert response.code == 400, response.body
    assert message in json.loads(response.body)["message"]


@pytest.mark.parametrize("value", [3, 2.5, "a"])
async def test_panosc_parameter_value_compares_as_number_or_text(
    service: Client, value: object
) -> None:
    """``Parameter.value`` was ``coalesce(number, text)``: PostgreSQL refused every filter."""
    spec = {"include": [{"relation": "parameters", "scope": {"where": {"value": value}}}]}
    response = await fetch(service, panosc("Datasets", spec))
    assert response.code == 200, response.body
    spec = {"include": [{"relation": "parameters", "scope": {"where": {"value": {"gt": value}}}}]}
    assert (await fetch(service, panosc("Datasets", spec))).code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 5000, "nested too deeply"),
        (json.dumps({"content": "a\x00b"}).encode(), "NUL"),
        (json.dumps({"content": "\ud800"}).encode(), "surrogate"),
        (json.dumps({"content": "x", "tags": ["a\x00"]}).encode(), "NUL"),
        (json.dumps({"content": "x", "dataset": 10**30}).encode(), "dataset must be"),
        (b'{"content": "x"' + b" " * LOGBOOK_BODY + b"}", f"at most {LOGBOOK_BODY} are"),
    ],
    ids=["deep", "nul", "surrogate", "nul-tag", "huge-dataset", "over-the-cap"],
)
async def test_hostile_logbook_body_is_400(service: Client, body: bytes, message: str) -> None:
    response = await fetch(
        service,
        f"api/investigations/{service.ids['P-PUB']}/logbook",
        method="POST",
        body=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.code == 400, response.body
    assert message in json.loads(response.body)["message"]


@pytest.mark.parametrize("target", ["/\\evil.example", "/\t/evil.example", "/x\r\nSet-Cookie: a"])
async def test_login_refuses_next_a_browser_reads_as_another_site(
    sqlite_sessions: sessionmaker[Session], target: str
) -> None:
    app = make_app(sqlite_sessions, ServiceOptions(base_url=BASE), identify_signed_in)
    sock, port = bind_unused_port()
    server = HTTPServer(app)
    server.add_sockets([sock])
    try:
        base = f"http://127.0.0.1:{port}{BASE}login?next="
        response = await AsyncHTTPClient().fetch(
            base + quote(target), raise_error=False, follow_redirects=False
        )
        assert response.code == 400, (response.code, response.headers.get("Location"))
        assert "next must be a path" in json.loads(response.body)["message"]
        fine = await AsyncHTTPClient().fetch(
            base + quote("/services/catalogue/api/whoami"),
            raise_error=False,
            follow_redirects=False,
        )
        assert fine.code == 302
        assert fine.headers["Location"] == "/services/catalogue/api/whoami"
    finally:
        server.stop()
        await server.close_all_connections()


def test_jsonld_cannot_end_or_swallow_the_page() -> None:
    """``<!--<script>`` in a title made the JSON-LD script run to the end of the page."""
    record = {"title": "<!--<script></script>&", "summary": "</script><b>x</b>", "doi": "10.1/x"}
    document = {
        "doi": "10.1/x",
        "titles": [{"title": record["title"]}],
        "descriptions": [{"description": record["summary"], "descriptionType": "Abstract"}],
        "creators": [{"name": "</script><!--"}],
        "publisher": {"name": "PANHUB"},
        "publicationYear": "2026",
    }
    page = render_landing(record, "investigation", "PANHUB", "https://x/landing/1", document)
    script = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in script and ">" not in script and "&" not in script
    jsonld = json.loads(script)
    assert (jsonld["name"], jsonld["description"]) == (record["title"], record["summary"])
    assert jsonld["creator"][0]["name"] == "</script><!--"
    # the JSON-LD's end, and the portal's script (web/static/portal.js): nothing else
    assert page.count("</script>") == 2
    assert page.count("defer></script>") == 1


def test_range_with_thousands_of_digits_is_ignored() -> None:
    """``int()`` of more than 4300 digits raised ValueError: a 500 on download."""
    assert parse_range("bytes=" + "9" * 5000 + "-", 100) is None
    assert parse_range("bytes=-" + "9" * 5000, 100) is None
    assert parse_range("bytes=10-19", 100) == (10, 19)


def test_suffix_range_of_an_empty_file_is_not_satisfiable() -> None:
    """``bytes=-5`` of an empty file gave ``(0, -1)``: a 206 with ``bytes 0--1/0``."""
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=-5", 0)
    assert parse_range("bytes=-5", 3) == (0, 2)


def test_a_location_with_a_nul_byte_is_not_found(tmp_path: Path) -> None:
    """An imported (ICAT) location may hold anything; ``os.open`` raised ValueError: a 500."""
    (tmp_path / "a").write_bytes(b"x")
    with pytest.raises(NotFound):
        open_download(f"{tmp_path}/a\x00b", [str(tmp_path)])
    with open_download(f"{tmp_path}/a", [str(tmp_path)]) as stream:
        assert stream.read() == b"x"
