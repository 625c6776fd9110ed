"""Publishing: DataCite documents, data collections, DOI minting.

- :mod:`~.document` (pure): the one DataCite 4.5 document of an experiment session or
  a data collection; :mod:`~.validation` (pure) its check against the schema;
  :mod:`~.licences` (pure) SPDX licences as DataCite writes them. Every published
  form (REST body, landing page, OAI-PMH, JSON-LD, citations) is made from the document.
- :mod:`~.rows`: the catalogue's rows as the document's records (batched).
- :mod:`~.forms` and :mod:`~.workflow` (pure): a collection's form and its life,
  draft -> review -> minted, versions, withdrawal.
- :mod:`~.access`: who may do what, on the rules of :mod:`panhub_catalogue.visibility`.
- :mod:`~.collections` (create, read, list, edit, delete) and :mod:`~.lifecycle`
  (submit, return, mint, new version, withdraw): the operations; :mod:`~.describe`
  their JSON.
- :mod:`~.minting`: DataCite's REST API through ``datacite.DataCiteRESTClient``.
- :mod:`~.sessions` and :mod:`~.cli`: session DOIs at the end of an experiment, and
  DOIs made findable when data is released (``panhub-catalogue mint-sessions``).
- :mod:`~.options`: the settings (``settings.Publishing``) as one value.
"""
