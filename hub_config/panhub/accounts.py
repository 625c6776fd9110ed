"""``panhub accounts sync``: POSIX groups and proposal folders from a ProposalDirectory.

:func:`make_sync_plan` is pure: from the directory, the layout and what the system has
now, it lists what to do. :func:`apply_plan` does it with ``groupadd``, ``gpasswd`` and
``install``, as root. Running it again changes nothing; a member removed from the
source is removed from the proposal's group (and so loses access from their next
login or job); a proposal that disappears keeps its data and loses all its members.

Permissions (the enforcement that holds outside the hub too):

- ``<root>`` 0711: users can reach their proposals but not list the others;
- ``<root>/<id>`` root:prop-<id> 0750; ``raw`` 2750 (read-only for the group);
  ``processed`` 2770 (writable, new files keep the proposal's group).
"""

from __future__ import annotations

import grp
import pwd
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

from panhub.mounts import Layout
from panhub.proposals import Directory, group_members

ROOT_MODE = 0o711
PROPOSAL_MODE = 0o750
RAW_MODE = 0o2750
PROCESSED_MODE = 0o2770
VIEW_MODE = 0o755


@dataclass(frozen=True)
class CreateGroup:
    group: str


@dataclass(frozen=True)
class SetMembers:
    group: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class MakeDir:
    path: str
    group: str
    mode: int


Action = CreateGroup | SetMembers | MakeDir


@dataclass(frozen=True)
class SyncPlan:
    """What a sync does, and the members it could not add (no such Unix account)."""

    actions: tuple[Action, ...]
    unknown_users: tuple[str, ...] = ()


def make_sync_plan(
    directory: Directory,
    layout: Layout,
    groups: Mapping[str, frozenset[str]],
    users: frozenset[str],
) -> SyncPlan:
    """Plan the groups, memberships and folders for ``directory``.

    Parameters
    ----------
    groups
        The system's groups with ``layout.group_prefix`` and their members now.
    users
        The Unix accounts that exist (only they can be group members).
    """
    actions: list[Action] = [
        MakeDir(layout.root, "root", ROOT_MODE),
        MakeDir(layout.view, "root", VIEW_MODE),
    ]
    unknown: set[str] = set()
    wanted: dict[str, frozenset[str]] = {}
    for proposal in directory.proposals:
        group = layout.group(proposal.id)
        people = group_members(proposal, directory)
        unknown |= people - users
        wanted[group] = people & users
        if group not in groups:
            actions.append(CreateGroup(group))
        actions += [
            MakeDir(layout.path(proposal.id), group, PROPOSAL_MODE),
            MakeDir(layout.path(proposal.id, layout.raw), group, RAW_MODE),
            MakeDir(layout.path(proposal.id, layout.processed), group, PROCESSED_MODE),
        ]
    for group in groups:
        wanted.setdefault(group, frozenset())  # proposals gone from the source: no members
    for group, members in sorted(wanted.items()):
        if groups.get(group) != members:
            actions.append(SetMembers(group, tuple(sorted(members))))
    return SyncPlan(tuple(actions), tuple(sorted(unknown)))


def describe(action: Action) -> str:
    """One line for a person: what ``action`` does."""
    if isinstance(action, CreateGroup):
        return f"create group {action.group}"
    if isinstance(action, SetMembers):
        return f"set members of {action.group}: {', '.join(action.members) or '(none)'}"
    return f"folder {action.path} root:{action.group} {action.mode:04o}"


def read_groups(prefix: str) -> dict[str, frozenset[str]]:
    """The system's groups whose names start with ``prefix``, and their members."""
    return {g.gr_name: frozenset(g.gr_mem) for g in grp.getgrall() if g.gr_name.startswith(prefix)}


def read_users() -> frozenset[str]:
    """The names of the system's accounts."""
    return frozenset(p.pw_name for p in pwd.getpwall())


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip()}")


def apply_plan(plan: SyncPlan) -> list[str]:
    """Carry out ``plan`` (as root); return one line per action, for the log."""
    done = []
    for action in plan.actions:
        if isinstance(action, CreateGroup):
            _run(["groupadd", action.group])
            done.append(f"created group {action.group}")
        elif isinstance(action, SetMembers):
            _run(["gpasswd", "-M", ",".join(action.members), action.group])
            done.append(f"{action.group}: members {', '.join(action.members) or '(none)'}")
        else:
            _run(
                [
                    "install",
                    "-d",
                    "-o",
                    "root",
                    "-g",
                    action.group,
                    "-m",
                    f"{action.mode:o}",
                    action.path,
                ]
            )
    return done
