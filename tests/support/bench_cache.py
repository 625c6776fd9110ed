"""Generated catalogues the benchmarks share, built once and kept between runs.

``catalogue_file(n)`` is a SQLite catalogue of ``n`` investigations (one dataset and one
file each) in ``/var/tmp/panhub-bench-panel/`` (``PANHUB_BENCH_CACHE`` names another
folder), under its size and a hash of ``generate.py``: a change to the generator builds
a new one, and nothing else does. The folder is the benchmarks' own (0700). The file is
at the schema it was built with; the catalogue application migrates it when it serves
it, as it would any catalogue.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from panhub_catalogue import generate as generate_module
from panhub_catalogue.db import make_engine, migrate
from panhub_catalogue.generate import Sizes, generate

CACHE = Path(os.environ.get("PANHUB_BENCH_CACHE", "/var/tmp/panhub-bench-panel"))


def catalogue_file(n: int) -> Path:
    """A catalogue of ``n`` investigations, built once per ``n`` and ``generate.py``."""
    source = Path(generate_module.__file__).read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:12]
    path = CACHE / f"catalogue-{n}-{digest}.sqlite"
    if path.exists():
        return path
    CACHE.mkdir(mode=0o700, parents=True, exist_ok=True)
    CACHE.chmod(0o700)  # the benchmark's own files: nobody else's to read
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.unlink(missing_ok=True)
    start = time.perf_counter()
    engine = make_engine(f"sqlite:///{partial}")
    try:
        migrate(engine)
        generate(engine, 1, sizes=Sizes(n, 1, 1))
    finally:
        engine.dispose()
    partial.rename(path)
    print(f"built {path} in {time.perf_counter() - start:.0f} s", flush=True)
    return path
