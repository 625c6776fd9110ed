"""The settings shared by the command line, the indexer and the service (and publishing)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NoReturn

from traitlets import Bool, Float, TraitError, Unicode, default
from traitlets.config import Configurable

if TYPE_CHECKING:
    from panhub_catalogue.publish.options import PublishOptions

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


class Secret(Unicode):  # type: ignore[type-arg]
    """A text setting whose value never appears in an error message."""

    def error(
        self, obj: object, value: object, error: Exception | None = None, info: str | None = None
    ) -> NoReturn:
        raise TraitError(
            f"The '{self.name}' setting expects a string, not {type(value).__name__}"
        ) from None


class Publishing(Configurable):
    """DOIs at DataCite: the account, the prefix, how DOIs are named, what they say.

    A real site sets, e.g. in ``catalogue_config.py``::

        c.Publishing.datacite_url = "https://api.datacite.org/"
        c.Publishing.datacite_username = "ALBA.DATA"
        c.Publishing.datacite_password_file = "/etc/panhub/datacite.secret"
        c.Publishing.doi_prefix = "10.80445"
        c.Publishing.publisher_name = "ALBA Synchrotron"
        c.Publishing.publisher_ror = "https://ror.org/02j9n6e35"
        c.Publishing.landing_url_base = "https://data.example.org/services/catalogue/"

    DataCite's test system (``https://api.test.datacite.org/``, the default) has its own
    accounts and prefixes: test DOIs resolve only through the test handle server.
    """

    datacite_url = Unicode(
        "https://api.test.datacite.org/",
        config=True,
        help="""Root of DataCite's REST API: 'https://api.datacite.org/' (production) or
        'https://api.test.datacite.org/' (the test system, the default). Never put
        credentials in it.""",
    )
    datacite_username = Unicode(
        "",
        config=True,
        help="DataCite repository account id, e.g. 'ALBA.DATA'. Empty: minting is off.",
    )
    datacite_password = Secret(
        config=True,
        help="""Password of the DataCite repository account. Never logged or shown.
        Defaults to $PANHUB_DATACITE_PASSWORD; prefer datacite_password_file.""",
    )

    @default("datacite_password")
    def _default_datacite_password(self) -> str:
        return os.environ.get("PANHUB_DATACITE_PASSWORD", "")

    datacite_password_file = Unicode(
        "",
        config=True,
        help="""File holding the DataCite password on its first line, e.g.
        '/etc/panhub/datacite.secret' (readable by the catalogue's account only); used
        when datacite_password is empty.""",
    )
    datacite_timeout = Float(30.0, config=True, help="Seconds to wait for DataCite, e.g. 30.")
    doi_prefix = Unicode(
        "",
        config=True,
        help="""DOI prefix of the repository account, e.g. '10.80445' (DataCite's old
        shared test prefix 10.5072 is retired: test accounts have their own). Empty:
        minting is off.""",
    )
    session_doi_pattern = Unicode(
        "{prefix}/{facility}-ES-{proposal}",
        config=True,
        help="""DOI of an experiment session, minted at its end: fields {prefix},
        {facility}, {proposal}, {visit} and {id} (the investigation's id), e.g.
        '{prefix}/{facility}-ES-{proposal}' (the default) or
        '{prefix}/{facility}-ES-{proposal}-{visit}' where proposals have several visits.""",
    )
    collection_doi_pattern = Unicode(
        "{prefix}/{facility}-DC-{random}",
        config=True,
        help="""DOI of a data collection: fields {prefix}, {facility}, {id} and {random}
        (eight random letters and digits, DataCite's advice), e.g. the default
        '{prefix}/{facility}-DC-{random}'.""",
    )
    publisher_name = Unicode(
        config=True,
        help="""Publisher of every DOI (DataCite's mandatory 'publisher'), e.g. 'ALBA
        Synchrotron'. Default: the catalogue service's ``CatalogueService.publisher``
        (the name its pages and citations give), else 'PANHUB'.""",
    )

    @default("publisher_name")
    def _default_publisher_name(self) -> str:
        return str(getattr(self.parent, "publisher", "") or "PANHUB")

    publisher_ror = Unicode(
        "",
        config=True,
        help="ROR id of the publisher, e.g. 'https://ror.org/02j9n6e35'. Empty: none.",
    )
    default_licence = Unicode(
        config=True,
        help="""SPDX id of the licence of data whose collection names none, and of
        sessions, e.g. 'CC-BY-4.0' or 'CC0-1.0'. Default: the catalogue service's
        ``CatalogueService.data_license``, else 'CC-BY-4.0'.""",
    )

    @default("default_licence")
    def _default_licence(self) -> str:
        return str(getattr(self.parent, "data_license", "") or "CC-BY-4.0")

    landing_url_base = Unicode(
        "",
        config=True,
        help="""Absolute URL of the catalogue service as the world sees it, ending in '/',
        e.g. 'https://data.example.org/services/catalogue/': a DOI resolves to
        <base>landing/collections/<id> (or investigations/<id>). Empty: the service's
        public_url.""",
    )
    mint_sessions_every = Float(
        0.0,
        config=True,
        help="""Seconds between the catalogue service's runs of what ``panhub-catalogue
        mint-sessions`` does: DOIs for the experiment sessions that have ended, findable
        DOIs for the data released since. E.g. 3600 (hourly), so a site needs no cron
        job; each run's result goes to the service's log. 0 (the default): the service
        does not run it. Needs the DataCite account (datacite_username, doi_prefix).""",
    )
    review_required = Bool(
        True,
        config=True,
        help="""Minting a data collection needs a reviewer: beamline staff of its data's
        beamlines or a catalogue admin (the default). False: the author mints their
        own submissions, except an immediate release of data still under embargo,
        which always needs a reviewer.""",
    )

    def read_password(self) -> str:
        """The password: the setting, else the first line of the password file.

        Raises
        ------
        ValueError
            The file cannot be read or is empty (the message names the file only).
        """
        if self.datacite_password or not self.datacite_password_file:
            return str(self.datacite_password)
        try:
            with open(self.datacite_password_file, encoding="utf-8") as stream:
                password = stream.readline().rstrip("\r\n")
        except OSError as error:
            raise ValueError(
                f"cannot read {self.datacite_password_file}: {error.strerror}"
            ) from None
        if not password:
            raise ValueError(f"password file {self.datacite_password_file} is empty")
        return password

    def make_options(self, public_url: str = "") -> PublishOptions:
        """The settings as :class:`~panhub_catalogue.publish.options.PublishOptions`.

        ``public_url`` (the service's) is the landing URL base when none is set.
        """
        from panhub_catalogue.publish.document import DocumentSettings
        from panhub_catalogue.publish.minting import DataCiteAccount
        from panhub_catalogue.publish.options import PublishOptions

        account = None
        if self.datacite_username and self.doi_prefix:
            account = DataCiteAccount(
                self.datacite_url,
                self.datacite_username,
                self.read_password(),
                self.doi_prefix,
                self.datacite_timeout,
            )
        document = DocumentSettings(
            self.publisher_name,
            self.publisher_ror,
            self.default_licence,
            self.landing_url_base or public_url,
        )
        return PublishOptions(
            document,
            account,
            self.doi_prefix,
            self.session_doi_pattern,
            self.collection_doi_pattern,
            self.review_required,
        )
