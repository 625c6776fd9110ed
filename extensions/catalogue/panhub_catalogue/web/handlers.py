"""Tornado request handlers: adapters from HTTP to the visibility rule and search.

Handlers parse, call a query function in a worker thread, and serialise. Errors are
mapped to HTTP in one place, :meth:`CatalogueHandler.write_error`, as JSON
``{"status": ..., "message": ...}``.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from jupyterhub.services.auth import (  # type: ignore[import-untyped]
    HubOAuthCallbackHandler,
    HubOAuthenticated,
)
from sqlalchemy.orm import Session, sessionmaker
from tornado.ioloop import IOLoop
from tornado.log import app_log
from tornado.web import HTTPError, RequestHandler, authenticated

from panhub_catalogue import logbook, records
from panhub_catalogue.errors import BadRequest, CatalogueError, Forbidden
from panhub_catalogue.identity import Identity
from panhub_catalogue.ingest.members import read_directory
from panhub_catalogue.search import Search, count_facets, search_investigations
from panhub_catalogue.visibility import (
    find_investigation_by_doi,
    get_datafile,
    get_dataset,
    get_investigation,
    get_landing_collection,
    get_landing_investigation,
    list_datafiles,
    resolve_identity,
)
from panhub_catalogue.web.download import content_disposition, open_download, parse_range
from panhub_catalogue.web.landing import render_index, render_landing
from panhub_catalogue.web.params import get_single, parse_int, parse_logbook_filter, parse_search

T = TypeVar("T")
CHUNK = 1 << 20
#: Largest JSON body read (a logbook entry: 64 KiB of text, escaped, and its tags).
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
    """Base: identity, database access in a worker thread, and the error mapping."""

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

    def decode_argument(self, value: bytes, name: str | None = None) -> str:
        """Path and query arguments as text; a NUL character is a 400 (PostgreSQL refuses it)."""
        text: str = super().decode_argument(value, name)
        if text is not None and "\x00" in text:  # None: an optional group that did not match
            raise BadRequest(f"{name or 'the path'} holds a NUL character")
        return text

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work(session)`` in a worker thread so the event loop stays free."""

        def call() -> T:
            with self.sessions() as session:
                return work(session)

        return await IOLoop.current().run_in_executor(None, call)

    def write_json(self, value: Any) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(value))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs["exc_info"][1] if "exc_info" in kwargs else None
        if isinstance(error, CatalogueError):
            status_code, message = error.status, error.message
        elif isinstance(error, HTTPError):
            message = error.log_message or error.reason or self._reason
        else:
            message = "internal error"
        self.set_status(status_code)
        self.write_json({"status": status_code, "message": message})

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, CatalogueError):
            app_log.info("%s %s: %s", self.request.method, self.request.path, value.message)
        else:
            app_log.error("".join(traceback.format_exception(typ, value, tb)))


class InvestigationsHandler(CatalogueHandler):
    """``GET api/investigations``: search with filters, sort, page and total count."""

    async def get(self) -> None:
        search = parse_search(self.query_params(), self.service_options.max_limit)
        identity, now = self.identity, self.service_options.clock()

        def work(session: Session) -> dict[str, Any]:
            total, rows = search_investigations(session, identity, search, now)
            items = records.summarize_investigations(session, rows, now)
            return {"total": total, "limit": search.limit, "offset": search.offset, "items": items}

        self.write_json(await self.run(work))


class FacetsHandler(CatalogueHandler):
    """``GET api/facets``: counts per beamline, technique, access and year."""

    async def get(self) -> None:
        search = parse_search(self.query_params(), self.service_options.max_limit)
        identity, now = self.identity, self.service_options.clock()

        def work(session: Session) -> dict[str, Any]:
            facets = count_facets(session, identity, search, now)
            return {
                name: [{"value": v, "count": n} for v, n in values]
                for name, values in facets.items()
            }

        self.write_json({"facets": await self.run(work)})


class InvestigationHandler(CatalogueHandler):
    """``GET api/investigations/<id>``: one investigation, its samples, datasets, files."""

    async def get(self, investigation_id: str) -> None:
        self.reject_parameters()
        identity, now = self.identity, self.service_options.clock()

        def work(session: Session) -> dict[str, Any]:
            found = get_investigation(session, identity, int(investigation_id), now)
            return records.describe_investigation(
                session, found, now, self.service_options.file_limit
            )

        self.write_json(await self.run(work))

    def reject_parameters(self) -> None:
        if self.request.query_arguments:
            name = sorted(self.request.query_arguments)[0]
            raise BadRequest(f"unknown parameter '{name[:40]}'; this resource takes none")


class DatafilesHandler(CatalogueHandler):
    """``GET api/datasets/<id>/datafiles?limit=&offset=``: a dataset's files, paginated."""

    async def get(self, dataset_id: str) -> None:
        params = self.query_params()
        unknown = sorted(set(params) - {"limit", "offset"})
        if unknown:
            raise BadRequest(f"unknown parameter '{unknown[0][:40]}'; known: limit, offset")
        limit = parse_int(
            get_single(params, "limit"), "limit", 100, 1, self.service_options.max_limit
        )
        offset = parse_int(get_single(params, "offset"), "offset", 0, 0, 10**9)
        identity, now = self.identity, self.service_options.clock()

        def work(session: Session) -> dict[str, Any]:
            dataset = get_dataset(session, identity, int(dataset_id), now)
            total, files = list_datafiles(session, [dataset.id], limit, offset)
            items = [records.describe_datafile(f) for f in files]
            return {"total": total, "limit": limit, "offset": offset, "items": items}

        self.write_json(await self.run(work))


