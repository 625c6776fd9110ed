"""A loopback client for the catalogue service over the indexed demo proposals."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from panhub_catalogue.identity import ANONYMOUS, Identity
from sqlalchemy.orm import Session, sessionmaker
from tornado.httpclient import AsyncHTTPClient, HTTPResponse
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port
from tornado.web import Application, RequestHandler

NOW = datetime(2026, 6, 1)
BASE = "/services/catalogue/"
# demo proposals: 2023015001 (BL13, ana PI + ben, public since 2026-03-01),
# 2024025002 (BL22, ben PI, embargoed), 2025035003 (BL11, chloe PI + ana, embargoed)
PUBLIC, BENS, CHLOES = "2023015001", "2024025002", "2025035003"


async def identify_from_header(handler: RequestHandler) -> Identity:
    """Test-only seam: the identity travels in a header as JSON."""
    raw = handler.request.headers.get("X-Test-Identity")
    if raw is None:
        return ANONYMOUS
    value = json.loads(raw)
    return Identity(
        value.get("username"), value.get("admin", False), frozenset(value.get("beamlines", []))
    )


@dataclass
class Client:
    port: int
    sessions: sessionmaker[Session]
    ids: dict[str, int]
    root: Path

    async def get(
        self,
        path: str,
        as_user: str | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> HTTPResponse:
        headers = dict(headers or {})
        if as_user is not None:
            headers["X-Test-Identity"] = json.dumps(
                {"username": as_user, "admin": as_user == "root"}
            )
        query = ("?" + urlencode(params, doseq=True)) if params else ""
        return await AsyncHTTPClient().fetch(
            f"http://127.0.0.1:{self.port}{BASE}{path}{query}",
            headers=headers,
            raise_error=False,
            follow_redirects=False,
        )

    async def json(
        self, path: str, as_user: str | None = None, status: int = 200, **params: Any
    ) -> Any:
        response = await self.get(path, as_user, **params)
        assert response.code == status, response.body
        assert response.headers["Content-Type"].startswith("application/json")
        return json.loads(response.body)


@asynccontextmanager
async def serving(
    app: Application, sessions: sessionmaker[Session], ids: dict[str, int], root: Path
) -> AsyncIterator[Client]:
    """Serve ``app`` on a free loopback port for the block; yield a :class:`Client` to it."""
    sock, port = bind_unused_port()
    server = HTTPServer(app)
    server.add_sockets([sock])
    try:
        yield Client(port, sessions, ids, root)
    finally:
        server.stop()
        await server.close_all_connections()


@asynccontextmanager
async def serving_demo(sessions: sessionmaker[Session], root: Path) -> AsyncIterator[Client]:
    """The service, at :data:`NOW`, over a catalogue of the demo proposals in ``root``
    (indexed already), as the public sees it at ``https://hub.example.org``."""
    from panhub_catalogue.model import Investigation
    from panhub_catalogue.web.service import ServiceOptions, make_app
    from sqlalchemy import select

    with sessions() as session:
        ids = {i.name: i.id for i in session.scalars(select(Investigation))}
    options = ServiceOptions(
        base_url=BASE,
        max_limit=100,
        download_roots=(str(root),),
        proposals_root=str(root),
        public_url="https://hub.example.org" + BASE,
        clock=lambda: NOW,
    )
    app = make_app(sessions, options, identify_from_header)
    async with serving(app, sessions, ids, root) as client:
        yield client
