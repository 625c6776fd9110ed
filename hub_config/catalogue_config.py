"""The catalogue service's configuration (wiring only), for ``panhub-catalogue --config``.

Reads the same PANHUB_* variables as jupyterhub_config.py: PANHUB_PROPOSALS_ROOT
(where files are indexed from and may be downloaded from). The database URL is
``CatalogueDatabase.url``, from PANHUB_CATALOGUE_DB_URL when set.
"""

import os

c = get_config()  # noqa: F821
root = os.environ.get("PANHUB_PROPOSALS_ROOT", "/srv/proposals")
c.CatalogueService.download_roots = [root]
c.Indexer.root = root
# an external service of the hub, started beside it (as the proxy): it outlives hub restarts
c.CatalogueService.exit_with_hub = False
