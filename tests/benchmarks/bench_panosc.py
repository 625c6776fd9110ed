"""The PaNOSC search API: the PaN portal's Documents searches over a big catalogue.

Run from the repository root::

    PANHUB_BENCH_SCALE=1 /opt/panhub/venv/bin/python tests/benchmarks/bench_panosc.py

``PANHUB_BENCH_SCALE=1`` is 100,000 investigations (issue 14's target: a text search with
includes answers in at most 50 ms p95 at panhub, since the federation waits for its
slowest provider; about 10 minutes on 2 cores, most of it the slow shapes); the default
0.1 (10,000) is CI's (about a minute). The catalogue (one dataset and one
file per investigation) is the one ``bench_panel.py`` uses, kept in
``/var/tmp/panhub-bench-panel/`` (``tests/support/bench_cache.py``), so a re-run starts
at once (the application migrates it to the current schema, in place, the first time it
serves it). The real catalogue application serves it (``tests/support/catalogue_server.py``,
port 8740 or ``PANHUB_BENCH_PANOSC_PORT``) to an anonymous caller, which is what the
federation is. One keep-alive HTTP connection (``http.client``, a timeout on every call)
sends, after ``PANHUB_BENCH_WARMUP`` (10) unmeasured rounds, ``PANHUB_BENCH_REPEATS``
(100) rounds of the requests below, one of each per round (so the machine's noise falls
on all of them alike); a request's time runs from sending it to the last byte of its
answer. Each figure is p50, p95 and max in milliseconds. The shapes are the portal's
(tests/catalogue/panosc/test_portal.py), on ``GET panosc/Documents?filter=`` with
``"limit": 50`` and the include of its results list, ``INCLUDE``: members with their
person and affiliation, datasets with their techniques, instrument and parameters:

* ``query_common``: ``{"query": "<two words>", "include": INCLUDE, "limit": 50}``, two
  random words of ``generate.WORDS`` (the portal's free-text search); the target;
* ``query_rare``: one word of ``WORDS`` and one that matches nothing, so that no
  document has every word and the answer is the scored ranking of partial matches;
* ``text_where``: ``{"where": {"text": "<word>"}, "include": INCLUDE, "limit": 50}``;
* ``technique``: the portal's technique filter, a ``where`` on the name of a dataset's
  technique (a name of ``generate.TECHNIQUES``), beside the members include;
* ``no_filter``: ``{"include": INCLUDE, "limit": 50}``;
* ``count``: ``GET panosc/Documents/count``.

Peers, in the same rounds: the catalogue's own search, the one the Lab panel uses
(``GET api/investigations?text=...&limit=50``, anonymous), with the same two words as
``query_common`` (``peer_two_words``) and the same word as ``text_where``
(``peer_one_word``). ``ratios`` are PaNOSC time over peer time (p50 and p95).

Then, in this process on the same file, where the time of each shape goes:
``in_process`` times :func:`panhub_catalogue.panosc.search.search` itself (SQL and
rendering, no HTTP; a session per call, as the service), the part of it spent in the
driver's ``execute`` (``search_in_sql``) and the rest (``search_in_python``: building the
statements, loading rows into objects, the JSON dicts), and ``json.dumps`` of its answer
(``PANHUB_BENCH_IN_PROCESS_REPEATS``, 30, calls each, the same requests as over HTTP);
and it lists the SQL statements of the shape's first request, each replayed
alone on a read-only ``sqlite3`` connection (all rows fetched; median of 5), with SQLite's
``EXPLAIN QUERY PLAN`` of those over 5 ms.

Results go to ``tests/benchmarks/results/panosc.json`` (``PANHUB_BENCH_OUTPUT`` names
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
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "extensions" / "catalogue")]

from panhub_catalogue.clock import to_naive_utc  # noqa: E402
from panhub_catalogue.db import open_catalogue  # noqa: E402
from panhub_catalogue.generate import TECHNIQUES, WORDS  # noqa: E402
from panhub_catalogue.panosc.scoring import MAX_SCORE, UNRANKED  # noqa: E402
from panhub_catalogue.panosc.search import Call, search  # noqa: E402
from sqlalchemy import event  # noqa: E402

from tests.support.bench_cache import catalogue_file  # noqa: E402
from tests.support.catalogue_server import running_catalogue  # noqa: E402
from tests.support.timings import stats  # noqa: E402

SCALE = float(os.environ.get("PANHUB_BENCH_SCALE", "0.1"))
N = max(100, round(100_000 * SCALE))
REPEATS = int(os.environ.get("PANHUB_BENCH_REPEATS", "100"))
WARMUP = int(os.environ.get("PANHUB_BENCH_WARMUP", "10"))
IN_PROCESS_REPEATS = int(os.environ.get("PANHUB_BENCH_IN_PROCESS_REPEATS", "30"))
PORT = int(os.environ.get("PANHUB_BENCH_PANOSC_PORT", "8740"))
TIMEOUT_S = 60.0
RESULTS = (
    ROOT / "tests" / "benchmarks" / "results" / os.environ.get("PANHUB_BENCH_OUTPUT", "panosc.json")
)
TARGETS = {"query_common_p95_ms": 50}
BASE = "/services/catalogue/"
LIMIT = 50
SEED = 14
#: Words in no generated catalogue (nor a prefix of anything in one).
NONWORDS = ("quokka", "xylophone", "zymurgy", "kumquat", "fjord")
#: Statements replayed slower than this get their query plan in the results.
PLAN_OVER_MS = 5.0

MEMBERS = {
    "relation": "members",
    "scope": {"include": [{"relation": "person"}, {"relation": "affiliation"}]},
}
INCLUDE = [
    MEMBERS,
    {
        "relation": "datasets",
        "scope": {
            "include": [
                {"relation": "techniques"},
                {"relation": "instrument"},
                {"relation": "parameters"},
            ]
        },
    },
]
SHAPES = ("query_common", "query_rare", "text_where", "technique", "no_filter", "count")
PEERS = ("peer_two_words", "peer_one_word")


# ---------------------------------------------------------------- the requests


def technique_filter(name: str) -> dict[str, Any]:
    """The portal's technique filter, beside the members include of its results list."""
    techniques = {"relation": "techniques", "scope": {"where": {"name": name}}}
    return {
        "include": [MEMBERS, {"relation": "datasets", "scope": {"include": [techniques]}}],
        "limit": LIMIT,
    }


