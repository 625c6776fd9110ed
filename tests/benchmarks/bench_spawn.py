"""Spawn latency: panhub's FacilitySlurmSpawner against stock batchspawner.SlurmSpawner.

Two hubs run side by side on the same cluster, one per spawner, and spawns alternate
between them in pairs whose order alternates too (panhub, stock, stock, panhub, ...), so
that the machine's noise and any advantage of going first hit both alike. Latency is
measured as a client sees it: from ``POST /users/NAME/server`` until the REST API says
the server is ready. Writes tests/benchmarks/results/spawn.json.

On request, a third hub runs stock batchspawner with its jobs in a plain environment
(jupyterhub, batchspawner and jupyterlab as pip installs them) for a few spawns spread
over the run. That figure is far from any target, and bench_server_start.py measures
what it comes from (the server's start in each environment) at a fraction of the cost,
so CI leaves it out.

Run: ``make bench`` (or ``python tests/benchmarks/bench_spawn.py``), as root, with the
cluster up. ``PANHUB_BENCH_SPAWNS`` sets the number of pairs (default 12);
``PANHUB_BENCH_STOCK_ENV_SPAWNS`` the plain environment's spawns (default 0: no third
hub; 3 give its median to about ±15 %, from the spread of CI's earlier 12).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "hub_config")]

from panhub import demo  # noqa: E402

from tests.support.hub import (  # noqa: E402
    HubAPI,
    admin_api,
    make_instance,
    make_state_dir,
    wait_for,
)

RESULTS = ROOT / "tests" / "benchmarks" / "results"
TARGET_RATIO = 0.8
USER = "alice"


def spawn_once(api: HubAPI, kind: str) -> dict[str, float]:
    """One spawn and stop; return the request-to-ready and stop times in seconds."""
    t0 = time.perf_counter()
    r = api.spawn(USER)
    assert r.status_code in (201, 202), f"{kind}: {r.status_code} {r.text}"
    api.wait_ready(USER, timeout=120)
    ready = time.perf_counter() - t0
    t1 = time.perf_counter()
    api.stop(USER)
    stopped = time.perf_counter() - t1
    return {"ready": ready, "stop": stopped}


def summarize(samples: list[float]) -> dict[str, object]:
    ordered = sorted(samples)
    return {
        "n": len(samples),
        "median": round(statistics.median(samples), 3),
        "mean": round(statistics.fmean(samples), 3),
        "min": round(ordered[0], 3),
        "max": round(ordered[-1], 3),
        "p90": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 3),
        "samples": [round(s, 3) for s in samples],
    }


def make_schedule(count: int, extra: int) -> list[list[str]]:
    """The kinds to spawn in each round: a pair whose order alternates, and ``extra``
    spawns in the plain environment spread evenly over the rounds.

    >>> make_schedule(4, 2)
    [['panhub', 'stock', 'stock_env'], ['stock', 'panhub'], ['panhub', 'stock', 'stock_env'], ['stock', 'panhub']]
    """
    spread = {k * count // extra for k in range(extra)} if extra else set()
    rounds = []
    for i in range(count):
        pair = ["panhub", "stock"] if i % 2 == 0 else ["stock", "panhub"]
        rounds.append(pair + (["stock_env"] if i in spread else []))
    return rounds


def main() -> int:
    count = int(os.environ.get("PANHUB_BENCH_SPAWNS", "12"))
    extra = min(count, int(os.environ.get("PANHUB_BENCH_STOCK_ENV_SPAWNS", "0")))
    subprocess.run(
        ["bash", str(ROOT / "hub_config/demo/slurm.sh"), "start"], check=True, timeout=120
    )
    demo.ensure_demo_accounts()
    state = make_state_dir("bench")
    state.chmod(0o711)  # each hub below gets its own root:panhub 0750 folder
    stock_venv = ensure_stock_venv()
    # no catalogue service beside these hubs: its start-up would only add noise
    quiet = {"PANHUB_CATALOGUE": "0"}
    hubs = {
        "panhub": make_instance("benchp", state / "panhub", 8300, quiet),
        "stock": make_instance(
            "benchs", state / "stock", 8400, {**quiet, "PANHUB_SPAWNER": "stock"}
        ),
    }
    if extra:
        hubs["stock_env"] = make_instance(
            "benche",
            state / "stock_env",
            8500,
            {**quiet, "PANHUB_SPAWNER": "stock", "PANHUB_STOCK_VENV": str(stock_venv)},
        )
    timings: dict[str, dict[str, list[float]]] = {k: {"ready": [], "stop": []} for k in hubs}
    try:
        apis = {}
        for kind, inst in hubs.items():
            demo.start_proxy(inst)
            demo.start_hub(inst)
            apis[kind] = admin_api(inst)
            apis[kind].request("POST", f"/users/{USER}")
        for kind in hubs:  # warm-up: the first job after a hub start, the page cache
            spawn_once(apis[kind], kind)
            wait_until_idle()
        for i, kinds in enumerate(make_schedule(count, extra)):
            for kind in kinds:
                result = spawn_once(apis[kind], kind)
                for key, value in result.items():
                    timings[kind][key].append(value)
                print(
                    f"{kind:9s} spawn {i + 1:2d}: ready {result['ready']:.2f} s, stop {result['stop']:.2f} s",
                    flush=True,
                )
                wait_until_idle()
    finally:
        for inst in hubs.values():
            demo.stop(inst)
        demo.cancel_jobs("jhub-bench")
        for log in Path(f"~{USER}").expanduser().glob("jupyterhub_slurmspawner_*.log"):
            log.unlink()  # stock batchspawner writes its job logs into the home folder
    # the hubs' databases, tokens and logs: kept (root's alone) when the run failed
    shutil.rmtree(state, ignore_errors=True)
    report = make_report(timings, count, stock_venv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "spawn.json").write_text(json.dumps(report, indent=2) + "\n")
    p, s = report["panhub"]["ready"], report["stock_batchspawner"]["ready"]
    own = report.get("stock_batchspawner_own_environment", {}).get("ready", {})
    print(
        f"\nspawn latency (median of {count}): panhub {p['median']} s, stock batchspawner "
        f"{s['median']} s (same environment), {own.get('median', '-')} s (its own environment)"
    )
    print(
        f"ratio {report['ratio_median_ready']} (target <= {TARGET_RATIO}); median of pair "
        f"ratios {report['median_of_pair_ratios']}; vs stock in its own environment "
        f"{report.get('ratio_median_ready_vs_stock_in_its_own_environment', '-')}; "
        f"written to {RESULTS / 'spawn.json'}"
    )
    return 0


def wait_until_idle() -> None:
    """Each spawn starts on a quiet machine: no job, no process of the last server."""
    wait_for("the cluster to be idle", lambda: not _user_jobs(), 30)
    wait_for("the last server's processes to end", lambda: not _user_processes(), 30)


def make_report(
    timings: dict[str, dict[str, list[float]]], count: int, stock_venv: Path
) -> dict[str, Any]:
    """The JSON report: summaries, the ratio of medians, the median of pair ratios."""
    report: dict[str, Any] = {
        "benchmark": "spawn latency, POST /users/NAME/server to ready, same cluster, "
        "alternating pairs",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "pairs": count,
        "panhub": {k: summarize(v) for k, v in timings["panhub"].items()},
        "stock_batchspawner": {k: summarize(v) for k, v in timings["stock"].items()},
    }
    panhub = statistics.median(timings["panhub"]["ready"])
    if timings.get("stock_env", {}).get("ready"):
        report["stock_batchspawner_own_environment"] = {
            k: summarize(v) for k, v in timings["stock_env"].items()
        }
        report["stock_environment"] = (
            f"{stock_venv}: jupyterhub, batchspawner and jupyterlab as pip installs them, "
            "without panhub's environment changes"
        )
        report["ratio_median_ready_vs_stock_in_its_own_environment"] = round(
            panhub / statistics.median(timings["stock_env"]["ready"]), 3
        )
    ratio = panhub / statistics.median(timings["stock"]["ready"])
    report["ratio_median_ready"] = round(ratio, 3)
    # each panhub spawn against the stock spawn of its pair: robust to slow drifts in load
    pairs = [
        p / q for p, q in zip(timings["panhub"]["ready"], timings["stock"]["ready"], strict=True)
    ]
    report["median_of_pair_ratios"] = round(statistics.median(pairs), 3)
    report["target_ratio"] = TARGET_RATIO
    report["meets_target"] = ratio <= TARGET_RATIO
    return report


def ensure_stock_venv() -> Path:
    """A plain environment for the peer: what ``pip install`` gives a site today.

    Same versions of jupyterhub, batchspawner and jupyterlab as panhub's, built once
    (world-readable, from Debian's Python, as user jobs need).
    """
    venv = Path(sys.prefix).parent / "stock-venv"
    pins = " ".join(
        f"{name}=={version(name)}" for name in ("jupyterhub", "batchspawner", "jupyterlab")
    )
    stamp = venv / ".panhub-pins"
    if not stamp.exists() or stamp.read_text() != pins:
        subprocess.run(
            ["/usr/bin/python3", "-m", "venv", "--clear", str(venv)], check=True, timeout=300
        )
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", *pins.split()], check=True, timeout=1200
        )
        subprocess.run(["chmod", "-R", "a+rX", str(venv)], check=True, timeout=120)
        stamp.write_text(pins)
    return venv


def _user_processes() -> list[str]:
    out = subprocess.run(
        ["pgrep", "-u", USER], capture_output=True, text=True, check=False, timeout=10
    )
    return out.stdout.split()


def _user_jobs() -> list[str]:
    out = subprocess.run(
        ["squeue", "-h", "-u", USER, "-o", "%i"],
        capture_output=True,
        text=True,
        check=False,
        timeout=10,
    )
    return out.stdout.split()


if __name__ == "__main__":
    sys.exit(main())
