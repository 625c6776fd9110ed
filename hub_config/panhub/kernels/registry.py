"""The installed kernels as the rest of panhub sees them.

One registry for the Launcher and the spawn form: the kernelspecs in the prefix are the
truth (what is built is what can run). :func:`read_kernelspecs` reads them from the same
folders the servers get as ``JUPYTER_PATH``; :func:`make_entries` keeps panhub's;
:func:`get_current` picks the newest version of each kernel that is not retired, and
:func:`make_kernel_environments` turns those into the form's environments: choosing
"SAXS/WAXS" opens new notebooks on ``saxs-<version>`` and puts that environment's tools
(``pyFAI-integrate``…) first on the terminal's ``PATH``. Staff add a kernel in one place
(``kernels/``); ``panhub kernels build`` makes it appear in both.
"""

from __future__ import annotations

import json
import posixpath
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from panhub.form import EnvironmentChoice
from panhub.kernels.kernelspec import get_panhub_metadata


@dataclass(frozen=True)
class KernelEntry:
    """One installed staff kernel."""

    kernel_id: str
    name: str
    version: str
    label: str
    technique: str
    panet: str
    description: str
    retired: bool
    python: str = ""
    """The interpreter of the kernelspec's ``argv`` (its environment's ``bin/python``)."""

    @property
    def version_key(self) -> tuple[int, ...]:
        """``'2026.12'`` -> ``(2026, 12)``: versions compare as numbers, not text."""
        return tuple(int(part) for part in self.version.split(".") if part.isdigit())


def make_entries(specs: Mapping[str, Mapping[str, Any]]) -> list[KernelEntry]:
    """Entries of the kernelspecs panhub built (``{kernel id: kernel.json}``), by id.

    Specs without panhub's metadata (someone else's kernels) are left out.
    """
    entries = []
    for kernel_id, spec in sorted(specs.items()):
        meta = get_panhub_metadata(spec)
        if not meta.get("name") or not meta.get("version"):
            continue
        entries.append(
            KernelEntry(
                kernel_id=kernel_id,
                name=str(meta["name"]),
                version=str(meta["version"]),
                label=str(meta.get("technique_label", meta["name"])),
                technique=str(meta.get("technique", "")),
                panet=str(meta.get("panet", "")),
                description=str(meta.get("description", "")),
                retired=meta.get("retired") is True,
                python=_get_python(spec),
            )
        )
    return entries


def get_current(entries: Iterable[KernelEntry]) -> dict[str, KernelEntry]:
    """The newest version of each kernel that is not retired, by kernel name.

    >>> old = KernelEntry("saxs-2026.9", "saxs", "2026.9", "SAXS/WAXS", "", "", "", False)
    >>> new = KernelEntry("saxs-2026.12", "saxs", "2026.12", "SAXS/WAXS", "", "", "", False)
    >>> get_current([new, old])["saxs"].kernel_id
    'saxs-2026.12'
    """
    current: dict[str, KernelEntry] = {}
    for entry in entries:
        if entry.retired:
            continue
        have = current.get(entry.name)
        if have is None or entry.version_key > have.version_key:
            current[entry.name] = entry
    return current


def _get_python(spec: Mapping[str, Any]) -> str:
    argv = spec.get("argv")
    return str(argv[0]) if isinstance(argv, list) and argv and isinstance(argv[0], str) else ""


def read_kernelspecs(folders: Iterable[str | Path]) -> dict[str, dict[str, Any]]:
    """``{kernel id: kernel.json}`` under ``<folder>/kernels/`` (the first folder wins, as
    in Jupyter); unreadable or malformed specs are left out."""
    found: dict[str, dict[str, Any]] = {}
    for folder in folders:
        for path in sorted(Path(folder, "kernels").glob("*/kernel.json")):
            if path.parent.name in found:
                continue
            try:
                spec = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if isinstance(spec, dict):
                found[path.parent.name] = spec
    return found


def make_kernel_environments(
    current: Mapping[str, KernelEntry], base_setup: Sequence[str] = ()
) -> list[EnvironmentChoice]:
    """One form environment per current staff kernel: ``base`` first, then by label.

    Each runs ``base_setup`` (the default environment's lines, which start the server)
    and then puts the kernel environment's ``bin`` first on ``PATH``.

    >>> saxs = KernelEntry("saxs-2026.12", "saxs", "2026.12", "SAXS/WAXS", "", "", "pyFAI",
    ...                    False, "/k/envs/saxs-2026.12/bin/python")
    >>> choice, = make_kernel_environments({"saxs": saxs}, ["export A=1"])
    >>> choice.name, choice.kernel, choice.setup
    ('saxs', 'saxs-2026.12', ('export A=1', 'export PATH=/k/envs/saxs-2026.12/bin:$PATH'))
    >>> choice.description
    'SAXS/WAXS: pyFAI (saxs 2026.12)'
    """
    order = sorted(current.values(), key=lambda e: (e.name != "base", e.label.lower(), e.name))
    choices = []
    for entry in order:
        if not posixpath.isabs(entry.python):
            continue
        path = f"export PATH={shlex.quote(posixpath.dirname(entry.python))}:$PATH"
        about = f": {entry.description}" if entry.description else ""
        choices.append(
            EnvironmentChoice(
                name=entry.name,
                description=f"{entry.label}{about} ({entry.name} {entry.version})",
                setup=(*base_setup, path),
                kernel=entry.kernel_id,
            )
        )
    return choices
