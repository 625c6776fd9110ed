"""Links of a NeXus file that lead nowhere, for the note the catalogue keeps of the file.

The indexer follows no external link (:mod:`panhub_catalogue.ingest.nexus`), but a file
whose external or soft links point at something missing (a detector's data file not
copied, a path renamed) is worth telling its users about. :func:`find_link_notes` looks
at the links near the top of each entry, never opening a linked file:

- an external link's file is checked for existence only when it lies inside the
  file's own proposal folder (symbolic links resolved): the indexer runs with more
  rights than the users who write links, and whether a file exists in another
  proposal is not theirs to learn; a link out of the proposal is noted as not followed;
- a soft link's target is looked up link by link, stopping at an external link.
"""

from __future__ import annotations

import os

import h5py

#: How deep below an entry links are looked at (entry/instrument/detector/data is 3).
DEPTH = 3
#: Links looked at in one file at most (a file of many entries stays fast).
BUDGET = 20_000
#: Soft links followed in a chain at most (a loop of soft links ends there).
HOPS = 16


def describe_external(
    where: str, link: h5py.ExternalLink, folder: str, proposal: str | None
) -> str | None:
    """A note on the external link at ``where``, or ``None`` when its file exists.

    Parameters
    ----------
    folder
        The folder of the file holding the link (relative links start there, as HDF5's).
    proposal
        The proposal folder; ``None`` checks any path (a caller reading as itself).
    """
    target = os.path.normpath(os.path.join(folder, link.filename))
    shown = f"{where}: external link to {link.filename}:{link.path}"
    if proposal is not None:
        inside = os.path.realpath(proposal)
        if os.path.commonpath([os.path.realpath(target), inside]) != inside:
            return f"{shown} leaves the proposal: not followed"
    return None if os.path.lexists(target) else f"{shown}: the file is missing"


def find_soft_target(group: h5py.Group, target: str, hops: int = HOPS) -> str:
    """Where the soft link ``target`` (seen from ``group``) leads, without leaving the file.

    Returns
    -------
    str
        ``"found"``, ``"missing"``, or ``"external"`` when the way goes through an
        external link (which :func:`describe_external` reports).
    """
    current = group.file if target.startswith("/") else group
    for part in [p for p in target.split("/") if p not in ("", ".")]:
        if hops <= 0 or not isinstance(current, h5py.Group):
            return "missing"
        link = current.get(part, getlink=True)
        if link is None:
            return "missing"
        if isinstance(link, h5py.ExternalLink):
            return "external"
        if isinstance(link, h5py.SoftLink):
            hops -= 1
            found = find_soft_target(current, link.path, hops)
            if found != "found":
                return found
        current = current.get(part)
    return "found"


def find_link_notes(
    entries: list[h5py.Group], folder: str, proposal: str | None, budget: int = BUDGET
) -> list[str]:
    """Notes on the missing or unfollowed link targets under ``entries`` (to :data:`DEPTH`)."""
    notes: list[str] = []
    stack = [(entry, DEPTH) for entry in reversed(entries)]
    while stack:
        group, depth = stack.pop()
        try:
            names = list(group)
        except (OSError, RuntimeError, KeyError):
            continue
        for name in names:
            budget -= 1
            if budget < 0:
                return [*notes, f"links beyond the first {BUDGET} not checked"]
            where = f"{group.name.rstrip('/')}/{name}"
            link = group.get(name, getlink=True)
            if isinstance(link, h5py.ExternalLink):
                note = describe_external(where, link, folder, proposal)
            elif isinstance(link, h5py.SoftLink):
                found = find_soft_target(group, link.path)
                note = f"{where}: soft link to {link.path}, which is missing"
                note = note if found == "missing" else None
            else:
                note = None
                if depth > 1 and group.get(name, getclass=True) is h5py.Group:
                    stack.append((group[name], depth - 1))
            if note:
                notes.append(note)
    return notes
