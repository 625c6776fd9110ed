"""``panhub-catalogue logbook add``: write a logbook entry from the beamline's side.

For acquisition scripts and beamline staff, who run on the catalogue's machine with
its database URL: the command trusts its caller as the database does, so it writes
notifications (no author) or annotations in the name of a catalogue user.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from sqlalchemy import select

from panhub_catalogue.clock import utcnow
from panhub_catalogue.db import open_catalogue
from panhub_catalogue.errors import CatalogueError
from panhub_catalogue.logbook import (
    CATEGORIES,
    TYPES,
    NewEntry,
    add_entry,
    check_category,
    check_content,
    check_tags,
    find_dataset,
    find_investigation,
)
from panhub_catalogue.model import ANNOTATION, NOTIFICATION, User


def add_logbook_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add ``logbook add`` to the command line."""
    logbook = commands.add_parser("logbook", help="the electronic logbook", parents=[common])
    actions = logbook.add_subparsers(dest="action", required=True)
    add = actions.add_parser(
        "add", help="add an entry to an investigation's logbook", parents=[common]
    )
    add.add_argument("text", metavar="TEXT", help="the entry; '-' reads it from stdin")
    add.add_argument("--investigation", required=True, help="Investigation.name (proposal)")
    add.add_argument("--visit", help="Investigation.visitId, when the proposal has several")
    add.add_argument("--dataset", help="Dataset.name the entry is about, e.g. raw/scan0042")
    add.add_argument("--type", choices=TYPES, default=NOTIFICATION, help="default: notification")
    add.add_argument("--category", choices=CATEGORIES, default="info", help="default: info")
    add.add_argument("--tag", action="append", default=[], help="a tag (repeatable)")
    add.add_argument("--author", help="User.name of the writer; required for --type annotation")


def run_logbook(url: str, args: argparse.Namespace) -> int:
    """``logbook add``: print the new entry's id, or the problem on stderr (exit 2)."""
    text = sys.stdin.read() if args.text == "-" else args.text
    try:
        if args.type == ANNOTATION and not args.author:
            raise CatalogueError("an annotation needs --author")
        entry = NewEntry(
            content=check_content(text),
            category=check_category(args.category),
            tags=check_tags(list(args.tag)),
            type=args.type,
        )
        with open_catalogue(url)() as session:
            investigation = find_investigation(session, args.investigation, args.visit)
            if args.dataset is not None:
                dataset = find_dataset(session, investigation.id, args.dataset)
                entry = replace(entry, dataset=dataset)
            author = None
            if args.author:
                author = session.scalar(select(User).where(User.name == args.author))
                if author is None:
                    raise CatalogueError(f"no user {args.author} in the catalogue")
            row = add_entry(session, investigation.id, entry, author, utcnow())
            session.commit()
    except CatalogueError as error:
        print(f"panhub-catalogue logbook add: {error.message}", file=sys.stderr)
        return 2
    print(f"logbook entry {row.id} added to investigation {investigation.name}")
    return 0
