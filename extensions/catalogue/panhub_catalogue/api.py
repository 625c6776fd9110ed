"""The catalogue from a notebook: ``from panhub_catalogue import Catalogue``.

>>> cat = Catalogue()                                   # doctest: +SKIP
>>> rows = cat.search("lysozyme", mine=True)            # doctest: +SKIP
>>> files = cat.files(rows[0])                          # doctest: +SKIP
>>> cat.path(files[0])  # or None when not mounted here  # doctest: +SKIP
'/data/2023015001/raw/...'
>>> cat.viewer(files[0])                                # doctest: +SKIP
>>> cat.logbook(rows[0]).post("aligned the sample", figure=fig)  # doctest: +SKIP
>>> draft = cat.create_collection(cat.datasets(rows[0])[:2], title="...")  # doctest: +SKIP

Everything goes through :class:`~panhub_catalogue.client.CatalogueClient` (the same
client as the Lab's server), with the kernel's ``$JUPYTERHUB_API_TOKEN``: the catalogue
service decides what the caller sees.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, overload

from panhub_catalogue.api_collections import CollectionsAPI
from panhub_catalogue.client import DEFAULT_TIMEOUT, CatalogueClient
from panhub_catalogue.errors import BadRequest, CatalogueError, NotFound
from panhub_catalogue.figures import make_figure
from panhub_catalogue.reprs import (
    DATAFILE_COLUMNS,
    DATASET_COLUMNS,
    ENTRY_COLUMNS,
    INVESTIGATION_COLUMNS,
    Datafile,
    Dataset,
    Investigation,
    LogbookEntry,
    Record,
    RecordList,
    render_table,
)
from panhub_catalogue.transfer import check_cap, fetch_file, format_size, make_file_name

#: Default cap of :meth:`Catalogue.download` (5 GiB).
DOWNLOAD_MAX_BYTES = 5 * 1024**3
#: Rows asked for per request by a search, datasets and files (the service's largest page
#: is 500 by default).
PAGE_SIZE = 100
#: Rows a search shows in its notebook repr.
REPR_ROWS = 20
CITATION_FORMATS = ("text", "bibtex", "ris")

Ref = int | str | dict[str, Any]


class NotMounted(CatalogueError):
    """The file is not in this server's data view (download it first)."""

    status = 409


