"""The registry of installed kernels: entries, and the current version of each."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from panhub.kernels.kernelspec import make_kernelspec, make_retired
from panhub.kernels.registry import KernelEntry, get_current, make_entries
from panhub.kernels.spec import load_kernel

TINY = load_kernel(Path(__file__).parent / "data" / "tiny")


def _spec(version: str) -> dict[str, object]:
    kernel = dataclasses.replace(TINY, version=version)
    return make_kernelspec(kernel, Path("/p/envs") / kernel.kernel_id, "k", "t")


def test_entries_and_current_versions() -> None:
    specs = {
        "tiny-2026.9": _spec("2026.9"),
        "tiny-2026.10": _spec("2026.10"),
        "tiny-2026.11": make_retired(_spec("2026.11")),
        "python3": {"argv": ["python"], "display_name": "Python 3", "language": "python"},
    }
    entries = make_entries(specs)
    assert [e.kernel_id for e in entries] == ["tiny-2026.10", "tiny-2026.11", "tiny-2026.9"]
    assert entries[0] == KernelEntry(
        kernel_id="tiny-2026.10",
        name="tiny",
        version="2026.10",
        label="Tiny",
        technique="small angle scattering",
        panet="http://purl.org/pan-science/PaNET/PaNET01124",
        description="ipykernel only: what the build, check and retire tests build",
        retired=False,
    )
    assert entries[1].retired
    # 2026.10 is newer than 2026.9 (numbers, not text); the retired 2026.11 is not offered
    assert get_current(entries) == {"tiny": entries[0]}
    assert get_current([entries[1]]) == {}
