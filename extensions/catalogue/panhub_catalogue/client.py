"""The one HTTP client of the catalogue service, for the Python API and the Lab's server.

Standard library only (:mod:`urllib`), so importing it is cheap in a kernel, in the
user's JupyterLab server, and in the catalogue service (which never imports it). Both
users of the catalogue in a user's session go through :class:`CatalogueClient`, so the
two cannot drift apart on:

* where the catalogue is and who the caller is: ``$PANHUB_CATALOGUE_URL`` (ending in
  ``/services/catalogue/``) and ``$JUPYTERHUB_API_TOKEN`` (sent as
  ``Authorization: token ...``), which the hub gives every user's server and its kernels;
* errors: every failure is a :class:`~panhub_catalogue.errors.CatalogueError` whose
  ``status`` is the HTTP status to show and whose ``message`` is the service's own
  (404 adds "not found, or not visible to you"; a catalogue that is down or slow is
  :class:`Unreachable` (502) or :class:`TimedOut` (504));
* where a catalogued file is in this server: :class:`PathMap` maps the file's
  ``location`` (under the proposals root of the indexing host) to the data view
  (``$PANHUB_PROPOSALS_ROOT`` to ``$PANHUB_PROPOSALS_VIEW``), and calls it mounted only
  if it exists here.
"""

from __future__ import annotations

import json
import os
import posixpath
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.client import HTTPResponse
from typing import Any

from panhub_catalogue.errors import (
    BadRequest,
    CatalogueError,
    Forbidden,
    NotFound,
    RangeNotSatisfiable,
    Unauthorized,
)

