"""OAI-PMH: a full harvest of a big catalogue, as B2FIND harvests it; landing pages.

Run from the repository root::

    PANHUB_BENCH_SCALE=1 /opt/panhub/venv/bin/python tests/benchmarks/bench_oai.py

``PANHUB_BENCH_SCALE=1`` (the default) is 100,000 investigations, issue 18's target:
a full harvest at 2,000 records/s or more, and a landing page in 100 ms or less. The
catalogue (one dataset and one file per investigation) is the one ``bench_panel.py``
and ``bench_panosc.py`` use (``tests/support/bench_cache.py``), copied to a folder of
this run: the service migrates the copy, and this benchmark makes every investigation
public (its release date becomes its start date) and gives every one a DOI (as each
session gets one at the end of its experiment), so that all of them are harvested in
both formats. The real catalogue application serves it (``tests/support/
catalogue_server.py``, port 8741 or ``PANHUB_BENCH_OAI_PORT``), with the OAI-PMH
settings' defaults (500 records a page).

Harvests, each timed from its first request to its last record:

* ``sickle_oai_dc`` and ``sickle_oai_datacite``: Sickle 0.7.0, B2FIND's client, with
  B2FIND's call (``ListRecords(metadataPrefix=..., set=None, ignore_deleted=True,
  from=None)``): every record parsed, as a harvester does; the target's figure;
* ``raw_oai_dc`` and ``raw_oai_datacite``: the first ``RAW_PAGES`` (40) pages of the
  same lists over one keep-alive connection (``http.client``), the body read but not
  parsed (the token found by a regular expression): what the service itself delivers;
  with p50/p95 of a page;
* ``raw_identifiers``: ListIdentifiers (headers only).

Landing pages: ``PANHUB_BENCH_LANDINGS`` (200) random investigations after
``PANHUB_BENCH_WARMUP`` (10) unmeasured ones, over one keep-alive connection, as HTML
(``landing_html``, the target), and through content negotiation as schema.org JSON-LD
(``landing_jsonld``) and BibTeX (``landing_bibtex``); a request's time runs from sending
it to the last byte of its answer (the server's time, on loopback).

Results go to ``tests/benchmarks/results/oai.json`` (``PANHUB_BENCH_OUTPUT`` names
another file there), with the targets beside the figures and the machine's load
average (2 shared cores: other work slows every figure). Benchmarks report; they do not
assert.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "extensions" / "catalogue")]

from panhub_catalogue.db import make_engine, migrate  # noqa: E402
from sickle import Sickle  # noqa: E402
from sqlalchemy import text  # noqa: E402

from tests.support.bench_cache import catalogue_file  # noqa: E402
from tests.support.catalogue_server import running_catalogue  # noqa: E402
from tests.support.timings import stats  # noqa: E402

SCALE = float(os.environ.get("PANHUB_BENCH_SCALE", "1"))
N = max(100, round(100_000 * SCALE))
LANDINGS = int(os.environ.get("PANHUB_BENCH_LANDINGS", "200"))
WARMUP = int(os.environ.get("PANHUB_BENCH_WARMUP", "10"))
PORT = int(os.environ.get("PANHUB_BENCH_OAI_PORT", "8741"))
TIMEOUT_S = 120.0
RAW_PAGES = 40
"""Pages of each raw list timed (of 200): a full harvest is Sickle's figure."""
RESULTS = (
    ROOT / "tests" / "benchmarks" / "results" / os.environ.get("PANHUB_BENCH_OUTPUT", "oai.json")
)
TARGETS = {"harvest_records_per_s_min": 2000, "landing_p95_ms_max": 100}
BASE = "/services/catalogue/"
TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")


def prepare(db: Path) -> dict[str, int]:
    """Migrate the copy; make every investigation public and give each a DOI."""
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    with engine.begin() as connection:
        # released at the start of the experiment (at the latest a year before the
        # run: the generator's starts reach into the coming weeks)
        connection.execute(
            text(
                "UPDATE investigation SET release_date = CASE WHEN start_date < :latest "
                "THEN start_date ELSE :latest END, "
                "doi = coalesce(doi, '10.5072/PANHUB-ES-' || name)"
            ),
            {"latest": datetime.now(UTC).replace(tzinfo=None) - timedelta(days=365)},
        )
        counts = connection.execute(
            text("SELECT count(*), count(doi) FROM investigation WHERE release_date IS NOT NULL")
        ).one()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return {"public": int(counts[0]), "with_doi": int(counts[1])}


