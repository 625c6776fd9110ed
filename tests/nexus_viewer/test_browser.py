"""The viewer in a real JupyterLab and Chromium: display a stack, move the slider."""

from __future__ import annotations

from pathlib import Path

import pytest
from panhub_nexus import synthetic
from playwright.sync_api import sync_playwright

from tests.nexus_viewer.lab_support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWER_JS,
    open_viewer,
    running_lab,
    write_notebook,
)

pytestmark = pytest.mark.browser


def test_stack_slider_and_screenshot(tmp_path: Path) -> None:
    info = synthetic.write_eiger_stack(
        tmp_path / "stack.nxs", shape=(514, 515), n_frames=12, module=(250, 250), gap=(7, 8)
    )
    code = f"from panhub_nexus import NexusViewer\nviewer = NexusViewer({info.path!r})\nviewer"
    write_notebook(tmp_path / "view.ipynb", code)
    ARTIFACTS.mkdir(exist_ok=True)
    with running_lab(tmp_path) as lab, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            root = open_viewer(page, lab, "view.ipynb")
            slider = root.locator(".phx-foot input[type=range]")
            assert slider.get_attribute("max") == "11"
            slider.fill("7")
            page.wait_for_function(f"() => {VIEWER_JS}.dataset.lastFrame === '7'", timeout=30_000)
            assert root.locator(".phx-foot span").first.inner_text() == "8 / 12"
            # the tree lists the file's first level, the error banner is hidden
            assert "entry" in root.locator(".phx-tree").inner_text()
            assert not root.locator(".phx-error").is_visible()
            colours = page.evaluate(
                """() => {
                  const VIEWER = VIEWER_EXPR;
                  const c = VIEWER.querySelector('.phx-canvas-wrap canvas');
                  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  const seen = new Set();
                  for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] << 16 | d[i+1] << 8 | d[i+2]);
                  return seen.size;
                }""".replace("VIEWER_EXPR", VIEWER_JS)
            )
            assert colours > 20  # an image with a colormap, not a blank canvas
            root.screenshot(path=str(ARTIFACTS / "nexus_viewer_stack.png"))
            assert (ARTIFACTS / "nexus_viewer_stack.png").stat().st_size > 10_000
        finally:
            browser.close()
