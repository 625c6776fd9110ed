"""The panel's data-collection routes: the catalogue's ``api/collections``, as the owner.

==========================================  =========================================
``GET    collections/form``                 what the form offers: licences, relation
                                            types, resource types, the portal's URL
``GET    collections``                      those the owner manages (``mine``,
                                            ``status``, ``limit``, ``offset``)
``POST   collections``                      a new draft (201)
``GET    collections/<id>``                 one collection
``PATCH  collections/<id>``                 edit a draft
``POST   collections/<id>/submit``          send a complete draft to review
==========================================  =========================================

Each route passes its body to the catalogue unchanged, which decides who may do what
(:mod:`panhub_catalogue.publish.access`) and checks every field; its answer gains
``portalUrl``, the collection's page in the catalogue's portal (where reviewers mint
and where the whole workflow is). A refusal keeps the catalogue's status and message,
and its ``problems`` (what DataCite would still refuse), so the form can show them.
Minting stays in the portal and the Python API: a reviewer's act, not a panel button.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import tornado.web

from panhub_catalogue.client import PAGE_PARAMETERS
from panhub_catalogue.lab.routes import ID, CatalogueRoute
from panhub_catalogue.publish.document import COLLECTION_TYPES, VERSION_RELATIONS
from panhub_catalogue.publish.licences import LICENCES
from panhub_catalogue.publish.validation import load_enum

LIST_PARAMETERS = ("mine", "status", *PAGE_PARAMETERS)


def make_form_options(prefix: str) -> dict[str, Any]:
    """What the panel's form offers (the catalogue's own lists, so they cannot differ).

    >>> options = make_form_options("/services/catalogue/")
    >>> options["licences"][0]
    {'id': 'CC-BY-4.0', 'name': 'Creative Commons Attribution 4.0 International'}
    >>> "IsSupplementTo" in options["relationTypes"], "IsNewVersionOf" in options["relationTypes"]
    (True, False)
    """
    return {
        "licences": [{"id": key, "name": name} for key, (name, _) in LICENCES.items()],
        "relationTypes": [r for r in load_enum("relationType") if r not in VERSION_RELATIONS],
        "resourceTypes": list(COLLECTION_TYPES),
        "portalUrl": prefix + "collections",
    }


class CollectionRoute(CatalogueRoute):
    """Base: calls the catalogue and adds ``portalUrl`` to its answer."""

    def with_portal(self, record: dict[str, Any]) -> dict[str, Any]:
        """``record`` with its page in the catalogue's portal."""
        return dict(record, portalUrl=f"{self.prefix}collections/{int(record['id'])}")

    async def forward(self, method: str, path: str, body: Any = None, status: int = 200) -> None:
        """``method`` on the catalogue's ``api/<path>``; its answer with ``portalUrl``."""
        call = getattr(self.client, method)
        work = partial(call, f"api/{path}") if body is None else partial(call, f"api/{path}", body)
        self.write_json(self.with_portal(await self.call(work)), status=status)


class FormOptionsRoute(CollectionRoute):
    """``GET collections/form``."""

    @tornado.web.authenticated
    def get(self) -> None:
        self.get_params(())
        self.write_json(make_form_options(self.prefix))


class CollectionsRoute(CollectionRoute):
    """``GET collections`` (the owner's) and ``POST collections`` (a new draft)."""

    @tornado.web.authenticated
    async def get(self) -> None:
        params = self.get_params(LIST_PARAMETERS)

        def work() -> dict[str, Any]:
            page: dict[str, Any] = self.client.get("api/collections", params)
            page["items"] = [self.with_portal(item) for item in page["items"]]
            return page

        self.write_json(await self.call(work))

    @tornado.web.authenticated
    async def post(self) -> None:
        self.get_params(())
        await self.forward("post", "collections", self.get_body(), status=201)


class CollectionByIdRoute(CollectionRoute):
    """``GET`` and ``PATCH collections/<id>``."""

    @tornado.web.authenticated
    async def get(self, collection_id: str) -> None:
        self.get_params(())
        await self.forward("get", f"collections/{int(collection_id)}")

    @tornado.web.authenticated
    async def patch(self, collection_id: str) -> None:
        self.get_params(())
        await self.forward("patch", f"collections/{int(collection_id)}", self.get_body())


class SubmitRoute(CollectionRoute):
    """``POST collections/<id>/submit``: draft -> review."""

    @tornado.web.authenticated
    async def post(self, collection_id: str) -> None:
        self.get_params(())
        await self.forward("post", f"collections/{int(collection_id)}/submit", {})


def make_collection_routes(url: Any) -> list[tuple[str, type[CollectionRoute]]]:
    """The routes, with ``url(pattern)`` giving each its full pattern."""
    return [
        (url("collections/form"), FormOptionsRoute),
        (url("collections"), CollectionsRoute),
        (url(f"collections/{ID}"), CollectionByIdRoute),
        (url(f"collections/{ID}/submit"), SubmitRoute),
    ]
