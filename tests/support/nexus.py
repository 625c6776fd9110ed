"""Is a NeXus file valid? Its application definition (nexusformat) and its plot (silx).

nexusformat's validator ships the NIAC definitions and runs offline; its command line
always exits 0, so this calls its Python API and gates on errors (a "recommended" field
that is missing is a warning, never a failure). It checks only one NXentry per call, so
every NXentry of the file is checked. What it does not check, the ``@default`` chain to
a plottable NXdata, is checked with silx, as the viewer reads it.
"""

from __future__ import annotations

import io
import logging
import os
import re

import h5py
from nexusformat.nexus.validate import logger, validate_application
from panhub_nexus import inputs
from silx.io import nxdata

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _entries(path: str) -> list[str]:
    with h5py.File(path, "r") as f:
        return [f"/{name}" for name in inputs.find_entries(f)]


def _validate(path: str, entry: str) -> tuple[tuple[int, int] | None, str]:
    """nexusformat's verdict on one entry, and its report (its logger, captured)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    saved = logger.handlers[:], logger.propagate
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        result = validate_application(path, path=entry)
    finally:
        logger.handlers[:], logger.propagate = saved
    return result, ANSI.sub("", out.getvalue()).strip()


def find_nexus_problems(path: str | os.PathLike[str]) -> list[str]:
    """What is wrong with a NeXus file, one line each (empty when it is valid).

    Every NXentry must name an application definition that validates with 0 errors,
    and the root's ``@default`` chain must end at an NXdata that silx can plot.
    """
    path = os.fspath(path)
    problems = []
    entries = _entries(path)
    if not entries:
        problems.append(f"{path}: no NXentry")
    for entry in entries:
        result, report = _validate(path, entry)
        if result is None:
            problems.append(f"{path}{entry}: no or unknown application definition\n{report}")
        elif result[1] > 0:
            problems.append(f"{path}{entry}: {result[1]} errors\n{report}")
    with h5py.File(path, "r") as f:
        default = nxdata.get_default(f)
        if default is None or not default.is_valid:
            problems.append(f"{path}: @default does not lead to a plottable NXdata")
    return problems


def assert_nexus_valid(path: str | os.PathLike[str]) -> None:
    """Fail with the validator's report unless :func:`find_nexus_problems` finds nothing."""
    problems = find_nexus_problems(path)
    assert problems == [], "\n".join(problems)
