"""The job-side wrapper: port choice, URL rewriting, waiting for the server to listen."""

from __future__ import annotations

import os
import socket
import threading
import time

from panhub.singleuser import pick_port, probe_host, wait_for_listen, with_port


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


def test_wait_for_listen_returns_once_the_port_accepts() -> None:
    port = pick_port()
    server = socket.socket()

    def listen_later() -> None:
        time.sleep(0.2)
        server.bind(("127.0.0.1", port))
        server.listen()

    thread = threading.Thread(target=listen_later)
    start = time.monotonic()
    thread.start()
    try:
        assert wait_for_listen("127.0.0.1", port, os.getpid(), time.monotonic() + 10)
        assert time.monotonic() - start >= 0.2
    finally:
        thread.join()
        server.close()


def test_wait_for_listen_gives_up_when_the_server_is_gone() -> None:
    port = pick_port()
    dead_pid = 2**22 + 1  # above pid_max on Linux: never a live process
    start = time.monotonic()
    assert not wait_for_listen("127.0.0.1", port, dead_pid, time.monotonic() + 10)
    assert time.monotonic() - start < 5
