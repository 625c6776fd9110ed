"""Least privilege at rest: the service accounts, the hub's sudo rule, private state folders.

What a site install (and the demo) sets up as root, once and at every start:

- **Accounts.** The hub and its proxy run as ``panhub`` (in the ``shadow`` group, so PAM
  can check passwords without root); the catalogue runs as ``panhub-catalogue``, which
  reads proposal data through the ``panhub-readers`` group's ACLs (``panhub accounts
  sync --reader-group``), never as root. Both are in the service group ``panhub``, which
  may enter an instance's state folder; users may not.
- **The sudo rule** (:func:`make_sudoers`, pure): the hub may run ``sbatch``, ``squeue``
  and ``scancel`` as members of the hub's users group and nothing else, plus ``squeue``
  as SLURM's own account, the one that sees every job when ``PrivateData=jobs`` hides
  other users' jobs (the JupyterHub "using sudo" pattern).
- **State folders** (:func:`secure_tree`): every file owned by the account that needs it,
  mode 0600, every folder 0700, repaired at every start, whatever an older version left.

slurmd and the root launcher (``panhub demo up``, ``panhub accounts sync``) stay root:
slurmd starts jobs as their users, and the launcher creates accounts, groups and folders.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

HUB_ACCOUNT = "panhub"
CATALOGUE_ACCOUNT = "panhub-catalogue"
SERVICE_GROUP = "panhub"
READER_GROUP = "panhub-readers"
SCHEDULER_ACCOUNT = "slurm"
SUDOERS_PATH = Path("/etc/sudoers.d/panhub")
SLURM_BIN = "/usr/bin"


@dataclass(frozen=True)
class Account:
    """A Unix account a daemon runs as: ids, supplementary groups, home."""

    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]

    @classmethod
    def lookup(cls, name: str) -> Account:
        """The account ``name`` from the password and group databases."""
        entry = pwd.getpwnam(name)
        groups = tuple(os.getgrouplist(name, entry.pw_gid))
        return cls(name, entry.pw_uid, entry.pw_gid, groups)


def make_sudoers(
    hub: str = HUB_ACCOUNT,
    users_group: str = "panhub-users",
    scheduler: str = SCHEDULER_ACCOUNT,
    slurm_bin: str = SLURM_BIN,
) -> str:
    """The sudoers rule of a hub that runs as ``hub`` (pure).

    ``hub`` may run the three SLURM commands as any member of ``users_group`` (with the
    job's environment: ``SETENV``, for ``sudo -E``), and ``squeue`` and ``scontrol show
    job -o`` as ``scheduler``, so one shared poll (and its second source, for a job that
    left the queue) sees every job it submitted although ``PrivateData`` hides other
    users' jobs from ordinary accounts. ``SLURM_CONF`` is kept, so a hub pointed at a
    cluster's configuration elsewhere than ``/etc/slurm`` asks that cluster. No shell, no
    other command, no other account.

    >>> print(make_sudoers().splitlines()[-1])
    panhub ALL=(slurm) NOPASSWD: /usr/bin/squeue, /usr/bin/scontrol show job -o *
    """
    commands = ", ".join(f"{slurm_bin}/{c}" for c in ("sbatch", "squeue", "scancel"))
    alias = "PANHUB_SLURM"
    return (
        "# panhub: the hub submits, polls and cancels its users' jobs, nothing else\n"
        f"Defaults:{hub} !requiretty, !lecture\n"
        f'Defaults:{hub} env_keep += "SLURM_CONF"\n'
        f"Cmnd_Alias {alias} = {commands}\n"
        f"{hub} ALL=(%{users_group}) NOPASSWD:SETENV: {alias}\n"
        f"{hub} ALL=({scheduler}) NOPASSWD: {slurm_bin}/squeue, "
        f"{slurm_bin}/scontrol show job -o *\n"
    )


def _run(argv: list[str], input: str | None = None) -> None:
    done = subprocess.run(
        argv, input=input, capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip()}")


def _has_group(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def ensure_system_account(name: str, groups: Iterable[str] = ()) -> None:
    """Create (or complete) a system account with its own group, no login, no home."""
    groups = list(groups)
    for group in (name, *groups):
        if not _has_group(group):
            _run(["groupadd", "--system", group])
    try:
        pwd.getpwnam(name)
    except KeyError:
        _run(["useradd", "--system", "--gid", name, "--home-dir", "/nonexistent",
              "--no-create-home", "--shell", "/usr/sbin/nologin", name])  # fmt: skip
    if groups:
        _run(["usermod", "--append", "--groups", ",".join(groups), name])


def ensure_service_accounts(users_group: str = "panhub-users") -> None:
    """The hub's and the catalogue's accounts, and the hub's sudo rule."""
    if not _has_group(users_group):
        _run(["groupadd", users_group])
    ensure_system_account(HUB_ACCOUNT, ["shadow"])  # PAM reads /etc/shadow through it
    ensure_system_account(CATALOGUE_ACCOUNT, [SERVICE_GROUP, READER_GROUP])
    install_sudoers(make_sudoers(users_group=users_group))
    ensure_private_logins()


LOGIN_DEFS = Path("/etc/login.defs")
PAM_SESSION = Path("/etc/pam.d/common-session")


def make_private_login_defs(text: str) -> str:
    """``login.defs`` with ``UMASK 077`` (pure): private new homes and login shells.

    ``useradd`` makes homes with this mask (0700), and ``pam_umask`` gives it to every
    login and ``su -`` session, so a user's own ``sbatch`` output is private too.
    """
    lines = [line for line in text.splitlines() if not line.startswith("UMASK")]
    return "\n".join([*lines, "UMASK\t\t077"]) + "\n"


def ensure_private_logins() -> None:
    """Apply :func:`make_private_login_defs` and enable ``pam_umask`` for sessions."""
    text = LOGIN_DEFS.read_text()
    if (wanted := make_private_login_defs(text)) != text:
        LOGIN_DEFS.write_text(wanted)
    session = PAM_SESSION.read_text()
    if "pam_umask.so" not in session:
        PAM_SESSION.write_text(session.rstrip("\n") + "\nsession optional\tpam_umask.so\n")


def install_sudoers(text: str, path: Path = SUDOERS_PATH) -> None:
    """Write ``text`` to ``path`` (0440) if ``visudo`` accepts it; refuse otherwise."""
    if path.exists() and path.read_text() == text:
        return
    staged = path.with_name(".panhub.new")  # sudo ignores names with a dot
    staged.write_text(text)
    staged.chmod(0o440)
    try:
        _run(["visudo", "-c", "-q", "-f", str(staged)])
    except RuntimeError:
        staged.unlink()
        raise
    staged.replace(path)


def secure_tree(top: Path, owner: Account, dir_mode: int = 0o700, file_mode: int = 0o600) -> None:
    """Give ``top`` and everything in it to ``owner``, folders ``dir_mode``, files ``file_mode``.

    Symbolic links are neither followed nor changed (``lchown`` only). Run at every start,
    so a folder left by an older version, or a file a tool created with another umask,
    is repaired, not only new ones.
    """
    top.mkdir(parents=True, exist_ok=True)
    for path in [top, *top.rglob("*")]:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            os.lchown(path, owner.uid, owner.gid)
            continue
        if (info.st_uid, info.st_gid) != (owner.uid, owner.gid):
            os.chown(path, owner.uid, owner.gid)
        mode = dir_mode if stat.S_ISDIR(info.st_mode) else file_mode
        if stat.S_IMODE(info.st_mode) != mode:
            path.chmod(mode)


def make_private_dir(path: Path, group: str, mode: int = 0o750) -> None:
    """``path`` owned by root and ``group`` with ``mode`` (created if needed, repaired)."""
    path.mkdir(parents=True, exist_ok=True)
    gid = grp.getgrnam(group).gr_gid
    os.chown(path, 0, gid)
    path.chmod(mode)
