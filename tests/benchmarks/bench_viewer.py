"""Benchmark of panhub's NeXus viewer core against h5grove (jupyterlab-h5web's back end).

Run: ``python tests/benchmarks/bench_viewer.py`` (about 1-2 minutes on 2 cores).
``PANHUB_BENCH_SCALE=4`` multiplies the stack lengths and repetitions.

Both peers are measured in the same run on the same synthetic Eiger 4M and 16M
stacks (bitshuffle-LZ4, one frame per chunk, gaps and a pixel mask), the server
side only (from request to bytes ready to send). "Cold" evicts the file from the
page cache with ``posix_fadvise(POSIX_FADV_DONTNEED)`` after ``os.sync()`` before
each run (no root needed; ``/proc/sys/vm/drop_caches`` is not used because it
would disturb every other process on the machine).

Results go to ``tests/benchmarks/results/viewer.json``; a summary table is printed.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import h5py
import hdf5plugin
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "extensions" / "nexus_viewer")]

from panhub_nexus import synthetic  # noqa: E402
from panhub_nexus.core import DisplaySettings, ViewerSession  # noqa: E402
from panhub_nexus.core.downsample import get_factor, pool_max  # noqa: E402
from panhub_nexus.core.encode import encode_indices  # noqa: E402
from panhub_nexus.core.pipeline import SUPERSEDED, RenderPipeline, ViewRequest  # noqa: E402
from panhub_nexus.core.render import RenderedImage  # noqa: E402
from panhub_nexus.core.scale import get_range, make_indices  # noqa: E402
from panhub_nexus.core.tree import list_children  # noqa: E402

from tests.support.foreign_files import write_wide_tree  # noqa: E402

SCALE = max(1, int(os.environ.get("PANHUB_BENCH_SCALE", "1")))
DISPLAY = (1100, 1100)
"""Drawing area in device pixels (the research notes' ~1.2 Mpx viewport)."""
SETTINGS = DisplaySettings(norm="log")
RESULTS = ROOT / "tests" / "benchmarks" / "results" / "viewer.json"
TARGETS = {
    "4M": {"ttfi_ms": 50, "fps": 30, "h5grove_ratio": 30},
    "16M": {"ttfi_ms": 125, "fps": 10, "h5grove_ratio": 120},
}


def drop_cache(path: str) -> None:
    """Evict `path` from the page cache (it was synced when written)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def timed(fn: Callable[[], Any], repeat: int, setup: Callable[[], None] | None = None) -> dict:
    """Median/min in ms of `repeat` runs (GC off while timing), plus the last result."""
    times, result = [], None
    gc.disable()
    try:
        for _ in range(repeat):
            if setup:
                setup()
            t0 = time.perf_counter()
            result = fn()
            times.append((time.perf_counter() - t0) * 1e3)
    finally:
        gc.enable()
    return {"median_ms": statistics.median(times), "min_ms": min(times), "n": repeat,
            "result": result}  # fmt: skip


def rss_mb() -> float:
    """Current resident set size of this process, MB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def panhub_first_image(path: str) -> int:
    """What the widget does on open: default NXdata, frame 0 rendered, bytes to send.

    The pixel mask is read after the first image (see :func:`panhub_masked_image`);
    gap values are hidden in the first image already.
    """
    session = ViewerSession(path)
    try:
        session.select("/", load_mask=False)
        return session.render(0, SETTINGS, DISPLAY).n_bytes
    finally:
        session.close()


def panhub_masked_image(path: str) -> float:
    """First image, then the pixel mask and the masked re-render: the second update.

    Returns the time of the second update alone (mask read, mask plan, frame read
    again and rendered), in ms.
    """
    session = ViewerSession(path)
    try:
        session.select("/", load_mask=False)
        session.render(0, SETTINGS, DISPLAY)
        t0 = time.perf_counter()
        session.load_mask()
        session.render(0, SETTINGS, DISPLAY)
        return (time.perf_counter() - t0) * 1e3
    finally:
        session.close()


def mask_update_ms(path: str, repeat: int) -> float:
    """Median time of the masked update (:func:`panhub_masked_image`), cold cache."""
    times = []
    for _ in range(repeat):
        drop_cache(path)
        times.append(panhub_masked_image(path))
    return statistics.median(times)


def h5grove_first_image(path: str) -> int:
    """Server side of what h5web asks to show the default image (research notes, d)."""
    from h5grove.content import get_content_from_file
    from h5grove.encoders import encode

    def error(status: int, msg: str) -> Exception:
        return RuntimeError(f"{status}: {msg}")

    opts = {"swmr": True, "locking": False}  # what jupyterlab-h5web passes
    sent = 0
    sig = "/entry/data/data"
    for q in ["/", "/entry", "/entry/data", sig, "/entry/data/omega", "/entry/data/y",
              "/entry/data/x"]:  # fmt: skip
        with get_content_from_file(path, q, error, h5py_options=opts) as c:
            sent += len(encode(c.metadata(), "json").content)
            if q != "/" and hasattr(c, "attributes"):
                sent += len(encode(c.attributes(), "json").content)
    for q, sel in [(sig, "0,:,:"), ("/entry/data/y", None), ("/entry/data/x", None)]:
        with get_content_from_file(path, q, error, h5py_options=opts) as c:
            sent += len(encode(c.data(sel, False, "safe"), "bin").content)
    return sent


def h5grove_frame(path: str, index: int) -> int:
    """h5grove's answer to ``/data?selection=i,:,:&format=bin&dtype=safe``: bytes."""
    from h5grove.content import get_content_from_file
    from h5grove.encoders import encode

    def error(status: int, msg: str) -> Exception:
        return RuntimeError(f"{status}: {msg}")

    opts = {"swmr": True, "locking": False}
    with get_content_from_file(path, "/entry/data/data", error, h5py_options=opts) as c:
        return len(encode(c.data(f"{index},:,:", False, "safe"), "bin").content)


def scrub(path: str, seconds: float, threaded: bool, rate_hz: float = 120.0) -> dict:
    """Drive the pipeline like a slider dragged back and forth at `rate_hz` events/s.

    Returns frames delivered per second, the frame shown last versus the last
    requested, and the resident memory growth over the run.
    """
    session = ViewerSession(path)
    session.select("/")
    assert session.reader is not None
    n = session.n_frames
    delivered: list[int] = []
    bytes_sent: list[int] = []

    dropped: list[int] = []

    def deliver(request: ViewRequest, image: RenderedImage | None, error: str) -> None:
        if error == SUPERSEDED:
            dropped.append(request.frame)
            return
        assert image is not None, error
        delivered.append(request.frame)
        bytes_sent.append(image.n_bytes)

    pipeline = RenderPipeline(session.reader, deliver, threaded=threaded)
    base = rss_mb()
    peak = base
    order = [i for k in range(10_000) for i in (range(n) if k % 2 == 0 else range(n - 1, -1, -1))]
    sent = 0
    t0 = time.perf_counter()
    if threaded:
        while time.perf_counter() - t0 < seconds:
            pipeline.request(
                ViewRequest(frame=order[sent], display_shape=DISPLAY, settings=SETTINGS)
            )
            sent += 1
            peak = max(peak, rss_mb())
            time.sleep(1.0 / rate_hz)
        pipeline.wait_idle(30)
    else:
        while time.perf_counter() - t0 < seconds:
            pipeline.request(
                ViewRequest(frame=order[sent], display_shape=DISPLAY, settings=SETTINGS)
            )
            sent += 1
            peak = max(peak, rss_mb())
    elapsed = time.perf_counter() - t0
    pipeline.close()
    frame_mb = session.reader.dataset.dtype.itemsize * np.prod(session.reader.frame_shape) / 1e6
    session.close()
    return {
        "fps": len(delivered) / elapsed,
        "requests": sent,
        "delivered": len(delivered),
        "superseded": len(dropped),
        "last_requested": order[sent - 1],
        "last_shown": delivered[-1],
        "mean_bytes": float(np.mean(bytes_sent)),
        "rss_growth_mb": peak - base,
        "rss_growth_frames": (peak - base) / frame_mb,
        "stack_frames": n,
    }


def h5grove_scrub_fps(path: str, n: int, seconds: float) -> float:
    """h5grove frames served per second (server side, no network), for reference."""
    count, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        h5grove_frame(path, count % n)
        count += 1
    return count / (time.perf_counter() - t0)


def stages(path: str, repeat: int) -> dict:
    """Time of each stage of one update, warm (ms)."""
    session = ViewerSession(path)
    session.select("/")
    reader = session.reader
    assert reader is not None
    buf = reader.make_buffer()
    out = {"read+prepare": timed(lambda: reader.read_into(1, buf), repeat)}
    frame = reader.read_into(1, buf)
    k = get_factor(reader.frame_shape, DISPLAY)
    out["pool_max"] = timed(lambda: pool_max(frame, k), repeat)
    out["autoscale (percentile, gaps and mask excluded)"] = timed(
        lambda: get_range(frame, "nonneg", "percentile", norm="log"), repeat
    )
    small = pool_max(frame, k)
    lo, hi = get_range(frame, "nonneg", "percentile", norm="log")
    out["colour indices"] = timed(lambda: make_indices(small, "nonneg", lo, hi, "log"), repeat)
    indices = make_indices(small, "nonneg", lo, hi, "log")
    out["zlib (2 bands in parallel)"] = timed(lambda: encode_indices(indices), repeat)
    session.close()
    return {key: {k2: v for k2, v in val.items() if k2 != "result"} for key, val in out.items()}


def bench_stack(label: str, shape: tuple[int, int], n_frames: int, workdir: str) -> dict:
    path = os.path.join(workdir, f"eiger_{label}.nxs")
    t0 = time.perf_counter()
    synthetic.write_eiger_stack(path, shape=shape, n_frames=n_frames)
    os.sync()
    out: dict[str, Any] = {"shape": list(shape), "frames": n_frames,
                           "file_mb": os.path.getsize(path) / 1e6,
                           "write_s": time.perf_counter() - t0}  # fmt: skip
    repeat = 5 * SCALE
    panhub_first_image(path)  # warm the code paths (imports, silx), not the data
    h5grove_first_image(path)
    ours = timed(lambda: panhub_first_image(path), repeat, setup=lambda: drop_cache(path))
    masked = timed(lambda: panhub_masked_image(path), repeat, setup=lambda: drop_cache(path))
    theirs = timed(lambda: h5grove_first_image(path), repeat, setup=lambda: drop_cache(path))
    session = ViewerSession(path)
    session.select("/")
    image = session.render(n_frames // 2, SETTINGS, DISPLAY)
    displayed = image.indices.size
    session.close()
    frame_bytes = h5grove_frame(path, n_frames // 2)
    out["ttfi_cold"] = {
        "panhub_ms": ours["median_ms"], "panhub_min_ms": ours["min_ms"],
        "panhub_bytes": ours["result"],
        "panhub_masked_image_ms": masked["median_ms"],
        "panhub_mask_update_ms": mask_update_ms(path, repeat),
        "h5grove_ms": theirs["median_ms"], "h5grove_min_ms": theirs["min_ms"],
        "h5grove_bytes": theirs["result"], "n": repeat,
    }  # fmt: skip
    out["bytes_per_update"] = {
        "panhub": image.n_bytes,
        "displayed_pixels": displayed,
        "panhub_bytes_per_displayed_pixel": image.n_bytes / displayed,
        "h5grove": frame_bytes,
        "h5grove_over_panhub": frame_bytes / image.n_bytes,
    }
    seconds = 4.0 * SCALE
    out["scrub_pipeline_2_threads"] = scrub(path, seconds, threaded=True)
    out["scrub_single_thread"] = scrub(path, seconds / 2, threaded=False)
    out["h5grove_frames_per_s_server_side"] = h5grove_scrub_fps(path, n_frames, seconds / 2)
    out["stages_warm"] = stages(path, repeat)
    os.remove(path)
    return out


def bench_tree(workdir: str) -> dict:
    path = os.path.join(workdir, "wide.nxs")
    n_nodes = write_wide_tree(path, n_entries=360, n_counters=24)
    os.sync()

    def first_level() -> int:
        session = ViewerSession(path)
        try:
            return len(list_children(session.file, "/")[0])
        finally:
            session.close()

    def h5grove_root() -> int:
        from h5grove.content import get_content_from_file
        from h5grove.encoders import encode

        def error(status: int, msg: str) -> Exception:
            return RuntimeError(f"{status}: {msg}")

        with get_content_from_file(path, "/", error, h5py_options={"locking": False}) as c:
            return len(encode(c.metadata(), "json").content)

    first_level()
    ours = timed(first_level, 5 * SCALE, setup=lambda: drop_cache(path))
    theirs = timed(h5grove_root, 5 * SCALE, setup=lambda: drop_cache(path))
    return {"nodes": n_nodes, "root_children": ours["result"],
            "panhub_first_level_cold_ms": ours["median_ms"],
            "h5grove_meta_root_cold_ms": theirs["median_ms"]}  # fmt: skip


def versions() -> dict:

    import silx

    return {"python": platform.python_version(), "numpy": np.__version__,
            "h5py": h5py.__version__, "hdf5": h5py.version.hdf5_version,
            "hdf5plugin": hdf5plugin.version, "silx": silx.version,
            "h5grove": metadata.version("h5grove"),
            "cpus": os.cpu_count(), "loadavg": os.getloadavg()}  # fmt: skip


def summarize(results: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    for label in ("4M", "16M"):
        r, t = results[label], TARGETS[label]
        ttfi = r["ttfi_cold"]
        b = r["bytes_per_update"]
        s = r["scrub_pipeline_2_threads"]
        rows += [
            (f"{label} first image, cold (ms)", f"{ttfi['panhub_ms']:.1f}",
             f"<= {t['ttfi_ms']}", f"h5grove {ttfi['h5grove_ms']:.1f} ms; "
             f"with pixel mask applied {ttfi['panhub_masked_image_ms']:.1f} ms "
             f"(the masked update {ttfi['panhub_mask_update_ms']:.1f} ms)"),
            (f"{label} bytes per update", f"{b['panhub']:,}",
             f"<= {b['displayed_pixels']:,} (1 B/px)",
             f"h5grove {b['h5grove']:,}: {b['h5grove_over_panhub']:.0f}x more "
             f"(target >= {t['h5grove_ratio']}x)"),
            (f"{label} bytes per displayed pixel", f"{b['panhub_bytes_per_displayed_pixel']:.2f}",
             "<= 1", ""),
            (f"{label} scrubbing, latest-wins (frames/s)", f"{s['fps']:.1f}", f">= {t['fps']}",
             f"1 thread {r['scrub_single_thread']['fps']:.1f}; h5grove serves "
             f"{r['h5grove_frames_per_s_server_side']:.1f}/s (bytes only)"),
            (f"{label} kernel memory growth (frames)", f"{s['rss_growth_frames']:.1f}",
             "a few", f"{s['rss_growth_mb']:.0f} MB over {s['stack_frames']} frames"),
        ]  # fmt: skip
    auto = results["4M"]["stages_warm"]["autoscale (percentile, gaps and mask excluded)"]
    rows.append(("4M autoscale (ms)", f"{auto['median_ms']:.2f}", "<= 2", ""))
    tree = results["tree"]
    rows.append((f"tree first level ({tree['root_children']} of 360), {tree['nodes']:,} nodes, "
                 "cold (ms)",
                 f"{tree['panhub_first_level_cold_ms']:.1f}", "<= 20",
                 f"h5grove /meta of root {tree['h5grove_meta_root_cold_ms']:.1f} ms"))  # fmt: skip
    return rows


def main() -> None:
    t0 = time.perf_counter()
    results: dict[str, Any] = {"versions": versions(), "scale": SCALE, "display": DISPLAY,
                               "cache_eviction": "posix_fadvise(POSIX_FADV_DONTNEED) after sync",
                               "targets": TARGETS}  # fmt: skip
    random.seed(0)
    with tempfile.TemporaryDirectory(prefix="panhub_bench_") as workdir:
        results["tree"] = bench_tree(workdir)
        results["4M"] = bench_stack("4M", synthetic.EIGER_4M, 24 * SCALE, workdir)
        results["16M"] = bench_stack("16M", synthetic.EIGER_16M, 8 * SCALE, workdir)
    results["elapsed_s"] = time.perf_counter() - t0
    rows = summarize(results)
    results["summary"] = [dict(zip(("measure", "panhub", "target", "peer"), r, strict=True))
                          for r in rows]  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, default=float))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in [("measure", "panhub", "target", "peer / notes"), *rows]:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print(f"\n{results['elapsed_s']:.0f} s; results in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
