"""The real HubOAuth wiring, against a fake hub API in its own thread.

HubAuth blocks on its own background loop while asking the hub who a token belongs to,
so the fake hub must not share the service's event loop.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from jupyterhub.services.auth import HubOAuth
from panhub_catalogue.service import ServiceOptions, make_app, make_hub_identify
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
}


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
        server = HTTPServer(Application([(r"/hub/api/user", FakeHubUser)]))
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


async def whoami(url: str, token: str | None = None) -> tuple[int, dict[str, object]]:
    headers = {"Authorization": f"token {token}"} if token else {}
    response = await AsyncHTTPClient().fetch(url + "api/whoami", headers=headers, raise_error=False)
    return response.code, json.loads(response.body)


async def test_hub_identity_reaches_the_visibility_rule(service: str) -> None:
    assert await whoami(service) == (200, {"username": None, "admin": False, "beamlines": []})
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
