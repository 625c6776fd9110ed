"""Login to the first detector frame: a user's first minute in panhub, timed in Chromium.

A hub of the benchmark's own (the real proxy, hub, SLURM and data view) serves alice,
member of T1, whose raw folder holds an Eiger 4M stack. Each run starts from the login
form: submit it, press Start on the resource form, and wait for JupyterLab; the Lab
reopens at the last folder used (``/data/T1/raw``, as the workspace written before each
run remembers it, with no document open); double-click the stack and wait until the
viewer has drawn its first frame. The split:

- ``spawn``: login form submitted to the Lab's URL (hub log-in, the form, the SLURM job,
  the server's start);
- ``shell``: the Lab's URL to the file browser listing the stack;
- ``viewer``: the double click to the first frame drawn (the viewer's kernel starts, the
  file is opened with silx, the frame read, reduced and sent).

The peer, in the same run and under the same hub: stock JupyterLab, i.e. the same
spawn with panhub's Lab extension and server extension disabled in alice's own Jupyter
configuration (``jupyter labextension disable`` at user level), timed from the login
form to its Launcher. Runs alternate between the two. Both are timed as a returning
user meets them: the browser keeps its cache (JupyterLab's bundles are served immutable)
and logs in again each time. Target: ``total`` median ≤ 5 s.

Run: ``make bench`` or ``python tests/benchmarks/bench_lab.py`` as root with the
cluster up; ``PANHUB_BENCH_LAB_RUNS`` runs per kind (default 5). Writes
tests/benchmarks/results/lab.json. Benchmarks report; they do not assert targets.
"""

from __future__ import annotations

import json
import os
import platform
import pwd
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "hub_config"), str(ROOT / "extensions" / "nexus_viewer")]

from panhub import demo, site  # noqa: E402
from panhub_nexus import synthetic  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tests.support.browser import launch  # noqa: E402
from tests.support.cluster import (  # noqa: E402
    GROUP_PREFIX,
    PROPOSALS_ROOT,
    install_proposals,
    put_raw_file,
)
from tests.support.hub import admin_api, make_instance, make_state_dir, wait_for  # noqa: E402

RESULTS = ROOT / "tests" / "benchmarks" / "results"
USER = "alice"
STACK = "bench_lab_4m.nxs"
TARGET_TOTAL_S = 5.0
FRAME_DRAWN = (
    "() => Number(document.querySelector("
    "'.jp-PanhubViewerDocument:not(.lm-mod-hidden) .phx')?.dataset.framesShown || 0) >= 1"
)


def as_user(path: Path, text: str) -> None:
    """Write ``path`` in ``USER``'s home as ``USER`` would (owner, private modes)."""
    entry = pwd.getpwnam(USER)
    home = Path(entry.pw_dir)
    for parent in reversed(path.relative_to(home).parents):
        folder = home / parent
        if not folder.exists():
            folder.mkdir(mode=0o700)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
    path.write_text(text)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    path.chmod(0o600)


def jupyter_dir() -> Path:
    return Path(pwd.getpwnam(USER).pw_dir) / ".jupyter"


def set_stock(stock: bool) -> None:
    """Disable (or enable again) panhub's Lab and server extensions for ``USER`` only."""
    page_config = jupyter_dir() / "labconfig" / "page_config.json"
    server_config = jupyter_dir() / "jupyter_server_config.json"
    if stock:
        as_user(page_config, json.dumps({"disabledExtensions": {"@panhub/catalogue": True}}))
        as_user(
            server_config,
            json.dumps({"ServerApp": {"jpserver_extensions": {"panhub_catalogue.lab": False}}}),
        )
    else:
        page_config.unlink(missing_ok=True)
        server_config.unlink(missing_ok=True)


def reset_workspace() -> None:
    """The Lab reopens at /data/T1/raw with nothing open, as after a user's last visit."""
    workspaces = jupyter_dir() / "lab" / "workspaces"
    shutil.rmtree(workspaces, ignore_errors=True)
    workspace = {
        "data": {"file-browser-filebrowser:cwd": {"path": "data/T1/raw"}},
        "metadata": {"id": "default"},
    }
    as_user(workspaces / "default-37a8.jupyterlab-workspace", json.dumps(workspace))


def log_in_and_start(page: Page, base: str) -> tuple[float, float]:
    """Submit the login form, then Start; return (submitted, Lab URL reached) times."""
    page.goto(f"{base}/hub/login")
    page.fill("#username_input", USER)
    page.fill("#password_input", demo.DEMO_PASSWORD)
    t0 = time.perf_counter()
    page.click("#login_submit")
    page.click("#spawn_form button[type=submit]")
    page.wait_for_url(f"**/user/{USER}/lab**", timeout=120_000)
    return t0, time.perf_counter()


def run_panhub(page: Page, base: str) -> dict[str, float]:
    t0, t1 = log_in_and_start(page, base)
    item = page.locator(".jp-DirListing-item[title*='bench_lab_4m.nxs']")
    item.wait_for(timeout=120_000)
    t2 = time.perf_counter()
    item.dblclick()
    page.wait_for_function(FRAME_DRAWN, timeout=120_000)
    t3 = time.perf_counter()
    return {"spawn": t1 - t0, "shell": t2 - t1, "viewer": t3 - t2, "total": t3 - t0}


