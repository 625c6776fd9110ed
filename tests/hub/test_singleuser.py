"""The job-side wrapper: port choice, URL rewriting, waiting for the server to answer,
running the server in its own process (in-process for its own Python)."""

from __future__ import annotations

import importlib.metadata
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from panhub.singleuser import (
    answers,
    get_interpreter,
    is_own_script,
    make_check_url,
    pick_port,
    probe_host,
    wait_for_answer,
    with_port,
)


def test_with_port_keeps_host_and_path() -> None:
    assert with_port("http://0.0.0.0:0/user/alice/", 4321) == "http://0.0.0.0:4321/user/alice/"
    assert with_port("http://node1:80/user/a/b/", 5) == "http://node1:5/user/a/b/"
    assert with_port("http://[::1]:1/x", 7) == "http://[::1]:7/x"


def test_probe_host() -> None:
    assert probe_host("http://0.0.0.0:1/") == "127.0.0.1"
    assert probe_host("http://10.1.2.3:1/") == "10.1.2.3"


def test_pick_port_is_free() -> None:
    port = pick_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_make_check_url_is_the_hubs_check_on_the_probe_host() -> None:
    assert make_check_url("http://0.0.0.0:4321/user/alice/") == (
        "http://127.0.0.1:4321/user/alice/api"
    )
    assert make_check_url("http://node1:5/user/a/b") == "http://node1:5/user/a/b/api"
    assert make_check_url("https://[::1]:7/x/") == "https://[::1]:7/x/api"


class _Api(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/user/alice/api" else 503
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_wait_for_answer_returns_once_the_server_answers() -> None:
    port = pick_port()
    servers: list[ThreadingHTTPServer] = []

    def serve_later() -> None:
        time.sleep(0.2)
        servers.append(ThreadingHTTPServer(("127.0.0.1", port), _Api))
        servers[0].serve_forever()

    thread = threading.Thread(target=serve_later, daemon=True)
    start = time.monotonic()
    thread.start()
    try:
        url = f"http://127.0.0.1:{port}/user/alice/api"
        assert wait_for_answer(url, os.getpid(), time.monotonic() + 10)
        assert time.monotonic() - start >= 0.2
    finally:
        while not servers:
            time.sleep(0.01)
        servers[0].shutdown()
        servers[0].server_close()


def test_a_port_that_accepts_but_does_not_answer_is_not_ready() -> None:
    # jupyter_server's port check: a socket that listens, accepts and closes
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/user/alice/api"

        def close_each() -> None:
            while True:
                try:
                    sock.accept()[0].close()
                except OSError:
                    return

        threading.Thread(target=close_each, daemon=True).start()
        assert not answers(url)
        assert not wait_for_answer(url, os.getpid(), time.monotonic() + 0.3)


def test_a_server_error_is_not_ready() -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), _Api) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            assert answers(f"{base}/user/alice/api")
            assert not answers(f"{base}/user/bob/api")  # 503
        finally:
            server.shutdown()


