"""Scale: scheduler calls, hub CPU and hub API latency with N servers, panhub against stock.

One hub at a time runs on the multi-node cluster (hub_config/demo/cluster.sh), first
panhub's (FacilitySlurmSpawner with its shared poll), then stock batchspawner's
(SlurmSpawner, one ``squeue`` per server and poll), each with the same poll interval,
its servers spread over alice, bob and carol as named servers. The servers are the
light ones of tests/support/tinyserver.py, started by each spawner's own job wrapper
(``panhub-singleuser``, ``batchspawner-singleuser``), so that N = 200 fits on 2 cores;
the hub does for them all it does for JupyterLab.

For each hub:

1. a **storm** of 50 simultaneous spawns: while it lasts (first request to the last
   server ready), a client asks ``GET /hub/api/users/alice`` every 50 ms through the
   proxy (keep-alive), and the latency's p95 is the figure (target <= 200 ms); the same
   client's 3 s before the storm give the idle figure;
2. N servers running idle (N = 50, then 10 after stopping 40, then 200 after spawning
   the rest in waves of 50), each for a window of 3 poll intervals (poll interval
   ``PANHUB_BENCH_POLL_INTERVAL``, 5 s; window ``PANHUB_BENCH_WINDOW``, 15 s), which
   starts once every server has had its first poll: the
   scheduler calls are slurmctld's own count (``sdiag``: RPCs by type and by user,
   reset at the window's start), of every user but root (slurmd's messages, this
   script's ``sdiag``); a *job query* is one ``REQUEST_JOB_INFO*`` RPC, which every
   ``squeue`` and ``scontrol show job`` makes once (with a partition and a federation
   query beside it). Target: about one job query per poll interval whatever N, against
   N per interval for stock. The hub's CPU over the window: its own process, and the
   commands it ran (sudo + squeue, as reaped children).

Stock batchspawner stops at N = 50 by default (``PANHUB_BENCH_STOCK_MAX``): its servers
start about 4 times slower than panhub's on 2 cores (each job runs ``--get-user-env``,
an ``srun`` step, and a wrapper that imports JupyterHub), so its 150 more would add
about 2 minutes to the run, and its calls are one per server and interval whatever N
(see 10 and 50). The spawn latency ratio is bench_spawn.py's (results/spawn.json).

The nodes' processes run with a low CPU weight (cluster.sh's cgroup panhub-nodes,
``PANHUB_CLUSTER_CPU_SHARES``, 64 of 1024; the report's ``node_cpu_weight``): on a real
cluster the nodes are other machines, and the hub's machine does not run the servers'
start-ups. Without it a storm's 50 start-ups saturate the 2 cores (a run queue of 75)
and every process, the hub included, waits its turn: the API's p95 was then about a
second for panhub, its stalls the hub's share of the CPU, not its work
(``PANHUB_CLUSTER_CPU_SHARES=0`` measures that way). The sudo, sbatch and squeue
commands the hub runs, slurmctld and the proxy are the hub machine's and compete as
they would there.

The cluster is restarted with room for 200 one-CPU servers (PANHUB_CLUSTER_NODE_CPUS,
PANHUB_CLUSTER_NODE_MEM_MB for cluster.sh), then put back as it was configured, and
stopped if it was not running. The script refuses to run while another hub or job uses
the cluster, or ports 8500, 8501 or 8581 are taken. Every job is cancelled, the hubs
stopped. Run as root: ``python tests/benchmarks/bench_scale.py``. Writes
tests/benchmarks/results/scale.json. ``PANHUB_BENCH_SIZES`` and ``PANHUB_BENCH_STORM``
set the numbers of servers (a smaller run to try it: ``3,6`` and ``6``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "hub_config")]

from panhub import demo  # noqa: E402

from tests.support import multinode as mn  # noqa: E402
from tests.support.cluster import ARTIFACTS  # noqa: E402
from tests.support.hub import HubAPI, admin_api, make_instance, make_state_dir  # noqa: E402
from tests.support.timings import stats  # noqa: E402

RESULTS = ROOT / "tests" / "benchmarks" / "results"
PORT_BASE = 8500  # public 8500, proxy API 8501, hub 8581
USERS = ("alice", "bob", "carol")
#: the numbers of servers measured, and the storm's spawns (a smaller run: "3,6" and 6)
SIZES = tuple(int(n) for n in os.environ.get("PANHUB_BENCH_SIZES", "10,50,200").split(","))
STORM = int(os.environ.get("PANHUB_BENCH_STORM", "50"))
WAVE = 50  # spawns in flight at most (JupyterHub refuses above concurrent_spawn_limit)
POLL_INTERVAL = int(os.environ.get("PANHUB_BENCH_POLL_INTERVAL", "5"))  # whole seconds
SAMPLE_EVERY = 0.05
TARGET_P95_MS = 200
#: room for 200 servers of 1 CPU and 1 GB on the two CPU nodes (configured, not real)
CLUSTER_ROOM = {"PANHUB_CLUSTER_NODE_CPUS": "110", "PANHUB_CLUSTER_NODE_MEM_MB": "115000"}
#: where the jobs find the light server: the data view shows /opt/panhub, not the checkout
TINY_DIR = demo.PREFIX / "bench"
HUBS = {
    "panhub": {"name": "scalep", "env": {}, "options": {"partition": "cpu", "cpus": 1,
                                                       "memory_gb": 1}},
    "stock": {"name": "scales", "env": {"PANHUB_SPAWNER": "stock"}, "options": {}},
}  # fmt: skip
JOB_QUERIES = ("REQUEST_JOB_INFO", "REQUEST_JOB_INFO_SINGLE", "REQUEST_JOB_USER_INFO")
SUBMITS = ("REQUEST_SUBMIT_BATCH_JOB",)
CANCELS = ("REQUEST_KILL_JOB", "REQUEST_CANCEL_JOB_STEP")
#: this script's own job queries so far (squeue as root), left out of the hub's count
OWN_QUERIES = {"squeue": 0}
STOCK_JOB_NAME = "spawner-jupyterhub"  # batchspawner's, the same for every job


# --------------------------------------------------------------------------- pure parts


@dataclass(frozen=True)
class RpcCounts:
    """slurmctld's RPC counts since its last reset (``sdiag``)."""

    by_type: dict[str, int]
    by_user: dict[str, int]


