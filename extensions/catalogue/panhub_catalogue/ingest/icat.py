"""Import an ICAT catalogue through its REST API (``/icat/session``, ``/icat/entityManager``).

The importer logs in (any authenticator plugin), reads the entities the catalogue's
model holds, page by page (``LIMIT offset, count``) with one-level ``INCLUDE``s, and
writes them with find-or-create, so a second run adds only what is new. Membership
arrives both as ``InvestigationUser`` rows and as python-icat style groups
(``InvestigationGroup`` -> ``Grouping`` -> ``UserGroup``); groups collapse into
``InvestigationUser`` rows with the group's role. ``InstrumentScientist`` rows come as
they are. ICAT's ``Rule``/``PublicStep`` rows are not read: the catalogue's one
visibility rule (:mod:`panhub_catalogue.visibility`) applies to what was imported.

ICAT user names carry their authenticator (``db/jdoe``); the plugin prefix is dropped
(``jdoe``) so that names match the hub's, unless ``keep_plugin`` is set.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from traitlets import Bool, Float, Int, Unicode
from traitlets.config import Configurable

from panhub_catalogue.clock import to_naive_utc
from panhub_catalogue.model import (
    Datafile,
    Dataset,
    InstrumentScientist,
    Investigation,
    InvestigationInstrument,
    InvestigationUser,
    Sample,
)
from panhub_catalogue.store import Lookup, refresh_investigation

Entity = dict[str, Any]


class IcatError(Exception):
    """An ICAT error reply (``{"code": ..., "message": ...}``) or an unreachable server."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class IcatClient:
    """The few ICAT REST calls the importer needs.

    Parameters
    ----------
    url
        Server root, e.g. ``https://icat.example.org`` (the API is under ``/icat``).
    timeout
        Seconds per HTTP call.
    page
        Entities per search call.
    """

    def __init__(self, url: str, timeout: float = 60, page: int = 1000) -> None:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise IcatError("BAD_PARAMETER", f"ICAT URL must be http(s)://...: {url!r}")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.page = page
        self.session_id: str | None = None

    def _call(self, request: urllib.request.Request) -> Any:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.load(response)
        except urllib.error.HTTPError as error:
            try:
                body = json.load(error)
            except ValueError:
                body = {}
            raise IcatError(
                str(body.get("code", error.code)), str(body.get("message", ""))
            ) from None
        except OSError as error:
            raise IcatError("UNREACHABLE", f"{self.url}: {error}") from None

    def login(self, plugin: str, credentials: dict[str, str]) -> str:
        """``POST /icat/session``; keeps and returns the session id."""
        payload = {"plugin": plugin, "credentials": [{k: v} for k, v in credentials.items()]}
        data = urllib.parse.urlencode({"json": json.dumps(payload)}).encode()
        request = urllib.request.Request(f"{self.url}/icat/session", data=data)  # noqa: S310
        reply = self._call(request)
        self.session_id = str(reply["sessionId"])
        return self.session_id

    def search(self, query: str) -> list[Any]:
        """``GET /icat/entityManager?query=...`` with the session."""
        if self.session_id is None:
            raise IcatError("SESSION", "not logged in")
        params = urllib.parse.urlencode({"sessionId": self.session_id, "query": query})
        request = urllib.request.Request(f"{self.url}/icat/entityManager?{params}")  # noqa: S310
        reply = self._call(request)
        return list(reply)

    def iter_entities(
        self, entity: str, includes: Sequence[str] = (), page: int | None = None
    ) -> Iterator[Entity]:
        """Every ``entity`` the session may read, with one-level ``includes``, paged."""
        page = page or self.page
        if not all(name.isidentifier() for name in (entity, *includes)):
            raise IcatError("BAD_PARAMETER", f"not entity or field names: {entity}, {includes}")
        include = (" INCLUDE " + ", ".join(f"o.{i}" for i in includes)) if includes else ""
        offset = 0
        while True:
            query = f"SELECT o FROM {entity} o{include} LIMIT {offset}, {page}"  # noqa: S608
            rows = self.search(query)
            for row in rows:
                yield dict(row[entity])
            if len(rows) < page:
                return
            offset += page


