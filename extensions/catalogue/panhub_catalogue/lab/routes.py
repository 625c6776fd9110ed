"""The catalogue's routes in the user's server: the panel's view of the catalogue service.

Each route checks its parameters against the catalogue's own lists, makes its calls
with :class:`~panhub_catalogue.client.CatalogueClient` in a worker thread (the server's
event loop never waits on the catalogue), adds what only this server knows
(:mod:`~panhub_catalogue.lab.fields`: paths as mounted, code, links) and answers JSON.
The catalogue's statuses and messages pass through (404 stays 404); a catalogue that is
down or slow is a 502 or 504 with a message. The token is never part of an answer.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

import tornado.web
from jupyter_server.utils import url_path_join

from panhub_catalogue.client import (
    LOGBOOK_PARAMETERS,
    PAGE_PARAMETERS,
    SEARCH_PARAMETERS,
    CatalogueClient,
)
from panhub_catalogue.errors import CatalogueError, NotFound
from panhub_catalogue.lab import handlers
from panhub_catalogue.lab.config import LabState
from panhub_catalogue.lab.copies import DESTINATIONS, Copy
from panhub_catalogue.lab.fields import (
    add_dataset_fields,
    add_file_fields,
    add_investigation_fields,
)
from panhub_catalogue.lab.job import JobRoute

T = TypeVar("T")
#: Longest query value passed on (the catalogue's own limits are lower).
MAX_VALUE = 1000
#: Largest JSON body accepted (a logbook figure of 5 MiB, base64-encoded, and its note).
MAX_BODY = 8 * 1024**2
ID = r"(\d{1,18})"
#: The server's own login parameters: read by jupyter_server, never sent on.
SERVER_PARAMETERS = ("token", "_xsrf")


def is_cache_buster(name: str, values: Sequence[bytes]) -> bool:
    """JupyterLab's ``ServerConnection`` adds ``?<milliseconds>`` to every GET (no value)."""
    return name.isdigit() and all(not v for v in values)


class CatalogueRoute(handlers.LabHandler):
    """Base of the catalogue routes: parameters, calls in a thread, errors as statuses."""

    @property
    def state(self) -> LabState:
        return self.settings["panhub_catalogue"]  # type: ignore[no-any-return]

    @property
    def client(self) -> CatalogueClient:
        return self.state.client

    @property
    def prefix(self) -> str:
        return self.state.config.service_prefix

    async def call(self, work: Callable[[], T]) -> T:
        """``work()`` in the catalogue's threads; a :class:`CatalogueError` as its status."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.state.executor, work)
        except CatalogueError as error:
            http_error = tornado.web.HTTPError(error.status, "%s", error.message)
            http_error.problems = error.problems  # type: ignore[attr-defined]
            raise http_error from None

    def get_params(self, known: Sequence[str]) -> dict[str, list[str]]:
        """The query parameters (each a list), refused unless ``known`` and plain text."""
        params: dict[str, list[str]] = {}
        for name, raw in self.request.query_arguments.items():
            if name in SERVER_PARAMETERS or is_cache_buster(name, raw):
                continue
            if name not in known:
                listed = f"known: {', '.join(known)}" if known else "this resource takes none"
                raise tornado.web.HTTPError(400, "%s", f"unknown parameter {name[:40]!r}; {listed}")
            try:
                values = [value.decode() for value in raw]
            except UnicodeDecodeError:
                raise tornado.web.HTTPError(400, "%s", f"{name}: not valid UTF-8") from None
            if any("\x00" in v or len(v) > MAX_VALUE for v in values):
                raise tornado.web.HTTPError(
                    400, "%s", f"{name}: a NUL character or over {MAX_VALUE} characters"
                )
            params[name] = values
        return params

    def get_body(self) -> dict[str, Any]:
        """The JSON object in the request's body (400 otherwise)."""
        if len(self.request.body) > MAX_BODY:
            raise tornado.web.HTTPError(400, "%s", f"the body is over {MAX_BODY} bytes")
        try:
            body = json.loads(self.request.body or b"null")
        except (ValueError, RecursionError):
            raise tornado.web.HTTPError(400, "the body is not JSON") from None
        if not isinstance(body, dict):
            raise tornado.web.HTTPError(400, "the body must be a JSON object")
        return body

    async def relay(self, path: str, known: Sequence[str] = ()) -> None:
        """``GET`` the catalogue's ``path`` with the checked parameters; answer its JSON."""
        params = self.get_params(known)
        self.write_json(await self.call(partial(self.client.get, path, params)))


