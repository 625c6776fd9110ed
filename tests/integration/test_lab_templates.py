"""Template notebooks from JupyterLab's Launcher (no hub: a Lab of its own, in Chromium).

A throw-away JupyterLab (root folder ``/``, as in panhub's servers) loads the working
tree's ``@panhub/catalogue`` build and server extension, with the test templates
(tests/catalogue/lab/data/templates) as ``c.PanhubCatalogue.templates_path``, a proposal
``data/20260042/{raw,processed}`` and a home folder of its own. Its kernels: the Lab's
``python3`` and a stand-in for the staff kernel ``saxs-2026.12.1`` (the venv's Python
with the SAXS logo); ``xas-2026.12.1`` is missing.

The Launcher shows a Templates section (a card per template, the SAXS logo on the SAXS
one, the XAS one faded); a click copies the template into the Launcher's folder and opens
the copy on the template's kernel; a second click makes ``01-integrate-fit-2.ipynb``; the
template is never changed; a template whose kernel is missing says so; from a proposal's
``raw/`` the copy lands in the home folder with a notification saying so; File → "New
from Template…" picks one in a dialog. Screenshots go to artifacts/.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.support.lab import (
    CATALOGUE,
    CATALOGUE_BUILD,
    ROOT,
    build_catalogue_extension,
    catalogue_lab_args,
    get_json,
    running_lab,
)

pytestmark = pytest.mark.browser

EXTENSION = CATALOGUE
BUILD = CATALOGUE_BUILD
TEMPLATES = ROOT / "tests" / "catalogue" / "lab" / "data" / "templates"
PORT = 8896
PROPOSAL = "data/20260042"
MAIN = "#jp-main-dock-panel"
LAUNCHER = f"{MAIN} .jp-Launcher:visible"


@pytest.fixture(scope="module")
def extension() -> Path:
    """The working tree's labextension, built (dev build) if missing or stale."""
    return build_catalogue_extension()


def write_saxs_kernel(prefix: Path) -> None:
    """A kernelspec named as the SAXS staff kernel, with its logo, running the venv's Python."""
    spec = prefix / "kernels" / "saxs-2026.12.1"
    spec.mkdir(parents=True)
    shutil.copy(ROOT / "kernels" / "saxs" / "logo-svg.svg", spec / "logo-svg.svg")
    panhub = {"name": "saxs", "version": "2026.12.1", "technique_label": "SAXS/WAXS",
              "retired": False}  # fmt: skip
    kernel = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "SAXS/WAXS (saxs 2026.12.1)",
        "language": "python",
        "env": {"PANHUB_KERNEL": "saxs-2026.12.1"},
        "metadata": {"panhub": panhub},
    }
    (spec / "kernel.json").write_text(json.dumps(kernel))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The templates, a proposal, a home folder and the kernels, in a folder of their own."""
    world = tmp_path_factory.mktemp("templates-world")
    shutil.copytree(TEMPLATES, world / "templates")
    for folder in [f"{PROPOSAL}/raw", f"{PROPOSAL}/processed", "home"]:
        (world / folder).mkdir(parents=True)
    write_saxs_kernel(world / "jupyter")
    return world


@pytest.fixture(scope="module")
def lab(extension: Path, world: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab rooted at / with this tree's extension, the world's templates and home."""
    work = tmp_path_factory.mktemp("lab")
    args = [
        *catalogue_lab_args(work, extension),
        f"--PanhubCatalogue.templates_path={world / 'templates'}",
        f"--PanhubCatalogue.proposals_view={world / 'data'}",
    ]
    env = {"HOME": str(world / "home"), "JUPYTER_PATH": str(world / "jupyter")}
    with running_lab(
        work, port=PORT, root_dir=Path("/"), pythonpath=[EXTENSION], extra_args=args, env=env
    ) as lab:
        yield lab


def contents(path: Path) -> str:
    """``path`` as a contents path of the Lab (its root is ``/``)."""
    return str(path).strip("/")


def open_launcher(page: Page, lab: str, folder: Path) -> Locator:
    """Show `folder` in the file browser and open a Launcher there (its "+" button)."""
    url, token = lab.split("|")
    page.goto(f"{url}/lab/tree{folder}?reset&token={token}")
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=90_000)
    crumbs = page.locator(".jp-FileBrowser .jp-BreadCrumbs")
    expect(crumbs).to_contain_text(folder.name)
    page.locator(
        ".jp-FileBrowser .jp-ToolbarButtonComponent[data-command='launcher:create']"
    ).click()
    launcher = page.locator(LAUNCHER)
    expect(launcher.locator(".jp-Launcher-cwd h3")).to_have_text(contents(folder))
    return launcher


def card(launcher: Locator, title: str) -> Locator:
    section = launcher.locator(".jp-Launcher-section", has_text="Templates")
    return section.locator(".jp-LauncherCard", has_text=title)


def wait_for_tab(page: Page, name: str) -> None:
    current = page.locator(f"{MAIN} .lm-TabBar-tab.lm-mod-current")
    expect(current).to_have_text(name, timeout=60_000)


def session_kernel(lab: str, path: Path) -> str | None:
    sessions = [s for s in get_json(lab, "api/sessions") if s["path"] == contents(path)]
    return sessions[0]["kernel"]["name"] if sessions else None


