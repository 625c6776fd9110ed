"""Routes of data collections (JSON): each parses its request and calls one operation.

==========================================  =========================================
``GET    api/collections``                  those the caller manages (``mine``,
                                            ``status``, ``limit``, ``offset``)
``POST   api/collections``                  a new draft (201)
``GET    api/collections/<id>``             one collection
``PATCH  api/collections/<id>``             edit it (a minted one: DataCite updated)
``DELETE api/collections/<id>``             delete a draft (204)
``POST   api/collections/<id>/submit``      draft -> review
``POST   api/collections/<id>/return``      review -> draft (``{"note": ...}``)
``POST   api/collections/<id>/mint``        review -> minted (a reviewer)
``POST   api/collections/<id>/versions``    a new version's draft (201)
``POST   api/collections/<id>/withdraw``    withdraw a minted one (``{"reason": ...}``)
==========================================  =========================================

Who may do what is :mod:`panhub_catalogue.publish.access`; the operations are
:mod:`panhub_catalogue.publish.collections` and
:mod:`~panhub_catalogue.publish.lifecycle`. Errors are JSON ``{"status", "message"}``;
a refused form or an invalid DataCite document adds ``"problems"``: objects with the
``path`` where the check found it, the form's ``field`` key and ``label``, the
``message`` and the whole ``text`` (:mod:`panhub_catalogue.publish.problems`). As every
``POST`` of the service, a browser's cookie counts only with the hub's XSRF token.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from panhub_catalogue.errors import BadRequest
from panhub_catalogue.model import DRAFT, MINTED, REVIEW
from panhub_catalogue.publish import collections as operations
from panhub_catalogue.publish import lifecycle
from panhub_catalogue.publish.options import PublishOptions
from panhub_catalogue.publish.problems import InvalidFields
from panhub_catalogue.publish.sessions import make_release_hook
from panhub_catalogue.web.handlers import CatalogueHandler
from panhub_catalogue.web.params import get_single, parse_bool, parse_page, reject_unknown

LIST_PARAMETERS = ("mine", "status", "limit", "offset")
STATUSES = (DRAFT, REVIEW, MINTED)
#: ``POST api/collections/<id>/<action>``: the operation, and whether it reads a body.
ACTIONS: dict[str, tuple[Callable[..., Any], bool]] = {
    "submit": (lifecycle.submit, False),
    "return": (lifecycle.return_to_draft, True),
    "mint": (lifecycle.mint, False),
    "versions": (lifecycle.new_version, False),
    "withdraw": (lifecycle.withdraw, True),
}


class CollectionHandler(CatalogueHandler):
    """Base of the collection routes: the publishing options, ``problems`` in errors."""

    @property
    def publishing(self) -> PublishOptions:
        options: PublishOptions = self.service_options.publishing
        return options

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs["exc_info"][1] if "exc_info" in kwargs else None
        self.problems = (
            [p.as_json() for p in error.problems] if isinstance(error, InvalidFields) else None
        )
        super().write_error(status_code, **kwargs)

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        body = super().error_body(status, message)
        if getattr(self, "problems", None):
            body["problems"] = self.problems
        return body

    def optional_body(self) -> object:
        """The JSON body, or ``{}`` when the request has none."""
        return self.json_body() if self.request.body else {}


class CollectionsHandler(CollectionHandler):
    """``GET api/collections`` (list) and ``POST api/collections`` (create)."""

    async def get(self) -> None:
        params = self.query_params()
        reject_unknown(params, LIST_PARAMETERS)
        mine = parse_bool(get_single(params, "mine"), "mine")
        status = get_single(params, "status")
        if status is not None and status not in STATUSES:
            raise BadRequest(f"status: '{status[:40]}' is not one of {', '.join(STATUSES)}")
        page = {k: v for k, v in params.items() if k in ("limit", "offset")}
        limit, offset = parse_page(page, self.service_options.max_limit, 50)
        await self.answer(
            partial(
                operations.list_collections, mine=mine, status=status, limit=limit, offset=offset
            )
        )

    async def post(self) -> None:
        body = self.json_body()
        await self.answer(partial(operations.create, body=body, options=self.publishing), 201)


class CollectionHandlerById(CollectionHandler):
    """``GET``, ``PATCH`` and ``DELETE api/collections/<id>``."""

    async def get(self, collection_id: str) -> None:
        reject_unknown(self.request.query_arguments, ())
        await self.answer(
            partial(operations.read, collection_id=int(collection_id), options=self.publishing)
        )

    async def patch(self, collection_id: str) -> None:
        body = self.json_body()
        await self.answer(
            partial(
                operations.update,
                collection_id=int(collection_id),
                body=body,
                options=self.publishing,
            )
        )

    async def delete(self, collection_id: str) -> None:
        await self.run(
            partial(operations.delete, collection_id=int(collection_id), options=self.publishing)
        )
        self.set_status(204)
        self.finish()


class CollectionActionHandler(CollectionHandler):
    """``POST api/collections/<id>/<action>``: submit, return, mint, versions, withdraw."""

    async def post(self, collection_id: str, action: str) -> None:
        reject_unknown(self.request.query_arguments, ())
        work, takes_body = ACTIONS[action]
        arguments: dict[str, Any] = {
            "collection_id": int(collection_id),
            "options": self.publishing,
        }
        if takes_body:
            arguments["body"] = self.optional_body()
        if action == "mint":
            arguments["after"] = make_release_hook(self.publishing, self.service_options.clock())
        await self.answer(partial(work, **arguments), 201 if action == "versions" else 200)


def make_collection_routes(base: str) -> list[tuple[str, type[CollectionHandler]]]:
    """The collection routes below ``base`` (the service's base URL)."""
    return [
        (base + r"api/collections", CollectionsHandler),
        (base + r"api/collections/(\d{1,18})", CollectionHandlerById),
        (
            base + r"api/collections/(\d{1,18})/(submit|return|mint|versions|withdraw)",
            CollectionActionHandler,
        ),
    ]
