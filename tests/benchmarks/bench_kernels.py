"""Staff kernels: every kernel built from nothing, an unchanged rebuild, start to first cell.

Run from the repository root, as root::

    /opt/panhub/venv/bin/python tests/benchmarks/bench_kernels.py

Into a new, empty prefix (``/var/tmp/panhub-bench-kernels-<pid>``, removed at the end),
``panhub kernels build`` builds every kernel of ``kernels/`` from nothing (panhub's wheel
first, as the demo does; uv's download cache is whatever this machine has, and the JSON
says how big it was), then builds again with nothing changed. Then, per kernel: the time
from starting it with jupyter_client to the answer of its first cell (``1+1``, median of
``PANHUB_BENCH_STARTS`` = 3 starts), the import time of its technique libraries apart (a
fresh interpreter, as ``panhub kernels check`` does), and its size on disk, alone and
all together (hard links from uv's cache counted once).

Peers, in the same run:

* ``pip_saxs``: the stock way to make the SAXS environment, ``/usr/bin/python3 -m venv``
  then ``pip install --require-hashes -r kernels/saxs/requirements.lock`` (the same lock,
  the same index), against panhub's build of that kernel in the from-nothing run;
* ``lab_python3``: the Lab's own ``python3`` kernel (the venv the servers run from),
  started and asked ``1+1`` in the same rounds as the staff kernels.

With ``PANHUB_BENCH_KERNELS_FULL=0`` (CI: the from-nothing build is minutes no cache
can save, and issue 15 is settled), the build from nothing and the pip peer are left out:
the unchanged rebuild and the starts are measured on the installed prefix
(``$PANHUB_PREFIX/kernels``, which ``make demo`` and the tests build), and the JSON says so.

Targets (issue 15): every kernel from nothing ≤ 15 minutes; an unchanged rebuild ≤ 10 s;
a start to the first executed cell ≤ 2 s. Writes tests/benchmarks/results/kernels.json.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "hub_config")]

from panhub import demo  # noqa: E402
from panhub.kernels.check import probe_imports, run_cell  # noqa: E402
from panhub.kernels.prefix import Prefix, find_installed, get_size  # noqa: E402

RESULTS = ROOT / "tests" / "benchmarks" / "results" / "kernels.json"
TARGETS = {"from_nothing_s": 900, "unchanged_rebuild_s": 10, "start_to_first_cell_s": 2}
STARTS = int(os.environ.get("PANHUB_BENCH_STARTS", "3"))
FULL = os.environ.get("PANHUB_BENCH_KERNELS_FULL", "1") == "1"
INSTALLED = Path(os.environ.get("PANHUB_PREFIX", "/opt/panhub")) / "kernels"
UV_CACHE = Path.home() / ".cache" / "uv"
BUILT = re.compile(r"\] (\S+): built in ([0-9.]+) s")


def timed(command: list[str], timeout: float, **kwargs: Any) -> tuple[float, str]:
    """Run ``command`` (it must succeed); its wall time and output."""
    start = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{command[:3]} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return seconds, done.stdout + done.stderr


def build_all(prefix: Path, wheel: Path) -> dict[str, Any]:
    """From nothing, then unchanged: wall times and each kernel's own build time."""
    command = demo.kernels_build_command(ROOT, prefix, wheel)
    first, log = timed(command, timeout=3600)
    again, _ = timed(command, timeout=600)
    return {
        "from_nothing_s": round(first, 1),
        "per_kernel_s": {m[1]: float(m[2]) for m in BUILT.finditer(log)},
        "unchanged_rebuild_s": round(again, 2),
    }


def rebuild_installed(wheel: Path) -> dict[str, Any]:
    """The installed prefix brought up to date (seconds when the tests built it from
    this checkout), then built again unchanged; no build from nothing."""
    command = demo.kernels_build_command(ROOT, INSTALLED, wheel)
    first, _ = timed(command, timeout=3600)
    again, _ = timed(command, timeout=600)
    return {
        "from_nothing_s": None,
        "update_installed_s": round(first, 1),
        "per_kernel_s": {},
        "unchanged_rebuild_s": round(again, 2),
    }


