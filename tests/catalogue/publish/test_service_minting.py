"""web.minter, settings.Publishing.mint_sessions_every: the service mints session DOIs itself.

``panhub-catalogue serve`` as a process, configured as a site would be (a DataCite
account, here the stand-in on loopback, and ``mint_sessions_every``): a session whose
experiment has ended gets its DOI at DataCite without anyone running ``mint-sessions``,
and the service's log says so; a session still running gets none.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from panhub_catalogue.clock import utcnow
from panhub_catalogue.model import Investigation
from panhub_catalogue.publish.standin import run_standin
from sqlalchemy.orm import Session, sessionmaker

from tests.support.publishing_world import LANDING, build_world

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_service_mints_ended_sessions_on_its_own(
    sqlite_sessions: sessionmaker[Session], sqlite_url: str, tmp_path: Path
) -> None:
    with sqlite_sessions() as session:
        ids = build_world(session)
        # neither has a DOI yet; P-PUB's experiment ended (in January), P-EMB's is running
        ended = session.get_one(Investigation, ids.investigations["P-PUB"])
        running = session.get_one(Investigation, ids.investigations["P-EMB"])
        ended.doi = running.doi = None
        running.endDate = utcnow() + timedelta(days=30)
        session.commit()
    with run_standin() as standin:
        config = tmp_path / "catalogue_config.py"
        config.write_text(
            "c = get_config()\n"
            f"c.Publishing.datacite_url = {standin.url!r}\n"
            f"c.Publishing.datacite_username = {standin.username!r}\n"
            f"c.Publishing.datacite_password = {standin.password!r}\n"
            f"c.Publishing.doi_prefix = {standin.prefix!r}\n"
            f"c.Publishing.landing_url_base = {LANDING!r}\n"
            "c.Publishing.mint_sessions_every = 0.5\n"
        )
        path = [str(ROOT / "extensions" / "catalogue"), str(ROOT / "extensions" / "nexus_viewer")]
        env = {**os.environ, "PYTHONPATH": ":".join(path)}
        for name in ("JUPYTERHUB_SERVICE_NAME", "JUPYTERHUB_API_TOKEN"):
            env.pop(name, None)
        serve = [sys.executable, "-m", "panhub_catalogue.cli", "serve", "--config", str(config)]
        serve += ["--port", str(free_port()), "--db", sqlite_url]
        log = tmp_path / "catalogue.log"
        with log.open("w") as stream:
            service = subprocess.Popen(serve, stdout=stream, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 30
            while "mint-sessions: minted:" not in log.read_text():
                assert service.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        finally:
            service.terminate()
            service.wait(10)
        with sqlite_sessions() as session:
            ended = session.get_one(Investigation, ids.investigations["P-PUB"])
            running = session.get_one(Investigation, ids.investigations["P-EMB"])
            assert (running.doi, running.dataciteState) == (None, None)
        assert ended.doi is not None and ended.doi.startswith(standin.prefix + "/")
        assert ended.doi.endswith("-ES-P-PUB") and ended.dataciteState == "findable"
        assert standin.records[ended.doi.lower()].state == "findable"
        text = log.read_text()
        assert f"mint-sessions: minted: {ended.doi}" in text
        assert "minting session DOIs every 0.5 s" in text
        assert standin.password not in text
