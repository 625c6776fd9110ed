"""pytest-jupyter's server fixtures, for the tests of this folder only.

Loaded as a plugin (``pytest_plugins``), pytest-jupyter would apply its autouse event
loop fixture to every test of the session, where it closes loops that Playwright's
browser tests still run. Taken into this conftest, its fixtures (a real jupyter_server
and ``jp_fetch``) serve only the tests of the Lab's server routes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import pytest_jupyter.jupyter_server as _jupyter_server
from tornado.httpclient import HTTPClientError


def _is_fixture(value: object) -> bool:
    return type(value).__name__ == "FixtureFunctionDefinition" or hasattr(
        value, "_pytestfixturefunction"
    )


globals().update({n: v for n, v in vars(_jupyter_server).items() if _is_fixture(v)})


@pytest.fixture
def fetch(jp_fetch, jp_asyncio_loop):
    """jp_fetch run to completion on the server's own loop (pytest-asyncio runs coroutine
    tests on a loop of its own, where the server would never answer)."""

    def run(*parts, **kwargs):
        return jp_asyncio_loop.run_until_complete(jp_fetch(*parts, **kwargs))

    return run


@pytest.fixture
def refused(fetch):
    """``refused("templates", "copy", json=...)``: the status and message of a refusal.

    A refusal never carries the catalogue's token (``ana-token`` in these tests).
    """

    def call(*parts: str, **kwargs: Any) -> tuple[int, str]:
        if "json" in kwargs:
            kwargs["body"] = json.dumps(kwargs.pop("json"))
        with pytest.raises(HTTPClientError) as caught:
            fetch("panhub-catalogue", "api", *parts, **kwargs)
        body = caught.value.response.body
        assert b"ana-token" not in body
        return caught.value.code, json.loads(body)["message"]

    return call
