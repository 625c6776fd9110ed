"""Compatibility of panhub's NeXus viewer with silx (and NeXpy): what each one plots.

Run: ``python tests/benchmarks/bench_nexus_compat.py`` (a few seconds).

For every file of the corpus (``tests/support/nexus_cases.py``, written to a temporary
folder) and every real file other software wrote (``tests/support/nexus_real.py``), it
writes side by side what ``silx.io.nxdata`` picks (``get_default`` on the node opened,
then the NXdata's signal, axes and uncertainties, one axis per signal dim), what NeXpy
picks (``nexusformat``'s ``plottable_data``: ``nxsignal``, ``nxaxes``, ``nxerrors``), and
what panhub's viewer shows, and counts the agreements with silx. A difference must be
documented with the reason panhub's choice is better: for a corpus case in its
``Case.silx``; for a real file, panhub must show what the file's authors mean
(``RealFile.signal/axes/errors``, whose ``how`` says how that was established). The run
fails (exit 1) on an undocumented difference, and on a documented one that no longer
happens (a stale reason).

It also measures two figures of issue 17: opening a file of hundreds of entries at the
root's ``@default`` (peers in the same run: silx's ``get_default``, and a walk of the
whole file, which panhub must not do), and the memory used to open and show a dataset
declared at 100 GB with tiny chunks (tracemalloc peak and resident-set growth).

Results go to ``tests/benchmarks/results/nexus_compat.json``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import h5py
from silx.io.nxdata import get_default

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "extensions" / "nexus_viewer")]

from panhub_nexus.core import DisplaySettings, ViewerError, ViewerSession  # noqa: E402

from tests.support import nexus_cases  # noqa: E402

RESULTS = ROOT / "tests" / "benchmarks" / "results" / "nexus_compat.json"
REPEATS = 15


@dataclasses.dataclass(frozen=True)
class Pick:
    """What a viewer plots: signal path, one axis path per signal dim ("" none), errors.

    ``signal`` is ``""`` when it plots nothing; ``error`` when the file did not open;
    ``note`` is panhub's note (what it guessed, what is missing).
    """

    signal: str = ""
    axes: tuple[str, ...] = ()
    errors: str = ""
    error: str = ""
    note: str = ""

    @property
    def is_labelled_guess(self) -> bool:
        """A plot shown with a note saying it is a guess or a fallback."""
        return "guessed" in self.note or "showing the first dataset" in self.note

    def key(self) -> tuple[str, tuple[str, ...], str]:
        """What is compared: the signal, its axes, its errors."""
        return (self.signal, self.axes, self.errors) if self.signal else ("", (), "")


@dataclasses.dataclass(frozen=True)
class Subject:
    """A file to compare: where it comes from, the node opened, what must be shown."""

    name: str
    source: str
    path: Path
    node: str
    intended: Pick | None
    reason: str


def open_h5(path: Path) -> h5py.File:
    """Open as the viewers do: read-only, no locking, SWMR readers where possible."""
    try:
        return h5py.File(path, "r", locking=False, swmr=True)
    except OSError:
        return h5py.File(path, "r", locking=False)


def pick_silx(path: Path, node: str) -> Pick:
    """silx: ``get_default`` on the node (a dataset is shown as itself)."""
    try:
        with open_h5(path) as f:
            obj = f[node]
            if isinstance(obj, h5py.Dataset):
                return Pick(obj.name or "")
            nx = get_default(obj, validate=True)
            if nx is None or nx.signal is None:
                return Pick()
            group = nx.group
            axes = tuple("" if n is None or n not in group else group[n].name or ""
                         for n in nx.axes_dataset_names)  # fmt: skip
            errors = nx.errors.name if nx.errors is not None else ""
            return Pick(nx.signal.name or "", axes, errors or "")
    except (OSError, KeyError, TypeError, ValueError) as exc:
        return Pick(error=f"{type(exc).__name__}: {exc}")


def pick_nexpy(path: Path, node: str) -> Pick:
    """NeXpy: nexusformat's ``plottable_data`` (its axes by name in the NXdata group)."""
    from nexusformat.nexus import nxload

    try:
        root = nxload(str(path), "r")
    except Exception as exc:  # nexusformat raises its own NeXusError, and others
        return Pick(error=f"{type(exc).__name__}: {exc}")
    try:
        obj = root[node] if node != "/" else root
        data = getattr(obj, "plottable_data", None)
        signal = data.nxsignal if data is not None else None
        if signal is None:
            return Pick()
        group = data.nxpath.rstrip("/")
        axes = tuple(f"{group}/{a.nxname}" if a.nxname in data else ""
                     for a in (data.nxaxes or []))  # fmt: skip
        errors = data.nxerrors
        return Pick(signal.nxpath, axes, errors.nxpath if errors is not None else "")
    except Exception as exc:
        return Pick(error=f"{type(exc).__name__}: {exc}")
    finally:
        root.nxfile.close()


