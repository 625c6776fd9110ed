"""Opening catalogued files below a root without following links (indexer, downloads)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from panhub_catalogue.ingest.beneath import NotBeneath, open_beneath, split_beneath
from panhub_catalogue.web.download import content_disposition


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """Two proposals under a root: A's processed folder is the attacker's."""
    root = tmp_path / "data"
    (root / "A" / "processed").mkdir(parents=True)
    (root / "B" / "raw").mkdir(parents=True)
    (root / "A" / "processed" / "mine.txt").write_text("mine")
    (root / "B" / "raw" / "secret.txt").write_text("secret of B")
    return root


def read(path: Path, roots: list[str]) -> str:
    with os.fdopen(open_beneath(str(path), roots), "rb") as stream:
        return stream.read().decode()


def test_a_regular_file_opens(data: Path) -> None:
    assert read(data / "A" / "processed" / "mine.txt", [str(data)]) == "mine"


def test_a_link_to_another_proposal_is_refused(data: Path) -> None:
    link = data / "A" / "processed" / "steal.txt"
    link.symlink_to(data / "B" / "raw" / "secret.txt")
    with pytest.raises(NotBeneath):
        read(link, [str(data)])


def test_a_folder_swapped_for_a_link_is_refused(data: Path) -> None:
    (data / "A" / "processed" / "run").symlink_to(data / "B" / "raw")
    with pytest.raises(NotBeneath):
        read(data / "A" / "processed" / "run" / "secret.txt", [str(data)])


def test_the_root_itself_may_be_a_link(data: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(data)
    assert read(alias / "A" / "processed" / "mine.txt", [str(alias)]) == "mine"
    # a path recorded through the resolved spelling of the root matches too
    assert read(data / "A" / "processed" / "mine.txt", [str(alias)]) == "mine"


@pytest.mark.parametrize(
    "path",
    ["relative/file", "/data/A/../B/raw/secret.txt", "/data//A/x", "/elsewhere/file", "/data"],
)
def test_paths_outside_or_not_normal_are_refused(path: str) -> None:
    with pytest.raises(NotBeneath):
        split_beneath(path, ["/data"])


def test_a_fifo_is_not_a_file_and_does_not_block(data: Path) -> None:
    fifo = data / "A" / "processed" / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(NotBeneath, match="not a regular file"):
        read(fifo, [str(data)])


def test_missing_files_raise_os_errors(data: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read(data / "A" / "processed" / "gone.txt", [str(data)])


def test_content_disposition_survives_hostile_names() -> None:
    header = content_disposition('/data/A/processed/a"b\\c\r\nSet-Cookie: x=1;é.h5')
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="a_b_c__Set-Cookie: x=1;_.h5"; ')
    assert header.endswith("filename*=UTF-8''a%22b%5Cc%0D%0ASet-Cookie%3A%20x%3D1%3B%C3%A9.h5")
