"""Issue 19 on the multi-node cluster: servers across nodes, and the faults they survive.

A hub of this module's own (``multi``: public port 8300, hub 8381, job names
``jhub-multi-...``) runs its servers on the three-node cluster of
``hub_config/demo/cluster.sh`` (cpu1, cpu2, gpu1 in network namespaces): the hub listens
on every address and the servers reach it at the bridge's 10.77.0.1, as compute nodes
reach a hub; the proxy reaches each server at the node SLURM placed it on. The hub is
``panhub-hub`` with its reconciler every 5 s and a poll every 3 s. What is checked:

- servers land on every node, a user runs a CPU and a GPU server at once (named
  servers, each its own job with its own choices), each answers through the proxy;
- SIGKILL of the hub with 10 spawns queued and 5 servers running across the nodes:
  after its restart every job is adopted or cancelled, none orphaned, every running
  server still answers;
- slurmctld restarted during a storm of spawns, and squeue failing for 60 s: no running
  server removed;
- a node that fails: its servers are removed and their users told why, the others are
  untouched; back up, new servers land on it;
- a job cancelled outside the hub, and a job at its time limit, are noticed within one
  poll interval of their end;
- a spawn the form refuses leaves no job.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from panhub import demo

from tests.support import multinode as mn
from tests.support.cluster import GROUP_PREFIX, PROPOSALS_ROOT
from tests.support.hub import (
    HubAPI,
    admin_api,
    login_session,
    make_instance,
    make_state_dir,
    running_hub,
    wait_for,
)

PREFIX = "jhub-multi-"
POLL_INTERVAL = 3
CPU = {"partition": "cpu", "cpus": 1, "memory_gb": 1}
GPU = {"partition": "gpu", "gpus": 1, "cpus": 1, "memory_gb": 1}
USERS = ("alice", "bob", "carol")
#: carol's server with a 1-minute time limit, started first, checked last: its job's end
#: comes while the other tests run; the tests' clean-up leaves it alone
WALLTIME = "walltime"


# ---- the world


@pytest.fixture(scope="module")
def multi(accounts: tuple[str, ...], proposals_file: Path) -> Iterator[demo.HubInstance]:
    """The module's hub on the multi-node cluster; stopped, its jobs cancelled, after."""
    with mn.running():
        state = make_state_dir("multi")
        inst = make_instance(
            "multi",
            state,
            8300,
            {
                "SLURM_CONF": str(mn.CONF),
                "PANHUB_HUB_URL": "http://0.0.0.0:8381",
                "PANHUB_HUB_CONNECT_URL": f"http://{mn.HOST_ADDRESS}:8381",
                "PANHUB_SERVER_IP": "0.0.0.0",
                "PANHUB_CATALOGUE": "0",
                "PANHUB_POLL_INTERVAL": str(POLL_INTERVAL),
                "PANHUB_RECONCILE_INTERVAL": "5",
                "PANHUB_NAMED_SERVER_LIMIT": "6",
                "PANHUB_PROPOSALS_FILE": str(proposals_file),
                "PANHUB_PROPOSALS_ROOT": str(PROPOSALS_ROOT),
                "PANHUB_GROUP_PREFIX": GROUP_PREFIX,
            },
        )
        try:
            with running_hub(inst, lambda: mn.cancel(*(j["id"] for j in jobs()))):
                yield inst
        finally:
            shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def hub(multi: demo.HubInstance) -> Iterator[HubAPI]:
    """The hub's admin API; every server stopped after the test, every node back up."""
    api = admin_api(multi)
    yield api
    mn.start()  # nodes a test took down come back
    for user in USERS:
        for server in list(api.user(user).get("servers", {})):
            if server != WALLTIME:
                api.stop(user, server, timeout=90)
        every = api.request("GET", f"/users/{user}?include_stopped_servers=1").json()
        for server in every.get("servers", {}):
            if server and server != WALLTIME:  # stopped named servers count in the limit
                api.request("DELETE", f"/users/{user}/servers/{server}", json={"remove": True})
    walltime = f"{PREFIX}carol-{WALLTIME}"
    wait_for(
        "no job of the hub left", lambda: not [j for j in active() if j["name"] != walltime], 60
    )


