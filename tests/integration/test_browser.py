"""A person in Chromium: log in, fill the resource form, land in JupyterLab, run a cell.

Screenshots go to artifacts/ (kept by CI).
"""

from __future__ import annotations

import pwd
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import log_in, run_cell, spawn_from_form
from tests.support.hub import HubAPI, active_jobs, squeue

pytestmark = pytest.mark.browser


def test_user_logs_in_spawns_on_cpu_and_runs_a_cell(
    page: Page, api: HubAPI, artifacts: Path
) -> None:
    spawn_from_form(page, api.base, "alice", {"partition": "cpu", "cpus": "2", "memory_gb": "2"})
    page.screenshot(path=artifacts / "browser-alice-lab.png")
    job_id = api.server("alice")["state"]["job_id"]
    [job] = squeue(job_id=job_id)
    assert (job["partition"], job["cpus"], job["memory"]) == ("cpu", "2", "2G")

    out = run_cell(page, api, "alice", "import os; print(os.environ['SLURM_JOB_ID'], os.getuid())")
    page.screenshot(path=artifacts / "browser-alice-cell.png")
    assert out == f"{job_id} {pwd.getpwnam('alice').pw_uid}"

    api.stop("alice")
    assert not active_jobs("jhub-test-alice-default")


def test_user_chooses_the_gpu_partition_and_gets_a_gpu(
    page: Page, api: HubAPI, artifacts: Path
) -> None:
    spawn_from_form(page, api.base, "bob", {"partition": "gpu", "gpus": "1", "memory_gb": "1"})
    job_id = api.server("bob")["state"]["job_id"]
    out = run_cell(
        page,
        api,
        "bob",
        "import os; print(os.environ['SLURM_JOB_PARTITION'], os.environ.get('CUDA_VISIBLE_DEVICES'))",
    )
    page.screenshot(path=artifacts / "browser-bob-gpu.png")
    assert out == "gpu 0"
    [job] = squeue(job_id=job_id)
    assert "gpu" in job["gres"]
    api.stop("bob")


def test_bad_form_values_show_a_message_and_submit_nothing(
    page: Page, api: HubAPI, artifacts: Path
) -> None:
    log_in(page, api.base, "carol")
    before = squeue("jhub-test-carol-default")
    # what a hand-crafted request could send: past the browser's own checks
    page.evaluate(
        """() => {
            for (const e of document.querySelectorAll('#spawn_form input')) e.removeAttribute('max');
            document.getElementById('panhub-cpus').value = '999';
            const r = document.getElementById('panhub-reservation');
            r.removeAttribute('maxlength');
            const opt = document.createElement('option');
            opt.value = 'root'; document.getElementById('panhub-partition').appendChild(opt);
            document.getElementById('panhub-partition').value = 'root';
        }"""
    )
    page.fill("#panhub-reservation", "x; scancel -u root")
    page.click("#spawn_form button[type=submit]")
    error = page.locator(".spawn-error-msg")
    expect(error).to_be_visible()
    page.screenshot(path=artifacts / "browser-carol-form-error.png")
    text = error.inner_text()
    assert "partition" in text and "unknown partition 'root'" in text
    assert "reservation" in text and "may hold only letters" in text
    # the form is shown again, ready to correct
    expect(page.locator("#panhub-partition")).to_be_visible()
    assert squeue("jhub-test-carol-default") == before
    assert api.server("carol") is None
