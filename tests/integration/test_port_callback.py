"""The port callback accepts a port from the server's own token and nothing else.

Stock batchspawner copies every key of the body onto the spawner; with a server token
(present in every job's environment) a user could set ``batch_query_cmd`` and the hub
would run it at its next poll. Here that attack must fail and change nothing.
"""

from __future__ import annotations

import secrets
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.support.hub import HubAPI


def server_token(user: str, job_id: str) -> str:
    """The JUPYTERHUB_API_TOKEN inside ``user``'s job, read as root from /proc."""
    pids = subprocess.run(
        ["pgrep", "-u", user, "-f", "jupyterhub-singleuser"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    for pid in pids:
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        env = dict(item.decode().split("=", 1) for item in environ if b"=" in item)
        if env.get("SLURM_JOB_ID") == job_id and "JUPYTERHUB_API_TOKEN" in env:
            return env["JUPYTERHUB_API_TOKEN"]
    raise AssertionError(f"no server process of {user} in job {job_id}")


@pytest.fixture(scope="module")
def running(api: HubAPI) -> dict[str, str]:
    model = api.start("alice", {"memory_gb": 1})
    job_id = model["state"]["job_id"]
    yield {"job_id": job_id, "token": server_token("alice", job_id), "url": model["url"]}
    api.stop("alice")


def post(api: HubAPI, token: str | None, body: bytes) -> requests.Response:
    headers = {"Authorization": f"token {token}"} if token else {}
    return requests.post(f"{api.base}/hub/api/batchspawner", data=body, headers=headers, timeout=30)


def test_server_token_cannot_rewrite_hub_commands(api: HubAPI, running: dict[str, str]) -> None:
    marker = Path(f"/tmp/panhub-pwned-{secrets.token_hex(4)}")
    attacks = [
        f'{{"port": 4444, "batch_query_cmd": "touch {marker}"}}',
        f'{{"batch_query_cmd": "touch {marker}"}}',
        f'{{"exec_prefix": "touch {marker};", "port": 4444}}',
        '{"port": 4444, "ip": "203.0.113.9"}',
    ]
    for body in attacks:
        r = post(api, running["token"], body.encode())
        assert r.status_code == 400, (body, r.status_code, r.text)
        assert "only 'port' may be set" in r.json()["message"]
    time.sleep(3 * 2 + 1)  # two poll intervals of the test hub: the hub has run squeue since
    assert not marker.exists()
    model = api.server("alice")
    assert model is not None and model["ready"]
    assert model["state"]["job_id"] == running["job_id"]
    assert model["url"] == running["url"]
    status = requests.get(
        f"{api.base}{running['url']}api/status",
        headers={"Authorization": f"token {running['token']}"},
        timeout=30,
    )
    assert status.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"garbage",
        b"[]",
        b"{}",
        b'{"port": "80"}',
        b'{"port": 0}',
        b'{"port": 70000}',
        b'{"port": 1.5}',
    ],
)
def test_malformed_callbacks_get_400(api: HubAPI, running: dict[str, str], body: bytes) -> None:
    r = post(api, running["token"], body)
    assert r.status_code == 400, r.text
    assert r.json()["message"]


def test_port_of_a_running_server_cannot_be_changed(api: HubAPI, running: dict[str, str]) -> None:
    r = post(api, running["token"], b'{"port": 4444}')
    assert r.status_code == 409, r.text
    assert api.server("alice")["url"] == running["url"]


def test_callback_needs_a_server_token(api: HubAPI, running: dict[str, str]) -> None:
    assert post(api, None, b'{"port": 4444}').status_code == 403
    assert post(api, "not-a-token", b'{"port": 4444}').status_code == 403
    user_token = api.as_user("alice").token  # alice's own API token, not her server's
    r = post(api, user_token, b'{"port": 4444}')
    assert r.status_code == 403, r.text