class WhoAmIRoute(CatalogueRoute):
    """``GET whoami``: who the catalogue takes the server's owner for."""

    @tornado.web.authenticated
    async def get(self) -> None:
        await self.relay("api/whoami")


class InvestigationsRoute(CatalogueRoute):
    """``GET investigations?<search>``: a page of rows, each with ``mounted`` and ``landingUrl``."""

    @tornado.web.authenticated
    async def get(self) -> None:
        params = self.get_params(SEARCH_PARAMETERS)

        def work() -> dict[str, Any]:
            page: dict[str, Any] = self.client.get("api/investigations", params)
            paths = self.client.paths
            page["items"] = [add_investigation_fields(i, paths, self.prefix) for i in page["items"]]
            return page

        self.write_json(await self.call(work))


class FacetsRoute(CatalogueRoute):
    """``GET facets?<search>``: the catalogue's facet counts."""

    @tornado.web.authenticated
    async def get(self) -> None:
        await self.relay("api/facets", SEARCH_PARAMETERS)


class InvestigationRoute(CatalogueRoute):
    """``GET investigations/<id>``: the record, ``mounted``, ``landingUrl``, ``citation``, files."""

    @tornado.web.authenticated
    async def get(self, investigation_id: str) -> None:
        self.get_params(())
        self.write_json(await self.call(partial(self.describe, int(investigation_id))))

    def describe(self, investigation_id: int) -> dict[str, Any]:
        client, paths = self.client, self.client.paths
        record: dict[str, Any] = client.get(f"api/investigations/{investigation_id}")
        citation = record.get("citation")
        if citation is None:
            try:
                citation = client.get(f"api/investigations/{investigation_id}/citation")
            except NotFound:  # a catalogue without citations
                citation = None
        record = add_investigation_fields(record, paths, self.prefix)
        record["citation"] = citation
        name, doi = record.get("name"), record.get("doi")
        if isinstance(record.get("datasets"), list):
            record["datasets"] = [add_dataset_fields(d, paths, name) for d in record["datasets"]]
        files = record.get("datafiles")
        if isinstance(files, dict) and isinstance(files.get("items"), list):
            files["items"] = [
                add_file_fields(f, paths, self.prefix, proposal=name, doi=doi)
                for f in files["items"]
            ]
        return record


class DatasetsRoute(CatalogueRoute):
    """``GET investigations/<id>/datasets?limit&offset``: a page of datasets."""

    @tornado.web.authenticated
    async def get(self, investigation_id: str) -> None:
        params = self.get_params(PAGE_PARAMETERS)

        def work() -> dict[str, Any]:
            path = f"api/investigations/{int(investigation_id)}/datasets"
            page: dict[str, Any] = self.client.get(path, params)
            paths = self.client.paths
            page["items"] = [add_dataset_fields(d, paths) for d in page["items"]]
            return page

        self.write_json(await self.call(work))


class DatafilesRoute(CatalogueRoute):
    """``GET datasets/<id>/datafiles?limit&offset``: a page of files, with the file fields."""

    @tornado.web.authenticated
    async def get(self, dataset_id: str) -> None:
        params = self.get_params(PAGE_PARAMETERS)

        def work() -> dict[str, Any]:
            page: dict[str, Any] = self.client.get(
                f"api/datasets/{int(dataset_id)}/datafiles", params
            )
            paths = self.client.paths
            page["items"] = [add_file_fields(f, paths, self.prefix) for f in page["items"]]
            return page

        self.write_json(await self.call(work))


class DatafileRoute(CatalogueRoute):
    """``GET datafiles/<id>``: one file, with the file fields."""

    @tornado.web.authenticated
    async def get(self, datafile_id: str) -> None:
        self.get_params(())

        def work() -> dict[str, Any]:
            record = self.client.get(f"api/datafiles/{int(datafile_id)}")
            return add_file_fields(record, self.client.paths, self.prefix)

        self.write_json(await self.call(work))


class CitationRoute(CatalogueRoute):
    """``GET investigations/<id>/citation``: text, BibTeX and RIS."""

    @tornado.web.authenticated
    async def get(self, investigation_id: str) -> None:
        await self.relay(f"api/investigations/{int(investigation_id)}/citation")


