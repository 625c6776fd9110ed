"""Build one kernel into the prefix: venv, uv install from the lock, kernelspec, publish.

Everything happens in a private folder under ``<prefix>/.build`` and becomes visible in
two renames at the end: the environment, then the kernelspec (users only see a kernel
through its kernelspec). ``<prefix>/envs/<id>`` is a symbolic link to the environment's
real folder ``<prefix>/envs/.<id>.<key>``, so an "update" (a new panhub wheel) swaps the
link atomically and a running kernel's path never changes. A failing step raises
:class:`BuildError` naming the kernel and the step, and leaves nothing behind.

Environments are made from Debian's interpreter (``python -m venv --without-pip``),
marked relocatable (uv then writes entry points that find their interpreter through
their own path), filled by ``uv pip install --require-hashes -r requirements.lock`` and
``--compile-bytecode`` (users cannot write ``__pycache__`` in the prefix, so compiling
here keeps every import fast), then panhub's wheel with ``--no-deps``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from panhub.kernels.kernelspec import is_retired, make_kernelspec, make_retired
from panhub.kernels.plan import Step
from panhub.kernels.prefix import Prefix, find_installed, make_public, write_json

#: the steps of one build, in order, as progress reports them
STEPS = ("venv", "install", "panhub", "relocate", "kernelspec", "publish")

Progress = Callable[[str, str], None]
"""Called with ``(kernel id, step)`` as each step starts."""


class BuildError(RuntimeError):
    """A kernel that could not be built; the message names the kernel and the step."""

    def __init__(self, kernel_id: str, step: str, message: str) -> None:
        self.kernel_id = kernel_id
        self.step = step
        super().__init__(f"kernel {kernel_id}, step {step}: {message}")


@dataclass(frozen=True)
class Tools:
    """What a build runs: the base interpreter, uv, its cache and panhub's wheel."""

    python: Path
    uv: Path
    panhub_wheel: Path
    uv_cache_dir: str = ""
    timeout: float = 1800.0

    def uv_args(self) -> list[str]:
        """``uv`` and the options every call gets."""
        cache = ["--cache-dir", self.uv_cache_dir] if self.uv_cache_dir else []
        return [str(self.uv), *cache]


def get_python_version(python: Path) -> str:
    """``X.Y`` of an interpreter, e.g. ``'3.11'``.

    Raises
    ------
    OSError, subprocess.SubprocessError
        The interpreter is missing or fails.
    """
    code = "import sys; print('%d.%d' % sys.version_info[:2])"
    out = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return out.stdout.strip()


