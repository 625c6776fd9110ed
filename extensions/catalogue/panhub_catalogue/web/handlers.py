"""Tornado request handlers: one per route, each its route and the one call it makes.

A handler parses its parameters (:mod:`~panhub_catalogue.web.params`) and hands a
``work(session, identity, now)`` (:mod:`~panhub_catalogue.web.answers`) to
:meth:`CatalogueHandler.answer`, which runs it in a worker thread and writes the JSON.
The HTML, redirect and download routes call :meth:`CatalogueHandler.run` and write their
own body. Errors are mapped to HTTP in one place, :meth:`CatalogueHandler.write_error`,
as JSON ``{"status": ..., "message": ...}``.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from jupyterhub.services.auth import (  # type: ignore[import-untyped]
    HubOAuthCallbackHandler,
    HubOAuthenticated,
)
from sqlalchemy.orm import Session, sessionmaker
from tornado.ioloop import IOLoop
from tornado.log import app_log
from tornado.web import HTTPError, RequestHandler, authenticated

from panhub_catalogue.errors import BadRequest, CatalogueError
from panhub_catalogue.identity import Identity
from panhub_catalogue.logbook import FIGURE_TYPES, get_encoded_length
from panhub_catalogue.publish.formats import FORMAT_NAMES, choose_format, render
from panhub_catalogue.search import Search
from panhub_catalogue.visibility import get_datafile
from panhub_catalogue.web import answers
from panhub_catalogue.web.answers import Work
from panhub_catalogue.web.download import content_disposition, open_download, parse_range
from panhub_catalogue.web.landing import render_index, render_landing
from panhub_catalogue.web.params import (
    parse_logbook_filter,
    parse_page,
    parse_search,
    reject_unknown,
)

T = TypeVar("T")
CHUNK = 1 << 20
#: Largest JSON body read (a logbook entry: 64 KiB of text, escaped, and its tags); a
#: logbook entry may add a figure's base64 to it.
MAX_BODY = 1 << 20


def use_app_hub_auth(handler: RequestHandler) -> None:
    """Give ``handler`` the application's HubOAuth (``settings["hub_auth"]``), if any.

    HubAuthenticated otherwise falls back to a process-wide singleton. The login
    redirect and the OAuth callback must share one instance: it keeps the OAuth state,
    and with it the PKCE code verifier, between the two requests.
    """
    hub_auth = handler.settings.get("hub_auth")
    if hub_auth is not None:
        handler.hub_auth = hub_auth  # type: ignore[attr-defined]


class OAuthCallbackHandler(HubOAuthCallbackHandler):  # type: ignore[misc]
    """``GET oauth_callback``: the stock callback, on the application's HubOAuth."""

    def initialize(self) -> None:
        use_app_hub_auth(self)