def parse_sdiag(text: str) -> RpcCounts:
    """The RPC counts of ``sdiag``'s output, by message type and by user.

    >>> out = '''Remote Procedure Call statistics by message type
    ...     REQUEST_JOB_INFO    ( 2003) count:7    ave_time:557    total_time:3899
    ...     REQUEST_FED_INFO    ( 2049) count:7    ave_time:464    total_time:3248
    ...
    ... Remote Procedure Call statistics by user
    ...     root    (       0) count:2    ave_time:478    total_time:956
    ...     slurm   (   64030) count:12   ave_time:585    total_time:7020
    ...
    ... Pending RPC statistics
    ...     No pending RPCs'''
    >>> parse_sdiag(out)
    RpcCounts(by_type={'REQUEST_JOB_INFO': 7, 'REQUEST_FED_INFO': 7}, by_user={'root': 2, 'slurm': 12})
    """
    sections: dict[str, dict[str, int]] = {"type": {}, "user": {}}
    current: dict[str, int] | None = None
    for line in text.splitlines():
        if line.startswith("Remote Procedure Call statistics by"):
            current = sections[line.split()[-1]]
        elif not line[:1].isspace():  # a section ends at the next unindented line
            current = None
        elif current is not None and "count:" in line:
            name = line.split()[0]
            current[name] = int(line.split("count:")[1].split()[0])
    return RpcCounts(sections["type"], sections["user"])


