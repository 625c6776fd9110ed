"""What the hub survives: its own SIGKILL, and a queue that makes users wait."""

from __future__ import annotations

import signal
import time

import requests
from panhub import demo

from tests.support.hub import HubAPI, active_jobs, wait_for


def test_hub_sigkill_and_restart_keeps_the_server(
    api: HubAPI, hub_instance: demo.HubInstance
) -> None:
    model = api.start("alice", {"memory_gb": 1})
    job_id = model["state"]["job_id"]
    alice = api.as_user("alice")
    url = f"{api.base}/user/alice/api/status"
    assert requests.get(url, headers=alice.headers, timeout=30).status_code == 200

    demo.stop_pid(hub_instance.path("hub.pid"), sig=signal.SIGKILL)
    # the proxy keeps the route and JupyterLab keeps serving while the hub is down
    assert requests.get(url, headers=alice.headers, timeout=30).status_code == 200
    assert [j["id"] for j in active_jobs("jhub-test-alice-default")] == [job_id]

    demo.start_hub(hub_instance)
    model = api.wait_ready("alice", timeout=60)
    assert model["state"]["job_id"] == job_id
    assert requests.get(url, headers=alice.headers, timeout=30).status_code == 200
    api.stop("alice")
    assert not active_jobs("jhub-test-alice-default")


def test_pending_spawn_reports_reason_and_expected_start(api: HubAPI) -> None:
    """The demo cluster has one GPU: a second GPU server waits, and says why."""
    api.start("alice", {"partition": "gpu", "gpus": 1, "memory_gb": 1})
    try:
        r = api.spawn("bob", {"partition": "gpu", "gpus": 1, "memory_gb": 1})
        assert r.status_code == 202, r.text
        messages: list[str] = []
        deadline = time.monotonic() + 30
        for event in api.progress("bob", timeout=30):
            messages.append(event.get("message", ""))
            if "reason: Resources" in messages[-1] or time.monotonic() > deadline:
                break
        pending = [m for m in messages if "reason: Resources" in m]
        assert pending, messages
        assert "expected start" in pending[0]
        model = api.server("bob")
        assert model["ready"] is False
        # the job id is in the hub's state while the job waits, not only once it runs
        [queued] = active_jobs("jhub-test-bob-default")
        assert queued["state"] == "PENDING"
        assert model["state"]["job_id"] == queued["id"]
    finally:
        api.stop("alice")
    # the GPU is free again: bob's queued job starts and his server becomes ready
    api.wait_ready("bob", timeout=90)
    api.stop("bob")
    wait_for("no GPU jobs left", lambda: not active_jobs("jhub-test-bob-default"), 30)


def test_job_queued_when_the_hub_dies_is_cancelled_not_orphaned(
    api: HubAPI, hub_instance: demo.HubInstance
) -> None:
    """The job id is saved right after sbatch: a restarted hub finds and ends the job."""
    api.start("alice", {"partition": "gpu", "gpus": 1, "memory_gb": 1})
    try:
        r = api.spawn("bob", {"partition": "gpu", "gpus": 1, "memory_gb": 1})
        assert r.status_code == 202, r.text
        [queued] = wait_for(
            "bob's job in the queue", lambda: active_jobs("jhub-test-bob-default"), 30
        )
        assert queued["state"] == "PENDING"
        demo.stop_pid(hub_instance.path("hub.pid"), sig=signal.SIGKILL)
        demo.start_hub(hub_instance)
        wait_for(
            "the hub to cancel bob's queued job",
            lambda: not active_jobs("jhub-test-bob-default"),
            30,
        )
        wait_for("bob's server to be gone", lambda: api.server("bob") is None, 30)
        assert api.server("alice")["ready"]
    finally:
        api.stop("alice")