class CatalogueHandler(HubOAuthenticated, RequestHandler):  # type: ignore[misc]
    """Base: identity, the request's arguments, work in a worker thread, the error mapping."""

    def initialize(self) -> None:
        use_app_hub_auth(self)

    def set_default_headers(self) -> None:
        # error bodies echo parts of the request: never let a browser sniff them as HTML
        self.set_header("X-Content-Type-Options", "nosniff")

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.settings["catalogue_sessions"]  # type: ignore[no-any-return]

    @property
    def service_options(self) -> Any:
        """The :class:`~.service.ServiceOptions` (not ``options``: that is HTTP)."""
        return self.settings["catalogue_options"]

    async def prepare(self) -> None:
        identify: Callable[[RequestHandler], Awaitable[Identity]] = self.settings[
            "catalogue_identify"
        ]
        self.identity = await identify(self)

    def query_params(self) -> dict[str, list[str]]:
        """Query arguments decoded as UTF-8 (undecodable bytes or NUL characters are a 400)."""
        try:
            params = {k: [v.decode() for v in vs] for k, vs in self.request.query_arguments.items()}
        except UnicodeDecodeError:
            raise BadRequest("query parameters are not valid UTF-8") from None
        for name, values in params.items():
            if "\x00" in name or any("\x00" in v for v in values):
                raise BadRequest(f"parameter {name[:40]!r} holds a NUL character")
        return params

    def json_body(self, limit: int = MAX_BODY) -> object:
        """The request body as JSON (``Content-Type: application/json``), else 400.

        A body of more than ``limit`` bytes is refused before it is parsed.
        """
        kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise BadRequest(f"Content-Type must be application/json, not '{kind[:40]}'")
        size = len(self.request.body)
        if size > limit:  # never parse megabytes needlessly (tornado takes up to 100 MB)
            raise BadRequest(f"the body is {size} bytes; at most {limit} are allowed")
        try:
            return json.loads(self.request.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise BadRequest(f"the body is not JSON: {str(error)[:80]}") from None
        except RecursionError:
            raise BadRequest("the body is not JSON: nested too deeply") from None

    def decode_argument(self, value: bytes, name: str | None = None) -> str:
        """Path and query arguments as text; a NUL character is a 400 (PostgreSQL refuses it)."""
        text: str = super().decode_argument(value, name)
        if text is not None and "\x00" in text:  # None: an optional group that did not match
            raise BadRequest(f"{name or 'the path'} holds a NUL character")
        return text

    async def run(self, work: Work[T]) -> T:
        """``work(session, identity, now)`` in a worker thread, so the event loop stays free.

        ``now`` is the service's clock, read once per request.
        """
        identity, now = self.identity, self.service_options.clock()

        def call() -> T:
            with self.sessions() as session:
                return work(session, identity, now)

        return await IOLoop.current().run_in_executor(None, call)

    async def answer(self, work: Work[Any], status: int = 200) -> None:
        """Run ``work`` (:meth:`run`) and write what it returns as JSON, with ``status``."""
        result = await self.run(work)
        self.set_status(status)
        self.write_json(result)

    def write_json(self, value: Any) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(value))

    def write_html(self, text: str) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(text)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs["exc_info"][1] if "exc_info" in kwargs else None
        if isinstance(error, CatalogueError):
            status_code, message = error.status, error.message
        elif isinstance(error, HTTPError):
            message = error.log_message or error.reason or self._reason
        else:
            message = "internal error"
        self.set_status(status_code)
        self.write_json(self.error_body(status_code, message))

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        """The JSON of an error answer (a route's own dialect may add to it)."""
        return {"status": status, "message": message}

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, CatalogueError):
            app_log.info("%s %s: %s", self.request.method, self.request.path, value.message)
        else:
            app_log.error("".join(traceback.format_exception(typ, value, tb)))


class InvestigationsHandler(CatalogueHandler):
    """``GET api/investigations``: search with filters, sort, page and total count."""

    async def get(self) -> None:
        search = parse_search(self.query_params(), self.service_options.max_limit)
        await self.answer(partial(answers.investigations, search=search))


class FacetsHandler(CatalogueHandler):
    """``GET api/facets``: counts per beamline, technique, access and year."""

    async def get(self) -> None:
        search = parse_search(self.query_params(), self.service_options.max_limit)
        await self.answer(partial(answers.facets, search=search))


class InvestigationHandler(CatalogueHandler):
    """``GET api/investigations/<id>``: one investigation, its samples, datasets, files."""

    async def get(self, investigation_id: str) -> None:
        reject_unknown(self.request.query_arguments, ())
        options = self.service_options
        await self.answer(
            partial(
                answers.investigation,
                investigation_id=int(investigation_id),
                file_limit=options.file_limit,
                options=options.records,
            )
        )


class CitationHandler(CatalogueHandler):
    """``GET api/investigations/<id>/citation``: how to cite it (text, BibTeX, RIS)."""

    async def get(self, investigation_id: str) -> None:
        reject_unknown(self.request.query_arguments, ())
        options = self.service_options.records
        await self.answer(
            partial(answers.citation, investigation_id=int(investigation_id), options=options)
        )


class DatasetsHandler(CatalogueHandler):
    """``GET api/investigations/<id>/datasets?limit=&offset=``: its datasets, paginated."""

    async def get(self, investigation_id: str) -> None:
        limit, offset = parse_page(self.query_params(), self.service_options.max_limit)
        await self.answer(
            partial(
                answers.datasets,
                investigation_id=int(investigation_id),
                limit=limit,
                offset=offset,
            )
        )


class DatafilesHandler(CatalogueHandler):
    """``GET api/datasets/<id>/datafiles?limit=&offset=``: a dataset's files, paginated."""

    async def get(self, dataset_id: str) -> None:
        options = self.service_options
        limit, offset = parse_page(self.query_params(), options.max_limit)
        await self.answer(
            partial(
                answers.datafiles,
                dataset_id=int(dataset_id),
                limit=limit,
                offset=offset,
                root=options.proposals_root,
            )
        )


