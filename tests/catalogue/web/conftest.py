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

from tests.support.catalogue_client import Client, serving_demo


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
    """The service over a copy of the indexed demo proposals (``serving_demo``)."""
    shutil.copy(indexed / "catalogue.sqlite", tmp_path / "catalogue.sqlite")
    root = tmp_path / "data"
    shutil.copytree(indexed / "data", root)
    engine = make_engine(f"sqlite:///{tmp_path / 'catalogue.sqlite'}")
    async with serving_demo(make_sessionmaker(engine), root) as served:
        yield served
    engine.dispose()
