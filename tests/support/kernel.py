"""Run code in a real kernel of a user's JupyterLab, through the proxy, as that user.

The same path a notebook takes: the Jupyter server's REST API starts a kernel and its
websocket carries an ``execute_request``; the kernel runs inside the user's SLURM job.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from typing import Any

import requests
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect


def _message(code: str, session: str) -> dict[str, Any]:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "username": "panhub-tests",
            "session": session,
            "msg_type": "execute_request",
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        "channel": "shell",
    }  # fmt: skip


async def _execute(ws_url: str, token: str, code: str, timeout: float) -> str:
    request = HTTPRequest(
        ws_url,
        headers={"Authorization": f"token {token}"},
        connect_timeout=timeout,
        request_timeout=timeout,
    )
    conn = await websocket_connect(request)
    session = uuid.uuid4().hex
    msg = _message(code, session)
    await conn.write_message(json.dumps(msg))
    out: list[str] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while True:
            raw = await asyncio.wait_for(conn.read_message(), deadline - loop.time())
            if raw is None:
                raise RuntimeError("kernel websocket closed")
            reply = json.loads(raw)
            if reply.get("parent_header", {}).get("msg_id") != msg["header"]["msg_id"]:
                continue
            kind, content = reply["msg_type"], reply["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                out.append(f"{content['ename']}: {content['evalue']}\n")
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(out)
    finally:
        conn.close()
        # wait for the closing handshake, so the socket is closed before the loop ends
        with contextlib.suppress(TimeoutError):
            while await asyncio.wait_for(conn.read_message(), 5) is not None:
                pass


class Kernel:
    """A kernel in ``user``'s server at ``base`` (the proxy's URL)."""

    def __init__(
        self, base: str, user: str, token: str, server: str = "", name: str = "python3"
    ) -> None:
        prefix = f"{base}/user/{user}/{server + '/' if server else ''}api/kernels"
        self.headers = {"Authorization": f"token {token}"}
        r = requests.post(prefix, json={"name": name}, headers=self.headers, timeout=60)
        r.raise_for_status()
        self.url = f"{prefix}/{r.json()['id']}"
        self.token = token

    def run(self, code: str, timeout: float = 60) -> str:
        """Execute ``code``; return what it printed (and ``Name: message`` on an error)."""
        ws = self.url.replace("http://", "ws://", 1) + "/channels"
        return asyncio.run(_execute(ws, self.token, code, timeout))

    def shutdown(self) -> None:
        requests.delete(self.url, headers=self.headers, timeout=30)
