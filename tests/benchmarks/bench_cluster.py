"""What the multi-node cluster (hub_config/demo/cluster.sh) costs beside the one-node one.

Measured: the multi-node cluster's start from stopped (its network, slurmctld and three
slurmd until every node is usable), its daemons' CPU use while idle and their memory,
and the job start latency (``sbatch`` to ``RUNNING``, polled every 50 ms) on it, with
and without ``-w``, against slurm.sh's one-node cluster in the same run, interleaved,
each job on a free node. SLURM 22.05 starts a batch job at its next scheduling pass
(main scheduler or backfill, each once a second here), never at submission, so the
latency is spread over 0-1 s on either cluster; jobs go in at random moments. The one-node cluster is only used (a few trivial jobs); the
multi-node one is left as found (running or not).

Targets: start <= 5 s; idle CPU of all its daemons <= 1 % of a core; job start latency
within 0.2 s of the one-node cluster's. Writes tests/benchmarks/results/cluster.json.
Run as root.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "hub_config")]

from tests.support import multinode as mn  # noqa: E402
from tests.support.timings import stats  # noqa: E402

RESULTS = ROOT / "tests" / "benchmarks" / "results"


def daemon_pids(one_node: bool = False) -> dict[str, int]:
    """The SLURM daemons of a cluster by role (the multi-node one, or slurm.sh's)."""
    if one_node:
        files = {"slurmctld": Path("/run/slurmctld.pid"), "slurmd": Path("/run/slurmd.pid")}
    else:
        files = {"slurmctld": mn.RUN / "slurmctld.pid"}
        files |= {f"slurmd-{n.name}": mn.RUN / f"slurmd-{n.name}.pid" for n in mn.NODES}
    return {role: int(path.read_text().strip()) for role, path in files.items()}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """A process's resident memory in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def measure_idle(pids: dict[str, int], seconds: float) -> dict[str, float]:
    """Per-daemon CPU use over ``seconds`` of idling, in percent of one core."""
    before = {role: cpu_seconds(pid) for role, pid in pids.items()}
    time.sleep(seconds)
    return {
        role: round(100 * (cpu_seconds(pid) - before[role]) / seconds, 3)
        for role, pid in pids.items()
    }


def time_job_start(conf: Path, node: mn.Node | None = None, interval: float = 0.05) -> float:
    """Seconds from ``sbatch`` to ``RUNNING`` of a trivial job (squeue every ``interval`` s).

    The job is cancelled afterwards, and waited for until its node has finished with
    it, so that the next one finds the node free: SLURM starts a job at submission when
    it can, else at its next scheduling pass (every second here), and a node that is
    still COMPLETING a job defers it to that pass.
    """
    t0 = time.monotonic()
    where = {"node": node.name, "partition": node.partition} if node else {}
    job_id = mn.submit("#!/bin/bash\nsleep 2\n", conf=conf, name="bench-cluster", **where)
    try:
        while True:
            state = mn.run(["squeue", "-h", "-j", job_id, "-o", "%T"], conf=conf).strip()
            if state in {"RUNNING", "COMPLETING", "COMPLETED", ""}:
                return time.monotonic() - t0
            if time.monotonic() - t0 > 60:
                raise TimeoutError(f"job {job_id} not running after 60 s: {state}")
            time.sleep(interval)
    finally:
        mn.cancel(job_id, conf=conf)
        mn.wait_for(f"job {job_id} to leave its node", lambda: mn.is_gone(job_id, conf), 30)


def main() -> int:
    samples = int(os.environ.get("PANHUB_BENCH_REPEAT", "20"))
    idle_seconds = float(os.environ.get("PANHUB_BENCH_IDLE_SECONDS", "30"))
    was_running = mn.is_running()
    if was_running:
        mn.stop()
    startup = []
    for _ in range(5):
        t0 = time.monotonic()
        mn.start()
        startup.append(time.monotonic() - t0)
        mn.stop()
    mn.start()
    try:
        time.sleep(5)  # registrations and the first pings settle
        multi, one = daemon_pids(), daemon_pids(one_node=True)
        idle = measure_idle({**multi, **{f"one-node {k}": v for k, v in one.items()}}, idle_seconds)
        latency: dict[str, list[float]] = {"multi_node_w": [], "multi_node": [], "one_node": []}
        phase = random.Random(19)
        for i in range(samples):  # interleaved: the machine's load hits all three alike
            for key, conf, node in (
                ("multi_node_w", mn.CONF, mn.NODES[i % len(mn.NODES)]),
                ("multi_node", mn.CONF, None),
                ("one_node", mn.ONE_NODE_CONF, None),
            ):
                # SLURM starts batch jobs at its passes, once a second, not at submission:
                # submitting at a random moment samples the whole wait, not one phase of it
                time.sleep(phase.random())
                latency[key].append(time_job_start(conf, node))
        memory = {role: rss_mb(pid) for role, pid in multi.items()}
    finally:
        if not was_running:
            mn.stop()
    multi_idle = round(sum(v for k, v in idle.items() if not k.startswith("one-node")), 3)
    one_median = statistics.median(latency["one_node"])
    report = {
        "benchmark": "multi-node SLURM cluster (3 nodes in network namespaces) vs one-node",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "startup": {**stats(startup), "target_ms": 5000},
        "idle_cpu_percent": {**idle, "multi_node_total": multi_idle, "target_total": 1.0},
        "rss_mb": memory,
        "job_start": {
            **{k: stats(v) for k, v in latency.items()},
            "multi_node_minus_one_node_ms": round(
                1000 * (statistics.median(latency["multi_node"]) - one_median), 1
            ),
            "target_difference_ms": 200,
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cluster.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
