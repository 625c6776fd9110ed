"""A data collection's life, as rules on plain values (pure).

::

    draft --submit--> review --mint--> minted (DataCite: registered or findable)
      ^                 |                 |  \\
      +-----return------+                 |   +--withdraw--> minted, withdrawn
                                          +--new version--> a new draft (previous = it)

- **draft**: its author (any member of the proposals its data comes from, their
  beamline staff, admins) edits metadata and content, or deletes it.
- **review**: frozen; a reviewer mints it or returns it with a note; the author may
  take it back (return). Submitting reserves the DOI at DataCite (a DataCite draft).
- **minted**: metadata edits are sent to DataCite as updates (never silently); content
  never changes: a new version is a new collection and a new DOI, linked
  ``IsNewVersionOf``/``IsPreviousVersionOf``. Withdrawing hides the DOI at DataCite
  (it still resolves, to a tombstone) and is final.

Findable or registered: a minted collection is *findable* when all of its data is public,
or when the author asked for an immediate release (which releases that data: see
:func:`choose_state`); otherwise *registered* until the embargo of all its data has
ended, when ``panhub-catalogue mint-sessions`` makes it findable.
"""

from __future__ import annotations

from panhub_catalogue.errors import CatalogueError
from panhub_catalogue.model import DRAFT, MINTED, REVIEW

#: Actions on a collection, and the statuses they are allowed from.
ALLOWED = {
    "edit": (DRAFT, MINTED),
    "edit_content": (DRAFT,),
    "delete": (DRAFT,),
    "submit": (DRAFT,),
    "return": (REVIEW,),
    "mint": (REVIEW,),
    "new_version": (MINTED,),
    "withdraw": (MINTED,),
}
#: What each action leaves the collection in.
RESULT = {"submit": REVIEW, "return": DRAFT, "mint": MINTED}
#: Why an action is refused in a status, with what to do instead.
ADVICE = {
    ("edit", REVIEW): "it is in review: return it to draft first",
    ("edit_content", REVIEW): "it is in review: return it to draft first",
    ("edit_content", MINTED): (
        "it is minted, so its datasets and files cannot change: make a new version "
        "(POST api/collections/<id>/versions), which gets a DOI of its own"
    ),
    ("delete", REVIEW): "it is in review: return it to draft first",
    ("delete", MINTED): "it is minted: a DOI is never deleted (withdraw it instead)",
    ("submit", REVIEW): "it is already in review",
    ("submit", MINTED): "it is already minted",
    ("mint", DRAFT): "submit it for review first",
    ("mint", MINTED): "it is already minted",
    ("new_version", DRAFT): "only a minted collection gets new versions; edit this draft",
    ("new_version", REVIEW): "only a minted collection gets new versions",
    ("withdraw", DRAFT): "a draft has no DOI to withdraw: delete it instead",
    ("withdraw", REVIEW): "a collection in review has no DOI yet: return it, then delete it",
}


class Conflict(CatalogueError):
    """The action does not fit the collection's state (HTTP 409)."""

    status = 409


def check_action(
    action: str, status: str, *, withdrawn: bool = False, has_next: bool = False
) -> str:
    """The status after ``action``, or :class:`Conflict` saying why not and what to do.

    Parameters
    ----------
    action
        One of :data:`ALLOWED`.
    status
        The collection's status now.
    withdrawn
        It was withdrawn (then nothing more may be done).
    has_next
        A newer version of it exists (then no other new version may be made from it).
    """
    if withdrawn:
        raise Conflict(f"cannot {action.replace('_', ' ')}: the collection was withdrawn")
    if status not in ALLOWED[action]:
        advice = ADVICE.get((action, status), f"not allowed while it is {status}")
        raise Conflict(f"cannot {action.replace('_', ' ')}: {advice}")
    if action == "new_version" and has_next:
        raise Conflict("cannot make a new version: a newer version exists; version that one")
    return RESULT.get(action, status)


def choose_state(data_public: bool, release: str) -> str:
    """The DataCite state a minted collection gets: ``findable`` or ``registered``.

    Findable when all of its data is public, or when an immediate release was asked for
    (and approved: minting releases the data, see :func:`needs_release`); registered
    otherwise, until the data's embargo ends.
    """
    return "findable" if data_public or release == "immediate" else "registered"


def needs_release(data_public: bool, release: str) -> bool:
    """Whether minting must end the embargo of the collection's sessions.

    The visibility rule is per session (investigation): a collection's datasets become
    public only when their whole session does. So an immediate release of embargoed data
    sets the release date of every session the collection draws from to the minting
    time. That is why it needs a reviewer (beamline staff or an admin) even when
    ``Publishing.review_required`` is off.
    """
    return release == "immediate" and not data_public


def next_version(version: str | None) -> str:
    """The version of the next version: ``"2"`` after ``"1"`` or none, else ``<v>+1``.

    >>> next_version(None), next_version("3"), next_version("2024a")
    ('2', '4', '2024a+1')
    """
    if version is None or not version.strip():
        return "2"
    return str(int(version) + 1) if version.isdigit() else f"{version}+1"
