"""``panhub-catalogue``: index proposal folders, import membership or ICAT, run the service.

Examples
--------
::

    panhub-catalogue index --db sqlite:////var/lib/panhub/catalogue.sqlite --root /data /data
    panhub-catalogue index --prune --db sqlite:////var/lib/panhub/catalogue.sqlite \\
        --root /data /data/20240001
    panhub-catalogue demo --db sqlite:////tmp/demo/catalogue.sqlite /tmp/demo/data
    panhub-catalogue members import --db sqlite:////var/lib/panhub/catalogue.sqlite proposals.toml
    panhub-catalogue members export --db sqlite:////var/lib/panhub/catalogue.sqlite
    panhub-catalogue icat import --db sqlite:////var/lib/panhub/catalogue.sqlite \\
        --url https://icat.example.org --auth db --user reader --password-file reader.secret
    panhub-catalogue logbook add --db sqlite:////var/lib/panhub/catalogue.sqlite \\
        --investigation 20240001 --dataset raw/scan0042 --category info "scan 42 started"
    panhub-catalogue mint-sessions --config /etc/panhub/catalogue_config.py
    panhub-catalogue serve --config /etc/panhub/catalogue_config.py

Settings come from ``--config`` (a traitlets Python file: ``c.Indexer.root = "/gpfs/proposals"``),
overridden by the options given here.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from panhub_catalogue.db import make_engine, migrate, open_catalogue
from panhub_catalogue.demo import make_demo_proposals
from panhub_catalogue.ingest.icat import IcatError, IcatImport, IcatSource
from panhub_catalogue.ingest.indexer import Indexer, IndexReport, iter_files
from panhub_catalogue.ingest.members import (
    DirectoryError,
    apply_directory,
    parse_directory,
    read_directory,
)
from panhub_catalogue.ingest.progress import Progress
from panhub_catalogue.logbook_cli import add_logbook_parser, run_logbook
from panhub_catalogue.publish.cli import (
    add_publish_parser,
    run_datacite_standin,
    run_mint_sessions,
)
from panhub_catalogue.settings import CatalogueDatabase


def load_config(path: str | None) -> Config:
    """A traitlets config from a Python file, or an empty one."""
    if path is None:
        return Config()
    config_path = Path(path).absolute()
    loader = PyFileConfigLoader(config_path.name, str(config_path.parent))
    config: Config = loader.load_config()
    return config


def make_parser() -> argparse.ArgumentParser:
    """The command line."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help="traitlets config file")
    common.add_argument("--db", default=argparse.SUPPRESS, help="CatalogueDatabase.url")
    parser = argparse.ArgumentParser(
        prog="panhub-catalogue", description=__doc__.split("\n")[0], parents=[common]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    index = commands.add_parser(
        "index", help="index NeXus/HDF5 files under PATHs", parents=[common]
    )
    index.add_argument("paths", nargs="+", metavar="PATH")
    index.add_argument("--root", help="proposals root (Indexer.root); default: the first PATH")
    index.add_argument("--facility", help="Facility.name (Indexer.facility)")
    index.add_argument("--checksum", choices=["none", "adler32"], help="Indexer.checksum")
    index.add_argument(
        "--prune",
        action="store_true",
        help="also remove the rows of files under PATHs that are gone from disk, and "
        "datasets left empty",
    )
    bar = index.add_mutually_exclusive_group()
    bar.add_argument("--progress", action="store_true", default=None, help="always draw the bar")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never draw it")
    commands.add_parser("migrate", help="create or upgrade the schema", parents=[common])
    demo = commands.add_parser(
        "demo", help="write the demo proposals under ROOT and index them", parents=[common]
    )
    demo.add_argument("root", metavar="ROOT")
    members = commands.add_parser(
        "members", help="proposal membership (the hub's directory file)", parents=[common]
    )
    member_commands = members.add_subparsers(dest="action", required=True)
    load = member_commands.add_parser(
        "import", help="set members, staff and admins from a directory TOML", parents=[common]
    )
    load.add_argument("file", metavar="FILE.toml")
    load.add_argument("--facility", help="Facility.name (Indexer.facility)")
    member_commands.add_parser(
        "export",
        help="print the directory as JSON (what GET api/directory serves)",
        parents=[common],
    )
    icat = commands.add_parser("icat", help="import from an ICAT REST server", parents=[common])
    icat_commands = icat.add_subparsers(dest="action", required=True)
    icat_import = icat_commands.add_parser(
        "import",
        help="read investigations, members, staff and data from ICAT (idempotent)",
        parents=[common],
    )
    icat_import.add_argument("--url", help="IcatSource.url: the ICAT server root")
    icat_import.add_argument("--auth", help="IcatSource.auth: authenticator plugin, e.g. db")
    icat_import.add_argument("--user", help="IcatSource.username")
    icat_import.add_argument(
        "--password-file", help="IcatSource.password_file: the password on its first line"
    )
    icat_import.add_argument(
        "--keep-plugin", action="store_true", default=None, help="IcatSource.keep_plugin"
    )
    add_logbook_parser(commands, common)
    add_publish_parser(commands, common)
    serve = commands.add_parser("serve", help="run the catalogue service", parents=[common])
    serve.add_argument("--port", type=int, help="CatalogueService.port")
    return parser


def print_report(report: IndexReport) -> None:
    """Summary on stdout, each failed or ignored file, and each note, on stderr."""
    for path, reason in report.failed:
        print(f"failed: {path}: {reason}", file=sys.stderr)
    for path, reason in report.ignored:
        print(f"ignored: {path}: {reason}", file=sys.stderr)
    for path, note in report.notes:
        print(f"note: {path}: {note}", file=sys.stderr)
    summary = (
        f"{report.seen} files: {report.indexed} indexed, {report.unchanged} unchanged, "
        f"{len(report.failed)} failed, {len(report.ignored)} ignored"
    )
    if report.pruned is not None:
        for path, reason in report.pruned.skipped:
            print(f"not pruned: {path}: {reason}", file=sys.stderr)
        for path, reason in report.pruned.kept:
            print(f"kept: {path}: {reason}", file=sys.stderr)
        summary += (
            f"; pruned {report.pruned.files} missing files, {report.pruned.datasets} empty "
            f"datasets ({len(report.pruned.kept)} kept, {len(report.pruned.skipped)} paths "
            "not pruned)"
        )
    print(summary)


def run_index(
    config: Config, url: str, paths: Sequence[str], progress: bool | None, prune: bool = False
) -> int:
    """Index ``paths`` with the configured :class:`Indexer` (then prune, if asked)."""
    indexer = Indexer(config=config)
    files = sum(1 for _ in iter_files(paths))
    report = indexer.index(
        open_catalogue(url), paths, Progress(files, enabled=progress), prune=prune
    )
    print_report(report)
    return 0


def run_members(config: Config, url: str, args: argparse.Namespace) -> int:
    """``members import FILE`` or ``members export``."""
    sessions = open_catalogue(url)
    if args.action == "export":
        with sessions() as session:
            print(json.dumps(read_directory(session), indent=1))
        return 0
    try:
        with open(args.file, "rb") as stream:
            directory = parse_directory(tomllib.load(stream))
    except (OSError, tomllib.TOMLDecodeError, DirectoryError) as error:
        print(f"panhub-catalogue members import: {args.file}: {error}", file=sys.stderr)
        return 2
    facility = args.facility or Indexer(config=config).facility
    with sessions() as session:
        report = apply_directory(session, directory, facility)
        session.commit()
    print(f"{len(directory.proposals)} proposals: {report}")
    return 0


def run_icat_import(config: Config, url: str, args: argparse.Namespace) -> int:
    """``icat import``: log in to ICAT and import everything the session may read."""
    for option, trait in (
        ("url", "url"),
        ("auth", "auth"),
        ("user", "username"),
        ("password_file", "password_file"),
        ("keep_plugin", "keep_plugin"),
    ):
        if getattr(args, option) is not None:
            config.IcatSource[trait] = getattr(args, option)
    source = IcatSource(config=config)
    if not source.url:
        print("panhub-catalogue icat import: no ICAT URL (--url)", file=sys.stderr)
        return 2
    try:
        client = source.make_client()
        with open_catalogue(url)() as session:
            report = IcatImport(session, client, source.keep_plugin).run()
            session.commit()
    except (IcatError, OSError, ValueError) as error:
        print(f"panhub-catalogue icat import: {error}", file=sys.stderr)
        return 1
    print(
        f"{source.url}: {report.investigations} investigations, {report.datasets} datasets, "
        f"{report.datafiles} datafiles read; members +{report.members}, "
        f"instrument scientists +{report.scientists}"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``panhub-catalogue``."""
    args = make_parser().parse_args(argv)
    if args.command == "datacite-standin":
        return run_datacite_standin(args)
    config = load_config(getattr(args, "config", None))
    if getattr(args, "db", None):
        config.CatalogueDatabase.url = args.db
    url = CatalogueDatabase(config=config).url
    if args.command == "migrate":
        migrate(make_engine(url))
        return 0
    if args.command == "index":
        if args.root or "root" not in config.Indexer:
            config.Indexer.root = str(Path(args.root or args.paths[0]).absolute())
        if args.facility:
            config.Indexer.facility = args.facility
        if args.checksum:
            config.Indexer.checksum = args.checksum
        return run_index(config, url, args.paths, args.progress, args.prune)
    if args.command == "members":
        return run_members(config, url, args)
    if args.command == "icat":
        return run_icat_import(config, url, args)
    if args.command == "logbook":
        return run_logbook(url, args)
    if args.command == "mint-sessions":
        return run_mint_sessions(config, url, args)
    if args.command == "demo":
        root = Path(args.root).absolute()
        make_demo_proposals(root)
        config.Indexer.root = str(root)
        # the demo's files are its only source of membership and beamlines
        config.Indexer.members_from_files = True
        config.Indexer.instruments_from_files = True
        return run_index(config, url, [str(root)], None)
    from panhub_catalogue.web.service import CatalogueService  # tornado only when serving

    if args.port:
        config.CatalogueService.port = args.port
    CatalogueService(config=config).start()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
