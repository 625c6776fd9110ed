"""``panhub accounts sync``: POSIX groups and proposal folders from a ProposalDirectory.

:func:`make_sync_plan` is pure: from the directory, the layout and what the system has
now, it lists what to do. :func:`apply_plan` does it with ``groupadd``, ``gpasswd`` and
``install``, as root. Running it again changes nothing; a member removed from the
source is removed from the proposal's group (and so loses access from their next
login or job); a proposal that disappears keeps its data and loses all its members.

Permissions (the enforcement that holds outside the hub too):

- ``<root>`` 0711: users can reach their proposals but not list the others;
- ``<root>/<id>`` root:prop-<id> 0750; ``raw`` 2750 (read-only for the group);
  ``processed`` 2770 (writable, new files keep the proposal's group);
- default ACLs on ``raw`` and ``processed`` (:class:`ShareProposal`): new files there are
  the group's (read-only in raw, read-write in processed) and nobody else's, whatever
  the writer's umask (users' jobs run with umask 077, so files elsewhere stay private);
  with a reader group (``--reader-group panhub-readers``), that group may read every
  proposal's files, which is how the catalogue's indexer reads them without root;
- the home folders of the directory's people 0700 (:class:`ProtectHome`).
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import subprocess
from collections.abc import Iterable, Mapping
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


@dataclass(frozen=True)
class ShareProposal:
    """Default ACLs of a proposal's areas, and read access for ``reader_group`` if set."""

    path: str
    reader_group: str = ""


@dataclass(frozen=True)
class ProtectHome:
    """Make ``user``'s home folder ``path`` private (0700)."""

    user: str
    path: str


Action = CreateGroup | SetMembers | MakeDir | ShareProposal | ProtectHome


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
    homes: Mapping[str, tuple[str, int]] | None = None,
    reader_group: str = "",
) -> SyncPlan:
    """Plan the groups, memberships, folders and home modes for ``directory``.

    Parameters
    ----------
    groups
        The system's groups with ``layout.group_prefix`` and their members now.
    users
        The Unix accounts that exist (only they can be group members).
    homes
        Home folder and its mode now, per account, for the directory's people.
    reader_group
        A group that may read every proposal's data (a service's, e.g. the catalogue
        indexer's), through ACLs; empty for none.
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
            ShareProposal(layout.path(proposal.id), reader_group),
        ]
    for group in groups:
        wanted.setdefault(group, frozenset())  # proposals gone from the source: no members
    for group, members in sorted(wanted.items()):
        if groups.get(group) != members:
            actions.append(SetMembers(group, tuple(sorted(members))))
    people = frozenset[str]().union(*wanted.values())
    for user, (path, mode) in sorted((homes or {}).items()):
        if user in people and mode & 0o077:
            actions.append(ProtectHome(user, path))
    return SyncPlan(tuple(actions), tuple(sorted(unknown)))


def describe(action: Action) -> str:
    """One line for a person: what ``action`` does."""
    if isinstance(action, CreateGroup):
        return f"create group {action.group}"
    if isinstance(action, SetMembers):
        return f"set members of {action.group}: {', '.join(action.members) or '(none)'}"
    if isinstance(action, ShareProposal):
        readers = f", readable by {action.reader_group}" if action.reader_group else ""
        return f"share {action.path}: new files the group's only{readers}"
    if isinstance(action, ProtectHome):
        return f"home of {action.user} {action.path} 0700"
    return f"folder {action.path} root:{action.group} {action.mode:04o}"


def read_groups(prefix: str) -> dict[str, frozenset[str]]:
    """The system's groups whose names start with ``prefix``, and their members."""
    return {g.gr_name: frozenset(g.gr_mem) for g in grp.getgrall() if g.gr_name.startswith(prefix)}


def read_users() -> frozenset[str]:
    """The names of the system's accounts."""
    return frozenset(p.pw_name for p in pwd.getpwall())


def read_homes(users: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Home folder and mode of each of ``users`` that has one on this machine."""
    homes = {}
    for name in users:
        try:
            path = pwd.getpwnam(name).pw_dir
            homes[name] = (path, stat.S_IMODE(os.stat(path).st_mode))
        except (KeyError, OSError):
            continue
    return homes


def make_plan(directory: Directory, layout: Layout, reader_group: str = "") -> SyncPlan:
    """:func:`make_sync_plan` for this machine, as it is now."""
    people: set[str] = set(directory.admins)
    for proposal in directory.proposals:
        people |= group_members(proposal, directory)
    return make_sync_plan(
        directory,
        layout,
        read_groups(layout.group_prefix),
        read_users(),
        read_homes(sorted(people)),
        reader_group,
    )


def _has_default_acl(path: str, entry: str) -> bool:
    done = subprocess.run(["getfacl", "--omit-header", "--default", path],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    return done.returncode == 0 and entry in done.stdout.split()


def share_proposal(action: ShareProposal) -> bool:
    """Set ``action``'s ACLs; the recursive pass over existing files only the first time.

    Returns whether the recursive pass ran.
    """
    reader = action.reader_group
    raw, processed = f"{action.path}/raw", f"{action.path}/processed"
    read = f",g:{reader}:r-X" if reader else ""
    defaults = {raw: "u::rwX,g::r-X,o::---" + read, processed: "u::rwX,g::rwX,o::---" + read}
    if reader:  # the proposals root too, so the indexer finds proposals not listed anywhere
        _run(["setfacl", "-m", f"g:{reader}:r-x", os.path.dirname(action.path), action.path])
    marker = f"group:{reader}:r-x" if reader else "other::---"
    if all(_has_default_acl(area, marker) for area in defaults):
        return False
    for area, spec in defaults.items():
        _run(["find", area, "-type", "d", "-exec", "setfacl", "-d", "-m", spec, "{}", "+"])
        if reader:
            _run(["setfacl", "-R", "-m", f"g:{reader}:rX", area])
    return True


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
        elif isinstance(action, ShareProposal):
            if share_proposal(action):
                done.append(describe(action))
        elif isinstance(action, ProtectHome):
            os.chmod(action.path, 0o700)
            done.append(describe(action))
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
