"""pytest-jupyter's server fixtures, for the tests of this folder only.

Loaded as a plugin (``pytest_plugins``), pytest-jupyter would apply its autouse event
loop fixture to every test of the session, where it closes loops that Playwright's
browser tests still run. Taken into this conftest, its fixtures (a real jupyter_server
and ``jp_fetch``) serve only the tests of the Lab's server routes.
"""

from __future__ import annotations

import pytest
import pytest_jupyter.jupyter_server as _jupyter_server


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
