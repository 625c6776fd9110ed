"""Portal fixtures: the demo proposals indexed once per module, copied for each test.

``client`` (tests/catalogue/conftest.py) writes and indexes the demo proposals for every
test; the portal's tests read many pages of the same catalogue, so ``demo`` here
copies one indexed catalogue (its SQLite file and its data folder) instead: the same
catalogue, in a fraction of the time.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from panhub_catalogue.db import make_engine, make_sessionmaker
from panhub_catalogue.demo import make_demo_proposals
from panhub_catalogue.ingest.indexer import Indexer
from panhub_catalogue.model import Investigation
from panhub_catalogue.web.service import ServiceOptions, make_app
from sqlalchemy import select

from tests.support.catalogue_client import BASE, NOW, Client, identify_from_header, serving


@pytest.fixture(scope="module")
def indexed(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding ``catalogue.sqlite`` and ``data/``: the demo proposals, indexed."""
    folder = tmp_path_factory.mktemp("portal")
    shutil.copy(sqlite_template, folder / "catalogue.sqlite")
    make_demo_proposals(folder / "data")
    engine = make_engine(f"sqlite:///{folder / 'catalogue.sqlite'}")
    indexer = Indexer(
        root=str(folder / "data"), members_from_files=True, instruments_from_files=True
    )
    indexer.index(make_sessionmaker(engine), [folder / "data"])
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return folder


@pytest.fixture
async def demo(indexed: Path, tmp_path: Path) -> AsyncIterator[Client]:
    """The service over a copy of the indexed demo proposals, at :data:`NOW`."""
    shutil.copy(indexed / "catalogue.sqlite", tmp_path / "catalogue.sqlite")
    root = tmp_path / "data"
    shutil.copytree(indexed / "data", root)
    engine = make_engine(f"sqlite:///{tmp_path / 'catalogue.sqlite'}")
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        ids = {i.name: i.id for i in session.scalars(select(Investigation))}
    options = ServiceOptions(
        base_url=BASE,
        max_limit=100,
        download_roots=(str(root),),
        proposals_root=str(root),
        public_url="https://hub.example.org" + BASE,
        clock=lambda: NOW,
    )
    app = make_app(sessions, options, identify_from_header)
    async with serving(app, sessions, ids, root) as served:
        yield served
    engine.dispose()
