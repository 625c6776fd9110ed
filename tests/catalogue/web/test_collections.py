"""web.collections, publish.collections, lifecycle, access, describe: the collection
routes over HTTP, against the DataCite stand-in (panhub_catalogue.publish.standin).

Identity travels in a header (``identify_from_header``); the world is
tests/support/publishing_world.py (ana and ben in P-PUB, released; ben in P-EMB, under
embargo; dai staff of BL13, chloe of BL22; eve nobody).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from panhub_catalogue.model import DataCollection, Investigation
from panhub_catalogue.publish.document import build_collection_document
from panhub_catalogue.publish.rows import load_collections
from panhub_catalogue.publish.sessions import run as run_sessions
from panhub_catalogue.publish.standin import DataCiteStandIn, run_standin
from panhub_catalogue.web.service import ServiceOptions, make_app
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tornado.httpclient import AsyncHTTPClient

from tests.support.catalogue_client import BASE, Client, identify_from_header, serving
from tests.support.catalogue_world import NOW
from tests.support.publishing_world import (
    LANDING,
    ORCID,
    ROR,
    Clock,
    Ids,
    build_world,
    make_options,
)

SCRIPT = "<script>alert('x')</script> & <b>bold</b>"


@dataclasses.dataclass
class Site:
    """The service, its clock, the stand-in and the world's ids."""

    client: Client
    clock: Clock
    standin: DataCiteStandIn
    ids: Ids
    sessions: sessionmaker[Session]

    async def call(
        self, method: str, path: str, user: str | None = None, body: Any = None, status: int = 200
    ) -> Any:
        headers = {"Content-Type": "application/json"}
        if user is not None:
            identity = {"username": user, "admin": user == "root"}
            headers["X-Test-Identity"] = json.dumps(identity)
        response = await AsyncHTTPClient().fetch(
            f"http://127.0.0.1:{self.client.port}{BASE}{path}",
            method=method,
            body=None if body is None and method in ("GET", "DELETE") else json.dumps(body or {}),
            headers=headers,
            raise_error=False,
            allow_nonstandard_methods=True,
        )
        assert response.code == status, response.body
        if response.code == 204:
            return None
        assert response.headers["Content-Type"].startswith("application/json")
        return json.loads(response.body)

    async def create(self, user: str = "ana", **fields: Any) -> dict[str, Any]:
        body = {
            "title": "Cathode scans behind our paper",
            "description": "Two scans of one cathode.",
            "datasets": [self.ids.datasets[("P-PUB", 1)], self.ids.datasets[("P-PUB", 2)]],
            "relatedIdentifiers": [
                {"identifier": "10.1234/paper.5", "relationType": "IsSupplementTo"}
            ],
            "keywords": ["battery"],
        } | fields
        return await self.call("POST", "api/collections", user, body, 201)

    async def mint(self, collection_id: int, author: str = "ana", reviewer: str = "dai") -> Any:
        await self.call("POST", f"api/collections/{collection_id}/submit", author)
        return await self.call("POST", f"api/collections/{collection_id}/mint", reviewer)


def make_site_options(standin: DataCiteStandIn, clock: Clock, **publishing: Any) -> ServiceOptions:
    return ServiceOptions(
        base_url=BASE, max_limit=100, clock=clock, publishing=make_options(standin, **publishing)
    )


@pytest.fixture
def standin() -> Iterator[DataCiteStandIn]:
    with run_standin() as running:
        yield running


async def open_site(
    sessions: sessionmaker[Session], tmp_path: Path, standin: DataCiteStandIn, **publishing: Any
) -> AsyncIterator[Site]:
    with sessions() as session:
        ids = build_world(session)
    clock = Clock()
    app = make_app(sessions, make_site_options(standin, clock, **publishing), identify_from_header)
    async with serving(app, sessions, ids.investigations, tmp_path) as client:
        yield Site(client, clock, standin, ids, sessions)


