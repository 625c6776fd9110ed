"""``panhub-hub``: JupyterHub with panhub's reconciler, its admin page and users' notices.

JupyterHub has no start hook in its configuration, so panhub runs its own subclass, as
``panhub-hub -f jupyterhub_config.py`` (or ``python -m panhub.hubapp -f ...``). It adds:

- the **reconciler** (:mod:`panhub.reconciler`): once the hub has loaded its servers and
  every :attr:`PanHub.reconcile_interval` seconds after, it matches the hub's jobs in
  SLURM against the hub's servers, cancels jobs no server owns and cleans up servers
  whose job is gone; each action goes to the hub log and to the admin page;
- the **admin page** ``/hub/panhub/jobs`` (admins only: the ``admin-ui`` scope, as the
  hub's own admin page), linked from the navigation bar for admins;
- **users' notices**: why a server's job ended (its spawner's ``last_end``), on the
  hub's home and spawn pages;
- a **SQLite database that does not stall the hub** (:mod:`panhub.hubdb`): write-ahead
  log, commits synced at checkpoints (:attr:`PanHub.sqlite_journal_mode`,
  :attr:`PanHub.sqlite_synchronous`).

It runs in the hub's process, with the hub's own rights: no new account, token or
scope. Without a :class:`panhub.spawner.FacilitySlurmSpawner` it is plain JupyterHub.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from jupyterhub.app import JupyterHub
from jupyterhub.handlers import BaseHandler
from jupyterhub.scopes import needs_scope
from tornado import web
from traitlets import CaselessStrEnum, Float, Int, Unicode

from panhub.hubdb import (
    JOURNAL_MODES,
    SYNCHRONOUS,
    checkpoint,
    get_database_path,
    make_pragmas,
    tune_sqlite,
)
from panhub.jobend import load_job_end, render_notices
from panhub.poller import run_shell
from panhub.reconcile import LIST_FORMAT, Action, HubStatus, Record, make_job_rows
from panhub.reconciler import Reconciler
from panhub.spawner import FacilitySlurmSpawner

TEMPLATES = Path(__file__).with_name("templates")


def get_notices(user: Any) -> list[str]:
    """The messages kept for ``user`` (a hub User, or ``None``) of servers whose job ended."""
    ends = (
        load_job_end((orm.state or {}).get("last_end"))
        for orm in getattr(user, "orm_spawners", {}).values()
    )
    return [end.message for end in ends if end is not None]


def make_notice_var(configured: Any) -> Callable[[Any], str]:
    """A template variable for an announcement area: the user's notices, then ``configured``.

    ``configured`` is what the site set for that area (a string, a callable of the user,
    or nothing); the notices are escaped, the site's text is shown as JupyterHub would.
    """

    def notices(user: Any) -> str:
        site = configured(user) if callable(configured) else configured
        parts = [render_notices(get_notices(user)), site if isinstance(site, str) else ""]
        return "<br>".join(p for p in parts if p)

    return notices


def get_hub_status(spawner: Any) -> HubStatus | None:
    """What the hub thinks of a server, or ``None`` if it is not active."""
    pending = spawner.pending
    if pending == "spawn":
        return HubStatus.PENDING
    if pending or (spawner.active and not spawner.ready):
        return HubStatus.BUSY
    return HubStatus.RUNNING if spawner.ready else None


def iter_records(users: Any) -> Iterator[Record]:
    """The active servers of the hub's loaded users, of panhub's SLURM spawner."""
    for user in list(users.values()):
        for name, spawner in list(user.spawners.items()):
            status = get_hub_status(spawner)
            if status is not None and isinstance(spawner, FacilitySlurmSpawner):
                yield Record(user.name, name, spawner.job_id, status)


class JobsHandler(BaseHandler):  # type: ignore[misc]
    """``/hub/panhub/jobs``: the reconciler's last actions and the hub's jobs (admins only)."""

    @web.authenticated  # type: ignore[misc]
    @needs_scope("admin-ui")  # type: ignore[misc]
    async def get(self) -> None:
        reconciler: Reconciler | None = self.settings.get("panhub_reconciler")
        if reconciler is None:
            raise web.HTTPError(404, "the reconciler is not running on this hub")
        html = await self.render_template(
            "panhub-jobs.html",
            reconciler=reconciler,
            interval=self.settings.get("panhub_reconcile_interval", ""),
            rows=make_job_rows(reconciler.jobs, reconciler.records),
        )
        self.finish(html)


class PanHub(JupyterHub):  # type: ignore[misc]
    """JupyterHub with panhub's reconciler, jobs page and users' notices."""

    name = "panhub-hub"

    reconcile_interval = Float(
        300.0,
        help="Seconds between reconciliation passes (the first runs once the hub has "
        "loaded its servers). Each pass is one squeue of all jobs, plus one scontrol per "
        "running server's job squeue no longer lists. 0: no reconciler. Example: 120.",
    ).tag(config=True)

    reconcile_list_cmd = Unicode(
        f"squeue -h --states=all -o '{LIST_FORMAT}'",
        help="The reconciler's listing, in panhub.reconcile.LIST_FORMAT, run as the "
        "spawner's shared poll is (FacilitySlurmSpawner.shared_poll_prefix and "
        "submit_prefix): it must see every user's jobs.",
    ).tag(config=True)

    reconcile_history = Int(
        200, help="How many reconciler actions the admin page keeps (newest first)."
    ).tag(config=True)

    sqlite_journal_mode = CaselessStrEnum(
        ["", *JOURNAL_MODES],
        "WAL",
        help="journal_mode of the hub's SQLite database (db_url sqlite:///...). WAL: a "
        "commit appends to a log instead of writing and deleting a journal file, so the "
        "hub's commits (on its event loop) stop stalling it under a storm of spawns. Needs "
        "a local file system: on NFS, DELETE. '': SQLite's default (DELETE). See "
        "panhub.hubdb.",
    ).tag(config=True)

    sqlite_synchronous = CaselessStrEnum(
        ["", *SYNCHRONOUS],
        "",
        help="synchronous of the hub's SQLite database. '' (default): NORMAL under WAL, "
        "SQLite's default (FULL) otherwise. NORMAL with WAL: commits are synced at "
        "checkpoints only; a crash of the hub loses nothing, a power cut may lose the last "
        "commits (the reconciler repairs their jobs), never the database. FULL: every "
        "commit synced, slower.",
    ).tag(config=True)

    reconciler: Reconciler | None = None
    _reconcile_task: asyncio.Task[None] | None = None

    def init_db(self) -> None:
        path = get_database_path(self.db_url)
        if path is not None:
            tune_sqlite(make_pragmas(self.sqlite_journal_mode, self.sqlite_synchronous), path)
            if self.upgrade_db:
                checkpoint(path)  # JupyterHub's backup copies the file alone
        super().init_db()

    def init_tornado_settings(self) -> None:
        paths = list(self.template_paths)
        if str(TEMPLATES) not in paths:
            base = self._template_paths_default()[0]
            paths.insert(paths.index(base) if base in paths else len(paths), str(TEMPLATES))
            self.template_paths = paths
        variables = dict(self.template_vars)
        for area in ("announcement_home", "announcement_spawn"):
            variables[area] = make_notice_var(variables.get(area, variables.get("announcement")))
        self.template_vars = variables
        super().init_tornado_settings()
        self.reconciler = self.make_reconciler()
        self.tornado_settings["panhub_reconciler"] = self.reconciler
        self.tornado_settings["panhub_reconcile_interval"] = self.reconcile_interval

    def init_handlers(self) -> None:
        super().init_handlers()
        # before JupyterHub's catch-all routes
        self.handlers[0:0] = self.add_url_prefix(self.hub_prefix, [(r"/panhub/jobs", JobsHandler)])

    async def init_spawners(self) -> int:
        self._spawners_loaded = asyncio.get_running_loop().create_future()
        try:
            count: int = await super().init_spawners()
        finally:
            self._spawners_loaded.set_result(None)
        return count

    async def start(self) -> None:
        await super().start()
        if self.reconciler is not None and self.reconcile_interval > 0:
            loaded = getattr(self, "_spawners_loaded", None)
            self._reconcile_task = asyncio.ensure_future(
                self.reconciler.run_forever(self.reconcile_interval, loaded)
            )

    # ------------------------------------------------------------------ wiring

    def make_probe(self, username: str) -> FacilitySlurmSpawner:
        """A spawner of this hub's configuration for ``username``, to build its commands."""
        user = SimpleNamespace(name=username, id=0, url="", escaped_name=username)
        return self.spawner_class(config=self.config, user=user, hub=self.hub)  # type: ignore[no-any-return]

    def make_reconciler(self) -> Reconciler | None:
        """The reconciler, wired to this hub; ``None`` without panhub's SLURM spawner."""
        if not issubclass(self.spawner_class, FacilitySlurmSpawner):
            self.log.info("Reconciler off: the spawner is not panhub's SLURM spawner")
            return None
        probe = self.make_probe("")

        async def list_jobs() -> str:
            return await run_shell(probe.make_shared_command(self.reconcile_list_cmd))

        async def confirm(job_id: str) -> str:
            if not probe.confirm_gone_cmd:
                return "no second source"
            return await run_shell(
                probe.make_shared_command(probe.confirm_gone_cmd.format(job_id=job_id))
            )

        async def cancel(username: str, job_id: str) -> None:
            owner = self.make_probe(username)
            owner.job_id = job_id
            await owner.cancel_batch_job()

        return Reconciler(
            hub=probe.hub_name,
            list_jobs=list_jobs,
            confirm=confirm,
            cancel=cancel,
            clean_up=self.clean_up_server,
            get_records=lambda: iter_records(self.users),
            log=self.log,
            history=self.reconcile_history,
        )

    async def clean_up_server(self, action: Action) -> None:
        """Stop the server whose job is gone, through the hub: its route and row go."""
        if action.user not in self.users:
            return
        user = self.users[action.user]
        spawner = user.spawners.get(action.server)
        if spawner is None or spawner.job_id != action.job_id or not spawner.ready:
            return  # changed since the listing: the next pass looks again
        spawner.note_job_end(action.info)
        spawner.clear_state()  # the job is gone: stop() has nothing to cancel
        await self.proxy.delete_user(user, action.server)
        await user.stop(action.server)


main = PanHub.launch_instance

if __name__ == "__main__":
    # as jupyterhub.app does: launch the importable class, not a __main__ copy
    from panhub import hubapp

    hubapp.PanHub.launch_instance()
