"""The logbook core: who reads, who writes, validation, the CLI (both backends)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from panhub_catalogue.cli import main
from panhub_catalogue.db import downgrade, make_engine, migrate
from panhub_catalogue.errors import BadRequest, Forbidden, NotFound, Unauthorized
from panhub_catalogue.identity import ANONYMOUS, Identity
from panhub_catalogue.logbook import (
    MAX_CONTENT,
    LogbookFilter,
    NewEntry,
    add_entry,
    check_writer,
    list_entries,
    parse_entry,
    write_annotation,
)
from panhub_catalogue.model import NOTIFICATION, Dataset, Investigation, LogbookEntry, User
from panhub_catalogue.web.landing import render_logbook
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.catalogue_world import NOW, Proposal, World, build

WORLD = World(
    (
        Proposal("P-PUB", beamline="BL13", members=(("ana", "PI"),), release_days=-10),
        Proposal("P-EMB", beamline="BL22", members=(("ben", "PI"),), release_days=100),
    ),
    staff=(("chloe", "BL22"),),
)
ALL = LogbookFilter(limit=100)


def dataset_of(session: Session, investigation_id: int) -> int:
    found = session.scalar(select(Dataset.id).where(Dataset.investigation_id == investigation_id))
    assert found is not None
    return found


def contents(
    session: Session, identity: Identity, investigation_id: int, **filters: Any
) -> list[str]:
    _, rows = list_entries(session, identity, investigation_id, replace(ALL, **filters), NOW)
    return [r.content for r in rows]


@pytest.mark.parametrize(
    ("identity", "readable"),
    [
        (ANONYMOUS, {"P-PUB"}),
        (Identity("eve"), {"P-PUB"}),
        (Identity("ana"), {"P-PUB"}),
        (Identity("ben"), {"P-PUB", "P-EMB"}),
        (Identity("chloe"), {"P-PUB", "P-EMB"}),  # InstrumentScientist of BL22
        (Identity("zoe", beamlines=frozenset({"BL22"})), {"P-PUB", "P-EMB"}),  # hub staff
        (Identity("zoe", admin=True), {"P-PUB", "P-EMB"}),
    ],
)
def test_logbook_is_read_as_its_investigation_is_seen(
    sessions: sessionmaker[Session], identity: Identity, readable: set[str]
) -> None:
    with sessions() as session:
        ids = build(session, WORLD)
        for name, investigation_id in ids.items():
            add_entry(session, investigation_id, NewEntry(f"entry of {name}"), None, NOW)
        session.commit()
        for name, investigation_id in ids.items():
            if name in readable:
                assert contents(session, identity, investigation_id) == [f"entry of {name}"]
            else:
                with pytest.raises(NotFound, match=rf"^no investigation {investigation_id}$"):
                    list_entries(session, identity, investigation_id, ALL, NOW)
        with pytest.raises(NotFound, match=r"^no investigation 999999$"):
            list_entries(session, identity, 999999, ALL, NOW)


@pytest.mark.parametrize(
    ("identity", "name", "error"),
    [
        (ANONYMOUS, "P-PUB", Unauthorized),
        (ANONYMOUS, "P-EMB", Unauthorized),
        (Identity(None, admin=True, service="announcements"), "P-PUB", Forbidden),
        (Identity("eve"), "P-PUB", Forbidden),  # reads released data, may not write
        (Identity("eve"), "P-EMB", NotFound),  # may not even see it
        (Identity("ana"), "P-EMB", NotFound),
        (Identity("zoe", beamlines=frozenset({"BL13"})), "P-EMB", NotFound),
        (Identity("ana"), "P-PUB", None),
        (Identity("ben"), "P-EMB", None),
        (Identity("chloe"), "P-EMB", None),
        (Identity("zoe", beamlines=frozenset({"BL13"})), "P-PUB", None),
        (Identity("root", admin=True), "P-EMB", None),
    ],
)
def test_only_members_staff_and_admins_write(
    sessions: sessionmaker[Session], identity: Identity, name: str, error: type[Exception] | None
) -> None:
    with sessions() as session:
        ids = build(session, WORLD)
        if error is not None:
            with pytest.raises(error):
                check_writer(session, identity, ids[name], NOW)
            return
        entry = write_annotation(session, identity, ids[name], {"content": "hello"}, NOW)
        session.commit()
        assert entry.author is not None and entry.author.name == identity.username
        assert (entry.type, entry.category, entry.createTime) == ("annotation", "comment", NOW)
        assert contents(session, identity, ids[name]) == ["hello"]


def test_catalogue_admin_grouping_writes(sessions: sessionmaker[Session]) -> None:
    from panhub_catalogue.ingest.members import Directory, apply_directory

    with sessions() as session:
        ids = build(session, WORLD)
        apply_directory(session, Directory((), {}, frozenset({"dave"})), "PANHUB")
        session.commit()
        entry = write_annotation(session, Identity("dave"), ids["P-EMB"], {"content": "x"}, NOW)
        assert entry.author is not None and entry.author.name == "dave"
        with pytest.raises(Forbidden):
            check_writer(session, Identity("eve"), ids["P-PUB"], NOW)


def test_newest_first_pages_and_filters(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        ids = build(session, WORLD)
        pub = ids["P-PUB"]
        dataset = dataset_of(session, pub)
        texts = ["100% done", "file_1 written", 'it\'s "quoted"', 'NEAR(a b) OR "*', "plain"]
        for hours, text in enumerate(texts):
            entry = NewEntry(text, type=NOTIFICATION, category="info")
            if hours % 2:
                entry = replace(entry, dataset=dataset, type="annotation")
            add_entry(session, pub, entry, None, NOW + timedelta(hours=hours))
        session.commit()
        anyone = ANONYMOUS
        assert contents(session, anyone, pub) == texts[::-1]
        total, rows = list_entries(session, anyone, pub, LogbookFilter(limit=2, offset=2), NOW)
        assert (total, [r.content for r in rows]) == (5, texts[2:0:-1])
        assert contents(session, anyone, pub, type="annotation") == [texts[3], texts[1]]
        assert contents(session, anyone, pub, type="notification") == [texts[4], texts[2], texts[0]]
        assert contents(session, anyone, pub, dataset=dataset) == [texts[3], texts[1]]
        # metacharacters of LIKE, SQL and FTS are plain text
        assert contents(session, anyone, pub, search="%") == ["100% done"]
        assert contents(session, anyone, pub, search="_") == ["file_1 written"]
        assert contents(session, anyone, pub, search="'s \"") == [texts[2]]
        assert contents(session, anyone, pub, search='OR "*') == [texts[3]]
        assert contents(session, anyone, pub, search="PLAIN") == ["plain"]
        assert contents(session, anyone, pub, search="' OR 1=1 --") == []
        total, _ = list_entries(session, anyone, pub, LogbookFilter(search="e"), NOW)
        assert total == 4  # "NEAR" too: case-insensitive


def test_a_dataset_of_another_investigation_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        ids = build(session, WORLD)
        other = dataset_of(session, ids["P-EMB"])
        with pytest.raises(BadRequest, match=f"dataset {other} is not a dataset of investigation"):
            write_annotation(
                session, Identity("ana"), ids["P-PUB"], {"content": "x", "dataset": other}, NOW
            )
        with pytest.raises(BadRequest, match="dataset 999999 is not a dataset"):
            write_annotation(
                session, Identity("ana"), ids["P-PUB"], {"content": "x", "dataset": 999999}, NOW
            )
        own = dataset_of(session, ids["P-PUB"])
        entry = write_annotation(
            session,
            Identity("ana"),
            ids["P-PUB"],
            {"content": "x", "dataset": own, "tags": ["beam", "dump"], "category": "error"},
            NOW,
        )
        assert (entry.dataset_id, entry.tags, entry.category) == (own, "beam,dump", "error")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "the body must be a JSON object"),
        ("text", "the body must be a JSON object"),
        ({}, "content is missing"),
        ({"content": ""}, "content is empty"),
        ({"content": " \n\t"}, "content is empty"),
        ({"content": 3}, "content must be a string"),
        ({"content": None}, "content must be a string"),
        ({"content": "é" * (MAX_CONTENT // 2 + 1)}, f"at most {MAX_CONTENT} are allowed"),
        ({"content": "x", "type": "notification"}, "unknown key 'type'"),
        ({"content": "x", "author": "ben"}, "unknown key 'author'"),
        ({"content": "x", "dataset": "12"}, "dataset must be a dataset id"),
        ({"content": "x", "dataset": True}, "dataset must be a dataset id"),
        ({"content": "x", "dataset": 1.5}, "dataset must be a dataset id"),
        ({"content": "x", "tags": "a,b"}, "tags must be a list of strings"),
        ({"content": "x", "tags": [1]}, "tags must be a list of strings"),
        ({"content": "x", "tags": ["a,b"]}, "no commas"),
        ({"content": "x", "tags": [""]}, "no commas"),
        ({"content": "x", "tags": ["t"] * 21}, "at most 20"),
        ({"content": "x", "category": "shout"}, "category: 'shout' is not one of"),
        ({"content": "x", "category": None}, "category: 'None' is not one of"),
    ],
)
def test_bad_bodies_name_the_problem(body: object, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_entry(body)
    assert message in caught.value.message


def test_content_limit_is_in_bytes() -> None:
    assert parse_entry({"content": "x" * MAX_CONTENT}).content == "x" * MAX_CONTENT
    assert parse_entry({"content": "a", "tags": [" a ", "a", "b"]}).tags == ("a", "b")


def test_cli_adds_notifications(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        ids = build(session, WORLD)
    db = ["--db", sqlite_url]
    beam = ["--investigation", "P-EMB", "--dataset", "raw/scan0001", "--category", "error"]
    tags = ["--tag", "beam", "--tag", "dump"]
    assert main(["logbook", "add", *db, *beam, *tags, "beam lost at 12:03"]) == 0
    assert "added to investigation P-EMB" in capsys.readouterr().out
    seen = ["--investigation", "P-PUB", "--type", "annotation", "--author", "ana"]
    assert main(["logbook", "add", *db, *seen, "--category", "comment", "seen"]) == 0
    with Session(engine) as session:
        rows = session.scalars(select(LogbookEntry).order_by(LogbookEntry.id)).all()
        beam, seen = rows
        assert (beam.investigation_id, beam.type, beam.category, beam.tags, beam.author_id) == (
            ids["P-EMB"],
            "notification",
            "error",
            "beam,dump",
            None,
        )
        assert beam.dataset is not None and beam.dataset.name == "raw/scan0001"
        assert beam.content == "beam lost at 12:03"
        ana = session.scalar(select(User.id).where(User.name == "ana"))
        assert (seen.type, seen.author_id, seen.dataset_id) == ("annotation", ana, None)
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--investigation", "P-NONE", "x"], "no investigation P-NONE"),
        (["--investigation", "P-PUB", "--dataset", "raw/none", "x"], "no dataset 'raw/none'"),
        (["--investigation", "P-PUB", "--type", "annotation", "x"], "an annotation needs --author"),
        (["--investigation", "P-PUB", "--author", "nobody", "x"], "no user nobody"),
        (["--investigation", "P-PUB", "  "], "content is empty"),
        (["--investigation", "P-PUB", "--tag", "a,b", "x"], "no commas"),
    ],
)
def test_cli_refuses_bad_entries(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        build(session, WORLD)
    assert main(["logbook", "add", "--db", sqlite_url, *args]) == 2
    assert message in capsys.readouterr().err
    with Session(engine) as session:
        assert session.scalars(select(LogbookEntry)).all() == []
    engine.dispose()


def test_entries_go_with_their_investigation_and_outlive_their_dataset(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        ids = build(session, WORLD)
        pub = ids["P-PUB"]
        dataset = dataset_of(session, pub)
        add_entry(session, pub, NewEntry("about a scan", dataset=dataset), None, NOW)
        session.commit()
        session.execute(Dataset.__table__.delete().where(Dataset.id == dataset))
        session.commit()
        (entry,) = session.scalars(select(LogbookEntry)).all()
        assert entry.dataset_id is None
        session.execute(Investigation.__table__.delete().where(Investigation.id == pub))
        session.commit()
        assert session.scalars(select(LogbookEntry)).all() == []


def test_migration_0005_goes_down_and_up(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    assert "logbook_entry" in inspect(engine).get_table_names()
    downgrade(engine, "0004")
    assert "logbook_entry" not in inspect(engine).get_table_names()
    migrate(engine)
    assert "logbook_entry" in inspect(engine).get_table_names()
    engine.dispose()


def test_cli_reads_the_text_from_stdin(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        build(session, WORLD)
    monkeypatch.setattr("sys.stdin", io.StringIO("line 1\nline 2\n"))
    assert main(["logbook", "add", "--db", sqlite_url, "--investigation", "P-PUB", "-"]) == 0
    with Session(engine) as session:
        assert session.scalars(select(LogbookEntry.content)).all() == ["line 1\nline 2\n"]
    engine.dispose()


ENTRY = {
    "createTime": "2026-01-01T12:00:00Z",
    "author": None,
    "type": "notification",
    "category": "info",
    "datasetName": "raw/<b>",
    "tags": ["a&b"],
    "content": "<i>x</i>",
}


def test_render_logbook_escapes_and_links_to_the_rest() -> None:
    assert render_logbook({}, "/api") == ""
    assert render_logbook({"logbook": [], "logbookTotal": 0}, "/api") == (
        '<section id="logbook">\n<h2>Logbook</h2>\n<p>No entries.</p>\n</section>\n'
    )
    assert render_logbook({"logbook": [ENTRY], "logbookTotal": 3}, "/a?b=<") == (
        '<section id="logbook">\n<h2>Logbook</h2>\n'
        '<p>1 of 3 entries; all of them: <a href="/a?b=&lt;">/a?b=&lt;</a></p>\n'
        '<ol class="logbook">\n<li class="notification"><p class="meta">2026-01-01T12:00:00Z '
        "beamline · notification · info · dataset raw/&lt;b&gt; · tags: a&amp;b</p>"
        '<pre class="content">&lt;i&gt;x&lt;/i&gt;</pre></li>\n</ol>\n</section>\n'
    )
