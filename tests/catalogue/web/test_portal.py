"""The portal's sessions table over HTTP (the demo proposals) and its pure view model.

The page is read as a browser without JavaScript would: its table, its links, its form.
Its rows and facet counts must be the Lab panel's (``api/investigations`` and
``api/facets`` with the same query string), for every kind of filter and caller.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import lxml.html
import pytest
from panhub_catalogue.ingest.indexer import Indexer
from panhub_catalogue.model import Investigation
from panhub_catalogue.search import Search
from panhub_catalogue.web.params import SEARCH_PARAMETERS
from panhub_catalogue.web.portal_view import make_chips, make_headers
from panhub_catalogue.web.signin import (
    SESSION_COOKIE,
    TRIED_COOKIE,
    make_tried_value,
    should_sign_in,
)
from panhub_catalogue.web.view_parts import clean_params, format_size, make_pager, make_url
from tornado.httpclient import HTTPResponse

from tests.support.catalogue_client import BASE, BENS, CHLOES, PUBLIC, Client
from tests.support.html_pages import find, text
from tests.support.html_pages import parse as parse_html

COLUMNS = [
    "Proposal",
    "Beamline",
    "Start",
    "Title",
    "A-Form",
    "Samples",
    "Datasets",
    "Files",
    "Release",
    "DOI",
    "Logbook",
]


def parse(response: HTTPResponse) -> Any:
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return parse_html(response.body)


def proposals(page: Any) -> list[str]:
    return [text(a) for a in find(page, "//table.sessions/tbody/tr/th/a")]


async def portal(demo: Client, as_user: str | None = None, **params: Any) -> Any:
    response = await demo.get("", as_user, **params)
    assert response.code == 200, response.body
    return parse(response)


async def test_anonymous_visitors_see_the_public_sessions_as_a_portal(demo: Client) -> None:
    response = await demo.get("")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    page = parse(response)
    headers = find(page, "//table.sessions/thead/tr/th")
    assert [text(th).split(" (")[0] for th in headers] == COLUMNS
    assert [find(th, "./a.sort") != [] for th in find(page, "//thead/tr/th")] == [
        label != "A-Form" for label in COLUMNS
    ]
    assert proposals(page) == [PUBLIC]
    (row,) = find(page, "//table.sessions/tbody/tr")
    cells = {td.get("data-label"): text(td) for td in find(row, "./th|./td")}
    assert cells["Beamline"] == "BL13"
    assert cells["Start"] == "2023-03-01"
    assert cells["Title"] == "Lysozyme crystals soaked with gadolinium"
    assert cells["Samples"] == "1"
    assert cells["Datasets"].startswith("2")
    assert re.fullmatch(r"4 \d+ KB", cells["Files"])
    assert cells["Release"] == "Public 2026-03-01"
    assert text(page.get_element_by_id("who")) == "Not signed in: public data only. Sign in"
    assert find(page, "//*[@id='who']//a")[0].get("href") == f"{BASE}login"
    assert text(page.get_element_by_id("result-count")) == "1 experiment session"
    assert BENS not in response.body.decode() and CHLOES not in response.body.decode()


async def test_members_see_their_sessions_and_filter_on_their_own(demo: Client) -> None:
    page = await portal(demo, "ben", sort="name")
    assert proposals(page) == [PUBLIC, BENS]
    assert text(page.get_element_by_id("who")) == "Signed in as ben."
    assert find(page, "//input[@name='mine']")  # "My data" is offered to the signed in
    assert not find(await portal(demo), "//input[@name='mine']")
    mine = await portal(demo, "chloe", mine="true")
    assert proposals(mine) == [CHLOES]
    assert [text(c) for c in find(mine, "//ul.chips//a")] == ["Remove filter My data \u00d7"]


QUERIES: list[dict[str, Any]] = [
    {},
    {"text": "lysozyme"},
    {"text": "2024025"},
    {"text": "silica nano"},
    {"beamline": ["BL22", "BL11"]},
    {"access": "embargoed"},
    {"access": "public"},
    {"mine": "true"},
    {"user": "Chloe"},
    {"technique": "small angle scattering"},
    {"dateFrom": "2024-01-01", "dateTo": "2024-12-31"},
    {"sort": "-name"},
    {"sort": "title", "limit": "1", "offset": "1"},
    {"sort": "-fileSize", "beamline": "BL13"},
]


async def test_the_table_and_facets_are_the_lab_panels_answers(demo: Client) -> None:
    """One search: the portal's rows, total and facet counts equal the JSON API's."""
    for user in (None, "ana", "root"):
        for query in QUERIES:
            where = f"{user} {urlencode(query, doseq=True)}"
            page = await portal(demo, user, **query)
            api = await demo.json("api/investigations", user, **{"limit": "25", **query})
            assert proposals(page) == [item["name"] for item in api["items"]], where
            facets = (await demo.json("api/facets", user, **query))["facets"]
            for name in ("beamline", "technique", "access"):
                assert shown_counts(page, name) == facet_counts(facets, name), where
            # the user facet, which the user field asks for when it is used
            users = await demo.json("facets/users", user, **query)
            assert users == {"user": facets["user"]}, where
            if api["total"]:
                assert f"of {api['total']} " in text(page.get_element_by_id("result-count")) or (
                    text(page.get_element_by_id("result-count")).startswith(f"{api['total']} ")
                ), where


async def test_the_user_filter_is_a_field_keeping_the_users_chosen(demo: Client) -> None:
    page = await portal(demo, "root", user=["ana", "Chloe"])
    assert proposals(page) == [CHLOES, PUBLIC]
    kept = find(page, "//*[@id='facets']//input[@name='user'][@type='checkbox'][@checked]")
    assert [box.get("value") for box in kept] == ["ana", "Chloe"]
    (field,) = find(page, "//input[@id='f-user']")
    assert (field.get("name"), field.get("value"), field.get("list")) == (
        "user",
        None,
        "f-user-list",
    )
    assert field.get("data-facet-url") == f"{BASE}facets/users"
    refused = await demo.get("facets/users", colour="red")
    assert (
        refused.code == 400 and "unknown parameter 'colour'" in json.loads(refused.body)["message"]
    )


def shown_counts(page: Any, name: str) -> dict[str, int]:
    """The counts the page shows beside each value of a facet (values counted 0 left out)."""
    counts = {}
    for box in find(page, f"//*[@id='facets']//input[@name='{name}']"):
        count = int(text(find(box.getparent(), ".//span.count")[0]).replace(",", ""))
        if count or name == "access":
            counts[box.get("value")] = count
    return counts


def facet_counts(facets: dict[str, Any], name: str) -> dict[str, int]:
    """``api/facets`` counts of a facet; for access, with the total as ``all``."""
    counted = {v["value"]: v["count"] for v in facets[name]}
    if name != "access":
        return counted
    return {
        "all": sum(counted.values()),
        "public": counted.get("public", 0),
        "embargoed": counted.get("embargoed", 0),
    }


async def test_the_filter_form_is_a_plain_get_of_the_search_parameters(demo: Client) -> None:
    """Without JavaScript a search is a GET of the catalogue's parameters: a shareable URL."""
    page = await portal(demo, "ana", beamline="BL13", sort="-name", limit="50")
    (form,) = find(page, "//form[@id='filters']")
    assert (form.get("method"), form.get("action")) == ("get", BASE)
    fields = find(page, "//form[@id='filters']//*[@name] | //*[@form='filters'][@name]")
    assert {f.get("name") for f in fields} <= set(SEARCH_PARAMETERS)
    for field in fields:  # every field has a visible label or an accessible name
        label = find(page, f"//label[@for='{field.get('id')}']") if field.get("id") else []
        labelled = field.get("type") == "hidden" or label
        assert labelled or field.getparent().tag == "label", lxml.html.tostring(field)
    assert find(page, "//form[@id='filters']//input[@name='sort']")[0].get("value") == "-name"
    assert find(page, "//*[@id='f-limit']/option[@selected]")[0].get("value") == "50"
    checked = find(page, "//*[@id='facets']//input[@name='beamline'][@checked]")
    assert [c.get("value") for c in checked] == ["BL13"]
    # a GET form sends empty fields: they mean "no filter", not a bad request
    empty = await portal(demo, "ana", text="", dateFrom="", dateTo="", access="all")
    assert proposals(empty) == [CHLOES, PUBLIC]


