"""The catalogue's web portal through the real hub, in Chromium.

A person signed in to the hub opens ``/services/catalogue/`` and is signed in there too,
without a click; the sessions table filters and sorts as the Lab panel does, and works
without JavaScript; alice (member of T1) makes a data collection of two of T1's
datasets in the portal's forms and submits it, carol (staff of BL-A) mints it against a
DataCite stand-in on loopback, and its landing page shows the DOI, the citation, the
licence, the related DOI and the QR code; bob, who may not see T1's data, sees the
citation only. A ``<script>`` typed in the form stays text everywhere.

The module gives T1 a second dataset (``raw/scan2``) and restarts the test hub's
catalogue with ``Publishing`` pointed at the stand-in (a copy of the hub's
catalogue_config.py with the stand-in's account added); both are undone afterwards.
Screenshots go to artifacts/: portal-list-light.png, portal-list-dark.png,
portal-search.png, portal-collection-form.png, portal-landing.png, portal-nojs.png.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from panhub import demo
from panhub_catalogue.demo import ScanSpec, write_scan
from panhub_catalogue.publish.standin import DataCiteStandIn, run_standin
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.browser import log_in
from tests.support.cluster import PROPOSALS_ROOT
from tests.support.hub import HubAPI

pytestmark = pytest.mark.browser

SCRIPT = "<script>alert('portal')</script>"
SECOND = PROPOSALS_ROOT / "T1" / "raw" / "scan2" / "scan0002.nxs"


def index(hub_instance: demo.HubInstance) -> None:
    """Index the tests' proposals again, as the ``catalogue`` fixture does."""
    demo.catalogue_command(
        hub_instance,
        ["index", "--root", str(PROPOSALS_ROOT), "--no-progress", "--prune", str(PROPOSALS_ROOT)],
    )


