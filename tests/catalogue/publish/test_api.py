"""api_collections and client (patch, delete): data collections from the Python API,
against the real service in a thread and the DataCite stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from panhub_catalogue import Catalogue
from panhub_catalogue.client import CatalogueClient
from panhub_catalogue.db import make_engine, make_sessionmaker, migrate
from panhub_catalogue.errors import CatalogueError, Forbidden, NotFound
from panhub_catalogue.identity import Identity
from panhub_catalogue.publish.standin import DataCiteStandIn, run_standin
from panhub_catalogue.web.service import ServiceOptions, make_app

from tests.support.catalogue_client import BASE
from tests.support.catalogue_served import run_in_thread
from tests.support.catalogue_server import make_token_identify
from tests.support.catalogue_world import NOW
from tests.support.publishing_world import Ids, build_world, make_options

TOKENS = {f"{name}-token": Identity(name) for name in ("ana", "ben", "dai", "eve")}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Ids, DataCiteStandIn]]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('api') / 'catalogue.sqlite'}")
    migrate(engine)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        ids = build_world(session)
    with run_standin() as standin:
        options = ServiceOptions(base_url=BASE, clock=lambda: NOW, publishing=make_options(standin))
        app = make_app(sessions, options, make_token_identify(TOKENS))
        with run_in_thread(app) as port:
            yield f"http://127.0.0.1:{port}{BASE}", ids, standin
    engine.dispose()


def as_user(site: tuple[str, Ids, DataCiteStandIn], name: str) -> Catalogue:
    return Catalogue(client=CatalogueClient(site[0], f"{name}-token"))


def test_a_member_makes_a_collection_and_a_reviewer_mints_it(
    site: tuple[str, Ids, DataCiteStandIn],
) -> None:
    _, ids, standin = site
    ana, dai = as_user(site, "ana"), as_user(site, "dai")
    datasets = ana.datasets(ids.investigations["P-PUB"])
    draft = ana.create_collection(
        datasets,
        title="Scans of our paper",
        creators=[
            "Ana Example",
            {"name": "Ben Other", "orcid": "https://orcid.org/0000-0002-1825-0097"},
        ],
        related=[("https://doi.org/10.1234/paper.5", "IsSupplementTo")],
        licence="cc0-1.0",
    )
    assert draft.status == "draft" and draft.problems == []
    assert [c["orcid"] for c in draft.creators] == [None, "0000-0002-1825-0097"]
    assert draft.relatedIdentifiers[0]["identifier"] == "10.1234/paper.5"
    assert sorted(d["id"] for d in draft.datasets) == sorted(d["id"] for d in datasets)
    assert "Scans of our paper" in draft._repr_html_()
    draft = ana.update_collection(draft, description="Two scans.")
    assert ana.submit_collection(draft).status == "review"
    with pytest.raises(Forbidden, match="minting needs a reviewer"):
        ana.mint_collection(draft)
    minted = dai.mint_collection(draft.id)
    assert minted.doi.startswith(standin.prefix + "/") and minted.dataciteState == "findable"
    assert standin.records[minted.doi.lower()].state == "findable"
    assert [c.id for c in ana.collections(mine=True)] == [minted.id]
    assert ana.collections(status="draft") == []

    with pytest.raises(CatalogueError, match="make a new version") as refused:
        ana.update_collection(minted, files=[ids.datafiles[("P-PUB", 1)]])
    assert refused.value.status == 409
    version = ana.new_version(minted)
    assert (version.version, version.previousId) == ("2", minted.id)
    ana.delete_collection(version)
    with pytest.raises(NotFound):
        ana.collection(version.id)


def test_another_user_cannot_publish_a_proposals_data(
    site: tuple[str, Ids, DataCiteStandIn],
) -> None:
    _, ids, _ = site
    eve = as_user(site, "eve")
    with pytest.raises(Forbidden, match="only members of proposal P-PUB"):
        eve.create_collection([ids.datasets[("P-PUB", 1)]], title="not mine")
    with pytest.raises(NotFound):
        eve.create_collection(files=[ids.datafiles[("P-EMB", 1)]], title="hidden")


def test_bad_arguments_are_refused_before_any_request(
    site: tuple[str, Ids, DataCiteStandIn],
) -> None:
    ana = as_user(site, "ana")
    with pytest.raises(TypeError, match="unknown field 'titel'"):
        ana.create_collection([1], titel="typo")
    with pytest.raises(TypeError, match="a dataset id or record, not str"):
        ana.create_collection(["scan0001"])


def test_the_service_explains_a_bad_field(site: tuple[str, Ids, DataCiteStandIn]) -> None:
    _, ids, _ = site
    with pytest.raises(
        CatalogueError, match=r"Author 1, ORCID iD: '0000-0002-1825-0098' is not an ORCID iD"
    ):
        as_user(site, "ana").create_collection(
            [ids.datasets[("P-PUB", 1)]], creators=[{"name": "A", "orcid": "0000-0002-1825-0098"}]
        )
