"""The same spawn, stop and restart with PostgreSQL as the hub database."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator

import pytest
import requests
from panhub import demo

from tests.support.hub import (
    HubAPI,
    active_jobs,
    admin_api,
    make_instance,
    make_state_dir,
    squeue,
)
from tests.support.postgres import drop_database, ensure_postgres, make_database, psql

pytestmark = pytest.mark.postgres
DB = f"panhub_hub_test_{os.getpid()}"  # one per run: two runs never drop each other's


@pytest.fixture(scope="module")
def pg_hub(accounts: tuple[str, ...]) -> Iterator[demo.HubInstance]:
    ensure_postgres()
    url = make_database(DB)
    inst = make_instance(
        "pg",
        make_state_dir("pg"),
        8200,
        {"PANHUB_DB_URL": url, "PANHUB_POLL_INTERVAL": "3"},
    )
    demo.start_proxy(inst)
    demo.start_hub(inst)
    yield inst
    try:
        admin_api(inst).stop("alice")
    finally:
        demo.stop(inst)
        demo.cancel_jobs("jhub-pg-")
        drop_database(DB)
        shutil.rmtree(inst.state_dir, ignore_errors=True)


def test_spawn_stop_and_restart_on_postgres(pg_hub: demo.HubInstance) -> None:
    api: HubAPI = admin_api(pg_hub)
    model = api.start("alice", {"cpus": 1, "memory_gb": 1})
    job_id = model["state"]["job_id"]
    [job] = squeue(job_id=job_id)
    assert (job["name"], job["user"], job["state"]) == ("jhub-pg-alice-default", "alice", "RUNNING")
    # the hub's state really lives in PostgreSQL
    assert job_id in psql(
        "SELECT state FROM spawners WHERE state::text LIKE '%job_id%'", database=DB
    )

    demo.stop_pid(pg_hub.path("hub.pid"), sig=signal.SIGKILL)
    demo.start_hub(pg_hub)
    assert api.wait_ready("alice", timeout=60)["state"]["job_id"] == job_id
    alice = api.as_user("alice")
    assert (
        requests.get(
            f"{api.base}/user/alice/api/status", headers=alice.headers, timeout=30
        ).status_code
        == 200
    )

    api.stop("alice")
    assert not active_jobs("jhub-pg-alice-default")
