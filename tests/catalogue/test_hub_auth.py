"""The real HubOAuth wiring, against a fake hub API in its own thread.

HubAuth blocks on its own background loop while asking the hub who a token belongs to,
so the fake hub must not share the service's event loop. The fake hub's token endpoint
checks the PKCE verifier as JupyterHub 6 does (tests/integration/test_catalogue.py
goes through the real hub).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from jupyterhub.services.auth import HubOAuth
from panhub_catalogue.ingest.members import Directory, ProposalEntry, apply_directory
from panhub_catalogue.web.service import ServiceOptions, make_app, make_hub_identify
from sqlalchemy.orm import Session, sessionmaker
from tornado.httpclient import AsyncHTTPClient
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port
from tornado.web import Application, RequestHandler

TOKENS = {
    "token-ana": {
        "kind": "user",
        "name": "ana",
        "admin": False,
        "groups": ["staff-BL22", "proposal-2023015001"],
        "scopes": ["access:services!service=catalogue", "read:users:groups!user=ana"],
    },
    "token-noscope": {"kind": "user", "name": "eve", "admin": False, "groups": [], "scopes": []},
    "token-root": {
        "kind": "user",
        "name": "root",
        "admin": True,
        "groups": [],
        "scopes": ["access:services!service=catalogue"],
    },
    "token-dave": {
        "kind": "user",
        "name": "dave",
        "admin": False,
        "groups": [],
        "scopes": ["access:services!service=catalogue"],
    },
    "token-admin-service": {
        "kind": "service",
        "name": "panhub-admin",
        "admin": True,
        "scopes": ["access:services", "admin:users"],
    },
    "token-other-service": {
        "kind": "service",
        "name": "announcements",
        "admin": False,
        "scopes": ["access:services!service=catalogue"],
    },
}
#: OAuth codes the fake hub has handed out: code -> (PKCE challenge, token it buys)
CODES: dict[str, tuple[str, str]] = {}


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class FakeHubToken(RequestHandler):
    """``POST /hub/api/oauth2/token``: a code for a token, if the PKCE verifier matches."""

    def post(self) -> None:
        code = self.get_body_argument("code")
        verifier = self.get_body_argument("code_verifier", None)
        challenge, token = CODES.pop(code, ("", ""))
        if not token or verifier is None or s256(verifier) != challenge:
            self.set_status(400)
            self.finish(json.dumps({"error": "invalid_grant", "error_description": "bad code"}))
            return
        self.finish(json.dumps({"access_token": token, "token_type": "Bearer"}))


class FakeHubUser(RequestHandler):
    """``GET /hub/api/user``: who owns the token in the Authorization header."""

    def get(self) -> None:
        token = self.request.headers.get("Authorization", "").removeprefix("token ").strip()
        model = TOKENS.get(token)
        if model is None:
            self.set_status(403)
            self.finish(json.dumps({"status": 403, "message": "bad token"}))
            return
        self.finish(json.dumps({**model, "session_id": None, "token_id": token}))


@pytest.fixture
def fake_hub() -> Iterator[str]:
    """A fake hub API on its own loop in a thread; yields its API URL."""
    sock, port = bind_unused_port()
    ready = threading.Event()
    state: dict[str, object] = {}

    def serve() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        server = HTTPServer(
            Application([(r"/hub/api/user", FakeHubUser), (r"/hub/api/oauth2/token", FakeHubToken)])
        )
        server.add_sockets([sock])
        state["loop"], state["server"] = loop, server
        ready.set()
        loop.run_forever()
        server.stop()
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield f"http://127.0.0.1:{port}/hub/api"
    loop = state["loop"]
    assert isinstance(loop, asyncio.AbstractEventLoop)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture
async def service(
    fake_hub: str, sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> AsyncIterator[str]:
    hub_auth = HubOAuth(
        api_token="service-token",
        api_url=fake_hub,
        hub_prefix="/hub/",
        hub_host="",
        base_url="/services/catalogue/",
        oauth_client_id="service-catalogue",
        oauth_redirect_uri="/services/catalogue/oauth_callback",
        access_scopes={"access:services!service=catalogue"},
        cache_max_age=0,
    )
    with sqlite_sessions() as session:
        directory = Directory(
            (ProposalEntry("P1", "BL22", members=frozenset({"ana"})),),
            {"BL22": frozenset({"ana"})},
            frozenset({"dave"}),
        )
        apply_directory(session, directory, "PANHUB")
        session.commit()
    app = make_app(
        sqlite_sessions,
        ServiceOptions(download_roots=(str(tmp_path),)),
        make_hub_identify(),
        hub_auth=hub_auth,
        cookie_secret=b"0" * 32,
    )
    sock, port = bind_unused_port()
    server = HTTPServer(app)
    server.add_sockets([sock])
    yield f"http://127.0.0.1:{port}/services/catalogue/"
    server.stop()
    await server.close_all_connections()


async def whoami(
    url: str, token: str | None = None, cookie: str | None = None
) -> tuple[int, dict[str, object]]:
    headers = {"Authorization": f"token {token}"} if token else {}
    if cookie:
        headers["Cookie"] = cookie
    response = await AsyncHTTPClient().fetch(url + "api/whoami", headers=headers, raise_error=False)
    return response.code, json.loads(response.body)


async def test_hub_identity_reaches_the_visibility_rule(service: str) -> None:
    assert await whoami(service) == (200, {"username": None, "admin": False, "beamlines": []})
    # hub groups (staff-BL22) are ignored by default: BL22 comes from InstrumentScientist
    assert await whoami(service, "token-ana") == (
        200,
        {"username": "ana", "admin": False, "beamlines": ["BL22"]},
    )
    # known to the hub, but without access to this service: anonymous (public data only)
    assert (await whoami(service, "token-noscope"))[1]["username"] is None
    assert await whoami(service, "token-root") == (
        200,
        {"username": "root", "admin": True, "beamlines": []},
    )
    # an admin in the catalogue's admin grouping, not a hub admin
    assert await whoami(service, "token-dave") == (
        200,
        {"username": "dave", "admin": True, "beamlines": []},
    )
    # a hub service speaks for no user; it keeps the hub's admin flag
    assert await whoami(service, "token-admin-service") == (
        200,
        {"username": None, "admin": True, "beamlines": []},
    )


@pytest.mark.parametrize(
    ("token", "status"),
    [
        ("token-admin-service", 200),
        ("token-root", 200),
        ("token-dave", 200),
        ("token-ana", 403),
        ("token-other-service", 403),
        (None, 403),
    ],
)
async def test_directory_is_for_admins_only(service: str, token: str | None, status: int) -> None:
    headers = {"Authorization": f"token {token}"} if token else {}
    response = await AsyncHTTPClient().fetch(
        service + "api/directory", headers=headers, raise_error=False
    )
    assert response.code == status
    body = json.loads(response.body)
    if status == 200:
        assert body == {
            "admins": ["dave"],
            "beamlines": {"BL22": {"staff": ["ana"]}},
            "proposals": {"P1": {"beamline": "BL22", "title": "", "members": ["ana"]}},
        }
    else:
        assert body == {
            "status": 403,
            "message": "the directory is for the hub and catalogue admins only",
        }


async def test_login_redirects_to_the_hub_authorize_url(service: str) -> None:
    response = await AsyncHTTPClient().fetch(
        service + "login?next=/services/catalogue/api/whoami",
        follow_redirects=False,
        raise_error=False,
    )
    assert response.code == 302
    location = response.headers["Location"]
    assert location.startswith("/hub/api/oauth2/authorize?")
    assert "client_id=service-catalogue" in location
    assert "oauth_callback" in location


def cookies_of(response: object) -> str:
    headers = getattr(response, "headers")  # noqa: B009
    return "; ".join(c.split(";")[0] for c in headers.get_list("Set-Cookie"))


async def test_oauth_round_trip_with_pkce(service: str) -> None:
    """login -> (hub authorizes) -> oauth_callback with the PKCE verifier -> cookie."""
    http = AsyncHTTPClient()
    login = await http.fetch(
        service + "login?next=/services/catalogue/api/whoami",
        follow_redirects=False,
        raise_error=False,
    )
    query = parse_qs(urlparse(login.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    CODES["code-1"] = (query["code_challenge"][0], "token-ana")
    state = query["state"][0]
    callback = await http.fetch(
        service + "oauth_callback?" + urlencode({"code": "code-1", "state": state}),
        headers={"Cookie": cookies_of(login)},
        follow_redirects=False,
        raise_error=False,
    )
    assert callback.code == 302, callback.body
    assert (
        callback.headers["Location"]
        == "/services/catalogue/login?next=/services/catalogue/api/whoami"
    )
    cookie = cookies_of(callback)
    assert "service-catalogue=" in cookie
    assert await whoami(service, cookie=cookie) == (
        200,
        {"username": "ana", "admin": False, "beamlines": ["BL22"]},
    )
    # a code replayed, or sent without the state cookie, buys nothing
    replay = await http.fetch(
        service + "oauth_callback?" + urlencode({"code": "code-1", "state": state}),
        headers={"Cookie": cookies_of(login)},
        follow_redirects=False,
        raise_error=False,
    )
    assert replay.code >= 400


async def sign_in(service: str, token: str) -> str:
    """The OAuth round trip for ``token``'s owner; returns the browser's cookies."""
    http = AsyncHTTPClient()
    login = await http.fetch(service + "login", follow_redirects=False, raise_error=False)
    query = parse_qs(urlparse(login.headers["Location"]).query)
    CODES["code-xsrf"] = (query["code_challenge"][0], token)
    callback = await http.fetch(
        service + "oauth_callback?" + urlencode({"code": "code-xsrf", "state": query["state"][0]}),
        headers={"Cookie": cookies_of(login)},
        follow_redirects=False,
        raise_error=False,
    )
    assert callback.code == 302, callback.body
    return cookies_of(callback)


async def post_logbook(
    service: str, investigation_id: int, headers: dict[str, str]
) -> tuple[int, dict[str, object]]:
    response = await AsyncHTTPClient().fetch(
        f"{service}api/investigations/{investigation_id}/logbook",
        method="POST",
        body=json.dumps({"content": "from the browser"}),
        headers={"Content-Type": "application/json", **headers},
        raise_error=False,
    )
    return response.code, json.loads(response.body)


async def test_logbook_post_with_a_cookie_needs_the_xsrf_token(
    service: str, sqlite_sessions: sessionmaker[Session]
) -> None:
    from panhub_catalogue.model import Investigation, LogbookEntry
    from sqlalchemy import func, select

    with sqlite_sessions() as session:
        p1 = session.scalar(select(Investigation.id).where(Investigation.name == "P1"))
    assert p1 is not None
    cookie = await sign_in(service, "token-ana")
    xsrf = next(c.split("=", 1)[1] for c in cookie.split("; ") if c.startswith("_xsrf="))
    # a cross-site form or fetch carries the cookie but cannot know the token: the hub's
    # HubOAuth ignores the cookie, so the caller is anonymous
    assert await post_logbook(service, p1, {"Cookie": cookie}) == (
        401,
        {"status": 401, "message": "sign in to write in the logbook"},
    )
    assert (await post_logbook(service, p1, {"Cookie": cookie, "X-XSRFToken": "forged"}))[0] == 401
    # the same cookie reads (GET needs no token) ...
    read = await AsyncHTTPClient().fetch(
        f"{service}api/investigations/{p1}/logbook", headers={"Cookie": cookie}
    )
    assert json.loads(read.body)["total"] == 0
    # ... and writes with the token the hub set at sign-in
    code, entry = await post_logbook(service, p1, {"Cookie": cookie, "X-XSRFToken": xsrf})
    assert (code, entry["author"]) == (201, "ana")
    # API clients send their token in the Authorization header, no XSRF token needed
    code, entry = await post_logbook(service, p1, {"Authorization": "token token-ana"})
    assert (code, entry["author"]) == (201, "ana")
    # a hub user without access to this service is anonymous here
    assert (await post_logbook(service, p1, {"Authorization": "token token-noscope"}))[0] == 401
    with sqlite_sessions() as session:
        assert session.scalar(select(func.count()).select_from(LogbookEntry)) == 2
