"""publish.minting and settings.Publishing: DataCite calls against the stand-in; the
password stays secret."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from datacite import DataCiteRESTClient
from datacite.errors import DataCiteError
from panhub_catalogue.publish.document import (
    CollectionRecord,
    Content,
    Creator,
    DocumentSettings,
    build_collection_document,
)
from panhub_catalogue.publish.minting import (
    DataCite,
    DataCiteAccount,
    DataCiteFailure,
    InvalidDocument,
    NotConfigured,
)
from panhub_catalogue.publish.standin import DataCiteStandIn, run_standin
from panhub_catalogue.settings import Publishing
from panhub_catalogue.web.service import CatalogueService
from traitlets import TraitError
from traitlets.config import Config

NOW = datetime(2026, 6, 1)
SETTINGS = DocumentSettings("PANHUB", "", "CC-BY-4.0", "https://data.example.org/c/")


@pytest.fixture
def standin() -> Iterator[DataCiteStandIn]:
    with run_standin() as running:
        yield running


def make_datacite(standin: DataCiteStandIn, password: str | None = None) -> DataCite:
    return DataCite(
        DataCiteAccount(
            standin.url, standin.username, password or standin.password, standin.prefix, 5
        )
    )


def make_document(doi: str, title: str = "Scans") -> dict[str, Any]:
    record = CollectionRecord(1, title, None, Content("PANHUB"), (Creator("Ana Example"),), doi=doi)
    return build_collection_document(record, SETTINGS, NOW)


def test_a_doi_goes_through_datacites_states(standin: DataCiteStandIn) -> None:
    datacite = make_datacite(standin)
    doi = f"{standin.prefix}/PANHUB-DC-1"
    assert datacite.register(make_document(doi), False, None) == "registered"
    assert datacite.show(doi) == "findable"
    assert datacite.hide(doi) == "registered"
    datacite.update(make_document(doi, "Better"))
    assert datacite.register(make_document(doi, "Better"), True, "registered") == "findable"
    record = standin.records[doi.lower()]
    assert record.state == "findable"
    assert record.attributes == make_document(doi, "Better")
    sent = [(r.method, r.attributes.get("event"), r.status, r.user) for r in standin.requests]
    assert sent == [
        ("POST", None, 201, "PANHUB.TEST"),
        ("PUT", "register", 200, "PANHUB.TEST"),
        ("PUT", "publish", 200, "PANHUB.TEST"),
        ("PUT", "hide", 200, "PANHUB.TEST"),
        ("PUT", None, 200, "PANHUB.TEST"),
        ("PUT", "publish", 200, "PANHUB.TEST"),
    ]


def test_an_invalid_document_is_refused_and_nothing_is_sent(standin: DataCiteStandIn) -> None:
    document = make_document(f"{standin.prefix}/x") | {"creators": []}
    del document["url"]
    with pytest.raises(InvalidDocument) as caught:
        make_datacite(standin).register(document, True, None)
    assert caught.value.status == 400
    assert [p.text for p in caught.value.problems] == [
        "creators: at least 1 needed",
        "url: the document has no landing page URL (set Publishing.landing_url_base)",
    ]
    assert standin.requests == []


def test_a_wrong_password_is_reported_without_the_password(
    standin: DataCiteStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "wrong-Pa55word-xyz"
    datacite = make_datacite(standin, password=secret)
    assert secret not in repr(datacite) and secret not in repr(datacite.account)
    with caplog.at_level(logging.DEBUG), pytest.raises(DataCiteFailure) as caught:
        datacite.register(make_document(f"{standin.prefix}/x"), True, None)
    assert caught.value.status == 502
    assert caught.value.message.startswith(f"DataCite refused the request for {standin.prefix}/x: ")
    assert "Bad credentials." in caught.value.message
    assert secret not in caught.value.message and secret not in caplog.text
    assert [r.status for r in standin.requests] == [401]


def test_an_unreachable_datacite_and_a_foreign_prefix_are_readable(
    standin: DataCiteStandIn,
) -> None:
    gone = DataCite(DataCiteAccount("http://127.0.0.1:9/", "U", "p", standin.prefix, 2))
    with pytest.raises(DataCiteFailure, match=r"^DataCite could not be reached for 10\.80001/x: "):
        gone.show(f"{standin.prefix}/x")
    with pytest.raises(
        DataCiteFailure,
        match=r"^10\.99999/x cannot be sent to this DataCite account: Wrong DOI 10\.99999 prefix",
    ):
        make_datacite(standin).update(make_document("10.99999/x"))


def test_without_an_account_every_call_says_what_to_set() -> None:
    with pytest.raises(NotConfigured, match=r"Publishing\.doi_prefix, datacite_username") as caught:
        DataCite(None).show("10.80001/x")
    assert caught.value.status == 503


def test_the_standin_itself_refuses_what_datacite_refuses(standin: DataCiteStandIn) -> None:
    """Through the bare client: the schema, the URL, the states are checked by the stand-in."""
    client = DataCiteRESTClient(standin.username, standin.password, standin.prefix, url=standin.url)
    document = make_document(f"{standin.prefix}/y")
    bad = {k: v for k, v in document.items() if k != "publisher"}
    with pytest.raises(DataCiteError, match="'publisher' is a required property"):
        client.public_doi(dict(bad), document["url"], document["doi"])
    no_url = {k: v for k, v in document.items() if k != "url"}
    client.draft_doi(dict(no_url), document["doi"])
    with pytest.raises(DataCiteError, match="Url can't be blank"):
        client.show_doi(document["doi"])
    with pytest.raises(DataCiteError, match="This DOI has already been taken"):
        client.draft_doi(dict(document), document["doi"])
    client.update_doi(document["doi"], dict(document, event="register"))
    with pytest.raises(DataCiteError, match="only draft DOIs can be deleted"):
        client.delete_doi(document["doi"])
    assert client.get_doi(document["doi"]) == document["url"]


def test_the_password_setting_never_shows_its_value(tmp_path: Path) -> None:
    secret = "s3cret-Value-42"
    with pytest.raises(TraitError) as caught:
        Publishing(datacite_password=["not", secret])
    assert secret not in str(caught.value)
    assert str(caught.value) == "The 'datacite_password' setting expects a string, not list"
    (tmp_path / "datacite.secret").write_text(secret + "\n")
    config = Config()
    config.Publishing.datacite_username = "ALBA.DATA"
    config.Publishing.doi_prefix = "10.80445"
    config.Publishing.datacite_password_file = str(tmp_path / "datacite.secret")
    options = Publishing(config=config).make_options("https://hub.example.org/services/catalogue/")
    assert options.account is not None and options.account.password == secret
    assert secret not in repr(options)
    assert options.document.landing_url_base == "https://hub.example.org/services/catalogue/"
    config.Publishing.datacite_password_file = str(tmp_path / "missing.secret")
    with pytest.raises(ValueError, match=r"missing\.secret: No such file or directory"):
        Publishing(config=config).make_options()


def test_the_service_passes_the_publishing_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANHUB_DATACITE_PASSWORD", "from-the-environment")
    config = Config()
    config.Publishing.datacite_username = "ALBA.DATA"
    config.Publishing.doi_prefix = "10.80445"
    config.Publishing.publisher_ror = "https://ror.org/02j9n6e35"
    config.CatalogueService.public_url = "https://hub.example.org/services/catalogue/"
    publishing = CatalogueService(config=config).make_options().publishing
    assert publishing.prefix == "10.80445" and publishing.review_required
    assert publishing.account is not None and publishing.account.password == "from-the-environment"
    assert publishing.document == DocumentSettings(
        "PANHUB",
        "https://ror.org/02j9n6e35",
        "CC-BY-4.0",
        "https://hub.example.org/services/catalogue/",
    )
    assert CatalogueService().make_options().publishing.account is None