def jobs() -> list[dict[str, str]]:
    """The hub's jobs on the cluster (every state squeue still knows)."""
    out = mn.run(["squeue", "-h", "-t", "all", "-o", "%i|%j|%T|%N|%r"])
    keys = ("id", "name", "state", "node", "reason")
    rows = [dict(zip(keys, line.split("|"), strict=True)) for line in out.splitlines() if line]
    return [r for r in rows if r["name"].startswith(PREFIX)]


def active(state: str = "") -> list[dict[str, str]]:
    """The hub's jobs that are pending or running (or only those in ``state``)."""
    wanted = {state} if state else {"PENDING", "RUNNING", "CONFIGURING"}
    return [j for j in jobs() if j["state"] in wanted]


def job_of(model: dict[str, object]) -> dict[str, str]:
    """The job of a server's model, as squeue lists it."""
    job_id = model["state"]["job_id"]  # type: ignore[index]
    return next(j for j in jobs() if j["id"] == job_id)


def answers(api: HubAPI, user: str, server: str = "") -> bool:
    """The server answers its owner through the proxy."""
    path = f"/user/{user}/{server}/api/status" if server else f"/user/{user}/api/status"
    try:
        r = requests.get(api.base + path, headers=api.as_user(user).headers, timeout=10)
    except requests.RequestException:
        return False
    return r.status_code == 200


def spawn_all(api: HubAPI, servers: list[tuple[str, str, dict[str, object]]]) -> None:
    """Ask for every server at once, each request in its own thread: the hub answers a
    spawn after it is ready or after ``slow_spawn_timeout`` (10 s), so one after the
    other, 10 queued spawns took 100 s."""
    with ThreadPoolExecutor(len(servers)) as pool:
        answers = pool.map(lambda s: api.spawn(s[0], dict(s[2]), s[1]), servers)
        for (user, server, _), r in zip(servers, answers, strict=True):
            assert r.status_code in (201, 202), (user, server, r.text)


def ready_all(api: HubAPI, servers: list[tuple[str, str, dict[str, object]]]) -> None:
    for user, server, _ in servers:
        api.wait_ready(user, server, timeout=180)


@dataclass
class ShortJob:
    """carol's server with a 1-minute time limit, watched from a thread: when it went."""

    job_id: str
    removed: float = 0.0  # time.time() when the hub first had it no more


@pytest.fixture(scope="module")
def short_job(multi: demo.HubInstance) -> Iterator[ShortJob]:
    api = admin_api(multi)
    model = api.start("carol", {**CPU, "runtime": "0:01"}, WALLTIME)
    short = ShortJob(str(model["state"]["job_id"]))
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.5):
            try:
                if api.server("carol", WALLTIME) is None:
                    short.removed = time.time()
                    return
            except requests.RequestException:
                continue  # the hub is down for a moment (SIGKILL test)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    yield short
    done.set()
    thread.join(5)


# ---- the tests


def test_servers_land_on_every_node_and_a_user_runs_cpu_and_gpu_at_once(
    hub: HubAPI, short_job: ShortJob
) -> None:
    servers = [("alice", "", CPU), ("alice", "gpu", GPU), ("bob", "", CPU)]
    spawn_all(hub, servers)
    ready_all(hub, servers)
    nodes = {(u, s): job_of(hub.server(u, s))["node"] for u, s, _ in servers}  # type: ignore[arg-type]
    assert nodes[("alice", "gpu")] == "gpu1"
    short = next(j for j in jobs() if j["id"] == short_job.job_id)["node"]
    # spread over both CPU nodes (LLN), carol's short server counted
    assert {nodes[("alice", "")], nodes[("bob", "")], short} == {"cpu1", "cpu2"}
    alice = hub.user("alice")["servers"]
    assert alice[""]["state"]["job_id"] != alice["gpu"]["state"]["job_id"]  # two jobs
    assert alice["gpu"]["user_options"]["partition"] == "gpu"
    assert alice[""]["user_options"]["partition"] == "cpu"
    for user, server, _ in servers:
        assert answers(hub, user, server), (user, server)


