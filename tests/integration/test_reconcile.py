"""The reconciler and the users' notices on the real hub and cluster (issue 19).

Needs the hub started as ``panhub-hub`` (panhub.demo.start_hub) with
``PANHUB_RECONCILE_INTERVAL`` set to 5 s in the test hub's environment.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from panhub import demo
from playwright.sync_api import Page, expect

from tests.support.hub import HubAPI, active_jobs, ended_state, login_session, wait_for

RECONCILE_INTERVAL = 5  # PANHUB_RECONCILE_INTERVAL of the test hub


def home_page(api: HubAPI, user: str) -> str:
    """The hub's home page as ``user`` sees it (logged in through the form)."""
    r = login_session(api.base, user).get(f"{api.base}/hub/home", timeout=30)
    assert r.status_code == 200 and "/hub/logout" in r.text, r.text[:300]
    return r.text


@pytest.fixture
def carol_admin(api: HubAPI) -> Iterator[requests.Session]:
    """carol, a hub admin for this test (in the admin group at her login), logged in."""
    subprocess.run(["gpasswd", "-a", "carol", demo.ADMIN_GROUP], check=True, capture_output=True)
    try:
        yield login_session(api.base, "carol")
    finally:
        subprocess.run(
            ["gpasswd", "-d", "carol", demo.ADMIN_GROUP], check=True, capture_output=True
        )


def test_external_scancel_is_told_to_the_user_until_the_next_start(api: HubAPI) -> None:
    model = api.start("bob", {"memory_gb": 1})
    job_id = model["state"]["job_id"]
    subprocess.run(["timeout", "10", "scancel", job_id], check=True)
    # PANHUB_POLL_INTERVAL is 3 s: squeue --states=all says CANCELLED at the next poll
    wait_for("the hub to notice the cancelled job", lambda: api.server("bob") is None, 10)
    page = home_page(api, "bob")
    assert "its job was cancelled outside the hub" in page
    assert "Files you saved are kept" in page
    assert "its job was cancelled" not in home_page(api, "alice")  # bob's only
    api.start("bob", {"memory_gb": 1})
    assert "its job was cancelled" not in home_page(api, "bob")
    api.stop("bob")


def test_an_orphan_job_is_cancelled_by_the_reconciler(
    api: HubAPI, carol_admin: requests.Session
) -> None:
    """A job named like the hub's with no server (a hub killed right after sbatch)."""
    sbatch = shlex.join(["sbatch", "--parsable", "-J", "jhub-test-carol-default", "-o", "/dev/null",
                         "--chdir=/tmp", "--mem=100M", "--wrap", "sleep 600"])  # fmt: skip
    out = subprocess.run(
        ["sudo", "-u", "carol", "sh", "-c", sbatch], check=True, capture_output=True, text=True
    )
    job_id = out.stdout.strip().split(";")[0]
    try:
        # two passes see it unowned, then it is cancelled
        wait_for(
            "the reconciler to cancel the orphan",
            lambda: not active_jobs("jhub-test-carol-default"),
            4 * RECONCILE_INTERVAL + 10,
        )
        assert ended_state(job_id) == "CANCELLED"
        page = carol_admin.get(f"{api.base}/hub/panhub/jobs", timeout=30)
        assert page.status_code == 200
        assert job_id in page.text and "cancel" in page.text
    finally:
        subprocess.run(["timeout", "10", "scancel", job_id], check=False)


def test_the_jobs_page_in_the_browser(
    api: HubAPI, carol_admin: requests.Session, page: Page, artifacts: Path
) -> None:
    """An admin finds "Jobs" in the navigation bar; the page lists a running server's job."""
    model = api.start("alice", {"memory_gb": 1})
    job_id = model["state"]["job_id"]
    try:
        page.goto(f"{api.base}/hub/login")
        page.fill("#username_input", "carol")
        page.fill("#password_input", demo.DEMO_PASSWORD)
        page.click("#login_submit")
        page.goto(f"{api.base}/hub/home")
        page.get_by_role("link", name="Jobs").click()
        expect(page).to_have_url(re.compile(r"/hub/panhub/jobs$"))
        row = page.locator("tr", has_text=job_id)
        # the page shows the last pass's listing: the job is in it within one interval
        for _ in range(3 * RECONCILE_INTERVAL):
            if row.count():
                break
            page.wait_for_timeout(1000)
            page.reload()
        expect(row).to_contain_text("alice")
        expect(row).to_contain_text("RUNNING")
        page.screenshot(path=artifacts / "hub-jobs-page.png", full_page=True)
    finally:
        api.stop("alice")


def test_the_jobs_page_refuses_users(api: HubAPI) -> None:
    r = login_session(api.base, "alice").get(f"{api.base}/hub/panhub/jobs", timeout=30)
    assert r.status_code == 403
    anonymous = requests.get(f"{api.base}/hub/panhub/jobs", allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302 and "/hub/login" in anonymous.headers["Location"]


def test_a_running_server_is_adopted_not_touched(api: HubAPI) -> None:
    model = api.start("alice", {"memory_gb": 1})
    job_id = model["state"]["job_id"]
    try:
        time.sleep(3 * RECONCILE_INTERVAL + 2)  # several passes later: nothing touched
        assert api.server("alice") is not None
        assert [j["id"] for j in active_jobs("jhub-test-alice-default")] == [job_id]
    finally:
        api.stop("alice")