@pytest.fixture
async def site(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path, standin: DataCiteStandIn
) -> AsyncIterator[Site]:
    async for opened in open_site(sqlite_sessions, tmp_path, standin):
        yield opened


@pytest.fixture
async def both(
    sessions: sessionmaker[Session], tmp_path: Path, standin: DataCiteStandIn
) -> AsyncIterator[Site]:
    """The site on SQLite, then on PostgreSQL."""
    async for opened in open_site(sessions, tmp_path, standin):
        yield opened


def expected_document(site: Site, collection_id: int) -> dict[str, Any]:
    with site.sessions() as session:
        (record,) = load_collections(session, [collection_id])
    return build_collection_document(record, make_options(site.standin).document, site.clock.now)


# -- the whole journey, on both backends --------------------------------------------------


async def test_a_member_makes_a_collection_of_two_datasets_and_a_reviewer_mints_it(
    both: Site,
) -> None:
    site = both
    draft = await site.create()
    assert draft["status"] == "draft" and draft["doi"] is None
    assert [d["id"] for d in draft["datasets"]] == [
        site.ids.datasets[("P-PUB", 1)],
        site.ids.datasets[("P-PUB", 2)],
    ]
    # the author is the first creator, with the ORCID and ROR affiliation the catalogue knows
    assert draft["creators"] == [
        {
            "name": "Ana Example",
            "givenName": "Ana",
            "familyName": "Example",
            "orcid": ORCID,
            "affiliation": "University of Examples",
            "affiliationRor": ROR,
        }
    ]
    assert draft["problems"] == [] and draft["permissions"] == {"manage": True, "review": False}
    collection_id = draft["id"]
    review = await site.call("POST", f"api/collections/{collection_id}/submit", "ana")
    assert review["status"] == "review"
    refused = await site.call("POST", f"api/collections/{collection_id}/mint", "ana", status=403)
    assert refused["message"] == "minting needs a reviewer: beamline staff of BL13 or an admin"
    assert site.standin.requests == []

    site.clock.now = NOW + timedelta(days=1)
    minted = await site.call("POST", f"api/collections/{collection_id}/mint", "dai")
    doi = minted["doi"]
    assert re.fullmatch(r"10\.80001/PANHUB-DC-[0-9a-z]{8}", doi)
    assert minted["status"] == "minted" and minted["dataciteState"] == "findable"
    assert minted["mintTime"] == minted["modTime"] == "2026-01-02T12:00:00Z"
    # a DataCite draft first, then the publish event with the landing page, as one document
    post, put = site.standin.requests
    assert (post.method, post.path, post.user) == ("POST", "/dois", "PANHUB.TEST")
    assert "event" not in post.attributes and post.attributes["doi"] == doi
    assert (put.method, put.path) == ("PUT", f"/dois/{doi}")
    assert put.attributes["event"] == "publish"
    assert put.attributes["url"] == f"{LANDING}landing/collections/{collection_id}"
    assert {k: v for k, v in put.attributes.items() if k != "event"} == expected_document(
        site, collection_id
    )
    assert site.standin.records[doi.lower()].state == "findable"
    assert minted["document"] == expected_document(site, collection_id)

    # the public reads it, datasets included (its data is public); not its review note
    public = await site.call("GET", f"api/collections/{collection_id}")
    assert public["doi"] == doi and len(public["datasets"]) == 2
    assert "reviewNote" not in public and "owner" not in public
    assert public["permissions"] == {"manage": False, "review": False}


