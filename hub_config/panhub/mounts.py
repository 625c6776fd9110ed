"""Pure: the view of one server, and how SLURM (bubblewrap) and Kubernetes render it.

:func:`make_mounts` is the one place the mount rule lives: each visible proposal gets
``<view>/<id>/raw`` read-only and ``<view>/<id>/processed`` writable; nothing else of
the proposals root is visible. POSIX groups (``panhub accounts sync``) enforce the same
rule outside the view: a user's own ``sbatch`` job, a shell on a node.

:func:`make_system_mounts` is the rest of what a server sees (:class:`SystemView`): the
system (``/usr``, ``/etc`` without its secrets, ``/opt/panhub``, the kernels), and
nothing else of the host: no other home, no hub or catalogue state, no SLURM or munge
spool. :func:`make_view` joins the two into the one list every renderer reads.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from panhub.proposals import check_name, sorted_ids


@dataclass(frozen=True)
class Layout:
    """Where proposal data lives on disk, and where a server sees it.

    Attributes
    ----------
    root
        Proposals root on the cluster file system: ``<root>/<id>/{raw,processed}``.
    view
        Where the server sees them: ``<view>/<id>/{raw,processed}``.
    home
        The user's home folder, with ``{homedir}`` (from the password database) and
        ``{username}`` substituted; writable in the view.
    scratch
        Optional scratch folder, substituted likewise; writable in the view.
    group_prefix
        POSIX group of a proposal: prefix + id (``prop-20260001``).
    max_bind_proposals
        Above this many proposals, bubblewrap links them instead of binding each area:
        every bind costs more than the last (about 4 ms each at 2,000 binds), a symbolic
        link almost nothing. Linked views rely on POSIX permissions alone (the root
        stays reachable, not listable; raw is read-only by its mode, not by the mount).
    """

    root: str = "/srv/proposals"
    view: str = "/data"
    home: str = "{homedir}"
    scratch: str = ""
    raw: str = "raw"
    processed: str = "processed"
    group_prefix: str = "prop-"
    max_bind_proposals: int = 32

    def __post_init__(self) -> None:
        for name in ("root", "view"):
            path = getattr(self, name)
            if not posixpath.isabs(path) or posixpath.normpath(path) != path or path == "/":
                raise ValueError(f"layout {name} must be a normalised absolute path, not {path!r}")
        if self.root == self.view or self.view.startswith(self.root + "/"):
            raise ValueError("the view must not lie inside the proposals root")
        if self.root.startswith(self.view + "/"):
            raise ValueError("the proposals root must not lie inside the view")

    def group(self, proposal: str) -> str:
        """The POSIX group of ``proposal``."""
        return self.group_prefix + proposal

    def path(self, proposal: str, area: str = "") -> str:
        """``<root>/<proposal>[/<area>]``."""
        return (
            posixpath.join(self.root, proposal, area)
            if area
            else posixpath.join(self.root, proposal)
        )


@dataclass(frozen=True)
class Mount:
    """One entry of the view.

    ``kind`` is ``"bind"`` (``source`` shown at ``target``), ``"symlink"`` (``target``
    is a symbolic link whose text is ``source``) or ``"tmpfs"`` (an empty, private
    folder at ``target``, hiding what the host has there).
    """

    source: str
    target: str
    writable: bool = False
    kind: str = "bind"


@dataclass(frozen=True)
class SystemView:
    """What of the host's system a server sees, all read-only.

    Attributes
    ----------
    binds
        Host folders shown as they are (read-only). Paths missing on a node are an
        error there, so list only what every node has.
    links
        ``(text, path)`` symbolic links, for a merged-/usr system's ``/bin``, ``/lib``...
    hidden
        Folders inside ``binds`` replaced by an empty one (secrets, keys).
    hidden_files
        Files inside ``binds`` replaced by an empty one.
    """

    binds: tuple[str, ...] = ("/usr", "/etc", "/opt/panhub", "/run/munge")
    links: tuple[tuple[str, str], ...] = (
        ("usr/bin", "/bin"),
        ("usr/sbin", "/sbin"),
        ("usr/lib", "/lib"),
        ("usr/lib64", "/lib64"),
    )
    hidden: tuple[str, ...] = ("/etc/munge", "/etc/sudoers.d", "/etc/ssl/private")
    hidden_files: tuple[str, ...] = ("/etc/shadow", "/etc/gshadow", "/etc/sudoers")

    def __post_init__(self) -> None:
        for path in (*self.binds, *self.hidden, *self.hidden_files, *(p for _, p in self.links)):
            if not posixpath.isabs(path) or posixpath.normpath(path) != path or path == "/":
                raise ValueError(f"system view path must be normalised and absolute: {path!r}")


def make_system_mounts(system: SystemView) -> list[Mount]:
    """The system part of a server's view: binds, then links, then what they hide."""
    mounts = [Mount(path, path) for path in system.binds]
    mounts += [Mount(text, path, kind="symlink") for text, path in system.links]
    mounts += [Mount("", path, kind="tmpfs") for path in system.hidden]
    mounts += [Mount("/dev/null", path) for path in system.hidden_files]
    return mounts


def make_view(
    user: str,
    proposals: Iterable[str],
    layout: Layout,
    homedir: str = "",
    system: SystemView | None = None,
) -> list[Mount]:
    """Everything ``user``'s server sees: the system, then :func:`make_mounts`."""
    return make_system_mounts(system or SystemView()) + make_mounts(
        user, proposals, layout, homedir
    )