async def test_headers_sort_and_say_how(demo: Client) -> None:
    page = await portal(demo, "root")
    start = find(page, "//th.col-start")[0]
    assert start.get("aria-sort") == "descending"  # the default: newest first
    link = find(start, ".//a")[0].get("href")
    assert parse_qs(urlsplit(link).query) == {"sort": ["startDate"]}
    ascending = await portal(demo, "root", sort="startDate")
    assert proposals(ascending) == [PUBLIC, BENS, CHLOES]
    assert find(ascending, "//th.col-start")[0].get("aria-sort") == "ascending"
    by_title = find(page, "//th.col-title//a")[0].get("href")
    assert parse_qs(urlsplit(by_title).query) == {"sort": ["title"]}


async def test_pages_link_to_each_other_keeping_the_search(demo: Client) -> None:
    first = await portal(demo, "root", limit="1", beamline=["BL22", "BL11", "BL13"])
    assert text(first.get_element_by_id("result-count")) == "1 to 1 of 3 experiment sessions"
    links = {text(a): a.get("href") for a in find(first, "//nav.pager//a")}
    assert set(links) == {"2 (page)", "3 (page)", "Next"}
    following = parse_qs(urlsplit(links["Next"]).query)
    assert following == {"beamline": ["BL22", "BL11", "BL13"], "limit": ["1"], "offset": ["1"]}
    second = await portal(demo, "root", **{k: v for k, v in following.items()})
    assert proposals(second) == [BENS]
    assert find(first, "//nav.pager//*[@aria-current='page']")[0].text == "1"


