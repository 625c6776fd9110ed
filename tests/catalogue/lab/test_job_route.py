"""``GET api/job`` in a real jupyter_server: the job, its end, the warning's lead time.

The server runs with a SLURM job's environment (``SLURM_JOB_ID``, ``SLURMD_NODENAME``,
the job script's ``PANHUB_JOB_END``, the spawner's ``PANHUB_WALLTIME_WARNING_MINUTES``)
and a stand-in for squeue: a script that prints what the test wrote into a file (as
squeue's ``%e`` does) or fails, and logs each call.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

ENV_END = 1_900_000_000.0
JOB_ENV = {
    "SLURM_JOB_ID": "4242",
    "SLURMD_NODENAME": "cpu2",
    "PANHUB_JOB_END": f"{ENV_END:.0f}",
    "PANHUB_WALLTIME_WARNING_MINUTES": "15",
    "PANHUB_PROPOSALS_VIEW": "/data",
}


class FakeSqueue:
    """squeue's stand-in: ``answer`` is what it prints (None: it fails)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "squeue"
        self.answer_file = folder / "answer"
        self.calls_file = folder / "calls"
        self.path.write_text(
            "#!/bin/sh\n"
            f'echo "$*" >> {self.calls_file}\n'
            f"[ -f {self.answer_file} ] || {{ echo 'slurm_load_jobs error' >&2; exit 1; }}\n"
            f"cat {self.answer_file}\n"
        )
        self.path.chmod(0o755)

    def answer(self, text: str | None) -> None:
        if text is None:
            self.answer_file.unlink(missing_ok=True)
        else:
            self.answer_file.write_text(text + "\n")

    @property
    def calls(self) -> list[str]:
        return self.calls_file.read_text().splitlines() if self.calls_file.exists() else []


def local(text: str) -> float:
    """A local time as squeue prints it, in seconds since 1970."""
    return datetime.fromisoformat(text).timestamp()


@pytest.fixture
def squeue(tmp_path_factory: pytest.TempPathFactory) -> FakeSqueue:
    return FakeSqueue(tmp_path_factory.mktemp("slurm"))


@pytest.fixture
def environ() -> dict[str, str]:
    """The server's job environment (a test's parametrize replaces it)."""
    return JOB_ENV


@pytest.fixture
def refresh() -> float:
    return 3600.0


@pytest.fixture
def jp_server_config(monkeypatch, environ, squeue, refresh):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    for name in (*JOB_ENV, "SLURM_JOB_NODELIST"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return {
        "ServerApp": {"jpserver_extensions": {"panhub_catalogue.lab": True}},
        "PanhubCatalogue": {"url": "http://127.0.0.1:9/services/catalogue/"},
        "PanhubWalltime": {
            "squeue_command": [str(squeue.path), "-h", "-j", "{job_id}", "-o", "%e"],
            "refresh_seconds": refresh,
        },
    }


@pytest.fixture
def job(fetch):
    def get(**kwargs: Any) -> dict[str, Any]:
        response = fetch("panhub-catalogue", "api", "job", **kwargs)
        assert response.headers["Content-Type"].startswith("application/json")
        return json.loads(response.body)  # type: ignore[no-any-return]

    return get


def test_the_lab_learns_its_job_and_when_it_ends(job, squeue):
    squeue.answer("2030-03-01T17:45:00")
    before = time.time()
    body = job()
    assert body.pop("now") == pytest.approx(before, abs=5)
    assert body == {
        "jobId": "4242",
        "node": "cpu2",
        "end": local("2030-03-01T17:45:00"),  # the scheduler's word over the script's
        "warningMinutes": 15.0,
        "proposalsView": "/data",
    }
    assert squeue.calls == ["-h -j 4242 -o %e"]


def test_squeue_is_asked_at_most_every_refresh_period(job, squeue):
    squeue.answer("2030-03-01T17:45:00")
    assert job()["end"] == local("2030-03-01T17:45:00")
    squeue.answer("2030-03-01T19:45:00")  # an administrator gave two hours more
    assert [job()["end"] for _ in range(3)] == [local("2030-03-01T17:45:00")] * 3
    assert len(squeue.calls) == 1


@pytest.mark.parametrize("refresh", [0.0])
def test_a_changed_time_limit_is_seen(job, squeue):
    squeue.answer("2030-03-01T17:45:00")
    assert job()["end"] == local("2030-03-01T17:45:00")
    squeue.answer("2030-03-01T19:45:00")
    assert job()["end"] == local("2030-03-01T19:45:00")


@pytest.mark.parametrize("refresh", [0.0])
@pytest.mark.parametrize("answer", [None, "Unknown", "", "slurm_load_jobs error: timeout"])
def test_a_failing_squeue_keeps_the_last_end(job, squeue, answer):
    assert job()["end"] == ENV_END  # squeue fails from the start: the script's end
    squeue.answer("2030-03-01T17:45:00")
    assert job()["end"] == local("2030-03-01T17:45:00")
    squeue.answer(answer)
    assert job()["end"] == local("2030-03-01T17:45:00")
    assert len(squeue.calls) == 3


@pytest.mark.parametrize("environ", [{}, {"PANHUB_PROPOSALS_VIEW": "/data"}])
def test_a_server_outside_slurm_has_no_end(job, squeue, environ):
    body = job()
    assert (body["jobId"], body["node"], body["end"]) == (None, None, None)
    assert body["warningMinutes"] == 10.0
    assert squeue.calls == []  # no job: nothing to ask


def test_someone_elses_server_is_refused(fetch, monkeypatch, squeue):
    monkeypatch.setenv("JUPYTERHUB_USER", "someone-else")
    with pytest.raises(HTTPClientError) as caught:
        fetch("panhub-catalogue", "api", "job")
    assert caught.value.code == 403
    with pytest.raises(HTTPClientError) as caught:
        fetch("panhub-catalogue", "api", "job", headers={"Authorization": "token wrong"})
    assert caught.value.code == 403
    assert squeue.calls == []


def test_asking_is_not_the_users_activity(fetch, jp_serverapp, squeue):
    """The Lab's own polling of this route must not keep an idle server from the culler."""
    settings = jp_serverapp.web_app.settings
    fetch("api", "contents")
    seen = settings["api_last_activity"]
    time.sleep(0.01)
    fetch("panhub-catalogue", "api", "job")
    assert settings["api_last_activity"] == seen
    fetch("api", "contents")
    assert settings["api_last_activity"] > seen
