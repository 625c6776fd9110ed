"""The installed kernels as the rest of panhub sees them (pure).

One registry for the Launcher and the spawn form: the kernelspecs in the prefix are the
truth (what is built is what can run); :func:`make_entries` reads them and
:func:`get_current` picks the newest version of each kernel that is not retired, which is
what a form offers per technique (the form is wired to it in a later step).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

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
