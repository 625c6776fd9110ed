"""The reconciler's thin shell: list the jobs, ask the hub, run the actions, keep a report.

:class:`Reconciler` is given its commands and the hub's hooks as callables (the hub wires
them in :mod:`panhub.hubapp`; tests give fakes) and runs :func:`panhub.reconcile.reconcile`
at start and every interval. It imports no JupyterHub code.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from panhub.poller import MAX_CONFIRM, ask_text
from panhub.reconcile import (
    Action,
    Memory,
    Plan,
    Record,
    SlurmJob,
    Verdict,
    find_missing,
    parse_job_list,
    reconcile,
)
from panhub.slurm import parse_scontrol_job

#: verdicts that change something: logged as warnings and kept in the history
_CHANGES = (Verdict.CANCEL, Verdict.CLEAN_UP)


@dataclass(frozen=True)
class Report:
    """One action as the admin page lists it."""

    time: datetime
    action: Action
    outcome: str


class Reconciler:
    """Runs reconciliation passes and remembers what they did.

    Parameters
    ----------
    hub
        The hub's name in job names.
    list_jobs
        Runs the listing (``squeue -h --states=all -o LIST_FORMAT``); raises on failure.
    confirm
        Runs the second source for one job id; raises on failure.
    cancel
        Cancels a job: ``cancel(user, job_id)``, as the job's owner; raises on failure.
    clean_up
        Stops the hub's server of a clean-up action (its route and database row go).
    get_records
        The hub's active servers, read after the listing.
    history
        How many reports to keep for the admin page.
    """

    def __init__(
        self,
        hub: str,
        list_jobs: Callable[[], Awaitable[str]],
        confirm: Callable[[str], Awaitable[str]],
        cancel: Callable[[str, str], Awaitable[None]],
        clean_up: Callable[[Action], Awaitable[None]],
        get_records: Callable[[], Iterable[Record]],
        log: logging.Logger | logging.LoggerAdapter[logging.Logger],
        history: int = 200,
    ) -> None:
        self.hub = hub
        self.list_jobs = list_jobs
        self.confirm = confirm
        self.cancel = cancel
        self.clean_up = clean_up
        self.get_records = get_records
        self.log = log
        self.memory = Memory()
        self.reports: deque[Report] = deque(maxlen=history)
        #: the last pass's view: jobs, records, actions, time, error
        self.jobs: dict[str, SlurmJob] = {}
        self.records: list[Record] = []
        self.actions: tuple[Action, ...] = ()
        self.last_pass: datetime | None = None
        self.error = ""
        self.passes = 0

    async def run_pass(self) -> Plan | None:
        """One pass; ``None`` if the scheduler did not answer (nothing is done then)."""
        now = datetime.now().astimezone()  # aware: the page shows its zone
        try:
            text = await self.list_jobs()
        except Exception as exc:
            self.error = str(exc) or type(exc).__name__
            self.last_pass = now
            self.log.warning(
                "Reconcile: the scheduler did not answer (%s); nothing done", self.error
            )
            return None
        jobs = parse_job_list(text, self.hub)
        records = list(self.get_records())
        missing = find_missing(jobs, records)[:MAX_CONFIRM]
        texts = await asyncio.gather(*(ask_text(self.confirm, j) for j in missing))
        second = {j: parse_scontrol_job(t) for j, t in zip(missing, texts, strict=True)}
        plan = reconcile(jobs, records, second, self.memory, self.hub)
        self.memory = plan.memory
        first = self.passes == 0
        for action in plan.actions:
            await self.carry_out(action, now, loud=first)
        self.jobs, self.records, self.actions = jobs, records, plan.actions
        self.last_pass, self.error = now, ""
        self.passes += 1
        self.log.info("Reconcile: %s", summarize(plan.actions) or "no jobs, no servers")
        return plan

    async def carry_out(self, action: Action, now: datetime, loud: bool = False) -> None:
        """Run one action and report it (log; history for cancel, clean up and watch)."""
        outcome = "done"
        try:
            if action.verdict is Verdict.CANCEL:
                await self.cancel(action.user, action.job_id)
            elif action.verdict is Verdict.CLEAN_UP:
                await self.clean_up(action)
        except Exception as exc:
            outcome = f"failed: {exc or type(exc).__name__}"
        level = logging.WARNING if action.verdict in _CHANGES else logging.DEBUG
        if loud or action.verdict is Verdict.WATCH:
            level = max(level, logging.INFO)
        self.log.log(
            level,
            "Reconcile: %s job %s of %s (server %r, %s on %s): %s; %s",
            action.verdict.value,
            action.job_id,
            action.user,
            action.server,
            action.state or "-",
            action.node or "-",
            action.detail,
            outcome,
        )
        if action.verdict in (*_CHANGES, Verdict.WATCH) or loud:
            self.reports.appendleft(Report(now, action, outcome))

    async def run_forever(self, interval: float, ready: Awaitable[object] | None = None) -> None:
        """A pass when ``ready`` is done (the hub loaded its servers), then every ``interval`` s."""
        if ready is not None:
            await ready
        while True:
            try:
                await self.run_pass()
            except Exception:
                self.log.exception("Reconcile: the pass failed")
            await asyncio.sleep(interval)


def summarize(actions: Iterable[Action]) -> str:
    """``'3 adopt, 1 cancel'``: how many of each verdict, in a fixed order.

    >>> summarize([])
    ''
    """
    counts = {v: 0 for v in Verdict}
    for action in actions:
        counts[action.verdict] += 1
    return ", ".join(f"{n} {v.value}" for v, n in counts.items() if n)
