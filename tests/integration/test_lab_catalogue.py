"""The catalogue side panel in JupyterLab, as alice and carol meet it on the tests' hub.

alice (member of T1) logs in, starts her server from the form and opens the panel: the
catalogue shows her T1 and the released T4, never bob's embargoed T2 and T3. She
searches, filters by beamline, access and "My data" (an empty result names the filters
that caused it), reads T1's details (its title, made by the catalogue from the NeXus
file, holds HTML: shown as text), opens T1's NeXus stack in the viewer from the panel and
sees its first frame, inserts the marked code cell into a notebook (below the active
cell, not run, nothing overwritten), runs it and sees the viewer; she downloads T4's
public file (not mounted: download only) through the hub's OAuth, and the bytes are the
file's. The same with the keyboard only. axe-core finds no serious or critical
violation in the panel and the viewer tab, in the light and the dark theme. carol (staff
of BL-A) sees T2, mounted in her view. Last, the catalogue stops: the panel says so
with a Retry, which recovers once it is back. Screenshots go to artifacts/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import h5py
import pytest
import requests
from panhub import demo
from panhub_catalogue.demo import ScanSpec, write_scan
from panhub_nexus import synthetic
from playwright.sync_api import Browser, Locator, Page, expect

from tests.support.browser import delete_notebook, open_notebook, spawn_from_form
from tests.support.cluster import ARTIFACTS, PROPOSALS_ROOT
from tests.support.hub import ROOT, HubAPI, wait_for

pytestmark = pytest.mark.browser

EXTENSION = ROOT / "extensions" / "catalogue"
AXE = EXTENSION / "node_modules" / "axe-core" / "axe.min.js"
JLPM = "/opt/panhub/venv/bin/jlpm"
STACK = "panel_stack.nxs"
N_FRAMES = 4
#: T1's title comes from its first raw NeXus file: HTML and script, to be shown as text.
TITLE = 'Eiger <b>bold</b> <img src=x onerror="window.__pwned=1"> stack'
LOGBOOK = "<script>window.__pwned=2</script><i>not italic</i>"
RELEASED_FILE = PROPOSALS_ROOT / "T4" / "raw" / "scan" / "scan0001.nxs"
VIEWER = ".jp-PanhubViewerDocument:not(.lm-mod-hidden)"
FRAME_DRAWN = (
    f"() => Number(document.querySelector('{VIEWER} .phx')?.dataset.framesShown || 0) >= 1"
)
SPAWN = {"partition": "cpu", "cpus": "2", "memory_gb": "2"}


# ---- the world


@pytest.fixture(scope="module")
def t1_stack(catalogue: dict[str, int], hub_instance: demo.HubInstance) -> Iterator[Path]:
    """A small Eiger-like stack in T1's raw data (group-readable only), indexed."""
    path = PROPOSALS_ROOT / "T1" / "raw" / STACK
    synthetic.write_eiger_stack(
        path, shape=(514, 515), n_frames=N_FRAMES, module=(250, 250), gap=(7, 8)
    )
    with h5py.File(path, "a") as f:
        del f["entry/title"]
        f["entry/title"] = TITLE
    os.chown(path, 0, (PROPOSALS_ROOT / "T1").stat().st_gid)
    path.chmod(0o640)
    try:
        index(hub_instance)
        yield path
    finally:
        path.unlink(missing_ok=True)
        index(hub_instance)


def index(hub_instance: demo.HubInstance) -> None:
    root = str(PROPOSALS_ROOT)
    demo.catalogue_command(hub_instance, ["index", "--root", root, "--no-progress", root])


@pytest.fixture(scope="module")
def axe_source() -> Path:
    """axe-core, a devDependency of the extension (installed by the build's ``jlpm install``)."""
    if not AXE.exists():
        env = dict(os.environ, PATH=f"/opt/panhub/venv/bin:{os.environ['PATH']}")
        subprocess.run([JLPM, "install"], cwd=EXTENSION, env=env, check=True, timeout=600)
    assert AXE.exists(), AXE
    return AXE