def test_hub_sigkill_with_spawns_queued_and_servers_running(
    hub: HubAPI, multi: demo.HubInstance, short_job: ShortJob
) -> None:
    """5 servers run (4 CPU on cpu1/cpu2, 1 GPU on gpu1); 10 GPU spawns wait for the one
    GPU. SIGKILL the hub, start it again: the 5 are adopted, the 10 jobs cancelled."""
    running = [(u, "", CPU) for u in USERS] + [("alice", "c2", CPU), ("bob", "gpu", GPU)]
    spawn_all(hub, running)
    ready_all(hub, running)
    # named servers: at most 4 a user (the hub's limit), c2 and gpu taken above
    queued = [
        (u, f"q{k}", GPU)
        for u, n in (("alice", 3), ("bob", 3), ("carol", 4))
        for k in range(1, n + 1)
    ]
    assert len(queued) == 10
    spawn_all(hub, queued)
    wait_for("10 queued jobs", lambda: len(active("PENDING")) == 10, 60)
    short = f"{PREFIX}carol-{WALLTIME}"  # carol's short server: not part of this
    before = {j["id"] for j in active("RUNNING") if j["name"] != short}
    assert len(before) == 5

    demo.stop_pid(multi.path("hub.pid"), sig=signal.SIGKILL)
    demo.start_hub(multi)

    wait_for("the queued jobs cancelled", lambda: not active("PENDING"), 60)
    for user, server, _ in running:
        model = hub.wait_ready(user, server, timeout=60)
        assert model["state"]["job_id"] in before
        assert answers(hub, user, server), (user, server)
    for user, server, _ in queued:
        assert hub.server(user, server) is None, (user, server)
    time.sleep(2 * 5)  # two reconciler passes: nothing else is cancelled or left
    assert {j["id"] for j in active() if j["name"] != short} == before  # none orphaned or lost