class IcatSource(Configurable):
    """The ICAT server that ``panhub-catalogue icat import`` reads, and how to log in."""

    url = Unicode(
        "",
        config=True,
        help="ICAT server root (the REST API is under /icat), e.g. 'https://icat.example.org'.",
    )
    auth = Unicode(
        "db",
        config=True,
        help="ICAT authenticator plugin to log in with, e.g. 'db', 'ldap', 'simple' or 'anon'.",
    )
    username = Unicode(
        "",
        config=True,
        help="User to log in as, e.g. 'reader'; '' sends no credentials (plugin 'anon').",
    )
    password_file = Unicode(
        "",
        config=True,
        help="""File holding the password on its first line, e.g.
        '/etc/panhub/icat-reader.secret' (readable by the importing account only). The
        password is never taken from the command line, where `ps` would show it.""",
    )
    keep_plugin = Bool(
        False,
        config=True,
        help="Keep ICAT's authenticator prefix in user names ('db/jdoe'); by default it "
        "is dropped ('jdoe') so that names match the hub's.",
    )
    page_size = Int(1000, config=True, help="Entities per ICAT search call (LIMIT), e.g. 1000.")
    timeout = Float(60.0, config=True, help="Seconds per HTTP call to ICAT, e.g. 60.")

    def read_credentials(self) -> dict[str, str]:
        """``username`` and the password from :attr:`password_file` ({} without a user).

        Raises
        ------
        OSError
            The password file cannot be read.
        ValueError
            A user is set without a password file, or the file is empty.
        """
        if not self.username:
            return {}
        if not self.password_file:
            raise ValueError(f"user {self.username!r} needs a password file (--password-file)")
        with open(self.password_file, encoding="utf-8") as stream:
            password = stream.readline().rstrip("\r\n")
        if not password:
            raise ValueError(f"password file {self.password_file} is empty")
        return {"username": self.username, "password": password}

    def make_client(self) -> IcatClient:
        """A client logged in to :attr:`url` (raises :class:`IcatError` or the above)."""
        client = IcatClient(self.url, self.timeout, self.page_size)
        client.login(self.auth, self.read_credentials())
        return client


def parse_icat_time(value: str | None) -> datetime | None:
    """ICAT's ``2008-03-13T10:39:42.000+00:00`` as naive UTC."""
    if not value:
        return None
    return to_naive_utc(datetime.fromisoformat(value))


@dataclass
class IcatReport:
    """How many rows of each kind the import read."""

    investigations: int = 0
    datasets: int = 0
    datafiles: int = 0
    members: int = 0
    scientists: int = 0