def documents(spec: dict[str, Any]) -> str:
    """``panosc/Documents?filter=`` (compact JSON, URL-encoded)."""
    text = json.dumps(spec, separators=(",", ":"))
    return f"{BASE}panosc/Documents?filter={urllib.parse.quote(text)}"


def investigations(text: str) -> str:
    """The catalogue's own search, as the Lab panel asks it."""
    return f"{BASE}api/investigations?{urllib.parse.urlencode({'text': text, 'limit': LIMIT})}"


Round = dict[str, tuple[str, dict[str, Any] | None]]


def make_rounds(count: int, seed: int) -> list[Round]:
    """Each round: name -> (path, the PaNOSC filter or ``None``), new words each round."""
    rng = random.Random(seed)
    rounds = []
    for n in range(count):
        two = " ".join(rng.sample(WORDS, 2))
        one = rng.choice(WORDS)
        rare = f"{rng.choice(WORDS)} {rng.choice(NONWORDS)}"
        specs: dict[str, dict[str, Any]] = {
            "query_common": {"query": two, "include": INCLUDE, "limit": LIMIT},
            "query_rare": {"query": rare, "include": INCLUDE, "limit": LIMIT},
            "text_where": {"where": {"text": one}, "include": INCLUDE, "limit": LIMIT},
            "technique": technique_filter(TECHNIQUES[n % len(TECHNIQUES)][0]),
            "no_filter": {"include": INCLUDE, "limit": LIMIT},
        }
        found: Round = {name: (documents(spec), spec) for name, spec in specs.items()}
        found["count"] = (f"{BASE}panosc/Documents/count", None)
        found["peer_two_words"] = (investigations(two), None)
        found["peer_one_word"] = (investigations(one), None)
        rounds.append(found)
    return rounds


class Client:
    """One keep-alive HTTP/1.1 connection to the catalogue, a timeout on every call."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
        self.sockets: set[int] = set()

    def get(self, path: str) -> tuple[float, Any]:
        """Seconds from sending the request to the last byte of a 200 answer; its JSON."""
        start = time.perf_counter()
        try:
            self.connection.request("GET", path, headers={"Accept": "application/json"})
            answer = self.connection.getresponse()
            body = answer.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            raise
        elapsed = time.perf_counter() - start
        self.sockets.add(id(self.connection.sock))
        if answer.status != 200:
            raise RuntimeError(f"{path}: {answer.status} {body[:300]!r}")
        return elapsed, json.loads(body)

    def close(self) -> None:
        self.connection.close()


def check(name: str, body: Any) -> dict[str, Any]:
    """What an answer says (hits, scores), after checking it has the API's shape."""
    if name == "count":
        assert isinstance(body, dict) and isinstance(body.get("count"), int), body
        return {"count": body["count"]}
    if name.startswith("peer"):
        return {"total": body["total"], "items": len(body["items"])}
    assert isinstance(body, list) and len(body) <= LIMIT, (name, type(body))
    scores = [item["score"] for item in body]
    assert all(0 < s < 1 for s in scores), (name, scores[:5])
    if not name.startswith("query"):
        assert all(s == UNRANKED for s in scores), (name, scores[:5])
    assert all("members" in item and "datasets" in item for item in body), name
    return {
        "items": len(body),
        "all_top_score": bool(scores) and all(s == MAX_SCORE for s in scores),
        "members": sum(len(item["members"]) for item in body),
        "datasets": sum(len(item["datasets"]) for item in body),
    }