class DatafileHandler(CatalogueHandler):
    """``GET api/datafiles/<id>``: one file, with its dataset's and investigation's names."""

    async def get(self, datafile_id: str) -> None:
        reject_unknown(self.request.query_arguments, ())
        root = self.service_options.proposals_root
        await self.answer(partial(answers.datafile, datafile_id=int(datafile_id), root=root))


class DownloadHandler(CatalogueHandler):
    """``GET api/datafiles/<id>/download``: the file, streamed, with HTTP Range."""

    async def get(self, datafile_id: str) -> None:
        datafile = await self.run(
            lambda session, identity, now: get_datafile(session, identity, int(datafile_id), now)
        )
        stream = open_download(datafile.location, self.service_options.download_roots)
        with stream:
            size = os.fstat(stream.fileno()).st_size
            byte_range = parse_range(self.request.headers.get("Range"), size)
            first, last = byte_range or (0, size - 1)
            if byte_range is not None:
                self.set_status(206)
                self.set_header("Content-Range", f"bytes {first}-{last}/{size}")
            self.set_header("Accept-Ranges", "bytes")
            self.set_header("Content-Type", "application/octet-stream")
            self.set_header("Content-Length", str(last - first + 1))
            self.set_header("Content-Disposition", content_disposition(datafile.location))
            stream.seek(first)
            remaining = last - first + 1
            while remaining > 0:
                chunk = stream.read(min(CHUNK, remaining))
                if not chunk:
                    break  # the file shrank while we were sending it
                remaining -= len(chunk)
                self.write(chunk)
                await self.flush()
        self.finish()


class LogbookHandler(CatalogueHandler):
    """``GET``/``POST api/investigations/<id>/logbook``: read the logbook, add an annotation.

    Reading follows the investigation's visibility (404 otherwise); writing needs a
    member, beamline staff or admin (:mod:`panhub_catalogue.logbook`). A browser's
    cookie counts on ``POST`` only with the hub's XSRF token (``X-XSRFToken`` header
    or ``_xsrf`` argument): HubOAuth drops the cookie otherwise, so the caller is
    anonymous (401). A token in the ``Authorization`` header needs no XSRF token.
    """

    async def get(self, investigation_id: str) -> None:
        page = parse_logbook_filter(self.query_params(), self.service_options.max_limit)
        await self.answer(
            partial(answers.logbook_page, investigation_id=int(investigation_id), page=page)
        )

    async def post(self, investigation_id: str) -> None:
        figure_max = self.service_options.logbook_figure_max_bytes
        # text and tags take at most MAX_BODY: a figure too large by less than that is
        # refused by the figure's own message, a larger one by the body's
        body = self.json_body(MAX_BODY + get_encoded_length(figure_max))
        await self.answer(
            partial(
                answers.annotation,
                investigation_id=int(investigation_id),
                body=body,
                figure_max_bytes=figure_max,
            ),
            status=201,
        )


class AttachmentHandler(CatalogueHandler):
    """``GET api/logbook/attachments/<id>``: a logbook figure (PNG or JPEG), streamed.

    Read by whoever may read that logbook (404 otherwise). The Content-Type is the one
    checked on the way in, never guessed, and the response forbids sniffing and runs
    no script (``Content-Security-Policy: sandbox``).
    """

    async def get(self, attachment_id: str) -> None:
        reject_unknown(self.request.query_arguments, ())
        figure = await self.run(partial(answers.attachment, attachment_id=int(attachment_id)))
        kind = figure.mime_type if figure.mime_type in FIGURE_TYPES else "application/octet-stream"
        extension = {"image/png": "png", "image/jpeg": "jpg"}.get(kind, "bin")
        self.set_header("Content-Type", kind)
        self.set_header("Content-Length", str(len(figure.data)))
        self.set_header(
            "Content-Disposition", f'inline; filename="figure-{attachment_id}.{extension}"'
        )
        self.set_header("Content-Security-Policy", "default-src 'none'; sandbox")
        self.set_header("Cache-Control", "private, no-cache")
        view = memoryview(figure.data)
        for start in range(0, len(view), CHUNK):
            self.write(bytes(view[start : start + CHUNK]))
            await self.flush()
        self.finish()


