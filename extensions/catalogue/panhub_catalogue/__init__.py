"""panhub's data catalogue: an ICAT-shaped model, a NeXus indexer and a hub service.

The pure cores are :mod:`panhub_catalogue.model` (tables), :mod:`panhub_catalogue.query`
(the visibility rule, filters, facets, pagination) and :mod:`panhub_catalogue.identity`
(hub user -> :class:`~panhub_catalogue.identity.Identity`). The shells are the indexer
CLI (:mod:`panhub_catalogue.cli`) and the tornado service
(:mod:`panhub_catalogue.web.service`).
"""

from __future__ import annotations

__version__ = "0.1.0"