def count_calls(
    counts: RpcCounts, seconds: float, interval: float, own_queries: int = 0
) -> dict[str, Any]:
    """What the hub asked of slurmctld: every user's RPCs but root's, per minute and interval.

    Per type the counts are everyone's: root's are slurmd's messages, this script's
    ``sdiag`` and its ``own_queries`` job queries, which are left out.
    """
    rpcs = sum(n for user, n in counts.by_user.items() if user != "root")
    queries = sum(counts.by_type.get(t, 0) for t in JOB_QUERIES) - own_queries
    per_minute = 60.0 / seconds
    return {
        "window_s": round(seconds, 1),
        "job_queries": queries,
        "job_queries_per_minute": round(queries * per_minute, 2),
        "job_queries_per_interval": round(queries * interval / seconds, 2),
        "rpcs_per_minute": round(rpcs * per_minute, 2),
        "submits": sum(counts.by_type.get(t, 0) for t in SUBMITS),
        "cancels": sum(counts.by_type.get(t, 0) for t in CANCELS),
        "rpcs_by_type": dict(sorted(counts.by_type.items())),
        "rpcs_by_user": dict(sorted(counts.by_user.items())),
    }


def make_order(sizes: tuple[int, ...], storm: int) -> list[int]:
    """The numbers of servers to measure, in the order reached from a storm of ``storm``:
    the storm's own size first, then the smaller ones (stopping servers), then the larger.

    >>> make_order((10, 50, 200), 50)
    [50, 10, 200]
    >>> make_order((10, 50), 50)
    [50, 10]
    """
    smaller = sorted((n for n in sizes if n < storm), reverse=True)
    return [storm, *smaller, *sorted(n for n in sizes if n > storm)]


def make_servers(count: int, start: int = 0) -> list[tuple[str, str]]:
    """``count`` (user, server name) pairs, round-robin over the users.

    >>> make_servers(4, 1)
    [('bob', 's1'), ('carol', 's2'), ('alice', 's3'), ('bob', 's4')]
    """
    return [(USERS[i % len(USERS)], f"s{i}") for i in range(start, start + count)]


def read_cpu(stat: str) -> tuple[float, float]:
    """A process's CPU seconds from ``/proc/PID/stat``: its own, and its reaped children's."""
    fields = stat.rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


# --------------------------------------------------------------------------- measuring


@dataclass
class Sampler:
    """``GET /hub/api/users/alice`` every :data:`SAMPLE_EVERY` s, in a thread of its own."""

    api: HubAPI
    samples: list[float] = field(default_factory=list)
    #: when each sample was sent, in seconds from the start
    sent: list[float] = field(default_factory=list)
    errors: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def slowest(self, count: int = 5) -> list[tuple[float, float]]:
        """The ``count`` slowest samples: (seconds from the start, milliseconds)."""
        pairs = sorted(zip(self.samples, self.sent, strict=True), reverse=True)[:count]
        return [(round(t, 1), round(1000 * took)) for took, t in pairs]

    @contextlib.contextmanager
    def running(self) -> Iterator[Sampler]:
        self.samples, self.sent, self.errors = [], [], 0
        self._stop.clear()
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(timeout=30)

    def _run(self) -> None:
        with requests.Session() as session:
            session.headers.update(self.api.headers)
            url = f"{self.api.base}/hub/api/users/alice"
            start = time.perf_counter()
            while not self._stop.is_set():
                t0 = time.perf_counter()
                try:
                    ok = session.get(url, timeout=30).status_code == 200
                except requests.RequestException:
                    ok = False
                took = time.perf_counter() - t0
                if ok:
                    self.samples.append(took)
                    self.sent.append(t0 - start)
                else:
                    self.errors += 1
                self._stop.wait(max(0.0, SAMPLE_EVERY - took))


