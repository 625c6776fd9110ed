"""kernel.json of a built kernel, retiring, and the shape check."""

from __future__ import annotations

from pathlib import Path

from panhub.kernels.kernelspec import (
    find_spec_problems,
    is_retired,
    make_display_name,
    make_kernelspec,
    make_retired,
)
from panhub.kernels.spec import load_kernel

TINY = load_kernel(Path(__file__).parent / "data" / "tiny")
ENV = Path("/opt/panhub/kernels/envs/tiny-2026.1")


def test_kernelspec_is_exactly_this() -> None:
    assert make_kernelspec(TINY, ENV, "k" * 64, "2026-12-06T10:00:00+00:00") == {
        "argv": [f"{ENV}/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Tiny (tiny 2026.1)",
        "language": "python",
        "env": {"PANHUB_KERNEL": "tiny-2026.1"},
        "metadata": {
            "debugger": True,
            "panhub": {
                "name": "tiny",
                "technique": "small angle scattering",
                "technique_label": "Tiny",
                "panet": "http://purl.org/pan-science/PaNET/PaNET01124",
                "beamlines": ["BL00-TEST"],
                "maintainer": "panhub tests <tests@example.org>",
                "version": "2026.1",
                "description": "ipykernel only: what the build, check and retire tests build",
                "python": "3.11",
                "imports": ["ipykernel"],
                "lock_sha256": TINY.lock_sha256,
                "build_key": "k" * 64,
                "built": "2026-12-06T10:00:00+00:00",
                "retired": False,
                "spec_format": 2,
            },
        },
    }
    assert find_spec_problems(make_kernelspec(TINY, ENV, "k", "t")) == []


def test_retired_keeps_everything_that_starts_it() -> None:
    spec = make_kernelspec(TINY, ENV, "k", "t")
    retired = make_retired(spec)
    assert retired["display_name"] == make_display_name(TINY, retired=True)
    assert retired["display_name"] == "Tiny (tiny 2026.1, retired)"
    assert {k: v for k, v in retired.items() if k not in ("display_name", "metadata")} == {
        k: v for k, v in spec.items() if k not in ("display_name", "metadata")
    }
    assert retired["metadata"]["panhub"] == {**spec["metadata"]["panhub"], "retired": True}
    assert retired["metadata"]["debugger"] is True
    assert is_retired(retired) and not is_retired(spec)
    assert make_retired(retired) == retired  # twice is once
    assert spec["metadata"]["panhub"]["retired"] is False  # the input is not changed


def test_shape_problems() -> None:
    assert find_spec_problems({"argv": "python"}) == ["argv is not a list of strings"]
    assert find_spec_problems(
        {"argv": ["/p", "-f", "{connection_file}"], "language": "python"}
    ) == ["display_name is missing"]
    assert not is_retired({"argv": [], "metadata": {"panhub": "x"}})
