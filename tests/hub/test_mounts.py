"""The data view: mounts over users x proposals, and both renderers, by exact equality."""

from __future__ import annotations

import itertools

import pytest
from panhub.mounts import (
    Layout,
    Mount,
    SystemView,
    get_lab_start,
    make_lab_env,
    make_mounts,
    make_system_mounts,
    make_view,
    render_bwrap,
    render_kubespawner,
)
from panhub.proposals import InvalidProposal, resolve_access

from tests.support.proposals import DIRECTORY

LAYOUT = Layout(root="/srv/proposals", view="/data", home="/home/{username}")


def proposal_mounts(pid: str) -> list[Mount]:
    return [
        Mount(f"/srv/proposals/{pid}/raw", f"/data/{pid}/raw", False),
        Mount(f"/srv/proposals/{pid}/processed", f"/data/{pid}/processed", True),
    ]


@pytest.mark.parametrize(
    "user,proposals",
    [
        ("alice", ["20260001"]),
        ("bob", ["20260002", "20260003"]),
        ("carol", ["20260001", "20260002"]),
        ("erin", ["20260003", "20260004"]),
        ("dave", ["20260001", "20260002", "20260003", "20260004"]),
        ("mallory", []),
    ],
)
def test_mounts_follow_the_access_rule(user: str, proposals: list[str]) -> None:
    access = resolve_access(user, DIRECTORY)
    expected = [Mount(f"/home/{user}", f"/home/{user}", True)]
    for pid in proposals:
        expected += proposal_mounts(pid)
    assert make_mounts(user, access.proposals, LAYOUT) == expected


def test_mounts_are_sorted_unique_and_include_scratch() -> None:
    layout = Layout(scratch="/scratch/{username}")
    assert make_mounts("bob", ["20260003", "20260002", "20260003"], layout) == [
        Mount("/home/bob", "/home/bob", True),
        Mount("/scratch/bob", "/scratch/bob", True),
        *proposal_mounts("20260002"),
        *proposal_mounts("20260003"),
    ]


@pytest.mark.parametrize("bad", ["../20260002", "a/b", "x y", "..", "p\n1"])
def test_hostile_proposal_ids_never_become_mounts(bad: str) -> None:
    with pytest.raises(InvalidProposal):
        make_mounts("alice", ["20260001", bad], LAYOUT)