async def test_a_bad_search_shows_its_message_on_the_page(demo: Client) -> None:
    response = await demo.get("", dateFrom="yesterday")
    assert response.code == 400
    page = parse(response)
    assert "dateFrom: 'yesterday' is not an ISO 8601 date" in text(find(page, "//div.alert")[0])
    assert proposals(page) == [PUBLIC]  # the default search, so the page stays usable
    unknown = parse(await demo.get("", colour="red"))
    assert "unknown parameter 'colour'" in text(find(unknown, "//div.alert")[0])


async def test_a_script_in_a_title_is_shown_as_text(demo: Client) -> None:
    with demo.sessions() as session:
        found = session.get_one(Investigation, demo.ids[PUBLIC])
        found.title = '<script>alert("t")</script><img src=x onerror=alert(1)>'
        session.commit()
    response = await demo.get("")
    html = response.body.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;&lt;img src=x" in html
    (title,) = find(parse(response), "//td.col-title")
    assert text(title) == found.title


async def test_the_aform_and_logbook_columns(demo: Client) -> None:
    documents = demo.root / PUBLIC / "raw" / "documents"
    documents.mkdir(parents=True)
    (documents / "A-Form_2023015001.pdf").write_bytes(b"%PDF-1.4 the A-Form\n")
    (documents / "experimental-report.pdf").write_bytes(b"%PDF-1.4 the report\n")
    Indexer(root=str(demo.root), members_from_files=True).index(demo.sessions, [demo.root])
    page = await portal(demo)
    (link,) = find(page, "//td.col-aform//a")
    assert text(link) == "PDF A-Form of 2023015001, 20 B"
    download = await demo.get(link.get("href").removeprefix(BASE))
    assert (download.code, download.body) == (200, b"%PDF-1.4 the A-Form\n")
    assert text(find(page, "//td.col-logbook")[0]) == "\u2013"  # no entries yet


async def test_static_files_are_served_with_their_version(demo: Client) -> None:
    page = await portal(demo)
    stylesheet = find(page, "//link[@rel='stylesheet']")[0].get("href")
    assert "?v=" in stylesheet
    css = await demo.get(stylesheet.removeprefix(BASE).split("?")[0], v="1")
    assert css.code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert "prefers-color-scheme: dark" in css.body.decode()
    assert "immutable" in css.headers["Cache-Control"]
    assert (await demo.get("static/../service.py")).code == 404


@pytest.mark.parametrize(
    ("cookies", "headers", "signed_in", "expected"),
    [
        ({SESSION_COOKIE: "s1"}, {}, False, True),
        ({SESSION_COOKIE: "s1"}, {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}, False, True),
        ({SESSION_COOKIE: "s1", TRIED_COOKIE: make_tried_value("s1")}, {}, False, False),
        ({SESSION_COOKIE: "s2", TRIED_COOKIE: make_tried_value("s1")}, {}, False, True),
        ({SESSION_COOKIE: "s1"}, {"Sec-Fetch-Mode": "cors"}, False, False),
        ({SESSION_COOKIE: "s1"}, {"Sec-Fetch-Dest": "iframe"}, False, False),
        ({SESSION_COOKIE: "s1"}, {"Sec-Purpose": "prefetch"}, False, False),
        ({SESSION_COOKIE: "s1"}, {"Authorization": "token x"}, False, False),
        ({SESSION_COOKIE: "s1"}, {}, True, False),
        ({SESSION_COOKIE: ""}, {}, False, False),
        ({}, {}, False, False),
    ],
)  # fmt: skip
def test_only_page_loads_with_an_untried_hub_session_go_to_the_hub(
    cookies: dict[str, str], headers: dict[str, str], signed_in: bool, expected: bool
) -> None:
    assert (
        should_sign_in(signed_in=signed_in, method="GET", cookies=cookies, headers=headers)
        is expected
    )
    assert not should_sign_in(signed_in=signed_in, method="POST", cookies=cookies, headers=headers)