class WhoAmIHandler(CatalogueHandler):
    """``GET api/whoami``: the identity the catalogue sees (for the Lab panel)."""

    async def get(self) -> None:
        await self.answer(answers.whoami)


class DirectoryHandler(CatalogueHandler):
    """``GET api/directory``: membership in the hub's directory shape, for admins only.

    The hub's ``CatalogueSource`` reads it with an admin service's token; catalogue and
    hub admins may read it too. Anyone else gets 403.
    """

    async def get(self) -> None:
        await self.answer(answers.directory)


class IndexHandler(CatalogueHandler):
    """``GET`` the service root: an HTML front page (who you are, a sign-in link)."""

    async def get(self) -> None:
        page = await self.run(partial(answers.investigations, search=Search(limit=20)))
        options = self.service_options
        self.write_html(
            render_index(
                self.identity.username,
                page["items"],
                page["total"],
                options.base_url,
                options.publisher,
            )
        )


class LandingHandler(CatalogueHandler):
    """``GET landing/investigations/<id>`` and ``landing/collections/<id>``: HTML pages.

    Items the caller may not see answer 404, except those with a DOI, whose page shows
    citation metadata only (see
    :func:`~panhub_catalogue.visibility.get_landing_investigation`). An investigation's
    full page also shows its newest logbook entries; the citation-only page never does.
    An ``Accept`` naming a citation or metadata format (BibTeX, RIS, CSL-JSON, DataCite
    XML or JSON, schema.org JSON-LD, text) gets the item's document in that format
    instead (:func:`~panhub_catalogue.publish.formats.choose_format`).
    """

    async def get(self, kind: str, item_id: str) -> None:
        options = self.service_options
        self.set_header("Vary", "Accept")
        media = self.get_format()
        document = await self.run(
            partial(
                answers.landing_document, kind=kind, item_id=int(item_id), options=options.records
            )
        )
        if media is not None:
            content_type, body = render(media, document, options.clock().date())
            self.set_header("Content-Type", content_type)
            self.finish(body)
            return
        record = await self.run(
            partial(
                answers.landing,
                kind=kind,
                item_id=int(item_id),
                logbook_entries=options.landing_logbook_entries,
                options=options.records,
            )
        )
        url = f"{options.public_url}landing/{kind}/{item_id}"
        label = "investigation" if kind == "investigations" else "data collection"
        api = f"{options.base_url}api/investigations/{item_id}/logbook"
        figures = f"{options.base_url}api/logbook/attachments/"
        self.write_html(
            render_landing(
                record,
                label,
                options.publisher,
                url,
                document,
                api,
                figures,
                options.clock().date(),
            )
        )

    def get_format(self) -> str | None:
        """The media type asked for: ``?format=<name>`` (for links), else ``Accept``.

        Other query parameters are ignored (links to a public page may carry any).
        """
        names = self.query_params().get("format")
        if names is None:
            return choose_format(self.request.headers.get("Accept"))
        if len(names) != 1 or names[0] not in FORMAT_NAMES:
            known = ", ".join(FORMAT_NAMES)
            raise BadRequest(f"format: {names[0][:40]!r} is not one of {known}")
        return FORMAT_NAMES[names[0]]


class DoiHandler(CatalogueHandler):
    """``GET doi/<doi>``: redirect to the landing page of the investigation or collection.

    Every DOI the catalogue holds resolves, embargoed or not; the landing page decides
    what the caller sees.
    """

    async def get(self, doi: str) -> None:
        path = await self.run(partial(answers.doi_landing, doi=doi))
        self.redirect(self.service_options.base_url + path)


class LoginHandler(CatalogueHandler):
    """``GET login``: go through hub OAuth, then back to ``next`` (or the service root)."""

    @authenticated
    def get(self) -> None:
        target = self.get_argument("next", self.service_options.base_url)
        # browsers read '/\\host' as '//host', and drop tabs and newlines ('/\t/host')
        if (
            not target.startswith("/")
            or target.startswith("//")
            or "\\" in target
            or any(c < " " or c == "\x7f" for c in target)
        ):
            raise BadRequest("next must be a path on this site")
        self.redirect(target)


class NotFoundHandler(CatalogueHandler):
    """Anything else: a JSON 404."""

    async def prepare(self) -> None:
        raise HTTPError(404, f"no such resource: {self.request.path}")