def hub_cpu(inst: demo.HubInstance) -> tuple[float, float]:
    pid = demo.read_pid(inst.path("hub.pid"))
    assert pid is not None, "the hub is not running"
    return read_cpu(Path(f"/proc/{pid}/stat").read_text())


def sdiag(*args: str) -> str:
    return mn.run(["sdiag", *args], timeout=20)


def measure_idle(inst: demo.HubInstance, seconds: float) -> dict[str, Any]:
    """Scheduler calls and hub CPU over ``seconds`` with the servers idle."""
    sdiag("-r")
    t0, cpu0 = time.monotonic(), hub_cpu(inst)
    time.sleep(seconds)
    counts, cpu1 = parse_sdiag(sdiag()), hub_cpu(inst)
    took = time.monotonic() - t0
    return {
        **count_calls(counts, took, POLL_INTERVAL),
        "hub_cpu_percent": round(100 * (cpu1[0] - cpu0[0]) / took, 2),
        "hub_commands_cpu_percent": round(100 * (cpu1[1] - cpu0[1]) / took, 2),
    }


# --------------------------------------------------------------------------- driving a hub


def servers_now(api: HubAPI) -> dict[tuple[str, str], dict[str, Any]]:
    """Every user's servers (active ones) as the hub lists them."""
    models = api.request("GET", "/users").json()
    return {(u["name"], s): m for u in models for s, m in u.get("servers", {}).items()}


def spawn(api: HubAPI, servers: list[tuple[str, str]], options: dict[str, Any]) -> int:
    """Ask for every server at once; return how many the hub refused."""

    def ask(server: tuple[str, str]) -> bool:
        user, name = server
        r = api.request("POST", f"/users/{user}/servers/{name}", json=options)
        if r.status_code not in (201, 202):
            print(f"  spawn {user}/{name} refused: {r.status_code} {r.text[:200]}", flush=True)
        return r.status_code in (201, 202)

    with ThreadPoolExecutor(len(servers) or 1) as pool:
        return sum(not ok for ok in pool.map(ask, servers))


def check_alone(own: str) -> None:
    """Stop the benchmark if anyone else uses the cluster now (their jobs, or a
    ``cluster.sh start`` that took the room away): it would spoil their work and ours.

    Raises
    ------
    RuntimeError
        Naming what was found.
    """
    OWN_QUERIES["squeue"] += 1  # a job query of root's, left out of the hub's count
    out = mn.run(["squeue", "-h", "-t", "PD,R,CG,CF", "-o", "%i %j %u"])
    foreign = [line for line in out.splitlines() if not line.split()[1].startswith(own)]
    cpus = mn.run(["sinfo", "-h", "-N", "-p", "cpu", "-o", "%c"]).split()
    if foreign or cpus != [CLUSTER_ROOM["PANHUB_CLUSTER_NODE_CPUS"]] * len(cpus):
        raise RuntimeError(
            f"the cluster is in use by others (jobs {foreign}, node CPUs {cpus}): stopping"
        )


def wait_ready(api: HubAPI, servers: list[tuple[str, str]], timeout: float, own: str) -> list[str]:
    """Wait until every server is ready or gone; return those that failed."""
    deadline = time.monotonic() + timeout
    for turn in itertools.count():
        if turn % 5 == 0:
            check_alone(own)
        now = servers_now(api)
        waiting = [s for s in servers if s in now and not now[s].get("ready")]
        if not waiting:
            return [f"{u}/{n}" for u, n in servers if (u, n) not in now]
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(waiting)} servers not ready after {timeout} s")
        time.sleep(1)
    raise AssertionError("unreachable")


def stop(api: HubAPI, servers: list[tuple[str, str]], timeout: float = 180) -> None:
    with ThreadPoolExecutor(min(len(servers), 50) or 1) as pool:
        list(pool.map(lambda s: api.request("DELETE", f"/users/{s[0]}/servers/{s[1]}"), servers))
    deadline = time.monotonic() + timeout
    while set(servers) & set(servers_now(api)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"servers not stopped after {timeout} s")
        time.sleep(0.5)