def measure(port: int) -> dict[str, Any]:
    """Every shape and peer over HTTP, round by round; their figures and answers."""
    rounds = make_rounds(WARMUP + REPEATS, SEED)
    client = Client(port)
    samples: dict[str, list[float]] = {name: [] for name in (*SHAPES, *PEERS)}
    seen: dict[str, list[dict[str, Any]]] = {name: [] for name in samples}
    try:
        for n, one_round in enumerate(rounds):
            for name, (path, _spec) in one_round.items():
                seconds, body = client.get(path)
                if n >= WARMUP:
                    samples[name].append(seconds)
                    seen[name].append(check(name, body))
    finally:
        client.close()
    figures: dict[str, Any] = {}
    for name, times in samples.items():
        figures[name] = stats(times)
        answers = seen[name]
        if name == "count":
            figures[name]["count"] = answers[0]["count"]
            continue
        key = "total" if name.startswith("peer") else "items"
        figures[name][f"median_{key}"] = statistics.median(a[key] for a in answers)
        figures[name][f"min_{key}"] = min(a[key] for a in answers)
        if name.startswith("query"):
            # every result scored 0.999: for query_common, the page filled by documents
            # with every word (the engine's shortcut, no word counted); for query_rare it
            # comes from the scored path, since a word no document has weighs nothing
            figures[name]["share_all_top_score"] = round(
                sum(a["all_top_score"] for a in answers) / len(answers), 3
            )
    figures["connections"] = len(client.sockets)
    return {"figures": figures, "rounds": rounds[WARMUP:]}


# ---------------------------------------------------------------- in process


