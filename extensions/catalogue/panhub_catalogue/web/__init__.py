"""The catalogue on the web: the tornado service, its routes and their pure helpers.

Only :mod:`~panhub_catalogue.web.handlers` and :mod:`~panhub_catalogue.web.service`
import tornado or JupyterHub; the other modules here are pure. Nothing outside this
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
"""
