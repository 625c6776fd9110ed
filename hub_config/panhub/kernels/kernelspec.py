"""The kernelspec of a built kernel: ``kernel.json`` as a dict (pure).

Retired kernels
---------------
A retired version keeps its kernelspec, so a notebook that names it still starts
(JupyterLab picks a notebook's kernel by an exact name match in ``/api/kernelspecs``;
hiding the spec from that list would leave old notebooks without their kernel).
Retiring sets ``metadata.panhub.retired = true`` and appends ", retired" to the display name, so
the kernel picker of an old notebook says so. JupyterLab 4.6 has no setting that hides a
kernelspec from the Launcher, but each Launcher item carries the spec's metadata as
``metadata.kernel``; panhub's Lab extension drops items whose ``kernel.panhub.retired`` is true
(the Lab side of this; the spec side is here).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from panhub.kernels.spec import KernelSource

CONNECTION_FILE = "{connection_file}"
SPEC_FORMAT = 2
"""What panhub writes into a kernelspec (2: with ``env``); a change means a respec."""
KERNEL_ENV = "PANHUB_KERNEL"
"""Set to ``<name>-<version>`` in every kernel, so results can record the kernel they came
from (``panhub_nexus.results.kernel`` reads it)."""


def make_display_name(kernel: KernelSource, retired: bool = False) -> str:
    """``'SAXS/WAXS (saxs 2026.12)'``: the technique's name first, so users find it."""
    suffix = ", retired" if retired else ""
    return f"{kernel.display_name} ({kernel.name} {kernel.version}{suffix})"


def make_kernelspec(kernel: KernelSource, env: Path, build_key: str, built: str) -> dict[str, Any]:
    """The ``kernel.json`` of ``kernel`` built into the environment ``env``.

    Parameters
    ----------
    env
        The environment's final path (``<prefix>/envs/<name>-<version>``).
    build_key
        :func:`panhub.kernels.plan.make_build_key` of this build.
    built
        When it was built (ISO 8601, UTC).
    """
    return {
        "argv": [str(env / "bin" / "python"), "-m", "ipykernel_launcher", "-f", CONNECTION_FILE],
        "display_name": make_display_name(kernel),
        "language": "python",
        "env": {KERNEL_ENV: kernel.kernel_id},
        "metadata": {
            "debugger": True,
            "panhub": {
                "name": kernel.name,
                "technique": kernel.technique,
                "technique_label": kernel.display_name,
                "panet": kernel.panet,
                "beamlines": list(kernel.beamlines),
                "maintainer": kernel.maintainer,
                "version": kernel.version,
                "description": kernel.description,
                "python": kernel.python,
                "imports": list(kernel.imports),
                "lock_sha256": kernel.lock_sha256,
                "build_key": build_key,
                "built": built,
                "retired": False,
                "spec_format": SPEC_FORMAT,
            },
        },
    }


def get_panhub_metadata(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The ``metadata.panhub`` object of a kernelspec (empty if it is not panhub's)."""
    metadata = spec.get("metadata")
    panhub = metadata.get("panhub") if isinstance(metadata, Mapping) else None
    return dict(panhub) if isinstance(panhub, Mapping) else {}


def is_retired(spec: Mapping[str, Any]) -> bool:
    """Whether a kernelspec is retired (hidden from the Launcher, still startable)."""
    return get_panhub_metadata(spec).get("retired") is True


def make_retired(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``spec`` marked retired; everything that starts the kernel unchanged."""
    panhub = get_panhub_metadata(spec)
    retired = {**spec, "metadata": {**spec.get("metadata", {}), "panhub": {**panhub}}}
    if not is_retired(spec):
        retired["display_name"] = f"{str(spec['display_name']).removesuffix(')')}, retired)"
    retired["metadata"]["panhub"]["retired"] = True
    return retired


def find_spec_problems(spec: Mapping[str, Any]) -> list[str]:
    """What is wrong with a kernelspec's shape (pure; the interpreter is not looked at).

    >>> find_spec_problems({"argv": ["python"], "display_name": "x", "language": "python"})
    ['argv has no {connection_file}', 'argv[0] is not an absolute path: python']
    """
    problems = []
    argv = spec.get("argv")
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        return ["argv is not a list of strings"]
    if CONNECTION_FILE not in argv:
        problems.append("argv has no {connection_file}")
    if not argv[0].startswith("/"):
        problems.append(f"argv[0] is not an absolute path: {argv[0]}")
    for key in ("display_name", "language"):
        if not isinstance(spec.get(key), str) or not spec.get(key):
            problems.append(f"{key} is missing")
    return problems