@pytest.fixture(scope="module")
def alice(browser: Browser, api: HubAPI, t1_stack: Path) -> Iterator[Page]:
    """alice's browser, logged in, her server spawned from the form (one for the module)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        spawn_from_form(page, api.base, "alice", dict(SPAWN))
        yield page
    finally:
        context.close()
        api.stop("alice")


# ---- what a user does


def open_lab(page: Page, base: str, user: str) -> None:
    """The Lab with a fresh workspace (no panel or tab left from earlier)."""
    page.goto(f"{base}/user/{user}/lab?reset")
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=90_000)
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=30_000)


def panel(page: Page) -> Locator:
    return page.locator("#panhub-catalogue")


def open_panel(page: Page, results: bool = True) -> Locator:
    """Click the Catalogue tab of the left sidebar; wait for the first results."""
    tab = page.locator('.jp-SideBar .lm-TabBar-tab[data-id="panhub-catalogue"]')
    if "lm-mod-current" not in (tab.get_attribute("class") or ""):
        tab.click()
    root = panel(page)
    expect(root.get_by_role("searchbox", name="Search the catalogue")).to_be_visible()
    if results:
        expect(root.get_by_role("grid", name="Investigations")).to_be_visible()
    return root


def search_box(page: Page) -> Locator:
    return panel(page).get_by_role("searchbox", name="Search the catalogue")


def grid(page: Page) -> Locator:
    return panel(page).get_by_role("grid", name="Investigations")


def rows(page: Page) -> Locator:
    return grid(page).locator(".panhub-CatalogueResults-rows [role=row]:not([hidden])")


def row(page: Page, name: str) -> Locator:
    proposal = page.locator(".panhub-mod-proposal", has_text=re.compile(f"^{name}$"))
    return rows(page).filter(has=proposal)


def shown_names(page: Page) -> list[str]:
    return sorted(rows(page).locator(".panhub-mod-proposal").all_inner_texts())


def wait_until(what: str, check: Callable[[], Any], timeout: float = 30) -> Any:
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def expect_names(page: Page, names: list[str]) -> None:
    """The results settle on exactly ``names`` (any order), with the total to match."""
    status = panel(page).locator(".panhub-CatalogueResults-status")
    try:
        wait_until(
            f"results {names}",
            lambda: (
                grid(page).get_attribute("aria-busy") == "false"
                and grid(page).is_visible()
                and shown_names(page) == sorted(names)
            ),
        )
    except AssertionError:
        page.screenshot(path=ARTIFACTS / "lab-catalogue-failed.png")
        raise AssertionError(f"shown {shown_names(page)}, expected {sorted(names)}") from None
    expect(grid(page)).to_have_attribute("aria-rowcount", str(len(names) + 1))
    expect(status).to_have_text("1 result" if len(names) == 1 else f"{len(names)} results")


def filter_list(page: Page, name: str) -> Locator:
    """A facet list (a <details>), opened."""
    details = panel(page).locator(f'details[data-filter="{name}"]')
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details


def select(page: Page, name: str) -> Locator:
    """Click ``name``'s row: its details load."""
    row(page, name).locator(".panhub-mod-proposal").click()  # not the wide row's middle
    details = panel(page).locator(".panhub-CatalogueDetails")
    expect(details.locator(".panhub-CatalogueDetails-name")).to_have_text(name)
    expect(
        details.locator(".panhub-CatalogueDetails-datasets [role=listitem]").first
    ).to_be_visible()
    return details


def open_datasets(details: Locator) -> None:
    """Unfold every dataset of the details (their files load)."""
    for summary in details.locator(".panhub-CatalogueDataset > summary").all():
        if summary.locator("xpath=..").get_attribute("open") is None:
            summary.click()
    expect(details.locator(".panhub-CatalogueFile").first).to_be_visible()
    expect(details.get_by_text("Loading files…")).to_have_count(0)


def is_upstream(violation: dict[str, Any]) -> bool:
    """JupyterLab 4's own ``ToolbarButton`` (every toolbar's): ``aria-pressed`` on ``jp-button``.

    Not panhub's: ``ToolbarButtonComponent`` always sets ``aria-pressed``, on an element
    axe gives no role.
    """
    return violation["id"] == "aria-allowed-attr" and all(
        node["html"].startswith("<jp-button")
        and "jp-ToolbarButtonComponent" in node["html"]
        and "aria-pressed" in node["failureSummary"]
        for node in violation["nodes"]
    )


