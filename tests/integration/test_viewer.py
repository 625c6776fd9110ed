"""The NeXus viewer as a user meets it: hub log-in, a SLURM job, proposal data, Chromium.

alice (member of proposal T1) logs in, starts her server from the form, opens a
notebook and shows an Eiger-like stack of her proposal's raw data with
``NexusViewer``; the kernel runs inside her SLURM job, from the installed panhub
package, and sees the file under ``/data/T1/raw``. The test moves the frame slider
and checks, pixel by pixel on the canvas, that the marker peak of the frame shown
sits where the file's ground truth puts it; then it plays the stack and pauses it.
Screenshots go to artifacts/.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from panhub_nexus import synthetic
from panhub_nexus.core.colormap import make_palette
from playwright.sync_api import Locator, Page, expect

from tests.support.browser import delete_notebook, open_notebook, spawn_from_form
from tests.support.cluster import PROPOSALS_ROOT
from tests.support.hub import HubAPI

pytestmark = pytest.mark.browser

STACK = "viewer_stack.nxs"
N_FRAMES = 12
CURVE = "viewer_curve.nxs"
N_POINTS = 200_000

# The colour of each frame's marker peak, and of a few canvas pixels, read in the page:
# where source pixel (y, x) lands on the canvas follows from the placement the viewer
# records on its root element (data-place).
CANVAS_AT = """([root, points]) => {
  const place = JSON.parse(root.dataset.place);
  const canvas = root.querySelector('.phx-canvas-wrap canvas');
  const ctx = canvas.getContext('2d');
  const [y0, y1, x0, x1] = place.region;
  const dw = (x1 - x0) * place.scale, dh = (y1 - y0) * place.scale;
  return points.map(([y, x]) => {
    const i = Math.floor((y - y0) / place.factor), j = Math.floor((x - x0) / place.factor);
    const cx = Math.floor(place.dx + (j + 0.5) * dw / place.w);
    const cy = Math.floor(place.dy + (i + 0.5) * dh / place.h);
    return Array.from(ctx.getImageData(cx, cy, 1, 1).data.slice(0, 3));
  });
}"""


def frame_label(number: int) -> re.Pattern[str]:
    """The player's label of frame ``number`` (1-based), with the stack's omega there."""
    return re.compile(rf"^{number} / {N_FRAMES} · omega \(deg\) = [0-9.]+$")


@pytest.fixture(scope="module")
def t1_stack(proposals_file: Path) -> Iterator[synthetic.StackInfo]:
    """A small Eiger-like stack in T1's raw data, readable by the proposal's group only."""
    raw = PROPOSALS_ROOT / "T1" / "raw"
    path = raw / STACK
    info = synthetic.write_eiger_stack(
        path, shape=(514, 515), n_frames=N_FRAMES, module=(250, 250), gap=(7, 8)
    )
    os.chown(path, 0, raw.parent.stat().st_gid)
    path.chmod(0o640)
    yield info
    path.unlink()


@pytest.fixture(scope="module")
def t1_curve(proposals_file: Path) -> Iterator[Path]:
    """A long spectrum (decimated for display) in T1's raw data."""
    raw = PROPOSALS_ROOT / "T1" / "raw"
    path = raw / CURVE
    synthetic.write_spectrum(path, n_points=N_POINTS)
    os.chown(path, 0, raw.parent.stat().st_gid)
    path.chmod(0o640)
    yield path
    path.unlink()


def colours_at(root: Locator, points: list[tuple[int, int]]) -> list[list[int]]:
    result: list[list[int]] = root.page.evaluate(
        CANVAS_AT, [root.element_handle(), [list(p) for p in points]]
    )
    return result


def wait_for_frame(root: Locator, index: int) -> None:
    root.page.wait_for_function(
        "([root, i]) => root.dataset.lastFrame === String(i)",
        arg=[root.element_handle(), index],
        timeout=60_000,
    )


def curve_shown(root: Locator) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(root.get_attribute("data-curve") or "{}")
    return shown