@pytest.fixture(scope="module")
def standin(
    hub_instance: demo.HubInstance,
    api: HubAPI,
    catalogue: dict[str, int],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[DataCiteStandIn]:
    """The DataCite stand-in, and the test hub's catalogue minting there; T1's 2nd dataset."""
    write_scan(
        SECOND, ScanSpec(title="T1 second scan", start=datetime(2026, 1, 5), instrument="BL-A")
    )
    index(hub_instance)
    with run_standin() as running:
        folder = tmp_path_factory.mktemp("portal-config")
        shutil.copy(hub_instance.config, folder / hub_instance.config.name)
        settings = (hub_instance.config.parent / "catalogue_config.py").read_text()
        settings += (
            f"\nc.Publishing.datacite_url = {running.url!r}"
            f"\nc.Publishing.datacite_username = {running.username!r}"
            f"\nc.Publishing.datacite_password = {running.password!r}"
            f"\nc.Publishing.doi_prefix = {running.prefix!r}"
            f"\nc.Publishing.landing_url_base = {api.base + '/services/catalogue/'!r}\n"
        )
        (folder / "catalogue_config.py").write_text(settings)
        minting = dataclasses.replace(hub_instance, config=folder / hub_instance.config.name)
        pidfile = hub_instance.catalogue_dir / "catalogue.pid"
        demo.stop_pid(pidfile)
        demo.start_catalogue(minting)
        try:
            yield running
        finally:
            demo.stop_pid(pidfile)
            demo.start_catalogue(hub_instance)  # the hub's own configuration again
            SECOND.unlink(missing_ok=True)
            shutil.rmtree(SECOND.parent, ignore_errors=True)
            index(hub_instance)


@pytest.fixture(scope="module")
def users(browser: Browser, api: HubAPI) -> Iterator[dict[str, BrowserContext]]:
    """alice, bob and carol signed in to the hub (not yet to the catalogue)."""
    contexts = {}
    for user in ("alice", "bob", "carol"):
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        log_in(page, api.base, user)
        page.close()
        contexts[user] = context
    yield contexts
    for context in contexts.values():
        context.close()


def open_portal(context: BrowserContext, api: HubAPI, path: str = "") -> Page:
    page = context.new_page()
    page.set_default_timeout(30_000)
    # a dialog would be a script run from catalogue text: fail the test
    page.on("dialog", lambda dialog: pytest.fail(f"a script ran: {dialog.message}"))
    page.goto(f"{api.base}/services/catalogue/{path}")
    return page


def proposals(page: Page) -> list[str]:
    return page.locator("table.sessions tbody th a").all_inner_texts()


def api_names(context: BrowserContext, api: HubAPI, query: str) -> list[str]:
    answer = context.request.get(f"{api.base}/services/catalogue/api/investigations?{query}")
    assert answer.status == 200, answer.text()
    return [item["name"] for item in answer.json()["items"]]


def test_a_hub_session_signs_in_to_the_portal_without_a_click(
    users: dict[str, BrowserContext], api: HubAPI, catalogue: dict[str, int], artifacts: Path
) -> None:
    page = open_portal(users["alice"], api)
    expect(page.locator("#who")).to_have_text("Signed in as alice.")
    assert page.url == f"{api.base}/services/catalogue/"
    assert proposals(page) == api_names(users["alice"], api, "limit=25")
    assert set(proposals(page)) == {"T1", "T4"}
    headers = page.locator("table.sessions thead th").all_inner_texts()
    assert [h.split("\n")[0].strip() for h in headers] == [
        "Proposal", "Beamline", "Start", "Title", "A-Form", "Samples", "Datasets", "Files",
        "Release", "DOI", "Logbook",
    ]  # fmt: skip
    page.screenshot(path=artifacts / "portal-list-light.png", full_page=True)
    page.emulate_media(color_scheme="dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(243, 245, 248)"  # the dark palette, not the light one
    page.screenshot(path=artifacts / "portal-list-dark.png", full_page=True)
    page.close()


def test_filters_sort_and_pages_keep_the_search_in_the_url(
    users: dict[str, BrowserContext], api: HubAPI, catalogue: dict[str, int], artifacts: Path
) -> None:
    page = open_portal(users["carol"], api)
    expect(page.locator("#who")).to_have_text("Signed in as carol.")
    search = page.get_by_label("Search", exact=True)
    search.fill("reference")
    search.press("Enter")
    expect(page.locator("table.sessions tbody th a")).to_have_text(["T4"])
    assert parse_qs(urlsplit(page.url).query) == {"text": ["reference"]}
    expect(search).to_be_focused()  # the results were swapped in place
    page.screenshot(path=artifacts / "portal-search.png", full_page=True)
    search.fill("")
    search.press("Enter")
    page.locator("#facets").get_by_role("checkbox", name=re.compile(r"^BL-A\b")).check()
    expect(page.locator("table.sessions tbody th a")).to_have_text(
        api_names(users["carol"], api, "beamline=BL-A&limit=25")
    )
    assert parse_qs(urlsplit(page.url).query) == {"beamline": ["BL-A"]}
    page.locator("thead th.col-proposal a.sort").click()
    expect(page.locator("thead th.col-proposal")).to_have_attribute("aria-sort", "ascending")
    assert proposals(page) == api_names(users["carol"], api, "beamline=BL-A&sort=name&limit=25")
    # the URL is the search: opened anew, it shows the same
    again = open_portal(users["carol"], api, page.url.split("/services/catalogue/")[1])
    assert proposals(again) == proposals(page)
    again.close()
    page.close()


def test_without_javascript_the_public_list_and_its_search_work(
    browser: Browser, api: HubAPI, catalogue: dict[str, int], artifacts: Path
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{api.base}/services/catalogue/")
    expect(page.locator("#who")).to_contain_text("Not signed in")
    assert proposals(page) == ["T4"]  # released data only
    page.get_by_label("Search", exact=True).fill("nothing-matches-this")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".empty")).to_contain_text("No experiment session matches")
    assert "text=nothing-matches-this" in page.url
    page.goto(f"{api.base}/services/catalogue/?text=reference")
    assert proposals(page) == ["T4"]
    page.screenshot(path=artifacts / "portal-nojs.png", full_page=True)
    context.close()


def test_a_member_publishes_two_datasets_and_staff_mint_them(
    users: dict[str, BrowserContext],
    api: HubAPI,
    catalogue: dict[str, int],
    standin: DataCiteStandIn,
    artifacts: Path,
) -> None:
    alice = open_portal(users["alice"], api, f"investigations/{catalogue['T1']}")
    expect(alice.locator("#who")).to_have_text("Signed in as alice.")
    # T1's two datasets (others may hold files other tests wrote in its processed/)
    alice.get_by_label("Select raw", exact=True).check()
    alice.get_by_label("Select raw/scan2", exact=True).check()
    alice.get_by_role("button", name="Go").click()
    expect(alice.locator(".notice")).to_contain_text("Draft created.")
    alice.locator("#c-title").fill(f"T1 scans {SCRIPT}")
    alice.locator("#c-description").fill(f"Two scans of T1.\n{SCRIPT}")
    alice.locator("#c-keywords").fill(f"integration\n{SCRIPT}")
    alice.locator("#c-licence").select_option("CC-BY-4.0")
    alice.locator("#creator-0-givenName").fill("Alice")
    alice.locator("#creator-0-familyName").fill(f"Tester {SCRIPT}")
    alice.locator("#creator-0-name").fill("")
    alice.locator("#creator-0-orcid").fill("0000-0002-1825-0097")
    alice.locator("#related-0-relationType").select_option("IsSupplementTo")
    alice.locator("#related-0-identifier").fill("10.1234/paper.5")
    alice.locator("#related-0-resourceTypeGeneral").select_option("JournalArticle")
    alice.screenshot(path=artifacts / "portal-collection-form.png", full_page=True)
    alice.get_by_role("button", name="Save and submit for review").click()
    expect(alice.locator("p.kinds")).to_contain_text("In review")
    collection = alice.url.split("/collections/")[1].split("?")[0]
    assert not alice.get_by_role("button", name="Mint the DOI").count()  # a reviewer mints

    carol = open_portal(users["carol"], api, f"collections/{collection}")
    carol.get_by_role("button", name="Mint the DOI").click()
    expect(carol.locator(".notice")).to_contain_text("Minted")
    doi = carol.locator("p.doi-line a").inner_text().removeprefix("https://doi.org/")
    assert re.fullmatch(r"10\.80001/\S+", doi)
    put = standin.sent("PUT")[-1]
    assert put.attributes["doi"] == doi and put.attributes["titles"][0]["title"] == (
        f"T1 scans {SCRIPT}"
    )
    assert (
        put.attributes["url"] == f"{api.base}/services/catalogue/landing/collections/{collection}"
    )

    alice.goto(f"{api.base}/services/catalogue/landing/collections/{collection}")
    expect(alice.locator("h1")).to_have_text(f"T1 scans {SCRIPT}")
    expect(alice.locator("p.doi-line a")).to_have_attribute("href", f"https://doi.org/{doi}")
    expect(alice.locator("#citation-text")).to_contain_text(doi)
    facts = alice.locator("table.facts")
    expect(facts).to_contain_text("Creative Commons Attribution 4.0 International")
    expect(facts.locator("tr", has_text="Datasets")).to_contain_text("2")
    expect(alice.locator("ul.related a").first).to_have_attribute(
        "href", "https://doi.org/10.1234/paper.5"
    )
    expect(alice.locator("figure.qr svg")).to_be_visible()
    expect(alice.locator("ul.keywords")).to_contain_text(SCRIPT)
    jsonld = json.loads(alice.locator("script[type='application/ld+json']").text_content() or "")
    assert jsonld["name"] == f"T1 scans {SCRIPT}"
    alice.screenshot(path=artifacts / "portal-landing.png", full_page=True)
    bib = users["alice"].request.get(
        f"{api.base}/services/catalogue/landing/collections/{collection}?format=bibtex"
    )
    assert bib.status == 200 and doi in bib.text()

    # bob may not see T1's data: the DOI resolves to its citation, nothing more
    bob = open_portal(users["bob"], api, f"landing/collections/{collection}")
    expect(bob.locator("#who")).to_have_text("Signed in as bob.")
    expect(bob.locator("h1")).to_have_text(f"T1 scans {SCRIPT}")
    expect(bob.locator("p.doi-line a")).to_have_attribute("href", f"https://doi.org/{doi}")
    html = bob.content()
    for hidden in ("scan0002.nxs", "data.txt", "Browse and download"):
        assert hidden not in html
    # its page in the portal: the public record, no form, none of its data
    assert bob.goto(f"{api.base}/services/catalogue/collections/{collection}").status == 200
    expect(bob.locator("form.collection-form")).to_have_count(0)
    assert "scan0002.nxs" not in bob.content() and "raw/scan2" not in bob.content()
    for page in (alice, carol, bob):
        page.close()


def test_a_form_post_without_the_hubs_xsrf_token_is_refused(
    users: dict[str, BrowserContext], api: HubAPI, catalogue: dict[str, int]
) -> None:
    """A cross-site form (the browser's cookie, no token) acts for nobody."""
    context = users["alice"]
    forged = context.request.post(
        f"{api.base}/services/catalogue/collections",
        form={"dataset": "1"},
        headers={"Accept": "text/html"},
    )
    assert forged.status == 401
    assert "Sign in" in forged.text()
    # the same form with the page's token is hers: the token is what makes it count
    page = open_portal(context, api, f"investigations/{catalogue['T1']}")
    token = page.locator("form.selection-form input[name=_xsrf]").get_attribute("value")
    assert token
    page.close()
