"""Whether what a file says of its proposal agrees with its path.

A file belongs to the proposal its path names (``Indexer.layout``): that is where the
beamline wrote it, and who may read it is decided there. A file may also name an
experiment (``NXentry/experiment_identifier``, "unique identifier for the experiment,
defined by the facility, possibly linked to the proposals"): when it names another
proposal, the path still wins, and the indexer reports the disagreement.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s/_:.-]+")


def is_same_proposal(identifier: str, proposal: str, visit: str = "") -> bool:
    """Whether a file's ``experiment_identifier`` names the proposal its path names.

    Case and spacing aside, the identifier is the proposal, the visit, or the proposal
    followed by a separator and more (``"20240001-1"``, ``"MX-1234/visit2"`` for
    proposal ``"MX-1234"``; Diamond's visit ``"cm12345-1"`` for ``"cm12345"``).
    """
    said, named = identifier.strip().lower(), proposal.strip().lower()
    if said in (named, visit.strip().lower()):
        return True
    return said.startswith(named) and bool(_SEPARATORS.match(said[len(named) :]))


def describe_disagreement(identifier: str | None, proposal: str, visit: str = "") -> str | None:
    """The note for a file naming another experiment than its path's proposal, or ``None``."""
    if not identifier or is_same_proposal(identifier, proposal, visit):
        return None
    return (
        f"the file names experiment {identifier!r}; catalogued under proposal {proposal!r}, "
        "which its path names"
    )