def test_alice_views_a_stack_of_her_proposal_and_scrubs_it(
    page: Page, api: HubAPI, t1_stack: synthetic.StackInfo, t1_curve: Path, artifacts: Path
) -> None:
    peak_colour = [int(c) for c in make_palette("viridis")[254][:3]]
    spawn_from_form(page, api.base, "alice", {"partition": "cpu", "cpus": "2", "memory_gb": "2"})
    name = ""
    try:
        name = open_notebook(page, api, "alice")
        page.click(".jp-Notebook .jp-Cell .cm-content")
        page.keyboard.type(
            f"from panhub_nexus import NexusViewer; NexusViewer('/data/T1/raw/{STACK}')"
        )
        page.keyboard.press("Shift+Enter")
        root = page.locator(".jp-OutputArea-output .phx")
        try:
            expect(root).to_be_visible(timeout=90_000)
            wait_for_frame(root, 0)
        except AssertionError:
            page.screenshot(path=artifacts / "viewer-hub-failed.png")
            raise
        expect(root.locator(".phx-path")).to_have_text(f"{STACK} :: /")
        expect(root.locator(".phx-tree")).to_contain_text("entry")
        expect(root.locator(".phx-error")).to_be_hidden()
        slider = root.locator(".phx-foot input[type=range]")
        expect(slider).to_have_attribute("max", str(N_FRAMES - 1))
        first, seventh = t1_stack.peaks[0], t1_stack.peaks[7]
        assert colours_at(root, [first])[0] == peak_colour
        page.screenshot(path=artifacts / "viewer-hub-frame1.png")
        root.screenshot(path=artifacts / "viewer-hub-widget-frame1.png")

        slider.fill("7")
        wait_for_frame(root, 7)
        expect(root.locator(".phx-foot span").first).to_have_text(frame_label(8))
        at_new, at_old = colours_at(root, [seventh, first])
        assert at_new == peak_colour
        assert at_old != peak_colour
        root.screenshot(path=artifacts / "viewer-hub-widget-frame8.png")

        root.focus()  # the arrow keys step through the stack
        page.keyboard.press("ArrowRight")
        wait_for_frame(root, 8)
        assert colours_at(root, [t1_stack.peaks[8]])[0] == peak_colour
        expect(root.locator(".phx-foot span").first).to_have_text(frame_label(9))
        shown: dict[str, Any] = root.evaluate("r => ({...r.dataset})")
        place = json.loads(shown["place"])
        assert (place["h"], place["w"]) == (257, 258)  # 514 x 515 pooled 2 x 2
        # small images travel as raw colour indices: exactly 1 byte per displayed pixel
        assert int(shown["bytes"]) == place["h"] * place["w"]

        # playback: the kernel sends the next frames; pausing shows the slider's frame
        play = root.locator(".phx-foot button")
        changed = int(shown["framesChanged"])
        play.click()
        expect(root).to_have_attribute("data-playing", "true")
        page.wait_for_function(
            "([root, n]) => Number(root.dataset.framesChanged) >= n",
            arg=[root.element_handle(), changed + 2 * N_FRAMES],  # wraps around twice
            timeout=60_000,
        )
        play.click()
        expect(root).to_have_attribute("data-playing", "false")
        paused = int(slider.input_value())
        wait_for_frame(root, paused)
        page.wait_for_timeout(500)  # frames still travelling are not shown
        assert root.get_attribute("data-last-frame") == str(paused)
        expect(root.locator(".phx-foot span").first).to_have_text(frame_label(paused + 1))
        assert colours_at(root, [t1_stack.peaks[paused]])[0] == peak_colour
        root.screenshot(path=artifacts / "viewer-hub-widget-paused.png")

        # a long spectrum: decimated; the wheel zooms and the window in view comes
        # back with every point; a double click shows the whole curve again
        page.locator(".jp-Notebook .jp-Cell").last.locator(".cm-content").click()
        page.keyboard.type(f"NexusViewer('/data/T1/raw/{CURVE}')")
        page.keyboard.press("Shift+Enter")
        plot = page.locator(".jp-OutputArea-output .phx").nth(1)
        expect(plot).to_have_attribute("data-curve", re.compile('"decimated":true'), timeout=60_000)
        whole = curve_shown(plot)
        assert (whole["start"], whole["stop"], whole["total"]) == (0, N_POINTS, N_POINTS)
        canvas = plot.locator(".phx-canvas-wrap canvas")
        canvas.scroll_into_view_if_needed()  # the wheel goes to what is under the mouse
        box = canvas.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        for _ in range(20):  # 0.8 ** 20: about 1% of the curve in view
            page.mouse.wheel(0, -100)
        expect(plot).to_have_attribute(
            "data-curve", re.compile('"decimated":false'), timeout=30_000
        )
        zoomed = curve_shown(plot)
        assert 0 < zoomed["start"] < zoomed["stop"] < N_POINTS
        assert zoomed["n"] == zoomed["stop"] - zoomed["start"] < N_POINTS // 50
        view = json.loads(plot.get_attribute("data-curve-view") or "null")
        q, _intensity = synthetic.make_spectrum(N_POINTS)  # the window covers the view
        assert q[zoomed["start"]] <= view["x0"] < view["x1"] <= q[zoomed["stop"] - 1]
        plot.screenshot(path=artifacts / "viewer-hub-widget-curve-zoomed.png")
        canvas.dblclick()
        expect(plot).to_have_attribute("data-curve", re.compile('"start":0,"stop":200000'))
        assert plot.get_attribute("data-curve-view") == "null"
        plot.screenshot(path=artifacts / "viewer-hub-widget-curve.png")
    finally:
        if name:
            delete_notebook(api, "alice", name)
        api.stop("alice")
