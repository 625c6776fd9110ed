"""Publishing: DataCite documents, data collections, DOI minting.

- :mod:`~.document` (pure): the one DataCite 4.5 document of an experiment session or
  a data collection, and its validation; every published form is made from it.
- :mod:`~.licences` (pure): SPDX licences as DataCite writes them.
- :mod:`~.rows`: the catalogue's rows as the document's records (batched).
- :mod:`~.workflow` (pure) and :mod:`~.collections`: a collection's life, draft ->
  review -> minted, versions, withdrawal; the database operations and who may do what.
- :mod:`~.minting`: DataCite's REST API through ``datacite.DataCiteRESTClient``.
- :mod:`~.sessions`: session DOIs at the end of an experiment, and releases.
"""
