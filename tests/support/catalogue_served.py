"""The real catalogue service, over the indexed demo proposals, in a thread of its own.

For callers that block (the Python API's urllib client, and the Lab server's threads):
the service runs its own event loop in a daemon thread on a loopback port. Callers are
known by their token (``Authorization: token <user>-token``), as the hub's would be.

Layout (what a user's server sees): the proposals under ``root`` (the catalogued
locations), and a data ``view`` holding only ana's own proposal 2023015001, as a link,
the way the spawner's view holds only the user's proposals.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from panhub_catalogue.db import make_engine, make_sessionmaker, migrate
from panhub_catalogue.demo import make_demo_proposals
from panhub_catalogue.identity import Identity
from panhub_catalogue.ingest.indexer import Indexer
from panhub_catalogue.model import Datafile, Investigation
from panhub_catalogue.publish.document import DocumentSettings
from panhub_catalogue.publish.options import PublishOptions
from panhub_catalogue.web.service import ServiceOptions, make_app
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port
from tornado.web import Application

from tests.support.catalogue_client import BASE, BENS, CHLOES, NOW, PUBLIC
from tests.support.catalogue_server import make_token_identify

__all__ = ["BASE", "BENS", "CHLOES", "NOW", "PUBLIC", "Served", "serve_catalogue"]

#: Tokens the test catalogue knows (``Authorization: token ana-token`` is ana), as the
#: hub's token check would give them.
TOKENS = {
    "ana-token": Identity("ana"),
    "ben-token": Identity("ben"),
    "root-token": Identity("root", admin=True),
}


@dataclass
class Served:
    """A running catalogue: its URL, where its files are, and their ids."""

    url: str
    root: Path
    view: Path
    sessions: sessionmaker[Session]
    investigations: dict[str, int]
    datafiles: dict[str, int]  # "<proposal>/<relative path>" -> id

    def file_id(self, proposal: str, scan: int = 1) -> int:
        """The id of a demo scan file."""
        number = list((PUBLIC, BENS, CHLOES)).index(proposal) + 1
        return self.datafiles[f"{proposal}/raw/sample{number}/scan{scan:04d}.nxs"]


@contextmanager
def run_in_thread(app: Application) -> Iterator[int]:
    """Serve ``app`` on a free loopback port from a thread with its own loop; the port."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="catalogue", daemon=True)
    thread.start()
    sock, port = bind_unused_port()

    async def start() -> HTTPServer:
        server = HTTPServer(app)
        server.add_sockets([sock])
        return server

    server = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield port
    finally:

        async def stop() -> None:
            server.stop()
            await server.close_all_connections()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@contextmanager
def serve_catalogue(folder: Path) -> Iterator[Served]:
    """Index the demo proposals under ``folder/proposals``, serve them; a :class:`Served`."""
    root = folder / "proposals"
    make_demo_proposals(root)
    view = folder / "view"
    view.mkdir()
    (view / PUBLIC).symlink_to(root / PUBLIC)
    engine = make_engine(f"sqlite:///{folder / 'catalogue.sqlite'}")
    migrate(engine)
    sessions = make_sessionmaker(engine)
    fields = {f.name for f in dataclasses.fields(ServiceOptions)}
    Indexer(root=str(root), members_from_files=True, instruments_from_files=True).index(
        sessions, [root]
    )
    with sessions() as session:
        investigations = {i.name: i.id for i in session.scalars(select(Investigation))}
        datafiles = {
            str(Path(f.location).relative_to(root)): f.id for f in session.scalars(select(Datafile))
        }
    # the service's proposals root gives each file its relativePath
    root_option = {"proposals_root": str(root)} if "proposals_root" in fields else {}
    options = ServiceOptions(
        **root_option,
        base_url=BASE,
        max_limit=100,
        download_roots=(str(root),),
        public_url="https://hub.example.org" + BASE,
        clock=lambda: NOW,
        # what the service's settings give (its public URL is the landing pages' base)
        publishing=PublishOptions(
            DocumentSettings(landing_url_base="https://hub.example.org" + BASE)
        ),
    )
    app = make_app(sessions, options, make_token_identify(TOKENS))
    try:
        with run_in_thread(app) as port:
            url = f"http://127.0.0.1:{port}{BASE}"
            yield Served(url, root, view, sessions, investigations, datafiles)
    finally:
        engine.dispose()
