"""The catalogue's web portal: the experiment sessions table and its pages (thin handlers).

``GET /services/catalogue/`` is the facility portal's sessions table (Proposal, Beamline,
Start, Title, A-Form, Samples, Datasets, Files, Release, DOI, Logbook) with the Lab
panel's filters and facets. It runs the Lab panel's own search: the query string is the
catalogue's search parameters (:func:`~panhub_catalogue.web.params.parse_search`) and the
answers are :func:`~panhub_catalogue.web.answers.investigations` and
:func:`~panhub_catalogue.web.answers.facets`, so the panel, the JSON API and the portal
cannot disagree. The page is plain HTML: links and GET forms work without JavaScript,
and a search is its URL. ``static/portal.js`` only makes it quicker (it swaps the results
in place, keeping the focus).

A visitor who is signed in to the hub is signed in here without a click
(:mod:`~panhub_catalogue.web.signin`).

Settings: ``c.Portal`` (:class:`Portal`).
"""

from __future__ import annotations

from asyncio import gather
from dataclasses import replace
from functools import partial
from http.client import responses
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tornado.ioloop import IOLoop
from tornado.web import StaticFileHandler
from traitlets import Int, List, Unicode
from traitlets.config import Configurable

from panhub_catalogue.errors import BadRequest
from panhub_catalogue.identity import ANONYMOUS
from panhub_catalogue.search import Search
from panhub_catalogue.web import answers
from panhub_catalogue.web.answers import Work
from panhub_catalogue.web.handlers import CatalogueHandler, LandingHandler
from panhub_catalogue.web.landing import render_landing
from panhub_catalogue.web.landing_view import LandingExtras
from panhub_catalogue.web.pages import STATIC, Site, render
from panhub_catalogue.web.params import parse_search
from panhub_catalogue.web.portal_answers import (
    FACET_GROUPS,
    Documents,
    PortalOptions,
    landing_extras,
    portal_rows,
    user_facet,
)
from panhub_catalogue.web.portal_view import make_portal_context
from panhub_catalogue.web.signin import TRIED_COOKIE, make_tried_value, should_sign_in
from panhub_catalogue.web.view_parts import clean_params

#: What the portal's pages may load and run: their own files only (inline data, such
#: as the QR code, is markup; the JSON-LD is data, never run).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


class Portal(Configurable):
    """Settings of the catalogue's web portal (``c.Portal``)."""

    page_size = Int(
        25, config=True, help="Experiment sessions per page when the URL names none, e.g. 25."
    )
    hub_prefix = Unicode(
        "/hub/",
        config=True,
        help="The hub's URL prefix, for links to JupyterHub and to a member's JupyterLab "
        "(<hub_prefix>user-redirect/lab/tree/...), e.g. '/hub/'.",
    )
    lab_view = Unicode(
        "/data",
        config=True,
        help="Where a member's JupyterLab sees their proposals (the hub's Layout.view), "
        "e.g. '/data': 'Open in JupyterLab' opens <lab_view>/<proposal>.",
    )
    documents_datasets = List(
        Unicode(),
        ["raw/documents"],
        config=True,
        help="Datasets (folders below a proposal, as the indexer names them) holding the "
        "facility's documents of a session, e.g. ['raw/documents']: its experimental "
        "report and its A-Form, shown to whoever may see the session.",
    )
    report_files = List(
        Unicode(),
        ["experimental-report*.pdf", "experimental_report*.pdf"],
        config=True,
        help="File name patterns (shell style, case-insensitive) of a session's "
        "experimental report in its documents datasets, e.g. ['experimental-report*.pdf'].",
    )
    aform_files = List(
        Unicode(),
        ["a-form*.pdf", "aform*.pdf", "a_form*.pdf"],
        config=True,
        help="File name patterns (shell style, case-insensitive) of a session's A-Form "
        "(the experiment's application form) in its documents datasets, e.g. ['a-form*.pdf'].",
    )

    def make_options(self) -> PortalOptions:
        """The settings as :class:`~.portal_answers.PortalOptions`."""
        documents = Documents(
            tuple(self.documents_datasets), tuple(self.report_files), tuple(self.aform_files)
        )
        return PortalOptions(documents, self.hub_prefix, self.lab_view.rstrip("/"), self.page_size)


