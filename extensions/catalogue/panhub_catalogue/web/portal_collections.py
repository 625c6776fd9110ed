"""The portal's pages of a session's data and of data collections (thin handlers).

========================================  ==============================================
``GET  investigations/<id>``              a session's datasets (paged), with checkboxes
                                          for those who may publish them
``GET  datasets/<id>``                    a dataset's files (paged), likewise
``GET  collections``                      the data collections the caller manages
``POST collections``                      a new draft of the checked datasets and files,
                                          or them added to a draft (``into``)
``GET  collections/<id>``                 a collection: its form (a draft), its review
                                          (in review), its record (minted)
``POST collections/<id>``                 ``action``: save, submit, return, mint,
                                          versions, withdraw, delete
========================================  ==============================================

Every operation is the collection routes' own (:mod:`panhub_catalogue.web.collections`:
:mod:`panhub_catalogue.publish.collections`, :mod:`~panhub_catalogue.publish.lifecycle`)
with the same JSON body (:func:`~.collection_forms.read_form`), so the rules (who may,
what is valid, what DataCite gets) are one. A success redirects to the collection's page
(303); a refusal shows the form again with what was typed and why, with the error's
status: each problem by the field's label, linked to the field, which is marked.
Forms carry the hub's XSRF token: without it, HubOAuth does not count the
browser's cookie on a ``POST``, so the caller is anonymous and refused.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from panhub_catalogue.errors import BadRequest, CatalogueError
from panhub_catalogue.model import DRAFT
from panhub_catalogue.publish import collections as operations
from panhub_catalogue.publish import lifecycle
from panhub_catalogue.publish.options import PublishOptions
from panhub_catalogue.publish.problems import InvalidFields, Problem
from panhub_catalogue.publish.sessions import make_release_hook
from panhub_catalogue.web.answers import Work
from panhub_catalogue.web.collection_forms import get_first, read_form, read_ids
from panhub_catalogue.web.item_view import (
    DONE,
    make_collection_view,
    make_collections_view,
    make_dataset_view,
    make_investigation_view,
)
from panhub_catalogue.web.pages import render
from panhub_catalogue.web.params import parse_page
from panhub_catalogue.web.portal import PortalPage
from panhub_catalogue.web.portal_answers import (
    add_content,
    dataset_page,
    investigation_page,
    save_and_submit,
)

#: Largest form body read (a collection's metadata: a long description, many authors).
MAX_FORM = 1 << 20
#: The form's actions, and the notice each shows once done (:data:`~.item_view.DONE`).
DONE_BY_ACTION = {
    "save": "saved",
    "submit": "submitted",
    "return": "returned",
    "mint": "minted",
    "versions": "version",
    "withdraw": "withdrawn",
    "delete": "deleted",
}
ACTIONS = tuple(DONE_BY_ACTION)


class ItemPage(PortalPage):
    """Base of these pages: the publishing options, the posted form, the page's range."""

    @property
    def publishing(self) -> PublishOptions:
        options: PublishOptions = self.service_options.publishing
        return options

    def page(self, default: int) -> tuple[int, int]:
        """``limit`` and ``offset`` of the query string (``done`` aside)."""
        params = {k: v for k, v in self.query_params().items() if k != "done"}
        return parse_page(params, self.service_options.max_limit, default)

    def form_fields(self) -> dict[str, list[str]]:
        """The posted form (urlencoded), decoded; too large, or a NUL in it, is a 400."""
        if len(self.request.body) > MAX_FORM:
            raise BadRequest(f"the form is {len(self.request.body)} bytes; at most {MAX_FORM}")
        try:
            fields = {k: [v.decode() for v in vs] for k, vs in self.request.body_arguments.items()}
        except UnicodeDecodeError:
            raise BadRequest("the form is not valid UTF-8") from None
        if any("\x00" in v for vs in fields.values() for v in vs):
            raise BadRequest("the form holds a NUL character")
        return fields

    def show_done(self) -> None:
        """The notice of the action just done (``?done=<action>``, from :data:`DONE`)."""
        self.notices = (DONE[d],) if (d := self.get_query_argument("done", "")) in DONE else ()


class InvestigationPage(ItemPage):
    """``GET investigations/<id>``: a session's datasets, to open or to publish."""

    async def get(self, investigation_id: str) -> None:
        if self.sign_in_silently():
            return
        limit, offset = self.page(50)
        work = partial(
            investigation_page,
            investigation_id=int(investigation_id),
            limit=limit,
            offset=offset,
            documents=self.portal.documents,
        )
        data = await self.run(work)
        context = make_investigation_view(self.service_options.base_url, data, limit, offset)
        site = self.make_site(xsrf=data["entitled"])
        self.write_page(render("investigation.html", site, **context))


class DatasetPage(ItemPage):
    """``GET datasets/<id>``: a dataset's files, to download or to publish."""

    async def get(self, dataset_id: str) -> None:
        if self.sign_in_silently():
            return
        limit, offset = self.page(100)
        options = self.service_options
        work = partial(
            dataset_page,
            dataset_id=int(dataset_id),
            limit=limit,
            offset=offset,
            root=options.proposals_root,
        )
        data = await self.run(work)
        context = make_dataset_view(options.base_url, data, limit, offset)
        site = self.make_site(xsrf=data["entitled"])
        self.write_page(render("dataset.html", site, **context))


