"""client, transfer, api, reprs, figures: the Python API against the real catalogue service.

The service runs in a thread over the indexed demo proposals (tests/support/
catalogue_served.py); ana's token sees her public proposal 2023015001 (mounted in the
view) and chloe's 2025035003 where she is a member (not mounted), never ben's embargoed
2024025002.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from panhub_catalogue import Catalogue, client, settings, transfer
from panhub_catalogue.api import NotMounted
from panhub_catalogue.client import CatalogueClient, PathMap, TimedOut, Unreachable
from panhub_catalogue.errors import BadRequest, CatalogueError, NotFound
from panhub_catalogue.figures import make_figure
from panhub_catalogue.reprs import Investigation, LogbookEntry
from panhub_catalogue.web import params

from tests.support.catalogue_served import BENS, CHLOES, PUBLIC, Served, serve_catalogue

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve_catalogue(tmp_path_factory.mktemp("served")) as served:
        yield served


def make_catalogue(served: Served, token: str = "ana-token", **kwargs) -> Catalogue:
    paths = PathMap(str(served.root), str(served.view))
    return Catalogue(client=CatalogueClient(served.url, token, paths=paths, **kwargs))


@pytest.fixture
def cat(served: Served) -> Catalogue:
    return make_catalogue(served)


def first_file(cat: Catalogue, proposal: str):
    """The first scan file of ``proposal`` in its record."""
    items = cat.investigation(proposal)["datafiles"]["items"]
    return next(f for f in items if f["name"].endswith(".nxs"))


# -- what must agree with the service, and what must stay cheap -------------------------


def test_parameters_and_root_agree_with_the_service():
    assert client.SEARCH_PARAMETERS == params.SEARCH_PARAMETERS
    assert client.LOGBOOK_PARAMETERS == params.LOGBOOK_PARAMETERS
    assert client.DEFAULT_PROPOSALS_ROOT == settings.DEFAULT_PROPOSALS_ROOT


def test_importing_the_client_and_the_api_stays_cheap():
    code = (
        "import sys, panhub_catalogue\n"
        "assert 'panhub_catalogue.api' not in sys.modules\n"
        "from panhub_catalogue import Catalogue\n"
        "heavy = {'sqlalchemy', 'tornado', 'traitlets', 'h5py', 'numpy', 'jupyter_server'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    path = str(Path(client.__file__).parents[1])
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": path}
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# -- search and visibility --------------------------------------------------------------


def test_search_shows_what_the_service_lets_ana_see(cat):
    results = cat.search()
    assert len(results) == results.total == 2
    assert {row.name for row in results} == {PUBLIC, CHLOES}


def test_search_pages_lazily(cat):
    results = cat.search(page_size=1)
    assert results.pages == {}
    assert [row["name"] for row in results] == [r["name"] for r in cat.search()]
    assert len(results.pages) == 2
    assert results[-1]["name"] == results[1]["name"]
    with pytest.raises(IndexError):
        results[2]


def test_search_filters_go_to_the_service(cat, served):
    assert [r.name for r in cat.search(beamline="BL13")] == [PUBLIC]
    assert [r.name for r in cat.search(access="embargoed")] == [CHLOES]
    assert {r.name for r in make_catalogue(served, "ben-token").search(mine=True)} == {PUBLIC, BENS}
    assert {r.name for r in make_catalogue(served, "root-token").search(mine=True)} == set()


def test_bens_embargoed_proposal_is_not_found_for_ana(cat, served):
    with pytest.raises(NotFound, match="not visible to you"):
        cat.investigation(BENS)
    with pytest.raises(NotFound, match="not visible to you") as caught:
        cat.investigation(served.investigations[BENS])
    assert caught.value.status == 404
    assert make_catalogue(served, "ben-token").investigation(BENS)["name"] == BENS


def test_an_unknown_token_sees_public_data_only(served):
    assert [r.name for r in make_catalogue(served, "nobody").search()] == [PUBLIC]


def test_the_service_message_comes_through(cat):
    with pytest.raises(BadRequest, match="access: 'nope' is not one of"):
        len(cat.search(access="nope"))


def test_the_environment_configures_the_catalogue(served, monkeypatch):
    monkeypatch.setenv("PANHUB_CATALOGUE_URL", served.url)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "ana-token")
    monkeypatch.setenv("PANHUB_PROPOSALS_ROOT", str(served.root))
    monkeypatch.setenv("PANHUB_PROPOSALS_VIEW", str(served.view))
    cat = Catalogue()
    assert cat.whoami()["username"] == "ana"
    assert cat.path(first_file(cat, PUBLIC)).startswith(str(served.view))
    assert "ana-token" not in repr(cat) + repr(cat.client)


# -- errors of the transport -------------------------------------------------------------


def test_a_catalogue_that_is_down_is_unreachable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cat = Catalogue(f"http://127.0.0.1:{port}/services/catalogue/", "ana-token")
    with pytest.raises(Unreachable, match="is not reachable") as caught:
        cat.whoami()
    assert caught.value.status == 502
    assert "ana-token" not in caught.value.message


def test_a_catalogue_that_does_not_answer_times_out():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()  # accepted by the kernel, never answered
        port = sock.getsockname()[1]
        cat = Catalogue(f"http://127.0.0.1:{port}/services/catalogue/", "t", timeout=0.3)
        with pytest.raises(TimedOut, match=r"did not answer within 0\.3 s") as caught:
            cat.whoami()
    assert caught.value.status == 504


def test_no_catalogue_configured(monkeypatch):
    monkeypatch.delenv("PANHUB_CATALOGUE_URL", raising=False)
    monkeypatch.delenv("JUPYTERHUB_PUBLIC_URL", raising=False)
    with pytest.raises(CatalogueError, match="PANHUB_CATALOGUE_URL"):
        Catalogue().whoami()
    with pytest.raises(CatalogueError, match="must be http"):
        Catalogue("file:///etc/").whoami()


def test_the_public_url_is_the_fallback(monkeypatch):
    monkeypatch.delenv("PANHUB_CATALOGUE_URL", raising=False)
    monkeypatch.setenv("JUPYTERHUB_PUBLIC_URL", "https://hub.example.org/")
    assert CatalogueClient().url == "https://hub.example.org/services/catalogue/"


# -- paths as mounted ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"location": "/srv/proposals/p1/raw/a.nxs"}, "/data/p1/raw/a.nxs"),
        ({"location": "/srv/proposals/p1/../p2/raw/a.nxs"}, "/data/p2/raw/a.nxs"),
        ({"location": "/srv/proposals/../etc/passwd"}, None),
        ({"location": "/srv/proposalsX/p1/a.nxs"}, None),
        ({"location": "/srv/proposals"}, None),
        ({"location": "relative/a.nxs"}, None),
        ({"location": None}, None),
        ({}, None),
        ({"relativePath": "p1/raw/a.nxs", "location": "/elsewhere/a.nxs"}, "/data/p1/raw/a.nxs"),
        ({"relativePath": "../etc/passwd"}, None),
        ({"relativePath": "/etc/passwd"}, None),
        ({"relativePath": "p1/../../x"}, None),
        ({"relativePath": None, "location": "/srv/proposals/p1/b"}, "/data/p1/b"),
    ],
)
def test_locations_map_to_the_view(record, expected):
    assert PathMap("/srv/proposals", "/data").get_view_path(record) == expected


def test_a_path_is_mounted_only_if_it_exists_here(tmp_path):
    (tmp_path / "view" / "p1").mkdir(parents=True)
    (tmp_path / "view" / "p1" / "a.nxs").write_bytes(b"x")
    paths = PathMap("/srv/proposals", str(tmp_path / "view"))
    assert paths.find_mounted({"location": "/srv/proposals/p1/a.nxs"}) == str(
        tmp_path / "view" / "p1" / "a.nxs"
    )
    assert paths.find_mounted({"location": "/srv/proposals/p1/b.nxs"}) is None
    assert paths.is_proposal_mounted("p1")
    assert not paths.is_proposal_mounted("p2")
    for hostile in ("..", ".", "", "p1/..", "a\x00", None, 3):
        assert not paths.is_proposal_mounted(hostile)


def test_path_open_and_viewer_of_a_mounted_file(cat, served):
    record = first_file(cat, PUBLIC)
    path = cat.path(record)
    assert path == str(served.view / Path(record["location"]).relative_to(served.root))
    with cat.open(record) as f:
        assert f.attrs["default"] == "entry"


def test_a_file_that_is_not_mounted_says_what_to_do(cat):
    record = first_file(cat, CHLOES)
    assert cat.path(record) is None
    with pytest.raises(NotMounted, match=rf"not mounted here.*cat.download\({record['id']}\)"):
        cat.open(record)
    with pytest.raises(NotMounted):
        cat.viewer(record)


# -- downloads --------------------------------------------------------------------------


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_download_copies_the_file_once(cat, served, tmp_path, capsys):
    record = first_file(cat, CHLOES)
    original = served.root / Path(record["location"]).relative_to(served.root)
    path = cat.download(record, tmp_path)
    assert path == tmp_path / record["name"]
    assert digest(path) == digest(original)
    assert "100% of" in capsys.readouterr().out
    path.touch()
    before = path.stat().st_mtime_ns
    assert cat.download(record, tmp_path, progress=False) == path  # already there
    assert path.stat().st_mtime_ns == before


def test_download_resumes_a_partial_copy(cat, served, tmp_path, monkeypatch):
    record = first_file(cat, CHLOES)
    original = (served.root / Path(record["location"]).relative_to(served.root)).read_bytes()
    part = tmp_path / (record["name"] + ".part")
    part.write_bytes(original[:1000])
    asked: list[int] = []
    open_download = CatalogueClient.open_download

    def spy(self, datafile_id, offset=0):
        asked.append(offset)
        return open_download(self, datafile_id, offset)

    monkeypatch.setattr(CatalogueClient, "open_download", spy)
    path = cat.download(record, tmp_path, progress=False)
    assert asked == [1000]
    assert path.read_bytes() == original
    assert not part.exists()


def test_download_never_overwrites(cat, tmp_path):
    record = first_file(cat, CHLOES)
    (tmp_path / record["name"]).write_bytes(b"my own work")
    with pytest.raises(FileExistsError):
        cat.download(record, tmp_path, progress=False)
    assert (tmp_path / record["name"]).read_bytes() == b"my own work"


def test_download_is_capped_before_it_starts(cat, tmp_path):
    record = first_file(cat, CHLOES)
    with pytest.raises(transfer.TooLarge, match="capped at") as caught:
        cat.download(record, tmp_path, max_bytes=100)
    assert caught.value.status == 413
    assert list(tmp_path.iterdir()) == []


def test_the_cap_holds_when_the_size_is_not_known(cat, tmp_path):
    record = dict(first_file(cat, CHLOES), fileSize=None)
    with pytest.raises(transfer.TooLarge):
        cat.download(record, tmp_path, max_bytes=100, progress=False)
    assert not (tmp_path / record["name"]).exists()


def test_progress_is_reported_chunk_by_chunk(cat, served, tmp_path, monkeypatch):
    monkeypatch.setattr(transfer, "CHUNK", 512)
    record = first_file(cat, PUBLIC)
    seen: list[tuple[int, int]] = []
    target = tmp_path / "copy.nxs"
    transfer.fetch_file(cat.client, record["id"], target, progress=lambda d, t: seen.append((d, t)))
    size = target.stat().st_size
    assert len(seen) == -(-size // 512)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1] == (size, size)


def test_a_copy_can_be_cancelled(cat, tmp_path):
    record = first_file(cat, PUBLIC)
    with pytest.raises(transfer.Cancelled):
        transfer.fetch_file(cat.client, record["id"], tmp_path / "x.nxs", is_cancelled=lambda: True)
    assert not (tmp_path / "x.nxs").exists()


def test_ana_cannot_download_bens_embargoed_file(cat, served, tmp_path):
    with pytest.raises(NotFound):
        transfer.fetch_file(cat.client, served.file_id(BENS), tmp_path / "x.nxs")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("scan.nxs", "scan.nxs"),
        ("../../etc/passwd", "passwd"),
        ("a\\b.nxs", "b.nxs"),
        ("a\nb", "a_b"),
        ("..", "fallback"),
        ("", "fallback"),
        (None, "fallback"),
    ],
)
def test_file_names_from_the_catalogue_are_made_safe(name, expected):
    assert transfer.make_file_name(name, "fallback") == expected


# -- logbook, figures, reprs --------------------------------------------------------------


def test_logbook_post_and_entries(cat, served):
    logbook = cat.logbook(PUBLIC)
    entry = logbook.post("aligned <b>the</b> sample", tags=["alignment"])
    assert isinstance(entry, LogbookEntry)
    assert entry.content == "aligned <b>the</b> sample"
    entries = logbook.entries()
    assert entries[0]["id"] == entry["id"]
    html = entries._repr_html_()
    assert "&lt;b&gt;the&lt;/b&gt;" in html
    assert "<b>the" not in html


def test_ana_cannot_post_to_bens_logbook(cat, served):
    with pytest.raises(NotFound):
        cat.logbook(served.investigations[BENS]).post("hello")


class FakeFigure:
    """A stand-in for a matplotlib figure (matplotlib is not needed)."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def savefig(self, file, **kwargs) -> None:
        self.calls.append(kwargs)
        file.write(PNG)