@contextmanager
def recording(engine: Any) -> Iterator[list[tuple[str, Any]]]:
    """The statements (SQL, parameters) ``engine`` runs inside the block."""
    statements: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        statements.append((sql, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@contextmanager
def timing_sql(engine: Any) -> Iterator[list[float]]:
    """Seconds spent in the driver's ``execute`` inside the block (one running total)."""
    total = [0.0]
    started: list[float] = []

    def before(*_: Any) -> None:
        started.append(time.perf_counter())

    def after(*_: Any) -> None:
        total[0] += time.perf_counter() - started.pop()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield total
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def replay(db: Path, statements: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Each statement alone on a read-only connection: rows, median ms of 5, plan if slow."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    out = []
    try:
        for sql, parameters in statements:
            times, rows = [], 0
            for _ in range(6):
                start = time.perf_counter()
                rows = len(connection.execute(sql, parameters).fetchall())
                times.append(time.perf_counter() - start)
            ms = statistics.median(times[1:]) * 1000
            item: dict[str, Any] = {"ms": round(ms, 2), "rows": rows, "sql": " ".join(sql.split())}
            if ms > PLAN_OVER_MS:
                plan = connection.execute(f"EXPLAIN QUERY PLAN {sql}", parameters).fetchall()
                item["plan"] = [f"{'  ' * depth(plan, row)}{row[3]}" for row in plan]
            out.append(item)
    finally:
        connection.close()
    return out


def depth(plan: list[Any], row: Any) -> int:
    """A plan row's depth (rows are ``id, parent, notused, detail``)."""
    parents = {r[0]: r[1] for r in plan}
    level, parent = 0, row[1]
    while parent:
        level, parent = level + 1, parents.get(parent, 0)
    return level


def call_of(path: str) -> Call:
    """The :class:`Call` the service makes of a PaNOSC request path."""
    split = urllib.parse.urlsplit(path)
    rest = split.path.removeprefix(f"{BASE}panosc/Documents").strip("/")
    query = urllib.parse.parse_qs(split.query)
    return Call(
        "Documents",
        count=rest == "count",
        filter=query["filter"][0] if "filter" in query else None,
    )


def in_process(db: Path, rounds: list[Round]) -> dict[str, Any]:
    """search() and json.dumps, per shape, in this process; the first request's SQL."""
    sessions = open_catalogue(f"sqlite:///{db}")
    engine = sessions.kw["bind"]
    result: dict[str, Any] = {}
    now = to_naive_utc(datetime.now(UTC))

    def one(call: Call) -> Any:
        with sessions() as session:  # a session per request, as the service's
            return search(session, call, now)

    try:
        for name in SHAPES:
            calls = [call_of(r[name][0]) for r in rounds[:IN_PROCESS_REPEATS]]
            for call in calls[:3]:  # warm
                one(call)
            engine_s, sql_s, python_s, json_s = [], [], [], []
            for call in calls:
                with timing_sql(engine) as in_sql:
                    start = time.perf_counter()
                    answer = one(call)
                    middle = time.perf_counter()
                json.dumps(answer)
                engine_s.append(middle - start)
                sql_s.append(in_sql[0])
                python_s.append(middle - start - in_sql[0])
                json_s.append(time.perf_counter() - middle)
            with recording(engine) as statements:
                one(calls[0])
            replayed = replay(db, statements)
            result[name] = {
                "search": stats(engine_s),
                "search_in_sql": stats(sql_s),
                "search_in_python": stats(python_s),
                "json_dumps": stats(json_s),
                "first_request": {
                    "filter": rounds[0][name][1],
                    "statements": len(replayed),
                    "sql_ms": round(sum(s["ms"] for s in replayed), 2),
                    "sql": replayed,
                },
            }
    finally:
        engine.dispose()
    return result


# ---------------------------------------------------------------- the run


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b > 0 else float("nan")


def main() -> None:
    report: dict[str, Any] = {
        "scale": SCALE,
        "investigations": N,
        "repeats": REPEATS,
        "warmup": WARMUP,
        "targets": TARGETS,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
        },
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        # other work on the machine makes every figure noisier (2 cores: check this)
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "include": INCLUDE,
    }
    start = time.perf_counter()
    db = catalogue_file(N)
    with tempfile.TemporaryDirectory(prefix="bench-panosc-") as tmp:
        log = Path(tmp) / "catalogue.log"
        with running_catalogue(f"sqlite:///{db}", PORT, [], log):
            measured = measure(PORT)
    figures = measured["figures"]
    report["http"] = {name: figures[name] for name in SHAPES}
    report["peers"] = {name: figures[name] for name in PEERS}
    report["connections"] = figures["connections"]
    report["ratios"] = {
        f"{shape}_over_{peer}_{p}": ratio(figures[shape][f"{p}_ms"], figures[peer][f"{p}_ms"])
        for shape, peer in (("query_common", "peer_two_words"), ("text_where", "peer_one_word"))
        for p in ("p50", "p95")
    }
    report["query_common_p95_ms"] = figures["query_common"]["p95_ms"]
    report["meets_targets"] = {name: report[name] <= target for name, target in TARGETS.items()}
    print_summary(report)
    report["in_process"] = in_process(db, measured["rounds"])
    report["seconds"] = round(time.perf_counter() - start, 1)
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print_in_process(report)
    print(f"wrote {RESULTS}")


def line(name: str, f: dict[str, Any]) -> str:
    return f"  {name}: p50 {f['p50_ms']:.1f} ms, p95 {f['p95_ms']:.1f} ms, max {f['max_ms']:.1f} ms"


def print_summary(report: dict[str, Any]) -> None:
    print(f"scale {report['scale']}: {report['investigations']:,} investigations, "
          f"{report['repeats']} requests each over {report['connections']} connection(s)")  # fmt: skip
    for name in SHAPES:
        text = line(name, report["http"][name])
        if f"{name}_p95_ms" in report["targets"]:
            verdict = "ok" if report["meets_targets"][f"{name}_p95_ms"] else "OVER"
            text += f" (target p95 <= {report['targets'][f'{name}_p95_ms']} ms, {verdict})"
        print(text)
    for name in PEERS:
        print(line(name, report["peers"][name]))
    print(f"  ratios: {json.dumps(report['ratios'])}")


def print_in_process(report: dict[str, Any]) -> None:
    print("in process (search() and json.dumps; SQL of the first request replayed):")
    for name, found in report["in_process"].items():
        first = found["first_request"]
        slowest = max(first["sql"], key=lambda s: s["ms"], default={"ms": 0})
        print(f"  {name}: search p50 {found['search']['p50_ms']:.1f} ms, "
              f"p95 {found['search']['p95_ms']:.1f} ms (p50 in SQL "
              f"{found['search_in_sql']['p50_ms']:.1f} ms, in Python "
              f"{found['search_in_python']['p50_ms']:.1f} ms); json {found['json_dumps']['p50_ms']:.1f}"
              f" ms; {first['statements']} statements, {first['sql_ms']:.1f} ms, the slowest "
              f"{slowest['ms']:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
