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

#: Links looked at in one file at most (a file of many entries stays fast).
BUDGET = 20_000
#: Soft links followed in a chain at most (a loop of soft links ends there).
HOPS = 16


def describe_external(
    where: str, filename: str, path: str, folder: str, proposal: str | None
) -> str | None:
    """A note on the external link at ``where``, or ``None`` when its file exists.

    Parameters
    ----------
    filename, path
        The link's file and the path in it.
    folder
        The folder of the file holding the link (relative links start there, as HDF5's).
    proposal
        The proposal folder; ``None`` checks any path (a caller reading as itself).
    """
    target = os.path.normpath(os.path.join(folder, filename))
    shown = f"{where}: external link to {filename}:{path}"
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
        external (or user-defined) link, which is not followed.
    """
    current = group.file.id if target.startswith("/") else group.id
    for part in [p.encode() for p in target.split("/") if p not in ("", ".")]:
        if hops <= 0 or not isinstance(current, h5py.h5g.GroupID):
            return "missing"
        if not current.links.exists(part):
            return "missing"
        kind = current.links.get_info(part).type
        if kind not in (h5py.h5l.TYPE_HARD, h5py.h5l.TYPE_SOFT):
            return "external"
        if kind == h5py.h5l.TYPE_SOFT:
            hops -= 1
            found = find_soft_target(
                h5py.Group(current), current.links.get_val(part).decode(), hops
            )
            if found != "found":
                return found
        current = h5py.h5o.open(current, part)
    return "found"


def find_link_notes(
    f: h5py.File, folder: str, proposal: str | None, budget: int = BUDGET
) -> list[str]:
    """Notes on the missing or unfollowed link targets of the file ``f``.

    Every link is visited once (HDF5's ``H5Lvisit``, which opens no linked file), up to
    ``budget`` links.
    """
    notes: list[str] = []
    seen = 0

    def visit(name: bytes, info: h5py.h5l.LinkInfo) -> bool | None:
        nonlocal seen
        seen += 1
        if seen > budget:
            notes.append(f"links beyond the first {budget} not checked")
            return True
        if info.type == h5py.h5l.TYPE_HARD:
            return None
        where = "/" + name.decode("utf-8", "replace")
        value = f.id.links.get_val(name)
        if info.type == h5py.h5l.TYPE_EXTERNAL:
            filename, path = (v.decode("utf-8", "replace") for v in value)
            note = describe_external(where, filename, path, folder, proposal)
        elif info.type == h5py.h5l.TYPE_SOFT:
            parent = f[where.rsplit("/", 1)[0] or "/"]
            target = value.decode("utf-8", "replace")
            missing = find_soft_target(parent, target) == "missing"
            note = f"{where}: soft link to {target}, which is missing" if missing else None
        else:
            note = f"{where}: a user-defined link, not followed"
        if note:
            notes.append(note)
        return None

    try:
        f.id.links.visit(visit, info=True)
    except (OSError, RuntimeError, KeyError, ValueError) as error:
        notes.append(f"links not all checked: {error}")
    return notes
