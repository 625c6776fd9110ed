"""``panhub kernels check``: does every installed kernel work?

For each kernelspec in the prefix: its shape (argv with ``{connection_file}``), its
interpreter (exists, is the lock's Python ``X.Y``), its files (the lock it was built from,
nothing writable by others), its modules (one subprocess imports the lock's top-level
packages, each timed), and a real start: a kernel started through jupyter_client runs
``1+1`` and answers ``2``. The start is timed to the first executed cell, apart from the
imports (a technique library such as larch takes seconds and is not part of a start).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from panhub.kernels.kernelspec import find_spec_problems
from panhub.kernels.prefix import Installed, Prefix

_PROBE = """
import importlib, json, sys, time
out = {"python": "%d.%d" % sys.version_info[:2], "seconds": {}, "errors": {}}
for name in sys.argv[1:]:
    start = time.perf_counter()
    try:
        importlib.import_module(name)
    except BaseException as exc:
        out["errors"][name] = "%s: %s" % (type(exc).__name__, exc)
    else:
        out["seconds"][name] = time.perf_counter() - start
print(json.dumps(out))
"""


@dataclass
class CheckResult:
    """What ``check`` found for one kernel; it works when ``problems`` is empty."""

    kernel_id: str
    problems: list[str] = field(default_factory=list)
    import_seconds: dict[str, float] = field(default_factory=dict)
    start_seconds: float | None = None


def _is_writable_by_others(path: Path) -> bool:
    mode = path.lstat().st_mode
    return not stat.S_ISLNK(mode) and bool(mode & (stat.S_IWGRP | stat.S_IWOTH))


def find_file_problems(installed: Installed, python: Path) -> list[str]:
    """The lock the environment records is the spec's; no spec file is writable by others."""
    problems = []
    lock = python.parent.parent / "share" / "panhub-kernel" / "requirements.lock"
    want = installed.panhub.get("lock_sha256")
    try:
        have = hashlib.sha256(lock.read_bytes()).hexdigest()
    except OSError:
        problems.append(f"the environment has no record of its lock ({lock})")
    else:
        if have != want:
            problems.append(f"the environment's lock {have[:12]} is not the spec's {want}")
    for path in (installed.folder, *installed.folder.iterdir(), python.parent.parent):
        if _is_writable_by_others(path):
            problems.append(f"{path} is writable by group or others")
    return problems


def probe_imports(python: Path, modules: list[str], timeout: float) -> dict[str, Any]:
    """Import ``modules`` in one fresh ``python -I``; their times, errors and ``X.Y``."""
    with tempfile.TemporaryDirectory() as cwd:
        done = subprocess.run(
            [str(python), "-I", "-c", _PROBE, *modules],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
        )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
        raise RuntimeError(f"the import probe exited with {done.returncode}: {tail}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_cell(kernel_id: str, kernels_dir: Path, timeout: float) -> float:
    """Start ``kernel_id`` from ``kernels_dir`` only, run ``1+1``; seconds to the answer.

    Raises
    ------
    RuntimeError
        The kernel did not start, did not answer in ``timeout`` s, or answered wrong.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    specs = KernelSpecManager(kernel_dirs=[str(kernels_dir)], ensure_native_kernel=False)
    manager = KernelManager(kernel_name=kernel_id, kernel_spec_manager=specs)
    results: list[str] = []

    def keep(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "execute_result":
            results.append(msg["content"]["data"].get("text/plain", ""))

    with tempfile.TemporaryFile("w+") as log:
        start = time.perf_counter()
        manager.start_kernel(stdout=log, stderr=log)
        client = manager.blocking_client()
        try:
            client.start_channels()
            client.wait_for_ready(timeout=timeout)
            reply = client.execute_interactive("1+1", timeout=timeout, output_hook=keep)
            seconds = time.perf_counter() - start
            if reply["content"]["status"] != "ok" or results != ["2"]:
                raise RuntimeError(f"1+1 gave {results or reply['content']}")
            return seconds
        except Exception as exc:
            log.seek(0)
            tail = " | ".join(log.read().strip().splitlines()[-5:])
            raise RuntimeError(f"{type(exc).__name__}: {exc}; kernel said: {tail}") from exc
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)


def check_kernel(installed: Installed, prefix: Prefix, timeout: float) -> CheckResult:
    """Every check of one installed kernelspec (see the module's docstring)."""
    result = CheckResult(installed.kernel_id)
    result.problems += find_spec_problems(installed.spec)
    if result.problems:
        return result
    python = Path(installed.spec["argv"][0])
    if not os.access(python, os.X_OK):
        result.problems.append(f"interpreter {python} is missing")
        return result
    result.problems += find_file_problems(installed, python)
    modules = [str(m) for m in installed.panhub.get("imports", [])]
    modules += ["panhub_nexus", "panhub_catalogue"]
    try:
        probe = probe_imports(python, modules, timeout)
    except (OSError, RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
        result.problems.append(f"imports: {exc}")
        return result
    want = installed.panhub.get("python")
    if probe["python"] != want:
        result.problems.append(f"interpreter {python} is Python {probe['python']}, not {want}")
    result.problems += [f"import {m}: {e}" for m, e in probe["errors"].items()]
    result.import_seconds = probe["seconds"]
    try:
        result.start_seconds = run_cell(installed.kernel_id, prefix.kernels, timeout)
    except Exception as exc:  # any failure of a kernel start is this kernel's problem
        result.problems.append(f"start: {exc}")
    return result
