"""What the ``panhub kernels`` subcommands do; the command line only parses and prints."""

from __future__ import annotations

import datetime
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from panhub.kernels.build import (
    BuildError,
    Progress,
    build_kernel,
    get_python_version,
    get_wheel_digest,
    lock_prefix,
    respec_kernel,
)
from panhub.kernels.check import CheckResult, check_kernel
from panhub.kernels.config import Kernels
from panhub.kernels.kernelspec import is_retired
from panhub.kernels.plan import Step, make_plan
from panhub.kernels.prefix import find_installed, get_size
from panhub.kernels.prefix import retire as retire_in
from panhub.kernels.spec import KernelSource, SpecError, find_folders, find_kernels, read_python


def select_kernels(settings: Kernels, names: Sequence[str]) -> list[KernelSource]:
    """The kernels named (all when ``names`` is empty), base first.

    Raises
    ------
    SpecError
        An invalid kernel folder, or a name no source holds.
    """
    kernels = find_kernels(settings.get_sources())
    unknown = [n for n in names if n not in kernels]
    if unknown:
        sources = ", ".join(settings.sources)
        raise SpecError(f"kernel {unknown[0]}: no such kernel in {sources}")
    chosen = list(names) or sorted(kernels, key=lambda n: (n != "base", n))
    return [kernels[n] for n in dict.fromkeys(chosen)]


def plan_build(settings: Kernels, names: Sequence[str]) -> list[Step]:
    """The plan of ``panhub kernels build NAMES``.

    Raises
    ------
    SpecError
        An invalid kernel or an unknown name.
    BuildError
        No panhub wheel, no base interpreter, or a kernel whose version would change.
    """
    kernels = select_kernels(settings, names)
    tools = settings.make_tools()
    if not settings.panhub_wheel or not tools.panhub_wheel.is_file():
        raise BuildError(
            "*", "plan", f"panhub wheel {settings.panhub_wheel!r} is not a file: pass "
            "--panhub-wheel or set c.Kernels.panhub_wheel (pip wheel --no-deps -w dist .)"
        )  # fmt: skip
    try:
        python = get_python_version(tools.python)
    except (OSError, subprocess.SubprocessError) as exc:
        raise BuildError("*", "plan", f"interpreter {tools.python} does not run: {exc}") from exc
    installed = {k: i.panhub for k, i in find_installed(settings.get_prefix()).items()}
    steps = make_plan(kernels, installed, python, get_wheel_digest(tools.panhub_wheel))
    for step in steps:
        if step.action == "clash":
            raise BuildError(step.kernel.kernel_id, "plan", step.reason)
    return steps


def build(settings: Kernels, steps: Sequence[Step], progress: Progress) -> list[BuildError]:
    """Carry out a plan: every kernel is tried; the errors of those that failed."""
    prefix = settings.get_prefix()
    tools = settings.make_tools()
    errors = []
    with lock_prefix(prefix):
        for step in steps:
            if step.action == "skip":
                progress(step.kernel.kernel_id, "skip")
                continue
            if step.action == "respec":
                try:
                    respec_kernel(step, prefix)
                except BuildError as exc:
                    errors.append(exc)
                else:
                    progress(step.kernel.kernel_id, "respec")
                continue
            built = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
            try:
                build_kernel(step, prefix, tools, progress, built)
            except BuildError as exc:
                errors.append(exc)
            else:
                progress(step.kernel.kernel_id, "done")
    return errors


@dataclass(frozen=True)
class Row:
    """One installed kernel as ``panhub kernels list`` shows it."""

    name: str
    version: str
    technique: str
    size_bytes: int
    built: str
    retired: bool


def list_kernels(settings: Kernels) -> list[Row]:
    """Every installed kernel of the prefix, with its environment's size on disk."""
    prefix = settings.get_prefix()
    rows = []
    for kernel_id, installed in find_installed(prefix).items():
        meta = installed.panhub
        env = prefix.env(kernel_id).resolve()
        rows.append(
            Row(
                name=str(meta.get("name", kernel_id)),
                version=str(meta.get("version", "")),
                technique=str(meta.get("technique_label", "")),
                size_bytes=get_size(env) if env.is_dir() else 0,
                built=str(meta.get("built", "")),
                retired=is_retired(installed.spec),
            )
        )
    return rows


def retire(settings: Kernels, name: str, version: str) -> None:
    """Hide ``<name>-<version>`` from the Launcher; notebooks naming it still start.

    Raises
    ------
    PrefixError
        No such kernel installed.
    """
    retire_in(settings.get_prefix(), name, version)


def check(settings: Kernels, out: TextIO | None = None) -> list[CheckResult]:
    """Check every installed kernel, printing one line each as it finishes."""
    prefix = settings.get_prefix()
    results = []
    for installed in find_installed(prefix).values():
        result = check_kernel(installed, prefix, settings.check_timeout)
        results.append(result)
        print(describe_check(result), file=out or sys.stdout, flush=True)
    return results


def describe_check(result: CheckResult) -> str:
    """``ok saxs-2026.12: start to first cell 0.9 s; imports 1.2 s (slowest pyFAI 0.6 s)``."""
    if result.problems:
        return f"BROKEN {result.kernel_id}: " + "; ".join(result.problems)
    seconds = result.import_seconds
    slowest = max(seconds, key=seconds.__getitem__) if seconds else "-"
    return (
        f"ok {result.kernel_id}: start to first cell {result.start_seconds or 0:.1f} s; "
        f"{len(seconds)} imports {sum(seconds.values()):.1f} s "
        f"(slowest {slowest} {seconds.get(slowest, 0):.1f} s)"
    )


def lock(
    settings: Kernels, names: Sequence[str], upgrade: bool = False, out: TextIO | None = None
) -> None:
    """Make ``requirements.lock`` of each kernel named from its ``requirements.in``.

    uv keeps the versions an existing lock pins unless ``requirements.in`` asks for
    others; ``upgrade`` takes the newest versions of everything.

    Raises
    ------
    BuildError
        uv failed (the message names the kernel and uv's last lines).
    """
    folders = find_folders(settings.get_sources())
    for name in names or sorted(folders):
        folder = folders.get(name)
        if folder is None:
            raise SpecError(f"kernel {name}: no such kernel in {', '.join(settings.sources)}")
        python = read_python(folder)
        started = time.perf_counter()
        command = [
            *settings.make_tools().uv_args(), "pip", "compile", "--quiet", "--generate-hashes",
            "--python-version", python, "--python", settings.python,
            "--custom-compile-command", f"panhub kernels lock {name}",
            f"{name}/requirements.in", "-o", f"{name}/requirements.lock",
            *(["--upgrade"] if upgrade else []),
        ]  # fmt: skip
        done = subprocess.run(command, cwd=folder.parent, capture_output=True, text=True)
        if done.returncode != 0:
            raise BuildError(name, "lock", done.stderr.strip()[-2000:])
        print(f"locked {name} ({time.perf_counter() - started:.1f} s)", file=out or sys.stdout)