# -- who may do what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "proposal", "status", "message"),
    [
        (None, "P-PUB", 401, "sign in to make a data collection"),
        (
            "eve",
            "P-PUB",
            403,
            "only members of proposal P-PUB, its beamline staff and admins may publish its data",
        ),
        ("eve", "P-EMB", 404, "no dataset {id}"),
        ("ana", "P-EMB", 404, "no dataset {id}"),
        ("chloe", "P-EMB", 201, None),  # beamline staff of BL22
        ("root", "P-EMB", 201, None),
        ("ben", "P-EMB", 201, None),
    ],
)
async def test_only_members_staff_and_admins_make_collections_of_data_they_see(
    site: Site, user: str | None, proposal: str, status: int, message: str | None
) -> None:
    dataset = site.ids.datasets[(proposal, 1)]
    answer = await site.call(
        "POST", "api/collections", user, {"title": "t", "datasets": [dataset]}, status
    )
    if message is not None:
        assert answer["message"] == message.format(id=dataset)


async def test_a_draft_is_shared_by_its_proposals_members_and_hidden_from_others(
    site: Site,
) -> None:
    draft = await site.create()
    path = f"api/collections/{draft['id']}"
    assert (await site.call("GET", path, "ben"))["title"] == draft["title"]
    assert (await site.call("GET", path, "dai"))["permissions"] == {"manage": True, "review": True}
    for user in ("eve", None, "chloe"):
        answer = await site.call("GET", path, user, status=404)
        assert answer["message"] == f"no data collection {draft['id']}"
    await site.call("PATCH", path, "eve", {"title": "mine now"}, 404)
    await site.call("DELETE", path, "eve", status=404)
    listed = await site.call("GET", "api/collections", "eve")
    assert listed == {"total": 0, "limit": 50, "offset": 0, "items": []}
    await site.call("GET", "api/collections", None, status=401)
    mine = await site.call("GET", "api/collections?mine=true", "ana")
    assert [c["id"] for c in mine["items"]] == [draft["id"]]
    assert (await site.call("GET", "api/collections?mine=true", "ben"))["total"] == 0
    assert (await site.call("GET", "api/collections?status=draft", "ben"))["total"] == 1
    bad = await site.call("GET", "api/collections?status=gone", "ben", status=400)
    assert bad["message"] == "status: 'gone' is not one of draft, review, minted"


async def test_a_minted_collection_is_changed_by_its_managers_only(site: Site) -> None:
    minted = await site.mint((await site.create())["id"])
    answer = await site.call("PATCH", f"api/collections/{minted['id']}", "eve", {"title": "x"}, 403)
    assert answer["message"] == (
        "only members of its proposals, their beamline staff and admins may change it"
    )
    answer = await site.call(
        "POST", f"api/collections/{minted['id']}/withdraw", "ana", {"reason": "wrong scans"}, 403
    )
    assert answer["message"] == "withdrawing a DOI needs a reviewer: beamline staff or an admin"


# -- drafts, edits, versions ---------------------------------------------------------------


async def test_markup_is_stored_and_answered_as_text(site: Site) -> None:
    draft = await site.create(
        title=SCRIPT, description=SCRIPT, creators=[{"name": SCRIPT}], keywords=[SCRIPT]
    )
    again = await site.call("GET", f"api/collections/{draft['id']}", "ana")
    assert again["title"] == again["description"] == again["creators"][0]["name"] == SCRIPT
    assert again["keywords"] == [SCRIPT]
    assert again["document"]["titles"] == [{"title": SCRIPT}]


async def test_a_draft_is_edited_and_deleted_and_nothing_reaches_datacite(site: Site) -> None:
    draft = await site.create()
    path = f"api/collections/{draft['id']}"
    site.clock.now = NOW + timedelta(hours=1)
    edited = await site.call(
        "PATCH",
        path,
        "ben",
        {
            "title": "Better title",
            "datafiles": [site.ids.datafiles[("P-PUB", 1)]],
            "licence": "cc0-1.0",
        },
    )
    assert edited["title"] == "Better title" and edited["licence"] == "CC0-1.0"
    assert [f["id"] for f in edited["datafiles"]] == [site.ids.datafiles[("P-PUB", 1)]]
    assert len(edited["datasets"]) == 2  # not given: kept
    assert edited["modTime"] == "2026-01-01T13:00:00Z"
    empty = await site.call("PATCH", path, "ana", {"datasets": [], "datafiles": []}, 400)
    assert empty["message"] == "Data: a data collection holds at least one dataset or file"
    assert [(p["field"], p["path"]) for p in empty["problems"]] == [("dataset", "datasets")]
    await site.call("DELETE", path, "ana", status=204)
    await site.call("GET", path, "ana", status=404)
    assert site.standin.requests == []


