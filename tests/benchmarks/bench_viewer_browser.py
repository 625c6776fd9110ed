"""Frame rate of the NexusViewer in a real browser (JupyterLab + Debian's Chromium).

Run: ``python tests/benchmarks/bench_viewer_browser.py`` (about 1 minute).

For an Eiger 4M and a 16M stack (bitshuffle-LZ4), the viewer plays the stack with
its own playback (kernel-driven, a window of acknowledged frames; fps set to 120,
so the pipeline is the limit) for a few seconds. The frame rate counts the changes
of frame drawn on the canvas (``data-frames-changed``: a frame drawn twice counts
once), measured in the page. The bytes per update and the time from slider move to
the new frame painted are recorded too, and where the time of an image goes.
Results: ``tests/benchmarks/results/viewer_browser.json``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "extensions" / "nexus_viewer"))

from panhub_nexus import synthetic  # noqa: E402

from tests.support.lab import (  # noqa: E402
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWER_JS,
    open_viewer,
    running_lab,
    write_notebook,
)

SCALE = max(1, int(os.environ.get("PANHUB_BENCH_SCALE", "1")))
RESULTS = ROOT / "tests" / "benchmarks" / "results" / "viewer_browser.json"
TARGET_FPS = {"4M": 30, "16M": 10}


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by the kernel, the Jupyter server and Chromium (s)."""
    groups = {"kernel": "ipykernel", "jupyter server": "jupyter-lab", "chromium": "chromium"}
    out = dict.fromkeys(groups, 0.0)
    tick = os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        for name, marker in groups.items():
            if marker in cmdline:
                out[name] += (int(fields[11]) + int(fields[12])) / tick
                break
    return out


def stats(root) -> dict:
    return json.loads(root.get_attribute("data-stats") or "{}")


def measure(page, root, label: str, seconds: float) -> dict:
    shown = lambda: int(root.get_attribute("data-frames-changed") or 0)  # noqa: E731
    # slider jump: time from the input event to the new frame painted
    slider = root.locator(".phx-foot input[type=range]")
    n_frames = int(slider.get_attribute("max") or 0) + 1
    n = n_frames
    latencies = []
    for target in (n // 2, 1, n - 1):
        t0 = time.perf_counter()
        slider.fill(str(target))
        page.wait_for_function(
            f"() => {VIEWER_JS}.dataset.lastFrame === '{target}'",
            timeout=30_000,
        )
        latencies.append((time.perf_counter() - t0) * 1e3)
    root.locator(".phx-foot input[type=number]").fill("120")
    root.locator(".phx-foot input[type=number]").dispatch_event("change")
    start, before, cpu_before = shown(), stats(root), cpu_seconds()
    root.locator(".phx-foot button").click()
    t0 = time.perf_counter()
    time.sleep(seconds)
    painted = shown() - start
    elapsed = time.perf_counter() - t0
    after, cpu_after = stats(root), cpu_seconds()
    root.locator(".phx-foot button").click()
    n = max(1, after["images"] - before["images"])
    per_image = {key: (after[key] - before[key]) / n for key in ("served", "decode", "paint")}
    # slider jumps above: request sent to image received (latest-wins requests)
    per_image["slider request round trip"] = after["roundTrip"] / max(1, after["replies"])
    cpu = {key: (cpu_after[key] - cpu_before[key]) / elapsed for key in cpu_after}
    root.screenshot(path=str(ARTIFACTS / f"nexus_viewer_bench_{label}.png"))
    return {
        "frames_painted": painted,
        "seconds": elapsed,
        "fps": painted / elapsed,
        "target_fps": TARGET_FPS[label],
        "slider_to_paint_ms": latencies,
        "per_image_ms": per_image,
        "cpu_cores_busy": cpu,
        "bytes_last_update": int(root.get_attribute("data-bytes") or 0),
        "images_received": after["images"] - before["images"],
        "stack_frames": n_frames,
    }


def main() -> None:
    results: dict = {"chromium": CHROMIUM, "scale": SCALE}
    ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="panhub_browser_bench_") as tmp:
        work = Path(tmp)
        for label, shape, frames in (("4M", synthetic.EIGER_4M, 24 * SCALE),
                                     ("16M", synthetic.EIGER_16M, 8 * SCALE)):  # fmt: skip
            info = synthetic.write_eiger_stack(work / f"{label}.nxs", shape=shape, n_frames=frames)
            write_notebook(
                work / f"{label}.ipynb",
                f"from panhub_nexus import NexusViewer\nNexusViewer({info.path!r})",
            )
        with running_lab(work, port=8891) as lab, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for label in ("4M", "16M"):
                    page = browser.new_page(viewport={"width": 1400, "height": 1200})
                    root = open_viewer(page, lab, f"{label}.ipynb")
                    results[label] = measure(page, root, label, 5.0 * SCALE)
                    page.close()
            finally:
                browser.close()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1))
    for label in ("4M", "16M"):
        r = results[label]
        print(f"{label}: {r['fps']:.1f} frames/s painted in Chromium (target >= {r['target_fps']}),"
              f" slider-to-paint {min(r['slider_to_paint_ms']):.0f}-"
              f"{max(r['slider_to_paint_ms']):.0f} ms, {r['bytes_last_update']:,} B/update")  # fmt: skip
        print(
            f"   per image (ms): {json.dumps({k: round(v, 1) for k, v in r['per_image_ms'].items()})};"
            f" cores busy: {json.dumps({k: round(v, 2) for k, v in r['cpu_cores_busy'].items()})}"
        )
    print(f"results in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