def run_axe(page: Page, axe: Path, selector: str, name: str) -> list[dict[str, Any]]:
    """axe-core on ``selector``: the serious and critical violations (all saved to artifacts)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe))
    result: dict[str, Any] = page.evaluate(
        "s => axe.run(document.querySelector(s), {resultTypes: ['violations']})", selector
    )
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(result["violations"], indent=1))
    bad = [
        v
        for v in result["violations"]
        if v["impact"] in ("serious", "critical") and not is_upstream(v)
    ]
    for v in bad:
        print(f"axe {name}: {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            print("   ", node["target"], node["failureSummary"].replace("\n", " "))
    return bad


def menu_item(page: Page, label: str) -> Locator:
    """An item of an open menu, by its label."""
    name = page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(label)}$"))
    return page.locator(".lm-Menu:visible .lm-Menu-item").filter(has=name).first


def set_theme(page: Page, theme: str) -> None:
    """Settings → Theme → ``theme``, as a user picks it."""
    if page.locator("body").get_attribute("data-jp-theme-name") == theme:
        return
    page.keyboard.press("Escape")  # no menu left open
    page.get_by_role("menuitem", name="Settings", exact=True).click()
    menu_item(page, "Theme").hover()
    menu_item(page, theme).click()
    expect(page.locator("body")).to_have_attribute("data-jp-theme-name", theme)
    page.wait_for_timeout(500)  # the theme's CSS applies


def lab_route(api: HubAPI, user: str, route: str) -> str:
    return f"{api.base}/user/{user}/panhub-catalogue/api/{route}"


def user_headers(api: HubAPI, user: str) -> dict[str, str]:
    return {"Authorization": f"token {api.as_user(user).token}"}


# ---- the tests


def test_alice_sees_only_what_she_may(
    alice: Page, api: HubAPI, catalogue: dict[str, int], artifacts: Path
) -> None:
    page = alice
    open_lab(page, api.base, "alice")
    root = open_panel(page)
    expect_names(page, ["T1", "T4"])  # bob's T2 and T3: absent
    t1, t4 = row(page, "T1"), row(page, "T4")
    expect(t4.locator(".panhub-mod-release")).to_contain_text("Public")
    expect(t1.locator(".panhub-mod-release")).to_contain_text("Embargoed")
    # the title the catalogue took from the file, HTML and all, as text
    expect(t1.locator(".panhub-mod-title")).to_have_text(TITLE)
    assert t1.locator(".panhub-mod-title img, .panhub-mod-title b").count() == 0
    expect(t1.locator(".panhub-mod-beamline")).to_have_text("BL-A")
    root.screenshot(path=artifacts / "lab-catalogue-panel.png")
    page.screenshot(path=artifacts / "lab-catalogue-results.png")
    assert page.evaluate("() => window.__pwned") is None


def test_search_and_filters_narrow_the_results(
    alice: Page, api: HubAPI, catalogue: dict[str, int], artifacts: Path
) -> None:
    page = alice
    open_panel(page)
    expect_names(page, ["T1", "T4"])
    search_box(page).fill("reference")  # T4's title: "Released reference scan"
    expect_names(page, ["T4"])
    search_box(page).fill("")
    expect_names(page, ["T1", "T4"])

    beamlines = filter_list(page, "beamline")
    bl_a = beamlines.get_by_role("checkbox", name=re.compile(r"^BL-A \(1\)$"))
    bl_a.check()
    expect_names(page, ["T1"])
    expect(beamlines.locator("summary")).to_have_text("Beamline · 1 selected")
    bl_a.uncheck()
    expect_names(page, ["T1", "T4"])

    panel(page).get_by_role("radio", name=re.compile(r"^Public")).check()
    expect_names(page, ["T4"])
    panel(page).get_by_role("radio", name=re.compile(r"^Embargoed")).check()
    expect_names(page, ["T1"])
    panel(page).get_by_role("radio", name="All").check()
    expect_names(page, ["T1", "T4"])

    mine = panel(page).get_by_role("checkbox", name="My data")
    mine.check()
    expect_names(page, ["T1"])  # T4 is public, not hers

    # nothing matches: the message names the filters that caused it, and clears them
    search_box(page).fill("reference")
    message = panel(page).locator(".panhub-CatalogueResults-message")
    expect(message).to_have_text(re.compile("No investigations match: text “reference”, my data."))
    expect(panel(page).locator(".panhub-CatalogueResults-status")).to_have_text("0 results")
    expect(grid(page)).to_be_hidden()
    panel(page).screenshot(path=artifacts / "lab-catalogue-empty.png")
    message.get_by_role("button", name="Clear filters").click()
    expect_names(page, ["T1", "T4"])
    expect(mine).not_to_be_checked()
    expect(search_box(page)).to_have_value("")


def test_details_of_t1_and_html_as_text(
    alice: Page, api: HubAPI, catalogue: dict[str, int], artifacts: Path
) -> None:
    page = alice
    # a logbook note with a script in it, posted through the Lab's route
    posted = requests.post(
        lab_route(api, "alice", f"investigations/{catalogue['T1']}/logbook"),
        json={"content": LOGBOOK},
        headers=user_headers(api, "alice"),
        timeout=30,
    )
    assert posted.status_code == 201, posted.text
    open_panel(page)
    expect_names(page, ["T1", "T4"])
    details = select(page, "T1")
    expect(details.locator(".panhub-CatalogueDetails-title")).to_contain_text(TITLE)
    badges = details.locator(".panhub-CatalogueDetails-badges")
    expect(badges).to_contain_text("Embargoed")
    expect(badges).to_contain_text("Mounted here")
    facts = details.locator(".panhub-CatalogueDetails-facts").first
    expect(facts).to_contain_text("BL-A")
    expect(details.locator(".panhub-CatalogueDetails-members")).to_contain_text("alice")
    expect(details.get_by_role("link", name="Landing page")).to_have_attribute(
        "href", f"/services/catalogue/landing/investigations/{catalogue['T1']}"
    )
    logbook = details.locator(".panhub-CatalogueLogbook-content").first
    expect(logbook).to_have_text(LOGBOOK)
    assert details.locator("script, img, b, i").count() == 0
    assert page.evaluate("() => window.__pwned") is None

    open_datasets(details)
    open_button = details.get_by_role("button", name=f"Open {STACK} in the NeXus viewer")
    expect(open_button).to_be_visible()
    expect(
        details.get_by_role("button", name=f"Insert a code cell that opens {STACK}")
    ).to_be_visible()
    # a mounted file: no download in the row (it is in the ⋯ menu), no "not mounted" badge
    expect(details.get_by_role("button", name=f"Download {STACK} to my computer")).to_have_count(0)
    text_file = details.locator(".panhub-CatalogueFile", has_text="data.txt")
    expect(text_file.get_by_role("button", name="Open data.txt in the NeXus viewer")).to_have_count(
        0
    )
    expect(details.locator(".panhub-CatalogueFile.panhub-mod-unmounted")).to_have_count(0)
    panel(page).screenshot(path=artifacts / "lab-catalogue-details.png")


def test_open_a_file_in_the_viewer_from_the_panel(
    alice: Page, api: HubAPI, catalogue: dict[str, int], axe_source: Path, artifacts: Path
) -> None:
    page = alice
    open_lab(page, api.base, "alice")
    open_panel(page)
    expect_names(page, ["T1", "T4"])
    details = select(page, "T1")
    open_datasets(details)
    details.get_by_role("button", name=f"Open {STACK} in the NeXus viewer").click()
    try:
        page.wait_for_function(FRAME_DRAWN, timeout=90_000)
    except Exception:
        page.screenshot(path=artifacts / "lab-catalogue-viewer-failed.png")
        raise
    tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")
    expect(tab).to_have_text(STACK)
    viewer = page.locator(f"{VIEWER} .phx")
    expect(viewer.locator(".phx-path")).to_have_text(f"{STACK} :: /")
    expect(viewer.locator(".phx-foot input[type=range]")).to_have_attribute(
        "max", str(N_FRAMES - 1)
    )
    page.screenshot(path=artifacts / "lab-catalogue-viewer.png")
    bad = run_axe(page, axe_source, VIEWER, "viewer-light")
    assert bad == [], [v["id"] for v in bad]


def test_insert_the_code_cell_and_run_it(
    alice: Page, api: HubAPI, catalogue: dict[str, int], artifacts: Path
) -> None:
    page = alice
    name = open_notebook(page, api, "alice")
    try:
        cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
        cells.first.locator(".cm-content").click()
        page.keyboard.type("answer = 42")
        page.keyboard.press("Escape")  # command mode, the first cell active
        open_panel(page)
        expect_names(page, ["T1", "T4"])
        details = select(page, "T1")
        open_datasets(details)
        details.get_by_role("button", name=f"Insert a code cell that opens {STACK}").click()

        # below the active cell, marked, not run; the first cell untouched
        expect(cells).to_have_count(2)
        expect(cells.nth(0).locator(".cm-content")).to_have_text("answer = 42")
        inserted = cells.nth(1)
        source = inserted.locator(".cm-content").inner_text()
        assert source.startswith("# panhub catalogue: datafile "), source
        assert "proposal T1" in source.splitlines()[0], source
        assert f"/data/T1/raw/{STACK}" in source, source
        expect(inserted.locator(".jp-InputPrompt")).to_have_text("[ ]:")
        expect(inserted.locator(".jp-OutputArea-output")).to_have_count(0)
        expect(cells.nth(0).locator(".jp-InputPrompt")).to_have_text("[ ]:")
        page.screenshot(path=artifacts / "lab-catalogue-cell-inserted.png")

        # run it: the viewer in the notebook, first frame drawn
        inserted.locator(".cm-content").click()
        page.keyboard.press("Shift+Enter")
        output = inserted.locator(".jp-OutputArea-output .phx")
        expect(output).to_be_visible(timeout=90_000)
        page.wait_for_function(
            "root => root.dataset.lastFrame === '0'", arg=output.element_handle(), timeout=90_000
        )
        expect(output.locator(".phx-path")).to_have_text(f"{STACK} :: /")
        expect(output.locator(".phx-error")).to_be_hidden()
        page.screenshot(path=artifacts / "lab-catalogue-cell-run.png")
    finally:
        delete_notebook(api, "alice", name)


def test_public_data_of_others_is_download_only(
    alice: Page, api: HubAPI, catalogue: dict[str, int], artifacts: Path
) -> None:
    page = alice
    open_lab(page, api.base, "alice")
    open_panel(page)
    expect_names(page, ["T1", "T4"])
    details = select(page, "T4")
    badges = details.locator(".panhub-CatalogueDetails-badges")
    expect(badges).to_contain_text("Public")
    expect(badges).to_contain_text("Not mounted here: download only")
    open_datasets(details)
    name = RELEASED_FILE.name
    file = details.locator(".panhub-CatalogueFile", has_text=name)
    expect(file).to_have_class(re.compile("panhub-mod-unmounted"))
    expect(file).to_contain_text("not mounted here")
    expect(file.get_by_role("button", name=f"Open {name} in the NeXus viewer")).to_have_count(0)
    expect(file.get_by_role("button", name=f"Insert a code cell that opens {name}")).to_have_count(
        0
    )
    panel(page).screenshot(path=artifacts / "lab-catalogue-public.png")

    # to my computer: through the catalogue's hub OAuth login, in the browser
    with page.expect_download(timeout=60_000) as info:
        file.get_by_role("button", name=f"Download {name} to my computer").click()
    download = info.value
    assert download.failure() is None, download.failure()
    assert download.suggested_filename == name
    assert Path(download.path()).read_bytes() == RELEASED_FILE.read_bytes()
    # the Lab stayed where it was
    assert re.search(r"/user/alice/lab", page.url), page.url
    expect(panel(page)).to_be_visible()


def test_keyboard_only(
    alice: Page, api: HubAPI, catalogue: dict[str, int], artifacts: Path
) -> None:
    page = alice
    open_lab(page, api.base, "alice")
    expect(page.locator(".jp-Launcher")).to_be_visible()  # it takes focus when it opens
    page.wait_for_timeout(1000)
    # Tab to the left sidebar's tabs, arrows to Catalogue, Enter; Tab to the search box
    page.locator("body").focus()
    active_tab = "() => document.activeElement.closest('.jp-SideBar.jp-mod-left .lm-TabBar-tab')"
    # every Launcher card is a stop on the way: staff kernels (notebook and console) and
    # the templates
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => !!({active_tab})()"):
            break
    else:
        raise AssertionError("Tab never reached the left sidebar's tabs")
    for _ in range(12):
        if page.evaluate(f"() => ({active_tab})().dataset.id") == "panhub-catalogue":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(search_box(page)).to_be_visible()
    for _ in range(30):
        if page.evaluate("() => document.activeElement.type === 'search'"):
            break
        page.keyboard.press("Tab")
    expect(search_box(page)).to_be_focused()
    expect_names(page, ["T1", "T4"])
    page.keyboard.type("T1")
    expect_names(page, ["T1"])

    # Tab on to the grid; every stop on the way has a name
    stops = []
    for _ in range(60):
        page.keyboard.press("Tab")
        stop = page.evaluate(
            """() => {
              const a = document.activeElement;
              return {tag: a.tagName, role: a.getAttribute('role') || '',
                      label: a.getAttribute('aria-label') || a.labels?.[0]?.innerText
                             || a.innerText || a.title || '',
                      inGrid: !!a.closest('[role=grid]'),
                      inRows: a.getAttribute('role') === 'row' || a.getAttribute('role') === 'grid',
                      inPanel: !!a.closest('#panhub-catalogue')};
            }"""
        )
        stops.append(stop)
        assert stop["inPanel"], stops  # focus stays in the panel on the way
        assert stop["label"].strip() or stop["inGrid"], stops
        if stop["inRows"]:
            break
    else:
        raise AssertionError(f"Tab never reached the results: {stops}")
    page.keyboard.press("Home")
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("role", "row")
    expect(focused).to_have_attribute("aria-rowindex", "2")
    expect(focused.locator(".panhub-mod-proposal")).to_have_text("T1")
    page.keyboard.press("Enter")
    details = panel(page).locator(".panhub-CatalogueDetails")
    expect(details.locator(".panhub-CatalogueDetails-name")).to_have_text("T1")
    expect(focused).to_have_attribute("aria-selected", "true")

    # Shift+Tab back to the search, clear it: both rows; arrows move through them
    for _ in range(60):
        if page.evaluate("() => document.activeElement.type === 'search'"):
            break
        page.keyboard.press("Shift+Tab")
    expect(search_box(page)).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.press("Backspace")
    expect_names(page, ["T1", "T4"])
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.getAttribute('role') === 'row'"):
            break
    page.keyboard.press("Home")
    page.keyboard.press("ArrowDown")
    expect(page.locator(":focus")).to_have_attribute("aria-rowindex", "3")
    page.keyboard.press("ArrowUp")
    expect(page.locator(":focus")).to_have_attribute("aria-rowindex", "2")
    page.keyboard.press("End")
    expect(page.locator(":focus")).to_have_attribute("aria-rowindex", "3")
    chosen = page.locator(":focus .panhub-mod-proposal").inner_text()
    page.keyboard.press("Enter")
    expect(details.locator(".panhub-CatalogueDetails-name")).to_have_text(chosen)
    page.screenshot(path=artifacts / "lab-catalogue-keyboard.png")


def test_accessibility_and_themes(
    alice: Page, api: HubAPI, catalogue: dict[str, int], axe_source: Path, artifacts: Path
) -> None:
    page = alice
    open_lab(page, api.base, "alice")
    open_panel(page)
    expect_names(page, ["T1", "T4"])
    details = select(page, "T1")
    open_datasets(details)
    filter_list(page, "beamline")
    found: dict[str, list[str]] = {}
    try:
        bad = run_axe(page, axe_source, "#panhub-catalogue", "panel-light")
        found["light"] = [v["id"] for v in bad]
        page.screenshot(path=artifacts / "lab-catalogue-light.png")
        set_theme(page, "JupyterLab Dark")
        bad = run_axe(page, axe_source, "#panhub-catalogue", "panel-dark")
        found["dark"] = [v["id"] for v in bad]
        page.screenshot(path=artifacts / "lab-catalogue-dark.png")
        panel(page).screenshot(path=artifacts / "lab-catalogue-panel-dark.png")
    finally:
        set_theme(page, "JupyterLab Light")  # the theme is a user setting: put it back
    assert found == {"light": [], "dark": []}, found


def test_carol_staff_of_bl_a_sees_t2(
    browser: Browser, api: HubAPI, catalogue: dict[str, int], t1_stack: Path, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        spawn_from_form(page, api.base, "carol", dict(SPAWN))
        open_lab(page, api.base, "carol")
        open_panel(page)
        expect_names(page, ["T1", "T2", "T4"])  # staff of BL-A; not T3
        details = select(page, "T2")
        badges = details.locator(".panhub-CatalogueDetails-badges")
        # carol's data view mounts her beamline's proposals (/data/T1, /data/T2): T2
        # is mounted for her, its files open and go into cells like her own
        expect(badges).to_contain_text("Mounted here")
        open_datasets(details)
        data = details.locator(".panhub-CatalogueFile", has_text="data.txt")
        expect(
            data.get_by_role("button", name="Insert a code cell that opens data.txt")
        ).to_be_visible()
        expect(data).not_to_have_class(re.compile("panhub-mod-unmounted"))
        panel(page).screenshot(path=artifacts / "lab-catalogue-carol.png")
        details = select(page, "T4")
        expect(details.locator(".panhub-CatalogueDetails-badges")).to_contain_text(
            "Not mounted here: download only"
        )
    finally:
        context.close()
        api.stop("carol")


def test_show_the_catalogue_from_the_palette(
    alice: Page, api: HubAPI, catalogue: dict[str, int], artifacts: Path
) -> None:
    """Ctrl+Shift+C, "Show the Catalogue", Enter: the panel, the cursor in its search box."""
    page = alice
    open_lab(page, api.base, "alice")
    expect(page.locator(".jp-Launcher")).to_be_visible()
    page.wait_for_timeout(1000)  # the launcher takes the focus when it opens
    page.keyboard.press("Control+Shift+c")
    expect(page.locator(".lm-CommandPalette")).to_be_visible()
    page.keyboard.type("Show the Catalogue")
    page.keyboard.press("Enter")
    expect(search_box(page)).to_be_focused()
    page.keyboard.type("reference")
    expect_names(page, ["T4"])


@pytest.fixture
def t1_second(hub_instance: demo.HubInstance) -> Iterator[Path]:
    """T1's second dataset (``raw/lab2``), for a collection of two; removed afterwards."""
    path = PROPOSALS_ROOT / "T1" / "raw" / "lab2" / "scan0001.nxs"
    write_scan(path, ScanSpec(title="T1 lab scan", start=datetime(2026, 1, 6), instrument="BL-A"))
    try:
        index(hub_instance)
        yield path
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
        index(hub_instance)


