"""The landing page as a facility shows it, over HTTP (the demo proposals).

What the page says of the work is read from the item's DataCite document (the one that
DataCite, OAI-PMH and the citations get): these tests read the page as a visitor would
and compare it with that document (``?format=datacite-json``), for the public, a member
and a stranger; and they put scripts in every text a user can write.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import lxml.html
from panhub_catalogue.ingest.indexer import Indexer
from panhub_catalogue.model import (
    DataCollection,
    DataCollectionCreator,
    DataCollectionDataset,
    DataCollectionRelated,
    Dataset,
    Investigation,
)
from sqlalchemy import select

from tests.support.catalogue_client import BASE, BENS, PUBLIC, Client
from tests.support.html_pages import find, text

SCRIPT = '<script>alert("x")</script>'


def landing(kind: str, item_id: int) -> str:
    return f"landing/{kind}/{item_id}"


async def page_of(demo: Client, path: str, user: str | None = None) -> Any:
    response = await demo.get(path, user, headers={"Accept": "text/html"})
    assert response.code == 200, response.body
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    return lxml.html.fromstring(response.body.decode())


async def document_of(demo: Client, path: str, user: str | None = None) -> Any:
    response = await demo.get(path, user, format="datacite-json")
    assert response.code == 200, response.body
    return json.loads(response.body)


def rows(page: Any) -> dict[str, str]:
    return {
        text(tr.xpath("th")[0]): text(tr.xpath("td")[0]) for tr in find(page, "//table.facts//tr")
    }


def add_documents(demo: Client, proposal: str) -> None:
    """The facility's documents of a session: its A-Form and experimental report."""
    folder = demo.root / proposal / "raw" / "documents"
    folder.mkdir(parents=True)
    (folder / "a-form.pdf").write_bytes(b"%PDF-1.4 A-Form\n")
    (folder / "Experimental-Report-2026.pdf").write_bytes(b"%PDF-1.4 report\n")
    Indexer(root=str(demo.root), members_from_files=True).index(demo.sessions, [demo.root])


def set_doi(demo: Client, proposal: str, doi: str, summary: str | None = None) -> int:
    with demo.sessions() as session:
        found = session.get_one(Investigation, demo.ids[proposal])
        found.doi = doi
        if summary is not None:
            found.summary = summary
        session.commit()
        return found.id


async def test_a_public_session_shows_what_its_document_says(demo: Client) -> None:
    identifier = set_doi(demo, PUBLIC, "10.5072/PANHUB.2023015001")
    path = landing("investigations", identifier)
    page = await page_of(demo, path)
    document = await document_of(demo, path)
    assert text(find(page, "//h1")[0]) == document["titles"][0]["title"]
    creators = find(page, "//ul.creators/li")
    # the demo's people have a full name only: the document's name, as given
    assert [text(find(li, "./span.creator-name")[0]) for li in creators] == [
        "Ana Alba",
        "Ben Bragg",
    ]
    assert [c["name"] for c in document["creators"]] == ["Ana Alba", "Ben Bragg"]
    orcids = [a.get("href") for a in find(page, "//ul.creators//a.orcid")]
    assert orcids == [c["nameIdentifiers"][0]["nameIdentifier"] for c in document["creators"]]
    assert orcids[0] == "https://orcid.org/0000-0000-0000-001X"
    facts = rows(page)
    licence = document["rightsList"][0]
    assert facts["Licence"] == licence["rights"]
    assert (
        find(page, "//table.facts//a[text()='" + licence["rights"] + "']")[0].get("href")
        == licence["rightsUri"]
    )
    assert (facts["Publisher"], facts["Publication year"]) == (
        document["publisher"]["name"],
        document["publicationYear"],
    )
    assert facts["Resource type"] == "Dataset (Experiment session)"
    assert facts["DOI"] == "10.5072/PANHUB.2023015001"
    assert (facts["Proposal"], facts["Beamline"], facts["Release"]) == (
        PUBLIC,
        "BL13",
        "2026-03-01",
    )
    assert facts["Datasets"] == "2" and facts["Files"] == "4"
    # the QR code of the DOI, drawn inline (no request, no script)
    (qr,) = find(page, "//figure.qr/*[local-name()='svg']")
    assert (qr.get("role"), text(qr.xpath("*[local-name()='title']")[0])) == (
        "img",
        "QR code of https://doi.org/10.5072/PANHUB.2023015001",
    )
    assert qr.xpath("*[local-name()='path']")
    # the citation, and every form of it the landing URL negotiates
    citation = (await demo.json(f"api/investigations/{identifier}/citation"))["text"]
    assert text(find(page, "//*[@id='citation-text']")[0]) == citation
    links = {text(a): a.get("href") for a in find(page, "//p.formats/a")}
    assert list(links) == [
        "BibTeX", "RIS", "CSL-JSON", "Text", "DataCite XML", "DataCite JSON", "Schema.org JSON-LD"
    ]  # fmt: skip
    bibtex = await demo.get(links["BibTeX"].split(BASE, 1)[1].replace("?format=bibtex", ""),
                            format="bibtex")  # fmt: skip
    assert bibtex.headers["Content-Type"].startswith("application/x-bibtex")
    assert "10.5072/PANHUB.2023015001" in bibtex.body.decode()
    negotiated = await demo.get(path, headers={"Accept": "application/x-research-info-systems"})
    assert negotiated.body.decode().startswith("TY  - DATA")
    # the data: its files in the portal; JupyterLab once signed in
    actions = {text(a): a.get("href") for a in find(page, "//ul.actions//a")}
    assert actions == {"Browse and download the files": f"{BASE}investigations/{identifier}"}
    assert "Sign in to open the data in JupyterLab." in text(find(page, "//main")[0])


