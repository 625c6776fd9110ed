"""The settings shared by the command line, the indexer and the service."""

from __future__ import annotations

import os

from traitlets import Unicode, default
from traitlets.config import Configurable

#: The proposals root (``<root>/<proposal>/{raw,processed}``) when none is configured:
#: the same as the hub's ``panhub.mounts.Layout.root`` (a test checks that they agree).
#: ``PANHUB_PROPOSALS_ROOT`` sets it for the hub, the indexer and the service at once.
DEFAULT_PROPOSALS_ROOT = "/srv/proposals"


def get_proposals_root() -> str:
    """``$PANHUB_PROPOSALS_ROOT``, else :data:`DEFAULT_PROPOSALS_ROOT`."""
    return os.environ.get("PANHUB_PROPOSALS_ROOT", DEFAULT_PROPOSALS_ROOT)


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
