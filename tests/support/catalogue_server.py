"""The real catalogue application on loopback, with token identities instead of a hub.

For the benchmarks of the Lab panel, which need a big catalogue behind a throw-away
JupyterLab: ``python -m tests.support.catalogue_server --db URL --port N --token
TOKEN=USER[:admin]``. Every route is the service's own (``make_app``); only who is
asking comes from a fixed token table (unknown tokens are anonymous), as the hub's
``Authorization: token`` check would give it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from panhub_catalogue.db import open_catalogue
from panhub_catalogue.identity import ANONYMOUS, Identity
from panhub_catalogue.web.service import ServiceOptions, make_app, serve_forever
from tornado.web import RequestHandler

from tests.support.processes import serving

ROOT = Path(__file__).resolve().parents[2]
BASE = "/services/catalogue/"


def make_token_identify(tokens: dict[str, Identity]):  # type: ignore[no-untyped-def]
    async def identify(handler: RequestHandler) -> Identity:
        header = handler.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        identity = tokens.get(token) if scheme.lower() == "token" else None
        handler.current_user = {"name": identity.username} if identity else None
        return identity or ANONYMOUS

    return identify


def parse_token(text: str) -> tuple[str, Identity]:
    token, _, who = text.partition("=")
    name, _, role = who.partition(":")
    return token, Identity(name, role == "admin", frozenset())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", action="append", default=[])
    args = parser.parse_args(argv)
    tokens = dict(parse_token(t) for t in args.token)
    app = make_app(
        open_catalogue(args.db), ServiceOptions(base_url=BASE), make_token_identify(tokens)
    )
    app.listen(args.port, "127.0.0.1")
    serve_forever()


@contextlib.contextmanager
def running_catalogue(db: str, port: int, tokens: list[str], log: Path) -> Iterator[str]:
    """Serve ``db`` on ``port`` in a child process; yield its base URL; stop it."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), str(ROOT / "extensions" / "catalogue"), str(ROOT / "extensions" / "nexus_viewer")]
    ))  # fmt: skip
    argv = [sys.executable, "-m", "tests.support.catalogue_server", "--db", db,
            "--port", str(port), *[f"--token={t}" for t in tokens]]  # fmt: skip
    url = f"http://127.0.0.1:{port}{BASE}"
    with serving(argv, f"{url}api/whoami", log, cwd=ROOT, env=env, what="the catalogue"):
        yield url


if __name__ == "__main__":
    main()
