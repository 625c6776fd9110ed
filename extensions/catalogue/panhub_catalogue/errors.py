"""Errors the catalogue raises on bad input or invisible rows; the service maps them to HTTP."""

from __future__ import annotations

from typing import Any


class CatalogueError(Exception):
    """Base class; ``status`` is the HTTP status the service answers with.

    Parameters
    ----------
    message
        Shown to the caller as is, so it names the problem and the offending value.
    """

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        #: what a collection's DataCite document still lacks (from the service's answer)
        self.problems: list[Any] = []


class BadRequest(CatalogueError):
    """Malformed or unknown parameters (HTTP 400)."""

    status = 400


class Unauthorized(CatalogueError):
    """The resource needs a signed-in caller (HTTP 401)."""

    status = 401


class Forbidden(CatalogueError):
    """The caller is known but lacks the role a resource needs (HTTP 403)."""

    status = 403


class NotFound(CatalogueError):
    """The row does not exist *or* the caller may not see it (HTTP 404, no existence leak)."""

    status = 404


class RangeNotSatisfiable(CatalogueError):
    """An HTTP Range outside the file (HTTP 416)."""

    status = 416