async def test_members_open_their_data_in_jupyterlab_and_see_the_report(demo: Client) -> None:
    add_documents(demo, BENS)
    identifier = set_doi(demo, BENS, "10.5072/PANHUB.2024025002", "Unpublished abstract")
    path = landing("investigations", identifier)
    ben = await page_of(demo, path, "ben")
    actions = {text(a): a.get("href") for a in find(ben, "//ul.actions//a")}
    assert actions["Open in JupyterLab"] == f"/hub/user-redirect/lab/tree/data/{BENS}"
    reports = {text(a): a.get("href") for a in find(ben, "//ul.documents//a")}
    assert set(reports) == {"PDF Experimental report", "PDF A-Form"}
    download = await demo.get(reports["PDF A-Form"].removeprefix(BASE), "ben")
    assert (download.code, download.body) == (200, b"%PDF-1.4 A-Form\n")
    assert text(find(ben, "//p.abstract")[0]) == "Unpublished abstract"
    # staff of another beamline, or nobody: the same page, citation metadata only
    for stranger in (None, "chloe"):
        page = await page_of(demo, path, stranger)
        html = lxml.html.tostring(page).decode()
        assert "Under embargo until 2027-03-01." in text(find(page, "//p.embargo")[0])
        for hidden in ("Experimental report", "A-Form", "a-form.pdf", "Unpublished abstract",
                       "Ben Bragg", "JupyterLab", "Datasets", "Files"):  # fmt: skip
            assert hidden not in html, (stranger, hidden)
        assert rows(page)["Proposal"] == BENS  # from the DOI's metadata
        assert not find(page, "//ul.actions")


async def test_a_collection_shows_its_licence_related_works_and_versions(demo: Client) -> None:
    with demo.sessions() as session:
        datasets = session.scalars(
            select(Dataset.id).where(Dataset.investigation_id == demo.ids[PUBLIC])
        ).all()
        collection = DataCollection(
            title=f"Figure 3 {SCRIPT}",
            summary=f"What the figure shows. {SCRIPT}",
            licence="CC0-1.0",
            keywords=["lysozyme", SCRIPT],
            version="2",
            doi="10.5072/PANHUB-DC-ABCD1234",
            status="minted",
            publicationDate=datetime(2026, 4, 1),
            mintTime=datetime(2026, 4, 1),
        )
        session.add(collection)
        session.flush()
        session.add_all(
            [
                DataCollectionCreator(
                    data_collection_id=collection.id,
                    position=0,
                    name=f"Alba {SCRIPT}, Ana",
                    givenName="Ana",
                    familyName=f"Alba {SCRIPT}",
                    orcid="0000-0002-1825-0097",
                    affiliation=f"ALBA {SCRIPT}",
                ),
                DataCollectionRelated(
                    data_collection_id=collection.id,
                    position=0,
                    identifier="10.1107/S0000000000000001",
                    identifierType="DOI",
                    relationType="IsSupplementTo",
                    resourceTypeGeneral="JournalArticle",
                ),
                *(
                    DataCollectionDataset(data_collection_id=collection.id, dataset_id=d)
                    for d in datasets
                ),
            ]
        )
        session.commit()
        identifier = collection.id
    path = landing("collections", identifier)
    response = await demo.get(path, headers={"Accept": "text/html"})
    html = response.body.decode()
    assert "<script>alert" not in html  # anywhere: the JSON-LD escapes it too
    page = lxml.html.fromstring(html)
    document = await document_of(demo, path)
    assert text(find(page, "//h1")[0]) == f"Figure 3 {SCRIPT}"
    assert text(find(page, "//ul.creators/li")[0]) == (
        f"Ana Alba {SCRIPT} ORCID iD of Ana Alba {SCRIPT}: 0000-0002-1825-0097 ALBA {SCRIPT}"
    )
    assert text(find(page, "//p.abstract")[0]) == f"What the figure shows. {SCRIPT}"
    assert SCRIPT in [text(li) for li in find(page, "//ul.keywords/li")]
    related = {text(find(li, "./span.relation")[0]): find(li, "./a")[0].get("href")
               for li in find(page, "//ul.related/li")}  # fmt: skip
    assert related == {"Is supplement to": "https://doi.org/10.1107/S0000000000000001"}
    assert [r["relationType"] for r in document["relatedIdentifiers"]] == ["IsSupplementTo"]
    facts = rows(page)
    assert (facts["Licence"], facts["Version"]) == ("Creative Commons Zero v1.0 Universal", "2")
    assert facts["Proposal"] == PUBLIC and facts["Datasets"] == "2"
    actions = {text(a): a.get("href") for a in find(page, "//ul.actions//a")}
    assert actions == {"Browse and download the files": f"{BASE}investigations/{demo.ids[PUBLIC]}"}


async def test_a_missing_page_is_a_page_for_browsers_and_json_for_programs(demo: Client) -> None:
    browser = await demo.get(landing("investigations", 999999), headers={"Accept": "text/html"})
    assert (browser.code, browser.headers["Content-Type"]) == (404, "text/html; charset=utf-8")
    page = lxml.html.fromstring(browser.body.decode())
    assert text(find(page, "//h1")[0]) == "Not Found"
    assert "no investigation 999999" in text(find(page, "//main")[0])
    program = await demo.get(landing("investigations", 999999))
    assert json.loads(program.body) == {"status": 404, "message": "no investigation 999999"}
