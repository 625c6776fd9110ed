"""The integration tests' world: their proposals on the real cluster, and where artifacts go."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from panhub import site

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
ARTIFACTS.mkdir(mode=0o700, exist_ok=True)
ARTIFACTS.chmod(0o700)  # hub logs land here: root's only

PROPOSALS_ROOT = Path("/srv/panhub-test/proposals")
GROUP_PREFIX = "ptest-"
PROPOSALS_TOML = """
[beamlines.BL-A]
staff = ["carol"]
[beamlines.BL-B]
staff = []
[proposals.T1]
beamline = "BL-A"
members = ["alice"]
[proposals.T2]
beamline = "BL-A"
members = ["bob"]
[proposals.T3]
beamline = "BL-B"
members = ["bob"]
"""


def sync_proposals(path: Path) -> subprocess.CompletedProcess[str]:
    """Run the real ``panhub accounts sync`` for the tests' proposals."""
    return subprocess.run(
        [sys.executable, "-m", "panhub.cli", "accounts", "sync", "--path", str(path),
         "--root", str(PROPOSALS_ROOT), "--group-prefix", GROUP_PREFIX,
         "--reader-group", site.READER_GROUP],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "hub_config")},
    )  # fmt: skip


def install_proposals(etc: Path) -> Path:
    """The tests' proposals file in a hub's ``etc/`` (root:<its group> 0640), synced.

    Returns the file's path. The proposals' folders exist afterwards, with their groups.
    """
    path = etc / "proposals.toml"
    path.write_text(PROPOSALS_TOML)
    os.chown(path, 0, etc.stat().st_gid)
    path.chmod(0o640)
    PROPOSALS_ROOT.parent.mkdir(mode=0o755, exist_ok=True)
    done = sync_proposals(path)
    assert done.returncode == 0, done.stderr
    return path


def put_raw_file(proposal: str, name: str) -> Path:
    """Give a file written in ``proposal``'s raw folder its group's access (0640)."""
    path = PROPOSALS_ROOT / proposal / "raw" / name
    os.chown(path, 0, (PROPOSALS_ROOT / proposal).stat().st_gid)
    path.chmod(0o640)
    return path
