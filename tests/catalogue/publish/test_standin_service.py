"""The demo's DataCite stand-in as a service, and the configuration that points at it.

``make demo`` runs ``panhub-catalogue datacite-standin`` on loopback and names it to the
catalogue through the environment that hub_config/catalogue_config.py reads, so that a
demo user can mint a DOI without a DataCite account.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from panhub.demo import catalogue_env, demo_instance
from panhub_catalogue.publish.minting import DRAFT, DataCite, DataCiteAccount, DataCiteFailure
from panhub_catalogue.settings import Publishing
from traitlets.config import PyFileConfigLoader

from tests.support.publish_documents import make_session_document

CONFIG = Path(__file__).parents[3] / "hub_config"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_demo_names_its_standin_to_the_catalogue(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = catalogue_env(demo_instance(CONFIG / "jupyterhub_config.py", tmp_path))
    assert env["PANHUB_DATACITE_URL"] == "http://127.0.0.1:8095/"
    assert env["PANHUB_DATACITE_PASSWORD_FILE"] == str(tmp_path / "catalogue" / "datacite_password")
    (tmp_path / "catalogue").mkdir()
    Path(env["PANHUB_DATACITE_PASSWORD_FILE"]).write_text("demo-password\n")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = PyFileConfigLoader("catalogue_config.py", str(CONFIG)).load_config()
    assert config.CatalogueService.public_url == "http://127.0.0.1:8000/services/catalogue/"
    account = Publishing(config=config).make_options().account
    assert account is not None
    assert (account.url, account.username, account.prefix) == (
        "http://127.0.0.1:8095/", "PANHUB.DEMO", "10.80001"
    )  # fmt: skip
    assert account.password == "demo-password"
    monkeypatch.delenv("PANHUB_DATACITE_URL")  # a site without minting
    config = PyFileConfigLoader("catalogue_config.py", str(CONFIG)).load_config()
    assert Publishing(config=config).make_options().account is None


def test_the_standin_service_takes_a_draft(tmp_path: Path) -> None:
    password = tmp_path / "password"
    password.write_text("s3\n")
    password.chmod(0o600)
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "panhub-catalogue"), "datacite-standin",
        "--port", str(port), "--prefix", "10.80001", "--username", "PANHUB.DEMO",
        "--password-file", str(password),
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # printed once it listens
        assert f"127.0.0.1:{port}" in line, line
        account = DataCiteAccount(f"http://127.0.0.1:{port}/", "PANHUB.DEMO", "s3", "10.80001")
        document = make_session_document(doi="10.80001/PANHUB-ES-T1")
        assert DataCite(account).reserve(document) == DRAFT
        wrong = DataCiteAccount(account.url, "PANHUB.DEMO", "wrong", "10.80001")
        with pytest.raises(DataCiteFailure, match=r"refused the request .*: Bad credentials"):
            DataCite(wrong).reserve(make_session_document(doi="10.80001/PANHUB-ES-T2"))
    finally:
        process.terminate()
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if process.poll() is None:
            process.kill()
            process.wait(5)
        if process.stdout is not None:
            process.stdout.close()