def test_a_figure_becomes_png(tmp_path):
    figure = FakeFigure()
    assert make_figure(figure) == {
        "mimeType": "image/png",
        "data": base64.b64encode(PNG).decode(),
    }
    assert figure.calls == [{"format": "png", "bbox_inches": "tight"}]
    jpeg = tmp_path / "a.jpg"
    jpeg.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 8)
    assert make_figure(jpeg)["mimeType"] == "image/jpeg"
    with pytest.raises(BadRequest, match="neither a PNG nor a JPEG"):
        make_figure(b"<svg/>")
    with pytest.raises(TypeError):
        make_figure(3.5)


def test_a_figure_goes_to_the_logbook(cat):
    entry = cat.logbook(PUBLIC).post("the fit", figure=FakeFigure())
    (attachment,) = entry["attachments"]
    assert attachment["mimeType"] == "image/png"
    assert attachment["size"] == len(PNG)


def test_reprs_escape_catalogue_text(cat):
    row = Investigation(
        {
            "name": "<img src=x onerror=alert(1)>",
            "title": "<script>alert(1)</script>",
            "summary": "a & b",
            "users": [{"fullName": "<i>Eve</i>", "role": "PI"}],
            "beamlines": ["BL<1>"],
        }
    )
    html = row._repr_html_()
    assert "<script>" not in html and "<img" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "a &amp; b" in html
    assert PUBLIC in cat.search()._repr_html_()