def test_slurmctld_restart_in_a_spawn_storm_and_60_s_without_squeue(hub: HubAPI) -> None:
    kept = [("alice", "", CPU), ("bob", "", CPU)]
    spawn_all(hub, kept)
    ready_all(hub, kept)
    jobs_before = {job_of(hub.server(u, s))["id"] for u, s, _ in kept}  # type: ignore[arg-type]

    # a storm of spawns, and slurmctld killed and started again in its middle
    storm = [("carol", "", CPU), ("carol", "s1", CPU), ("alice", "s1", CPU), ("bob", "s1", CPU)]
    spawn_all(hub, storm)
    slurmctld = int((mn.RUN / "slurmctld.pid").read_text())
    os.kill(slurmctld, signal.SIGKILL)
    time.sleep(POLL_INTERVAL * 2)
    mn.start()
    for user, server, _ in storm:
        # each spawn ends as a server, or as a clear failure that left no job
        wait_for(f"{user}/{server} settled", lambda u=user, s=server: settled(hub, u, s), 180)
    for user, server, _ in kept:
        assert hub.server(user, server)["ready"] and answers(hub, user, server)

    # squeue fails for 60 s (slurmctld stopped): the hub keeps every server
    slurmctld = int((mn.RUN / "slurmctld.pid").read_text())
    os.kill(slurmctld, signal.SIGTERM)
    try:
        wait_for("slurmctld gone", lambda: not mn.is_running(), 30)
        assert (
            subprocess.run(
                ["timeout", "20", "squeue"], env=mn.slurm_env(), capture_output=True, check=False
            ).returncode
            != 0
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for user, server, _ in kept:
                model = hub.server(user, server)
                assert model is not None and model["ready"], (user, server)
            time.sleep(POLL_INTERVAL)
    finally:
        mn.start()
    for user, server, _ in kept:
        assert answers(hub, user, server), (user, server)
    assert jobs_before <= {j["id"] for j in active("RUNNING")}


def settled(api: HubAPI, user: str, server: str) -> bool:
    """The spawn is over: ready, or gone with no job of that name left."""
    model = api.server(user, server)
    if model is not None:
        return bool(model.get("ready"))
    name = f"{PREFIX}{user}-{server or 'default'}"
    return not [j for j in active() if j["name"] == name]


def test_a_failed_node_is_reported_the_others_untouched_and_it_is_used_again(
    hub: HubAPI,
) -> None:
    servers = [("alice", "", CPU), ("bob", "", CPU), ("carol", "", GPU)]
    spawn_all(hub, servers)
    ready_all(hub, servers)
    placed = {job_of(hub.server(u, s))["node"]: (u, s) for u, s, _ in servers}  # type: ignore[arg-type]
    assert set(placed) == {"cpu1", "cpu2", "gpu1"}
    victim = placed["cpu2"]
    mn.node_down("cpu2", "crash")
    wait_for("the hub to remove the failed node's server",
             lambda: hub.server(*victim) is None, mn.DOWN_WITHIN + 3 * POLL_INTERVAL)  # fmt: skip
    page = login_session(hub.base, victim[0]).get(f"{hub.base}/hub/home", timeout=30).text
    assert "its node failed" in page and "cpu2" in page
    for user, server, _ in servers:
        if (user, server) != victim:
            assert hub.server(user, server)["ready"] and answers(hub, user, server)
    mn.node_up("cpu2")
    hub.start(victim[0], dict(CPU), victim[1])
    assert job_of(hub.server(*victim))["node"] == "cpu2"  # type: ignore[arg-type]
    assert answers(hub, *victim)


def test_an_external_scancel_is_noticed_within_one_poll_interval(hub: HubAPI) -> None:
    model = hub.start("bob", dict(CPU))
    job_id = model["state"]["job_id"]
    mn.cancel(job_id)
    started = time.monotonic()
    wait_for("the hub to notice", lambda: hub.server("bob") is None, 4 * POLL_INTERVAL)
    took = time.monotonic() - started
    assert took <= POLL_INTERVAL + 1.5, took  # one interval, and squeue's own time


def test_a_refused_spawn_leaves_no_job(hub: HubAPI) -> None:
    r = hub.spawn("carol", {"partition": "cpu", "cpus": 999, "memory_gb": 1})
    assert r.status_code == 400 and "cpus" in r.text.lower(), r.text
    r = hub.spawn("carol", {"partition": "cpu", "gpus": 1, "memory_gb": 1})
    assert r.status_code == 400, r.text
    assert hub.server("carol") is None
    assert not active()


def test_the_time_limit_is_noticed_within_one_poll_interval(
    hub: HubAPI, short_job: ShortJob
) -> None:
    """Last: carol's 1-minute server (started first) ended at its time limit meanwhile."""
    wait_for("the short server removed", lambda: short_job.removed, 120)
    [line] = mn.run(["scontrol", "-o", "show", "job", short_job.job_id]).splitlines()
    fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
    assert fields["JobState"] == "TIMEOUT", fields["JobState"]
    ended = time.mktime(time.strptime(fields["EndTime"], "%Y-%m-%dT%H:%M:%S"))
    took = short_job.removed - ended
    assert took <= POLL_INTERVAL + 2, took  # EndTime has whole seconds, the watch 0.5 s
    page = login_session(hub.base, "carol").get(f"{hub.base}/hub/home", timeout=30).text
    assert "time limit" in page