async def test_a_hub_session_signs_in_without_a_click(demo: Client) -> None:
    """With the hub's session cookie, an anonymous page load goes through hub OAuth once."""
    headers = {"Cookie": f"{SESSION_COOKIE}=s1", "Sec-Fetch-Mode": "navigate"}
    response = await demo.get("", headers=headers, beamline="BL13")
    assert response.code == 302
    assert response.headers["Location"] == f"{BASE}login?next={BASE}%3Fbeamline%3DBL13"
    tried = response.headers["Set-Cookie"]
    assert tried.startswith(f"{TRIED_COOKIE}={make_tried_value('s1')};")
    assert "HttpOnly" in tried and f"Path={BASE}" in tried
    # back from the hub without an identity (a user the hub denies): no second round
    again = {"Cookie": f"{SESSION_COOKIE}=s1; {TRIED_COOKIE}={make_tried_value('s1')}"}
    assert (await demo.get("", headers=again)).code == 200
    assert (await demo.get("", "ana", headers=headers)).code == 200
    # landing pages too (a DOI's link opens signed in), but not their other formats
    landing = f"landing/investigations/{demo.ids[PUBLIC]}"
    assert (await demo.get(landing, headers=headers)).code == 302
    cited = await demo.get(landing, headers={**headers, "Sec-Fetch-Mode": "cors"}, format="ris")
    assert cited.code == 200 and cited.body.startswith(b"TY  - ")


def test_urls_keep_the_search_in_the_parameters_order() -> None:
    params = {"offset": ["50"], "sort": ["-name"], "beamline": ["BL1", "BL2"], "text": ["a b"]}
    assert make_url(BASE, params) == f"{BASE}?text=a+b&beamline=BL1&beamline=BL2&sort=-name"
    assert make_url(BASE, params, offset="100").endswith("&sort=-name&offset=100")
    assert make_url(BASE, params, beamline=None, text=None, sort=None) == BASE
    assert make_url(BASE, {}, text="<x>&y") == f"{BASE}?text=%3Cx%3E%26y"
    assert clean_params({"text": [""], "beamline": ["", "BL1"], "dateTo": [" "]}) == {
        "beamline": ["BL1"]
    }


def test_the_pager_shows_ends_and_neighbours() -> None:
    pager = make_pager(BASE, {}, total=1000, limit=10, offset=500)
    labels = [link.label for link in pager]
    assert labels == ["Previous", "1", "…", "49", "50", "51", "52", "53", "…", "100", "Next"]
    assert [link.label for link in pager if link.current] == ["51"]
    assert pager[0].href == f"{BASE}?offset=490"
    assert make_pager(BASE, {}, total=10, limit=10, offset=0) == []


def test_headers_flip_the_sorted_column_and_sort_others_their_natural_way() -> None:
    headers = {h.column.id: h for h in make_headers(BASE, {}, Search(sort=(("name", False),)))}
    assert (headers["proposal"].aria_sort, headers["proposal"].href) == (
        "ascending",
        f"{BASE}?sort=-name",
    )
    assert headers["files"].href == f"{BASE}?sort=-fileSize"
    assert headers["title"].href == f"{BASE}?sort=title"
    assert headers["aform"].href is None


def test_chips_remove_one_filter_each() -> None:
    params = {"beamline": ["BL1,BL2"], "mine": ["true"], "dateFrom": ["2024-01-01"]}
    chips = {chip.label: chip.href for chip in make_chips(BASE, params)}
    assert chips == {
        "My data": f"{BASE}?beamline=BL1%2CBL2&dateFrom=2024-01-01",
        "Beamline: BL1": f"{BASE}?mine=true&beamline=BL2&dateFrom=2024-01-01",
        "Beamline: BL2": f"{BASE}?mine=true&beamline=BL1&dateFrom=2024-01-01",
        "From 2024-01-01": f"{BASE}?mine=true&beamline=BL1%2CBL2",
    }


@pytest.mark.parametrize(
    ("size", "shown"),
    [(None, ""), (0, "0 B"), (999, "999 B"), (1000, "1.0 KB"), (265_580_000, "266 MB"),
     (3_980_000_000, "4.0 GB"), (999_960, "1.0 MB")],
)  # fmt: skip
def test_sizes_in_human_units(size: int | None, shown: str) -> None:
    assert format_size(size) == shown


def test_session_cookie_name_is_the_hubs() -> None:
    from jupyterhub.handlers.base import SESSION_COOKIE_NAME  # type: ignore[import-untyped]

    assert json.dumps(SESSION_COOKIE) == json.dumps(SESSION_COOKIE_NAME)
