"""Copies of catalogued files into the user's workspace, as jobs with progress (no tornado).

A copy is planned in the request (the size cap and the destination are checked up front,
so the panel hears at once), then runs in a daemon thread (a server that stops leaves
the ``.part`` file, to resume) through
:func:`panhub_catalogue.transfer.fetch_file`: resumable, capped, never overwriting (a
name in use gets `` (1)``, `` (2)``...).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from panhub_catalogue.client import CatalogueClient, is_single_component
from panhub_catalogue.errors import BadRequest, CatalogueError
from panhub_catalogue.transfer import PART, Cancelled, check_cap, fetch_file, make_file_name

State = Literal["running", "done", "failed", "cancelled"]
DESTINATIONS = ("home", "processed")
#: Finished copies remembered for ``GET copies`` (the oldest are forgotten).
MAX_FINISHED = 100


class NoDestination(CatalogueError):
    """The destination asked for is not in this server (HTTP 409)."""

    status = 409


@dataclass
class Copy:
    """One copy job; its fields are what ``GET copies/<id>`` answers."""

    datafile: int
    name: str
    path: Path
    total: int | None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    state: State = "running"
    bytes: int = 0
    message: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def describe(self) -> dict[str, Any]:
        """The job as JSON."""
        return {
            "id": self.id,
            "datafile": self.datafile,
            "name": self.name,
            "state": self.state,
            "bytes": self.bytes,
            "total": self.total,
            "path": str(self.path),
            "message": self.message,
        }

    def report(self, done: int, total: int) -> None:
        """Progress from the worker thread."""
        self.bytes, self.total = done, total


def get_proposal(record: Mapping[str, Any], relative: str | None) -> str | None:
    """The file's proposal: ``investigationName``, else the first part of its relative path."""
    name = record.get("investigationName")
    if not isinstance(name, str) and relative:
        name = relative.split("/", 1)[0]
    return name if isinstance(name, str) and is_single_component(name) else None


class Copies:
    """The copy jobs of one server.

    Parameters
    ----------
    client
        The catalogue client the bytes come through (with the server's token).
    workers
        Copies running at once (the others wait).
    max_bytes
        The cap on one file.
    folder
        Where ``home`` copies go (``<folder>/<proposal>/<name>``).
    """

    def __init__(
        self, client: CatalogueClient, *, workers: int, max_bytes: int, folder: str
    ) -> None:
        self.client = client
        self.slots = threading.BoundedSemaphore(max(1, workers))
        self.max_bytes = max_bytes
        self.folder = Path(folder)
        self.jobs: dict[str, Copy] = {}
        self.lock = threading.Lock()

    def find_folder(self, record: Mapping[str, Any], destination: str) -> Path:
        """The folder a copy goes to (created for ``home``; it must exist for ``processed``)."""
        proposal = get_proposal(record, self.client.paths.get_relative(record))
        if destination == "home":
            folder = self.folder / (proposal or "other")
            folder.mkdir(parents=True, exist_ok=True)
            return folder
        if destination != "processed":
            raise BadRequest(f"destination: {destination!r:.40} is not one of home, processed")
        processed = Path(self.client.paths.view) / (proposal or ".") / "processed"
        if proposal is None or not processed.is_dir():
            raise NoDestination(
                f"the processed folder of proposal {proposal} is not mounted here: "
                "copy the file to your home folder instead"
            )
        return processed

    def start(self, record: Mapping[str, Any], destination: str) -> Copy:
        """Plan a copy of datafile ``record`` (checks first), start it; the job."""
        name = make_file_name(record.get("name"), f"datafile-{record.get('id')}")
        size = record.get("fileSize")
        check_cap(name, size if isinstance(size, int) else None, self.max_bytes)
        folder = self.find_folder(record, destination)
        with self.lock:
            taken = {job.path for job in self.jobs.values() if job.state == "running"}
            target = find_target(folder, name, taken)
            job = Copy(int(record["id"]), name, target, size if isinstance(size, int) else None)
            self.jobs[job.id] = job
            self.forget_finished()
        threading.Thread(target=self.run, args=(job,), name="panhub-copy", daemon=True).start()
        return job

    def run(self, job: Copy) -> None:
        """The copy itself, in its thread, when a slot is free; the outcome goes into ``job``."""
        with self.slots:
            self.fetch(job)

    def fetch(self, job: Copy) -> None:
        """Copy ``job``'s file; the outcome goes into ``job``."""
        try:
            if job.cancel.is_set():
                raise Cancelled(f"the copy of {job.name} was cancelled")
            fetch_file(
                self.client,
                job.datafile,
                job.path,
                max_bytes=self.max_bytes,
                progress=job.report,
                is_cancelled=job.cancel.is_set,
            )
        except Cancelled as error:
            job.state, job.message = "cancelled", error.message
            job.path.with_name(job.path.name + PART).unlink(missing_ok=True)
        except CatalogueError as error:
            job.state, job.message = "failed", error.message
        except OSError as error:
            job.state, job.message = "failed", f"{job.name}: {error.strerror or error}"
        else:
            job.state = "done"
            job.bytes = job.total = job.path.stat().st_size

    def get(self, copy_id: str) -> Copy:
        """A job by id (:class:`KeyError` if unknown)."""
        return self.jobs[copy_id]

    def cancel(self, copy_id: str) -> Copy:
        """Stop a running job (its partial file is removed); forget a finished one."""
        job = self.jobs[copy_id]
        if job.state == "running":
            job.cancel.set()
        else:
            with self.lock:
                self.jobs.pop(copy_id, None)
        return job

    def forget_finished(self) -> None:
        """Keep at most :data:`MAX_FINISHED` finished jobs (call with the lock held)."""
        finished = [k for k, job in self.jobs.items() if job.state != "running"]
        for key in finished[: max(0, len(finished) - MAX_FINISHED)]:
            del self.jobs[key]


def find_target(folder: Path, name: str, taken: set[Path]) -> Path:
    """The first of ``name``, ``name (1)``... in ``folder`` that holds no file and no job.

    A name whose earlier copy was interrupted (only its ``.part`` is there) is reused,
    so that copy resumes.
    """
    stem, dot, suffix = name.partition(".") if not name.startswith(".") else (name, "", "")
    for number in range(10_000):
        candidate = folder / (name if number == 0 else f"{stem} ({number}){dot}{suffix}")
        if candidate not in taken and not os.path.lexists(candidate):
            return candidate
    raise CatalogueError(f"no free name for {name} in {folder}")