def build_with_pip(work: Path) -> float:
    """The stock way: a venv and pip with the SAXS kernel's lock; seconds."""
    env = work / "pip-saxs"
    lock = ROOT / "kernels" / "saxs" / "requirements.lock"
    start = time.perf_counter()
    timed(["/usr/bin/python3", "-m", "venv", str(env)], timeout=300)
    pip = [str(env / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
    timed([*pip, "--require-hashes", "--no-deps", "-r", str(lock)], timeout=3600)
    return time.perf_counter() - start


def measure_starts(prefix: Prefix, lab_kernels: Path) -> dict[str, list[float]]:
    """Start-to-first-cell times, round robin over the staff kernels and the Lab's own."""
    kernels = sorted(find_installed(prefix))
    samples: dict[str, list[float]] = {k: [] for k in [*kernels, "lab_python3"]}
    for _ in range(STARTS):
        for kernel_id in kernels:
            samples[kernel_id].append(run_cell(kernel_id, prefix.kernels, timeout=120))
        samples["lab_python3"].append(run_cell("python3", lab_kernels, timeout=120))
    return samples


def make_lab_kernel(work: Path) -> Path:
    """A kernels folder with the Lab venv's ``python3`` kernel (what servers run from)."""
    folder = work / "lab-kernels" / "python3"
    folder.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec))
    return folder.parent


def describe(prefix: Prefix, starts: dict[str, list[float]]) -> dict[str, Any]:
    """Per kernel: start median, imports of its technique libraries, size on disk."""
    kernels: dict[str, Any] = {}
    for kernel_id, installed in sorted(find_installed(prefix).items()):
        python = Path(installed.spec["argv"][0])
        modules = [str(m) for m in installed.panhub.get("imports", [])]
        probe = probe_imports(python, modules, timeout=300) if modules else {"seconds": {}}
        kernels[kernel_id] = {
            "start_to_first_cell_s": round(statistics.median(starts[kernel_id]), 3),
            "starts_s": [round(s, 3) for s in starts[kernel_id]],
            "technique_imports_s": {m: round(s, 2) for m, s in probe["seconds"].items()},
            "size_mb": round(get_size(python.parent.parent.resolve()) / 1e6),
        }
    return kernels


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix=f"panhub-bench-kernels-{os.getpid()}-", dir="/var/tmp"))
    try:
        prefix_path = work / "prefix" if FULL else INSTALLED
        cache_mb = round(get_size(UV_CACHE) / 1e6) if UV_CACHE.exists() else 0
        wheel = demo.build_panhub_wheel(ROOT, work / "dist")
        builds = build_all(prefix_path, wheel) if FULL else rebuild_installed(wheel)
        prefix = Prefix(prefix_path)
        pip_saxs = build_with_pip(work) if FULL else None
        starts = measure_starts(prefix, make_lab_kernel(work))
        kernels = describe(prefix, starts)
        alone = sum(k["size_mb"] for k in kernels.values())
        together = round(get_size(prefix.envs) / 1e6)
        saxs = next((k for k in builds["per_kernel_s"] if k.startswith("saxs-")), None)
        slowest = max(k["start_to_first_cell_s"] for k in kernels.values())
        lab = statistics.median(starts["lab_python3"])
        saxs_s = builds["per_kernel_s"].get(saxs) if saxs else None
        report = {
            "targets": TARGETS,
            "uv_cache_mb_before": cache_mb,
            **builds,
            "kernels": kernels,
            "size_mb_each_alone": alone,
            "size_mb_all_together": together,
            "full": FULL,
            "peers": {
                "pip_saxs_s": round(pip_saxs, 1) if pip_saxs else None,
                "panhub_saxs_s": saxs_s,
                "lab_python3_start_s": round(lab, 3),
            },
            "ratios": {
                "saxs_build_panhub_over_pip": round(saxs_s / pip_saxs, 3)
                if saxs_s and pip_saxs
                else None,
                "slowest_start_over_lab_python3": round(slowest / lab, 3),
            },
            "met": {
                "from_nothing": builds["from_nothing_s"] is None
                or builds["from_nothing_s"] <= TARGETS["from_nothing_s"],
                "unchanged_rebuild": builds["unchanged_rebuild_s"]
                <= TARGETS["unchanged_rebuild_s"],
                "start_to_first_cell": slowest <= TARGETS["start_to_first_cell_s"],
            },
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: report[k] for k in ("from_nothing_s", "unchanged_rebuild_s")}))
    for kernel_id, k in kernels.items():
        print(f"{kernel_id:22} start {k['start_to_first_cell_s']:.2f} s  "
              f"imports {k['technique_imports_s']}  {k['size_mb']} MB")  # fmt: skip
    print(json.dumps({"peers": report["peers"], "ratios": report["ratios"]}))
    print(f"sizes: {alone} MB each alone, {together} MB together; wrote {RESULTS}")
    if not all(report["met"].values()):
        print(f"targets missed: {report['met']}")


if __name__ == "__main__":
    main()
