"""What a build does for each kernel: build, update, skip or refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
from panhub.kernels.plan import Step, make_build_key, make_metadata, make_plan
from panhub.kernels.spec import load_kernel

TINY = load_kernel(Path(__file__).parent / "data" / "tiny")
WHEEL = "w" * 64
KEY = make_build_key(TINY.lock_sha256, "3.11", WHEEL)
SAME = {"build_key": KEY, **make_metadata(TINY)}


def test_build_key_changes_with_each_input() -> None:
    keys = {
        make_build_key(TINY.lock_sha256, "3.11", WHEEL),
        make_build_key("0" * 64, "3.11", WHEEL),
        make_build_key(TINY.lock_sha256, "3.12", WHEEL),
        make_build_key(TINY.lock_sha256, "3.11", "x" * 64),
    }
    assert len(keys) == 4
    assert make_build_key(TINY.lock_sha256, "3.11", WHEEL) == KEY


@pytest.mark.parametrize(
    ("installed", "python", "action", "reason"),
    [
        ({}, "3.11", "build", "not installed"),
        ({"tiny-2026.1": SAME}, "3.11", "skip", "unchanged"),
        ({"tiny-2026.1": {**SAME, "description": "old"}}, "3.11", "respec", "new metadata"),
        ({"tiny-2026.1": {**SAME, "beamlines": []}}, "3.11", "respec", "new metadata"),
        ({"tiny-2026.0": SAME}, "3.11", "build", "not installed"),
        (
            {"tiny-2026.1": {"build_key": "old", "lock_sha256": TINY.lock_sha256, "python": "3.11"}},
            "3.11", "update", "new panhub wheel",
        ),
        ({}, "3.12", "clash", "locked for Python 3.11, the interpreter is 3.12"),
    ],
)  # fmt: skip
def test_plan(
    installed: dict[str, dict[str, object]], python: str, action: str, reason: str
) -> None:
    key = make_build_key(TINY.lock_sha256, python, WHEEL)
    assert make_plan([TINY], installed, python, WHEEL) == [Step(TINY, action, key, reason)]  # type: ignore[arg-type]


def test_a_version_never_changes_its_lock() -> None:
    installed = {"tiny-2026.1": {"build_key": "old", "lock_sha256": "other", "python": "3.11"}}
    (step,) = make_plan([TINY], installed, "3.11", WHEEL)
    assert step.action == "clash"
    assert step.reason == (
        "tiny-2026.1 is installed from another lock; a version never changes: "
        f"raise 'version' in {TINY.folder / 'kernel.toml'}"
    )
