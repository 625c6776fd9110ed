"""Data collections made in the portal, with its forms as a browser without JavaScript
posts them, against the DataCite stand-in (panhub_catalogue.publish.standin).

The world is tests/support/publishing_world.py: ana and ben in P-PUB (released), ben in
P-EMB (embargoed), dai staff of BL13, chloe of BL22, eve nobody. Identity travels in a
header (``identify_from_header``); the forms' XSRF token is HubOAuth's business, tested
with the real hub in tests/integration/test_portal.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from panhub_catalogue.model import DataCollection
from panhub_catalogue.publish.collections import set_creators, set_related
from panhub_catalogue.publish.forms import CreatorForm, RelatedForm
from panhub_catalogue.publish.standin import DataCiteStandIn, run_standin
from panhub_catalogue.web.service import ServiceOptions, make_app
from sqlalchemy.orm import Session, sessionmaker
from tornado.httpclient import AsyncHTTPClient, HTTPResponse

from tests.support.catalogue_client import BASE, Client, identify_from_header, serving
from tests.support.html_pages import find, parse, text
from tests.support.publishing_world import LANDING, ORCID, Clock, Ids, build_world, make_options

SCRIPT = "<script>alert('x')</script>"


class Site:
    """The service over the publishing world, and a browser's requests to it."""

    def __init__(self, client: Client, ids: Ids, standin: DataCiteStandIn) -> None:
        self.client, self.ids, self.standin = client, ids, standin

    async def get(self, path: str, user: str | None = None) -> HTTPResponse:
        return await self.client.get(path, user, headers={"Accept": "text/html"})

    async def page(self, path: str, user: str | None = None) -> Any:
        response = await self.get(path, user)
        assert response.code == 200, response.body
        return parse(response.body)

    async def post(
        self, path: str, user: str | None, fields: list[tuple[str, str]]
    ) -> HTTPResponse:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
        if user is not None:
            headers["X-Test-Identity"] = json.dumps({"username": user, "admin": user == "root"})
        return await AsyncHTTPClient().fetch(
            f"http://127.0.0.1:{self.client.port}{BASE}{path}",
            method="POST",
            body=urlencode(fields),
            headers=headers,
            raise_error=False,
            follow_redirects=False,
        )

    async def create(self, user: str = "ana") -> int:
        """A draft of P-PUB's two datasets, checked on the session's page."""
        page = await self.page(f"investigations/{self.ids.investigations['P-PUB']}", user)
        boxes = find(page, "//form.selection-form//input[@name='dataset']")
        fields = [("dataset", box.get("value")) for box in boxes]
        fields += [("_xsrf", ""), ("into", "")]
        created = await self.post("collections", user, fields)
        assert created.code == 303, created.body
        location = created.headers["Location"]
        assert location.endswith("?done=created")
        return int(location.split("collections/")[1].split("?")[0])


@pytest.fixture
async def site(sqlite_sessions: sessionmaker[Session], tmp_path: Path) -> AsyncIterator[Site]:
    with sqlite_sessions() as session:
        ids = build_world(session)
    with run_standin() as standin:
        options = ServiceOptions(
            base_url=BASE, max_limit=100, clock=Clock(), publishing=make_options(standin)
        )
        app = make_app(sqlite_sessions, options, identify_from_header)
        async with serving(app, sqlite_sessions, ids.investigations, tmp_path) as client:
            yield Site(client, ids, standin)


def form_fields(page: Any, form: str = "//form.collection-form") -> list[tuple[str, str]]:
    """What the form would post as it is shown (checked boxes, selected options)."""
    (element,) = find(page, form)
    fields = []
    for field in element.xpath(".//input|.//textarea|.//select"):
        name, kind = field.get("name"), field.get("type")
        if not name or (kind in ("checkbox", "radio") and field.get("checked") is None):
            continue
        if field.tag == "select":
            chosen = field.xpath("./option[@selected]") or field.xpath("./option")[:1]
            fields.append((name, chosen[0].get("value") if chosen else ""))
        elif field.tag == "textarea":
            fields.append((name, field.text or ""))
        elif kind != "submit":
            fields.append((name, field.get("value") or ""))
    return fields


