"""Least privilege at rest, tried as each demo user from their shell and from their kernel.

Each user walks the whole file system (tests/support/walk.py) from a login shell and from
a kernel in their own running server: 0 reads of the hub's and catalogue's state (the test
hub's state folder started out in an older version's world-readable layout), of other
users' homes, of SLURM's and munge's spool, logs and keys, of other users' processes,
while their own home and proposals still work. SLURM hides other users' jobs, and the
services run under their own accounts.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import pwd
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from panhub import demo, site

from tests.support import walk
from tests.support.cluster import ARTIFACTS, PROPOSALS_ROOT
from tests.support.hub import HubAPI, squeue
from tests.support.kernel import Kernel

USERS = ("alice", "bob", "carol")
OWN_PROPOSALS = {"alice": ["T1"], "bob": ["T2", "T3"], "carol": ["T1", "T2"]}
DEMO_PROPOSALS = {u.name: list(u.proposals) for u in demo.DEMO_USERS}
SKIP = ["/proc", "/sys", "/dev", "/usr", "/bin", "/sbin", "/lib", "/lib64",
        "/opt/panhub/venv", "/opt/panhub/chp", "/var/lib/dpkg", "/var/lib/apt", "/var/cache",
        "/run/munge", "/run/postgresql",  # the sockets every client needs
        "/run/slurmctld.pid", "/run/slurmd.pid"]  # fmt: skip
WALK = inspect.getsource(walk)


def rules(user: str, state_dirs: list[Path], inside: bool = False) -> dict[str, Any]:
    """What ``user`` may read, and what the walk watches."""
    home = pwd.getpwnam(user).pw_dir
    others = [u for u in USERS if u != user]
    accounts = [*others, site.HUB_ACCOUNT, site.CATALOGUE_ACCOUNT, "slurm", "munge"]
    own = [home, "/data"] if inside else [home]
    own += [str(PROPOSALS_ROOT / p) for p in OWN_PROPOSALS[user]]
    own += [f"/srv/proposals/{p}" for p in DEMO_PROPOSALS[user]]
    roots = [str(p) for p in state_dirs] + [
        "/var/lib/panhub", "/etc/panhub", "/var/lib/slurm", "/var/log/slurm", "/etc/munge",
        "/var/lib/slurm-multi", "/var/log/slurm-multi", "/run/slurm-multi",
        "/var/lib/munge", "/var/log/munge", "/var/lib/postgresql/15/main", str(PROPOSALS_ROOT),
        "/srv/proposals", str(ARTIFACTS), *(pwd.getpwnam(u).pw_dir for u in others),
    ]  # fmt: skip
    return {
        "skip": SKIP,
        "own": own,
        "watched_roots": roots,
        "watched_uids": [pwd.getpwnam(a).pw_uid for a in accounts],
    }


def walk_in_shell(user: str, state_dirs: list[Path]) -> dict[str, Any]:
    """The walk from ``user``'s login shell."""
    done = subprocess.run(
        ["su", "-", user, "-c", "/usr/bin/python3 - " + _quote(json.dumps(rules(user, state_dirs)))],
        input=WALK, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.splitlines()[-1]))


def walk_in_kernel(kernel: Kernel, user: str, state_dirs: list[Path]) -> dict[str, Any]:
    """The walk from a cell of ``user``'s kernel, inside its server's view."""
    code = WALK.replace('if __name__ == "__main__":', "if False:") + (
        f"\nprint(json.dumps(find_foreign_reads({rules(user, state_dirs, inside=True)!r})))"
    )
    return dict(json.loads(kernel.run(code, timeout=300).splitlines()[-1]))


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


@pytest.fixture(scope="module")
def servers(api: HubAPI, hub_instance: demo.HubInstance) -> Iterator[dict[str, Kernel]]:
    """A running server and kernel for each user, and a file in each home."""
    out = {}
    for user in USERS:
        api.start(user, {"memory_gb": 1})
        out[user] = Kernel(api.base, user, api.as_user(user).token)
        # what a user writes from a cell: private in the home folder (umask 077)
        out[user].run("open('notes-privacy.txt', 'w').write('my notes')")
    yield out
    for user, kernel in out.items():
        kernel.run("import os; os.remove('notes-privacy.txt')")
        kernel.shutdown()
        api.stop(user)


def state_dirs(inst: demo.HubInstance) -> list[Path]:
    return [inst.state_dir, demo.demo_instance(inst.config).state_dir]


@pytest.mark.parametrize("user", USERS)
def test_no_foreign_reads_from_the_login_shell(
    servers: dict[str, Kernel], hub_instance: demo.HubInstance, user: str
) -> None:
    found = walk_in_shell(user, state_dirs(hub_instance))
    assert found["foreign"] == []
    assert found["checked"] > 0  # it reached the watched paths, and read none
    # the other users' servers run, yet not one of their processes shows (hidepid)
    others = {pwd.getpwnam(u).pw_uid for u in USERS if u != user}
    assert any(p.stat().st_uid in others for p in Path("/proc").iterdir() if p.name.isdigit())
    assert found["processes"] == 0


@pytest.mark.parametrize("user", USERS)
def test_no_foreign_reads_from_a_kernel(
    servers: dict[str, Kernel], hub_instance: demo.HubInstance, user: str
) -> None:
    found = walk_in_kernel(servers[user], user, state_dirs(hub_instance))
    assert found["foreign"] == []
    # the view shows the system, the home and the proposals, and nothing of the rest
    listing = servers[user].run("import os; print(sorted(os.listdir('/')))")
    assert set(eval(listing)) <= {
        "bin", "data", "dev", "etc", "home", "lib", "lib64", "opt", "proc", "run", "sbin",
        "srv", "tmp", "usr",
    }  # fmt: skip
    assert servers[user].run("import os; print(os.listdir('/home'))") == f"['{user}']\n"