async def test_a_minted_collections_metadata_edit_is_sent_to_datacite(site: Site) -> None:
    minted = await site.mint((await site.create())["id"])
    before = len(site.standin.requests)
    site.clock.now = NOW + timedelta(days=3)
    edited = await site.call(
        "PATCH", f"api/collections/{minted['id']}", "ana", {"title": "Corrected title"}
    )
    assert edited["modTime"] == "2026-01-04T12:00:00Z" and edited["dataciteState"] == "findable"
    (update,) = site.standin.requests[before:]
    assert (update.method, update.path) == ("PUT", f"/dois/{minted['doi']}")
    assert "event" not in update.attributes
    assert update.attributes["titles"] == [{"title": "Corrected title"}]
    assert site.standin.records[minted["doi"].lower()].attributes["titles"] == [
        {"title": "Corrected title"}
    ]


async def test_a_refused_metadata_update_changes_nothing(site: Site) -> None:
    minted = await site.mint((await site.create())["id"])
    site.standin.fail_next("PUT", 500, "database is down")
    answer = await site.call(
        "PATCH", f"api/collections/{minted['id']}", "ana", {"title": "Lost?"}, 502
    )
    assert answer["message"].startswith(f"DataCite refused the request for {minted['doi']}: ")
    assert "database is down" in answer["message"]
    again = await site.call("GET", f"api/collections/{minted['id']}", "ana")
    assert again["title"] == minted["title"] and again["modTime"] == minted["modTime"]


async def test_content_of_a_minted_collection_never_changes(site: Site) -> None:
    minted = await site.mint((await site.create())["id"])
    before = len(site.standin.requests)
    answer = await site.call(
        "PATCH",
        f"api/collections/{minted['id']}",
        "ana",
        {"datasets": [site.ids.datasets[("P-PUB", 1)]]},
        409,
    )
    assert "make a new version (POST api/collections/<id>/versions)" in answer["message"]
    await site.call("DELETE", f"api/collections/{minted['id']}", "ana", status=409)
    assert len(site.standin.requests) == before


async def test_a_new_version_is_a_new_doi_linked_both_ways(site: Site) -> None:
    first = await site.mint((await site.create(version="1"))["id"])
    draft = await site.call("POST", f"api/collections/{first['id']}/versions", "ben", status=201)
    assert (draft["status"], draft["version"], draft["previousId"]) == ("draft", "2", first["id"])
    assert draft["datasets"] == first["datasets"] and draft["creators"] == first["creators"]
    again = await site.call("POST", f"api/collections/{first['id']}/versions", "ana", status=409)
    assert again["message"] == "cannot make a new version: a newer version exists; version that one"
    await site.call(
        "PATCH",
        f"api/collections/{draft['id']}",
        "ben",
        {"datasets": [site.ids.datasets[("P-PUB", 2)]]},
    )
    before = len(site.standin.requests)
    second = await site.mint(draft["id"], author="ben")
    assert second["doi"] != first["doi"] and second["warnings"] == []
    draft_post, publish, previous = site.standin.requests[before:]
    assert draft_post.method == "POST"
    assert {
        "relatedIdentifier": first["doi"],
        "relatedIdentifierType": "DOI",
        "relationType": "IsNewVersionOf",
    } in publish.attributes["relatedIdentifiers"]
    assert (previous.method, previous.path) == ("PUT", f"/dois/{first['doi']}")
    assert {
        "relatedIdentifier": second["doi"],
        "relatedIdentifierType": "DOI",
        "relationType": "IsPreviousVersionOf",
    } in previous.attributes["relatedIdentifiers"]
    old = await site.call("GET", f"api/collections/{first['id']}")
    assert (old["nextId"], old["nextDoi"]) == (second["id"], second["doi"])