class PortalPage(CatalogueHandler):
    """Base of the portal's HTML pages: silent sign-in, the site frame, HTML answers."""

    #: Messages the page shows above its content (what an action just did).
    notices: tuple[str, ...] = ()

    @property
    def portal(self) -> PortalOptions:
        options: PortalOptions = self.service_options.portal
        return options

    def sign_in_silently(self) -> bool:
        """Redirect through hub OAuth when the visitor has a hub session (see
        :mod:`~panhub_catalogue.web.signin`); ``True`` when it did."""
        cookies = {name: morsel.value for name, morsel in self.request.cookies.items()}
        if not should_sign_in(
            signed_in=self.identity.username is not None,
            method=self.request.method or "",
            cookies=cookies,
            headers=self.request.headers,
        ):
            return False
        base = self.service_options.base_url
        tried = make_tried_value(cookies["jupyterhub-session-id"])
        self.set_cookie(TRIED_COOKIE, tried, path=base, httponly=True, samesite="Lax")
        self.redirect(Site(base, "", None, self.request.uri or base).sign_in)
        return True

    async def run_together(self, *works: Work[Any]) -> list[Any]:
        """Each ``work(session, identity, now)`` in its own worker thread and session, at
        the same ``now``; their answers, in order."""
        identity, now = self.identity, self.service_options.clock()

        def call(work: Work[Any]) -> Any:
            with self.sessions() as session:
                return work(session, identity, now)

        loop = IOLoop.current()
        return list(await gather(*(loop.run_in_executor(None, call, w) for w in works)))

    def make_site(self, section: str = "sessions", xsrf: bool = False) -> Site:
        """The frame every page shows (who is signed in, the links, the notices).

        ``xsrf``: the page has forms, which carry the hub's XSRF token (none where the
        service runs without hub OAuth, as in tests: there no cookie is counted anyway).
        """
        options = self.service_options
        return Site(
            base=options.base_url,
            publisher=options.publisher,
            username=self.identity.username,
            here=self.request.uri or options.base_url,
            hub=self.portal.hub_prefix,
            section=section,
            xsrf=self.get_xsrf() if xsrf else "",
            notices=self.notices,
        )

    def get_xsrf(self) -> str:
        """The hub's XSRF token for this page's forms ('' without hub OAuth)."""
        if "hub_auth" not in self.settings or "cookie_secret" not in self.settings:
            return ""
        token: bytes | str = self.xsrf_token
        return token.decode() if isinstance(token, bytes) else token

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """An HTML page for a browser (``Accept: text/html``), else the JSON error."""
        if "text/html" not in self.request.headers.get("Accept", ""):
            super().write_error(status_code, **kwargs)
            return
        status_code, message = self.describe_error(status_code, **kwargs)
        if status_code >= 500 and message == "internal error":
            message = "Something went wrong on our side; please try again later."
        reason = responses.get(status_code, "Error")
        if not hasattr(self, "identity"):
            self.identity = ANONYMOUS  # the error came before the caller was known
        site, back = self.make_site(), self.get_back_url()
        page = render(
            "error.html", site, status=status_code, reason=reason, message=message, back=back
        )
        self.write_page(page, status_code)

    def get_back_url(self) -> str:
        """The page a refused form came from (its ``Referer``, on this site only)."""
        parts = urlsplit(self.request.headers.get("Referer", ""))
        if self.request.method != "POST" or parts.netloc != self.request.host:
            return ""
        if not parts.path.startswith(self.service_options.base_url):
            return ""
        return urlunsplit(("", "", parts.path, parts.query, ""))

    def write_page(self, html: str, status: int = 200) -> None:
        """An HTML answer with the portal's content security policy."""
        self.set_status(status)
        self.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.set_header("Referrer-Policy", "same-origin")
        self.write_html(html)


