"""Integration fixtures: the real SLURM cluster, demo accounts, and a hub of the tests' own.

The test hub runs beside the demo (public port 8100, hub 8181, proxy API 8101) with job
names ``jhub-test-...``; it is started once per session and stopped at the end, and any
job it left behind is cancelled.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from panhub import demo

from tests.support.hub import ROOT, HubAPI, admin_api, make_instance

ARTIFACTS = ROOT / "artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def cluster() -> None:
    """The one-node SLURM cluster (started by `make test`; started here if it is not)."""
    assert os.geteuid() == 0, "integration tests run as root (they use sudo, SLURM and PAM)"
    subprocess.run(
        ["bash", str(ROOT / "hub_config/demo/slurm.sh"), "start"], check=True, timeout=120
    )


@pytest.fixture(scope="session")
def accounts(cluster: None) -> tuple[str, ...]:
    """The demo's Unix accounts with the demo password."""
    demo.ensure_demo_accounts()
    return tuple(u.name for u in demo.DEMO_USERS)


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
         "--root", str(PROPOSALS_ROOT), "--group-prefix", GROUP_PREFIX],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "hub_config")},
    )  # fmt: skip


@pytest.fixture(scope="session")
def proposals_file(accounts: tuple[str, ...], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tests' proposals (T1 alice; T2, T3 bob; carol staff of BL-A), synced, with raw data."""
    path = tmp_path_factory.mktemp("proposals") / "proposals.toml"
    path.write_text(PROPOSALS_TOML)
    PROPOSALS_ROOT.parent.mkdir(mode=0o755, exist_ok=True)
    done = sync_proposals(path)
    assert done.returncode == 0, done.stderr
    for pid in ("T1", "T2", "T3"):
        data = PROPOSALS_ROOT / pid / "raw" / "data.txt"
        data.write_text(f"raw data of {pid}\n")
        os.chown(data, 0, (PROPOSALS_ROOT / pid).stat().st_gid)
        data.chmod(0o640)
    return path


@pytest.fixture(scope="session")
def hub_instance(
    accounts: tuple[str, ...], proposals_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[demo.HubInstance]:
    state = tmp_path_factory.mktemp("hub")
    inst = make_instance(
        "test",
        state,
        8100,
        {
            "PANHUB_POLL_INTERVAL": "3",
            "PANHUB_PROPOSALS_FILE": str(proposals_file),
            "PANHUB_PROPOSALS_ROOT": str(PROPOSALS_ROOT),
            "PANHUB_GROUP_PREFIX": GROUP_PREFIX,
        },
    )
    demo.start_proxy(inst)
    demo.start_hub(inst)
    yield inst
    api = admin_api(inst)
    try:
        for name in accounts:
            for server in list(api.user(name).get("servers", {})):
                api.stop(name, server)
    finally:
        demo.stop(inst)
        demo.cancel_jobs("jhub-test-")
        ARTIFACTS.mkdir(exist_ok=True)
        for log in ("hub.log", "proxy.log"):
            if inst.path(log).exists():
                shutil.copy(inst.path(log), ARTIFACTS / f"test-{log}")


@pytest.fixture(scope="session")
def api(hub_instance: demo.HubInstance) -> HubAPI:
    """The test hub's API as its admin service."""
    return admin_api(hub_instance)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
