"""Idle servers are stopped, used ones kept; a job about to end warns in JupyterLab.

On the tests' hub (real SLURM, real hub and proxy, Chromium):

- alice starts her server from the form with a 3-minute time limit: her Lab warns at
  once (the lead time is 10 minutes) that the server stops at the job's end as SLURM
  has it, says how to save and what is kept, and its "Save all" button saves the
  notebook she is typing in; the status bar shows the minutes left and names the job.
- The hub is restarted with a 30 s culler timeout (a restart keeps servers and routes:
  the proxy runs apart), and back without it at the end. alice's server, which a client
  uses all along through the proxy, is kept; bob's named server "idle", which nobody
  uses, is stopped: its job cancelled, the server kept (stopped, with its form choices),
  not removed.

Runs in about two minutes, most of it waiting for the culler.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import requests
from panhub import demo
from playwright.sync_api import Page, expect

from tests.support.browser import delete_notebook, open_notebook, spawn_from_form
from tests.support.cluster import ARTIFACTS
from tests.support.hub import HubAPI, active_jobs, wait_for

CULL_TIMEOUT = 30
CULL_EVERY = 5
#: the culler's settings for this module's hub (activity then reaches the hub every 7 s)
CULLING = {"PANHUB_CULL_IDLE_TIMEOUT": str(CULL_TIMEOUT), "PANHUB_CULL_EVERY": str(CULL_EVERY)}


def job_end(job_id: str) -> datetime:
    """The job's end as SLURM has it (squeue's %e, local time)."""
    out = subprocess.run(
        ["squeue", "-h", "-j", job_id, "-o", "%e"],
        capture_output=True, text=True, check=True, timeout=10,
    ).stdout  # fmt: skip
    return datetime.fromisoformat(out.strip())


@pytest.mark.browser
def test_a_job_about_to_end_warns_in_the_lab_and_saves(page: Page, api: HubAPI) -> None:
    fields = {"partition": "cpu", "cpus": "1", "memory_gb": "1", "runtime": "0:03"}
    spawn_from_form(page, api.base, "alice", fields)
    name = ""
    try:
        job_id = api.server("alice")["state"]["job_id"]
        end = job_end(job_id)
        name = open_notebook(page, api, "alice")
        toast = page.locator(".Toastify__toast", has_text="Your server stops at")
        expect(toast).to_be_visible(timeout=30_000)
        page.screenshot(path=ARTIFACTS / "lab-walltime-warning.png")
        text = toast.inner_text()
        # the end as SLURM has it (the job's own estimate may be a second or two later)
        stops = {f"{end + timedelta(seconds=s):%H:%M}" for s in (0, 5)}
        assert any(f"Your server stops at {hhmm} (" in text for hhmm in stops), (text, stops)
        assert re.search(r"\(([0-3] min|less than 1 min) left\)", text), text
        assert "Save your notebooks now (File > Save All)" in text
        assert "/data/<proposal>/processed are kept" in text

        status = page.locator("#panhub-walltime-status")
        expect(status).to_have_text(re.compile(r"^([0-3] min|less than 1 min) left$"))
        assert f"SLURM job {job_id} on " in (status.get_attribute("title") or "")

        # a cell typed but not saved: the warning's button saves it
        page.click(".jp-Notebook .jp-Cell .cm-content")
        page.keyboard.type("print('saved by the walltime warning')")
        toast.get_by_role("button", name="Save all").click()
        alice = api.as_user("alice")
        url = f"{api.base}/user/alice/api/contents/{name}"

        def saved() -> bool:
            r = requests.get(url, headers=alice.headers, timeout=30)
            return r.ok and "saved by the walltime warning" in json.dumps(r.json()["content"])

        wait_for("the notebook to be saved by 'Save all'", saved, 30, interval=0.5)
    finally:
        if name:
            delete_notebook(api, "alice", name)
        api.stop("alice")


@pytest.fixture(scope="module")
def culling_hub(hub_instance: demo.HubInstance) -> Iterator[demo.HubInstance]:
    """The tests' hub restarted with a short culler timeout; its own settings again after."""
    culling = dataclasses.replace(hub_instance, env={**hub_instance.env, **CULLING})
    demo.stop_pid(hub_instance.path("hub.pid"))
    demo.start_hub(culling)
    try:
        yield culling
    finally:
        demo.stop_pid(hub_instance.path("hub.pid"))
        demo.start_hub(hub_instance)


def test_the_culler_stops_an_idle_server_and_keeps_a_used_one(
    api: HubAPI, culling_hub: demo.HubInstance
) -> None:
    options = {"partition": "cpu", "memory_gb": 1}
    for user, server in (("alice", ""), ("bob", "idle")):
        r = api.spawn(user, options, server)
        assert r.status_code in (201, 202), r.text
    try:
        api.wait_ready("alice")
        api.wait_ready("bob", "idle")
        alice = api.as_user("alice")
        used = f"{api.base}/user/alice/api/contents"

        def use_alice() -> None:
            # an API client at work: through the proxy, as a browser would be
            assert requests.get(used, headers=alice.headers, timeout=30).status_code == 200

        def bob_culled() -> bool:
            use_alice()
            return api.server("bob", "idle") is None

        # idle for the timeout, then the next culler round: well within 90 s
        wait_for("the culler to stop bob's idle server", bob_culled, 90, interval=2)
        # alice is as old as bob: a few more rounds of the culler, and she is still there
        deadline = time.monotonic() + 4 * CULL_EVERY
        while time.monotonic() < deadline:
            use_alice()
            time.sleep(2)
        assert api.server("alice")["ready"]
        assert active_jobs("jhub-test-alice-default")

        # bob's job is gone; his named server is stopped, not removed, choices kept
        wait_for("bob's job to end", lambda: not active_jobs("jhub-test-bob-idle"), 30)
        r = api.request("GET", "/users/bob?include_stopped_servers")
        r.raise_for_status()
        idle = r.json()["servers"]["idle"]
        assert idle["stopped"] is True
        assert idle["user_options"] == options
        # the culler did it (a hub-managed service logs into the hub's log)
        assert "Culling server bob/idle" in culling_hub.path("hub.log").read_text(errors="replace")
    finally:
        api.stop("alice")
        api.stop("bob", "idle")