#: Query parameters of ``api/investigations`` and ``api/facets`` (as ``web.params``; a
#: test checks they agree: the service's module needs sqlalchemy, this one must not).
SEARCH_PARAMETERS = (
    "text",
    "access",
    "mine",
    "beamline",
    "user",
    "technique",
    "dateFrom",
    "dateTo",
    "sort",
    "limit",
    "offset",
)
#: Query parameters of ``api/investigations/<id>/logbook``.
LOGBOOK_PARAMETERS = ("search", "type", "dataset", "limit", "offset")
#: Query parameters of the paged lists (datasets, datafiles).
PAGE_PARAMETERS = ("limit", "offset")
#: The proposals root when ``$PANHUB_PROPOSALS_ROOT`` is unset (as ``settings``).
DEFAULT_PROPOSALS_ROOT = "/srv/proposals"
#: Seconds to wait for the catalogue to connect or to send the next bytes.
DEFAULT_TIMEOUT = 10.0
#: Largest error body read from the catalogue.
MAX_ERROR_BODY = 64 * 1024
NOT_VISIBLE = "not found, or not visible to you"
STATUS_ERRORS: dict[int, type[CatalogueError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    416: RangeNotSatisfiable,
}


class Unreachable(CatalogueError):
    """The catalogue service did not answer (refused, no route, no name; HTTP 502)."""

    status = 502


class TimedOut(CatalogueError):
    """The catalogue service was too slow (HTTP 504)."""

    status = 504


class UpstreamError(CatalogueError):
    """The catalogue answered with a server error or something that is not its JSON (502)."""

    status = 502


class NotConfigured(CatalogueError):
    """No catalogue URL is known in this environment (HTTP 502 to the Lab)."""

    status = 502


def make_error(status: int, message: str, problems: list[Any] | None = None) -> CatalogueError:
    """The :class:`CatalogueError` for an upstream ``status`` and the service's message.

    Client errors keep their status (a 404 says it may be invisible rather than absent)
    and the ``problems`` of the answer (what DataCite would refuse in a collection);
    server errors become :class:`UpstreamError` (502).
    """
    if status >= 500:
        return UpstreamError(f"the catalogue service failed ({status}): {message}")
    if status == 404:
        message = f"{message} ({NOT_VISIBLE})" if message else NOT_VISIBLE
    error = STATUS_ERRORS.get(status, CatalogueError)(message)
    error.status = status
    error.problems = list(problems or [])
    return error


def get_default_url() -> str | None:
    """``$PANHUB_CATALOGUE_URL``, else ``$JUPYTERHUB_PUBLIC_URL`` + ``services/catalogue/``."""
    url = os.environ.get("PANHUB_CATALOGUE_URL")
    if url:
        return url
    public = os.environ.get("JUPYTERHUB_PUBLIC_URL")
    if public:
        return public.rstrip("/") + "/services/catalogue/"
    return None


def is_single_component(name: str) -> bool:
    """Whether ``name`` is one plain path component (no separator, dot folders or NUL)."""
    return bool(name) and name not in (".", "..") and "/" not in name and "\x00" not in name


@dataclass(frozen=True)
class PathMap:
    """Where the proposals of the indexing host are in this server.

    Parameters
    ----------
    root
        The proposals root as catalogued (``/srv/proposals``): file locations start
        with it.
    view
        The same folders as this server sees them (``/data``); equal to ``root`` when
        the server sees the proposals where they are.
    """

    root: str = DEFAULT_PROPOSALS_ROOT
    view: str = DEFAULT_PROPOSALS_ROOT

    @classmethod
    def from_environment(cls) -> PathMap:
        """``$PANHUB_PROPOSALS_ROOT`` and ``$PANHUB_PROPOSALS_VIEW`` (the root by default)."""
        root = os.environ.get("PANHUB_PROPOSALS_ROOT") or DEFAULT_PROPOSALS_ROOT
        return cls(root, os.environ.get("PANHUB_PROPOSALS_VIEW") or root)

    def get_relative(self, record: Mapping[str, Any]) -> str | None:
        """A datafile's path below the root (``<proposal>/raw/...``), or ``None``.

        The service's ``relativePath`` wins; otherwise ``location`` must lie below
        :attr:`root`. Paths that would leave the root (``..``) are ``None``.
        """
        relative = record.get("relativePath")
        if not isinstance(relative, str):
            location = record.get("location")
            if not isinstance(location, str) or not location.startswith("/"):
                return None
            location = posixpath.normpath(location)
            root = posixpath.normpath(self.root)
            if not location.startswith(root.rstrip("/") + "/"):
                return None
            relative = location[len(root.rstrip("/")) + 1 :]
        relative = posixpath.normpath(relative)
        if relative.startswith(("/", "..")) or relative == "." or "\x00" in relative:
            return None
        return relative

    def get_view_path(self, record: Mapping[str, Any]) -> str | None:
        """Where a datafile would be in this server (it may not be there); ``None`` if unknown."""
        relative = self.get_relative(record)
        return None if relative is None else posixpath.join(self.view, relative)

    def find_mounted(self, record: Mapping[str, Any]) -> str | None:
        """The path of a datafile as mounted here, or ``None`` when this server lacks it."""
        path = self.get_view_path(record)
        return path if path is not None and os.path.exists(path) else None

    def is_proposal_mounted(self, name: object) -> bool:
        """Whether the proposal's folder (``<view>/<name>``) is in this server."""
        return (
            isinstance(name, str)
            and is_single_component(name)
            and os.path.isdir(posixpath.join(self.view, name))
        )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: it would carry the token to wherever it points."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def encode_query(params: Mapping[str, str | int | bool | Sequence[str] | None]) -> str:
    """``?a=1&b=x&b=y`` from a mapping (``None`` dropped, lists repeated, booleans lowercased)."""
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        if value is None:
            continue
        values = [value] if isinstance(value, str | int | bool) else list(value)
        for item in values:
            pairs.append((name, str(item).lower() if isinstance(item, bool) else str(item)))
    return "?" + urllib.parse.urlencode(pairs) if pairs else ""


class CatalogueClient:
    """Blocking calls to the catalogue service's JSON API (run it in a thread from async code).

    Parameters
    ----------
    url
        The service's base URL, ending in ``/services/catalogue/``; default
        :func:`get_default_url`.
    token
        The hub token the service knows the caller by; default ``$JUPYTERHUB_API_TOKEN``.
    timeout
        Seconds to wait for a connection or for the next bytes.
    paths
        Where the proposals are in this server; default :meth:`PathMap.from_environment`.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        paths: PathMap | None = None,
    ) -> None:
        url = url or get_default_url()
        self.url = None if url is None else url.rstrip("/") + "/"
        self.token = os.environ.get("JUPYTERHUB_API_TOKEN") if token is None else token
        self.timeout = timeout
        self.paths = PathMap.from_environment() if paths is None else paths
        # no proxies: the catalogue is the site's own service (and a proxy would see the token)
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())

    def __repr__(self) -> str:
        return f"CatalogueClient({self.url!r})"

    def make_request(
        self, method: str, path: str, query: str = "", body: bytes | None = None, **headers: str
    ) -> urllib.request.Request:
        """The request for ``path`` below the service (the token in a header, never the URL)."""
        if self.url is None:
            raise NotConfigured(
                "no catalogue service is configured here: set $PANHUB_CATALOGUE_URL "
                "(or c.PanhubCatalogue.url in the Lab server)"
            )
        if not self.url.startswith(("http://", "https://")):
            raise NotConfigured(f"the catalogue's URL must be http(s), not {self.url[:80]!r}")
        request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
            self.url + path + query, data=body, method=method, headers=headers
        )
        request.add_header("Accept", "application/json")
        if self.token:
            request.add_header("Authorization", f"token {self.token}")
        return request

    def open(
        self, method: str, path: str, query: str = "", body: bytes | None = None, **headers: str
    ) -> HTTPResponse:
        """Send a request; the response (2xx), or the mapped :class:`CatalogueError`."""
        request = self.make_request(method, path, query, body, **headers)
        try:
            response: HTTPResponse = self.opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            with error:
                message, problems = read_error(error)
                raise make_error(error.code, message, problems) from None
        except (urllib.error.URLError, OSError) as error:
            raise self.make_transport_error(error) from None
        return response

    def make_transport_error(self, error: BaseException) -> CatalogueError:
        """:class:`TimedOut` or :class:`Unreachable`, naming the service's URL."""
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            return TimedOut(
                f"the catalogue service at {self.url} did not answer within {self.timeout:g} s"
            )
        return Unreachable(f"the catalogue service at {self.url} is not reachable ({reason})")

    def call(self, method: str, path: str, query: str = "", payload: Any = None) -> Any:
        """One JSON call: the decoded body of the answer."""
        body = None if payload is None else json.dumps(payload).encode()
        headers = {} if body is None else {"Content-Type": "application/json"}
        with self.open(method, path, query, body, **headers) as response:
            try:
                raw = response.read()
            except OSError as error:
                raise self.make_transport_error(error) from None
        if not raw and method == "DELETE":  # 204 No Content
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise UpstreamError(
                f"the catalogue service at {self.url} did not answer JSON"
            ) from None

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """``GET`` a JSON resource below the service (``api/...``)."""
        return self.call("GET", path, encode_query(params or {}))

    def post(self, path: str, payload: Any) -> Any:
        """``POST`` a JSON body; the JSON answer."""
        return self.call("POST", path, payload=payload)

    def patch(self, path: str, payload: Any) -> Any:
        """``PATCH`` a JSON body; the JSON answer."""
        return self.call("PATCH", path, payload=payload)

    def delete(self, path: str) -> None:
        """``DELETE`` a resource (the service answers 204, no body)."""
        self.call("DELETE", path)

    def open_download(self, datafile_id: int, offset: int = 0) -> HTTPResponse:
        """The streamed bytes of a datafile from ``offset`` (an HTTP Range when above 0)."""
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        return self.open("GET", f"api/datafiles/{int(datafile_id)}/download", "", None, **headers)


def read_error(error: urllib.error.HTTPError) -> tuple[str, list[Any]]:
    """The service's ``message`` (else the HTTP reason) and ``problems`` from an error answer."""
    try:
        body = json.loads(error.read(MAX_ERROR_BODY))
    except (ValueError, OSError):
        return str(error.reason), []
    if not isinstance(body, dict):
        return str(error.reason), []
    message = body.get("message")
    problems = body.get("problems")
    return (
        message if isinstance(message, str) else str(error.reason),
        problems if isinstance(problems, list) else [],
    )
