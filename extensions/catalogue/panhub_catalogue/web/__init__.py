"""The catalogue on the web: the tornado service, its routes and their pure helpers.

Only :mod:`~panhub_catalogue.web.handlers`, :mod:`~panhub_catalogue.web.service` and
the portal's handlers (:mod:`~panhub_catalogue.web.portal`,
:mod:`~panhub_catalogue.web.portal_collections`) import tornado or JupyterHub; the other
modules here are pure. Nothing outside this
package imports from it (the command line loads the service only to serve).

Modules
-------
service   ``CatalogueService`` (traits, hub OAuth, listening) and the route table
handlers  ``CatalogueHandler`` and one handler per route; errors to HTTP in one place
answers   what each JSON or HTML route answers: ``(session, identity, now) -> value``
params    query parameters to ``Search``, ``LogbookFilter`` and pages; unknown ones refused
panosc    the PaNOSC routes under ``panosc/``
landing   DOI landing pages: HTML, a citation, JSON-LD, logbook figures
download  permission-checked downloads: allowed roots, HTTP Range, file names
portal    the web portal: the sessions table, the landing page's HTML, silent sign-in
          (``signin``), settings (``c.Portal``); ``portal_collections`` a session's
          datasets, a dataset's files, data collections' forms
portal_answers, portal_view, landing_view, item_view, view_parts, collection_forms, pages
          what the portal's pages are made of: the Lab panel's answers and their extras,
          view models, the collection form as JSON, the Jinja2 templates (``templates/``,
          ``static/``)
"""