class IcatImport:
    """One import run: ICAT ids mapped to catalogue rows."""

    def __init__(self, session: Session, client: IcatClient, keep_plugin: bool = False) -> None:
        self.session = session
        self.client = client
        self.keep_plugin = keep_plugin
        self.lookup = Lookup(session)
        self.ids: dict[tuple[str, int], int] = {}
        self.report = IcatReport()

    def user_name(self, name: str) -> str:
        return name if self.keep_plugin else name.split("/", 1)[-1]

    def ref(self, kind: str, entity: Entity, field: str) -> int | None:
        related = entity.get(field)
        return self.ids.get((kind, int(related["id"]))) if related else None

    def run(self) -> IcatReport:
        """Read everything and write it; the caller commits."""
        facilities = {}
        for f in self.client.iter_entities("Facility"):
            facilities[int(f["id"])] = self.lookup.facility(f["name"], f.get("daysUntilRelease"))
        for i in self.client.iter_entities("Instrument", ["facility"]):
            row = self.lookup.instrument(facilities[int(i["facility"]["id"])], i["name"])
            row.fullName, row.pid = i.get("fullName"), i.get("pid")
            self.ids[("Instrument", int(i["id"]))] = row.id
        for u in self.client.iter_entities("User"):
            user = self.lookup.user(self.user_name(u["name"]), u.get("fullName"))
            self.ids[("User", int(u["id"]))] = user.id
        for s in self.client.iter_entities("InstrumentScientist", ["user", "instrument"]):
            user_id, instrument_id = (
                self.ref("User", s, "user"),
                self.ref("Instrument", s, "instrument"),
            )
            self.report.scientists += self.lookup.add_once(
                InstrumentScientist, user_id=user_id, instrument_id=instrument_id
            )
        self.import_investigations(facilities)
        self.import_members()
        self.import_data()
        self.session.flush()
        for investigation_id in sorted(
            {v for (k, _), v in self.ids.items() if k == "Investigation"}
        ):
            refresh_investigation(self.session, investigation_id)
        return self.report

    def import_investigations(self, facilities: dict[int, Any]) -> None:
        for i in self.client.iter_entities("Investigation", ["facility"]):
            facility = facilities[int(i["facility"]["id"])]
            keys = {
                "facility_id": facility.id,
                "name": i["name"],
                "visitId": i.get("visitId") or "",
            }
            row = self.session.scalar(select(Investigation).filter_by(**keys))
            if row is None:
                row = Investigation(**keys)
                self.session.add(row)
            row.title, row.summary, row.doi = i.get("title") or "", i.get("summary"), i.get("doi")
            row.startDate = parse_icat_time(i.get("startDate"))
            row.endDate = parse_icat_time(i.get("endDate"))
            row.releaseDate = parse_icat_time(i.get("releaseDate"))
            self.session.flush()
            self.ids[("Investigation", int(i["id"]))] = row.id
            self.report.investigations += 1
        for link in self.client.iter_entities(
            "InvestigationInstrument", ["investigation", "instrument"]
        ):
            self.lookup.add_once(
                InvestigationInstrument,
                investigation_id=self.ref("Investigation", link, "investigation"),
                instrument_id=self.ref("Instrument", link, "instrument"),
            )

    def import_members(self) -> None:
        """InvestigationUser rows, and groups collapsed into InvestigationUser rows."""
        for m in self.client.iter_entities("InvestigationUser", ["investigation", "user"]):
            self.report.members += self.lookup.add_once(
                InvestigationUser,
                investigation_id=self.ref("Investigation", m, "investigation"),
                user_id=self.ref("User", m, "user"),
                role=m.get("role") or "member",
            )
        members: dict[int, list[int]] = {}
        for g in self.client.iter_entities("UserGroup", ["user", "grouping"]):
            user_id = self.ref("User", g, "user")
            if user_id is not None:
                members.setdefault(int(g["grouping"]["id"]), []).append(user_id)
        for g in self.client.iter_entities("InvestigationGroup", ["investigation", "grouping"]):
            for user_id in members.get(int(g["grouping"]["id"]), []):
                self.report.members += self.lookup.add_once(
                    InvestigationUser,
                    investigation_id=self.ref("Investigation", g, "investigation"),
                    user_id=user_id,
                    role=g.get("role") or "member",
                )

    def import_data(self) -> None:
        """Samples, datasets, datafiles."""
        for s in self.client.iter_entities("Sample", ["investigation"]):
            sample = self.lookup.get(
                Sample,
                investigation_id=self.ref("Investigation", s, "investigation"),
                name=s["name"],
            )
            sample.pid = s.get("pid")
            self.ids[("Sample", int(s["id"]))] = sample.id
        for d in self.client.iter_entities("Dataset", ["investigation", "type", "sample"]):
            dataset = self.lookup.get(
                Dataset,
                investigation_id=self.ref("Investigation", d, "investigation"),
                name=d["name"],
            )
            dataset.type = (d.get("type") or {}).get("name") or "raw"
            dataset.sample_id = self.ref("Sample", d, "sample")
            dataset.description, dataset.location = d.get("description"), d.get("location")
            dataset.startDate = parse_icat_time(d.get("startDate"))
            dataset.endDate = parse_icat_time(d.get("endDate"))
            dataset.complete, dataset.doi = bool(d.get("complete")), d.get("doi")
            self.ids[("Dataset", int(d["id"]))] = dataset.id
            self.report.datasets += 1
        for f in self.client.iter_entities("Datafile", ["dataset"]):
            dataset_id = self.ref("Dataset", f, "dataset")
            location = f.get("location") or f"icat:Datafile/{f['id']}"
            datafile = self.session.scalar(select(Datafile).filter_by(location=location))
            if datafile is None:
                datafile = Datafile(dataset_id=dataset_id, name=f["name"], location=location)
                self.session.add(datafile)
            datafile.fileSize = int(f.get("fileSize") or 0)
            datafile.checksum = f.get("checksum")
            datafile.datafileCreateTime = parse_icat_time(f.get("datafileCreateTime"))
            datafile.datafileModTime = parse_icat_time(f.get("datafileModTime"))
            self.report.datafiles += 1
