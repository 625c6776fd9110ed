"""Staff kernels for the integration tests: panhub's wheel, then ``panhub kernels build``.

The kernels are built into the real prefix (``/opt/panhub/kernels``, which the demo uses
too and every job's view shows) from the checkout's ``kernels/``; a build whose lock and
wheel did not change is skipped in seconds, so a second run costs nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

from panhub import demo
from panhub.kernels.build import find_generations
from panhub.kernels.prefix import Prefix

ROOT = Path(__file__).resolve().parents[2]
PREFIX = Path("/opt/panhub/kernels")


def kernel_id(name: str) -> str:
    """``<name>-<version>`` of the checkout's kernel ``name``."""
    with open(ROOT / "kernels" / name / "kernel.toml", "rb") as stream:
        return f"{name}-{tomllib.load(stream)['version']}"


def build_wheel(dest: Path) -> Path:
    """panhub's wheel from the checkout, as the demo builds it."""
    return demo.build_panhub_wheel(ROOT, dest)


def build_kernels(
    names: list[str], wheel: Path, timeout: float = 1200, source: Path | None = None
) -> str:
    """``panhub kernels build NAMES`` (from the checkout's ``kernels/`` or ``source``) into
    :data:`PREFIX`; its output (it must succeed)."""
    command = demo.kernels_build_command(ROOT, PREFIX, wheel, names, source)
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def panhub_kernels(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``panhub kernels ARGS --prefix PREFIX`` (e.g. ``retire``), as staff run it."""
    command = demo.kernels_command(*args, "--prefix", str(PREFIX))
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def remove_kernel(kernel: str) -> None:
    """Take ``<name>-<version>`` out of :data:`PREFIX` (its spec, link and environments)."""
    prefix = Prefix(PREFIX)
    shutil.rmtree(prefix.spec(kernel), ignore_errors=True)
    for env in find_generations(prefix, kernel):  # the current one and a kept previous one
        shutil.rmtree(env, ignore_errors=True)
    prefix.env(kernel).unlink(missing_ok=True)
