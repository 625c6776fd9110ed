"""The catalogue's server extension in the user's JupyterLab server.

It serves the Lab side of panhub (the catalogue panel, NeXus files opened in the viewer)
under ``<base_url>panhub-catalogue/api/`` and reaches the catalogue service with the
server's own hub token, through :mod:`panhub_catalogue.client`: the browser never holds
another credential. Enabled by ``jupyter-config/panhub_catalogue.json``, which the wheel
installs into ``etc/jupyter/jupyter_server_config.d/``.

Modules
-------
handlers   the base of the routes (owner-only, JSON errors), version, open-code, places,
           templates (listed, copied)
job        the job's route: this server's SLURM job and its end (the walltime warning)
walltime   when the job ends: its environment, then squeue now and then
routes     the catalogue's routes (whoami, investigations, facets, datasets, datafiles,
           citation, logbook, copies): parameters checked, calls in a thread
fields     what the routes add to the catalogue's records (paths as mounted, code, links)
copies     copies into the workspace as jobs (capped, resumable, never overwriting)
templates  template notebooks: found in the templates folders, copied never in place
config     ``c.PanhubCatalogue``: the settings (URL, timeout, copy cap and folder, paths,
           templates folders)
code       Python code that opens a file (viewer, h5py), with Python's own quoting
"""

from __future__ import annotations

import os
from typing import Any

from panhub_catalogue.lab import job, walltime
from panhub_catalogue.lab.config import LabState, PanhubCatalogue
from panhub_catalogue.lab.routes import make_routes


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "panhub_catalogue.lab"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    web_app = server_app.web_app
    state = LabState.from_config(PanhubCatalogue(parent=server_app))
    web_app.settings["panhub_catalogue"] = state
    settings = walltime.PanhubWalltime(parent=server_app)
    web_app.settings[job.SETTINGS_KEY] = walltime.make_job_clock(settings, os.environ)
    web_app.add_handlers(".*$", make_routes(web_app.settings["base_url"]))
    server_app.log.info(
        "panhub_catalogue.lab: routes under panhub-catalogue/api/, catalogue at %s",
        state.client.url,
    )
