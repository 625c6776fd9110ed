"""The catalogue service's configuration (wiring only), for ``panhub-catalogue --config``.

The defaults read the same variables as jupyterhub_config.py, each named once:
PANHUB_PROPOSALS_ROOT (``Indexer.root``, ``CatalogueService.proposals_root`` and
through it ``CatalogueService.download_roots``, default /srv/proposals, as the hub's)
and PANHUB_CATALOGUE_DB_URL (``CatalogueDatabase.url``).
"""

c = get_config()  # noqa: F821
# an external service of the hub, started beside it (as the proxy): it outlives hub restarts
c.CatalogueService.exit_with_hub = False
