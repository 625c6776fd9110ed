"""What the server extension adds to the catalogue's records for the panel (pure).

A datafile gains its path as mounted (or ``None``), ``mounted``, code that opens it,
the marked cell the panel inserts, and the browser's download URL; an investigation
gains ``mounted`` and ``landingUrl``. Every piece of catalogue text that ends up in code
goes through :func:`repr` (string literals) or :func:`make_comment_text` (the marker
comment), so a hostile name can neither end a string nor start a line of code.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from panhub_catalogue.client import PathMap
from panhub_catalogue.lab.code import make_open_code
from panhub_catalogue.lab.copies import get_proposal

#: Files the NeXus viewer opens.
HDF5_SUFFIXES = (".nxs", ".nx5", ".h5", ".hdf5", ".cxi")
#: Characters that end a line for Python, an editor or a terminal.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
MARKER = "# panhub catalogue:"


def make_comment_text(value: object, limit: int = 120) -> str:
    """``value`` on one line, fit for a ``#`` comment (controls and line breaks as spaces)."""
    text = "".join(
        " " if c in LINE_BREAKS or c < " " or c == "\x7f" else c for c in str(value)
    ).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def make_marker(
    datafile_id: int, proposal: str | None, doi: str | None, kind: str = "datafile"
) -> str:
    """``# panhub catalogue: datafile 12 · proposal 2023015001 · DOI 10.5072/x``."""
    parts = [f"{kind} {int(datafile_id)}"]
    if proposal:
        parts.append(f"proposal {make_comment_text(proposal, 40)}")
    if doi:
        parts.append(f"DOI {make_comment_text(doi, 80)}")
    return f"{MARKER} {' · '.join(parts)}"


def is_hdf5(name: object) -> bool:
    """Whether the viewer opens a file of this name."""
    return isinstance(name, str) and name.lower().endswith(HDF5_SUFFIXES)


def make_fetch_code(datafile_id: int) -> str:
    """The line that copies a file into the working folder with the Python API."""
    return f"path = Catalogue().download({int(datafile_id)})  # a copy in the working folder\n"


def make_download_code(datafile_id: int) -> dict[str, str]:
    """Code that copies the file here with the Python API, then opens it (not mounted)."""
    fetch = make_fetch_code(datafile_id)
    api = "from panhub_catalogue import Catalogue\n"
    return {
        "viewer": f"{api}from panhub_nexus import NexusViewer\n\n{fetch}"
        "viewer = NexusViewer(path)\nviewer",
        "h5py": f"import h5py\n{api}\n{fetch}f = h5py.File(path, 'r', locking=False)\nlist(f)",
    }


def make_cell(record: Mapping[str, Any], path: str | None, proposal: str | None) -> str:
    """The marked cell the panel inserts for a file: the viewer, or a path for other files."""
    datafile_id = int(record["id"])
    marker = make_marker(datafile_id, proposal, record.get("doi"))
    viewable = is_hdf5(record.get("name"))
    if path is not None:
        code = make_open_code(path)["viewer"] if viewable else f"path = {path!r}\npath"
    elif viewable:
        code = make_download_code(datafile_id)["viewer"]
    else:
        code = f"from panhub_catalogue import Catalogue\n\n{make_fetch_code(datafile_id)}path"
    return f"{marker}\n{code}"


def make_download_url(prefix: str, datafile_id: int) -> str:
    """The browser's download: through the service's login, then to the file's bytes."""
    target = f"{prefix}api/datafiles/{int(datafile_id)}/download"
    return f"{prefix}login?next={urllib.parse.quote(target, safe='/')}"


def make_landing_url(prefix: str, investigation_id: int) -> str:
    """The investigation's landing page as the browser reaches it."""
    return f"{prefix}landing/investigations/{int(investigation_id)}"


def add_file_fields(
    record: Mapping[str, Any],
    paths: PathMap,
    prefix: str,
    *,
    proposal: str | None = None,
    doi: str | None = None,
) -> dict[str, Any]:
    """A datafile record plus ``path``, ``mounted``, ``code``, ``cell`` and ``downloadUrl``.

    Parameters
    ----------
    record
        The catalogue's datafile record.
    paths
        The location -> path-as-mounted mapping (checks the path exists).
    prefix
        The catalogue service's path as the browser sees it (``/services/catalogue/``).
    proposal, doi
        The investigation's name and DOI, for the cell's marker, when the caller has them.
    """
    path = paths.find_mounted(record)
    proposal = proposal or get_proposal(record, paths.get_relative(record))
    datafile_id = int(record["id"])
    marked = dict(record, doi=doi) if doi else record
    return dict(
        record,
        path=path,
        mounted=path is not None,
        code=make_open_code(path) if path is not None else make_download_code(datafile_id),
        cell=make_cell(marked, path, proposal),
        downloadUrl=make_download_url(prefix, datafile_id),
    )


def make_dataset_cell(record: Mapping[str, Any], path: str | None, proposal: str | None) -> str:
    """The marked cell the panel inserts for a dataset: its files through the Python API."""
    dataset_id = int(record["id"])
    marker = make_marker(dataset_id, proposal, record.get("doi"), kind="dataset")
    folder = f"folder = {path!r}\n" if path is not None else ""
    return (
        f"{marker}\nfrom panhub_catalogue import Catalogue\n\n{folder}"
        f"files = Catalogue().files({dataset_id})  # each with its path as mounted, or None\n"
        "files"
    )


def add_dataset_fields(
    record: Mapping[str, Any], paths: PathMap, proposal: str | None = None
) -> dict[str, Any]:
    """A dataset record plus ``path`` (its folder as mounted, or ``None``), ``mounted``
    and the marked ``cell`` the panel inserts."""
    path = paths.find_mounted({"location": record.get("location")})
    return dict(
        record, path=path, mounted=path is not None, cell=make_dataset_cell(record, path, proposal)
    )


def add_investigation_fields(
    record: Mapping[str, Any], paths: PathMap, prefix: str
) -> dict[str, Any]:
    """An investigation record (row or detail) plus ``mounted`` and ``landingUrl``."""
    return dict(
        record,
        mounted=paths.is_proposal_mounted(record.get("name")),
        landingUrl=make_landing_url(prefix, int(record["id"])),
    )
