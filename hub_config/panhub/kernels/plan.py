"""What ``panhub kernels build`` does for each kernel: build, skip or refuse (pure).

A kernel's identity is ``<name>-<version>``; its build key hashes what goes into the
environment: the lock, the Python version (``X.Y``) and the panhub wheel. An installed
kernel with the same key is skipped. One with another lock or Python under the same
identity is refused: a version's science stack never changes, staff raise ``version``.
One that differs only in the panhub wheel (panhub's own ``panhub_nexus`` and catalogue
API, the platform's part) is rebuilt and swapped in whole ("update"). One whose
environment is unchanged but whose metadata changed (a description, a beamline) gets a
new kernelspec only ("respec", instant).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from panhub.kernels.kernelspec import SPEC_FORMAT
from panhub.kernels.spec import KernelSource

Action = Literal["build", "update", "respec", "skip", "clash"]

#: the kernelspec metadata that comes from kernel.toml (a change means "respec")
SPEC_FIELDS = (
    "technique",
    "technique_label",
    "panet",
    "beamlines",
    "maintainer",
    "description",
    "imports",
    "spec_format",
)


@dataclass(frozen=True)
class Step:
    """One kernel's part of a build plan, with the reason shown to staff."""

    kernel: KernelSource
    action: Action
    build_key: str
    reason: str


def make_build_key(lock_sha256: str, python: str, wheel_sha256: str) -> str:
    """SHA-256 of the lock's hash, the Python ``X.Y`` and the panhub wheel's hash.

    >>> make_build_key("a" * 64, "3.11", "b" * 64)[:12]
    'b45f237f57a4'
    """
    text = f"lock {lock_sha256}\npython {python}\npanhub-wheel {wheel_sha256}\n"
    return hashlib.sha256(text.encode()).hexdigest()


def make_metadata(kernel: KernelSource) -> dict[str, object]:
    """The :data:`SPEC_FIELDS` of ``kernel`` as its kernelspec records them."""
    return {
        "technique": kernel.technique,
        "technique_label": kernel.display_name,
        "panet": kernel.panet,
        "beamlines": list(kernel.beamlines),
        "maintainer": kernel.maintainer,
        "description": kernel.description,
        "imports": list(kernel.imports),
        "spec_format": SPEC_FORMAT,
    }


def have_metadata(installed: Mapping[str, object]) -> dict[str, object]:
    """The :data:`SPEC_FIELDS` of an installed kernelspec's ``metadata.panhub``."""
    return {field: installed.get(field) for field in SPEC_FIELDS}


def make_plan(
    kernels: Iterable[KernelSource],
    installed: Mapping[str, Mapping[str, object]],
    python: str,
    wheel_sha256: str,
) -> list[Step]:
    """Decide, for each kernel, whether to build it.

    Parameters
    ----------
    kernels
        The kernels asked for, in order.
    installed
        ``{kernel id: metadata.panhub}`` of the kernelspecs in the prefix (their
        ``build_key``, ``lock_sha256`` and ``python``).
    python
        ``X.Y`` of the interpreter environments are made from.
    wheel_sha256
        SHA-256 of the panhub wheel installed into every environment.
    """
    steps = []
    for kernel in kernels:
        key = make_build_key(kernel.lock_sha256, python, wheel_sha256)
        have = installed.get(kernel.kernel_id)
        if kernel.python != python:
            action: Action = "clash"
            reason = f"locked for Python {kernel.python}, the interpreter is {python}"
        elif have is None:
            action, reason = "build", "not installed"
        elif have.get("build_key") == key and have_metadata(have) != make_metadata(kernel):
            action, reason = "respec", "new metadata"
        elif have.get("build_key") == key:
            action, reason = "skip", "unchanged"
        elif have.get("lock_sha256") == kernel.lock_sha256 and have.get("python") == python:
            action, reason = "update", "new panhub wheel"
        else:
            action = "clash"
            reason = (
                f"{kernel.kernel_id} is installed from another lock; a version never "
                f"changes: raise 'version' in {kernel.folder / 'kernel.toml'}"
            )
        steps.append(Step(kernel, action, key, reason))
    return steps
