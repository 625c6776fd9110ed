"""``panhub-catalogue mint-sessions``: session DOIs at the end of experiments, releases;
``panhub-catalogue datacite-standin``: a DataCite stand-in for demos (no real DOIs).

::

    panhub-catalogue mint-sessions --config /etc/panhub/catalogue_config.py [--dry-run]

(The catalogue service does the same every ``c.Publishing.mint_sessions_every`` seconds:
with that set, no cron job is needed.)
    panhub-catalogue datacite-standin --port 8095 --prefix 10.80001 \
        --username PANHUB.DEMO --password-file /var/lib/panhub/demo/catalogue/datacite

Settings: ``c.Publishing`` (DataCite account, prefix, patterns, publisher, landing
URL base) in the ``--config`` file. Prints one line per DOI minted or made findable,
and each failure on stderr; exits 1 when something failed, 2 when minting is not
configured.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from traitlets.config import Config

from panhub_catalogue.clock import utcnow
from panhub_catalogue.db import open_catalogue
from panhub_catalogue.settings import Publishing


def add_publish_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """The ``mint-sessions`` command."""
    mint = commands.add_parser(
        "mint-sessions",
        help="mint DOIs of ended experiment sessions, and make released DOIs findable",
        parents=[common],
    )
    mint.add_argument("--dry-run", action="store_true", help="list the sessions due; send nothing")
    mint.add_argument("--limit", type=int, help="mint at most this many session DOIs")
    standin = commands.add_parser(
        "datacite-standin",
        help="serve a DataCite REST API stand-in on 127.0.0.1 (demos: its DOIs resolve nowhere)",
    )
    standin.add_argument("--port", type=int, default=8095, help="loopback port (default 8095)")
    standin.add_argument("--prefix", default="10.80001", help="the one DOI prefix it accepts")
    standin.add_argument("--username", default="PANHUB.DEMO", help="its repository account")
    standin.add_argument(
        "--password-file", required=True, help="file holding the account's password"
    )


def run_datacite_standin(args: argparse.Namespace) -> int:
    """Serve :class:`~panhub_catalogue.publish.standin.DataCiteStandIn` until killed."""
    from panhub_catalogue.publish.standin import DataCiteStandIn, make_server

    with open(args.password_file, encoding="utf-8") as stream:
        password = stream.read().strip()
    standin = DataCiteStandIn(args.username, password, args.prefix)
    server = make_server(standin, args.port)
    print(f"DataCite stand-in on {standin.url} (prefix {args.prefix})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def run_mint_sessions(config: Config, url: str, args: argparse.Namespace) -> int:
    """Mint and publish (:func:`panhub_catalogue.publish.sessions.run`); print a report."""
    from panhub_catalogue.publish.sessions import run

    publishing = Publishing(config=config)
    try:
        options = publishing.make_options()
    except ValueError as error:
        print(f"panhub-catalogue mint-sessions: {error}", file=sys.stderr)
        return 2
    if options.account is None and not args.dry_run:
        print(
            "panhub-catalogue mint-sessions: DOI minting is not configured "
            "(c.Publishing.doi_prefix, datacite_username, datacite_password)",
            file=sys.stderr,
        )
        return 2
    report = run(open_catalogue(url), options, utcnow(), limit=args.limit, dry_run=args.dry_run)
    done, failed = report.describe("due" if args.dry_run else "minted")
    for line in done:
        print(line)
    for line in failed:
        print(line, file=sys.stderr)
    return 1 if report.failed else 0
