"""The PaNOSC API over the reference-shaped world (``tests/support/panosc_world.py``).

``world`` serves it on both backends (SQLite and the real PostgreSQL), anonymous
callers only: the PaNOSC API is public. ``ask`` is a GET under ``panosc/`` with the
filter (and ``where``) given as JSON.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from panhub_catalogue.web.service import ServiceOptions, make_app
from sqlalchemy.orm import Session, sessionmaker

from tests.support.catalogue_client import BASE, Client, identify_from_header, serving
from tests.support.panosc_world import NOW, World, build_world


async def ask(client: Client, path: str, status: int = 200, **params: Any) -> Any:
    """``GET panosc/<path>`` with ``filter``/``where`` as JSON; the decoded answer."""
    for key in ("filter", "where"):
        if key in params and not isinstance(params[key], str):
            params[key] = json.dumps(params[key])
    return await client.json(f"panosc/{path}", status=status, **params)


@pytest.fixture(autouse=True)
def fresh_weights() -> None:
    """Word weights are kept for minutes by database URL; each test's data is its own."""
    from panhub_catalogue.panosc import scoring

    with scoring._lock:
        scoring._weights.clear()


@pytest.fixture
async def world(sessions: sessionmaker[Session], tmp_path: Any) -> AsyncIterator[Client]:
    """The service over the world, at :data:`~tests.support.panosc_world.NOW`."""
    build_world(sessions)
    options = ServiceOptions(base_url=BASE, clock=lambda: NOW)
    app = make_app(sessions, options, identify_from_header)
    async with serving(app, sessions, {}, tmp_path) as client:
        yield client


@pytest.fixture
def names() -> World:
    return World()
