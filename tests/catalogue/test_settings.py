"""One proposals root for the hub and the catalogue, one name for each setting."""

from __future__ import annotations

import pytest
from panhub.mounts import Layout
from panhub_catalogue.ingest.indexer import Indexer
from panhub_catalogue.settings import DEFAULT_PROPOSALS_ROOT, CatalogueDatabase
from panhub_catalogue.web.service import CatalogueService


def test_hub_and_catalogue_default_to_the_same_proposals_root(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PANHUB_PROPOSALS_ROOT", raising=False)
    assert Layout().root == DEFAULT_PROPOSALS_ROOT == Indexer().root
    assert CatalogueService().download_roots == [DEFAULT_PROPOSALS_ROOT]
    assert CatalogueService().proposals_root == DEFAULT_PROPOSALS_ROOT
    assert CatalogueService().make_options().logbook_figure_max_bytes == 5 * 1024 * 1024


def test_one_variable_sets_the_root_and_one_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANHUB_PROPOSALS_ROOT", "/gpfs/proposals")
    monkeypatch.setenv("PANHUB_CATALOGUE_DB_URL", "sqlite:////tmp/x.sqlite")
    assert Indexer().root == "/gpfs/proposals"
    assert CatalogueService().download_roots == ["/gpfs/proposals"]
    assert CatalogueService().make_options().proposals_root == "/gpfs/proposals"
    assert CatalogueDatabase().url == "sqlite:////tmp/x.sqlite"
