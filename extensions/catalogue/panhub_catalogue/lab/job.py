"""``GET api/job``: the SLURM job this server runs in, and when it ends (the walltime warning).

A thin adapter over :mod:`panhub_catalogue.lab.walltime`; owner-only like every route
(:class:`~panhub_catalogue.lab.handlers.LabHandler`).
"""

from __future__ import annotations

import os
import time

import tornado.web

from panhub_catalogue.lab.handlers import LabHandler
from panhub_catalogue.lab.walltime import JobClock

#: Key of the server's :class:`JobClock` in the web app's settings.
SETTINGS_KEY = "panhub_job_clock"


class JobRoute(LabHandler):
    """``GET api/job``: ``{"jobId", "node", "end", "warningMinutes", "now", "proposalsView"}``.

    ``end`` and ``now`` are seconds since 1970 (``now`` is this server's clock, so that
    the browser can allow for its own being off); ``end`` is null outside SLURM, and
    ``proposalsView`` is where the proposals are (their ``processed/`` folders are kept).
    """

    # the Lab asks every few minutes by itself: not the user's activity, which the idle
    # culler must see as it is
    _track_activity = False

    @tornado.web.authenticated
    async def get(self) -> None:
        clock: JobClock = self.settings[SETTINGS_KEY]
        job = await clock.get()
        body = job.describe(time.time())
        body["proposalsView"] = os.environ.get("PANHUB_PROPOSALS_VIEW") or None
        self.write_json(body)
