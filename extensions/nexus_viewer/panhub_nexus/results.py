"""Where a template writes its result, and the provenance it records (NXprocess).

A result goes into the proposal's ``processed/`` area, beside the ``raw/`` file it was
made from (``/data/<proposal>/raw/<sub>/x.nxs`` gives ``/data/<proposal>/processed/<sub>/``),
in a file that did not exist before: re-running a template writes ``<stem>-2.nxs``,
``<stem>-3.nxs``… and never overwrites an earlier result. The provenance says how the
result was made: the program and its version, the staff kernel (``PANHUB_KERNEL``, which
every panhub kernelspec sets), the template and its parameters, the inputs with their
SHA-256, the versions of the libraries used, and the date.

Examples
--------
>>> from panhub_nexus import results
>>> results.processed_folder("/data/20260042/raw/saxs/agbeh.nxs")
PosixPath('/data/20260042/processed/saxs')
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import h5py

from panhub_nexus import nxwrite

KERNEL_ENV = "PANHUB_KERNEL"
"""Environment variable holding the kernel's ``<name>-<version>`` (set by its kernelspec)."""
MAX_VERSIONS = 10_000
"""Bound on ``<stem>-N`` names tried before giving up."""


class ResultError(ValueError):
    """A result cannot be placed or recorded (the message says what to change)."""


def processed_folder(raw: str | os.PathLike[str], processed: str = "processed") -> Path:
    """The ``processed/`` folder that mirrors the ``raw/`` folder holding ``raw``.

    Parameters
    ----------
    raw : str or PathLike
        A file (or folder) under a proposal's ``raw/`` area.
    processed : str
        Name of the processed area beside ``raw/``.

    Raises
    ------
    ResultError
        If ``raw`` is not under a folder named ``raw``.
    """
    path = Path(raw).absolute()
    parts = path.parts
    if "raw" not in parts[:-1]:
        raise ResultError(
            f"{path} is not in a proposal's raw/ folder: give the output folder "
            "(the `processed` parameter) yourself"
        )
    at = len(parts) - 2 - parts[:-1][::-1].index("raw")
    sub = parts[at + 1 : -1] if path.suffix else parts[at + 1 :]
    return Path(*parts[:at], processed, *sub)


def new_result_path(folder: str | os.PathLike[str], stem: str, suffix: str = ".nxs") -> Path:
    """Create and return a new empty file ``<stem><suffix>`` (or ``<stem>-N<suffix>``).

    The file is created exclusively, so two runs at once never get the same name and
    an earlier result is never overwritten. The folder is created if needed.

    Raises
    ------
    ResultError
        If the stem is not a plain file name or the folder cannot be written.
    """
    if not stem or "/" in stem or stem.startswith("."):
        raise ResultError(f"{stem!r} is not a file name for a result")
    base = Path(folder)
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ResultError(f"cannot create {base}: {error.strerror}") from None
    for n in range(1, MAX_VERSIONS):
        path = base / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o664)
        except FileExistsError:
            continue
        except OSError as error:
            raise ResultError(f"cannot write in {base}: {error.strerror}") from None
        os.close(fd)
        return path
    raise ResultError(f"{base} holds {MAX_VERSIONS} results named {stem}: choose another name")


def kernel() -> str:
    """The staff kernel this code runs on (``<name>-<version>``), or ``"unknown"``."""
    return os.environ.get(KERNEL_ENV, "") or "unknown"


def sha256(path: str | os.PathLike[str], block: int = 1 << 20) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def versions(distributions: Iterable[str]) -> dict[str, str]:
    """Installed version of each distribution (``"not installed"`` when missing)."""
    found = {}
    for name in distributions:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def write_provenance(
    parent: h5py.Group,
    *,
    program: str,
    template: str,
    parameters: Mapping[str, Any],
    inputs: Iterable[str | os.PathLike[str]],
    libraries: Iterable[str] = (),
    name: str = "process",
    nx_class: str = "NXprocess",
    description: str = "",
) -> h5py.Group:
    """Write how a result was made as an ``NXprocess`` group under ``parent``.

    The group holds ``program``, ``version``, ``date`` and ``description``; NXnote
    groups ``kernel``, ``template`` and ``libraries`` (versions, JSON) and one
    ``input_<n>`` per input file (name and SHA-256); and the ``parameters``
    NXparameters group (as NXtomoproc and NXxasproc name it) with the template's
    parameters as JSON in ``template_parameters``: callers add the reduction's own
    settings there.

    Parameters
    ----------
    parent : h5py.Group
        Usually the result's ``NXentry``.
    program : str
        Distribution name of the main program (its version is looked up).
    template : str
        The template that made the result (e.g. ``saxs/01-integrate-fit``).
    parameters : mapping
        The template's parameters (stored as JSON, with ``default=str``).
    inputs : iterable of path
        Input files, each recorded with its SHA-256.
    libraries : iterable of str
        Other distributions whose versions matter.
    name, nx_class : str
        Group name and class (NXcanSAS wants ``NXprocess`` too; some definitions name
        the group).
    description : str
        One line on what was done.

    Returns
    -------
    h5py.Group
        The group written.
    """
    process = nxwrite.group(parent, name, nx_class)
    nxwrite.field(process, "program", program)
    nxwrite.field(process, "version", versions([program])[program])
    nxwrite.field(process, "date", nxwrite.now())
    if description:
        nxwrite.field(process, "description", description)
    notes: list[tuple[str, str, str]] = [
        ("kernel", "text/plain", kernel()),
        ("template", "text/plain", template),
        ("libraries", "application/json", json.dumps(versions(libraries))),
    ]
    for note_name, mime, text in notes:
        note = nxwrite.group(process, note_name, "NXnote")
        nxwrite.field(note, "type", mime)
        nxwrite.field(note, "data", text)
    settings = nxwrite.group(process, "parameters", "NXparameters")
    text = json.dumps(dict(parameters), default=str)
    nxwrite.field(settings, "template_parameters", text, attrs={"type": "application/json"})
    for i, path in enumerate(inputs):
        note = nxwrite.group(process, f"input_{i + 1}", "NXnote")
        nxwrite.field(note, "type", "application/x-hdf5")
        nxwrite.field(note, "file_name", os.fspath(Path(path).absolute()))
        nxwrite.field(note, "checksum", sha256(path))
        nxwrite.field(note, "algorithm", "SHA-256")
    return process