def make_mounts(
    user: str, proposals: Iterable[str], layout: Layout, homedir: str = ""
) -> list[Mount]:
    """The mounts of ``user``'s server: home, scratch, then each proposal (sorted).

    ``homedir`` is the user's home folder (default ``/home/<user>``).

    Raises
    ------
    panhub.proposals.InvalidProposal
        If a proposal id or the user name is unsafe.
    """
    check_name(user)
    mounts = []
    for template in (layout.home, layout.scratch):
        if template:
            path = template.format(username=user, homedir=homedir or f"/home/{user}")
            mounts.append(Mount(path, path, True))
    for pid in sorted_ids(set(proposals)):
        mounts.append(
            Mount(layout.path(pid, layout.raw), posixpath.join(layout.view, pid, layout.raw), False)
        )
        mounts.append(
            Mount(
                layout.path(pid, layout.processed),
                posixpath.join(layout.view, pid, layout.processed),
                True,
            )
        )
    return mounts


def make_lab_env(layout: Layout, data_view: bool, catalogue_url: str = "") -> dict[str, str]:
    """What the user's server is told of the data layout and the catalogue (environment).

    The Lab side of panhub (the catalogue panel, the Python API) maps a catalogue file's
    location under ``PANHUB_PROPOSALS_ROOT`` to the path the server sees under
    ``PANHUB_PROPOSALS_VIEW``: the view with a data view, the root itself without one.
    ``PANHUB_CATALOGUE_URL`` is the catalogue as the compute node reaches it (left out
    when empty).
    """
    env = {
        "PANHUB_PROPOSALS_ROOT": layout.root,
        "PANHUB_PROPOSALS_VIEW": layout.view if data_view else layout.root,
    }
    if catalogue_url:
        env["PANHUB_CATALOGUE_URL"] = catalogue_url
    return env


def get_lab_start(layout: Layout, data_view: bool, homedir: str) -> str:
    """The folder the Lab's file browser opens at the first time: the user's proposals.

    With a data view that is the view (``/data``), which always exists inside it; without
    one the proposals root cannot be listed by users, so the home folder. Afterwards
    JupyterLab reopens the last folder used (its workspace remembers it).
    """
    return layout.view if data_view else homedir


def render_bwrap(mounts: list[Mount], layout: Layout, bwrap: str = "bwrap") -> list[str]:
    """A bubblewrap command prefix (ending in ``--``) that shows exactly ``mounts``.

    The view starts empty: only the listed system parts, a private ``/dev``, ``/proc``
    of a new PID namespace (other processes stay hidden, and their ``/proc/<pid>/root``)
    and a private ``/tmp``. Up to ``layout.max_bind_proposals`` proposals, each area is
    bound (raw read-only) and the proposals root is hidden; beyond, ``<view>/<id>``
    links to ``<root>/<id>`` and the POSIX permissions guard the root.
    """
    prefix = layout.root + "/"
    data = {m for m in mounts if m.kind == "bind" and m.source.startswith(prefix)}
    proposals = sorted({m.source[len(prefix) :].split("/", 1)[0] for m in data})
    linked = len(proposals) > layout.max_bind_proposals
    argv = [bwrap, "--die-with-parent", "--unshare-pid"]
    # the read-only system first (its hidden parts after what they hide), then the
    # private /dev, /proc, /tmp and the empty view, then home, scratch and proposals
    own = [m for m in mounts if m in data or m.writable]
    owned = set(own)
    for mount in (m for m in mounts if m not in owned):
        argv += _bwrap_args(mount)
    argv += [
        "--dev", "/dev",
        "--proc", "/proc",
        "--tmpfs", "/tmp",  # noqa: S108 - a private, empty /tmp inside the view
        *(["--bind", layout.root, layout.root] if linked else ["--tmpfs", layout.root]),
        "--tmpfs", layout.view,
    ]  # fmt: skip
    for mount in own:
        if mount in data and linked:
            continue
        argv += _bwrap_args(mount)
    if linked:
        for pid in proposals:
            argv += ["--symlink", layout.path(pid), posixpath.join(layout.view, pid)]
    # the view's scaffolding (its root, the empty folders that hold the binds, what hides
    # secrets) is read-only: a file saved there would vanish with the job, so the Lab must
    # refuse it rather than lose it; the binds below keep their own modes
    hiding = [m.target for m in mounts if m.kind == "tmpfs" and m not in owned]
    for path in (*hiding, *([] if linked else [layout.root]), layout.view, "/"):
        argv += ["--remount-ro", path]
    return [*argv, "--"]


def _bwrap_args(mount: Mount) -> list[str]:
    if mount.kind == "symlink":
        return ["--symlink", mount.source, mount.target]
    if mount.kind == "tmpfs":
        return ["--tmpfs", mount.target]
    return ["--bind" if mount.writable else "--ro-bind", mount.source, mount.target]


def render_kubespawner(
    mounts: list[Mount], layout: Layout, claim: str = "panhub-proposals"
) -> dict[str, list[dict[str, Any]]]:
    """KubeSpawner ``volumes`` and ``volume_mounts`` for the proposal mounts.

    The proposals root is one ReadWriteMany claim; each proposal area is a ``subPath``
    of it. Home and scratch are left to the chart's storage settings.
    """
    volume_mounts = []
    prefix = layout.root.rstrip("/") + "/"
    for mount in mounts:
        if mount.kind != "bind" or not mount.source.startswith(prefix):
            continue
        entry: dict[str, Any] = {
            "name": "proposals",
            "mountPath": mount.target,
            "subPath": mount.source[len(prefix) :],
        }
        if not mount.writable:
            entry["readOnly"] = True
        volume_mounts.append(entry)
    volumes = (
        [{"name": "proposals", "persistentVolumeClaim": {"claimName": claim}}]
        if volume_mounts
        else []
    )
    return {"volumes": volumes, "volume_mounts": volume_mounts}
