"""The catalogue as a JupyterHub-managed service at ``/services/catalogue/``.

:class:`CatalogueService` is the shell: documented traits, hub OAuth, the listening
socket. :func:`make_app` builds the tornado application from a session factory, the
options and an ``identify(handler) -> Identity`` function; the service passes the hub
OAuth one (:func:`make_hub_identify`), tests pass their own.

Hub configuration (wired on the hub side)::

    c.JupyterHub.services = [{
        "name": "catalogue",
        "url": "http://127.0.0.1:8900",
        "command": ["panhub-catalogue", "--config", "/etc/panhub/catalogue_config.py", "serve"],
        "oauth_no_confirm": True,
        "oauth_client_allowed_scopes": ["read:users:groups!user"],
    }]
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import secrets
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urlparse

from jupyterhub.services.auth import (  # type: ignore[import-untyped]
    HubOAuth,
    UserNotAllowed,
)
from sqlalchemy.orm import Session, sessionmaker
from tornado.ioloop import IOLoop, PeriodicCallback
from tornado.web import Application, RequestHandler
from traitlets import Bool, Bytes, Int, List, Unicode, default
from traitlets.config import Application as TraitletsApplication

from panhub_catalogue.clock import utcnow
from panhub_catalogue.db import open_catalogue
from panhub_catalogue.identity import Identity, make_identity
from panhub_catalogue.publish.document import DocumentSettings
from panhub_catalogue.publish.options import PublishOptions
from panhub_catalogue.records import RecordOptions
from panhub_catalogue.settings import CatalogueDatabase, Publishing, get_proposals_root
from panhub_catalogue.web import handlers
from panhub_catalogue.web.collections import make_collection_routes
from panhub_catalogue.web.minter import SessionMinter
from panhub_catalogue.web.oai import OaiHandler, OaiOptions, OaiPmh
from panhub_catalogue.web.panosc import make_panosc_routes
from panhub_catalogue.web.portal import LandingPage, Portal, make_portal_routes
from panhub_catalogue.web.portal_answers import PortalOptions
from panhub_catalogue.web.portal_collections import make_item_routes

#: ``async identify(handler) -> Identity``: who is asking (the hub, or a test's stand-in).
Identify = Callable[[RequestHandler], Awaitable[Identity]]


@dataclass(frozen=True)
class ServiceOptions:
    """What the handlers need to know (from :class:`CatalogueService`'s traits)."""

    base_url: str = "/services/catalogue/"
    max_limit: int = 500
    file_limit: int = 100
    download_roots: tuple[str, ...] = ()
    publisher: str = "PANHUB"
    public_url: str = "/services/catalogue/"
    portal: PortalOptions = field(default_factory=PortalOptions)
    landing_logbook_entries: int = 50
    proposals_root: str = ""
    logbook_figure_max_bytes: int = 5 * 1024 * 1024
    data_license: str = "CC-BY-4.0"
    clock: Callable[[], datetime] = utcnow
    publishing: PublishOptions = field(default_factory=PublishOptions)
    oai: OaiOptions = field(default_factory=OaiOptions)

    @property
    def records(self) -> RecordOptions:
        """What :mod:`~panhub_catalogue.records` needs of these options."""
        documents = self.make_documents()
        return RecordOptions(self.proposals_root, self.publisher, self.public_url, documents)

    def make_documents(self, public_url: str = "") -> DocumentSettings:
        """What DataCite documents say of the publisher; their landing pages are under
        ``public_url`` (absolute), else under the service's public URL when absolute."""
        base = public_url or self.public_url
        landing = base if urlparse(base).scheme in ("http", "https") else ""
        ror = self.publishing.document.publisher_ror
        return DocumentSettings(self.publisher, ror, self.data_license, landing)


def make_hub_identify(staff_group_prefix: str = "", admin_groups: Collection[str] = ()) -> Identify:
    """``identify`` for production: the hub OAuth user model through :func:`make_identity`.

    The hub is asked asynchronously (token in the ``Authorization`` header or the OAuth
    cookie), so the service's event loop never blocks on it. A user the hub knows but
    who lacks ``access:services!service=catalogue`` is treated as anonymous. The model
    becomes ``handler.current_user``, which tornado's ``@authenticated`` checks.
    """

    async def identify(handler: RequestHandler) -> Identity:
        model = await handler.hub_auth.get_user(handler, sync=False)  # type: ignore[attr-defined]
        if model:
            try:
                model = handler.check_hub_user(model)  # type: ignore[attr-defined]
            except UserNotAllowed:
                model = None
        handler.current_user = model
        return make_identity(
            model, staff_group_prefix=staff_group_prefix, admin_groups=admin_groups
        )

    return identify


def make_app(
    sessions: sessionmaker[Session],
    options: ServiceOptions,
    identify: Identify,
    **settings: Any,
) -> Application:
    """The tornado application; ``settings`` go to tornado (``hub_auth``, ``cookie_secret``)."""
    base = options.base_url
    routes: list[Any] = [
        (base + r"api/investigations", handlers.InvestigationsHandler),
        (base + r"api/investigations/(\d{1,18})", handlers.InvestigationHandler),
        (base + r"api/investigations/(\d{1,18})/logbook", handlers.LogbookHandler),
        (base + r"api/investigations/(\d{1,18})/datasets", handlers.DatasetsHandler),
        (base + r"api/investigations/(\d{1,18})/citation", handlers.CitationHandler),
        (base + r"api/facets", handlers.FacetsHandler),
        (base + r"api/datasets/(\d{1,18})/datafiles", handlers.DatafilesHandler),
        (base + r"api/datafiles/(\d{1,18})", handlers.DatafileHandler),
        (base + r"api/logbook/attachments/(\d{1,18})", handlers.AttachmentHandler),
        (base + r"api/datafiles/(\d{1,18})/download", handlers.DownloadHandler),
        (base + r"api/whoami", handlers.WhoAmIHandler),
        (base + r"api/directory", handlers.DirectoryHandler),
        (base + r"landing/(investigations|collections)/(\d{1,18})", LandingPage),
        (base + r"doi/(10\..+)", handlers.DoiHandler),
        (base + r"oai", OaiHandler),
        (base + r"login", handlers.LoginHandler),
        (base + r"oauth_callback", handlers.OAuthCallbackHandler),
        *make_panosc_routes(base),
        *make_collection_routes(base),
        *make_portal_routes(base),
        *make_item_routes(base),
    ]
    return Application(
        routes,
        default_handler_class=handlers.NotFoundHandler,
        catalogue_sessions=sessions,
        catalogue_options=options,
        catalogue_identify=identify,
        **settings,
    )


class CatalogueService(TraitletsApplication):
    """The catalogue web service (``panhub-catalogue serve``), run by JupyterHub."""

    name = "panhub-catalogue"

    ip = Unicode("127.0.0.1", config=True, help="Address to listen on.")
    port = Int(
        config=True,
        help="Port to listen on; defaults to the port of $JUPYTERHUB_SERVICE_URL, else 8900.",
    )
    base_url = Unicode(
        config=True,
        help="URL prefix of every route; defaults to $JUPYTERHUB_SERVICE_PREFIX, "
        "else '/services/catalogue/'.",
    )
    public_url = Unicode(
        "",
        config=True,
        help="Absolute URL of the service as the world sees it, for landing pages' canonical "
        "links and citations, e.g. 'https://hub.example.org/services/catalogue/'. "
        "Defaults to base_url.",
    )
    publisher = Unicode("PANHUB", config=True, help="Publisher named in citations and JSON-LD.")
    data_license = Unicode(
        "CC-BY-4.0",
        config=True,
        help="SPDX id of the licence of public data, e.g. 'CC-BY-4.0' (the default) or "
        "'CC0-1.0': every public document's `license` in the PaNOSC search API. Empty: none.",
    )
    max_page_size = Int(500, config=True, help="Largest `limit` a search may ask for.")
    file_limit = Int(100, config=True, help="Files listed on one investigation's page.")
    landing_logbook_entries = Int(
        50,
        config=True,
        help="Newest logbook entries shown on an investigation's landing page, e.g. 50; "
        "the rest are read through api/investigations/<id>/logbook.",
    )
    proposals_root = Unicode(
        config=True,
        help="The proposals root the indexer catalogued (<root>/<proposal>/{raw,processed}), "
        "e.g. '/srv/proposals': every datafile record gives its location relative to it "
        "as 'relativePath' (null for a file elsewhere), so a client can find the file "
        "under its own view of the proposals. Default: $PANHUB_PROPOSALS_ROOT, else "
        "'/srv/proposals'. Empty: no relativePath.",
    )

    @default("proposals_root")
    def _default_proposals_root(self) -> str:
        return get_proposals_root()

    download_roots = List(
        Unicode(),
        config=True,
        help="Folders files may be downloaded from (after resolving symbolic links); a "
        "catalogued file elsewhere is answered with 404. Default: [proposals_root] when "
        "that is set, else none.",
    )

    @default("download_roots")
    def _default_download_roots(self) -> list[str]:
        return [self.proposals_root] if self.proposals_root else []

    logbook_figure_max_bytes = Int(
        5 * 1024 * 1024,
        config=True,
        help="Largest figure (a PNG or JPEG image, in bytes once decoded from base64) one "
        "logbook entry may carry, e.g. 5242880 (5 MiB, the default); a larger one is "
        "refused with 400. The request body may be that much larger, plus base64's third.",
    )

    staff_group_prefix = Unicode(
        "",
        config=True,
        help="When set, hub groups named <prefix><instrument> also give the staff role on "
        "that beamline, e.g. 'staff-' for 'staff-BL13'. Empty (default): staff roles come "
        "from the catalogue's InstrumentScientist rows only.",
    )
    admin_groups = List(
        Unicode(),
        [],
        config=True,
        help="Hub groups whose members see everything, e.g. ['catalogue-admins']. Hub "
        "admins and the catalogue's admin grouping always do.",
    )
    cookie_secret = Bytes(
        config=True,
        help="Key signing the login cookie (32 random bytes). Defaults to a key derived "
        "from $JUPYTERHUB_API_TOKEN, so logins survive a service restart; random without it.",
    )

    exit_with_hub = Bool(
        config=True,
        help="Stop when the process that started the service is gone (checked every 2 s), "
        "so that a hub killed with SIGKILL leaves no orphan holding the service's port. "
        "Defaults to True when run by the hub ($JUPYTERHUB_SERVICE_NAME set).",
    )

    @default("log_level")
    def _default_log_level(self) -> int:
        # what the service itself does (where it listens, the DOIs it mints) is logged
        return logging.INFO

    @default("exit_with_hub")
    def _default_exit_with_hub(self) -> bool:
        return bool(os.environ.get("JUPYTERHUB_SERVICE_NAME"))

    @default("cookie_secret")
    def _default_cookie_secret(self) -> bytes:
        token = os.environ.get("JUPYTERHUB_API_TOKEN")
        if not token:
            return secrets.token_bytes(32)
        return hashlib.sha256(b"panhub-catalogue-cookie:" + token.encode()).digest()

    @default("port")
    def _default_port(self) -> int:
        url = os.environ.get("JUPYTERHUB_SERVICE_URL")
        return (urlparse(url).port or 80) if url else 8900

    @default("base_url")
    def _default_base_url(self) -> str:
        return os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/catalogue/")

    def make_options(self) -> ServiceOptions:
        """Traits as :class:`ServiceOptions`."""
        return ServiceOptions(
            base_url=self.base_url,
            max_limit=self.max_page_size,
            file_limit=self.file_limit,
            download_roots=tuple(self.download_roots),
            publisher=self.publisher,
            public_url=self.public_url or self.base_url,
            portal=Portal(parent=self).make_options(),
            landing_logbook_entries=self.landing_logbook_entries,
            proposals_root=self.proposals_root,
            logbook_figure_max_bytes=self.logbook_figure_max_bytes,
            data_license=self.data_license,
            publishing=Publishing(parent=self).make_options(self.public_url or self.base_url),
            oai=OaiPmh(parent=self).make_options(self.cookie_secret),
        )

    def start(self) -> None:
        """Migrate, listen, serve until stopped."""
        sessions = open_catalogue(CatalogueDatabase(parent=self).url)
        options = self.make_options()
        app = make_app(
            sessions,
            options,
            make_hub_identify(self.staff_group_prefix, self.admin_groups),
            hub_auth=HubOAuth(parent=self, cache_max_age=60),
            cookie_secret=self.cookie_secret,
        )
        app.listen(self.port, self.ip, xheaders=True)
        self.log.info("catalogue at http://%s:%d%s", self.ip, self.port, self.base_url)
        self.start_minter(sessions, options)
        if self.exit_with_hub:
            PeriodicCallback(partial(self.stop_if_orphaned, os.getppid()), 2000).start()
        serve_forever()

    def start_minter(self, sessions: sessionmaker[Session], options: ServiceOptions) -> None:
        """Mint session DOIs every ``Publishing.mint_sessions_every`` seconds (0: never)."""
        every = Publishing(parent=self).mint_sessions_every
        if every <= 0:
            return
        if options.publishing.account is None:
            self.log.warning(
                "Publishing.mint_sessions_every is set but DOI minting is not configured "
                "(Publishing.doi_prefix, datacite_username, datacite_password): not minting"
            )
            return
        SessionMinter(sessions, options.publishing, options.clock, self.log).start(every)
        self.log.info("minting session DOIs every %g s", every)

    def stop_if_orphaned(self, parent: int) -> None:
        """Stop the loop once our parent process (the hub) has gone."""
        if os.getppid() != parent:
            self.log.warning("the hub (pid %d) is gone; stopping the catalogue", parent)
            IOLoop.current().stop()


def serve_forever() -> None:
    """Run the IOLoop, what start-up made frozen out of the garbage collector's way.

    The modules, the app and its settings live as long as the service; without
    :func:`gc.freeze`, every full collection walks all of them again, and a page of an
    OAI-PMH harvest (hundreds of documents) allocates enough to start several: a third
    of the harvest's time went to the collector.
    """
    gc.collect()
    gc.freeze()
    IOLoop.current().start()