class SessionsHandler(PortalPage):
    """``GET`` the service root: the experiment sessions table, filtered, sorted, paged.

    A bad query string (a date that is not one, an unknown sort) is not an error page:
    the portal shows the default search with the message, answered with status 400.
    """

    async def get(self) -> None:
        if self.sign_in_silently():
            return
        options, portal = self.service_options, self.portal
        params = clean_params(self.query_params())
        error = None
        try:
            search = parse_search(params, options.max_limit)
        except BadRequest as refused:
            error, params, search = refused.message, {}, Search()
        if "limit" not in params:
            search = replace(search, limit=portal.page_size)
        rows = partial(portal_rows, search=search, documents=portal.documents)
        counts = [partial(answers.facets, search=search, names=names) for names in FACET_GROUPS]
        data, *groups = await self.run_together(rows, *counts)
        data["facets"] = {name: v for group in groups for name, v in group["facets"].items()}
        base = options.base_url
        context: dict[str, Any] = make_portal_context(
            base, params, search, data, f"{base}api/datafiles/", portal.page_size
        )
        # a signed-in visitor's script fetches with the hub's cookie: JupyterHub wants
        # the XSRF token on such requests (not on page loads), so the page carries it
        site = self.make_site(xsrf=bool(self.identity.username))
        page = render("portal.html", site, error=error, **context)
        self.write_page(page, 400 if error else 200)


class LandingPage(PortalPage, LandingHandler):
    """``GET landing/<kind>/<id>``: the DOI landing page, as rich as a facility's.

    Content negotiation and the DataCite document are :class:`~.handlers.LandingHandler`'s;
    this adds the portal's frame, a silent sign-in, the session's report and A-Form, the
    links to the data, and the content security policy.
    """

    async def get(self, kind: str, item_id: str) -> None:
        if self.sign_in_silently():
            return
        await super().get(kind, item_id)

    async def write_landing_html(self, kind: str, item_id: str, document: Any) -> None:
        options, portal = self.service_options, self.portal
        record, extras = await self.run_together(
            self.get_landing_record(kind, item_id),
            partial(landing_extras, kind=kind, item_id=int(item_id), documents=portal.documents),
        )
        base = options.base_url
        page = render_landing(
            record,
            "investigation" if kind == "investigations" else "data collection",
            options.publisher,
            f"{options.public_url}landing/{kind}/{item_id}",
            document,
            f"{base}api/investigations/{item_id}/logbook",
            f"{base}api/logbook/attachments/",
            options.clock().date(),
            site=self.make_site(),
            extras=LandingExtras(
                base=base,
                documents=extras["documents"],
                member=extras["member"],
                signed_in=self.identity.username is not None,
                hub=portal.hub_prefix,
                lab_view=portal.lab_view,
            ),
        )
        self.write_page(page)


class UserFacetHandler(PortalPage):
    """``GET facets/users?<search>``: the user facet of a search (JSON), for the user
    field's suggestions: ``{"user": [{"value": login, "count": n}]}``, the 50 members
    of the most matching sessions."""

    async def get(self) -> None:
        search = parse_search(clean_params(self.query_params()), self.service_options.max_limit)
        await self.answer(partial(user_facet, search=search))


class StaticHandler(StaticFileHandler):
    """``GET static/<file>``: the portal's stylesheet and script (cached for a year:
    their URLs change with their content)."""

    def set_extra_headers(self, path: str) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        if self.get_argument("v", None):
            self.set_header("Cache-Control", "public, max-age=31536000, immutable")


def make_portal_routes(base: str) -> list[tuple[Any, ...]]:
    """The portal's routes below ``base``."""
    return [
        (base, SessionsHandler),
        (base + r"facets/users", UserFacetHandler),
        (base + r"static/(portal\.(?:css|js))", StaticHandler, {"path": str(STATIC)}),
    ]