# -- refusals before sending ------------------------------------------------------------------


async def test_an_incomplete_draft_is_refused_at_submission_with_its_problems(site: Site) -> None:
    draft = await site.create(creators=[])
    # the problem as the form shows it (label, field key) and where the check found it
    missing = {
        "path": "creators",
        "field": "creator-0-name",
        "label": "Authors",
        "message": "at least 1 needed",
        "text": "Authors: at least 1 needed",
    }
    assert draft["problems"] == [missing]
    answer = await site.call("POST", f"api/collections/{draft['id']}/submit", "ana", status=400)
    assert answer["problems"] == [missing]
    assert answer["message"] == "the collection is not complete: Authors: at least 1 needed"
    assert (await site.call("GET", f"api/collections/{draft['id']}", "ana"))["status"] == "draft"
    assert site.standin.requests == []


async def test_a_document_datacite_would_refuse_is_never_sent(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path, standin: DataCiteStandIn
) -> None:
    """A relative landing URL (no Publishing.landing_url_base) stops the minting before any request."""
    async for site in open_site(sqlite_sessions, tmp_path, standin, landing=""):
        draft = await site.create()
        await site.call("POST", f"api/collections/{draft['id']}/submit", "ana", status=400)
        with site.sessions() as session:  # as if it had been submitted under other settings
            session.get_one(DataCollection, draft["id"]).status = "review"
            session.commit()
        answer = await site.call("POST", f"api/collections/{draft['id']}/mint", "dai", status=400)
        assert [(p["path"], p["field"], p["text"]) for p in answer["problems"]] == [
            (
                "url",
                None,  # a setting of the site, no field of the form
                "Landing page URL: the document has no landing page URL "
                "(set Publishing.landing_url_base)",
            )
        ]
        assert standin.requests == []
        assert (await site.call("GET", f"api/collections/{draft['id']}", "ana"))["doi"] is None


async def test_a_failed_registration_leaves_no_doi_and_no_datacite_draft(site: Site) -> None:
    draft = await site.create()
    await site.call("POST", f"api/collections/{draft['id']}/submit", "ana")
    site.standin.fail_next("PUT", 500, "try later")
    answer = await site.call("POST", f"api/collections/{draft['id']}/mint", "dai", status=502)
    assert "try later" in answer["message"]
    assert [r.method for r in site.standin.requests] == ["POST", "PUT", "DELETE"]
    assert site.standin.records == {}
    again = await site.call("GET", f"api/collections/{draft['id']}", "ana")
    assert (again["status"], again["doi"], again["dataciteState"]) == ("review", None, None)


async def test_in_review_the_collection_is_frozen_until_returned(site: Site) -> None:
    draft = await site.create()
    path = f"api/collections/{draft['id']}"
    await site.call("POST", path + "/submit", "ana")
    answer = await site.call("PATCH", path, "ana", {"title": "x"}, 409)
    assert answer["message"] == "cannot edit: it is in review: return it to draft first"
    returned = await site.call("POST", path + "/return", "dai", {"note": "cite the paper"})
    assert (returned["status"], returned["reviewNote"]) == ("draft", "cite the paper")
    await site.call("PATCH", path, "ana", {"title": "x"})


# -- embargo and release -----------------------------------------------------------------------


