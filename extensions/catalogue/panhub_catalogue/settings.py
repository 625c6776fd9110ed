"""The database setting shared by the command line and the service."""

from __future__ import annotations

import os

from traitlets import Unicode, default
from traitlets.config import Configurable


class CatalogueDatabase(Configurable):
    """Where the catalogue lives."""

    url = Unicode(
        config=True,
        help="""SQLAlchemy URL of the catalogue database. SQLite (embedded default), e.g.
        'sqlite:////var/lib/panhub/catalogue.sqlite', or PostgreSQL, e.g.
        'postgresql+psycopg2://catalogue:secret@db:5432/catalogue'. Defaults to
        $PANHUB_CATALOGUE_DB_URL, else 'sqlite:///catalogue.sqlite' in the working folder.""",
    )

    @default("url")
    def _default_url(self) -> str:
        return os.environ.get("PANHUB_CATALOGUE_DB_URL", "sqlite:///catalogue.sqlite")
