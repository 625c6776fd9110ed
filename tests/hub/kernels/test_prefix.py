"""The prefix on disk: what is installed, retiring, modes, sizes; build progress lines."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from panhub.kernels.kernelspec import make_kernelspec
from panhub.kernels.prefix import (
    Prefix,
    PrefixError,
    find_installed,
    get_size,
    make_public,
    retire,
)
from panhub.kernels.progress import ProgressLine
from panhub.kernels.spec import load_kernel

TINY = load_kernel(Path(__file__).parent / "data" / "tiny")


def _install(prefix: Prefix) -> None:
    prefix.spec("tiny-2026.1").mkdir(parents=True)
    spec = make_kernelspec(TINY, prefix.env("tiny-2026.1"), "k", "t")
    (prefix.spec("tiny-2026.1") / "kernel.json").write_text(json.dumps(spec))
    (prefix.kernels / "other").mkdir()
    (prefix.kernels / "other" / "kernel.json").write_text("{not json")


def test_find_and_retire(tmp_path: Path) -> None:
    prefix = Prefix(tmp_path)
    _install(prefix)
    installed = find_installed(prefix)
    assert sorted(installed) == ["other", "tiny-2026.1"]
    assert installed["other"].spec == {} and installed["other"].panhub == {}
    assert installed["tiny-2026.1"].panhub["retired"] is False
    retire(prefix, "tiny", "2026.1")
    spec = json.loads((prefix.spec("tiny-2026.1") / "kernel.json").read_text())
    assert spec["metadata"]["panhub"]["retired"] is True
    assert spec["display_name"] == "Tiny (tiny 2026.1, retired)"
    assert (prefix.spec("tiny-2026.1") / "kernel.json").stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in prefix.spec("tiny-2026.1").iterdir()) == ["kernel.json"]
    with pytest.raises(PrefixError, match=f"kernel tiny-2026.2: not installed in {tmp_path}"):
        retire(prefix, "tiny", "2026.2")


def test_make_public_and_size(tmp_path: Path) -> None:
    os.umask(0o077)
    try:
        (tmp_path / "d").mkdir()
        (tmp_path / "d" / "run").write_text("#!/bin/sh\n")
        (tmp_path / "d" / "run").chmod(0o777)
        (tmp_path / "d" / "data").write_bytes(b"x" * 10000)
        (tmp_path / "d" / "data").chmod(0o666)
        os.link(tmp_path / "d" / "data", tmp_path / "d" / "same")
        (tmp_path / "d" / "link").symlink_to("data")
    finally:
        os.umask(0o022)
    make_public(tmp_path / "d")
    modes = {p.name: p.lstat().st_mode & 0o777 for p in (tmp_path / "d").iterdir()}
    assert modes == {"run": 0o755, "data": 0o644, "same": 0o644, "link": 0o777}
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o755
    assert get_size(tmp_path / "d") < 2 * 10000 + 3 * 4096  # the hard link counted once


def test_progress_plain_lines() -> None:
    out = io.StringIO()
    progress = ProgressLine(2, out, tty=False)
    progress("base-1", "venv")
    progress("base-1", "install")
    progress("base-1", "done")
    progress("saxs-1", "skip")
    lines = [line.split(" (at")[0] for line in out.getvalue().splitlines()]
    assert lines[:2] == ["[1/2] base-1: venv", "[1/2] base-1: install"]
    assert lines[2].startswith("[1/2] base-1: built in ")
    assert lines[3] == "[2/2] saxs-1: unchanged, skipped"


def test_progress_bar_on_a_terminal() -> None:
    out = io.StringIO()
    progress = ProgressLine(1, out, tty=True)
    progress("base-1", "install")
    assert out.getvalue() == "\r\x1b[K[1/1] base-1 [#.....] install (0 s)"
