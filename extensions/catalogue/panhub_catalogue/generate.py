"""A deterministic synthetic catalogue (for benchmarks and load tests).

``scale=1.0`` is 100,000 investigations, 1,000,000 datasets and 10,000,000 datafiles;
every row follows from ``seed``. Rows go in by table, in chunks, through the driver
(``executemany`` on SQLite, ``COPY`` on PostgreSQL), so the full scale fits in minutes.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from panhub_catalogue.model import make_search_text
from panhub_catalogue.store import add_years

BEAMLINES = [f"BL{n:02d}" for n in range(1, 13)]
TECHNIQUES = [
    ("x-ray absorption spectroscopy", "http://purl.org/pan-science/PaNET/PaNET01196"),
    ("small angle scattering", "http://purl.org/pan-science/PaNET/PaNET01124"),
    ("x-ray tomography", "http://purl.org/pan-science/PaNET/PaNET01207"),
    ("macromolecular crystallography", "http://purl.org/pan-science/PaNET/PaNET01164"),
    ("x-ray fluorescence", "http://purl.org/pan-science/PaNET/PaNET01177"),
    ("angle resolved photoemission spectroscopy", "http://purl.org/pan-science/PaNET/PaNET01089"),
]
WORDS = (
    "lysozyme",
    "protein",
    "crystal",
    "battery",
    "cathode",
    "anode",
    "operando",
    "catalyst",
    "zeolite",
    "perovskite",
    "thin",
    "film",
    "magnetic",
    "domain",
    "polymer",
    "gel",
    "bone",
    "tissue",
    "nanoparticle",
    "silica",
    "gold",
    "alloy",
    "steel",
    "corrosion",
    "strain",
    "phase",
    "transition",
    "pressure",
    "temperature",
    "ultrafast",
    "dynamics",
    "spin",
    "orbit",
    "graphene",
    "oxide",
    "membrane",
    "enzyme",
    "ligand",
    "soil",
    "mineral",
    "archaeology",
    "pigment",
    "concrete",
)
EPOCH = datetime(2015, 1, 1)
CHUNK = 50_000


@dataclass(frozen=True)
class Sizes:
    """Row counts for a scale."""

    investigations: int
    datasets_per_investigation: int = 10
    files_per_dataset: int = 10

    @classmethod
    def at(cls, scale: float) -> Sizes:
        """``scale=1`` is 100,000 investigations (1 M datasets, 10 M files)."""
        return cls(max(1, round(100_000 * scale)))


def _rng(seed: int) -> random.Random:
    # reproducible test data, not secrets
    return random.Random(seed)  # noqa: S311


def _rows(sizes: Sizes, seed: int) -> dict[str, Iterator[tuple[Any, ...]]]:
    rng = _rng(seed)
    n_users = max(20, sizes.investigations // 5)
    starts = [
        EPOCH + timedelta(minutes=rng.randrange(12 * 365 * 24 * 60))
        for _ in range(sizes.investigations)
    ]

    # each dataset's files are 1 MB each (see datafiles()), so totals are known up front
    files = sizes.datasets_per_investigation * sizes.files_per_dataset
    size = files * 1_000_000

    def investigations() -> Iterator[tuple[Any, ...]]:
        r = _rng(seed + 1)
        for i, start in enumerate(starts, 1):
            name = f"{start.year}{i:07d}"
            title = " ".join(r.choices(WORDS, k=r.randint(4, 7)))
            summary = " ".join(r.choices(WORDS, k=20))
            doi = f"10.5072/panhub.{i}" if r.random() < 0.3 else None
            release = None if r.random() < 0.05 else add_years(start, 3)
            end = start + timedelta(days=r.randint(1, 5))
            search = make_search_text(name, "", title, summary, doi)
            yield (i, 1, name, "", title, summary, start, end, release, doi, size, files, search)

    def users() -> Iterator[tuple[Any, ...]]:
        for u in range(1, n_users + 1):
            yield (u, f"user{u:06d}", f"User {u:06d}")

    def members() -> Iterator[tuple[Any, ...]]:
        r = _rng(seed + 2)
        row = 0
        for i in range(1, sizes.investigations + 1):
            for k, u in enumerate(r.sample(range(1, n_users + 1), r.randint(1, 4))):
                row += 1
                yield (row, u, i, "PI" if k == 0 else "member")

    beamline_of = [rng.randrange(len(BEAMLINES)) for _ in range(sizes.investigations)]

    def investigation_instruments() -> Iterator[tuple[Any, ...]]:
        for i, b in enumerate(beamline_of, 1):
            yield (i, i, b + 1)

    def investigation_techniques() -> Iterator[tuple[Any, ...]]:
        for i, b in enumerate(beamline_of, 1):
            yield (i, i, b % len(TECHNIQUES) + 1)

    def datasets() -> Iterator[tuple[Any, ...]]:
        per = sizes.datasets_per_investigation
        for i, start in enumerate(starts, 1):
            for d in range(per):
                dataset_id = (i - 1) * per + d + 1
                begin = start + timedelta(hours=d)
                yield (
                    dataset_id,
                    i,
                    f"raw/scan{d:04d}",
                    "raw",
                    begin,
                    begin + timedelta(minutes=30),
                    sizes.files_per_dataset * 1_000_000,
                    sizes.files_per_dataset,
                    f"/data/{start.year}{i:07d}/raw/scan{d:04d}",
                    True,
                )

    def dataset_techniques() -> Iterator[tuple[Any, ...]]:
        per = sizes.datasets_per_investigation
        for i, b in enumerate(beamline_of, 1):
            for d in range(per):
                dataset_id = (i - 1) * per + d + 1
                yield (dataset_id, dataset_id, b % len(TECHNIQUES) + 1)

    def datafiles() -> Iterator[tuple[Any, ...]]:
        per_d, per_f = sizes.datasets_per_investigation, sizes.files_per_dataset
        for i, start in enumerate(starts, 1):
            for d in range(per_d):
                dataset_id = (i - 1) * per_d + d + 1
                for f in range(per_f):
                    file_id = (dataset_id - 1) * per_f + f + 1
                    name = f"frame{f:05d}.h5"
                    yield (
                        file_id,
                        dataset_id,
                        name,
                        f"/data/{start.year}{i:07d}/raw/scan{d:04d}/{name}",
                        1_000_000,
                    )

    def staff() -> Iterator[tuple[Any, ...]]:
        for b in range(len(BEAMLINES)):
            for k in range(2):
                row = b * 2 + k + 1
                yield (row, (b * 2 + k) % n_users + 1, b + 1)

    return {
        "facility (id, name, days_until_release)": iter([(1, "PANHUB", 1096)]),
        "instrument (id, facility_id, name)": iter((n + 1, 1, b) for n, b in enumerate(BEAMLINES)),
        "technique (id, name, pid)": iter((n + 1, t, p) for n, (t, p) in enumerate(TECHNIQUES)),
        '"user" (id, name, full_name)': users(),
        "investigation (id, facility_id, name, visit_id, title, summary, start_date, end_date, "
        "release_date, doi, file_size, file_count, search_text)": investigations(),
        "investigation_user (id, user_id, investigation_id, role)": members(),
        "investigation_instrument (id, investigation_id, instrument_id)": (
            investigation_instruments()
        ),
        "investigation_technique (id, investigation_id, technique_id)": investigation_techniques(),
        "instrument_scientist (id, user_id, instrument_id)": staff(),
        "dataset (id, investigation_id, name, type, start_date, end_date, file_size, file_count, "
        "location, complete)": datasets(),
        "dataset_technique (id, dataset_id, technique_id)": dataset_techniques(),
        "datafile (id, dataset_id, name, location, file_size)": datafiles(),
    }


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _copy(cursor: Any, target: str, chunk: list[tuple[Any, ...]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in chunk:
        writer.writerow(["\\N" if v is None else v for v in row])
    buffer.seek(0)
    copy = f"COPY {target} FROM STDIN WITH (FORMAT csv, NULL '\\N')"  # targets are constants
    cursor.copy_expert(copy, buffer)


def generate(
    engine: Engine, scale: float, seed: int = 20240501, sizes: Sizes | None = None
) -> Sizes:
    """Fill an empty, migrated catalogue with the synthetic rows for ``scale``.

    ``sizes``, if given, replaces the scale's row counts (the Lab panel's benchmark needs
    100,000 investigations, not their 10 M files). Investigation ``fileSize``/``fileCount``
    are written with the rows (every dataset has the same files), so no row is written
    twice.
    """
    sizes = sizes or Sizes.at(scale)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for target, rows in _rows(sizes, seed).items():
            width = target.count(",") + 1
            for chunk in _chunks(rows):
                if engine.dialect.name == "postgresql":
                    _copy(cursor, target, chunk)
                else:
                    marks = ", ".join("?" * width)
                    insert = f"INSERT INTO {target} VALUES ({marks})"  # noqa: S608 (constants)
                    cursor.executemany(insert, chunk)
            raw.commit()
        cursor.close()
    finally:
        raw.close()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            for target in _rows(Sizes(1), seed):
                table = target.split(" ", 1)[0]
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                reset = f"SELECT setval({sequence}, (SELECT MAX(id) FROM {table}))"  # noqa: S608
                connection.execute(text(reset))
    # what autovacuum does to a settled database: statistics, and on PostgreSQL the
    # visibility map that index-only scans rely on
    command = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(command))
    return sizes