class CollectionsPage(ItemPage):
    """``GET collections`` (those the caller manages) and ``POST collections`` (a new
    draft of the checked datasets and files, or them added to the draft ``into``)."""

    async def get(self) -> None:
        if self.sign_in_silently():
            return
        limit, offset = self.page(50)
        work = partial(
            operations.list_collections, mine=False, status=None, limit=limit, offset=offset
        )
        listed = await self.run(work)
        context = make_collections_view(self.service_options.base_url, listed, limit, offset)
        self.show_done()
        self.write_page(render("collections.html", self.make_site("collections"), **context))

    async def post(self) -> None:
        fields = self.form_fields()
        datasets, datafiles = read_ids(fields, "dataset"), read_ids(fields, "datafile")
        into = get_first(fields, "into") or ""
        work: Work[Any]
        if into:
            if not into.isdigit() or len(into) > 18:
                raise BadRequest(f"into: {into[:40]!r} is not a data collection")
            work = partial(
                add_content,
                collection_id=int(into),
                datasets=datasets,
                datafiles=datafiles,
                options=self.publishing,
            )
            done = "added"
        else:
            body = {"datasets": datasets, "datafiles": datafiles}
            work = partial(operations.create, body=body, options=self.publishing)
            done = "created"
        record = await self.run(work)
        base = self.service_options.base_url
        self.redirect(f"{base}collections/{record['id']}?done={done}", status=303)


class CollectionPage(ItemPage):
    """``GET collections/<id>`` and ``POST collections/<id>`` (``action``)."""

    async def get(self, collection_id: str) -> None:
        if self.sign_in_silently():
            return
        record = await self.run(
            partial(operations.read, collection_id=int(collection_id), options=self.publishing)
        )
        self.show_done()
        self.show(record, record)

    def show(
        self,
        record: dict[str, Any],
        values: dict[str, Any],
        status: int = 200,
        message: str | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        """The collection's page, its form filled with ``values``."""
        context = make_collection_view(
            self.service_options.base_url,
            record,
            values,
            review_required=self.publishing.review_required,
            message=message,
            problems=problems or (),
        )
        site = self.make_site("collections", xsrf=True)
        self.write_page(render("collection.html", site, **context), status)

    def make_work(self, action: str, collection_id: int, fields: dict[str, list[str]]) -> Work[Any]:
        """The operation an ``action`` of the form runs (the JSON routes' own)."""
        options = self.publishing
        common: dict[str, Any] = {"collection_id": collection_id, "options": options}
        if action == "save":
            body = read_form(fields, content="content" in fields)
            return partial(operations.update, body=body, **common)
        if action == "submit":
            body = read_form(fields, content="content" in fields)
            return partial(save_and_submit, body=body, **common)
        if action == "return":
            return partial(
                lifecycle.return_to_draft, body={"note": get_first(fields, "note")}, **common
            )
        if action == "mint":
            after = make_release_hook(options, self.service_options.clock())
            return partial(lifecycle.mint, after=after, **common)
        if action == "versions":
            return partial(lifecycle.new_version, **common)
        if action == "withdraw":
            return partial(
                lifecycle.withdraw, body={"reason": get_first(fields, "reason") or ""}, **common
            )
        return partial(operations.delete, **common)

    async def post(self, collection_id: str) -> None:
        identifier = int(collection_id)
        fields = self.form_fields()
        action = get_first(fields, "action") or ""
        if action not in ACTIONS:
            raise BadRequest(f"action: {action[:40]!r} is not one of {', '.join(ACTIONS)}")
        base = self.service_options.base_url
        try:
            result = await self.run(self.make_work(action, identifier, fields))
        except CatalogueError as refused:
            # the form again, with what was typed (a save) and why it was refused
            record = await self.run(
                partial(operations.read, collection_id=identifier, options=self.publishing)
            )
            typed = action in ("save", "submit") and record["status"] in (DRAFT, "minted")
            values = read_form(fields, content=False) if typed else record
            problems = refused.problems if isinstance(refused, InvalidFields) else []
            message = refused.summary if isinstance(refused, InvalidFields) else refused.message
            self.show(record, {**record, **values}, refused.status, message, problems)
            return
        done = DONE_BY_ACTION[action]
        if action == "delete":
            self.redirect(f"{base}collections?done=deleted", status=303)
            return
        self.redirect(f"{base}collections/{result['id']}?done={done}", status=303)


def make_item_routes(base: str) -> list[tuple[str, type[ItemPage]]]:
    """The routes of these pages below ``base``."""
    return [
        (base + r"investigations/(\d{1,18})", InvestigationPage),
        (base + r"datasets/(\d{1,18})", DatasetPage),
        (base + r"collections", CollectionsPage),
        (base + r"collections/(\d{1,18})", CollectionPage),
    ]
