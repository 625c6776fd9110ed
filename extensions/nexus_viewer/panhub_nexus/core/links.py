"""Links that lead nowhere: which file or path is missing, in words a user can act on.

Master files of area detectors link their frames from other files (``ExternalLink``),
and NXmx files link detector data into NXdata (soft and hard links). When a target is
missing, h5py only says "unable to open object"; this module says which file or path.
"""

from __future__ import annotations

import os

import h5py


def get_child(group: h5py.Group, name: str) -> h5py.Group | h5py.Dataset | None:
    """The child `name` of `group`, or None if it is absent or its link is broken."""
    try:
        child = group.get(name)
    except (KeyError, OSError, ValueError, RuntimeError):
        return None
    return child if isinstance(child, h5py.Group | h5py.Dataset) else None


def get_link(
    group: h5py.Group, name: str
) -> h5py.HardLink | h5py.SoftLink | h5py.ExternalLink | None:
    """The link `name` of `group` itself (not followed), or None if there is none."""
    try:
        return group.get(name, getlink=True)
    except (KeyError, OSError, ValueError, RuntimeError):
        return None


def is_broken(group: h5py.Group, name: str) -> bool:
    """True if `group` has a link `name` whose target cannot be opened."""
    return get_link(group, name) is not None and get_child(group, name) is None


def find_external_file(group: h5py.Group | h5py.Dataset, filename: str) -> str:
    """Where HDF5 looks for the file of an external link: absolute, else beside the file
    holding the link (HDF5 also tries the working directory; a viewer's is arbitrary)."""
    if os.path.isabs(filename):
        return filename
    return os.path.join(os.path.dirname(os.path.abspath(group.file.filename)), filename)


def _describe_external(path: str, link: h5py.ExternalLink, group: h5py.Group) -> str:
    where = find_external_file(group, link.filename)
    if not os.path.exists(where):
        folder = os.path.dirname(where) or "."
        return (
            f"{path} is an external link to {link.filename}::{link.path}, and "
            f"{link.filename} is missing (not found in {folder})"
        )
    try:
        with h5py.File(where, "r", locking=False) as target:
            present = link.path in target
    except OSError as exc:
        return f"{path} is an external link to {link.filename}, which cannot be opened: {exc}"
    if not present:
        return (
            f"{path} is an external link to {link.filename}::{link.path}, a path not in that file"
        )
    return f"{path} is an external link to {link.filename}::{link.path}, which cannot be opened"


def describe_broken(group: h5py.Group, name: str) -> str:
    """Why the child `name` of `group` cannot be opened ("" if it can).

    Examples
    --------
    ``/entry/data/data is an external link to scan_data_000001.h5::/entry/data/data,
    and scan_data_000001.h5 is missing (not found in /data/p1/raw)``
    """
    link = get_link(group, name)
    if link is None or get_child(group, name) is not None:
        return ""
    path = f"{(group.name or '').rstrip('/')}/{name}"
    if isinstance(link, h5py.ExternalLink):
        return _describe_external(path, link, group)
    if isinstance(link, h5py.SoftLink):
        return f"{path} is a soft link to {link.path}, which does not exist"
    return f"{path} cannot be opened"


def describe_missing_sources(dataset: h5py.Dataset) -> str:
    """Which source files of the virtual dataset `dataset` are missing ("" if none is).

    A detector's master file often maps its frames from data files as a virtual dataset
    (NXmx masters of DLS, nexgen, Dectris' newer writers); when a source file is missing,
    HDF5 reads its fill value without an error, so the user would see a blank image.

    Examples
    --------
    ``/entry/data/data maps its frames from xrc_209_000001.h5, which is missing (not
    found in /data/p1/raw): nothing is shown rather than HDF5's fill value``
    """
    try:
        if not dataset.is_virtual:
            return ""
        sources = dataset.virtual_sources()
    except (OSError, ValueError, RuntimeError):
        return ""
    missing: dict[str, str] = {}
    for source in sources:
        if source.file_name in (".", ""):  # in the master file: often a link to a data file
            parent, _, name = source.dset_name.rpartition("/")
            group = get_child(dataset.file, parent or "/")
            if isinstance(group, h5py.Group) and is_broken(group, name):
                return (
                    f"{dataset.name} maps its frames from {source.dset_name}: "
                    + describe_broken(group, name)
                )
            continue
        where = find_external_file(dataset, source.file_name)
        if not os.path.exists(where):
            missing.setdefault(source.file_name, os.path.dirname(where) or ".")
    if not missing:
        return ""
    names = ", ".join(sorted(missing))
    folders = ", ".join(sorted(set(missing.values())))
    verb = "is" if len(missing) == 1 else "are"
    return (
        f"{dataset.name} maps its frames from {names}, which {verb} missing (not found in "
        f"{folders}): nothing is shown rather than HDF5's fill value"
    )
