"""Catalogue fixtures: migrated SQLite and PostgreSQL databases, and the demo service.

PostgreSQL is the machine's real 15/main cluster, started by
``tests/support/postgres.py``; when it cannot start, tests that use it fail. Helpers
live in ``tests/support/``: ``catalogue_world`` (a world as plain data, its builder and
the visibility oracle), ``catalogue_client`` (the service on a loopback port),
``fake_icat`` (an ICAT REST server); ``data/`` holds the ICAT dump.

Which file tests which modules of ``panhub_catalogue`` (scenario files cover several):

==========================  ==========================================================
test_visibility             visibility (the rule and the checked lookups; a property
                            test against the oracle over search, facets, logbook and
                            its figures)
test_search                 search (filters, full text, sort, pages, facets, the user
                            facet)
test_investigation_facet    model.InvestigationFacet, its triggers (migration 0003)
test_migrations             db, migrations/
test_identity               identity
test_generate               generate, store
test_logbook                logbook, logbook_cli, web.landing (the logbook's HTML)
test_params                 web.params
test_service                web.service, web.handlers, web.answers, records,
                            web.landing, web.download (over HTTP, the demo data)
test_logbook_service        web.answers and web.handlers for the logbook, web.landing
test_logbook_figures        logbook (figures), visibility.get_logbook_attachment,
                            web.handlers (the figure route), web.landing (figures),
                            migration 0006 (with test_migrations)
test_browse_service         web.answers, web.handlers, records, visibility.list_datasets:
                            datasets pages, one datafile, relativePath, the citation
                            route, both backends
test_citation               citation (text, BibTeX, RIS, CSL-JSON of a DataCite
                            document; escaping)
test_oai                    web.oai, publish.oai_source, publish.items, web.handlers
                            (landing content negotiation): Sickle harvests the service
                            as B2FIND does, every page checked against the XSDs
                            (tests/support/oai_xsd.py, xsd/), both backends
publish/                    publish: test_oaipmh (the OAI-PMH core, oai_requests,
                            oai_tokens, against an in-memory source), test_formats (DataCite XML, oai_dc,
                            oai_datacite, JSON-LD, content negotiation)
test_hostile_input          web.handlers, web.params, web.download, web.landing,
                            panosc.filters: hostile input is a 400, never a 500
test_hub_auth               web.service with the real HubOAuth, identity
test_service_process        cli serve, web.service (leaves with the hub)
panosc/                     panosc (entities, filters, scoring, search), web.panosc:
                            the reference's acceptance queries, the PaN portal's
                            searches through the federation's rules (tests/support/
                            panosc_contract.py, panosc_world.py), the demo's answers
test_changes                changes: what changes an item's document moves its
                            OAI-PMH datestamp (imports, members, collections)
test_units                  units (pint's SI maps)
test_indexer                ingest.indexer, ingest.nexus, ingest.prune,
                            ingest.progress, store, cli index, demo
test_beneath                ingest.beneath, web.download (file names)
test_members                ingest.members, visibility.resolve_identity, cli members
test_demo_data              the hub demo's files and directory (hub_config/demo) as the
                            catalogue imports and indexes them
test_icat                   ingest.icat, cli icat (against tests/support/fake_icat)
test_client                 client, transfer, api, reprs, figures (the Python API
                            against the service in a thread: tests/support/
                            catalogue_served)
lab/                        lab (the server extension in a real jupyter_server, in
                            front of the service in a thread)
publish/                    publish (document, validation, licences, rows, forms,
                            workflow, minting, sessions, cli, problems),
                            web.minter (test_service_minting), settings.Publishing,
                            api_collections, migration 0008, against the DataCite
                            stand-in (panhub_catalogue.publish.standin)
web/                        web.collections, publish.collections, lifecycle, access,
                            describe: the collection routes over HTTP, who may do what
web/test_portal*            web.portal, portal_collections, portal_answers,
                            portal_view, landing_view, item_view, view_parts,
                            collection_forms,
                            pages, signin: the portal's pages as a browser without
                            JavaScript reads them (the Lab panel's answers, the landing
                            page from the DataCite document, collections made in its
                            forms, silent sign-in, scripts as text)
==========================  ==========================================================
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from panhub_catalogue.db import make_engine, make_sessionmaker, migrate
from panhub_catalogue.demo import make_demo_proposals
from panhub_catalogue.ingest.indexer import Indexer
from panhub_catalogue.model import Base
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.support.catalogue_client import Client, serving_demo
from tests.support.postgres import drop_database, ensure_postgres, make_database

# one database per test run, so that two runs on one machine never drop each other's
PG_DATABASE = f"panhub_catalogue_test_{os.getpid()}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied by each test (migrating takes longer than copying)."""
    path = tmp_path_factory.mktemp("template") / "catalogue.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a fresh, migrated SQLite catalogue (outside ``tmp_path``, which tests index)."""
    path = tmp_path_factory.mktemp("db") / "catalogue.sqlite"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """A migrated database on the real PostgreSQL server, for the whole session."""
    ensure_postgres()
    engine = make_engine(make_database(PG_DATABASE), pool_size=2, max_overflow=2)
    migrate(engine)
    yield engine
    engine.dispose()
    drop_database(PG_DATABASE)


def truncate(engine: Engine) -> None:
    """Empty every table (PostgreSQL) between tests."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sessions(request: pytest.FixtureRequest) -> Iterator[sessionmaker[Session]]:
    """A session factory on an empty, migrated catalogue; each test runs on both backends."""
    if request.param == "sqlite":
        engine = make_engine(request.getfixturevalue("sqlite_url"))
        yield make_sessionmaker(engine)
        engine.dispose()
    else:
        engine = request.getfixturevalue("postgres_engine")
        truncate(engine)
        yield make_sessionmaker(engine)


@pytest.fixture
def sqlite_sessions(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on an empty, migrated SQLite catalogue only."""
    engine = make_engine(sqlite_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def postgres_sessions(postgres_engine: Engine) -> sessionmaker[Session]:
    """A session factory on the emptied PostgreSQL catalogue only."""
    truncate(postgres_engine)
    return make_sessionmaker(postgres_engine)


@pytest.fixture
async def client(sqlite_sessions: sessionmaker[Session], tmp_path: Path) -> AsyncIterator[Client]:
    """The service on a loopback port over the indexed demo proposals, at :data:`NOW`."""
    root = tmp_path / "data"
    make_demo_proposals(root)
    # the demo's files are its only source of membership and beamlines
    demo = Indexer(root=str(root), members_from_files=True, instruments_from_files=True)
    demo.index(sqlite_sessions, [root])
    async with serving_demo(sqlite_sessions, root) as client:
        yield client