def pick_panhub(path: Path, node: str) -> Pick:
    """panhub: the viewer's plot for the node (frame axes, then the displayed axes)."""
    try:
        session = ViewerSession(path)
    except ViewerError as exc:
        return Pick(error=str(exc))
    try:
        spec = session.select(node)
    finally:
        session.close()
    if not spec.signal:
        return Pick()
    return Pick(spec.signal, spec.frame_axes + spec.axes, spec.errors, note=spec.note)


def list_subjects(folder: Path) -> list[Subject]:
    """The corpus written in `folder`, and the real files if the module is there."""
    subjects = []
    for case in nexus_cases.CASES:
        shown = case.shown
        (folder / case.name).mkdir(parents=True)
        path = case.make(folder / case.name)
        axes = shown.frame_axes + shown.axes if shown.kind in ("image", "curve", "none") else ()
        intended = Pick(shown.signal, axes, shown.errors) if shown.kind != "error" else None
        subjects.append(Subject(case.name, "corpus", path, shown.node, intended, case.silx))
    try:
        from tests.support.nexus_real import REAL_FILES
    except ModuleNotFoundError:
        REAL_FILES = ()
    for real in REAL_FILES:
        intended = Pick(real.signal, tuple(real.axes), real.errors)
        name = f"{real.path.parent.name}/{real.path.name}"
        subjects.append(Subject(name, "real", real.path, "/", intended, real.how))
    return subjects


def compare(subject: Subject) -> dict[str, Any]:
    """One row: the three picks, agreement, and whether a difference is documented."""
    silx, nexpy, panhub = (pick(subject.path, subject.node)
                           for pick in (pick_silx, pick_nexpy, pick_panhub))  # fmt: skip
    agree = silx.key() == panhub.key() and bool(silx.error) == bool(panhub.error)
    intended = subject.intended
    if intended is None:  # the file cannot be read: a message, no plot
        as_intended = bool(panhub.error)
    elif not intended.signal:  # nothing to plot: nothing, or a guess that says so
        as_intended = not panhub.signal or panhub.is_labelled_guess
    else:  # or, when the signal's data are in a file that is missing, a message naming it
        as_intended = intended.key() == panhub.key() or (
            panhub.signal == intended.signal and " is missing " in panhub.note
        )
    if subject.source == "corpus":
        documented = bool(subject.reason) and not agree
        problem = "" if agree != bool(subject.reason) else (
            "documented difference that no longer happens" if agree else "undocumented difference"
        )  # fmt: skip
    else:  # a real file: panhub must show what its authors mean
        documented = not agree and as_intended
        problem = "" if agree or as_intended else "undocumented difference"
    return {
        "name": subject.name, "source": subject.source, "node": subject.node,
        "silx": dataclasses.asdict(silx), "nexpy": dataclasses.asdict(nexpy),
        "panhub": dataclasses.asdict(panhub), "agree_silx": agree,
        "agree_nexpy": nexpy.key() == panhub.key(), "as_intended": as_intended,
        "documented": documented, "reason": subject.reason if documented else "",
        "problem": problem,
    }  # fmt: skip


