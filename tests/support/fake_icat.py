"""A fake ICAT REST server seeded from an icatdump YAML file (python-icat's format).

It answers ``POST /icat/session`` and ``GET /icat/entityManager`` for the JPQL subset
the importer sends (``SELECT o FROM E o [INCLUDE o.a, o.b] [LIMIT off, n]``), with the
JSON shapes and error bodies of icat.server's ``ICATRest``. It implements no rules:
every session reads everything, as the importer's reader account would.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import yaml
from tornado.web import Application, RequestHandler

#: nested lists in the dump -> (child entity, field pointing back at the parent)
NESTED = {
    "userGroups": ("UserGroup", "grouping"),
    "instrumentScientists": ("InstrumentScientist", "instrument"),
    "investigationUsers": ("InvestigationUser", "investigation"),
    "investigationGroups": ("InvestigationGroup", "investigation"),
    "investigationInstruments": ("InvestigationInstrument", "investigation"),
}
QUERY = re.compile(
    r"SELECT o FROM (?P<entity>\w+) o(?: INCLUDE (?P<include>o\.\w+(?:, o\.\w+)*))?"
    r"(?: LIMIT (?P<offset>\d+), (?P<count>\d+))?"
)


def load_dump(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Entities by name, each a dict of fields; references are ``{"ref": object}``."""
    ids = itertools.count(1)
    by_key: dict[str, dict[str, Any]] = {}
    entities: dict[str, list[dict[str, Any]]] = {}

    def add(entity: str, fields: dict[str, Any]) -> dict[str, Any]:
        record = {"id": next(ids), **fields}
        entities.setdefault(entity, []).append(record)
        return record

    with path.open() as stream:
        for document in yaml.safe_load_all(stream):
            for kind, objects in (document or {}).items():
                entity = kind[0].upper() + kind[1:]
                for key, fields in objects.items():
                    record = add(entity, {})
                    by_key[key] = record
                    for name, value in fields.items():
                        if name in NESTED:
                            child, back = NESTED[name]
                            for item in value:
                                add(child, {**item, back: record})
                        elif not isinstance(value, list):
                            record[name] = value
    for records in entities.values():  # keys -> the records they name
        for record in records:
            for name, value in record.items():
                if isinstance(value, str) and value in by_key:
                    record[name] = by_key[value]
    return entities


def to_json(record: dict[str, Any], includes: set[str]) -> dict[str, Any]:
    """Plain fields, plus the included related objects (one level)."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        if isinstance(value, dict):
            if name in includes:
                out[name] = {k: v for k, v in value.items() if not isinstance(v, dict)}
        else:
            out[name] = value
    return out


class FakeIcat:
    """State of the fake: the entities and the open sessions."""

    def __init__(self, dump: Path, password: str = "secret") -> None:
        self.entities = load_dump(dump)
        self.password = password
        self.sessions: set[str] = set()
        self.queries: list[str] = []

    def make_app(self) -> Application:
        return Application(
            [(r"/icat/session", SessionHandler), (r"/icat/entityManager", EntityHandler)],
            icat=self,
        )


class IcatHandler(RequestHandler):
    @property
    def icat(self) -> FakeIcat:
        fake: FakeIcat = self.settings["icat"]
        return fake

    def fail(self, status: int, code: str, message: str) -> None:
        self.set_status(status)
        self.finish(json.dumps({"code": code, "message": message}))


class SessionHandler(IcatHandler):
    def post(self) -> None:
        request = json.loads(self.get_body_argument("json"))
        credentials = {k: v for c in request["credentials"] for k, v in c.items()}
        if credentials.get("password") != self.icat.password:
            self.fail(403, "SESSION", "The username and password do not match")
            return
        session_id = f"session-{len(self.icat.sessions) + 1}"
        self.icat.sessions.add(session_id)
        self.finish(json.dumps({"sessionId": session_id}))


class EntityHandler(IcatHandler):
    def get(self) -> None:
        if self.get_argument("sessionId", "") not in self.icat.sessions:
            self.fail(403, "SESSION", "Unable to find user by sessionid")
            return
        query = self.get_argument("query")
        self.icat.queries.append(query)
        match = QUERY.fullmatch(query)
        if match is None:
            self.fail(400, "BAD_PARAMETER", f"the fake does not understand {query!r}")
            return
        entity = match["entity"]
        includes = {i.removeprefix("o.") for i in (match["include"] or "").split(", ") if i}
        records = self.icat.entities.get(entity, [])
        if match["offset"] is not None:
            start = int(match["offset"])
            records = records[start : start + int(match["count"])]
        self.finish(json.dumps([{entity: to_json(r, includes)} for r in records], default=str))
