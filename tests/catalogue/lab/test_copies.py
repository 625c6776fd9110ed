"""lab.copies: copy jobs report progress while they run, and stop when cancelled.

A fake client streams the bytes, holding the second chunk until the test lets it go,
so the job is seen mid-way (the real catalogue is in test_catalogue_routes).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from panhub_catalogue import transfer
from panhub_catalogue.client import PathMap
from panhub_catalogue.lab.copies import Copies, find_target

DATA = bytes(range(256)) * 16  # 4 KiB


class Stream:
    def __init__(self, gate: threading.Event) -> None:
        self.gate = gate
        self.offset = 0
        self.status = 200
        self.headers = {"Content-Length": str(len(DATA))}

    def read(self, size: int) -> bytes:
        if self.offset:
            self.gate.wait(5)
        chunk = DATA[self.offset : self.offset + size]
        self.offset += len(chunk)
        return chunk

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *args: object) -> None:
        pass


class FakeClient:
    def __init__(self) -> None:
        self.gate = threading.Event()
        self.paths = PathMap("/srv/proposals", "/nonexistent-view")

    def open_download(self, datafile_id: int, offset: int = 0) -> Stream:
        return Stream(self.gate)


RECORD = {"id": 9, "name": "scan.nxs", "fileSize": len(DATA), "investigationName": "p1"}


def wait(predicate, seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


@pytest.fixture
def copies(tmp_path: Path, monkeypatch) -> Copies:
    monkeypatch.setattr(transfer, "CHUNK", 1024)
    return Copies(FakeClient(), workers=1, max_bytes=10**6, folder=str(tmp_path))  # type: ignore[arg-type]


def test_progress_while_running_then_done(copies, tmp_path):
    job = copies.start(RECORD, "home")
    wait(lambda: job.bytes == 1024)
    assert (job.state, job.total) == ("running", len(DATA))
    assert job.describe()["bytes"] == 1024
    copies.client.gate.set()
    wait(lambda: job.state == "done")
    assert (tmp_path / "p1" / "scan.nxs").read_bytes() == DATA
    assert job.bytes == job.total == len(DATA)


def test_cancel_stops_and_removes_the_partial_file(copies, tmp_path):
    job = copies.start(RECORD, "home")
    wait(lambda: job.bytes == 1024)
    assert copies.cancel(job.id) is job
    copies.client.gate.set()
    wait(lambda: job.state == "cancelled")
    assert list((tmp_path / "p1").iterdir()) == []
    assert copies.cancel(job.id).state == "cancelled"  # a finished job is forgotten
    assert job.id not in copies.jobs


def test_two_copies_of_one_file_take_two_names(copies, tmp_path):
    first = copies.start(RECORD, "home")
    second = copies.start(RECORD, "home")
    assert [first.path.name, second.path.name] == ["scan.nxs", "scan (1).nxs"]
    copies.client.gate.set()
    wait(lambda: first.state == second.state == "done")


def test_the_cap_refuses_before_anything_is_written(copies, tmp_path):
    copies.max_bytes = 100
    with pytest.raises(transfer.TooLarge, match=r"4\.0 KiB; copies are capped at 100 B"):
        copies.start(RECORD, "home")
    assert copies.jobs == {}


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ((), "a.tar.gz"),
        (("a.tar.gz",), "a (1).tar.gz"),
        (("a.tar.gz", "a (1).tar.gz"), "a (2).tar.gz"),
        (("a.tar.gz.part",), "a.tar.gz"),  # an interrupted copy resumes
    ],
)
def test_free_names(tmp_path, existing, expected):
    for name in existing:
        (tmp_path / name).write_bytes(b"")
    assert find_target(tmp_path, "a.tar.gz", set()).name == expected