def find_server(port: int) -> int:
    """The pid of the catalogue serving ``port`` (its command line names the port)."""
    wanted = b"tests.support.catalogue_server\0--db"
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if wanted in argv and f"--port\0{port}\0".encode() in argv:
                return int(entry.name)
    raise RuntimeError(f"no catalogue process serves port {port}")


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def harvest_with_sickle(url: str, prefix: str, server: int) -> dict[str, Any]:
    """B2FIND's harvest: every record, parsed by Sickle; the CPU time of both sides."""
    sickle = Sickle(url, max_retries=3, timeout=TIMEOUT_S)
    start, server_cpu, client_cpu = time.perf_counter(), cpu_seconds(server), time.process_time()
    records = sickle.ListRecords(
        **{"metadataPrefix": prefix, "set": None, "ignore_deleted": True, "from": None}
    )
    count = sum(1 for _ in records)
    seconds = time.perf_counter() - start
    server_cpu = cpu_seconds(server) - server_cpu
    client_cpu = time.process_time() - client_cpu
    return {
        "records": count,
        "complete_list_size": int(records.resumption_token.complete_list_size),
        "seconds": round(seconds, 2),
        "records_per_s": round(count / seconds, 1),
        "server_cpu_ms_per_record": round(server_cpu * 1000 / count, 3),
        "client_cpu_ms_per_record": round(client_cpu * 1000 / count, 3),
        # what a machine with a core for each side would give (no other work)
        "records_per_s_with_a_core_each": round(count / max(server_cpu, client_cpu), 1),
    }


def harvest_raw(port: int, verb: str, prefix: str, max_pages: int = 0) -> dict[str, Any]:
    """The same list, bodies read but not parsed: the service's own throughput (the
    first `max_pages` pages only, when given)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
    element = b"<record>" if verb == "ListRecords" else b"<header>"
    query = f"verb={verb}&metadataPrefix={prefix}"
    pages, count, size = [], 0, 0
    start = time.perf_counter()
    try:
        while True:
            began = time.perf_counter()
            connection.request("GET", f"{BASE}oai?{query}")
            answer = connection.getresponse()
            body = answer.read()
            pages.append(time.perf_counter() - began)
            if answer.status != 200:
                raise RuntimeError(f"{query}: {answer.status} {body[:300]!r}")
            count += body.count(element)
            size += len(body)
            token = TOKEN.search(body)
            if token is None or len(pages) == max_pages:
                break
            query = f"verb={verb}&resumptionToken={token.group(1).decode()}"
    finally:
        connection.close()
    seconds = time.perf_counter() - start
    return {
        "items": count,
        "pages": len(pages),
        "megabytes": round(size / 2**20, 1),
        "seconds": round(seconds, 2),
        "items_per_s": round(count / seconds, 1),
        "page": stats(pages),
    }


def time_landings(port: int, ids: list[int], accept: str) -> dict[str, Any]:
    """Seconds per landing page (one keep-alive connection), send to last byte."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
    samples = []
    try:
        for n, investigation_id in enumerate(ids):
            start = time.perf_counter()
            connection.request(
                "GET",
                f"{BASE}landing/investigations/{investigation_id}",
                headers={"Accept": accept},
            )
            answer = connection.getresponse()
            body = answer.read()
            if answer.status != 200:
                raise RuntimeError(f"{investigation_id}: {answer.status} {body[:300]!r}")
            if n >= WARMUP:
                samples.append(time.perf_counter() - start)
    finally:
        connection.close()
    return stats(samples)


def main() -> None:
    report: dict[str, Any] = {
        "scale": SCALE,
        "investigations": N,
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
    }
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-oai-") as tmp:
        db = Path(tmp) / "catalogue.sqlite"
        shutil.copy(catalogue_file(N), db)  # the shared copy stays at its own schema
        report["catalogue"] = prepare(db)
        url = f"http://127.0.0.1:{PORT}{BASE}oai"
        with running_catalogue(f"sqlite:///{db}", PORT, [], Path(tmp) / "catalogue.log"):
            server = find_server(PORT)
            harvests = {
                "sickle_oai_dc": harvest_with_sickle(url, "oai_dc", server),
                "sickle_oai_datacite": harvest_with_sickle(url, "oai_datacite", server),
                # pages as the service delivers them: 40 of the 200 are enough
                "raw_oai_dc": harvest_raw(PORT, "ListRecords", "oai_dc", RAW_PAGES),
                "raw_oai_datacite": harvest_raw(PORT, "ListRecords", "oai_datacite", RAW_PAGES),
                "raw_identifiers": harvest_raw(PORT, "ListIdentifiers", "oai_dc"),
            }
            ids = random.Random(18).sample(range(1, N + 1), min(N, LANDINGS + WARMUP))
            landings = {
                "landing_html": time_landings(PORT, ids, "text/html"),
                "landing_jsonld": time_landings(PORT, ids, "application/ld+json"),
                "landing_bibtex": time_landings(PORT, ids, "application/x-bibtex"),
            }
    report["harvests"] = harvests
    report["landings"] = landings
    slowest = min(h["records_per_s"] for k, h in harvests.items() if k.startswith("sickle"))
    report["harvest_records_per_s_min"] = slowest
    report["landing_p95_ms_max"] = landings["landing_html"]["p95_ms"]
    report["meets_targets"] = {
        "harvest_records_per_s_min": slowest >= TARGETS["harvest_records_per_s_min"],
        "landing_p95_ms_max": report["landing_p95_ms_max"] <= TARGETS["landing_p95_ms_max"],
    }
    report["seconds"] = round(time.perf_counter() - start, 1)
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: report[k] for k in ("harvests", "landings", "meets_targets")}, indent=1))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