class LogbookRoute(CatalogueRoute):
    """``GET``/``POST investigations/<id>/logbook``: read it; add a note (and a figure)."""

    @tornado.web.authenticated
    async def get(self, investigation_id: str) -> None:
        await self.relay(f"api/investigations/{int(investigation_id)}/logbook", LOGBOOK_PARAMETERS)

    @tornado.web.authenticated
    async def post(self, investigation_id: str) -> None:
        self.get_params(())
        body = self.get_body()
        path = f"api/investigations/{int(investigation_id)}/logbook"
        self.write_json(await self.call(partial(self.client.post, path, body)), status=201)


class CopyRoutes(CatalogueRoute):
    """Base of the copy routes."""

    def describe(self, job: dict[str, Any]) -> dict[str, Any]:
        """A job plus ``contentsPath``: its path below the Lab's root folder, or ``None``."""
        root = os.path.abspath(getattr(self.contents_manager, "root_dir", "/"))
        path = job["path"]
        inside = path.startswith(root.rstrip("/") + "/")
        return dict(job, contentsPath=os.path.relpath(path, root) if inside else None)


class CopiesRoute(CopyRoutes):
    """``POST copies {"datafile", "destination"}``: start a copy (202); ``GET``: the jobs."""

    @tornado.web.authenticated
    async def post(self) -> None:
        self.get_params(())
        body = self.get_body()
        unknown = sorted(set(body) - {"datafile", "destination"})
        if unknown:
            raise tornado.web.HTTPError(
                400, "%s", f"unknown key {unknown[0][:40]!r}; known: datafile, destination"
            )
        datafile = body.get("datafile")
        if not isinstance(datafile, int) or isinstance(datafile, bool) or not 0 < datafile < 2**63:
            raise tornado.web.HTTPError(400, "datafile must be a datafile id")
        destination = body.get("destination", "home")
        if destination not in DESTINATIONS:
            raise tornado.web.HTTPError(
                400, "%s", f"destination: {str(destination)[:40]!r} is not one of home, processed"
            )

        def work() -> dict[str, Any]:
            record = self.client.get(f"api/datafiles/{datafile}")
            return self.describe(self.state.copies.start(record, destination).describe())

        self.write_json(await self.call(work), status=202)

    @tornado.web.authenticated
    def get(self) -> None:
        self.get_params(())
        jobs = list(self.state.copies.jobs.values())
        self.write_json({"items": [self.describe(job.describe()) for job in jobs]})


class CopyRoute(CopyRoutes):
    """``GET copies/<id>``: a copy's progress; ``DELETE``: cancel it, or forget it if done."""

    @tornado.web.authenticated
    def get(self, copy_id: str) -> None:
        self.get_params(())
        self.write_json(self.describe(self.find(copy_id).describe()))

    @tornado.web.authenticated
    def delete(self, copy_id: str) -> None:
        self.get_params(())
        self.find(copy_id)
        self.write_json(self.describe(self.state.copies.cancel(copy_id).describe()))

    def find(self, copy_id: str) -> Copy:
        try:
            return self.state.copies.get(copy_id)
        except KeyError:
            raise tornado.web.HTTPError(404, "%s", f"no copy {copy_id}") from None


def make_routes(base_url: str) -> list[tuple[str, type[handlers.LabHandler]]]:
    """Every route of the server extension below ``base_url``."""
    from panhub_catalogue.lab.collections import make_collection_routes  # its base is here

    def url(pattern: str) -> str:
        return url_path_join(base_url, handlers.NAMESPACE, "api", pattern)

    return [
        *handlers.make_routes(base_url),
        (url("job"), JobRoute),
        (url("whoami"), WhoAmIRoute),
        (url("investigations"), InvestigationsRoute),
        (url("facets"), FacetsRoute),
        (url(f"investigations/{ID}"), InvestigationRoute),
        (url(f"investigations/{ID}/datasets"), DatasetsRoute),
        (url(f"investigations/{ID}/citation"), CitationRoute),
        (url(f"investigations/{ID}/logbook"), LogbookRoute),
        (url(f"datasets/{ID}/datafiles"), DatafilesRoute),
        (url(f"datafiles/{ID}"), DatafileRoute),
        (url("copies"), CopiesRoute),
        (url("copies/([0-9a-f]{16})"), CopyRoute),
        *make_collection_routes(url),
    ]