def grow(
    api: HubAPI, servers: list[tuple[str, str]], options: dict[str, Any], own: str
) -> list[str]:
    """Spawn ``servers`` in waves of :data:`WAVE`; return the failures."""
    failed = []
    for k in range(0, len(servers), WAVE):
        wave = servers[k : k + WAVE]
        spawn(api, wave, options)
        failed += wait_ready(api, wave, 600, own)
    return failed


def run_hub(kind: str, state: Path, tiny: Path, window: float, max_n: int) -> dict[str, Any]:
    """Storm, then N servers idle for each N, on one hub; every job cancelled after."""
    spec = HUBS[kind]
    inst = make_instance(
        str(spec["name"]),
        state / kind,
        PORT_BASE,
        {
            "SLURM_CONF": str(mn.CONF),
            "PANHUB_HUB_URL": f"http://0.0.0.0:{PORT_BASE + 81}",
            "PANHUB_HUB_CONNECT_URL": f"http://{mn.HOST_ADDRESS}:{PORT_BASE + 81}",
            "PANHUB_SERVER_IP": "0.0.0.0",
            "PANHUB_CATALOGUE": "0",
            "PANHUB_POLL_INTERVAL": str(POLL_INTERVAL),
            "PANHUB_SINGLEUSER_CMD": str(tiny),
            "PANHUB_NAMED_SERVER_LIMIT": "0",
            **spec["env"],  # type: ignore[dict-item]
        },
    )
    options: dict[str, Any] = spec["options"]  # type: ignore[assignment]
    own = f"jhub-{spec['name']}-" if kind == "panhub" else STOCK_JOB_NAME
    result: dict[str, Any] = {"idle": {}}
    running: list[tuple[str, str]] = []
    try:
        demo.start_proxy(inst)
        demo.start_hub(inst)
        api = admin_api(inst)
        for user in USERS:
            api.request("POST", f"/users/{user}")
        sampler = Sampler(api)
        with sampler.running():
            time.sleep(3)
        result["api_idle"] = stats(sampler.samples)

        order = [n for n in make_order(SIZES, STORM) if n <= max_n]
        storm = make_servers(STORM)
        named = STORM  # servers named so far (stopped ones keep their names)
        log(f"{kind}: storm of {STORM} spawns")
        sdiag("-r")
        t0, cpu0, own0 = time.monotonic(), hub_cpu(inst), OWN_QUERIES["squeue"]
        with sampler.running():
            refused = spawn(api, storm, options)
            failed = wait_ready(api, storm, 600, own)
        took, cpu1 = time.monotonic() - t0, hub_cpu(inst)
        own_queries = OWN_QUERIES["squeue"] - own0
        calls = count_calls(parse_sdiag(sdiag()), took, POLL_INTERVAL, own_queries)
        running = [s for s in storm if f"{s[0]}/{s[1]}" not in failed]
        result["storm"] = {
            "spawns": STORM,
            "refused": refused,
            "failed": failed,
            "all_ready_s": round(took, 1),
            "api": {**stats(sampler.samples), "errors": sampler.errors},
            "api_slowest_s_ms": sampler.slowest(),
            "target_p95_ms": TARGET_P95_MS,
            "meets_target": stats(sampler.samples)["p95_ms"] <= TARGET_P95_MS,
            "hub_cpu_percent": round(100 * (cpu1[0] - cpu0[0]) / took, 1),
            "hub_commands_cpu_percent": round(100 * (cpu1[1] - cpu0[1]) / took, 1),
            "scheduler_calls": calls,
        }
        log(f"{kind}: storm over in {took:.1f} s, API p95 {result['storm']['api']['p95_ms']} ms")
        for n in order:
            if n < len(running):
                stop(api, running[n:])
                running = running[:n]
            elif n > len(running):
                more = make_servers(n - len(running), start=named)
                named += len(more)
                failed = grow(api, more, options, own)
                running += [s for s in more if f"{s[0]}/{s[1]}" not in failed]
            # every server's first poll is over (it asks squeue anew for a job the last
            # answer did not include), and so are the last starts' and stops' own polls
            time.sleep(1.2 * POLL_INTERVAL)
            check_alone(own)
            log(f"{kind}: {len(running)} servers idle for {window:.0f} s")
            result["idle"][str(n)] = {"servers": len(running), **measure_idle(inst, window)}
            check_alone(own)  # nobody else's calls in the window
    finally:
        demo.stop(inst)
        cancel_jobs(own)
        if inst.path("hub.log").exists():
            shutil.copy(inst.path("hub.log"), ARTIFACTS / f"scale-{kind}-hub.log")
        for user in USERS:  # stock batchspawner writes its job logs into the home folder
            for job_log in Path(f"~{user}").expanduser().glob("jupyterhub_slurmspawner_*.log"):
                job_log.unlink()
    return result


