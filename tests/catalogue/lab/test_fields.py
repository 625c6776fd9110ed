"""lab.fields: what the routes add to the catalogue's records (pure), by exact equality."""

from __future__ import annotations

import ast

import pytest
from panhub_catalogue.client import PathMap
from panhub_catalogue.lab.fields import (
    add_dataset_fields,
    add_file_fields,
    add_investigation_fields,
    make_cell,
    make_comment_text,
    make_download_url,
    make_marker,
)

PREFIX = "/hub-prefix/services/catalogue/"


def test_the_download_url_goes_through_the_services_login():
    assert make_download_url(PREFIX, 12) == (
        "/hub-prefix/services/catalogue/login?next="
        "/hub-prefix/services/catalogue/api/datafiles/12/download"
    )


def test_the_marker():
    assert make_marker(12, "2023015001", "10.5072/x") == (
        "# panhub catalogue: datafile 12 · proposal 2023015001 · DOI 10.5072/x"
    )
    assert make_marker(12, None, None) == "# panhub catalogue: datafile 12"


@pytest.mark.parametrize(
    "hostile", ["a\nimport os", "a\rimport os", "a\u2028import os", "a\x85b", "a\x0bb", "\x00x"]
)
def test_catalogue_text_cannot_leave_the_marker_comment(hostile):
    cell = make_cell({"id": 1, "name": "x.nxs", "doi": hostile}, "/data/p/x.nxs", hostile)
    marker, code = cell.split("\n", 1)
    assert marker.startswith("# panhub catalogue:")
    assert all(c not in marker for c in "\r\x0b\x85\u2028\x00")
    ast.parse(cell)  # one comment line, then code
    assert code.startswith("from panhub_nexus import NexusViewer")


def test_long_text_is_shortened():
    assert make_comment_text("x" * 200, 10) == "xxxxxxxxx…"


def test_cells_of_each_kind():
    hdf5 = {"id": 3, "name": "scan.nxs"}
    text = {"id": 4, "name": "notes.txt"}
    assert make_cell(hdf5, "/data/p/it's.nxs", "p") == (
        "# panhub catalogue: datafile 3 · proposal p\n"
        "from panhub_nexus import NexusViewer\n\n"
        'viewer = NexusViewer("/data/p/it\'s.nxs")\nviewer'
    )
    assert make_cell(text, "/data/p/notes.txt", "p") == (
        "# panhub catalogue: datafile 4 · proposal p\npath = '/data/p/notes.txt'\npath"
    )
    assert make_cell(hdf5, None, "p") == (
        "# panhub catalogue: datafile 3 · proposal p\n"
        "from panhub_catalogue import Catalogue\n"
        "from panhub_nexus import NexusViewer\n\n"
        "path = Catalogue().download(3)  # a copy in the working folder\n"
        "viewer = NexusViewer(path)\nviewer"
    )
    assert make_cell(text, None, None) == (
        "# panhub catalogue: datafile 4\n"
        "from panhub_catalogue import Catalogue\n\n"
        "path = Catalogue().download(4)  # a copy in the working folder\npath"
    )
    for cell in (make_cell(hdf5, None, "p"), make_cell(text, None, None)):
        ast.parse(cell)


def test_file_fields(tmp_path):
    (tmp_path / "view" / "p1" / "raw").mkdir(parents=True)
    (tmp_path / "view" / "p1" / "raw" / "a.nxs").write_bytes(b"")
    paths = PathMap("/srv/proposals", str(tmp_path / "view"))
    record = {"id": 7, "name": "a.nxs", "location": "/srv/proposals/p1/raw/a.nxs"}
    fields = add_file_fields(record, paths, PREFIX, doi="10.5072/p1")
    path = str(tmp_path / "view" / "p1" / "raw" / "a.nxs")
    assert fields["path"] == path
    assert fields["mounted"] is True
    assert fields["cell"].startswith(
        "# panhub catalogue: datafile 7 · proposal p1 · DOI 10.5072/p1\n"
    )
    assert fields["downloadUrl"] == make_download_url(PREFIX, 7)
    assert "doi" not in fields  # the marker's DOI is not added to the record
    gone = add_file_fields(dict(record, location="/srv/proposals/p2/raw/a.nxs"), paths, PREFIX)
    assert (gone["path"], gone["mounted"]) == (None, False)
    assert "Catalogue().download(7)" in gone["code"]["h5py"]


def test_dataset_fields(tmp_path):
    (tmp_path / "p1" / "raw" / "scan1").mkdir(parents=True)
    paths = PathMap("/srv/proposals", str(tmp_path))
    record = {"id": 9, "name": "scan1", "location": "/srv/proposals/p1/raw/scan1"}
    fields = add_dataset_fields(record, paths, "p1")
    folder = str(tmp_path / "p1" / "raw" / "scan1")
    assert (fields["path"], fields["mounted"]) == (folder, True)
    assert fields["cell"] == (
        "# panhub catalogue: dataset 9 · proposal p1\n"
        "from panhub_catalogue import Catalogue\n\n"
        f"folder = {folder!r}\n"
        "files = Catalogue().files(9)  # each with its path as mounted, or None\n"
        "files"
    )
    elsewhere = add_dataset_fields(dict(record, location="/srv/proposals/p2/raw"), paths)
    assert (elsewhere["path"], elsewhere["mounted"]) == (None, False)
    assert "folder =" not in elsewhere["cell"]
    assert "Catalogue().files(9)" in elsewhere["cell"]


def test_investigation_fields(tmp_path):
    (tmp_path / "p1").mkdir()
    paths = PathMap("/srv/proposals", str(tmp_path))
    assert add_investigation_fields({"id": 5, "name": "p1"}, paths, PREFIX) == {
        "id": 5,
        "name": "p1",
        "mounted": True,
        "landingUrl": "/hub-prefix/services/catalogue/landing/investigations/5",
    }
    assert not add_investigation_fields({"id": 6, "name": ".."}, paths, PREFIX)["mounted"]