def change(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    """The fields with some values replaced (names with ``-`` written ``__``)."""
    wanted = {k.replace("__", "-"): v for k, v in values.items()}
    return [(k, wanted.pop(k) if k in wanted else v) for k, v in fields] + list(wanted.items())


async def test_a_member_publishes_two_datasets_and_a_reviewer_mints_them(site: Site) -> None:
    collection = await site.create("ana")
    path = f"collections/{collection}"
    draft = await site.page(f"{path}?done=created", "ana")  # where the form redirected
    assert text(find(draft, "//div.notice")[0]).startswith("Draft created.")
    # ana is its first author, as the catalogue knows her; both datasets are in it
    fields = form_fields(draft)
    assert ("creator-0-orcid", ORCID) in fields and ("creator-0-givenName", "Ana") in fields
    assert [v for k, v in fields if k == "dataset"] == [
        str(site.ids.datasets[("P-PUB", 1)]),
        str(site.ids.datasets[("P-PUB", 2)]),
    ]
    filled = change(
        fields,
        title=f"Cathode scans {SCRIPT}",
        description=f"Two scans.\n{SCRIPT}",
        keywords=f"battery, {SCRIPT}",
        licence="CC0-1.0",
        creator__1__givenName=f"Ben {SCRIPT}",
        creator__1__familyName="Bragg",
        creator__1__orcid="0000-0002-1694-233X",
        related__0__identifier="10.1234/paper.5",
        related__0__relationType="IsSupplementTo",
        related__0__resourceTypeGeneral="JournalArticle",
    )
    saved = await site.post(path, "ana", [*filled, ("action", "submit")])
    assert (saved.code, saved.headers["Location"]) == (303, f"{BASE}{path}?done=submitted")
    review = await site.page(path, "ana")
    assert "In review" in text(find(review, "//p.kinds")[0])
    # the author may not mint: the page says who may, and nothing went to DataCite
    refused = await site.post(path, "ana", [("action", "mint"), ("_xsrf", "")])
    assert refused.code == 403
    assert "minting needs a reviewer: beamline staff of BL13 or an admin" in text(
        find(parse(refused.body), "//div.alert")[0]
    )
    assert site.standin.requests == []
    reviewer = await site.page(path, "dai")
    assert find(reviewer, "//button[@value='mint']")
    minted = await site.post(path, "dai", [("action", "mint"), ("_xsrf", "")])
    assert minted.code == 303, minted.body
    # DataCite got a draft, then the publish event, of the document the page previews
    post, put = site.standin.requests
    assert (post.method, put.method) == ("POST", "PUT")
    doi = put.attributes["doi"]
    assert put.attributes["event"] == "publish"
    assert put.attributes["titles"] == [{"title": f"Cathode scans {SCRIPT}"}]
    assert [c["name"] for c in put.attributes["creators"]] == [
        "Example, Ana",
        f"Bragg, Ben {SCRIPT}",
    ]
    assert put.attributes["rightsList"][0]["rightsIdentifier"] == "cc0-1.0"
    assert {"subject": SCRIPT} in put.attributes["subjects"]
    # its landing page: the DOI, citation, licence, related DOI and QR code; scripts as text
    landing = await site.get(f"landing/collections/{collection}")
    html = landing.body.decode()
    assert "<script>alert" not in html
    page = parse(landing.body)
    assert text(find(page, "//h1")[0]) == f"Cathode scans {SCRIPT}"
    assert find(page, "//p.doi-line/a")[0].get("href") == f"https://doi.org/{doi}"
    assert doi in text(find(page, "//*[@id='citation-text']")[0])
    facts = {text(tr[0]): text(tr[1]) for tr in find(page, "//table.facts//tr")}
    assert facts["Licence"] == "Creative Commons Zero v1.0 Universal"
    related = find(page, "//ul.related/li/a")
    assert related[0].get("href") == "https://doi.org/10.1234/paper.5"
    assert find(page, "//figure.qr/*[local-name()='svg']")
    assert f"Ben {SCRIPT} Bragg" in [text(s) for s in find(page, "//span.creator-name")]
    assert put.attributes["url"] == f"{LANDING}landing/collections/{collection}"


async def test_a_refused_form_shows_why_and_keeps_what_was_typed(site: Site) -> None:
    collection = await site.create("ana")
    path = f"collections/{collection}"
    fields = change(
        form_fields(await site.page(path, "ana")),
        title="My new title",
        creator__0__orcid="0000-0002-1825-0098",  # a wrong check digit
    )
    refused = await site.post(path, "ana", [*fields, ("action", "save")])
    assert refused.code == 400
    page = parse(refused.body)
    # the problem names the field by its label, links to it, and the field is marked
    assert shown_problems(page) == [
        (
            "Author 1, ORCID iD: '0000-0002-1825-0098' is not an ORCID iD "
            "(0000-0002-1825-0097, check digit included)",
            "#creator-0-orcid",
        )
    ]
    assert "creators[0]" not in text(find(page, "//div.alert")[0])
    assert marked_fields(page) == {"creator-0-orcid": "problem-0"}
    again = dict(form_fields(page))
    assert (again["title"], again["creator-0-orcid"]) == ("My new title", "0000-0002-1825-0098")
    # nothing was saved
    assert dict(form_fields(await site.page(path, "ana")))["title"] == ""
    # an empty title is refused too, where it is typed
    empty = await site.post(path, "ana", [*change(fields, title=""), ("action", "submit")])
    assert empty.code == 400
    assert shown_problems(parse(empty.body)) == [("Title: must not be empty", "#c-title")]
    assert marked_fields(parse(empty.body)) == {"c-title": "problem-0"}


def shown_problems(page: Any) -> list[tuple[str, str | None]]:
    """The problems a page lists: each one's text and where its link leads."""
    return [
        (text(item), (item.xpath("./a/@href") or [None])[0])
        for item in find(page, "//ul.problems/li")
    ]


def marked_fields(page: Any) -> dict[str, str]:
    """Fields marked invalid: id -> the ids of what describes them (hint, problems)."""
    return {
        field.get("id"): field.get("aria-describedby")
        for field in find(page, "//*[@aria-invalid='true']")
    }


async def test_what_a_draft_still_lacks_is_listed_by_field_and_marked(site: Site) -> None:
    """A draft with no title, a second author with a bad ORCID in its stored rows and a
    related work that is not a DOI: each problem by its label, its field marked."""
    collection = await site.create("ana")
    path = f"collections/{collection}"
    with site.client.sessions() as session:  # rows a form can no longer write (older rules)
        row = session.get_one(DataCollection, collection)
        set_creators(row, [*row.creators, CreatorForm("Ben", orcid="0000-0002-1694-2330")])
        set_related(row, [RelatedForm("10.1/x", "IsCitedBy")])
        row.summary = ""
        session.commit()
    page = await site.page(path, "ana")
    assert "Before it can be submitted" in text(find(page, "//div.notice-box")[0])
    assert shown_problems(page) == [
        ("Title: a title is needed", "#c-title"),
        (
            "Author 2, ORCID iD: 'https://orcid.org/0000-0002-1694-2330' is not a valid ORCID iD",
            "#creator-1-orcid",
        ),
        (
            "Related work 1: '10.1/x' is not a DOI (10.<prefix>/<suffix>)",
            "#related-0-identifier",
        ),
    ]
    assert marked_fields(page) == {
        "c-title": "problem-0",
        "creator-1-orcid": "problem-1",
        "related-0-identifier": "problem-2",
    }
    # no raw path of the DataCite document reaches the page
    assert "nameIdentifiers" not in text(find(page, "//div.notice-box")[0])


async def test_files_are_added_to_a_draft_from_a_datasets_page(site: Site) -> None:
    collection = await site.create("ana")
    dataset = site.ids.datasets[("P-PUB", 2)]
    page = await site.page(f"datasets/{dataset}", "ana")
    options = [o.get("value") for o in find(page, "//select[@name='into']/option")]
    assert options == ["", str(collection)]
    (box,) = find(page, "//form.selection-form//input[@name='datafile']")
    added = await site.post(
        "collections", "ana", [("datafile", box.get("value")), ("into", str(collection))]
    )
    assert added.headers["Location"] == f"{BASE}collections/{collection}?done=added"
    content = form_fields(await site.page(f"collections/{collection}", "ana"))
    assert ("datafile", box.get("value")) in content
    assert len([k for k, _ in content if k == "dataset"]) == 2


async def test_only_those_entitled_choose_data_and_manage_drafts(site: Site) -> None:
    session = f"investigations/{site.ids.investigations['P-PUB']}"
    for user in (None, "eve"):  # the public sees P-PUB (released), but may not publish it
        page = await site.page(session, user)
        assert not find(page, "//form.selection-form") and not find(
            page, "//input[@name='dataset']"
        )
    assert "sign in" in text(find(await site.page(session), "//section")[0])
    assert find(await site.page(session, "dai"), "//form.selection-form")  # BL13's staff
    hidden = await site.get(f"investigations/{site.ids.investigations['P-EMB']}", "eve")
    assert hidden.code == 404 and "text/html" in hidden.headers["Content-Type"]
    collection = await site.create("ana")
    assert (await site.get(f"collections/{collection}", "eve")).code == 404
    forged = await site.post(f"collections/{collection}", "eve", [("action", "delete")])
    assert forged.code == 404
    anonymous = await site.post("collections", None, [("dataset", "1")])
    assert anonymous.code == 401 and "Sign in" in anonymous.body.decode()
    listed = await site.page("collections", "ben")  # a member of P-PUB shares its drafts
    assert [a.get("href") for a in find(listed, "//table.items/tbody//th/a")] == [
        f"{BASE}collections/{collection}"
    ]
    deleted = await site.post(f"collections/{collection}", "ben", [("action", "delete")])
    assert deleted.headers["Location"] == f"{BASE}collections?done=deleted"
    assert (await site.get(f"collections/{collection}", "ana")).code == 404


def test_nothing_is_built_from_a_choice_list_alone() -> None:
    """A blank author or related work row (its lists at their defaults) adds nothing."""
    from panhub_catalogue.web.collection_forms import read_form

    body = read_form(
        {
            "title": ["T"],
            "keywords": ["a, b\nc,,"],
            "licence": [""],
            "creator-0-name": ["Ana"],
            "creator-1-name": [""],
            "related-0-identifierType": ["DOI"],
            "related-0-relationType": [""],
            "dataset": ["3", "4"],
        }
    )
    assert body == {
        "title": "T",
        "keywords": ["a", "b", "c"],
        "licence": None,
        "creators": [{"name": "Ana"}],
        "relatedIdentifiers": [],
        "datasets": [3, 4],
        "datafiles": [],
    }