async def test_embargoed_data_is_registered_then_findable_once_released(site: Site) -> None:
    draft = await site.create("ben", datasets=[site.ids.datasets[("P-EMB", 1)]])
    minted = await site.mint(draft["id"], author="ben", reviewer="chloe")
    assert minted["dataciteState"] == "registered" and minted["publicationDate"] is None
    assert site.standin.requests[-1].attributes["event"] == "register"
    options = make_options(site.standin)
    assert run_sessions(site.sessions, options, NOW + timedelta(days=50)).published == []
    later = NOW + timedelta(days=101)
    report = run_sessions(site.sessions, options, later)
    assert minted["doi"] in report.published and report.failed == []
    assert site.standin.records[minted["doi"].lower()].state == "findable"
    again = await site.call("GET", f"api/collections/{minted['id']}")
    assert again["dataciteState"] == "findable"
    assert again["publicationDate"] == again["modTime"] == "2026-04-12T12:00:00Z"


async def test_an_immediate_release_needs_a_reviewer_and_releases_the_session(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path, standin: DataCiteStandIn
) -> None:
    async for site in open_site(sqlite_sessions, tmp_path, standin, review_required=False):
        draft = await site.create(
            "ben", datasets=[site.ids.datasets[("P-EMB", 2)]], release="immediate"
        )
        await site.call("POST", f"api/collections/{draft['id']}/submit", "ben")
        answer = await site.call("POST", f"api/collections/{draft['id']}/mint", "ben", status=403)
        assert answer["message"] == (
            "an immediate release of data under embargo needs a reviewer: beamline staff of "
            "BL22 or an admin"
        )
        minted = await site.call("POST", f"api/collections/{draft['id']}/mint", "chloe")
        assert minted["dataciteState"] == "findable" and minted["released"] == ["P-EMB"]
        with site.sessions() as session:
            released = session.scalars(
                select(Investigation.releaseDate).where(Investigation.name == "P-EMB")
            ).one()
        assert released == NOW
        # released: eve sees its data now
        public = await site.call("GET", f"api/collections/{minted['id']}", "eve")
        assert [d["id"] for d in public["datasets"]] == [site.ids.datasets[("P-EMB", 2)]]


async def test_an_author_mints_public_data_when_no_review_is_required(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path, standin: DataCiteStandIn
) -> None:
    async for site in open_site(sqlite_sessions, tmp_path, standin, review_required=False):
        minted = await site.mint((await site.create())["id"], reviewer="ana")
        assert minted["dataciteState"] == "findable"


async def test_a_withdrawn_collection_is_hidden_and_final(site: Site) -> None:
    minted = await site.mint((await site.create())["id"])
    path = f"api/collections/{minted['id']}"
    answer = await site.call("POST", path + "/withdraw", "dai", {}, 400)
    assert answer["message"].startswith("reason: say why it is withdrawn")
    site.clock.now = NOW + timedelta(days=2)
    withdrawn = await site.call("POST", path + "/withdraw", "dai", {"reason": "wrong sample"})
    assert withdrawn["withdrawn"] is True and withdrawn["dataciteState"] == "registered"
    assert withdrawn["modTime"] == "2026-01-03T12:00:00Z"
    assert site.standin.requests[-1].attributes == {"event": "hide", "doi": minted["doi"]}
    answer = await site.call("PATCH", path, "ana", {"title": "x"}, 409)
    assert answer["message"] == "cannot edit: the collection was withdrawn"
    await site.call("POST", path + "/versions", "ana", status=409)


async def test_minting_without_datacite_settings_says_what_to_set(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path, standin: DataCiteStandIn
) -> None:
    with sqlite_sessions() as session:
        ids = build_world(session)
    options = dataclasses.replace(
        make_site_options(standin, Clock()), publishing=make_options(None)
    )
    app = make_app(sqlite_sessions, options, identify_from_header)
    async with serving(app, sqlite_sessions, ids.investigations, tmp_path) as client:
        site = Site(client, Clock(), standin, ids, sqlite_sessions)
        draft = await site.create()
        await site.call("POST", f"api/collections/{draft['id']}/submit", "ana")
        answer = await site.call("POST", f"api/collections/{draft['id']}/mint", "dai", status=503)
        assert answer["message"].startswith("DOI minting is not configured on this catalogue")
