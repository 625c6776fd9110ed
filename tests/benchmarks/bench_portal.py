"""The catalogue's web portal: its first page at 100,000 investigations, SQLite and PostgreSQL.

Run from the repository root::

    PANHUB_BENCH_SCALE=1 /opt/panhub/venv/bin/python tests/benchmarks/bench_portal.py

``PANHUB_BENCH_SCALE=1`` is 100,000 investigations (issue 18's target: the portal's first
page in at most 300 ms of server time); the default 0.1 (10,000) is CI's (about a
minute). The catalogue (one dataset and one file per investigation) is the one
``bench_panel.py`` and ``bench_panosc.py`` use on SQLite, kept in
``/var/tmp/panhub-bench-panel/`` (``tests/support/bench_cache.py``); the same rows are
generated into a database of the machine's PostgreSQL 15 (``tests/support/postgres.py``)
for the second backend, and dropped afterwards.

The real catalogue application serves each (``tests/support/catalogue_server.py``, port
8750 or ``PANHUB_BENCH_PORTAL_PORT``), with token identities: anonymous, a member of a
few proposals, beamline staff (``InstrumentScientist`` rows of the generated catalogue)
and an admin. One keep-alive HTTP connection (``http.client``, a timeout on every
call) sends, after ``PANHUB_BENCH_WARMUP`` (5) unmeasured rounds,
``PANHUB_BENCH_REPEATS`` (40) rounds of the requests below, one of each per round; a
request's time runs from sending it to the last byte of its answer (the server's time
plus a loopback round trip). Figures are p50, p95 and max in milliseconds:

* ``first_page_<who>``: ``GET /services/catalogue/`` as a browser asks it (``Accept:
  text/html``): the sessions table's first page (25 rows) with its facets, as anonymous,
  member, staff and admin; the target applies to each;
* ``filtered``: a word, a beamline and Public (``?text=...&beamline=...&access=public``),
  anonymous;
* ``sorted_by_title``: ``?sort=title``, anonymous (the title is not in the facet index);
* ``deep_page``: ``?offset=`` a page near the middle of the list, anonymous;
* peers, the Lab panel's two requests for the same first page (its search and its
  facets, ``api/investigations?limit=25`` and ``api/facets``), anonymous.

Then, in this process on the SQLite file, where the anonymous first page's time goes
(``PANHUB_BENCH_IN_PROCESS_REPEATS``, 30, times): its rows
(:func:`~panhub_catalogue.web.portal_answers.portal_rows`: the Lab panel's search, the
page's logbook counts and A-Forms) and its two groups of facet counts
(:data:`~panhub_catalogue.web.portal_answers.FACET_GROUPS`, the Lab panel's
:func:`~panhub_catalogue.web.answers.facets`), each alone, which the service runs side
by side, and the HTML rendering (Jinja2).

Results go to ``tests/benchmarks/results/portal.json`` (``PANHUB_BENCH_OUTPUT`` names
another file there), with the targets beside the figures. Benchmarks report; they do not
assert targets.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "extensions" / "catalogue")]

from panhub_catalogue.clock import to_naive_utc  # noqa: E402
from panhub_catalogue.db import make_engine, migrate, open_catalogue  # noqa: E402
from panhub_catalogue.generate import BEAMLINES, WORDS, Sizes, generate  # noqa: E402
from panhub_catalogue.identity import ANONYMOUS  # noqa: E402
from panhub_catalogue.search import Search  # noqa: E402
from panhub_catalogue.web.answers import facets  # noqa: E402
from panhub_catalogue.web.pages import Site, render  # noqa: E402
from panhub_catalogue.web.portal_answers import FACET_GROUPS, Documents, portal_rows  # noqa: E402
from panhub_catalogue.web.portal_view import make_portal_context  # noqa: E402

from tests.support.bench_cache import catalogue_file  # noqa: E402
from tests.support.catalogue_server import running_catalogue  # noqa: E402
from tests.support.postgres import drop_database, ensure_postgres, make_database  # noqa: E402
from tests.support.timings import stats  # noqa: E402

SCALE = float(os.environ.get("PANHUB_BENCH_SCALE", "0.1"))
N = max(100, round(100_000 * SCALE))
REPEATS = int(os.environ.get("PANHUB_BENCH_REPEATS", "40"))
WARMUP = int(os.environ.get("PANHUB_BENCH_WARMUP", "5"))
IN_PROCESS_REPEATS = int(os.environ.get("PANHUB_BENCH_IN_PROCESS_REPEATS", "30"))
PORT = int(os.environ.get("PANHUB_BENCH_PORTAL_PORT", "8750"))
TIMEOUT_S = 60.0
RESULTS = (
    ROOT / "tests" / "benchmarks" / "results" / os.environ.get("PANHUB_BENCH_OUTPUT", "portal.json")
)
TARGETS = {"first_page_p95_ms": 300}
BASE = "/services/catalogue/"
PAGE = 25
SEED = 18
#: Who asks: token -> catalogue_server's ``TOKEN=USER[:admin]``. user000001 is staff of
#: a beamline in every generated catalogue (generate.py's ``staff``); user000100 is a
#: member of a few proposals.
CALLERS = {
    "anonymous": None,
    "member": "member-token=user000100",
    "staff": "staff-token=user000001",
    "admin": "admin-token=admin:admin",
}


class Client:
    """One keep-alive HTTP/1.1 connection to the catalogue, a timeout on every call."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)

    def get(self, path: str, token: str | None, accept: str) -> tuple[float, bytes]:
        """Seconds from sending the request to the last byte of a 200 answer; its body."""
        headers = {"Accept": accept}
        if token:
            headers["Authorization"] = f"token {token}"
        start = time.perf_counter()
        try:
            self.connection.request("GET", path, headers=headers)
            answer = self.connection.getresponse()
            body = answer.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            raise
        elapsed = time.perf_counter() - start
        if answer.status != 200:
            raise RuntimeError(f"{path}: {answer.status} {body[:300]!r}")
        return elapsed, body