def test_the_walk_finds_a_readable_state_file(hub_instance: demo.HubInstance) -> None:
    """The detector itself: a world-readable file in the state folder is reported."""
    leak = hub_instance.state_dir / "leak.txt"
    hub_instance.state_dir.chmod(0o755)
    leak.write_text("secret")
    leak.chmod(0o644)
    try:
        found = walk_in_shell("alice", state_dirs(hub_instance))
    finally:
        leak.unlink()
        hub_instance.state_dir.chmod(0o750)
    assert str(leak) in found["foreign"]


def test_own_home_proposals_and_new_files(servers: dict[str, Kernel]) -> None:
    kernel = servers["alice"]
    assert kernel.run("print(open('notes-privacy.txt').read())") == "my notes\n"
    assert kernel.run("import os; print(oct(os.stat('notes-privacy.txt').st_mode & 0o777))") == (
        "0o600\n"
    )
    assert kernel.run("print(open('/data/T1/raw/data.txt').read())") == "raw data of T1\n\n"
    # in processed/, new files are the proposal group's (its default ACL), not the umask's
    kernel.run("open('/data/T1/processed/shared-privacy.txt', 'w').write('for the group')")
    shared = PROPOSALS_ROOT / "T1" / "processed" / "shared-privacy.txt"
    try:
        assert oct(shared.stat().st_mode & 0o777) == "0o660"
        assert shared.stat().st_gid == (PROPOSALS_ROOT / "T1").stat().st_gid
        done = subprocess.run(["su", "carol", "-c", f"cat {shared}"], capture_output=True,
                              text=True, timeout=30, check=False)  # fmt: skip
        assert done.stdout == "for the group"  # carol is staff of BL-A: T1's group
    finally:
        shared.unlink()


def test_slurm_hides_other_users_jobs(servers: dict[str, Kernel]) -> None:
    jobs = {j["user"]: j["id"] for j in squeue() if j["name"].startswith("jhub-test-")}
    assert set(USERS) <= set(jobs)
    for user in USERS:
        for other in (u for u in USERS if u != user):
            shown = subprocess.run(
                ["su", user, "-c", f"scontrol show job {jobs[other]}; "
                 f"squeue -h -u {other} -o '%i|%o|%Z'"],
                capture_output=True, text=True, timeout=30, check=False,
            )  # fmt: skip
            assert "Command=" not in shown.stdout and "WorkDir" not in shown.stdout
            assert jobs[other] not in shown.stdout
        mine = subprocess.run(["su", user, "-c", f"scontrol show job {jobs[user]}"],
                              capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
        assert f"UserId={user}(" in mine.stdout


def test_services_run_under_their_own_accounts(hub_instance: demo.HubInstance) -> None:
    def owner(pidfile: Path) -> str:
        pid = demo.read_pid(pidfile)
        assert pid is not None, pidfile
        return pwd.getpwuid(os.stat(f"/proc/{pid}").st_uid).pw_name

    assert owner(hub_instance.path("hub.pid")) == site.HUB_ACCOUNT
    assert owner(hub_instance.path("proxy.pid")) == site.HUB_ACCOUNT
    assert owner(hub_instance.catalogue_dir / "catalogue.pid") == site.CATALOGUE_ACCOUNT
    catalogue = hub_instance.catalogue_dir / "catalogue.sqlite"
    assert pwd.getpwuid(catalogue.stat().st_uid).pw_name == site.CATALOGUE_ACCOUNT


def test_old_state_folder_was_repaired(hub_instance: demo.HubInstance) -> None:
    """The test hub started on a flat, world-readable folder of an older version."""
    for path in [hub_instance.hub_dir, *hub_instance.hub_dir.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), path
        assert pwd.getpwuid(path.stat().st_uid).pw_name == site.HUB_ACCOUNT, path
    assert (hub_instance.hub_dir / "old-version.log").read_text() == "kept\n"
    assert not (hub_instance.state_dir / "api_token").exists()  # moved, and still in use


def test_the_hubs_database_logs_ahead_in_the_hubs_own_files(hub_instance: demo.HubInstance) -> None:
    """WAL (panhub.hubdb): commits append to a log; the log is as private as the database."""
    database = hub_instance.hub_dir / "jupyterhub.sqlite"
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for path in (database, database.with_name("jupyterhub.sqlite-wal")):
        assert path.stat().st_mode & 0o777 == 0o600, path
        assert pwd.getpwuid(path.stat().st_uid).pw_name == site.HUB_ACCOUNT, path


def test_indexer_reads_new_files_as_its_own_account(
    hub_instance: demo.HubInstance, servers: dict[str, Kernel]
) -> None:
    """Incremental indexing as panhub-catalogue: a user's new file in processed/ (written
    with umask 077 from a kernel) is readable to it through the readers' default ACL."""
    args = ["index", "--root", str(PROPOSALS_ROOT), "--no-progress", str(PROPOSALS_ROOT / "T1")]
    demo.catalogue_command(hub_instance, args)
    servers["alice"].run(
        "import h5py\n"
        "with h5py.File('/data/T1/processed/privacy-result.h5', 'w') as f:\n"
        "    f['entry/data'] = [1, 2, 3]\n"
    )
    new = PROPOSALS_ROOT / "T1" / "processed" / "privacy-result.h5"
    try:
        out = demo.catalogue_command(hub_instance, args)
        assert ": 1 indexed," in out and " 0 failed" in out, out
        # and again: nothing changed, nothing read twice
        assert ": 0 indexed," in demo.catalogue_command(hub_instance, args)
    finally:
        new.unlink()