def test_an_https_server_with_its_own_certificate_answers(tmp_path: Path) -> None:
    # with internal SSL the server's certificate is the hub's own CA's: the probe only
    # asks whether it answers
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=node1", "-days", "1"]
    subprocess.run(
        ["openssl", *request, "-keyout", str(key), "-out", str(cert)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with ThreadingHTTPServer(("127.0.0.1", 0), _Api) as server:
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            assert answers(f"https://127.0.0.1:{server.server_address[1]}/user/alice/api")
        finally:
            server.shutdown()


def test_wait_for_answer_gives_up_when_the_server_is_gone() -> None:
    port = pick_port()
    dead_pid = 2**22 + 1  # above pid_max on Linux: never a live process
    start = time.monotonic()
    url = f"http://127.0.0.1:{port}/user/alice/api"
    assert not wait_for_answer(url, dead_pid, time.monotonic() + 10)
    assert time.monotonic() - start < 5


def make_script(path: Path, interpreter: str, body: str) -> Path:
    path.write_text(f"#!{interpreter}\n{body}")
    path.chmod(0o755)
    return path


def test_get_interpreter_reads_a_plain_shebang_only(tmp_path: Path) -> None:
    assert get_interpreter(str(make_script(tmp_path / "a", "/opt/v/bin/python3", ""))) == (
        "/opt/v/bin/python3"
    )
    assert get_interpreter(str(make_script(tmp_path / "b", "/usr/bin/env python3", ""))) == ""
    (tmp_path / "c").write_text("print(1)\n")
    assert get_interpreter(str(tmp_path / "c")) == ""
    assert get_interpreter(str(tmp_path / "missing")) == ""


def test_is_own_script_needs_this_interpreter(tmp_path: Path) -> None:
    own = make_script(tmp_path / "own", sys.executable, "")
    assert is_own_script(str(own))
    # another environment's interpreter, even a link to the same system Python, is not ours
    other_venv = tmp_path / "venv" / "bin"
    other_venv.mkdir(parents=True)
    (other_venv / "python3").symlink_to(os.path.realpath(sys.executable))
    foreign = make_script(tmp_path / "foreign", str(other_venv / "python3"), "")
    assert not is_own_script(str(foreign))
    assert not is_own_script(str(make_script(tmp_path / "sh", "/bin/sh", "")))


def run_wrapper(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api"}
    env["JUPYTERHUB_API_TOKEN"] = "secret"
    env["JUPYTERHUB_SERVICE_URL"] = "http://127.0.0.1:0/user/alice/"
    return subprocess.run(
        [sys.executable, "-c", "from panhub.singleuser import main; main()", str(script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_script_of_this_interpreter_runs_in_the_wrappers_process(tmp_path: Path) -> None:
    script = make_script(
        tmp_path / "server",
        sys.executable,
        "import json, os, sys\n"
        "print(json.dumps({'argv': sys.argv, 'main': __name__, 'url': "
        "os.environ['JUPYTERHUB_SERVICE_URL'], 'wrapped': 'panhub.singleuser' in sys.modules}))\n"
        "sys.exit(3)\n",
    )
    result = run_wrapper(script, "--flag", "x y")
    assert result.returncode == 3, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen["argv"] == [str(script), "--flag", "x y"]
    assert seen["main"] == "__main__"
    assert seen["wrapped"]
    port = int(urlsplit(seen["url"]).port or 0)
    assert port > 0 and f"on port {port}" in result.stdout


def test_any_other_command_is_execd(tmp_path: Path) -> None:
    script = make_script(tmp_path / "server", "/bin/sh", 'echo "sh $# $JUPYTERHUB_SERVICE_URL"\n')
    result = run_wrapper(script, "a", "b")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("sh 2 http://127.0.0.1:")


LAB_IMPORT = """
import json, sys
import jupyterlab
from panhub.singleuser import import_lab_without_yarn
from jupyterlab import commands
original = commands._yarn_config
if sys.argv[1] == "skip":
    import_lab_without_yarn()
else:
    import jupyterlab.labapp
print(json.dumps({"restored": commands._yarn_config is original,
                  "version": jupyterlab.labapp.app_version}))
"""


@pytest.mark.parametrize("mode", ["skip", "plain"])
def test_jupyterlab_is_imported_without_its_yarn_call(tmp_path: Path, mode: str) -> None:
    # a stand-in node on the PATH records each call: JupyterLab asks it for yarn's config
    calls = tmp_path / "node-calls"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    make_script(bin_dir / "node", "/bin/sh", f'echo "$@" >> {calls}\necho "{{}}"\n')
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    result = subprocess.run(
        [sys.executable, "-c", LAB_IMPORT, mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen["version"] == importlib.metadata.version("jupyterlab")
    assert seen["restored"]
    if mode == "skip":
        assert not calls.exists()
    else:  # the control: without the wrapper, the import does call node
        assert "config" in calls.read_text()
