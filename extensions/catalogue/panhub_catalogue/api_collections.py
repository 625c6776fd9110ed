"""Data collections from a notebook: choose datasets and files, describe, submit, mint.

>>> cat = Catalogue()                                                # doctest: +SKIP
>>> rows = cat.datasets("2023015001")                                # doctest: +SKIP
>>> draft = cat.create_collection(rows[:2], title="Data of Smith et al. 2026",
...     related=[("10.1234/paper.5", "IsSupplementTo")])             # doctest: +SKIP
>>> draft.problems          # what DataCite would still refuse       # doctest: +SKIP
>>> cat.submit_collection(draft)                                     # doctest: +SKIP
>>> cat.mint_collection(draft)   # by a reviewer: beamline staff     # doctest: +SKIP
>>> cat.new_version(draft)       # content changes need a new DOI    # doctest: +SKIP

:class:`CollectionsAPI` is a part of :class:`~panhub_catalogue.api.Catalogue`; every
call goes to the service's ``api/collections`` routes
(:mod:`panhub_catalogue.web.collections`), which decide what the caller may do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from panhub_catalogue.client import CatalogueClient
from panhub_catalogue.reprs import Column, Record, RecordList, render_table, render_text, show_date

#: Keyword arguments of :meth:`CollectionsAPI.create_collection` and their JSON names.
FIELDS = {
    "title": "title",
    "description": "description",
    "creators": "creators",
    "licence": "licence",
    "keywords": "keywords",
    "related": "relatedIdentifiers",
    "resource_type_general": "resourceTypeGeneral",
    "resource_type": "resourceType",
    "version": "version",
    "release": "release",
}
COLLECTION_COLUMNS: tuple[Column, ...] = (
    ("Id", lambda r: r.get("id")),
    ("Title", lambda r: r.get("title")),
    ("Status", lambda r: "withdrawn" if r.get("withdrawn") else r.get("status")),
    ("DOI", lambda r: r.get("doi")),
    ("Version", lambda r: r.get("version")),
    ("Changed", lambda r: show_date(r.get("modTime"))),
)
CollectionRef = int | Mapping[str, Any]


class Collection(Record):
    """A data collection: its metadata, workflow, DataCite document and problems."""

    columns = COLLECTION_COLUMNS
    label = "data collection"

    def _repr_html_(self) -> str:
        parts = [render_table([self], self.columns)]
        problems = self.get("problems") or []
        if problems:
            texts = [p.get("text", "") if isinstance(p, Mapping) else p for p in problems]
            items = "".join(f"<li>{render_text(t)}</li>" for t in texts)
            parts.append(f"<p>Still to fix before submitting:</p><ul>{items}</ul>")
        return "".join(parts)


def get_id(ref: object, kind: str) -> int:
    """An id from an int or a record with an ``id``."""
    value = ref.get("id") if isinstance(ref, Mapping) else ref
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"a {kind} id or record, not {type(ref).__name__}")


def make_related(item: object) -> object:
    """``("10.1/x", "IsSupplementTo")`` as the form's object; objects as they are."""
    if isinstance(item, tuple) and len(item) == 2:
        return {"identifier": item[0], "relationType": item[1]}
    return item


def make_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON form from keyword arguments (names in :data:`FIELDS`)."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise TypeError(f"unknown field {unknown[0]!r} (known: {', '.join(FIELDS)})")
    body = {FIELDS[name]: value for name, value in fields.items()}
    if isinstance(body.get("creators"), list):
        body["creators"] = [{"name": c} if isinstance(c, str) else c for c in body["creators"]]
    if isinstance(body.get("relatedIdentifiers"), list):
        body["relatedIdentifiers"] = [make_related(r) for r in body["relatedIdentifiers"]]
    return body


def add_content(
    body: dict[str, Any], datasets: Iterable[object] | None, files: Iterable[object] | None
) -> dict[str, Any]:
    """``datasets`` and ``datafiles`` ids in the body (those given)."""
    if datasets is not None:
        body["datasets"] = [get_id(d, "dataset") for d in datasets]
    if files is not None:
        body["datafiles"] = [get_id(f, "datafile") for f in files]
    return body


class CollectionsAPI:
    """Data collections through the catalogue service (part of ``Catalogue``)."""

    client: CatalogueClient

    def collection_path(self, ref: CollectionRef, action: str = "") -> str:
        """``api/collections/<id>[/<action>]``."""
        return f"api/collections/{get_id(ref, 'collection')}" + (f"/{action}" if action else "")

    def collections(self, *, mine: bool = False, status: str | None = None) -> RecordList:
        """The collections you may manage (``mine``: those you made; ``status``: draft,
        review or minted), newest change first."""
        items: list[Record] = []
        while True:
            params = {"mine": mine or None, "status": status, "limit": 100, "offset": len(items)}
            page = self.client.get("api/collections", params)
            items += [Collection(c) for c in page["items"]]
            if not page["items"] or len(items) >= page["total"]:
                return RecordList(items, COLLECTION_COLUMNS, f"{len(items)} data collections")

    def collection(self, ref: CollectionRef) -> Collection:
        """One collection (its id, or a record)."""
        return Collection(self.client.get(self.collection_path(ref)))

    def create_collection(
        self,
        datasets: Sequence[object] = (),
        files: Sequence[object] = (),
        **fields: Any,
    ) -> Collection:
        """A draft collection of datasets and files (ids or records) of your proposals.

        Parameters
        ----------
        datasets, files
            What it holds (at least one of them).
        **fields
            ``title``, ``description``, ``creators`` (names, or objects with ``name``,
            ``givenName``, ``familyName``, ``orcid``, ``affiliation``,
            ``affiliationRor``; you by default), ``licence`` (an SPDX id; the facility's
            by default), ``keywords``, ``related`` (``(doi, relationType)`` pairs such as
            ``("10.1234/x", "IsSupplementTo")``, or objects), ``resource_type_general``
            (``Dataset`` or ``Collection``), ``resource_type``, ``version``, ``release``
            (``embargo``, the default, or ``immediate``).
        """
        body = add_content(make_body(fields), datasets, files)
        return Collection(self.client.post("api/collections", body))

    def update_collection(
        self,
        ref: CollectionRef,
        *,
        datasets: Sequence[object] | None = None,
        files: Sequence[object] | None = None,
        **fields: Any,
    ) -> Collection:
        """Change a draft; for a minted one, its metadata (sent to DataCite as an update)."""
        body = add_content(make_body(fields), datasets, files)
        return Collection(self.client.patch(self.collection_path(ref), body))

    def submit_collection(self, ref: CollectionRef) -> Collection:
        """Send a complete draft to review (its ``problems`` must be empty)."""
        return Collection(self.client.post(self.collection_path(ref, "submit"), {}))

    def mint_collection(self, ref: CollectionRef) -> Collection:
        """Mint it (a reviewer: beamline staff or an admin, unless the site waives review)."""
        return Collection(self.client.post(self.collection_path(ref, "mint"), {}))

    def new_version(self, ref: CollectionRef) -> Collection:
        """A draft of the next version of a minted collection (to get a new DOI)."""
        return Collection(self.client.post(self.collection_path(ref, "versions"), {}))

    def delete_collection(self, ref: CollectionRef) -> None:
        """Delete a draft."""
        self.client.delete(self.collection_path(ref))
