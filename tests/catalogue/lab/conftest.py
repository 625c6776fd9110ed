"""pytest-jupyter's server fixtures, for the tests of this folder only.

Loaded as a plugin (``pytest_plugins``), pytest-jupyter would apply its autouse event
loop fixture to every test of the session, where it closes loops that Playwright's
browser tests still run. Taken into this conftest, its fixtures (a real jupyter_server
and ``jp_fetch``) serve only the tests of the Lab's server routes.
"""

from __future__ import annotations

import pytest_jupyter.jupyter_server as _jupyter_server


def _is_fixture(value: object) -> bool:
    return type(value).__name__ == "FixtureFunctionDefinition" or hasattr(
        value, "_pytestfixturefunction"
    )


globals().update({n: v for n, v in vars(_jupyter_server).items() if _is_fixture(v)})
