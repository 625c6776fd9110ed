"""The catalogue service's configuration (wiring only), for ``panhub-catalogue --config``.

The defaults read the same variables as jupyterhub_config.py, each named once:
PANHUB_PROPOSALS_ROOT (``Indexer.root``, ``CatalogueService.proposals_root`` and
through it ``CatalogueService.download_roots``, default /srv/proposals, as the hub's),
PANHUB_CATALOGUE_DB_URL (``CatalogueDatabase.url``) and PANHUB_PUBLIC_URL (the hub's
public URL: ``CatalogueService.public_url`` is its ``/services/catalogue/``); DOI minting reads
PANHUB_DATACITE_URL, PANHUB_DATACITE_USERNAME, PANHUB_DATACITE_PASSWORD_FILE and
PANHUB_DOI_PREFIX (``Publishing``), and PANHUB_MINT_SESSIONS_EVERY (seconds between the
service's own runs of ``mint-sessions``, default 600; 0: none).
"""

import os

c = get_config()  # noqa: F821
# an external service of the hub, started beside it (as the proxy): it outlives hub restarts
c.CatalogueService.exit_with_hub = False
# where the world reaches it (landing pages' canonical links, citations, DataCite's url)
if os.environ.get("PANHUB_PUBLIC_URL"):
    hub = os.environ["PANHUB_PUBLIC_URL"].rstrip("/")
    c.CatalogueService.public_url = f"{hub}/services/catalogue/"
# Which technique a beamline's raw files are, where their application definition alone
# misleads: the demo's powder beamline writes its detector images as NXmx (as MX does).
# A site lists its own beamlines (values: PaNET names or ids; see Indexer.beamline_techniques).
c.Indexer.beamline_techniques = {"BL04-MSPD": "x-ray powder diffraction"}
# DOI minting (c.Publishing, see the README's "DOIs at a site"): the DataCite account
# from the environment, where a site's secrets are; the demo names its stand-in there
if os.environ.get("PANHUB_DATACITE_URL"):
    c.Publishing.datacite_url = os.environ["PANHUB_DATACITE_URL"]
    c.Publishing.datacite_username = os.environ.get("PANHUB_DATACITE_USERNAME", "")
    c.Publishing.datacite_password_file = os.environ.get("PANHUB_DATACITE_PASSWORD_FILE", "")
    c.Publishing.doi_prefix = os.environ.get("PANHUB_DOI_PREFIX", "")
    # ended sessions get their DOI from the service itself (no cron job): every 10 minutes
    c.Publishing.mint_sessions_every = float(os.environ.get("PANHUB_MINT_SESSIONS_EVERY", "600"))
