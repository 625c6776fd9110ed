"""Small synthetic NeXus files shared by the viewer tests (written in tmp_path)."""

from __future__ import annotations

from pathlib import Path

import pytest
from panhub_nexus import synthetic

SMALL = {"shape": (48, 40), "module": (20, 17), "gap": (3, 2), "n_hot": 4}
"""Frame geometry of the test stacks: 2 x 3 modules with gaps, 4 hot pixels."""


@pytest.fixture
def stack(tmp_path: Path) -> synthetic.StackInfo:
    """A bitshuffle-LZ4 stack of 6 small Eiger-like frames."""
    return synthetic.write_eiger_stack(tmp_path / "stack.nxs", n_frames=6, **SMALL)


@pytest.fixture
def spectrum(tmp_path: Path) -> Path:
    """A 1D NXdata with errors and an auxiliary signal (3000 points)."""
    path = tmp_path / "spectrum.nxs"
    synthetic.write_spectrum(path)
    return path