def run_stock(page: Page, base: str) -> dict[str, float]:
    t0, t1 = log_in_and_start(page, base)
    page.locator(".jp-Launcher").first.wait_for(timeout=120_000)
    t2 = time.perf_counter()
    assert page.locator(".jp-PanhubViewerDocument").count() == 0
    return {"spawn": t1 - t0, "shell": t2 - t1, "total": t2 - t0}


def summarize(samples: list[float]) -> dict[str, Any]:
    return {
        "n": len(samples),
        "median": round(statistics.median(samples), 3),
        "min": round(min(samples), 3),
        "max": round(max(samples), 3),
        "samples": [round(s, 3) for s in samples],
    }


def prepare_data(state: Path) -> Path:
    """The tests' proposals (T1 is alice's) in the hub's etc/, synced, with the stack."""
    site.ensure_service_accounts(demo.DEMO_GROUP)
    site.make_private_dir(state / "etc", site.SERVICE_GROUP)
    proposals = install_proposals(state / "etc")
    stack = PROPOSALS_ROOT / "T1" / "raw" / STACK
    synthetic.write_eiger_stack(stack, shape=synthetic.EIGER_4M, n_frames=10)
    put_raw_file("T1", STACK)
    return proposals


def main() -> int:
    runs = int(os.environ.get("PANHUB_BENCH_LAB_RUNS", "5"))
    subprocess.run(
        ["bash", str(ROOT / "hub_config/demo/slurm.sh"), "start"], check=True, timeout=120
    )
    demo.ensure_demo_accounts()
    state = make_state_dir("benchlab")
    proposals = prepare_data(state)
    inst = make_instance(
        "benchlab",
        state,
        8600,
        {
            "PANHUB_CATALOGUE": "0",  # the viewer alone; the catalogue would only add noise
            "PANHUB_PROPOSALS_FILE": str(proposals),
            "PANHUB_PROPOSALS_ROOT": str(PROPOSALS_ROOT),
            "PANHUB_GROUP_PREFIX": GROUP_PREFIX,
        },
    )
    timings: dict[str, list[dict[str, float]]] = {"panhub": [], "stock": []}
    try:
        demo.start_proxy(inst)
        demo.start_hub(inst)
        api = admin_api(inst)
        with sync_playwright() as p:
            browser = launch(p)
            # a returning user: one browser profile per kind, its cache kept (JupyterLab's
            # bundles are immutable), its cookies dropped, so every run logs in again;
            # one warm-up of each (the browser's cache, the first jobs after the hub's
            # start), then the measured runs, alternating
            contexts = {
                kind: browser.new_context(viewport={"width": 1280, "height": 800})
                for kind in ("panhub", "stock")
            }
            for i in range(runs + 1):
                for kind, context in contexts.items():
                    set_stock(kind == "stock")
                    reset_workspace()
                    context.clear_cookies()
                    page = context.new_page()
                    page.set_default_timeout(120_000)
                    try:
                        result = (run_panhub if kind == "panhub" else run_stock)(
                            page, inst.public_url
                        )
                    finally:
                        page.close()
                        api.stop(USER)
                        wait_for("alice's job to end", lambda: not _jobs(), 60)
                    if i:
                        timings[kind].append(result)
                    shown = ", ".join(f"{k} {v:.2f} s" for k, v in result.items())
                    print(f"{kind:6s} run {i}{' (warm-up)' if not i else ''}: {shown}", flush=True)
            browser.close()
    finally:
        set_stock(False)
        demo.stop(inst)
        demo.cancel_jobs("jhub-benchlab-")
        (PROPOSALS_ROOT / "T1" / "raw" / STACK).unlink(missing_ok=True)
        shutil.rmtree(state, ignore_errors=True)

    result = {
        "benchmark": "lab",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "runs": runs,
        "panhub": {k: summarize([t[k] for t in timings["panhub"]]) for k in timings["panhub"][0]},
        "stock_lab_to_launcher": {
            k: summarize([t[k] for t in timings["stock"]]) for k in timings["stock"][0]
        },
        "targets": {"login_to_first_frame_median_s": TARGET_TOTAL_S},
    }
    panhub_total = result["panhub"]["total"]["median"]
    stock_total = result["stock_lab_to_launcher"]["total"]["median"]
    result["ratio_first_frame_to_stock_launcher"] = round(panhub_total / stock_total, 3)
    result["meets_target"] = panhub_total <= TARGET_TOTAL_S
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "lab.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"login to first frame: median {panhub_total:.2f} s (target {TARGET_TOTAL_S}); "
        f"stock JupyterLab to its launcher: {stock_total:.2f} s; "
        f"ratio {result['ratio_first_frame_to_stock_launcher']}"
    )
    return 0


def _jobs() -> bool:
    out = subprocess.run(
        ["timeout", "10", "squeue", "-h", "-n", f"jhub-benchlab-{USER}-default", "-o", "%i"],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    return bool(out.strip())


if __name__ == "__main__":
    sys.exit(main())
