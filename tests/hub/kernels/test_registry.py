"""The registry of installed kernels: entries, and the current version of each."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from panhub.form import EnvironmentChoice
from panhub.kernels.kernelspec import make_kernelspec, make_retired
from panhub.kernels.registry import (
    KernelEntry,
    get_current,
    make_entries,
    make_kernel_environments,
    read_kernelspecs,
)
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
        python="/p/envs/tiny-2026.10/bin/python",
    )
    assert entries[1].retired
    # 2026.10 is newer than 2026.9 (numbers, not text); the retired 2026.11 is not offered
    assert get_current(entries) == {"tiny": entries[0]}
    assert get_current([entries[1]]) == {}


def test_kernelspecs_are_read_as_jupyter_finds_them(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for folder, version in ((first, "2026.9"), (second, "2026.10")):
        spec = folder / "kernels" / "tiny" / "kernel.json"
        spec.parent.mkdir(parents=True)
        spec.write_text(json.dumps(_spec(version)))
    broken = second / "kernels" / "broken" / "kernel.json"
    broken.parent.mkdir(parents=True)
    broken.write_text("{not json")
    (second / "kernels" / "list").mkdir()
    (second / "kernels" / "list" / "kernel.json").write_text("[]")
    specs = read_kernelspecs([first, second, tmp_path / "missing"])
    assert list(specs) == ["tiny"]  # the first folder wins; bad specs are left out
    assert specs["tiny"]["metadata"]["panhub"]["version"] == "2026.9"


def test_the_form_offers_the_current_kernels_base_first() -> None:
    specs = {
        "tiny-2026.9": _spec("2026.9"),
        "tiny-2026.10": _spec("2026.10"),
        "base-2026.12": make_kernelspec(
            dataclasses.replace(TINY, name="base", display_name="Python", version="2026.12"),
            Path("/p/envs/base-2026.12"),
            "k",
            "t",
        ),
        "odd-1": {**_spec("1"), "argv": ["python", "-m", "ipykernel"]},  # not absolute
    }
    specs["odd-1"]["metadata"]["panhub"]["name"] = "odd"
    choices = make_kernel_environments(
        get_current(make_entries(specs)), ["export PATH=/opt/panhub/venv/bin:$PATH"]
    )
    assert [c.name for c in choices] == ["base", "tiny"]
    tiny = choices[1]
    assert tiny == EnvironmentChoice(
        name="tiny",
        description=f"Tiny: {TINY.description} (tiny 2026.10)",
        setup=(
            "export PATH=/opt/panhub/venv/bin:$PATH",
            "export PATH=/p/envs/tiny-2026.10/bin:$PATH",
        ),
        kernel="tiny-2026.10",
    )
    assert tiny.get_server_args() == ("--MultiKernelManager.default_kernel_name=tiny-2026.10",)
    assert EnvironmentChoice("default", "d", ()).get_server_args() == ()


def test_a_hostile_interpreter_path_is_quoted() -> None:
    spec = _spec("2026.9")
    spec["argv"] = ["/p/envs/x; rm -rf ~/bin/python", "-m", "ipykernel_launcher"]
    (choice,) = make_kernel_environments(get_current(make_entries({"tiny-2026.9": spec})))
    assert choice.setup == ("export PATH='/p/envs/x; rm -rf ~/bin':$PATH",)
