"""A DataCite REST API stand-in on loopback: schema-checked, stateful, and recording.

The tests mint against it, and the demo runs it as a service
(``panhub-catalogue datacite-standin``), so that a demo user can mint a DOI without a
DataCite account: its DOIs resolve nowhere.

It answers what the ``datacite`` client sends (``POST /dois``, ``PUT``, ``GET`` and
``DELETE /dois/<doi>``) with DataCite's JSON:API shapes, from a ``ThreadingHTTPServer``
on ``127.0.0.1:0`` in a thread of its own:

- HTTP Basic auth with one repository account, else 401;
- one prefix: a DOI under another is refused (403);
- DataCite's states and events: no event leaves a new DOI a ``draft``; ``register``
  (draft -> registered), ``publish`` (draft or registered -> findable), ``hide``
  (findable -> registered); a drafted DOI may be deleted, no other (405);
- ``PUT`` is an upsert and merges the attributes sent into the record;
- whenever the result is registered or findable, the merged record is validated against
  the DataCite 4.5 JSON schema (``datacite.schema45``, ``schemaVersion`` added) and must
  have a ``url``; a failure is a 422 ``{"errors": [{"status", "source", "title"}]}``;
- ``POST`` of a DOI that exists is a 422 ("This DOI has already been taken").

Every request is recorded (:attr:`DataCiteStandIn.requests`: method, path, user, body,
answer status), so tests assert what was sent, and that nothing was when a document
was refused before sending. :meth:`DataCiteStandIn.fail_next` makes the next request
of a method fail, as a DataCite outage would.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from datacite import schema45  # type: ignore[import-untyped]

SCHEMA_VERSION = "http://datacite.org/schema/kernel-4"
#: event -> the states it may be sent in, and the state it leads to.
EVENTS = {
    "register": (("draft", "registered"), "registered"),
    "publish": (("draft", "registered", "findable"), "findable"),
    "hide": (("findable", "registered"), "registered"),
}


@dataclass
class Sent:
    """One request as the stand-in received it, and the status it answered."""

    method: str
    path: str
    user: str | None
    body: Any
    status: int = 0

    @property
    def attributes(self) -> dict[str, Any]:
        """``data.attributes`` of the body (``{}`` when there is none)."""
        if isinstance(self.body, dict):
            found = self.body.get("data", {}).get("attributes", {})
            return found if isinstance(found, dict) else {}
        return {}


@dataclass
class Record:
    """A DOI the stand-in holds: its state and its merged attributes."""

    state: str
    attributes: dict[str, Any] = field(default_factory=dict)


class Refused(Exception):
    """An answer other than success: status and DataCite's error titles."""

    def __init__(self, status: int, *titles: str) -> None:
        super().__init__(titles)
        self.status = status
        self.titles = titles


