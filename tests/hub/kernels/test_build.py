"""Real builds into a temporary prefix: Debian's python3, uv, a kernel that runs a cell.

The test kernel ``data/tiny`` locks only ipykernel and its dependencies, so with uv's
cache a build takes seconds (the first run on a fresh machine downloads them from PyPI).
panhub's wheel is stood in for by a small wheel written here, with the two packages a
kernel must import (``panhub_nexus``, ``panhub_catalogue``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from panhub.cli import main
from panhub.kernels import commands
from panhub.kernels.build import BuildError, find_generations, get_wheel_digest, lock_prefix
from panhub.kernels.check import check_kernel
from panhub.kernels.config import Kernels
from panhub.kernels.prefix import Prefix, find_installed

TINY = Path(__file__).parent / "data" / "tiny"
KID = "tiny-2026.1"


def write_wheel(folder: Path, marker: str = "1") -> Path:
    """A valid ``panhub`` wheel holding empty ``panhub_nexus`` and ``panhub_catalogue``."""
    files = {
        "panhub_nexus/__init__.py": f"MARKER = {marker!r}\n",
        "panhub_catalogue/__init__.py": "",
        "panhub-0.0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: panhub\nVersion: 0.0.1\n",
        "panhub-0.0.1.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{name},sha256={digest.decode()},{len(text.encode())}")
    record.append("panhub-0.0.1.dist-info/RECORD,,")
    files["panhub-0.0.1.dist-info/RECORD"] = "\n".join(record) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "panhub-0.0.1-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
    return path


def make_settings(tmp: Path, source: Path = TINY.parent) -> Kernels:
    return Kernels(
        prefix=str(tmp / "prefix"),
        sources=[str(source)],
        panhub_wheel=str(write_wheel(tmp / "wheel")),
    )


def build(settings: Kernels, names: list[str] | None = None) -> list[BuildError]:
    steps = commands.plan_build(settings, names or [])
    return commands.build(settings, steps, lambda kernel, step: None)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Kernels:
    """The tiny kernel, built once for the tests that do not change it."""
    settings = make_settings(tmp_path_factory.mktemp("built"))
    assert build(settings) == []
    return settings


def test_built_kernel_is_published_whole_and_public(built: Kernels) -> None:
    prefix = built.get_prefix()
    spec = json.loads((prefix.spec(KID) / "kernel.json").read_text())
    assert spec["argv"] == [
        f"{prefix.env(KID)}/bin/python",
        "-m",
        "ipykernel_launcher",
        "-f",
        "{connection_file}",
    ]
    assert spec["display_name"] == "Tiny (tiny 2026.1)"
    assert sorted(p.name for p in prefix.spec(KID).iterdir()) == ["kernel.json", "logo-svg.svg"]
    assert os.readlink(prefix.env(KID)) == f".{KID}.{spec['metadata']['panhub']['build_key'][:12]}"
    assert sorted(p.name for p in prefix.build.iterdir()) == [".lock"]  # no build folder left
    assert prefix.build.stat().st_mode & 0o777 == 0o700
    env = prefix.env(KID).resolve()
    for folder, dirs, files in os.walk(env):
        for name in dirs + files:
            path = Path(folder, name)
            if not path.is_symlink():
                assert path.stat().st_mode & 0o022 == 0, path  # nobody else may write
                assert path.stat().st_mode & 0o004, path  # everybody may read
    for script in (env / "bin").iterdir():  # nothing names the build folder any more
        if script.is_file() and not script.is_symlink():
            assert b"/.build/" not in script.read_bytes(), script
    recorded = env / "share" / "panhub-kernel" / "requirements.lock"
    assert recorded.read_bytes() == (TINY / "requirements.lock").read_bytes()


def test_check_starts_the_kernel_and_runs_a_cell(
    built: Kernels, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kernels", "check", "--prefix", built.prefix]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"ok {KID}: start to first cell ")
    (result,) = commands.check(built, out=io.StringIO())
    assert result.problems == [] and result.start_seconds is not None
    assert sorted(result.import_seconds) == ["ipykernel", "panhub_catalogue", "panhub_nexus"]


def test_unchanged_rebuild_is_skipped(built: Kernels, capsys: pytest.CaptureFixture[str]) -> None:
    env = built.get_prefix().env(KID).resolve()
    before = (env.stat().st_ino, (built.get_prefix().spec(KID) / "kernel.json").read_text())
    steps = commands.plan_build(built, [])
    assert [(s.kernel.kernel_id, s.action) for s in steps] == [(KID, "skip")]
    argv = ["kernels", "build", "--prefix", built.prefix, "--source", str(TINY.parent),
            "--panhub-wheel", built.panhub_wheel]  # fmt: skip
    assert main(argv) == 0
    assert capsys.readouterr().out == f"[1/1] {KID}: unchanged, skipped\n"
    after = (
        built.get_prefix().env(KID).resolve().stat().st_ino,
        (built.get_prefix().spec(KID) / "kernel.json").read_text(),
    )
    assert after == before


def test_list(built: Kernels, capsys: pytest.CaptureFixture[str]) -> None:
    (row,) = commands.list_kernels(built)
    assert (row.name, row.version, row.technique, row.retired) == ("tiny", "2026.1", "Tiny", False)
    assert 10e6 < row.size_bytes < 500e6
    assert main(["kernels", "list", "--prefix", built.prefix]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("tiny 2026.1              Tiny ")


def test_vanished_interpreter_fails_check_naming_the_kernel(
    built: Kernels, capsys: pytest.CaptureFixture[str]
) -> None:
    env = built.get_prefix().env(KID).resolve()
    away = env.with_name("away")
    env.rename(away)
    try:
        assert main(["kernels", "check", "--prefix", built.prefix]) == 1
    finally:
        away.rename(env)
    out, err = capsys.readouterr()
    assert out == f"BROKEN {KID}: interpreter {built.get_prefix().env(KID)}/bin/python is missing\n"
    assert err == f"panhub kernels check: broken: {KID}\n"


def _copy_source(tmp_path: Path, name: str) -> Path:
    source = tmp_path / "src"
    shutil.copytree(TINY, source / name)
    return source


def test_broken_lock_fails_cleanly(tmp_path: Path) -> None:
    source = _copy_source(tmp_path, "broken")
    lock = source / "broken" / "requirements.lock"
    text = lock.read_text()
    start = text.index("\nipykernel==")
    end = text.index("# via", start)
    wrong = re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, text[start:end])
    lock.write_text(text[:start] + wrong + text[end:])  # every hash of ipykernel is wrong
    settings = make_settings(tmp_path, source)
    (error,) = build(settings)
    assert (error.kernel_id, error.step) == ("broken-2026.1", "install")
    assert str(error).startswith("kernel broken-2026.1, step install: uv exited with ")
    assert "hash" in str(error).lower()
    prefix = settings.get_prefix()
    assert find_installed(prefix) == {}
    assert sorted(p.name for p in prefix.build.iterdir()) == [".lock"]
    assert not prefix.envs.exists() or list(prefix.envs.iterdir()) == []


def test_a_version_never_changes_and_an_update_keeps_retired(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _copy_source(tmp_path, "tiny")
    settings = make_settings(tmp_path, source)
    assert build(settings) == []
    prefix = settings.get_prefix()
    assert main(["kernels", "retire", "tiny", "2026.1", "--prefix", settings.prefix]) == 0
    assert (
        capsys.readouterr().out
        == "retired tiny-2026.1: hidden from the Launcher, still startable\n"
    )
    (row,) = commands.list_kernels(settings)
    assert row.retired
    (result,) = commands.check(settings, out=io.StringIO())
    assert result.problems == []  # retired, still starts
    # a new panhub wheel: the environment is rebuilt and swapped, the spec stays retired
    old_env = prefix.env(KID).resolve()
    settings.panhub_wheel = str(write_wheel(tmp_path / "wheel2", marker="2"))
    steps = commands.plan_build(settings, [])
    assert [s.action for s in steps] == ["update"]
    assert commands.build(settings, steps, lambda kernel, step: None) == []
    # the replaced environment stays (kernels running on it go on), beside the new one
    assert old_env.exists() and prefix.env(KID).resolve() != old_env
    assert find_generations(prefix, KID) == sorted([old_env, prefix.env(KID).resolve()])
    spec = find_installed(prefix)[KID].spec
    assert spec["metadata"]["panhub"]["retired"] is True
    assert spec["metadata"]["panhub"]["build_key"] == steps[0].build_key
    nexus = (
        prefix.env(KID) / "lib" / "python3.11" / "site-packages" / "panhub_nexus" / "__init__.py"
    )
    assert nexus.read_text() == "MARKER = '2'\n"
    # new metadata, same environment: only the kernelspec is rewritten, still retired
    toml = source / "tiny" / "kernel.toml"
    toml.write_text(toml.read_text().replace('"BL00-TEST"', '"BL00-TEST", "BL01-NEW"'))
    env_now = prefix.env(KID).resolve()
    steps = commands.plan_build(settings, [])
    assert [s.action for s in steps] == ["respec"]
    assert commands.build(settings, steps, lambda kernel, step: None) == []
    respec = find_installed(prefix)[KID].spec
    assert respec["metadata"]["panhub"]["beamlines"] == ["BL00-TEST", "BL01-NEW"]
    assert respec["display_name"] == "Tiny (tiny 2026.1, retired)"
    assert {k: respec["metadata"]["panhub"][k] for k in ("build_key", "built", "retired")} == {
        k: spec["metadata"]["panhub"][k] for k in ("build_key", "built", "retired")
    }
    assert prefix.env(KID).resolve() == env_now
    assert [s.action for s in commands.plan_build(settings, [])] == ["skip"]
    # one more wheel: the oldest environment goes, the one just replaced stays
    settings.panhub_wheel = str(write_wheel(tmp_path / "wheel3", marker="3"))
    assert build(settings) == []
    assert not old_env.exists()
    assert find_generations(prefix, KID) == sorted([env_now, prefix.env(KID).resolve()])
    # another lock under the same version is refused, naming the kernel and the step
    lock = source / "tiny" / "requirements.lock"
    lock.write_text(lock.read_text() + "# changed\n")
    with pytest.raises(BuildError, match=r"^kernel tiny-2026.1, step plan: .* raise 'version' in "):
        commands.plan_build(settings, [])
    assert check_kernel(find_installed(prefix)[KID], prefix, 60).problems == []


def test_no_wheel_and_unknown_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(tmp_path)
    settings.panhub_wheel = ""
    with pytest.raises(BuildError, match="step plan: panhub wheel '' is not a file"):
        commands.plan_build(settings, [])
    assert (
        main(["kernels", "build", "nope", "--prefix", str(tmp_path), "--source", str(TINY.parent)])
        == 1
    )
    assert capsys.readouterr().err == (
        f"panhub kernels build: kernel nope: no such kernel in {TINY.parent}\n"
    )


def test_lock_is_reproducible(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _copy_source(tmp_path, "tiny")
    assert main(["kernels", "lock", "tiny", "--source", str(source)]) == 0
    assert capsys.readouterr().out.startswith("locked tiny (")
    lock = (source / "tiny" / "requirements.lock").read_text()
    assert lock == (TINY / "requirements.lock").read_text()
    assert lock.startswith(
        "# This file was autogenerated by uv via the following command:\n"
        "#    panhub kernels lock tiny\n"
    )


def test_generations_are_matched_exactly(tmp_path: Path) -> None:
    prefix = Prefix(tmp_path)
    names = [
        ".base-2026.12.0123456789ab",
        ".base-2026.12.1.0123456789ab",  # another version's, never this one's
        ".base-2026.12.0123456789ab.tmp",
        "base-2026.12",
    ]
    for name in names:
        (prefix.envs / name).mkdir(parents=True)
    assert find_generations(prefix, "base-2026.12") == [prefix.envs / names[0]]
    assert find_generations(prefix, "base-2026.12.1") == [prefix.envs / names[1]]
    assert find_generations(Prefix(tmp_path / "none"), "base-2026.12") == []


def test_a_second_build_at_once_is_refused(tmp_path: Path) -> None:
    prefix = Prefix(tmp_path / "prefix")
    with lock_prefix(prefix):
        (prefix.build / "work").mkdir()  # the running build's folder
        with (
            pytest.raises(BuildError, match="another build is running in"),
            lock_prefix(prefix),
        ):
            pass
        assert (prefix.build / "work").is_dir()  # the refused one removed nothing
    with lock_prefix(prefix):  # once the first is done, a build goes ahead
        assert sorted(p.name for p in prefix.build.iterdir()) == [".lock"]


def test_the_wheel_digest_ignores_what_no_kernel_imports(tmp_path: Path) -> None:
    def wheel(name: str, members: dict[str, str]) -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as archive:
            for member, text in members.items():
                archive.writestr(member, text)
        return path

    code = {"panhub_nexus/__init__.py": "A = 1\n", "panhub-0.1.dist-info/RECORD": "r1"}
    data = "panhub-0.1.data/data/share/panhub/"
    first = wheel("a.whl", {**code, f"{data}notebooks/saxs/01.ipynb": "{}"})
    edited = wheel(
        "b.whl",
        {
            **code,
            f"{data}notebooks/saxs/01.ipynb": '{"cells": []}',  # a template edited
            f"{data}kernels/saxs/kernel.toml": "version = 2",  # a kernel's metadata
            "panhub-0.1.data/data/share/jupyter/labextensions/@panhub/x.js": "lab",
            "panhub-0.1.dist-info/RECORD": "r2",
            "panhub-0.1.dist-info/METADATA": "Description: the README, edited",
        },
    )
    new_code = wheel("c.whl", {**code, "panhub_nexus/__init__.py": "A = 2\n"})
    assert get_wheel_digest(first) == get_wheel_digest(edited)
    assert get_wheel_digest(first) != get_wheel_digest(new_code)
