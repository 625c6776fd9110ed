"""Integration fixtures: the real SLURM cluster, demo accounts, and a hub of the tests' own.

The test hub runs beside the demo (public port 8100, hub 8181, proxy API 8101) with job
names ``jhub-test-...``, as the demo runs: the hub and proxy as ``panhub``, the catalogue
as ``panhub-catalogue``. It is started once per session on a state folder laid out as
an older version left it (flat, world-readable), which the start must repair, and
stopped at the end; any job it left behind is cancelled.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import requests
from panhub import demo, site
from panhub_catalogue.demo import ScanSpec, write_scan
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.browser import launch
from tests.support.cluster import (
    ARTIFACTS,
    GROUP_PREFIX,
    PROPOSALS_ROOT,
    install_proposals,
    put_raw_file,
)
from tests.support.hub import (
    ROOT,
    HubAPI,
    admin_api,
    make_instance,
    make_state_dir,
    running_hub,
    wait_for,
)

RELEASED = PROPOSALS_ROOT / "T4"
FORGED = PROPOSALS_ROOT / "T3" / "processed" / "forged.nxs"


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


@pytest.fixture(scope="session")
def test_state(accounts: tuple[str, ...]) -> Iterator[Path]:
    """The test hub's state folder, as an older version of panhub left it: flat, 0644."""
    site.ensure_service_accounts(demo.DEMO_GROUP)
    state = make_state_dir("test")
    state.chmod(0o755)
    for name in ("api_token", "proxy_token", "crypt_key"):
        demo.secret(state / name)
        (state / name).chmod(0o644)
    (state / "old-version.log").write_text("kept\n")
    (state / "old-version.log").chmod(0o644)
    site.make_private_dir(state / "etc", site.SERVICE_GROUP)
    yield state
    shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="session")
def proposals_file(accounts: tuple[str, ...], test_state: Path) -> Path:
    """The tests' proposals (T1 alice; T2, T3 bob; carol staff of BL-A), synced, with raw data.

    The file lies in the test hub's ``etc/`` (root:panhub 0640), which the hub reads.
    """
    # from empty folders: a run stopped before its fixtures' teardown leaves their files
    # behind (a Lab test's stack in T1/raw), which would change what the catalogue finds
    shutil.rmtree(PROPOSALS_ROOT, ignore_errors=True)
    path = install_proposals(test_state / "etc")
    for pid in ("T1", "T2", "T3"):
        (PROPOSALS_ROOT / pid / "raw" / "data.txt").write_text(f"raw data of {pid}\n")
        put_raw_file(pid, "data.txt")
    return path


@pytest.fixture(scope="session")
def hub_instance(
    accounts: tuple[str, ...], proposals_file: Path, test_state: Path
) -> Iterator[demo.HubInstance]:
    inst = make_instance(
        "test",
        test_state,
        8100,
        {
            "PANHUB_POLL_INTERVAL": "3",
            "PANHUB_RECONCILE_INTERVAL": "5",
            "PANHUB_PROPOSALS_FILE": str(proposals_file),
            "PANHUB_PROPOSALS_ROOT": str(PROPOSALS_ROOT),
            "PANHUB_GROUP_PREFIX": GROUP_PREFIX,
        },
    )
    with running_hub(inst, lambda: demo.cancel_jobs("jhub-test-")):
        yield inst
        api = admin_api(inst)
        for name in accounts:
            for server in list(api.user(name).get("servers", {})):
                api.stop(name, server)


@pytest.fixture(scope="module")
def catalogue(
    api: HubAPI, hub_instance: demo.HubInstance, proposals_file: Path
) -> Iterator[dict[str, int]]:
    """The test hub's catalogue, filled; yields investigation name -> id."""
    write_scan(
        RELEASED / "raw" / "scan" / "scan0001.nxs",
        ScanSpec(title="Released reference scan", start=datetime(2020, 1, 6), instrument="BL-B"),
    )
    # a file a member of T3 could write, naming BL-A: carol (staff of BL-A) must not see T3
    write_scan(FORGED, ScanSpec(title="Forged", start=datetime(2026, 1, 5), instrument="BL-A"))
    try:
        # as the catalogue's own account: the indexer reads the data through the readers'
        # ACLs (accounts sync --reader-group), never as root
        demo.catalogue_command(hub_instance, ["members", "import", str(proposals_file)])
        demo.catalogue_command(
            hub_instance,
            ["index", "--root", str(PROPOSALS_ROOT), "--no-progress", str(PROPOSALS_ROOT)],
        )
        url = f"{api.base}/services/catalogue/api/investigations?limit=100"

        def answer() -> requests.Response | None:
            # the hub starts its services, and the proxy's route to them, after its own API
            r = requests.get(url, headers=api.headers, timeout=30)
            return r if r.status_code == 200 else None

        items = wait_for("the catalogue service", answer, 60, interval=0.2).json()["items"]
        yield {i["name"]: i["id"] for i in items}
    finally:
        shutil.rmtree(RELEASED, ignore_errors=True)
        FORGED.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def api(hub_instance: demo.HubInstance) -> HubAPI:
    """The test hub's API as its admin service."""
    return admin_api(hub_instance)


@pytest.fixture
def artifacts() -> Path:
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()