def test_hostile_user_name() -> None:
    with pytest.raises(InvalidProposal):
        make_mounts("../root", [], LAYOUT)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"root": "srv"}, "normalised absolute path"),
        ({"root": "/srv/../etc"}, "normalised absolute path"),
        ({"view": "/"}, "normalised absolute path"),
        ({"root": "/data", "view": "/data"}, "must not lie inside"),
        ({"root": "/data", "view": "/data/view"}, "must not lie inside"),
        ({"root": "/data/p", "view": "/data"}, "must not lie inside the view"),
    ],
)
def test_bad_layouts(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Layout(**kwargs)


SYSTEM_ARGS = [
    "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
    "--ro-bind", "/opt/panhub", "/opt/panhub", "--ro-bind", "/run/munge", "/run/munge",
    "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
    "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
    "--tmpfs", "/etc/munge", "--tmpfs", "/etc/sudoers.d", "--tmpfs", "/etc/ssl/private",
    "--ro-bind", "/dev/null", "/etc/shadow", "--ro-bind", "/dev/null", "/etc/gshadow",
    "--ro-bind", "/dev/null", "/etc/sudoers",
]  # fmt: skip
# the view's own folders are read-only (a file saved there would vanish with the job)
READ_ONLY_ARGS = [
    "--remount-ro", "/etc/munge", "--remount-ro", "/etc/sudoers.d",
    "--remount-ro", "/etc/ssl/private",
]  # fmt: skip


def test_bwrap_command_exact() -> None:
    mounts = make_view("alice", ["20260001"], LAYOUT)
    assert render_bwrap(mounts, LAYOUT) == [
        "bwrap", "--die-with-parent", "--unshare-pid",
        *SYSTEM_ARGS,
        "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
        "--tmpfs", "/srv/proposals", "--tmpfs", "/data",
        "--bind", "/home/alice", "/home/alice",
        "--ro-bind", "/srv/proposals/20260001/raw", "/data/20260001/raw",
        "--bind", "/srv/proposals/20260001/processed", "/data/20260001/processed",
        *READ_ONLY_ARGS,
        "--remount-ro", "/srv/proposals", "--remount-ro", "/data", "--remount-ro", "/",
        "--",
    ]  # fmt: skip


def test_bwrap_without_proposals_shows_an_empty_view() -> None:
    argv = render_bwrap(make_mounts("mallory", [], LAYOUT), LAYOUT, "/usr/bin/bwrap")
    assert argv[0] == "/usr/bin/bwrap"
    assert argv[-12:] == [
        "--tmpfs", "/data", "--bind", "/home/mallory", "/home/mallory",
        "--remount-ro", "/srv/proposals", "--remount-ro", "/data", "--remount-ro", "/", "--",
    ]  # fmt: skip


def test_kubespawner_volumes_exact() -> None:
    mounts = make_mounts("bob", ["20260002", "20260003"], LAYOUT)
    assert render_kubespawner(mounts, LAYOUT) == {
        "volumes": [
            {"name": "proposals", "persistentVolumeClaim": {"claimName": "panhub-proposals"}}
        ],
        "volume_mounts": [
            {
                "name": "proposals",
                "mountPath": "/data/20260002/raw",
                "subPath": "20260002/raw",
                "readOnly": True,
            },
            {
                "name": "proposals",
                "mountPath": "/data/20260002/processed",
                "subPath": "20260002/processed",
            },
            {
                "name": "proposals",
                "mountPath": "/data/20260003/raw",
                "subPath": "20260003/raw",
                "readOnly": True,
            },
            {
                "name": "proposals",
                "mountPath": "/data/20260003/processed",
                "subPath": "20260003/processed",
            },
        ],
    }
    assert render_kubespawner(make_mounts("mallory", [], LAYOUT), LAYOUT) == {
        "volumes": [],
        "volume_mounts": [],
    }


def test_bwrap_links_instead_of_binding_above_the_limit() -> None:
    layout = Layout(
        root="/srv/proposals", view="/data", home="/home/{username}", max_bind_proposals=2
    )
    mounts = make_view("bob", ["P3", "P1", "P2"], layout)
    assert render_bwrap(mounts, layout) == [
        "bwrap", "--die-with-parent", "--unshare-pid",
        *SYSTEM_ARGS,
        "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
        "--bind", "/srv/proposals", "/srv/proposals", "--tmpfs", "/data",
        "--bind", "/home/bob", "/home/bob",
        "--symlink", "/srv/proposals/P1", "/data/P1",
        "--symlink", "/srv/proposals/P2", "/data/P2",
        "--symlink", "/srv/proposals/P3", "/data/P3",
        *READ_ONLY_ARGS,
        "--remount-ro", "/data", "--remount-ro", "/",
        "--",
    ]  # fmt: skip
    # at the limit, still bound
    assert "--symlink" not in render_bwrap(make_mounts("bob", ["P1", "P2"], layout), layout)


def test_home_comes_from_the_password_database() -> None:
    layout = Layout()  # home "{homedir}"
    assert make_mounts("alice", [], layout, homedir="/home/users/a/alice") == [
        Mount("/home/users/a/alice", "/home/users/a/alice", True)
    ]
    assert make_mounts("alice", [], layout) == [Mount("/home/alice", "/home/alice", True)]


def test_the_view_shows_no_host_root_and_hides_secrets() -> None:
    argv = render_bwrap(make_view("alice", ["20260001"], LAYOUT), LAYOUT)
    pairs = list(itertools.pairwise(argv))
    assert ("--ro-bind", "/") not in pairs and ("--bind", "/") not in pairs
    assert not any(a in {"/home", "/var", "/srv", "/root"} for a in argv)
    # what hides a secret comes after the bind that would show it
    assert argv.index("/etc/munge") > argv.index("/etc")


def test_system_view_is_data() -> None:
    view = SystemView(binds=("/usr", "/opt/kernels"), links=(), hidden=(), hidden_files=())
    assert make_system_mounts(view) == [
        Mount("/usr", "/usr"),
        Mount("/opt/kernels", "/opt/kernels"),
    ]
    with pytest.raises(ValueError, match="normalised and absolute"):
        SystemView(binds=("/",))
    with pytest.raises(ValueError, match="normalised and absolute"):
        SystemView(hidden=("etc/munge",))


def test_kubespawner_ignores_the_system_part() -> None:
    mounts = make_view("bob", ["20260002"], LAYOUT)
    assert render_kubespawner(mounts, LAYOUT) == render_kubespawner(
        make_mounts("bob", ["20260002"], LAYOUT), LAYOUT
    )


def test_lab_env_maps_the_root_to_the_view() -> None:
    layout = Layout(root="/gpfs/proposals", view="/data")
    assert make_lab_env(layout, True, "http://hub:8090/services/catalogue/") == {
        "PANHUB_PROPOSALS_ROOT": "/gpfs/proposals",
        "PANHUB_PROPOSALS_VIEW": "/data",
        "PANHUB_CATALOGUE_URL": "http://hub:8090/services/catalogue/",
    }


def test_lab_env_without_a_view_or_catalogue() -> None:
    layout = Layout(root="/gpfs/proposals", view="/data")
    assert make_lab_env(layout, False) == {
        "PANHUB_PROPOSALS_ROOT": "/gpfs/proposals",
        "PANHUB_PROPOSALS_VIEW": "/gpfs/proposals",
    }


def test_lab_starts_at_the_proposals_in_a_view_else_at_home() -> None:
    layout = Layout(view="/data")
    assert get_lab_start(layout, True, "/home/alice") == "/data"
    assert get_lab_start(layout, False, "/home/alice") == "/home/alice"
