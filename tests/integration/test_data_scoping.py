"""Proposal-scoped data, attacked as the real users, from their kernels and their own jobs.

The tests' proposals: T1 (alice), T2 and T3 (bob); carol is staff of beamline BL-A
(T1, T2). In a server, proposals appear under /data; on disk they live under
/srv/panhub-test/proposals, guarded by POSIX groups ptest-<id>.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cluster import PROPOSALS_ROOT, PROPOSALS_TOML, sync_proposals
from tests.support.hub import HubAPI, wait_for
from tests.support.kernel import Kernel

B_RAW = f"{PROPOSALS_ROOT}/T2/raw/data.txt"


@pytest.fixture(scope="module")
def kernels(api: HubAPI) -> Iterator[dict[str, Kernel]]:
    """A running server and kernel for alice, bob and carol."""
    out = {}
    for user in ("alice", "bob", "carol"):
        api.start(user, {"memory_gb": 1})
        out[user] = Kernel(api.base, user, api.as_user(user).token)
    yield out
    for user, kernel in out.items():
        kernel.shutdown()
        api.stop(user)


def own_job(user: str, script: str, timeout: int = 60) -> str:
    """Run ``script`` in a plain sbatch job of ``user`` (no hub, no view); return its output.

    ``sbatch --wait`` exits with the job's exit code, which these scripts do not care about.
    """
    out = Path(f"/tmp/panhub-scoping-{user}.out")
    out.unlink(missing_ok=True)
    sbatch = shlex.join(["sbatch", "--wait", "-J", "panhub-scoping", "-o", str(out), "--chdir=/tmp",
                         "--mem=100M", "--wrap", script])  # fmt: skip
    done = subprocess.run(
        ["sudo", "-u", user, "sh", "-c", f"umask 077; {sbatch}"],  # a private output file
        check=False, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert out.exists(), done.stderr
    try:
        return out.read_text()
    finally:
        out.unlink()


def test_each_user_sees_exactly_their_proposals(kernels: dict[str, Kernel]) -> None:
    code = "import os; print(sorted(os.listdir('/data')))"
    assert kernels["alice"].run(code) == "['T1']\n"
    assert kernels["bob"].run(code) == "['T2', 'T3']\n"
    assert kernels["carol"].run(code) == "['T1', 'T2']\n"  # staff of BL-A, not BL-B
    assert (
        kernels["carol"].run("print(open('/data/T2/raw/data.txt').read())") == "raw data of T2\n\n"
    )
    assert (
        kernels["alice"].run("print(open('/data/T1/raw/data.txt').read())") == "raw data of T1\n\n"
    )


def test_raw_is_read_only_and_processed_writable(kernels: dict[str, Kernel]) -> None:
    k = kernels["alice"]
    assert k.run("open('/data/T1/raw/new', 'w')").startswith(
        "OSError: [Errno 30] Read-only file system"
    )
    assert k.run("import os; os.remove('/data/T1/raw/data.txt')").startswith("OSError: [Errno 30]")
    assert (
        k.run("open('/data/T1/processed/result.txt', 'w').write('ok'); print('written')")
        == "written\n"
    )
    written = PROPOSALS_ROOT / "T1" / "processed" / "result.txt"
    assert written.read_text() == "ok"
    assert written.group() == "ptest-T1"  # set-gid folder: results stay with the proposal
    written.unlink()


@pytest.mark.parametrize(
    "code",
    [
        "print(open('/data/T2/raw/data.txt').read())",
        "print(open('/data/T1/../T2/raw/data.txt').read())",
        f"print(open('{B_RAW}').read())",
        f"import os; print(os.listdir('{PROPOSALS_ROOT}/T2'))",
        "import os; print(os.listdir('/data/T2'))",
    ],
)
def test_kernel_cannot_reach_another_proposal_by_path(
    kernels: dict[str, Kernel], code: str
) -> None:
    result = kernels["alice"].run(code)
    assert result.startswith(("FileNotFoundError", "PermissionError")), result
    assert "raw data of T2" not in result


def test_kernel_sees_an_empty_proposals_root(kernels: dict[str, Kernel]) -> None:
    assert kernels["alice"].run(f"import os; print(os.listdir('{PROPOSALS_ROOT}'))") == "[]\n"


def test_symlink_in_processed_leads_nowhere(kernels: dict[str, Kernel]) -> None:
    link = PROPOSALS_ROOT / "T1" / "processed" / "to-T2"
    k = kernels["alice"]
    assert (
        k.run(f"import os; os.symlink('{B_RAW}', '/data/T1/processed/to-T2'); print('made')")
        == "made\n"
    )
    try:
        assert k.run("print(open('/data/T1/processed/to-T2').read())").startswith(
            "FileNotFoundError"
        )
        # and outside the view, in alice's own job, POSIX permissions hold
        assert "Permission denied" in own_job("alice", f"cat {link} 2>&1")
    finally:
        link.unlink()


def test_other_users_processes_are_invisible(kernels: dict[str, Kernel]) -> None:
    host_pids = subprocess.run(
        ["pgrep", "-u", "bob", "-f", "jupyterhub-singleuser"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert host_pids
    result = kernels["alice"].run(
        f"import os; pids = {host_pids!r}; print([p for p in pids if os.path.exists('/proc/' + p)])"
    )
    assert result == "[]\n"  # a PID namespace of its own: bob's server is not there
    # from alice's own job (no view), bob's server is not even there (hidepid=invisible)
    out = own_job(
        "alice", f"ls /proc/{host_pids[0]}/root/ 2>&1; cat /proc/{host_pids[0]}/root{B_RAW} 2>&1"
    )
    assert out.count("No such file or directory") == 2, out
    assert "raw data of T2" not in out


def test_own_job_cannot_read_write_or_hard_link_another_proposal() -> None:
    out = own_job(
        "alice",
        f"ls {PROPOSALS_ROOT} 2>&1; echo ---; cat {B_RAW} 2>&1; echo ---; "
        f"ln {B_RAW} $HOME/hardlink 2>&1; echo ---; touch {PROPOSALS_ROOT}/T2/processed/x 2>&1; echo ---; "
        f"touch {PROPOSALS_ROOT}/T1/raw/x 2>&1; echo ---; cat {PROPOSALS_ROOT}/T1/raw/data.txt",
    )
    listing, read, link, write_b, write_raw, own = out.split("---\n")
    assert "Permission denied" in listing  # the root can be crossed, not listed
    assert "Permission denied" in read
    assert "Permission denied" in link
    assert "Permission denied" in write_b
    assert "Permission denied" in write_raw  # raw data is read-only for members too
    assert own == "raw data of T1\n"  # while her own proposal is readable


def test_revoked_member_loses_access_after_sync(api: HubAPI, proposals_file: Path) -> None:
    proposals_file.write_text(PROPOSALS_TOML.replace('members = ["alice"]', "members = []"))
    try:
        done = sync_proposals(proposals_file)
        assert done.returncode == 0, done.stderr
        assert "ptest-T1: members carol" in done.stdout
        # slurmctld caches groups for GroupUpdateTime (2 s on the demo cluster)
        wait_for(
            "alice's jobs to lose the group",
            lambda: (
                "Permission denied"
                in own_job("alice", f"cat {PROPOSALS_ROOT}/T1/raw/data.txt 2>&1")
            ),
            30,
            interval=1,
        )
        # the next server start no longer shows T1
        api.start("alice", {"memory_gb": 1}, server="revoked")
        k = Kernel(api.base, "alice", api.as_user("alice").token, server="revoked")
        assert k.run("import os; print(os.listdir('/data'))") == "[]\n"
        k.shutdown()
        api.stop("alice", "revoked")
    finally:
        proposals_file.write_text(PROPOSALS_TOML)
        assert sync_proposals(proposals_file).returncode == 0


@pytest.mark.parametrize("bad", ["../T2", "T 1", "T/1", "T1\\n#x"])
def test_hostile_proposal_ids_are_refused_by_sync(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f'[proposals."{bad}"]\nbeamline = "BL-A"\nmembers = ["alice"]\n')
    done = sync_proposals(path)
    assert done.returncode == 1
    assert "invalid proposal id" in done.stderr
    assert not any(p.name not in {"T1", "T2", "T3"} for p in PROPOSALS_ROOT.iterdir())


def test_linked_view_for_many_proposals_relies_on_posix() -> None:
    """Above max_bind_proposals the view links proposals; permissions still hold."""
    from panhub.mounts import Layout, make_view, render_bwrap

    layout = Layout(root=str(PROPOSALS_ROOT), view="/data", max_bind_proposals=1)
    argv = render_bwrap(make_view("bob", ["T2", "T3"], layout), layout)
    assert "--symlink" in argv
    checks = (
        "ls /data; echo ---; cat /data/T2/raw/data.txt; echo ---; "
        "touch /data/T2/raw/new 2>&1; echo ---; touch /data/T2/processed/new && echo written; echo ---; "
        f"cat {PROPOSALS_ROOT}/T1/raw/data.txt 2>&1; echo ---; ls {PROPOSALS_ROOT} 2>&1"
    )
    out = own_job("bob", shlex.join([*argv, "sh", "-c", checks]))
    listing, own, write_raw, write_processed, other, root = out.split("---\n")
    assert listing.split() == ["T2", "T3"]
    assert own == "raw data of T2\n"
    assert "Permission denied" in write_raw
    assert write_processed == "written\n"
    assert "Permission denied" in other and "raw data of T1" not in other
    assert "Permission denied" in root
    (PROPOSALS_ROOT / "T2" / "processed" / "new").unlink()