def median_ms(run: Callable[[], Any], repeats: int = REPEATS) -> float:
    """Median wall time of `run`, in ms."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def measure_many_entries(folder: Path) -> dict[str, Any]:
    """Open a file of hundreds of entries at its root ``@default``: panhub and peers."""
    path = nexus_cases.get_case("many_entries").make(folder)

    def panhub() -> None:
        session = ViewerSession(path)
        session.select("/")
        session.children("/")  # the tree's first page, as the widget asks at once
        session.close()

    def silx() -> None:
        with open_h5(path) as f:
            nx = get_default(f)
            assert nx is not None and nx.signal is not None

    def walk() -> None:
        with open_h5(path) as f:
            f.visit(lambda name: None)

    return {
        "entries": nexus_cases.MANY_ENTRIES, "file_mb": path.stat().st_size / 1e6,
        "panhub_open_ms": median_ms(panhub), "silx_get_default_ms": median_ms(silx),
        "full_walk_ms": median_ms(walk),
    }  # fmt: skip


def get_rss() -> int:
    """Resident set size of this process, in bytes (Linux)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure_huge(folder: Path) -> dict[str, Any]:
    """Memory to open and show frames of a dataset declared at 100 GB, tiny chunks."""
    path = nexus_cases.get_case("huge_declared").make(folder)
    rss = get_rss()
    tracemalloc.start()
    session = ViewerSession(path)
    session.select("/")
    for frame in (0, nexus_cases.HUGE_SHAPE[0] // 2, nexus_cases.HUGE_SHAPE[0] - 1):
        session.render(frame, DisplaySettings(), (1100, 1100))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    grown = get_rss() - rss
    session.close()
    shape = nexus_cases.HUGE_SHAPE
    return {
        "declared_gb": shape[0] * shape[1] * shape[2] * 4 / 1e9,
        "file_kb": path.stat().st_size / 1e3,
        "frame_mb": shape[1] * shape[2] * 4 / 1e6,
        "tracemalloc_peak_mb": peak / 1e6, "rss_growth_mb": grown / 1e6,
    }  # fmt: skip


def main() -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nexus-compat-") as tmp:
        folder = Path(tmp)
        rows = [compare(s) for s in list_subjects(folder / "cases")]
        many = measure_many_entries(folder)
        huge = measure_huge(folder)
    counts = {
        "files": len(rows),
        "corpus": sum(r["source"] == "corpus" for r in rows),
        "real": sum(r["source"] == "real" for r in rows),
        "agree_silx": sum(r["agree_silx"] for r in rows),
        "documented_differences": sum(r["documented"] for r in rows),
        "problems": sum(bool(r["problem"]) for r in rows),
        "agree_nexpy": sum(r["agree_nexpy"] for r in rows),
        "panhub_as_intended": sum(r["as_intended"] for r in rows),
    }
    report = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "versions": {p: metadata.version(p) for p in ("silx", "nexusformat", "h5py", "hdf5plugin")},
        "counts": counts, "many_entries": many, "huge_declared": huge, "files": rows,
        "elapsed_s": time.perf_counter() - started,
    }  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1) + "\n")
    print_summary(report)
    return 1 if counts["problems"] else 0


def print_summary(report: dict[str, Any]) -> None:
    c = report["counts"]
    print(f"{c['files']} files ({c['corpus']} corpus, {c['real']} real): panhub agrees with "
          f"silx on {c['agree_silx']}, {c['documented_differences']} documented differences, "
          f"{c['problems']} problems; NeXpy agrees on {c['agree_nexpy']}; panhub shows what "
          f"the authors mean on {c['panhub_as_intended']}")  # fmt: skip
    for row in report["files"]:
        if row["documented"] or row["problem"]:
            mark = f"PROBLEM ({row['problem']})" if row["problem"] else "differs"
            print(f"- {row['name']}: {mark}\n    silx   {row['silx']}\n    panhub "
                  f"{row['panhub']}\n    why    {row['reason'] or '-'}")  # fmt: skip
    m, h = report["many_entries"], report["huge_declared"]
    print(f"{m['entries']} entries: panhub opens at the default in {m['panhub_open_ms']:.1f} ms "
          f"(silx get_default {m['silx_get_default_ms']:.1f} ms, a full walk "
          f"{m['full_walk_ms']:.1f} ms)")  # fmt: skip
    print(f"{h['declared_gb']:.0f} GB declared ({h['file_kb']:.0f} KB file): tracemalloc peak "
          f"{h['tracemalloc_peak_mb']:.1f} MB, RSS growth {h['rss_growth_mb']:.1f} MB "
          f"(one frame: {h['frame_mb']:.1f} MB)")  # fmt: skip
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
