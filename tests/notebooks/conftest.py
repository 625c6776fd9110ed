"""Template notebooks run on their staff kernels, on synthetic input with a known answer.

The technique kernels are built once per session into the real prefix (an unchanged
build is skipped in seconds). ``PANHUB_TEST_KERNELS_PREBUILT=1`` uses the kernels as
they are (for a working tree tried with ``PYTHONPATH`` before its wheel is built).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import kernels

TECHNIQUES = ["saxs", "powder", "xas", "tomo", "mx"]
KERNELS = ["base", *TECHNIQUES]


@pytest.fixture(scope="session")
def staff_kernels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The kernels prefix, with every staff kernel built from this checkout."""
    if os.environ.get("PANHUB_TEST_KERNELS_PREBUILT") != "1":
        wheel = kernels.build_wheel(tmp_path_factory.mktemp("wheel"))
        kernels.build_kernels(KERNELS, wheel)
    return kernels.PREFIX


@pytest.fixture
def proposal(tmp_path: Path) -> Path:
    """A proposal's folder as a server sees it: ``raw/`` and ``processed/``."""
    root = tmp_path / "data" / "20260042"
    (root / "raw").mkdir(parents=True)
    (root / "processed").mkdir()
    return root
