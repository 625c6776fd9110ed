"""Session DOIs minted by the catalogue service itself, every so often (a thin shell).

With ``c.Publishing.mint_sessions_every`` set (seconds), the service runs
:func:`panhub_catalogue.publish.sessions.run` (what ``panhub-catalogue mint-sessions``
does) on its own loop: a session whose experiment has ended gets its DOI, released data
becomes findable, without a cron job. Each run goes to a worker thread (DataCite's
answers take time; the service keeps answering meanwhile), never two at once, and says
what it did in the service's log; a failure is logged and the next run tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from tornado.ioloop import IOLoop, PeriodicCallback

from panhub_catalogue.publish.options import PublishOptions
from panhub_catalogue.publish.sessions import run


class SessionMinter:
    """Runs :func:`~panhub_catalogue.publish.sessions.run` on the current IOLoop.

    Parameters
    ----------
    sessions
        The catalogue's session factory.
    options
        Publishing options with a DataCite account.
    clock
        The service's clock (UTC, naive).
    log
        Where each run's result goes.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        options: PublishOptions,
        clock: Callable[[], datetime],
        log: logging.Logger,
    ) -> None:
        self.sessions, self.options, self.clock, self.log = sessions, options, clock, log
        self.running = False

    async def tick(self) -> None:
        """One run, in a worker thread, unless the last one is still going."""
        if self.running:
            return
        self.running = True
        try:
            report = await IOLoop.current().run_in_executor(
                None, lambda: run(self.sessions, self.options, self.clock())
            )
        except Exception:
            self.log.exception("mint-sessions: the run failed; the next one tries again")
            return
        finally:
            self.running = False
        done, failed = report.describe()
        for line in done:
            self.log.info("mint-sessions: %s", line)
        for line in failed:
            self.log.warning("mint-sessions: %s", line)
        if not done and not failed:
            self.log.debug("mint-sessions: nothing due")

    def start(self, every: float) -> PeriodicCallback:
        """Run now (once the loop runs), then every ``every`` seconds."""
        IOLoop.current().add_callback(self.tick)
        callback = PeriodicCallback(self.tick, every * 1000)
        callback.start()
        return callback