def get_sha256(path: Path) -> str:
    """SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: parts of panhub's wheel that no kernel imports: the kernels' own definitions, the
#: template notebooks and the Lab extension (a change there rebuilds no kernel)
WHEEL_DATA_UNUSED = ("share/panhub/", "share/jupyter/labextensions/", "etc/jupyter/")
#: metadata that changes with them: RECORD lists every file's hash, METADATA holds the
#: README (kernels install the wheel without its dependencies)
WHEEL_META_UNUSED = (".dist-info/RECORD", ".dist-info/METADATA")


def get_wheel_digest(path: Path) -> str:
    """SHA-256 of what a kernel takes from panhub's wheel: every member's name and
    content, except :data:`WHEEL_DATA_UNUSED` and :data:`WHEEL_META_UNUSED`.

    Editing a template, one kernel's ``kernel.toml`` or the README changes the wheel
    but not this.
    """
    digest = hashlib.sha256()
    with zipfile.ZipFile(path) as wheel:
        for name in sorted(wheel.namelist()):
            _, data, rest = name.partition(".data/data/")
            if (data and rest.startswith(WHEEL_DATA_UNUSED)) or name.endswith(WHEEL_META_UNUSED):
                continue
            digest.update(f"{name}\0{hashlib.sha256(wheel.read(name)).hexdigest()}\n".encode())
    return digest.hexdigest()


@contextlib.contextmanager
def lock_prefix(prefix: Prefix) -> Iterator[None]:
    """Hold the prefix's build lock; stale build folders of a killed build are removed."""
    prefix.build.mkdir(parents=True, exist_ok=True)
    prefix.build.chmod(0o700)
    with (prefix.build / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError("*", "lock", f"another build is running in {prefix.root}") from None
        for stale in prefix.build.iterdir():
            if stale.name != ".lock":
                shutil.rmtree(stale, ignore_errors=True)
        yield


def _run(kernel_id: str, step: str, command: Sequence[str | Path], timeout: float) -> None:
    args = [str(c) for c in command]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise BuildError(kernel_id, step, f"{args[0]} not found") from None
    except subprocess.TimeoutExpired:
        raise BuildError(kernel_id, step, f"{args[0]} took more than {timeout:.0f} s") from None
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        name = Path(args[0]).name
        raise BuildError(kernel_id, step, f"{name} exited with {done.returncode}:\n{tail}")


def _relocate(env: Path, final: Path, kernel_id: str) -> None:
    """Point the venv's text files at ``final``; fail if anything still names ``env``."""
    old, new = str(env), str(final)
    for path in [env / "pyvenv.cfg", *sorted((env / "bin").iterdir())]:
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        if old.encode() in data:
            path.write_bytes(data.replace(old.encode(), new.encode()))
    left = [
        p.name for p in (env / "bin").iterdir() if p.is_file() and old.encode() in p.read_bytes()
    ]
    if left:
        raise BuildError(kernel_id, "relocate", f"still naming the build folder: {left}")


def _make_env(step: Step, env: Path, final: Path, tools: Tools, progress: Progress) -> None:
    kernel = step.kernel
    kid = kernel.kernel_id
    python = env / "bin" / "python"
    progress(kid, "venv")
    _run(kid, "venv", [tools.python, "-m", "venv", "--without-pip", env], tools.timeout)
    with (env / "pyvenv.cfg").open("a") as cfg:
        cfg.write("relocatable = true\n")
    progress(kid, "install")
    install: list[str | Path] = [*tools.uv_args(), "pip", "install", "--python", python]
    install.append("--compile-bytecode")
    _run(kid, "install", [*install, "--require-hashes", "-r", kernel.lock_path], tools.timeout)
    progress(kid, "panhub")
    _run(kid, "panhub", [*install, "--no-deps", tools.panhub_wheel], tools.timeout)
    progress(kid, "relocate")
    record = env / "share" / "panhub-kernel"
    record.mkdir(parents=True)
    for name in ("kernel.toml", "requirements.in", "requirements.lock"):
        shutil.copy2(kernel.folder / name, record / name)
    _relocate(env, final, kid)


def _make_spec(step: Step, spec_dir: Path, link: Path, built: str) -> dict[str, Any]:
    kernel = step.kernel
    spec_dir.mkdir()
    spec = make_kernelspec(kernel, link, step.build_key, built)
    write_json(spec_dir / "kernel.json", spec)
    for logo in kernel.logos:
        shutil.copy2(kernel.folder / logo, spec_dir / logo)
    return spec


def _publish(step: Step, prefix: Prefix, env: Path, spec_dir: Path, spec: dict[str, Any]) -> None:
    """Move the environment, then the kernelspec, into place; swap both on an update."""
    kid = step.kernel.kernel_id
    link = prefix.env(kid)
    real = prefix.envs / f".{kid}.{step.build_key[:12]}"
    if real.exists():
        shutil.rmtree(real)  # an orphan of a build killed between the two renames
    prefix.envs.mkdir(parents=True, exist_ok=True)
    prefix.kernels.mkdir(parents=True, exist_ok=True)
    for folder in (prefix.root, prefix.envs, prefix.jupyter.parent, prefix.jupyter):
        folder.chmod(0o755)
    prefix.kernels.chmod(0o755)
    previous = link.resolve() if link.is_symlink() else None
    env.rename(real)
    tmp_link = prefix.build / f"{kid}.link"
    tmp_link.symlink_to(real.name)
    os.replace(tmp_link, link)
    old = find_installed(prefix).get(kid)
    if old is None:
        spec_dir.rename(prefix.spec(kid))
    else:
        if is_retired(old.spec):  # an update keeps a retired version retired
            write_json(spec_dir / "kernel.json", make_retired(spec))
        # each file atomically, kernel.json last (the logos are ready when it is read)
        for item in sorted(spec_dir.iterdir(), key=lambda p: p.name == "kernel.json"):
            os.replace(item, old.folder / item.name)
    # the environment just replaced stays, so that kernels running on it (on any node)
    # go on; older ones go
    for orphan in find_generations(prefix, kid):
        if orphan not in (real, previous):
            shutil.rmtree(orphan, ignore_errors=True)


def find_generations(prefix: Prefix, kernel_id: str) -> list[Path]:
    """The environments built for ``kernel_id`` (``.<id>.<12 hex digits>``), and no other
    kernel's (``.base-2026.12.1.<key>`` is not a generation of ``base-2026.12``)."""
    pattern = re.compile(rf"\.{re.escape(kernel_id)}\.[0-9a-f]{{12}}")
    if not prefix.envs.is_dir():
        return []
    return sorted(p for p in prefix.envs.iterdir() if pattern.fullmatch(p.name))


def build_kernel(step: Step, prefix: Prefix, tools: Tools, progress: Progress, built: str) -> None:
    """Build ``step.kernel`` into ``prefix`` (hold :func:`lock_prefix` around calls).

    Raises
    ------
    BuildError
        A failing step; nothing of this build is left in the prefix.
    """
    kid = step.kernel.kernel_id
    work = Path(tempfile.mkdtemp(dir=prefix.build, prefix=f"{kid}."))
    real = prefix.envs / f".{kid}.{step.build_key[:12]}"
    published = False
    try:
        env, spec_dir = work / "env", work / "spec"
        _make_env(step, env, prefix.env(kid), tools, progress)
        progress(kid, "kernelspec")
        spec = _make_spec(step, spec_dir, prefix.env(kid), built)
        make_public(env)
        make_public(spec_dir)
        progress(kid, "publish")
        try:
            _publish(step, prefix, env, spec_dir, spec)
        except OSError as exc:
            raise BuildError(kid, "publish", str(exc)) from exc
        published = True
    except OSError as exc:
        raise BuildError(kid, "files", str(exc)) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not published and step.action == "build":
            _remove_partial(prefix, kid, real)


def respec_kernel(step: Step, prefix: Prefix) -> None:
    """Rewrite the kernelspec of an unchanged environment from new metadata (atomic per
    file, ``built`` and ``retired`` kept).

    Raises
    ------
    BuildError
        The kernelspec could not be written.
    """
    kid = step.kernel.kernel_id
    work = Path(tempfile.mkdtemp(dir=prefix.build, prefix=f"{kid}."))
    try:
        old = find_installed(prefix)[kid]
        spec = _make_spec(step, work / "spec", prefix.env(kid), str(old.panhub.get("built", "")))
        if is_retired(old.spec):
            write_json(work / "spec" / "kernel.json", make_retired(spec))
        make_public(work / "spec")
        for item in sorted((work / "spec").iterdir(), key=lambda p: p.name == "kernel.json"):
            os.replace(item, old.folder / item.name)
    except (OSError, KeyError) as exc:
        raise BuildError(kid, "kernelspec", str(exc)) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _remove_partial(prefix: Prefix, kid: str, real: Path) -> None:
    """Undo a first build that failed while publishing: no env, no spec, no link."""
    link = prefix.env(kid)
    if link.is_symlink() and os.readlink(link) == real.name:
        link.unlink()
    shutil.rmtree(real, ignore_errors=True)
    if prefix.spec(kid).is_dir() and not (prefix.spec(kid) / "kernel.json").exists():
        shutil.rmtree(prefix.spec(kid), ignore_errors=True)
