"""Data-view costs: mount computation for a user with 1,000 proposals, and what bubblewrap
adds to a server start, measured with and without the wrapper in the same run.

Targets: mounts (access rule + mounts + both renderers) <= 50 ms; bubblewrap start-up
overhead <= 100 ms. Writes tests/benchmarks/results/mounts.json. Run as root.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "hub_config")]

from panhub import demo  # noqa: E402
from panhub.mounts import (  # noqa: E402
    Layout,
    SystemView,
    make_system_mounts,
    make_view,
    render_bwrap,
    render_kubespawner,
)
from panhub.proposals import Directory, Proposal, resolve_access  # noqa: E402

RESULTS = ROOT / "tests" / "benchmarks" / "results"
BENCH_ROOT = Path("/srv/panhub-bench/proposals")
USER = "alice"
VENV_PY = str(Path(sys.prefix) / "bin" / "python")


def make_directory(n_proposals: int, n_member: int) -> Directory:
    """``n_proposals`` proposals on 20 beamlines; USER is a member of ``n_member`` of them."""
    proposals = tuple(
        Proposal(
            f"P{i:06d}",
            f"BL{i % 20:02d}",
            frozenset({USER, f"user{i}"} if i < n_member else {f"user{i}"}),
        )
        for i in range(n_proposals)
    )
    return Directory(proposals, {f"BL{b:02d}": frozenset({f"staff{b}"}) for b in range(20)})


def time_mounts(directory: Directory, layout: Layout, repeat: int = 30) -> list[float]:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        access = resolve_access(USER, directory)
        mounts = make_view(USER, access.proposals, layout)
        render_bwrap(mounts, layout)
        render_kubespawner(mounts, layout)
        samples.append(time.perf_counter() - t0)
    system = len(make_system_mounts(SystemView()))
    assert len(mounts) == system + 2 * 1000 + 1  # the system, the home, 1,000 proposals
    return samples


def run_as_user(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(["sudo", "-u", USER, *argv], check=True, timeout=60, cwd="/")
    return time.perf_counter() - t0


def stats(samples: list[float]) -> dict[str, object]:
    return {
        "n": len(samples),
        "median_ms": round(1000 * statistics.median(samples), 2),
        "min_ms": round(1000 * min(samples), 2),
        "max_ms": round(1000 * max(samples), 2),
    }


def main() -> int:
    repeat = int(os.environ.get("PANHUB_BENCH_REPEAT", "15"))
    demo.ensure_demo_accounts()
    layout = Layout(root=str(BENCH_ROOT), view="/data")
    mount_samples = time_mounts(make_directory(10_000, 1000), layout)

    # folders for a real 1,000-proposal view (empty, world-readable: no data in them)
    for i in range(1000):
        for area in ("raw", "processed"):
            (BENCH_ROOT / f"P{i:06d}" / area).mkdir(parents=True, exist_ok=True)
    os.chmod(BENCH_ROOT.parent, 0o755)
    Path("/data").mkdir(exist_ok=True)
    few = render_bwrap(make_view(USER, ["P000000", "P000001"], layout), layout)
    many = render_bwrap(make_view(USER, [f"P{i:06d}" for i in range(1000)], layout), layout)
    cases = {
        "true": ["/bin/true"],
        "python_import_singleuser": [VENV_PY, "-c", "import jupyterhub.singleuser"],
    }
    runs: dict[str, dict[str, list[float]]] = {}
    for name, cmd in cases.items():
        runs[name] = {"plain": [], "bwrap_2_proposals": [], "bwrap_1000_proposals": []}
        run_as_user(cmd)  # warm the page cache
        for _ in range(repeat):  # interleaved, so noise hits all three alike
            runs[name]["plain"].append(run_as_user(cmd))
            runs[name]["bwrap_2_proposals"].append(run_as_user([*few, *cmd]))
            runs[name]["bwrap_1000_proposals"].append(run_as_user([*many, *cmd]))
    shutil.rmtree(BENCH_ROOT.parent)

    report: dict[str, object] = {
        "benchmark": "data view: mounts for 1,000 proposals; bubblewrap start-up overhead",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "mounts_1000_proposals": {**stats(mount_samples), "target_ms": 50},
        "startup": {},
    }
    for name, variants in runs.items():
        plain = statistics.median(variants["plain"])
        entry = {k: stats(v) for k, v in variants.items()}
        for k in ("bwrap_2_proposals", "bwrap_1000_proposals"):
            entry[f"overhead_{k}_ms"] = round(1000 * (statistics.median(variants[k]) - plain), 2)
        entry["target_overhead_ms"] = 100
        report["startup"][name] = entry  # type: ignore[index]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "mounts.json").write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"mounts for 1,000 proposals: median {report['mounts_1000_proposals']['median_ms']} ms (target <= 50)"
    )  # type: ignore[index]
    for name, entry in report["startup"].items():  # type: ignore[attr-defined]
        print(
            f"{name}: plain {entry['plain']['median_ms']} ms; bubblewrap adds "
            f"{entry['overhead_bwrap_2_proposals_ms']} ms (2 proposals), "
            f"{entry['overhead_bwrap_1000_proposals_ms']} ms (1,000 proposals); target <= 100"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