class SearchResults(Sequence[Investigation]):
    """A search's rows, fetched a page at a time as they are read (``len`` is the total)."""

    def __init__(self, client: CatalogueClient, params: dict[str, Any], page_size: int) -> None:
        self.client = client
        self.params = params
        self.page_size = page_size
        self.pages: dict[int, list[Investigation]] = {}
        self._total: int | None = None

    def get_page(self, number: int) -> list[Investigation]:
        """Rows ``number * page_size`` onwards (cached)."""
        if number not in self.pages:
            params = dict(self.params, limit=self.page_size, offset=number * self.page_size)
            page = self.client.get("api/investigations", params)
            self._total = int(page["total"])
            self.pages[number] = [Investigation(item) for item in page["items"]]
        return self.pages[number]

    @property
    def total(self) -> int:
        """How many investigations match (what the service counted)."""
        if self._total is None:
            self.get_page(0)
        assert self._total is not None
        return self._total

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, index: int) -> Investigation: ...
    @overload
    def __getitem__(self, index: slice) -> list[Investigation]: ...
    def __getitem__(self, index: int | slice) -> Investigation | list[Investigation]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"row {index} of {len(self)}")
        page = self.get_page(index // self.page_size)
        return page[index % self.page_size]

    def __iter__(self) -> Iterator[Investigation]:
        number = 0
        while rows := self.get_page(number):
            yield from rows
            number += 1
            if number * self.page_size >= self.total:
                return

    def __repr__(self) -> str:
        return f"<SearchResults: {self.total} investigations>"

    def _repr_html_(self) -> str:
        shown = self[:REPR_ROWS]
        caption = f"{self.total} investigations" + (
            f" (the first {len(shown)})" if self.total > len(shown) else ""
        )
        return render_table(shown, INVESTIGATION_COLUMNS, caption)


class Logbook:
    """An investigation's electronic logbook: read entries, post notes and figures."""

    def __init__(self, client: CatalogueClient, investigation_id: int) -> None:
        self.client = client
        self.investigation_id = investigation_id

    def __repr__(self) -> str:
        return f"<Logbook of investigation {self.investigation_id}>"

    def post(
        self,
        text: str,
        figure: object = None,
        *,
        tags: Sequence[str] = (),
        category: str | None = None,
        dataset: int | None = None,
    ) -> LogbookEntry:
        """Add a note (and a figure: a matplotlib figure, PNG or JPEG bytes, or a file).

        Parameters
        ----------
        text
            The note (plain text; shown as text everywhere).
        figure
            Anything with ``savefig`` (saved as PNG), image bytes, or the path of a PNG
            or JPEG file.
        tags, category, dataset
            As the catalogue's logbook takes them (category ``comment`` by default).
        """
        body: dict[str, Any] = {"content": text}
        if tags:
            body["tags"] = list(tags)
        if category is not None:
            body["category"] = category
        if dataset is not None:
            body["dataset"] = dataset
        if figure is not None:
            body["figure"] = make_figure(figure)
        path = f"api/investigations/{self.investigation_id}/logbook"
        return LogbookEntry(self.client.post(path, body))

    def entries(self, limit: int = 50, search: str | None = None) -> RecordList:
        """The newest ``limit`` entries (those whose text holds ``search``, if given)."""
        path = f"api/investigations/{self.investigation_id}/logbook"
        page = self.client.get(path, {"limit": limit, "search": search})
        items = [LogbookEntry(e) for e in page["items"]]
        return RecordList(items, ENTRY_COLUMNS, f"{len(items)} of {page['total']} entries")

    def _repr_html_(self) -> str:
        return self.entries(limit=10)._repr_html_()


class Catalogue(CollectionsAPI):
    """The catalogue as the signed-in user sees it (``$PANHUB_CATALOGUE_URL``, hub token).

    Data collections (choose datasets and files, describe, submit, mint, version) are
    :class:`~panhub_catalogue.api_collections.CollectionsAPI`'s methods.

    Parameters
    ----------
    url, token, timeout
        Override the service's URL, the token or the timeout in seconds.
    client
        A ready :class:`~panhub_catalogue.client.CatalogueClient` (the others are ignored).
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        client: CatalogueClient | None = None,
    ) -> None:
        self.client = client or CatalogueClient(url, token, timeout)

    def __repr__(self) -> str:
        return f"<Catalogue at {self.client.url}>"

    def whoami(self) -> dict[str, Any]:
        """Who the catalogue takes you for: ``username``, ``admin``, ``beamlines``."""
        return dict(self.client.get("api/whoami"))

    def search(
        self,
        text: str | None = None,
        *,
        mine: bool | None = None,
        access: str | None = None,
        beamline: str | Sequence[str] | None = None,
        user: str | Sequence[str] | None = None,
        technique: str | Sequence[str] | None = None,
        date_from: str | date | None = None,
        date_to: str | date | None = None,
        sort: str | None = None,
        page_size: int = PAGE_SIZE,
    ) -> SearchResults:
        """Investigations you may see, as the panel's rows, fetched as they are read.

        Parameters
        ----------
        text
            Words in the name, title, abstract or DOI.
        mine
            Only those you are a member of.
        access
            ``"public"`` or ``"embargoed"``.
        beamline, user, technique
            Any of these values (a string or a list).
        date_from, date_to
            Start date bounds (``"2026-01-31"`` or a :class:`datetime.date`).
        sort
            Fields, ``-`` for descending, e.g. ``"-startDate,name"``.
        """
        params = {
            "text": text,
            "mine": mine or None,
            "access": access,
            "beamline": beamline,
            "user": user,
            "technique": technique,
            "dateFrom": None if date_from is None else str(date_from),
            "dateTo": None if date_to is None else str(date_to),
            "sort": sort,
        }
        return SearchResults(self.client, params, page_size)

    def investigation(self, ref: Ref) -> Investigation:
        """The full record of an investigation: its id, its proposal name, or a row."""
        return Investigation(self.client.get(f"api/investigations/{self.find_id(ref)}"))

    def find_id(self, ref: Ref) -> int:
        """An investigation's id from an id, a proposal name or a record."""
        if isinstance(ref, dict):
            # a dataset's or a file's record names its investigation, or cannot be used
            part_of = isinstance(ref, Dataset | Datafile) or "datasetId" in ref or "location" in ref
            value = ref.get("investigationId") if part_of else ref.get("id")
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            raise BadRequest(f"not an investigation record: {ref!r:.80}")
        if isinstance(ref, int) and not isinstance(ref, bool):
            return ref
        if isinstance(ref, str):
            found = [row for row in self.search(ref, page_size=50)[:50] if row["name"] == ref]
            if len(found) == 1:
                return int(found[0]["id"])
            if found:
                visits = ", ".join(f"{r['id']} ({r.get('visitId')})" for r in found)
                raise BadRequest(f"proposal {ref} has several visits: give an id ({visits})")
            raise NotFound(f"no investigation named {ref} (not found, or not visible to you)")
        raise TypeError(f"an investigation id, name or record, not {type(ref).__name__}")

    def datasets(self, ref: Ref) -> RecordList:
        """An investigation's datasets (all pages)."""
        path = f"api/investigations/{self.find_id(ref)}/datasets"
        items = [Dataset(d) for d in self.read_pages(path, limit=None)]
        return RecordList(items, DATASET_COLUMNS, f"{len(items)} datasets")

    def files(self, ref: Ref, limit: int = 10_000) -> RecordList:
        """The files of a dataset (a :class:`Dataset` record) or of an investigation.

        At most ``limit`` files are listed.
        """
        if isinstance(ref, Dataset):
            dataset_ids = [int(ref["id"])]
        else:
            dataset_ids = [int(d["id"]) for d in self.datasets(ref)]
        items: list[Record] = []
        for dataset_id in dataset_ids:
            remaining = limit - len(items)
            if remaining <= 0:
                break
            path = f"api/datasets/{dataset_id}/datafiles"
            items.extend(Datafile(f) for f in self.read_pages(path, limit=remaining))
        return RecordList(items, DATAFILE_COLUMNS, f"{len(items)} files")

    def read_pages(self, path: str, limit: int | None) -> Iterator[dict[str, Any]]:
        """Items of a paged list (``{total, items}``), at most ``limit``."""
        offset = 0
        while limit is None or offset < limit:
            size = PAGE_SIZE if limit is None else min(PAGE_SIZE, limit - offset)
            page = self.client.get(path, {"limit": size, "offset": offset})
            yield from page["items"]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return

    def datafile(self, ref: Ref) -> Datafile:
        """One file's record, from its id (or a record, returned as is)."""
        if isinstance(ref, dict) and "location" in ref:
            return ref if isinstance(ref, Datafile) else Datafile(ref)
        if isinstance(ref, int) and not isinstance(ref, bool):
            return Datafile(self.client.get(f"api/datafiles/{ref}"))
        raise TypeError(f"a datafile id or record, not {type(ref).__name__}")

    def path(self, ref: Ref) -> str | None:
        """The file's path as mounted in this server, or ``None`` (then :meth:`download`)."""
        return self.client.paths.find_mounted(self.datafile(ref))

    def require_path(self, ref: Ref) -> str:
        """The file's path as mounted, or :class:`NotMounted` saying what to do instead."""
        record = self.datafile(ref)
        path = self.client.paths.find_mounted(record)
        if path is None:
            raise NotMounted(
                f"{record.get('name')} (datafile {record.get('id')}) is not mounted here: "
                f"download it first, e.g. path = cat.download({record.get('id')})"
            )
        return path

    def open(self, ref: Ref) -> Any:
        """The file opened read-only with h5py, without HDF5 file locking."""
        import h5py

        return h5py.File(self.require_path(ref), "r", locking=False)

    def viewer(self, ref: Ref) -> Any:
        """panhub's NeXus viewer widget on the file."""
        from panhub_nexus import NexusViewer

        return NexusViewer(self.require_path(ref))

    def download(
        self,
        ref: Ref,
        dest: str | os.PathLike[str] | None = None,
        *,
        max_bytes: int | None = DOWNLOAD_MAX_BYTES,
        progress: bool = True,
    ) -> Path:
        """Copy the file here (resuming an interrupted copy); its path.

        Parameters
        ----------
        dest
            A folder (the file keeps its name) or a file path; default the working folder.
            An existing file is never overwritten: if it has the catalogued size it is
            taken as downloaded already, else :class:`FileExistsError`.
        max_bytes
            Refuse larger files (``None``: no cap).
        progress
            Print the progress.
        """
        record = self.datafile(ref)
        name = make_file_name(record.get("name"), f"datafile-{record['id']}")
        target = Path(dest if dest is not None else os.getcwd())
        if target.is_dir():
            target = target / name
        size = record.get("fileSize")
        if target.exists() and isinstance(size, int) and target.stat().st_size == size:
            return target
        check_cap(name, size if isinstance(size, int) else None, max_bytes)
        report = make_printer(name) if progress else None
        path = fetch_file(
            self.client, int(record["id"]), target, max_bytes=max_bytes, progress=report
        )
        if report is not None:
            print(file=sys.stdout)
        return path

    def cite(self, ref: Ref, format: str = "text") -> str:
        """The investigation's citation: ``text`` (DataCite's form), ``bibtex`` or ``ris``."""
        if format not in CITATION_FORMATS:
            raise BadRequest(f"format: {format!r} is not one of {', '.join(CITATION_FORMATS)}")
        citation = self.client.get(f"api/investigations/{self.find_id(ref)}/citation")
        return str(citation[format])

    def logbook(self, ref: Ref) -> Logbook:
        """The investigation's logbook."""
        return Logbook(self.client, self.find_id(ref))


def make_printer(name: str, every: float = 0.5) -> Any:
    """``progress(done, total)`` printing ``name: 40% of 1.2 GiB`` at most every ``every`` s."""
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < every and done < total:
            return
        last[0] = now
        share = f"{100 * done // total}% of " if total else ""
        print(f"\r{name}: {share}{format_size(total)}", end="", file=sys.stdout, flush=True)

    return report