class DataCiteStandIn:
    """The stand-in's state: account, records, requests, and the failures to inject."""

    def __init__(
        self, username: str = "PANHUB.TEST", password: str = "", prefix: str = "10.80001"
    ) -> None:
        # no password given: a random one (read it from .password)
        self.username, self.prefix = username, prefix
        self.password = password or secrets.token_urlsafe(12)
        self.records: dict[str, Record] = {}
        self.requests: list[Sent] = []
        self.failures: dict[str, tuple[int, str]] = {}
        self.lock = threading.Lock()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def fail_next(
        self, method: str, status: int = 500, title: str = "Internal Server Error"
    ) -> None:
        """Answer the next ``method`` request with ``status`` (then behave again)."""
        self.failures[method] = (status, title)

    def sent(self, method: str | None = None) -> list[Sent]:
        """The requests received (of one method)."""
        return [r for r in self.requests if method is None or r.method == method]

    def check_auth(self, header: str | None) -> str:
        if not header or not header.startswith("Basic "):
            raise Refused(401, "Bad credentials.")
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        if (user, password) != (self.username, self.password):
            raise Refused(401, "Bad credentials.")
        return user

    def check_record(self, attributes: dict[str, Any]) -> None:
        """A registered or findable record must validate and have a URL."""
        if not attributes.get("url"):
            raise Refused(422, "url: Url can't be blank")
        candidate = {"schemaVersion": SCHEMA_VERSION} | attributes
        errors = list(schema45.validator.iter_errors(candidate))
        if errors:
            titles = [
                f"{'/'.join(map(str, e.absolute_path)) or 'record'}: {e.message}" for e in errors
            ]
            raise Refused(422, *titles)

    def apply(self, doi: str, attributes: dict[str, Any], create: bool) -> tuple[int, Record]:
        """Create or update ``doi`` with ``attributes`` (and their event)."""
        if not doi.lower().startswith(self.prefix.lower() + "/"):
            raise Refused(403, f"the prefix of {doi} is not this repository's ({self.prefix})")
        existing = self.records.get(doi.lower())
        if existing is not None and create:
            raise Refused(422, "doi: This DOI has already been taken")
        event = attributes.pop("event", None)
        attributes.pop("prefix", None)
        state = existing.state if existing is not None else "draft"
        if event is not None:
            if event not in EVENTS:
                raise Refused(422, f"event: {event} is not an event")
            allowed, target = EVENTS[event]
            if state not in allowed:
                raise Refused(422, f"event: cannot {event} a {state} DOI")
            state = target
        merged = (existing.attributes if existing else {}) | attributes | {"doi": doi}
        if state != "draft":
            self.check_record(merged)
        record = Record(state, merged)
        self.records[doi.lower()] = record
        return (201 if existing is None else 200), record

    def answer(self, method: str, path: str, user: str | None, body: Any) -> tuple[int, Any]:
        """The status and JSON body of one request (already authenticated)."""
        if method in self.failures:
            status, title = self.failures.pop(method)
            raise Refused(status, title)
        parts = [unquote(p) for p in path.strip("/").split("/", 1)]
        if parts[0] != "dois":
            raise Refused(404, "The resource you are looking for doesn't exist.")
        if method == "POST" and len(parts) == 1:
            attributes = dict(read_attributes(body))
            doi = attributes.get("doi") or f"{self.prefix}/{secrets.token_hex(4)}"
            status, record = self.apply(doi, attributes, create=True)
            return status, describe(record)
        if len(parts) != 2:
            raise Refused(404, "The resource you are looking for doesn't exist.")
        doi = parts[1]
        if method == "PUT":
            status, record = self.apply(doi, dict(read_attributes(body)), create=False)
            return 200, describe(record)
        found = self.records.get(doi.lower())
        if found is None:
            raise Refused(404, "The resource you are looking for doesn't exist.")
        if method == "GET":
            return 200, describe(found)
        if method == "DELETE":
            if found.state != "draft":
                raise Refused(405, "Method not allowed: only draft DOIs can be deleted")
            del self.records[doi.lower()]
            return 204, None
        raise Refused(405, "Method not allowed")


def read_attributes(body: Any) -> dict[str, Any]:
    """``data.attributes`` of a JSON:API body, or a 400."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise Refused(400, "body: a JSON:API document {data: {attributes}} is expected")
    attributes = body["data"].get("attributes", {})
    if not isinstance(attributes, dict):
        raise Refused(400, "data.attributes must be an object")
    return attributes


def describe(record: Record) -> dict[str, Any]:
    """The JSON:API answer of one DOI."""
    doi = record.attributes["doi"]
    return {
        "data": {
            "id": doi,
            "type": "dois",
            "attributes": record.attributes | {"state": record.state},
        }
    }


def make_handler(standin: DataCiteStandIn) -> type[BaseHTTPRequestHandler]:
    """The request handler class bound to ``standin``."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def handle_any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            sent = Sent(self.command, self.path, None, body)
            with standin.lock:
                standin.requests.append(sent)
                try:
                    sent.user = standin.check_auth(self.headers.get("Authorization"))
                    if self.command in ("POST", "PUT") and not self.headers.get(
                        "Content-Type", ""
                    ).startswith("application/vnd.api+json"):
                        raise Refused(415, "Content-Type must be application/vnd.api+json")
                    status, answer = standin.answer(self.command, self.path, sent.user, body)
                except Refused as refused:
                    status = refused.status
                    answer = {
                        "errors": [{"status": str(status), "title": t} for t in refused.titles]
                    }
                sent.status = status
            payload = b"" if answer is None else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/vnd.api+json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = handle_any

    return Handler


def make_server(standin: DataCiteStandIn, port: int = 0) -> ThreadingHTTPServer:
    """A server of `standin` on 127.0.0.1:`port` (0: a free port, written to `standin`)."""
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(standin))
    server.daemon_threads = True
    standin.port = server.server_address[1]
    return server


@contextmanager
def run_standin(standin: DataCiteStandIn | None = None) -> Iterator[DataCiteStandIn]:
    """Serve a stand-in on a free loopback port for the block."""
    standin = standin or DataCiteStandIn()
    server = make_server(standin)
    thread = threading.Thread(target=server.serve_forever, name="datacite-standin", daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