def find_jobs(name: str) -> list[str]:
    """Jobs on the cluster whose name starts with ``name``, not yet ended."""
    out = mn.run(["squeue", "-h", "-t", "PD,R,CG,CF", "-o", "%i %j"])
    return [job for job, _, job_name in (line.partition(" ") for line in out.splitlines())
            if job_name.startswith(name)]  # fmt: skip


def cancel_jobs(name: str, timeout: float = 120) -> None:
    """Cancel the hub's jobs (by name) and wait until they have left their nodes."""
    mn.cancel(*find_jobs(name))
    deadline = time.monotonic() + timeout
    while find_jobs(name):
        if time.monotonic() > deadline:
            raise TimeoutError(f"jobs {name}* still on the cluster after {timeout} s")
        time.sleep(0.5)


# --------------------------------------------------------------------------- the cluster


def find_other_users() -> list[str]:
    """What else uses the multi-node cluster or this benchmark's ports: jobs, hubs, tests."""
    found = []
    if mn.is_running():
        found += [f"job {j}" for j in mn.run(["squeue", "-h", "-o", "%i %j %u"]).splitlines()]
    me = os.getpid()
    for pid in (int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me):
        with contextlib.suppress(OSError):
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            if runs_cluster_tests(argv.split()):
                found.append(f"process {pid}: {argv[:120]}")
            elif ("panhub-hub" in argv or "jupyterhub" in argv) and str(mn.CONF).encode() in Path(
                f"/proc/{pid}/environ"
            ).read_bytes():
                found.append(f"hub {pid} on the cluster")
    for port in (PORT_BASE, PORT_BASE + 1, PORT_BASE + 81):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                found.append(f"port {port} taken")
    return found


def runs_cluster_tests(argv: list[str]) -> bool:
    """Whether a command line runs the tests that use the multi-node cluster.

    >>> runs_cluster_tests(["pytest", "tests/integration/test_cluster_resilience.py::test_x"])
    True
    >>> runs_cluster_tests(["pytest", "tests/integration", "--deselect",
    ...                     "tests/integration/test_cluster_resilience.py"])
    False
    """
    modules = ("test_cluster_resilience.py", "test_multinode_cluster.py")
    excluding = {"--deselect", "--ignore", "--ignore-glob"}
    return any(
        word.split("::")[0].endswith(modules) and not word.startswith("-")
        for before, word in zip(["", *argv], argv, strict=False)
        if before not in excluding
    )


def start_cluster(extra: dict[str, str]) -> None:
    """``cluster.sh start`` with ``extra`` settings (it restarts the daemons if they change)."""
    env = {k: v for k, v in os.environ.items() if k not in CLUSTER_ROOM} | extra
    subprocess.run(["bash", str(mn.SCRIPT), "start"], env=env, check=True, timeout=180,
                   capture_output=True)  # fmt: skip