def test_make_a_data_collection_from_the_panel(
    alice: Page, api: HubAPI, catalogue: dict[str, int], t1_second: Path, artifacts: Path
) -> None:
    """alice chooses two of T1's datasets, fills the form (a wrong ORCID first: the form
    says so and keeps what she typed), gets a complete draft and sends it to review."""
    page = alice
    open_lab(page, api.base, "alice")
    open_panel(page)
    expect_names(page, ["T1", "T4"])
    details = select(page, "T1")
    boxes = details.get_by_role("checkbox", name=re.compile("^Choose .* for a data collection$"))
    expect(boxes.nth(1)).to_be_visible()
    names = [
        re.sub(
            r"^Choose (.*) for a data collection$",
            r"\1",
            boxes.nth(i).get_attribute("aria-label") or "",
        )
        for i in range(2)
    ]
    boxes.nth(0).check()
    boxes.nth(1).check()
    basket = panel(page).locator(".panhub-CatalogueBasket")
    expect(basket).to_contain_text("2 datasets chosen for a data collection")
    panel(page).screenshot(path=artifacts / "lab-collection-basket.png")
    basket.get_by_role("button", name="Make a Data Collection…").click()

    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-Dialog-header")).to_have_text("New data collection")
    for name in names:
        expect(dialog.locator(".panhub-CollectionForm-datasets")).to_contain_text(f"T1 · {name}")
    title = f"T1 from the Lab {LOGBOOK}"
    dialog.get_by_label("Title").fill(title)
    dialog.get_by_label("Description").fill("Two scans of T1, chosen in the panel.")
    dialog.get_by_role("button", name="Add an author").click()
    dialog.get_by_label("Author 1, name").fill("Tester, Alice")
    dialog.get_by_label("Author 1, ORCID iD").fill("0000-0002-1825-0096")  # bad check digit
    dialog.get_by_label("Licence").select_option("CC-BY-4.0")
    dialog.get_by_role("button", name="Add a related DOI").click()
    dialog.get_by_label("Related 1, DOI").fill("10.1234/paper.5")
    dialog.get_by_label("Keywords (comma-separated)").fill("SAXS, integration")
    page.screenshot(path=artifacts / "lab-collection-form.png")
    dialog.get_by_role("button", name="Create draft").click()

    # refused: said in the form, next to what she typed, which is all still there
    alert = dialog.locator(".panhub-CollectionForm-alert")
    expect(alert).to_contain_text("ORCID")
    expect(dialog.get_by_label("Title")).to_have_value(title)
    expect(dialog.get_by_label("Related 1, DOI")).to_have_value("10.1234/paper.5")
    page.screenshot(path=artifacts / "lab-collection-refused.png")
    dialog.get_by_label("Author 1, ORCID iD").fill("0000-0002-1825-0097")
    dialog.get_by_role("button", name="Create draft").click()

    expect(dialog.locator(".jp-Dialog-header")).to_contain_text("is complete")
    page.screenshot(path=artifacts / "lab-collection-complete.png")
    dialog.get_by_role("button", name="Submit for review").click()
    toast = page.locator(".Toastify__toast", has_text="is in review")
    expect(toast).to_be_visible()
    expect(basket).to_be_hidden()  # the choice is used up
    expect(boxes.nth(0)).not_to_be_checked()  # and the checkboxes say so
    assert page.evaluate("() => window.__pwned") is None

    mine = requests.get(
        lab_route(api, "alice", "collections?mine=true"),
        headers=user_headers(api, "alice"),
        timeout=30,
    ).json()["items"]
    made = next(c for c in mine if c["title"] == title)
    assert made["status"] == "review"
    record = requests.get(
        lab_route(api, "alice", f"collections/{made['id']}"),
        headers=user_headers(api, "alice"),
        timeout=30,
    ).json()
    assert sorted(d["name"] for d in record["datasets"]) == sorted(names)
    assert record["licence"] == "CC-BY-4.0"
    assert record["creators"][0]["orcid"].endswith("0000-0002-1825-0097")
    assert record["relatedIdentifiers"][0]["identifier"] == "10.1234/paper.5"
    assert record["portalUrl"] == f"/services/catalogue/collections/{made['id']}"