def test_a_file_record_is_not_taken_for_its_investigation(cat, served):
    record = first_file(cat, PUBLIC)  # a file of the investigation's page: no investigationId
    with pytest.raises(BadRequest, match="not an investigation record"):
        cat.logbook(record)
    assert cat.find_id(dict(record, investigationId=7)) == 7
    assert cat.find_id(cat.search(beamline="BL13")[0]) == served.investigations[PUBLIC]


def test_records_read_as_attributes_and_stay_dicts(cat):
    row = cat.search()[0]
    assert row.name == row["name"]
    assert dict(row) == row
    with pytest.raises(AttributeError):
        _ = row.nonexistent


# -- after the service's additions: datasets, one datafile, citations --------------------


def test_files_of_an_investigation_and_of_a_dataset(cat):
    files = cat.files(PUBLIC)
    assert len(files) == 4  # three scans and the reduction notes
    datasets = cat.datasets(PUBLIC)
    by_dataset = [f for d in datasets for f in cat.files(d)]
    assert sorted(f["id"] for f in by_dataset) == sorted(f["id"] for f in files)
    assert cat.files(PUBLIC, limit=2) == files[:2]
    assert "scan0001.nxs" in files._repr_html_()


def test_one_datafile_by_id(cat, served):
    record = cat.datafile(served.file_id(PUBLIC))
    assert record["investigationName"] == PUBLIC
    assert record["relativePath"] == f"{PUBLIC}/raw/sample1/scan0001.nxs"
    assert cat.path(record.id) == str(served.view / record["relativePath"])
    with pytest.raises(NotFound):
        cat.datafile(served.file_id(BENS))


def test_download_by_id(cat, served, tmp_path):
    path = cat.download(served.file_id(CHLOES), tmp_path, progress=False)
    assert path.name == "scan0001.nxs"


def test_cite(cat, served):
    assert "Lysozyme crystals soaked with gadolinium" in cat.cite(PUBLIC)
    assert cat.cite(PUBLIC, "bibtex").startswith("@misc{")
    with pytest.raises(BadRequest, match="format"):
        cat.cite(PUBLIC, "html")
    with pytest.raises(NotFound):
        cat.cite(served.investigations[BENS])