def stage_tiny_server() -> Path:
    """A world-readable copy of the light server where every job can run it."""
    TINY_DIR.mkdir(mode=0o755, exist_ok=True)
    target: Path = TINY_DIR / "tinyserver.py"
    shutil.copyfile(ROOT / "tests" / "support" / "tinyserver.py", target)
    target.chmod(0o755)
    return target


def read_node_cpu_weight() -> str:
    """The nodes' CPU weight as cluster.sh set it (v1 shares of 1024, v2 weight of 100)."""
    for path, unit in (("cpu/panhub-nodes/cpu.shares", 1024), ("panhub-nodes/cpu.weight", 100)):
        with contextlib.suppress(OSError):
            return f"{Path('/sys/fs/cgroup', path).read_text().strip()} of {unit}"
    return "none: the nodes compete with the hub for the CPU"


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def main() -> int:
    window = float(os.environ.get("PANHUB_BENCH_WINDOW", str(3 * POLL_INTERVAL)))
    stock_max = int(os.environ.get("PANHUB_BENCH_STOCK_MAX", "50"))
    others = find_other_users()
    if others:
        print("the multi-node cluster or the ports are in use:\n  " + "\n  ".join(others))
        return 1
    t_start = time.monotonic()
    was_running = mn.is_running()
    demo.ensure_demo_accounts()
    state = make_state_dir("scale")
    state.chmod(0o711)
    results: dict[str, Any] = {}
    try:
        log("cluster: room for 200 servers")
        start_cluster(CLUSTER_ROOM)
        tiny = stage_tiny_server()
        for kind, max_n in (("panhub", max(SIZES)), ("stock", stock_max)):
            results[kind] = run_hub(kind, state, tiny, window, max_n)
            # written after each hub: an interrupted run keeps what it measured
            report = make_report(results, window, stock_max, time.monotonic() - t_start)
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / "scale.json").write_text(json.dumps(report, indent=2) + "\n")
    finally:
        shutil.rmtree(TINY_DIR, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)
        log("cluster: as it was")
        start_cluster({})
        if not was_running:
            mn.stop()
    print(json.dumps(report["summary"], indent=2))
    return 0


def make_report(
    results: dict[str, Any], window: float, stock_max: int, seconds: float
) -> dict[str, Any]:
    """The JSON report: each hub's figures, and a summary beside the targets."""
    summary: dict[str, Any] = {}
    for kind, result in results.items():
        summary[kind] = {
            "job_queries_per_interval": {
                n: r["job_queries_per_interval"] for n, r in result["idle"].items()
            },
            "job_queries_per_minute": {
                n: r["job_queries_per_minute"] for n, r in result["idle"].items()
            },
            "hub_cpu_percent_idle": {
                n: round(r["hub_cpu_percent"] + r["hub_commands_cpu_percent"], 2)
                for n, r in result["idle"].items()
            },
            "storm_api_p95_ms": result["storm"]["api"]["p95_ms"],
            "storm_job_queries": result["storm"]["scheduler_calls"]["job_queries"],
            "storm_all_ready_s": result["storm"]["all_ready_s"],
        }
    return {
        "benchmark": "scale: scheduler calls, hub CPU and API latency with N light servers, "
        "panhub against stock batchspawner, multi-node cluster",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count()},
        "poll_interval_s": POLL_INTERVAL,
        "window_s": window,
        "sizes": list(SIZES),
        "stock_max_servers": stock_max,
        "targets": {
            "job_queries_per_interval": "about 1 whatever N (stock: N)",
            "storm_api_p95_ms": TARGET_P95_MS,
        },
        "spawn_latency_ratio": "bench_spawn.py, results/spawn.json (target <= 0.8)",
        "run_time_s": round(seconds),
        "node_cpu_weight": read_node_cpu_weight(),
        "summary": summary,
        **results,
    }


if __name__ == "__main__":
    sys.exit(main())
