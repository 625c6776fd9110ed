"""The sync plan: groups, exact memberships, folders and modes."""

from __future__ import annotations

from panhub.accounts import (
    CreateGroup,
    MakeDir,
    ProtectHome,
    SetMembers,
    ShareProposal,
    make_sync_plan,
)
from panhub.mounts import Layout

from tests.support.proposals import DIRECTORY

LAYOUT = Layout(root="/srv/p", view="/data", group_prefix="prop-")
USERS = frozenset({"alice", "bob", "carol", "dave"})  # erin has no Unix account


def dirs(pid: str) -> list[MakeDir]:
    group = f"prop-{pid}"
    return [
        MakeDir(f"/srv/p/{pid}", group, 0o750),
        MakeDir(f"/srv/p/{pid}/raw", group, 0o2750),
        MakeDir(f"/srv/p/{pid}/processed", group, 0o2770),
        ShareProposal(f"/srv/p/{pid}"),
    ]


def test_first_sync_creates_everything() -> None:
    plan = make_sync_plan(DIRECTORY, LAYOUT, {}, USERS)
    assert plan.actions == (
        MakeDir("/srv/p", "root", 0o711),
        MakeDir("/data", "root", 0o755),
        CreateGroup("prop-20260001"), *dirs("20260001"),
        CreateGroup("prop-20260002"), *dirs("20260002"),
        CreateGroup("prop-20260003"), *dirs("20260003"),
        CreateGroup("prop-20260004"), *dirs("20260004"),
        SetMembers("prop-20260001", ("alice", "carol", "dave")),
        SetMembers("prop-20260002", ("bob", "carol", "dave")),
        SetMembers("prop-20260003", ("bob", "dave")),
        SetMembers("prop-20260004", ("dave",)),
    )  # fmt: skip
    assert plan.unknown_users == ("erin",)


def test_second_sync_changes_no_group_and_revokes_removed_members() -> None:
    groups = {
        "prop-20260001": frozenset({"alice", "carol", "dave", "mallory"}),  # mallory revoked
        "prop-20260002": frozenset({"bob", "carol", "dave"}),
        "prop-20260003": frozenset({"bob", "dave"}),
        "prop-20260004": frozenset({"dave"}),
        "prop-20250099": frozenset({"alice"}),  # a proposal gone from the source
    }
    plan = make_sync_plan(DIRECTORY, LAYOUT, groups, USERS | {"mallory"})
    changes = [a for a in plan.actions if not isinstance(a, MakeDir | ShareProposal)]
    assert changes == [
        SetMembers("prop-20250099", ()),
        SetMembers("prop-20260001", ("alice", "carol", "dave")),
    ]


def test_describe_actions() -> None:
    from panhub.accounts import describe

    assert describe(CreateGroup("prop-1")) == "create group prop-1"
    assert describe(SetMembers("prop-1", ())) == "set members of prop-1: (none)"
    assert describe(SetMembers("prop-1", ("a", "b"))) == "set members of prop-1: a, b"
    assert (
        describe(MakeDir("/srv/p/1/raw", "prop-1", 0o2750))
        == "folder /srv/p/1/raw root:prop-1 2750"
    )
    assert describe(ShareProposal("/srv/p/1")) == "share /srv/p/1: new files the group's only"
    assert (
        describe(ShareProposal("/srv/p/1", "readers"))
        == "share /srv/p/1: new files the group's only, readable by readers"
    )
    assert describe(ProtectHome("alice", "/home/alice")) == "home of alice /home/alice 0700"


def test_homes_of_the_directorys_people_become_private() -> None:
    homes = {
        "alice": ("/home/alice", 0o755),  # created by an older useradd: repaired
        "bob": ("/home/bob", 0o700),  # already private: nothing to do
        "carol": ("/home/carol", 0o750),  # group-readable: repaired
        "mallory": ("/home/mallory", 0o755),  # not in the directory: not ours to change
    }
    plan = make_sync_plan(DIRECTORY, LAYOUT, {}, USERS | {"mallory"}, homes)
    assert [a for a in plan.actions if isinstance(a, ProtectHome)] == [
        ProtectHome("alice", "/home/alice"),
        ProtectHome("carol", "/home/carol"),
    ]


def test_reader_group_reads_every_proposal() -> None:
    plan = make_sync_plan(DIRECTORY, LAYOUT, {}, USERS, reader_group="panhub-readers")
    shares = [a for a in plan.actions if isinstance(a, ShareProposal)]
    assert shares == [
        ShareProposal(f"/srv/p/{pid}", "panhub-readers")
        for pid in ("20260001", "20260002", "20260003", "20260004")
    ]
