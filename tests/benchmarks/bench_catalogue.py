"""Catalogue benchmark: searches, facets, one investigation's page, indexer, memory.

Memory: ``search_peak_python_memory_mb`` is the tracemalloc peak of one text-search
request (query and page summary), the largest over the text searches with the most hits
(typical ones, and one word alone as an admin, whose hits grow with the catalogue:
``search_peak_hits``), measured at the scale and at a tenth of it. Their ratio,
``search_memory.growth``, must stay near 1 (target ``search_memory_growth_max``): a
request holds one page, however many investigations match.

Run from the repository root::

    PANHUB_BENCH_SCALE=0.01 /opt/panhub/venv/bin/python tests/benchmarks/bench_catalogue.py

``PANHUB_BENCH_SCALE=1`` is 100,000 investigations, 1,000,000 datasets and 10,000,000
datafiles (about 10 minutes and 6 GB of disk per backend on 2 cores); the default 0.01
takes well under a minute. The same generated catalogue and the same queries run on
SQLite and on PostgreSQL (the peer, started by tests/support/postgres.py) in one run.
Results go to tests/benchmarks/results/catalogue.json (``PANHUB_BENCH_OUTPUT`` names
another file there). Benchmarks report; they do not assert.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "extensions" / "catalogue")]

from panhub_catalogue.db import make_engine, make_sessionmaker, migrate  # noqa: E402
from panhub_catalogue.demo import ScanSpec, write_scan  # noqa: E402
from panhub_catalogue.generate import BEAMLINES, WORDS, Sizes, generate  # noqa: E402
from panhub_catalogue.identity import ANONYMOUS, Identity  # noqa: E402
from panhub_catalogue.ingest.indexer import Indexer  # noqa: E402
from panhub_catalogue.model import Investigation  # noqa: E402
from panhub_catalogue.records import describe_investigation, summarize_investigations  # noqa: E402
from panhub_catalogue.search import Search, count_facets, search_investigations  # noqa: E402
from panhub_catalogue.visibility import get_investigation  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from tests.support.postgres import drop_database, ensure_postgres, make_database  # noqa: E402
from tests.support.timings import stats  # noqa: E402

SCALE = float(os.environ.get("PANHUB_BENCH_SCALE", "0.01"))
SEARCHES = int(os.environ.get("PANHUB_BENCH_SEARCHES", "200"))
INDEX_FILES = int(os.environ.get("PANHUB_BENCH_INDEX_FILES", "1000"))
NOW = time.gmtime()
TARGETS = {
    "search_p95_ms": 50,
    "facets_p95_ms": 200,
    "page_p95_ms": 20,
    "indexer_files_per_s": 200,
    # per-request Python memory of a text search at 10x the catalogue, over that at 1x
    "search_memory_growth_max": 1.5,
}
RESULTS = (
    ROOT
    / "tests"
    / "benchmarks"
    / "results"
    / os.environ.get("PANHUB_BENCH_OUTPUT", "catalogue.json")
)


def now() -> Any:
    from datetime import datetime

    return datetime(2026, 6, 1)


def make_identities(sizes: Sizes, rng: random.Random) -> list[Identity]:
    users = max(20, sizes.investigations // 5)
    return [
        ANONYMOUS,
        Identity(f"user{rng.randint(1, users):06d}"),
        Identity(f"user{rng.randint(1, users):06d}", beamlines=frozenset({rng.choice(BEAMLINES)})),
        Identity("admin", admin=True),
    ]


def make_searches(sizes: Sizes, seed: int, count: int) -> list[tuple[Identity, Search]]:
    """Typical searches: text + beamline + 2-year start window + public or mine, page of 50."""
    from datetime import datetime

    rng = random.Random(seed)
    identities = make_identities(sizes, rng)
    cases = []
    for n in range(count):
        identity = identities[n % len(identities)]
        year = rng.randint(2015, 2025)
        mine = identity.username is not None and not identity.admin and rng.random() < 0.5
        search = Search(
            words=(rng.choice(WORDS)[:5],),
            access="all" if mine else "public",
            mine=mine,
            beamlines=(rng.choice(BEAMLINES),),
            date_from=datetime(year, 1, 1),
            date_to=datetime(year + 2, 1, 1),
            limit=50,
            offset=rng.choice((0, 0, 0, 50)),
        )
        cases.append((identity, search))
    return cases


def peak_mb(work: Callable[[], Any]) -> float:
    """Peak Python memory (tracemalloc) allocated while ``work`` runs, in MB."""
    gc.collect()
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def timed(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def bench_queries(sessions: sessionmaker[Session], sizes: Sizes) -> dict[str, Any]:
    """Search, facets and page latencies over the generated catalogue."""
    cases = make_searches(sizes, 7, SEARCHES)
    result: dict[str, Any] = {}
    with sessions() as session:
        for identity, search in cases[:10]:  # warm the caches
            search_investigations(session, identity, search, now())

        def one_search(identity: Identity, search: Search) -> None:
            _total, rows = search_investigations(session, identity, search, now())
            summarize_investigations(session, rows, now())

        result["search"] = stats([timed(lambda c=c: one_search(*c)) for c in cases])
        totals = [search_investigations(session, i, s, now())[0] for i, s in cases[:50]]
        result["search"]["median_total"] = statistics.median(totals)
        facet_cases = cases[: max(20, SEARCHES // 4)]
        result["facets"] = stats(
            [timed(lambda c=c: count_facets(session, c[0], c[1], now())) for c in facet_cases]
        )
        unfiltered = [(i, Search()) for i in make_identities(sizes, random.Random(3))]
        result["facets_unfiltered"] = stats(
            [timed(lambda c=c: count_facets(session, c[0], c[1], now())) for c in unfiltered * 3]
        )
        highest = session.scalar(select(func.max(Investigation.id))) or 1
        rng = random.Random(11)
        admin = Identity("admin", admin=True)

        def one_page(investigation_id: int) -> None:
            found = get_investigation(session, admin, investigation_id, now())
            describe_investigation(session, found, now(), 100)

        ids = [rng.randint(1, highest) for _ in range(SEARCHES)]
        result["page"] = stats([timed(lambda i=i: one_page(i)) for i in ids])
        # the text searches with the most hits (typical ones, and one word alone as an
        # admin, whose hits grow with the catalogue): a request must hold one page only
        admin_all = Identity("admin", admin=True)
        broad = [(admin_all, Search(words=(word[:5],))) for word in WORDS[:3]]
        largest = sorted(
            cases[:50] + broad, key=lambda c: -search_investigations(session, *c, now())[0]
        )
        result["search_peak_hits"] = search_investigations(session, *largest[0], now())[0]
        result["search_peak_python_memory_mb"] = round(
            max(peak_mb(lambda c=c: one_search(*c)) for c in largest[:5]), 3
        )
        gc.collect()
        tracemalloc.start()
        for identity, search in cases[:20]:
            one_search(identity, search)
            count_facets(session, identity, search, now())
        for investigation_id in ids[:20]:
            one_page(investigation_id)
        result["peak_python_memory_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 2)
        tracemalloc.stop()
    return result


def bench_indexer(url: str, folder: Path) -> dict[str, Any]:
    """Index ``INDEX_FILES`` small NeXus files in a fresh catalogue; then re-run (unchanged)."""
    from datetime import datetime

    root = folder / "data"
    for n in range(INDEX_FILES):
        proposal = f"2025{n // 100:06d}"
        spec = ScanSpec(
            title=f"scan {n}",
            start=datetime(2025, 1, 1),
            users=(("Ana Alba", "PI", "ana"),),
            sample=f"s{n % 7}",
        )
        write_scan(root / proposal / "raw" / f"scan{n // 10:04d}" / f"f{n:05d}.nxs", spec)
    engine = make_engine(url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    indexer = Indexer(root=str(root))
    start = time.perf_counter()
    report = indexer.index(sessions, [root])
    first = time.perf_counter() - start
    start = time.perf_counter()
    again = indexer.index(sessions, [root])
    second = time.perf_counter() - start
    engine.dispose()
    return {
        "files": INDEX_FILES,
        "indexed": report.indexed,
        "failed": len(report.failed),
        "files_per_s": round(report.indexed / first, 1),
        "unchanged_rerun_files_per_s": round(again.unchanged / second, 1),
    }


def bench_backend(url: str, folder: Path, scale: float) -> dict[str, Any]:
    engine = make_engine(url)
    migrate(engine)
    start = time.perf_counter()
    sizes = generate(engine, scale)
    built = time.perf_counter() - start
    result = {"generate_s": round(built, 1), **bench_queries(make_sessionmaker(engine), sizes)}
    engine.dispose()
    return result


def main() -> None:
    sizes = Sizes.at(SCALE)
    report: dict[str, Any] = {
        "scale": SCALE,
        "investigations": sizes.investigations,
        "datasets": sizes.investigations * sizes.datasets_per_investigation,
        "datafiles": sizes.investigations
        * sizes.datasets_per_investigation
        * sizes.files_per_dataset,
        "targets": TARGETS,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
        },
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", NOW),
    }
    with tempfile.TemporaryDirectory(prefix="bench-catalogue-") as tmp:
        folder = Path(tmp)
        print(f"scale {SCALE}: {report['datafiles']} datafiles", flush=True)
        report["sqlite"] = bench_backend(f"sqlite:///{folder / 'bench.sqlite'}", folder, SCALE)
        print("sqlite", json.dumps(report["sqlite"]), flush=True)
        small = max(SCALE / 10, 0.001)
        tenth = bench_backend(f"sqlite:///{folder / 'small.sqlite'}", folder, small)
        report["sqlite_at_tenth_scale_peak_python_memory_mb"] = tenth["peak_python_memory_mb"]
        report["search_memory"] = {
            "tenth_scale_mb": tenth["search_peak_python_memory_mb"],
            "scale_mb": report["sqlite"]["search_peak_python_memory_mb"],
            "growth": round(
                report["sqlite"]["search_peak_python_memory_mb"]
                / tenth["search_peak_python_memory_mb"],
                2,
            ),
        }
        (folder / "bench.sqlite").unlink()
        report["indexer_sqlite"] = bench_indexer(f"sqlite:///{folder / 'index.sqlite'}", folder)
        print("indexer", json.dumps(report["indexer_sqlite"]), flush=True)
        ensure_postgres()
        name = "panhub_catalogue_bench"
        try:
            report["postgresql"] = bench_backend(make_database(name), folder, SCALE)
            print("postgresql", json.dumps(report["postgresql"]), flush=True)
        finally:
            drop_database(name)
    sqlite = report["sqlite"]
    report["meets_targets_sqlite"] = {
        "search": sqlite["search"]["p95_ms"] <= TARGETS["search_p95_ms"],
        "facets": sqlite["facets"]["p95_ms"] <= TARGETS["facets_p95_ms"],
        "page": sqlite["page"]["p95_ms"] <= TARGETS["page_p95_ms"],
        "indexer": report["indexer_sqlite"]["files_per_s"] >= TARGETS["indexer_files_per_s"],
        "search_memory": report["search_memory"]["growth"] <= TARGETS["search_memory_growth_max"],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["meets_targets_sqlite"]))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
