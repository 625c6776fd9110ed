"""The shared kernel prefix on disk: its layout, what is installed, retiring.

::

    <prefix>/envs/<name>-<version>/                      the environment (a venv)
    <prefix>/share/jupyter/kernels/<name>-<version>/     kernel.json + logo
    <prefix>/.build/                                     builds in progress (0700)

Users' servers get ``JUPYTER_PATH=<prefix>/share/jupyter``: every node that mounts the
prefix sees the same kernels, and a folder on ``JUPYTER_PATH`` comes before the user's
``~/.local/share/jupyter``, so a user's own kernelspec cannot shadow a staff one.
Everything is 0755/0644 and owned by the builder (root): users read, never write.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from panhub.kernels.kernelspec import get_panhub_metadata, make_retired


class PrefixError(ValueError):
    """A request about the prefix that cannot be honoured (e.g. an unknown kernel)."""


@dataclass(frozen=True)
class Prefix:
    """Paths of a kernel prefix."""

    root: Path

    @property
    def envs(self) -> Path:
        """Where environments live, one folder per ``<name>-<version>``."""
        return self.root / "envs"

    @property
    def jupyter(self) -> Path:
        """The data folder users' servers get on ``JUPYTER_PATH``."""
        return self.root / "share" / "jupyter"

    @property
    def kernels(self) -> Path:
        """The kernelspecs' folder."""
        return self.jupyter / "kernels"

    @property
    def build(self) -> Path:
        """Builds in progress: private, so nothing half-built is visible."""
        return self.root / ".build"

    def env(self, kernel_id: str) -> Path:
        """The environment of ``kernel_id``."""
        return self.envs / kernel_id

    def spec(self, kernel_id: str) -> Path:
        """The kernelspec folder of ``kernel_id``."""
        return self.kernels / kernel_id


@dataclass(frozen=True)
class Installed:
    """A kernelspec found in the prefix."""

    kernel_id: str
    folder: Path
    spec: dict[str, Any]

    @property
    def panhub(self) -> dict[str, Any]:
        """Its ``metadata.panhub`` (empty for a spec panhub did not write)."""
        return get_panhub_metadata(self.spec)


def find_installed(prefix: Prefix) -> dict[str, Installed]:
    """Every kernelspec in the prefix whose ``kernel.json`` parses, by kernel id."""
    found = {}
    for path in sorted(prefix.kernels.glob("*/kernel.json")):
        try:
            spec = json.loads(path.read_text())
        except (OSError, ValueError):
            spec = {}
        found[path.parent.name] = Installed(path.parent.name, path.parent, spec)
    return found


def make_public(path: Path) -> None:
    """Folders 0755, files 0644 (0755 if executable) below ``path``; links untouched."""
    for item in [path, *_walk(path)]:
        mode = item.lstat().st_mode
        if stat.S_ISLNK(mode):
            continue
        executable = stat.S_ISDIR(mode) or mode & stat.S_IXUSR
        item.chmod(0o755 if executable else 0o644)


def _walk(path: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            yield Path(folder, name)


def get_size(path: Path) -> int:
    """Bytes on disk below ``path`` (as ``du -s``: blocks, each hard link once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for item in [path, *_walk(path)]:
        st = item.lstat()
        if (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            total += st.st_blocks * 512
    return total


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Replace ``path`` with ``data`` atomically (a reader sees the old or the new file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kernel.", suffix=".json")
    with os.fdopen(fd, "w") as stream:
        json.dump(data, stream, indent=1)
        stream.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def retire(prefix: Prefix, name: str, version: str) -> Installed:
    """Mark ``<name>-<version>`` retired: hidden from the Launcher, still startable.

    Raises
    ------
    PrefixError
        No such kernel in the prefix.
    """
    kernel_id = f"{name}-{version}"
    installed = find_installed(prefix).get(kernel_id)
    if installed is None:
        raise PrefixError(f"kernel {kernel_id}: not installed in {prefix.root}")
    spec = make_retired(installed.spec)
    write_json(installed.folder / "kernel.json", spec)
    return Installed(kernel_id, installed.folder, spec)
