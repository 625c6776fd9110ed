"""Spawning JupyterLab as SLURM jobs through the real hub, as the real users."""

from __future__ import annotations

import pwd
import subprocess
import time

import pytest
import requests

from tests.support.hub import HubAPI, active_jobs, ended_state, squeue, wait_for


def test_user_spawns_with_options_and_stops(api: HubAPI) -> None:
    alice = api.as_user("alice")
    r = alice.spawn("alice", {"partition": "cpu", "cpus": 2, "memory_gb": 2, "runtime": "0:30"})
    assert r.status_code in (201, 202), r.text
    model = alice.wait_ready("alice")
    job_id = (
        model["state"]["job_id"] if "state" in model else api.server("alice")["state"]["job_id"]
    )
    [job] = squeue(job_id=job_id)
    assert job["name"] == "jhub-test-alice-default"
    assert (job["user"], job["state"], job["partition"], job["cpus"]) == (
        "alice",
        "RUNNING",
        "cpu",
        "2",
    )
    assert job["memory"] == "2G"
    status = requests.get(f"{api.base}/user/alice/api/status", headers=alice.headers, timeout=30)
    assert status.status_code == 200, status.text
    # the job log is in ~/.panhub/logs, not in the home folder's listing
    home = pwd.getpwnam("alice").pw_dir
    log = f"{home}/.panhub/logs/slurm-{job_id}.log"
    with open(log) as f:
        assert "panhub: job" in f.read()
    listing = requests.get(  # the Lab's root is /: her home is home/alice
        f"{api.base}/user/alice/api/contents/{home.strip('/')}", headers=alice.headers, timeout=30
    )
    names = [item["name"] for item in listing.json()["content"]]
    assert not [n for n in names if "slurm" in n or n.endswith(".log")], names

    alice.stop("alice")
    assert not active_jobs("jhub-test-alice-default")
    assert ended_state(job_id) in {"CANCELLED", "COMPLETED", "gone"}


def test_user_cannot_spawn_for_someone_else(api: HubAPI) -> None:
    alice = api.as_user("alice")
    r = alice.spawn("bob")
    assert r.status_code in (403, 404), r.text
    assert api.server("bob") is None


@pytest.mark.parametrize(
    "options,field",
    [
        ({"cpus": 999}, "cpus"),
        ({"cpus": "2; rm -rf ~"}, "cpus"),
        ({"partition": "debug"}, "partition"),
        ({"reservation": "x\n#SBATCH --uid=0"}, "reservation"),
        ({"runtime": "99:00"}, "runtime"),
        ({"gpus": 1}, "gpus"),
        ({"cmd": ["/bin/sh", "-c", "id"]}, "cmd"),
        ({"prologue": "touch /tmp/panhub-pwned"}, "prologue"),
        ({"memory_gb": "1" * 10000}, "memory_gb"),
    ],
)
def test_bad_options_are_refused_before_any_job(
    api: HubAPI, options: dict[str, object], field: str
) -> None:
    bob = api.as_user("bob")
    before = len(squeue("jhub-test-bob-default"))
    r = bob.spawn("bob", options)
    assert r.status_code == 400, r.text
    assert field in r.json()["message"]
    assert len(squeue("jhub-test-bob-default")) == before
    assert api.server("bob") is None


def test_refused_options_leave_no_trace(api: HubAPI) -> None:
    """JupyterHub saves a request's options before panhub refuses them: they are undone."""
    bob = api.as_user("bob")
    # a start that is accepted: its options become bob's stored options
    bob.start("bob", {"partition": "gpu", "gpus": 1, "memory_gb": 1})
    bob.stop("bob")
    for refused in ({"cpus": 999}, {"partition": "debug"}):
        r = bob.spawn("bob", refused)
        assert r.status_code == 400, r.text
    # a plain start reuses the last accepted options, not the refused ones
    model = bob.start("bob", {})
    assert model["user_options"] == {"partition": "gpu", "gpus": 1, "memory_gb": 1}
    [job] = active_jobs("jhub-test-bob-default")
    assert job["partition"] == "gpu"
    bob.stop("bob")


def test_named_server_gets_its_own_job(api: HubAPI) -> None:
    api.start("carol", {"cpus": 1, "memory_gb": 1}, server="tomo")
    [job] = active_jobs("jhub-test-carol-tomo")
    assert job["user"] == "carol"
    api.stop("carol", "tomo")
    assert not active_jobs("jhub-test-carol-tomo")


def test_external_scancel_is_noticed(api: HubAPI) -> None:
    model = api.start("bob", {"memory_gb": 1})
    job_id = model["state"]["job_id"]
    subprocess.run(["timeout", "10", "scancel", job_id], check=True)
    # PANHUB_POLL_INTERVAL is 3 s in the test hub
    wait_for("the hub to notice the cancelled job", lambda: api.server("bob") is None, 30)


def test_job_that_dies_before_reporting_its_port_fails_fast(api: HubAPI) -> None:
    """batchspawner #254: the spawn fails with a pointer to the log, not after start_timeout."""
    home = pwd.getpwnam("bob").pw_dir
    config = f"{home}/.jupyter/jupyter_server_config.py"
    subprocess.run(["sudo", "-u", "bob", "mkdir", "-p", f"{home}/.jupyter"], check=True)
    subprocess.run(
        ["sudo", "-u", "bob", "sh", "-c", f"echo 'raise SystemExit(3)' > {config}"], check=True
    )
    try:
        start = time.monotonic()
        r = api.spawn("bob", {"memory_gb": 1})
        assert r.status_code in (201, 202, 500), r.text
        wait_for("the failed spawn to clear", lambda: api.server("bob") is None, 60)
        assert time.monotonic() - start < 60
        assert not active_jobs("jhub-test-bob-default")
    finally:
        subprocess.run(["rm", "-f", config], check=True)