Request = tuple[str, str | None, str]  # path, token, Accept


def make_rounds(count: int, seed: int) -> list[dict[str, Request]]:
    """Each round: name -> request; the filtered search and the deep page change per round."""
    rng = random.Random(seed)
    html = "text/html"
    tokens = {name: (spec.split("=")[0] if spec else None) for name, spec in CALLERS.items()}
    rounds = []
    for _ in range(count):
        filtered = urllib.parse.urlencode(
            {"text": rng.choice(WORDS)[:5], "beamline": rng.choice(BEAMLINES), "access": "public"}
        )
        page: dict[str, Request] = {
            f"first_page_{who}": (BASE, token, html) for who, token in tokens.items()
        }
        page["filtered"] = (f"{BASE}?{filtered}", None, html)
        page["sorted_by_title"] = (f"{BASE}?sort=title", None, html)
        offset = rng.randrange(N // 4, N // 2) // PAGE * PAGE
        page["deep_page"] = (f"{BASE}?offset={offset}", None, html)
        page["peer_lab_search"] = (f"{BASE}api/investigations?limit={PAGE}", None, "*/*")
        page["peer_lab_facets"] = (f"{BASE}api/facets", None, "*/*")
        rounds.append(page)
    return rounds


def check(name: str, body: bytes) -> int:
    """The number of table rows of a page (or items of the peer's search)."""
    if name == "peer_lab_facets":
        return len(json.loads(body)["facets"]["beamline"])
    if name == "peer_lab_search":
        return len(json.loads(body)["items"])
    text = body.decode()
    assert '<table class="sessions">' in text or "No experiment session" in text, name
    return text.count('<th scope="row"')


def measure(port: int) -> dict[str, Any]:
    """Every request over HTTP, round by round: figures and median rows shown."""
    rounds = make_rounds(WARMUP + REPEATS, SEED)
    client = Client(port)
    samples: dict[str, list[float]] = {name: [] for name in rounds[0]}
    rows: dict[str, list[int]] = {name: [] for name in rounds[0]}
    try:
        for n, one_round in enumerate(rounds):
            for name, (path, token, accept) in one_round.items():
                seconds, body = client.get(path, token, accept)
                if n >= WARMUP:
                    samples[name].append(seconds)
                    rows[name].append(check(name, body))
    finally:
        client.connection.close()
    figures: dict[str, Any] = {}
    for name, times in samples.items():
        figures[name] = {**stats(times), "median_rows": sorted(rows[name])[len(rows[name]) // 2]}
    return figures


def serve_and_measure(db: str, folder: Path) -> dict[str, Any]:
    tokens = [spec for spec in CALLERS.values() if spec]
    with running_catalogue(db, PORT, tokens, folder / "catalogue.log"):
        return measure(PORT)


def in_process(db: Path) -> dict[str, Any]:
    """The anonymous first page in this process: its rows, its facet groups, its HTML."""
    sessions = open_catalogue(f"sqlite:///{db}")
    now = to_naive_utc(datetime.now(UTC))
    search, documents = Search(limit=PAGE), Documents()
    works: dict[str, Any] = {
        "rows": partial(portal_rows, search=search, documents=documents),
        **{
            "facets_" + "_".join(names): partial(facets, search=search, names=names)
            for names in FACET_GROUPS
        },
    }
    samples: dict[str, list[float]] = {name: [] for name in (*works, "render_html")}
    for n in range(IN_PROCESS_REPEATS + 3):
        answers = {}
        for name, work in works.items():
            start = time.perf_counter()
            with sessions() as session:
                answers[name] = work(session, ANONYMOUS, now)
            if n >= 3:  # the first ones warm the caches and compile the templates
                samples[name].append(time.perf_counter() - start)
        data = answers["rows"]
        data["facets"] = {
            k: v for name in works if name != "rows" for k, v in answers[name]["facets"].items()
        }
        start = time.perf_counter()
        context = make_portal_context(BASE, {}, search, data, f"{BASE}api/datafiles/")
        render("portal.html", Site(BASE, "PANHUB", None, BASE), error=None, **context)
        if n >= 3:
            samples["render_html"].append(time.perf_counter() - start)
    return {name: stats(times) for name, times in samples.items()}


def meets(figures: dict[str, Any]) -> dict[str, bool]:
    return {
        name: figures[name]["p95_ms"] <= TARGETS["first_page_p95_ms"]
        for name in figures
        if name.startswith("first_page_")
    }


def main() -> None:
    report: dict[str, Any] = {
        "investigations": N,
        "targets": TARGETS,
        "repeats": REPEATS,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
        },
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        # the machine is shared: its load (1, 5, 15 minutes) says how busy it was
        "load_average_before": os.getloadavg(),
    }
    db = catalogue_file(N)
    with tempfile.TemporaryDirectory(prefix="bench-portal-") as tmp:
        folder = Path(tmp)
        report["sqlite"] = serve_and_measure(f"sqlite:///{db}", folder)
        print("sqlite", json.dumps(report["sqlite"]), flush=True)
        report["sqlite_in_process"] = in_process(db)
        print("in process", json.dumps(report["sqlite_in_process"]), flush=True)
        ensure_postgres()
        name = "panhub_portal_bench"
        try:
            url = make_database(name)
            engine = make_engine(url)
            try:
                migrate(engine)
                start = time.perf_counter()
                generate(engine, 1, sizes=Sizes(N, 1, 1))
                report["postgresql_generate_s"] = round(time.perf_counter() - start, 1)
            finally:
                engine.dispose()
            report["postgresql"] = serve_and_measure(url, folder)
            print("postgresql", json.dumps(report["postgresql"]), flush=True)
        finally:
            drop_database(name)
    report["load_average_after"] = os.getloadavg()
    report["meets_targets"] = {
        "sqlite": meets(report["sqlite"]),
        "postgresql": meets(report["postgresql"]),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["meets_targets"]))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