def test_templates_from_the_launcher(page: Page, lab: str, world: Path, artifacts: Path) -> None:
    originals = {p: p.read_bytes() for p in (world / "templates").rglob("*.ipynb")}
    processed = world / PROPOSAL / "processed"
    raw = world / PROPOSAL / "raw"
    home = world / "home"
    saxs_template = (world / "templates" / "saxs" / "01-integrate-fit.ipynb").read_bytes()
    try:
        launcher = open_launcher(page, lab, processed)
        section = launcher.locator(".jp-Launcher-section", has_text="Templates")
        expect(section.locator(".jp-Launcher-sectionTitle")).to_have_text("Templates")
        # after the Notebook section, before the others
        titles = launcher.locator(".jp-Launcher-sectionTitle").all_inner_texts()
        assert titles[:2] == ["Notebook", "Templates"], titles
        labels = section.locator(".jp-LauncherCard-label").all_inner_texts()
        assert labels == ["Look at a NeXus file", "Integrate and fit",
                          "Normalise and fit the first shell"]  # fmt: skip
        saxs = card(launcher, "Integrate and fit")
        tooltip = saxs.get_attribute("title") or ""
        assert "SAXS/WAXS: Integrate and fit" in tooltip
        assert "Kernel: SAXS/WAXS (saxs 2026.12.1)" in tooltip
        assert "not installed on this server" in (
            card(launcher, "Normalise and fit").get_attribute("title") or ""
        )
        # the SAXS kernel's logo on its card; the missing XAS kernel's card faded
        logo = saxs.locator(".jp-PanhubTemplate-icon")
        image = logo.evaluate("e => getComputedStyle(e).backgroundImage")
        assert "/kernelspecs/saxs-2026.12.1/logo-svg.svg" in image, image
        xas_icon = card(launcher, "Normalise and fit").locator(".jp-PanhubTemplate-icon")
        expect(xas_icon).to_have_class(re.compile(r"\bjp-PanhubTemplate-icon-missingKernel\b"))
        page.screenshot(path=artifacts / "launcher-templates.png")

        # a click: a copy in the Launcher's folder, opened on the template's kernel
        saxs.click()
        wait_for_tab(page, "01-integrate-fit.ipynb")
        copy = processed / "01-integrate-fit.ipynb"
        assert copy.read_bytes() == saxs_template
        page.get_by_text("SAXS/WAXS (saxs 2026.12.1) | Idle").wait_for(timeout=60_000)
        assert session_kernel(lab, copy) == "saxs-2026.12.1"
        visible = f"{MAIN} .jp-NotebookPanel:visible"
        expect(page.locator(f"{visible} .jp-MarkdownOutput").first).to_contain_text(
            "SAXS/WAXS: integrate and fit"
        )
        page.screenshot(path=artifacts / "template-opened.png")

        # a second click: a second copy with a new name
        card(open_launcher(page, lab, processed), "Integrate and fit").click()
        wait_for_tab(page, "01-integrate-fit-2.ipynb")
        assert (processed / "01-integrate-fit-2.ipynb").read_bytes() == saxs_template

        # a template whose kernel is not here: said so, and Lab asks for a kernel
        card(open_launcher(page, lab, processed), "Normalise and fit").click()
        wait_for_tab(page, "01-normalize-fit.ipynb")
        toast = page.locator(".Toastify__toast", has_text="Normalise and fit the first shell")
        expect(toast).to_contain_text(
            '"Normalise and fit the first shell" needs the kernel XAS (xas 2026.12.1), which is '
            "not installed on this server."
        )
        dialog = page.locator(".jp-Dialog")
        expect(dialog).to_contain_text("Select Kernel", timeout=30_000)
        page.screenshot(path=artifacts / "template-missing-kernel.png")
        dialog.locator(".jp-Dialog-button.jp-mod-reject").click()
        expect(dialog).to_have_count(0)
        assert (processed / "01-normalize-fit.ipynb").exists()

        # from raw/: the copy goes to the home folder, and a notification says where
        card(open_launcher(page, lab, raw), "Look at a NeXus file").click()
        wait_for_tab(page, "01-look-file.ipynb")
        note = page.locator(".Toastify__toast", has_text="raw/ is read-only")
        expected = f"raw/ is read-only: copied into your home instead, as /{contents(home)}/"
        # (a notification shows 140 characters: this home's long temporary path is cut)
        expect(note).to_contain_text(expected[:120])
        assert (home / "01-look-file.ipynb").exists()
        assert list(raw.iterdir()) == []
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
        page.screenshot(path=artifacts / "template-home.png")

        # File -> New from Template...: a dialog to pick one (here in raw/ again: home)
        page.locator(".lm-MenuBar-item", has_text="File").click()
        page.locator(".lm-Menu-item", has_text="New from Template…").click()
        picker = page.locator(".jp-Dialog")
        expect(picker.locator(".jp-Dialog-header")).to_contain_text("New from Template")
        picker.locator("select").select_option("data/01-look-file.ipynb")
        expect(picker.locator(".jp-PanhubTemplatePicker-about")).to_contain_text(
            "Kernel: Python 3 (ipykernel)"
        )
        page.screenshot(path=artifacts / "template-picker.png")
        picker.get_by_text("Copy and Open").click()
        wait_for_tab(page, "01-look-file-2.ipynb")
        assert (home / "01-look-file-2.ipynb").exists()

        # the palette's entries: each template with its technique
        label = page.evaluate(
            "id => window.jupyterapp.commands.label('panhub:open-template', {id})",
            "saxs/01-integrate-fit.ipynb",
        )
        assert label == "SAXS/WAXS: Integrate and fit"
    except Exception:
        page.screenshot(path=artifacts / "templates-failed.png")
        raise
    # the templates themselves never changed
    assert {p: p.read_bytes() for p in (world / "templates").rglob("*.ipynb")} == originals