def test_catalogue_down_then_back(
    alice: Page, api: HubAPI, catalogue: dict[str, int], hub_instance: demo.HubInstance,
    artifacts: Path,
) -> None:  # fmt: skip
    """Last in the module: the catalogue stops, the panel says so, Retry recovers."""
    page = alice
    open_lab(page, api.base, "alice")
    open_panel(page)
    expect_names(page, ["T1", "T4"])
    try:
        demo.stop_pid(hub_instance.catalogue_dir / "catalogue.pid")
        panel(page).get_by_role("button", name="Search again").click()
        message = panel(page).locator(".panhub-CatalogueResults-message")
        expect(message).to_contain_text("The catalogue is not answering", timeout=60_000)
        expect(panel(page).locator(".panhub-CatalogueResults-status")).to_have_text("Search failed")
        retry = message.get_by_role("button", name="Retry")
        expect(retry).to_be_visible()
        panel(page).screenshot(path=artifacts / "lab-catalogue-down.png")
        # the Lab goes on: the file browser still lists her proposal
        page.locator('.jp-SideBar .lm-TabBar-tab[data-id="filebrowser"]').click()
        expect(page.locator(".jp-FileBrowser .jp-DirListing-item").first).to_be_visible()
        retry_while_down = None
        open_panel(page, results=False)
        retry.click()
        # the message is drawn again once the retry is answered (empty while it is asked)
        retry_while_down = wait_for(
            "the retry's message",
            lambda: (
                "The catalogue is not answering" in message.inner_text() and message.inner_text()
            ),
            60,
            interval=0.1,
        )
    finally:
        demo.start_catalogue(hub_instance)
    assert retry_while_down
    panel(page).locator(".panhub-CatalogueResults-message").get_by_role(
        "button", name="Retry"
    ).click()
    expect_names(page, ["T1", "T4"])
    expect(panel(page).locator(".panhub-CatalogueResults-message")).to_be_hidden()
    panel(page).screenshot(path=artifacts / "lab-catalogue-recovered.png")