class DownloadHandler(CatalogueHandler):
    """``GET api/datafiles/<id>/download``: the file, streamed, with HTTP Range."""

    async def get(self, datafile_id: str) -> None:
        identity, now = self.identity, self.service_options.clock()
        datafile = await self.run(lambda s: get_datafile(s, identity, int(datafile_id), now))
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
        identity, now = self.identity, self.service_options.clock()

        def work(session: Session) -> dict[str, Any]:
            total, rows = logbook.list_entries(session, identity, int(investigation_id), page, now)
            items = [logbook.describe_entry(r) for r in rows]
            return {"total": total, "limit": page.limit, "offset": page.offset, "items": items}

        self.write_json(await self.run(work))

    async def post(self, investigation_id: str) -> None:
        identity, now = self.identity, self.service_options.clock()
        body = self.read_json_body()

        def work(session: Session) -> dict[str, Any]:
            entry = logbook.write_annotation(session, identity, int(investigation_id), body, now)
            session.commit()
            return logbook.describe_entry(entry)

        result = await self.run(work)
        self.set_status(201)
        self.write_json(result)

    def read_json_body(self) -> object:
        """The request body as JSON (``Content-Type: application/json``), else 400."""
        kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise BadRequest(f"Content-Type must be application/json, not '{kind[:40]}'")
        size = len(self.request.body)
        if size > MAX_BODY:  # never parse megabytes (tornado takes up to 100 MB)
            raise BadRequest(f"the body is {size} bytes; at most {MAX_BODY} are allowed")
        try:
            return json.loads(self.request.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise BadRequest(f"the body is not JSON: {str(error)[:80]}") from None
        except RecursionError:
            raise BadRequest("the body is not JSON: nested too deeply") from None


class WhoAmIHandler(CatalogueHandler):
    """``GET api/whoami``: the identity the catalogue sees (for the Lab panel)."""

    async def get(self) -> None:
        identity = await self.run(lambda s: resolve_identity(s, self.identity))
        self.write_json(
            {
                "username": identity.username,
                "admin": identity.admin,
                "beamlines": sorted(identity.beamlines),
            }
        )


class DirectoryHandler(CatalogueHandler):
    """``GET api/directory``: membership in the hub's directory shape, for admins only.

    The hub's ``CatalogueSource`` reads it with an admin service's token; catalogue and
    hub admins may read it too. Anyone else gets 403.
    """

    async def get(self) -> None:
        def work(session: Session) -> dict[str, Any]:
            if not resolve_identity(session, self.identity).admin:
                raise Forbidden("the directory is for the hub and catalogue admins only")
            return read_directory(session)

        self.write_json(await self.run(work))


class IndexHandler(CatalogueHandler):
    """``GET`` the service root: an HTML front page (who you are, a sign-in link)."""

    async def get(self) -> None:
        identity, now = self.identity, self.service_options.clock()
        search = Search(limit=20)

        def work(session: Session) -> tuple[int, list[dict[str, Any]]]:
            total, rows = search_investigations(session, identity, search, now)
            return total, records.summarize_investigations(session, rows, now)

        total, items = await self.run(work)
        options = self.service_options
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(
            render_index(identity.username, items, total, options.base_url, options.publisher)
        )


class LandingHandler(CatalogueHandler):
    """``GET landing/investigations/<id>`` and ``landing/collections/<id>``: HTML pages.

    Items the caller may not see answer 404, except those with a DOI, whose page shows
    citation metadata only (see :func:`~panhub_catalogue.get_landing_investigation`).
    An investigation's full page also shows its newest logbook entries; the citation-only
    page never does.
    """

    async def get(self, kind: str, item_id: str) -> None:
        identity, now = self.identity, self.service_options.clock()

        def work(session: Session) -> dict[str, Any]:
            if kind == "investigations":
                found, whole = get_landing_investigation(session, identity, int(item_id), now)
                if not whole:
                    return records.describe_citation(session, found, now)
                record = records.describe_investigation(session, found, now, 0)
                page = logbook.LogbookFilter(limit=self.service_options.landing_logbook_entries)
                total, rows = logbook.list_entries(session, identity, found.id, page, now)
                record["logbook"] = [logbook.describe_entry(r) for r in rows]
                record["logbookTotal"] = total
                return record
            collection, whole = get_landing_collection(session, identity, int(item_id), now)
            if not whole:
                return records.describe_collection_citation(session, collection)
            return records.describe_collection(session, collection)

        record = await self.run(work)
        url = f"{self.service_options.public_url}landing/{kind}/{item_id}"
        label = "investigation" if kind == "investigations" else "data collection"
        self.set_header("Content-Type", "text/html; charset=utf-8")
        api = f"{self.service_options.base_url}api/investigations/{item_id}/logbook"
        self.finish(render_landing(record, label, self.service_options.publisher, url, api))


class DoiHandler(CatalogueHandler):
    """``GET doi/<doi>``: redirect to the landing page of the investigation or collection.

    Every DOI the catalogue holds resolves, embargoed or not; the landing page decides
    what the caller sees.
    """

    async def get(self, doi: str) -> None:
        identity, now = self.identity, self.service_options.clock()

        def work(session: Session) -> str:
            try:
                found = find_investigation_by_doi(session, doi)
                return f"landing/investigations/{found.id}"
            except CatalogueError:
                collection, _ = get_landing_collection(session, identity, None, now, doi=doi)
                return f"landing/collections/{collection.id}"

        self.redirect(self.service_options.base_url + await self.run(work))


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
