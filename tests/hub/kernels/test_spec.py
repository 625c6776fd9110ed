"""Kernel folders as data: parsing, validation errors naming file and key, the repo's kernels."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from panhub.kernels.spec import (
    KernelSource,
    SpecError,
    find_folders,
    find_kernels,
    load_kernel,
    read_requirements,
)

DATA = Path(__file__).parent / "data"
REPO_KERNELS = Path(__file__).parents[3] / "kernels"
TINY = DATA / "tiny"


def _copy(tmp_path: Path, name: str = "tiny") -> Path:
    folder = tmp_path / "src" / name
    shutil.copytree(TINY, folder)
    return folder


def test_tiny_parses_to_exactly_this() -> None:
    lock = (TINY / "requirements.lock").read_bytes()
    assert load_kernel(TINY) == KernelSource(
        folder=TINY,
        name="tiny",
        version="2026.1",
        display_name="Tiny",
        technique="small angle scattering",
        panet="http://purl.org/pan-science/PaNET/PaNET01124",
        beamlines=("BL00-TEST",),
        maintainer="panhub tests <tests@example.org>",
        description="ipykernel only: what the build, check and retire tests build",
        python="3.11",
        requirements=("ipykernel",),
        imports=("ipykernel",),
        lock_sha256=hashlib.sha256(lock).hexdigest(),
        logos=("logo-svg.svg",),
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ('colour = "red"\n', "kernel.toml: unknown key 'colour'"),
        ('version = "12"\n', "kernel.toml: key 'version' must be YYYY.N (e.g. 2026.12), not '12'"),
        ('panet = "saxs"\n', "kernel.toml: key 'panet' must be a PaNET IRI, not 'saxs'"),
        ('python = "3"\n', "kernel.toml: key 'python' must be like '3.11', not '3'"),
        (
            'beamlines = "BL1"\nmaintainer = ""\n',
            "kernel.toml: key 'maintainer' must be a non-empty string",
        ),
        ("beamlines = [1]\n", "kernel.toml: key 'beamlines' must be a list of non-empty strings"),
        (
            '[imports]\nnumpy = "numpy"\n',
            "kernel.toml: [imports] names 'numpy', not in requirements.in",
        ),
        ("version = \n", "kernel.toml: not valid TOML"),
    ],
)
def test_bad_metadata_names_file_and_key(tmp_path: Path, edit: str, message: str) -> None:
    folder = _copy(tmp_path)
    lines = (folder / "kernel.toml").read_text().splitlines(keepends=True)
    keys = {line.split("=")[0].strip() for line in edit.splitlines() if "=" in line}
    kept = [line for line in lines if line.split("=")[0].strip() not in keys]
    (folder / "kernel.toml").write_text("".join(kept) + edit)
    with pytest.raises(SpecError) as caught:
        load_kernel(folder)
    assert str(caught.value).startswith(f"{folder}/{message}")


def test_missing_key(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    text = (
        (folder / "kernel.toml").read_text().replace('technique = "small angle scattering"\n', "")
    )
    (folder / "kernel.toml").write_text(text)
    with pytest.raises(SpecError, match=r"tiny/kernel.toml: key 'technique' must be a non-empty"):
        load_kernel(folder)


def test_requirement_not_in_lock(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "requirements.in").write_text("ipykernel\nlmfit\n")
    with pytest.raises(SpecError) as caught:
        load_kernel(folder)
    assert str(caught.value) == (
        f"{folder}/requirements.lock: 'lmfit' is not locked; run panhub kernels lock tiny"
    )


def test_lock_without_ipykernel_or_hashes(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "requirements.in").write_text("tornado\n")
    (folder / "requirements.lock").write_text("tornado==6.6.1 --hash=sha256:00\n")
    with pytest.raises(SpecError, match="'ipykernel' is not locked"):
        load_kernel(folder)
    (folder / "requirements.lock").write_text("ipykernel==7.4.0\ntornado==6.6.1\n")
    with pytest.raises(SpecError, match=r"requirements\.lock: has no hashes"):
        load_kernel(folder)


def test_missing_lock_says_how_to_make_one(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "requirements.lock").unlink()
    with pytest.raises(
        SpecError, match=r"requirements.lock: cannot read .*panhub kernels lock tiny"
    ):
        load_kernel(folder)


def test_bad_folder_name(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "Tiny_Kernel")
    with pytest.raises(SpecError, match="lowercase-hyphen, not 'Tiny_Kernel'"):
        load_kernel(folder)


def test_includes_followed_cycles_and_options_refused(tmp_path: Path) -> None:
    (tmp_path / "a.in").write_text("-r b.in\nnumpy  # the array\nscipy>=1\n")
    (tmp_path / "b.in").write_text("# base\nipykernel\nnumpy\n")
    assert read_requirements(tmp_path / "a.in") == ("ipykernel", "numpy", "scipy")
    (tmp_path / "b.in").write_text("-r a.in\n")
    with pytest.raises(SpecError, match="includes itself"):
        read_requirements(tmp_path / "a.in")
    (tmp_path / "c.in").write_text("--index-url http://evil\n")
    with pytest.raises(SpecError, match=r"c\.in, line 1: only -r includes are allowed"):
        read_requirements(tmp_path / "c.in")


def test_one_name_in_two_sources_is_an_error(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(TINY, site / "tiny")
    with pytest.raises(SpecError, match=r"site/tiny: kernel name 'tiny' is also .*data/tiny"):
        find_folders([DATA, site])
    assert find_folders([DATA, tmp_path / "absent"]) == {"tiny": TINY}


def test_the_repository_kernels_are_valid() -> None:
    kernels = find_kernels([REPO_KERNELS])
    assert sorted(kernels) == ["base", "mx", "powder", "saxs", "tomo", "xas"]
    base = set(kernels["base"].requirements)
    assert {"ipykernel", "numpy", "scipy", "h5py", "hdf5plugin", "silx", "matplotlib"} <= base
    for kernel in kernels.values():
        assert base <= set(kernel.requirements), kernel.name  # every kernel holds base
        assert "logo-svg.svg" in kernel.logos, kernel.name
        assert kernel.python == "3.11"
        assert kernel.panet or kernel.name == "base"
    assert kernels["xas"].imports[-3:] == ("larch", "larch.xafs", "lmfit")
    assert "skimage" in kernels["tomo"].imports
