"""Faults of the index file: damaged, foreign, older (migrations), newer, read-only and
impossible places (issue 7)."""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kyrgyz_ru.errors import ExitStatus
from kyrgyz_ru.extract import pipeline
from kyrgyz_ru.store import index as index_module
from kyrgyz_ru.store import migrations
from kyrgyz_ru.store.index import SCHEMA_VERSION, Index
from kyrgyz_ru.store.migrations import unpack_text

from .conftest import SEEDS, Runner
from .helpers import (
    copy_index,
    counts,
    one_line_error,
    tmpfs,
    write_corpus,
)

# -- 3. the index file: damaged, older, newer, foreign, read-only, full ----------------------


def test_a_truncated_index_says_how_to_rebuild(krq: Runner, fresh_db: Path) -> None:
    data = fresh_db.read_bytes()
    for size in (100, 4096, len(data) // 2):  # krq's mark in the header survives
        fresh_db.write_bytes(data[:size])
        line = one_line_error(krq("entities", "--db", fresh_db), ExitStatus.INDEX)
        assert line.endswith("rebuild it with: krq ingest --rebuild"), line


def test_ten_bytes_are_not_called_a_krq_index(krq: Runner, fresh_db: Path) -> None:
    """Too little is left to tell whose file it is: no advice to rebuild (which would refuse)."""
    fresh_db.write_bytes(fresh_db.read_bytes()[:10])
    line = one_line_error(krq("entities", "--db", fresh_db), ExitStatus.INDEX)
    assert "is not a krq index" in line and "--rebuild" not in line


def test_garbage_inside_an_index_says_how_to_rebuild(krq: Runner, fresh_db: Path) -> None:
    """Damage past the first pages shows only once a query reads it: still one line."""
    data = bytearray(fresh_db.read_bytes())
    rng = random.Random(1)
    data[8192:] = bytes(rng.randrange(256) for _ in range(len(data) - 8192))
    fresh_db.write_bytes(bytes(data))
    for command in (["entities"], ["mentions", "Putin"], ["docs"], ["export"], ["timeline"]):
        result = krq(*command, "--db", fresh_db)
        line = one_line_error(result, ExitStatus.INDEX)
        assert line.endswith("rebuild it with: krq ingest --rebuild"), (command, line)


@pytest.mark.usefixtures("warm_model")
def test_rebuild_replaces_a_damaged_index(krq: Runner, fresh_db: Path, tmp_path: Path) -> None:
    data = bytearray(fresh_db.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # krq's header intact, its pages destroyed
    fresh_db.write_bytes(bytes(data))
    folder = tmp_path / "a"
    write_corpus(folder, 2, seed=9)
    assert krq("ingest", "--db", fresh_db, folder).status == ExitStatus.INDEX
    result = krq("ingest", "--rebuild", "--db", fresh_db, folder)
    assert result.status == 0, result.err
    assert "2 added" in result.err
    assert len(json.loads(krq("docs", "--db", fresh_db, "--json").out)) == 2


@pytest.mark.parametrize(
    "kind", ["another program's database", "a text file", "a photo", "a symbolic link"]
)
def test_rebuild_refuses_what_is_not_a_krq_index(krq: Runner, tmp_path: Path, kind: str) -> None:
    """#10: --rebuild replaces only a krq index, an empty file or a missing path; anything
    else is refused with one line (status 5) and left byte for byte as it was."""
    target = tmp_path / "target"
    if kind == "another program's database":
        with contextlib.closing(sqlite3.connect(target)) as db:
            db.execute("CREATE TABLE notes(body TEXT)")
            db.execute("INSERT INTO notes VALUES ('keep me')")
            db.commit()
    elif kind == "a text file":
        target.write_text("my notes\n", encoding="utf-8")
    elif kind == "a photo":
        target.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 8)
    else:
        (tmp_path / "real.txt").write_text("linked\n", encoding="utf-8")
        target.symlink_to(tmp_path / "real.txt")
    before = target.read_bytes()
    listing = sorted(p.name for p in tmp_path.iterdir())
    line = one_line_error(krq("ingest", "--rebuild", "--db", target), ExitStatus.INDEX)
    assert "is not a krq index; --rebuild replaces only a krq index or an empty file" in line
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no -wal, -shm or lock


def test_rebuild_refuses_a_device(krq: Runner) -> None:
    line = one_line_error(krq("ingest", "--rebuild", "--db", "/dev/null"), ExitStatus.INDEX)
    assert "is not a krq index" in line
    assert Path("/dev/null").is_char_device()


def test_a_query_never_changes_another_programs_database(krq: Runner, tmp_path: Path) -> None:
    """#10: the journal mode, header and change counter stay as they were."""
    other = tmp_path / "notes.sqlite"
    with contextlib.closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE notes(body TEXT)")
        db.execute("INSERT INTO notes VALUES ('keep me')")
        db.commit()
    before = other.read_bytes()
    for command in (["docs"], ["entities"], ["ingest", "--workers", "1"]):
        one_line_error(krq(*command, "--db", other), ExitStatus.INDEX)
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite"]


def test_an_empty_file_becomes_an_index(tmp_path: Path) -> None:
    (tmp_path / "empty.db").write_bytes(b"")
    index = Index.open(tmp_path / "empty.db")
    assert index.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert index.document_count() == 0
    index.close()


def test_another_programs_database_is_left_alone(krq: Runner, tmp_path: Path) -> None:
    other = tmp_path / "notes.sqlite"
    with contextlib.closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE notes(body TEXT)")
        db.execute("INSERT INTO notes VALUES ('keep me')")
        db.commit()
    line = one_line_error(krq("docs", "--db", other), ExitStatus.INDEX)
    assert line == (
        f"krq: {other} is an SQLite database but not a krq index; "
        "choose another file with --db or $KRQ_DB"
    )
    assert counts(other) == {"notes": 1}


def test_an_index_of_a_newer_krq(krq: Runner, fresh_db: Path) -> None:
    with contextlib.closing(sqlite3.connect(fresh_db)) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    line = one_line_error(krq("docs", "--db", fresh_db), ExitStatus.INDEX)
    assert f"written by a newer krq (schema {SCHEMA_VERSION + 1})" in line
    assert line.endswith("upgrade krq or rebuild it with: krq ingest --rebuild")


def test_an_index_missing_a_table(krq: Runner, fresh_db: Path) -> None:
    with contextlib.closing(sqlite3.connect(fresh_db)) as db:
        db.execute("DROP TABLE aliases")
    line = one_line_error(krq("entities", "--db", fresh_db), ExitStatus.INDEX)
    assert "damaged (missing tables: aliases)" in line
    assert line.endswith("rebuild it with: krq ingest --rebuild")


@pytest.fixture
def next_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Pretend this krq has one more migration than the index, with the SQL given."""

    def patch(sql: str) -> None:
        longer = (*migrations.MIGRATIONS, migrations.Migration("test step", sql))
        monkeypatch.setattr(index_module, "MIGRATIONS", longer)
        monkeypatch.setattr(index_module, "SCHEMA_VERSION", len(longer))
        monkeypatch.setattr(migrations, "MIGRATIONS", longer)

    yield patch


def test_the_expected_tables_are_those_the_migrations_leave() -> None:
    assert migrations.tables_after_migrations() == migrations.EXPECTED_TABLES


def test_an_older_index_is_migrated_in_place(krq: Runner, fresh_db: Path, next_schema: Any) -> None:
    before = json.loads(krq("docs", "--db", fresh_db, "--json").out)
    next_schema(
        "ALTER TABLE documents ADD COLUMN dialect TEXT NOT NULL DEFAULT 'en';"
        " CREATE TABLE feeds(doc TEXT NOT NULL, url TEXT NOT NULL);"
        " CREATE INDEX feeds_doc ON feeds(doc);"
    )
    result = krq("docs", "--db", fresh_db, "--json")
    assert result.status == 0, result.err
    assert json.loads(result.out) == before  # the data survived
    with contextlib.closing(sqlite3.connect(fresh_db)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert {r[0] for r in db.execute("SELECT DISTINCT dialect FROM documents")} == {"en"}
        assert db.execute("SELECT count(*) FROM feeds").fetchone()[0] == 0


# Schema 11 as migration 12 found it: no name forms; mentions indexed by (doc, start), dated
# ones by (label, value, doc, start).
_SCHEMA_11 = """
    DROP TABLE forms;
    DROP INDEX mentions_doc;
    CREATE INDEX mentions_doc ON mentions(doc, start);
    DROP INDEX mentions_timeline;
    CREATE INDEX mentions_timeline ON mentions(label, value, doc, start) WHERE label = 'DATE';
    PRAGMA user_version = 11;
"""


def back_to_schema_11(db: sqlite3.Connection) -> None:
    """Undo migration 12 on a current index."""
    db.executescript(_SCHEMA_11)
    db.commit()


# Schema 10's tables as migration 11 found them: mentions named their entity by its text id
# and stored every name; actors had a rowid, an index by event, roles and reasons in words;
# topic scores were floats; mentions had an index by (label, name).
_SCHEMA_10 = """
    CREATE TABLE old_entities(
        id TEXT PRIMARY KEY, label TEXT NOT NULL, name TEXT NOT NULL, kb TEXT, wikidata TEXT,
        description TEXT NOT NULL DEFAULT '', mentions INTEGER NOT NULL DEFAULT 0,
        docs INTEGER NOT NULL DEFAULT 0);
    INSERT INTO old_entities SELECT id, label, name, kb, wikidata, description, mentions, docs
        FROM entities ORDER BY key DESC;
    CREATE TABLE old_mentions(
        id INTEGER PRIMARY KEY, doc INTEGER NOT NULL, start INTEGER NOT NULL,
        end INTEGER NOT NULL, label TEXT NOT NULL, text TEXT NOT NULL, name TEXT NOT NULL,
        name_reason TEXT NOT NULL, value TEXT, sent_start INTEGER NOT NULL,
        sent_end INTEGER NOT NULL, paragraph INTEGER, entity TEXT);
    INSERT INTO old_mentions SELECT m.id, m.doc, m.start, m.end, m.label, m.text,
        coalesce(m.name, m.text), m.name_reason, m.value, m.sent_start, m.sent_end,
        m.paragraph, e.id FROM mentions m LEFT JOIN entities e ON e.key = m.entity;
    CREATE TABLE old_event_actors(
        event INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
        text TEXT NOT NULL, role TEXT NOT NULL, reason TEXT NOT NULL, label TEXT, name TEXT);
    INSERT INTO old_event_actors SELECT event, start, end, text,
        CASE role WHEN 's' THEN 'source' WHEN 'r' THEN 'recipient' ELSE 'participant' END,
        coalesce(reason, 'named'), label, name FROM event_actors ORDER BY event, seq;
    CREATE TABLE old_topics(
        doc INTEGER NOT NULL, paragraph INTEGER NOT NULL, topic TEXT NOT NULL,
        score REAL NOT NULL, terms TEXT NOT NULL, PRIMARY KEY(doc, paragraph, topic))
        WITHOUT ROWID;
    INSERT INTO old_topics SELECT doc, paragraph, topic, round(score / 10000.0, 4), terms
        FROM topics;
    DROP TABLE entities;
    DROP TABLE mentions;
    DROP TABLE event_actors;
    DROP TABLE topics;
    ALTER TABLE old_entities RENAME TO entities;
    ALTER TABLE old_mentions RENAME TO mentions;
    ALTER TABLE old_event_actors RENAME TO event_actors;
    ALTER TABLE old_topics RENAME TO topics;
    CREATE INDEX entities_rank ON entities(label, mentions DESC);
    CREATE INDEX mentions_doc ON mentions(doc, start);
    CREATE INDEX mentions_name ON mentions(label, name);
    CREATE INDEX mentions_entity ON mentions(entity, doc, paragraph);
    CREATE INDEX mentions_timeline ON mentions(label, value, doc, start) WHERE label = 'DATE';
    CREATE INDEX event_actors_event ON event_actors(event);
    CREATE INDEX event_actors_name ON event_actors(label, name) WHERE name IS NOT NULL;
    CREATE INDEX topics_rank ON topics(topic, score DESC, doc, paragraph);
    PRAGMA user_version = 10;
"""


def back_to_schema_10(db: sqlite3.Connection) -> None:
    """Undo migrations 11 and 12 on a current index, as schema 10's krq wrote its tables
    (entities, here written in reverse, in another rowid order than id order)."""
    back_to_schema_11(db)
    db.executescript(_SCHEMA_10)
    db.commit()


# Schema 9's tables that named their document by its text id (migration 10 keyed them).
_SCHEMA_9 = """
    CREATE TABLE old_documents(
        id TEXT PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, date TEXT,
        date_source TEXT, title TEXT NOT NULL, chars INTEGER NOT NULL, text TEXT NOT NULL,
        model TEXT NOT NULL, ingested_at TEXT NOT NULL DEFAULT (datetime('now')), url TEXT,
        source TEXT, language TEXT, format TEXT NOT NULL DEFAULT 'txt', record TEXT,
        duplicate_of TEXT);
    INSERT INTO old_documents SELECT id, path, sha256, date, date_source, title, chars, text,
        model, ingested_at, url, source, language, format, record, duplicate_of
        FROM documents ORDER BY key DESC;
    CREATE TABLE old_paragraphs(
        doc TEXT NOT NULL, idx INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
        phrases TEXT, PRIMARY KEY(doc, idx)) WITHOUT ROWID;
    INSERT INTO old_paragraphs SELECT d.id, p.idx, p.start, p.end, p.phrases
        FROM paragraphs p JOIN documents d ON d.key = p.doc;
    CREATE TABLE old_mentions(
        id INTEGER PRIMARY KEY, doc TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
        label TEXT NOT NULL, text TEXT NOT NULL, name TEXT NOT NULL, name_reason TEXT NOT NULL,
        value TEXT, sent_start INTEGER NOT NULL, sent_end INTEGER NOT NULL,
        paragraph INTEGER, entity TEXT);
    INSERT INTO old_mentions SELECT m.id, d.id, m.start, m.end, m.label, m.text, m.name,
        m.name_reason, m.value, m.sent_start, m.sent_end, m.paragraph, m.entity
        FROM mentions m JOIN documents d ON d.key = m.doc;
    CREATE TABLE old_topics(
        doc TEXT NOT NULL, paragraph INTEGER NOT NULL, topic TEXT NOT NULL, score REAL NOT NULL,
        terms TEXT NOT NULL, PRIMARY KEY(doc, paragraph, topic)) WITHOUT ROWID;
    INSERT INTO old_topics SELECT d.id, t.paragraph, t.topic, t.score, t.terms
        FROM topics t JOIN documents d ON d.key = t.doc;
    CREATE TABLE old_events(
        id INTEGER PRIMARY KEY, doc TEXT NOT NULL, start INTEGER NOT NULL,
        end INTEGER NOT NULL, paragraph INTEGER, event_type TEXT NOT NULL, mode TEXT,
        trigger_start INTEGER NOT NULL, trigger_end INTEGER NOT NULL, rule TEXT NOT NULL,
        date TEXT, date_source TEXT, document_date TEXT, place_start INTEGER,
        place_end INTEGER, place_label TEXT, place_name TEXT);
    INSERT INTO old_events SELECT e.id, d.id, e.start, e.end, e.paragraph, e.event_type,
        e.mode, e.trigger_start, e.trigger_end, e.rule, e.date, e.date_source,
        e.document_date, e.place_start, e.place_end, e.place_label, e.place_name
        FROM events e JOIN documents d ON d.key = e.doc;
    DROP TABLE documents;
    DROP TABLE paragraphs;
    DROP TABLE mentions;
    DROP TABLE topics;
    DROP TABLE events;
    ALTER TABLE old_documents RENAME TO documents;
    ALTER TABLE old_paragraphs RENAME TO paragraphs;
    ALTER TABLE old_mentions RENAME TO mentions;
    ALTER TABLE old_topics RENAME TO topics;
    ALTER TABLE old_events RENAME TO events;
    CREATE INDEX documents_source ON documents(source COLLATE NOCASE, duplicate_of);
    CREATE INDEX documents_duplicate ON documents(duplicate_of);
    CREATE INDEX documents_date ON documents(date, id);
    CREATE INDEX mentions_doc ON mentions(doc, start);
    CREATE INDEX mentions_name ON mentions(label, name);
    CREATE INDEX mentions_entity ON mentions(entity, doc, paragraph);
    CREATE INDEX mentions_timeline ON mentions(label, value, doc, start) WHERE label = 'DATE';
    CREATE INDEX topics_rank ON topics(topic, score DESC, doc, paragraph);
    CREATE INDEX events_doc ON events(doc, start);
    CREATE INDEX events_when ON events(coalesce(date, document_date));
    CREATE INDEX events_place ON events(place_label, place_name) WHERE place_name IS NOT NULL;
    PRAGMA user_version = 9;
"""


def back_to_schema_9(db: sqlite3.Connection) -> None:
    """Undo migration 10 on a current index: every table names its document by the text id,
    documents have no key (and, written here in reverse, another rowid order than id order)."""
    back_to_schema_10(db)
    db.executescript(_SCHEMA_9)
    db.commit()


def back_to_schema_7(db: sqlite3.Connection) -> None:
    """Undo migrations 8 to 10 on a current index: a key phrase a row, topic terms as JSON
    with their words, topics_topic, the timeline index over every mention, the text as it
    came, as krq wrote them."""
    back_to_schema_9(db)
    for doc, stored in db.execute("SELECT id, text FROM documents").fetchall():
        db.execute("UPDATE documents SET text = ? WHERE id = ?", (unpack_text(stored), doc))
    db.executescript(
        """
        CREATE TABLE phrases(doc TEXT NOT NULL, paragraph INTEGER NOT NULL,
            phrase TEXT NOT NULL, count INTEGER NOT NULL);
        INSERT INTO phrases SELECT p.doc, p.idx, j.key, j.value FROM paragraphs p,
            json_each(p.phrases) j WHERE p.phrases IS NOT NULL ORDER BY p.doc, p.idx, j.key;
        CREATE INDEX phrases_doc ON phrases(doc, paragraph);
        CREATE INDEX phrases_phrase ON phrases(phrase);
        ALTER TABLE paragraphs DROP COLUMN phrases;
        CREATE INDEX topics_topic ON topics(topic);
        DROP INDEX mentions_timeline;
        CREATE INDEX mentions_timeline ON mentions(label, value, doc, start);
        """
    )
    texts = dict(db.execute("SELECT id, text FROM documents"))
    rows = db.execute("SELECT doc, paragraph, topic, terms FROM topics").fetchall()
    for doc, paragraph, topic, terms in rows:
        numbers = [int(n) for n in terms.split(",")] if terms else []
        pairs = zip(numbers[::2], numbers[1::2], strict=True)
        old = json.dumps([[texts[doc][a:b], a, b] for a, b in pairs])
        db.execute(
            "UPDATE topics SET terms = ? WHERE doc = ? AND paragraph = ? AND topic = ?",
            (old, doc, paragraph, topic),
        )
    db.execute("PRAGMA user_version = 7")
    db.commit()


def test_an_index_of_schema_7_is_made_compact_with_the_same_answers(
    krq: Runner, fresh_db: Path, tmp_path: Path
) -> None:
    """Migrations 8 and 9 convert key phrases, topic terms, two indexes and the texts in
    place: every answer and every stored row is what a new index of the same articles holds."""
    queries = [
        ["topics", "--json"], ["topics", "--org", "CSTO", "--json"],
        ["topics", "--show", "health", "--json"], ["timeline", "--json"],
        ["export", "--paragraphs", "--format", "jsonl"], ["export", "--format", "jsonl"],
        ["export", "--documents", "--format", "jsonl"], ["mentions", "Lavrov", "--json"],
    ]  # fmt: skip
    expected = [krq(*q, "--db", fresh_db).out for q in queries]
    old = tmp_path / "schema7.db"
    copy_index(fresh_db, old)
    with contextlib.closing(sqlite3.connect(old)) as db:
        back_to_schema_7(db)
        assert db.execute("SELECT count(*) FROM phrases").fetchone()[0] > 0
        assert db.execute("SELECT terms FROM topics LIMIT 1").fetchone()[0].startswith("[[")
        assert db.execute("SELECT DISTINCT typeof(text) FROM documents").fetchall() == [("text",)]
    assert [krq(*q, "--db", old).out for q in queries] == expected
    stored = [
        "SELECT doc, idx, start, end, phrases FROM paragraphs ORDER BY doc, idx",
        "SELECT doc, paragraph, topic, score, terms FROM topics ORDER BY doc, paragraph, topic",
        "SELECT phrase, paragraphs FROM phrase_stats ORDER BY phrase",
        "SELECT name, sql FROM sqlite_master ORDER BY name",
        "SELECT id, text FROM documents ORDER BY id",
    ]
    _same_rows(old, fresh_db, stored)


def _same_rows(migrated_path: Path, built_path: Path, stored: list[str]) -> None:
    """A migrated index is at the current schema and holds the rows a new index holds."""
    with (
        contextlib.closing(sqlite3.connect(migrated_path)) as migrated,
        contextlib.closing(sqlite3.connect(built_path)) as built,
    ):
        assert migrated.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        for sql in stored:
            assert migrated.execute(sql).fetchall() == built.execute(sql).fetchall(), sql
    assert counts(migrated_path) == counts(built_path)


# Every answer that names, selects, joins or orders by document (the seeds' ids and one).
_BY_DOCUMENT = [
    ["docs", "--json"], ["entities", "--json"], ["mentions", "Lavrov", "--json"],
    ["show", "Lavrov", "--json"], ["topics", "--json"], ["topics", "--org", "CSTO", "--json"],
    ["topics", "--show", "diplomacy", "--json"], ["timeline", "--json"], ["events", "--json"],
    ["network", "--format", "json"], ["trend", "--org", "CSTO", "--json"],
    ["export", "--format", "jsonl"], ["export", "--paragraphs", "--format", "jsonl"],
    ["export", "--events", "--format", "jsonl"], ["export", "--documents", "--format", "jsonl"],
    ["mentions", "Lavrov", "--doc", "001_72c8119b68f9c38f", "--json"],
    ["entities", "--doc", "001_72c8119b68f9c38f", "--json"],
    ["events", "--doc", "001_72c8119b68f9c38f", "--json"],
    ["topics", "--doc", "001_72c8119b68f9c38f", "--json"],
    ["timeline", "--person", "Lavrov", "--since", "2020", "--json"],
]  # fmt: skip


def test_an_index_of_schema_9_gets_integer_document_keys_with_the_same_answers(
    krq: Runner, fresh_db: Path, tmp_path: Path
) -> None:
    """Migration 10 gives documents integer keys in id order and every child table names its
    document by them: every answer and every stored row is what a new index holds."""
    expected = [krq(*q, "--db", fresh_db).out for q in _BY_DOCUMENT]
    old = tmp_path / "schema9.db"
    copy_index(fresh_db, old)
    with contextlib.closing(sqlite3.connect(old)) as db:
        back_to_schema_9(db)
        assert db.execute("SELECT DISTINCT typeof(doc) FROM mentions").fetchall() == [("text",)]
    assert [krq(*q, "--db", old).out for q in _BY_DOCUMENT] == expected
    stored = [
        "SELECT key, id FROM documents ORDER BY key",
        "SELECT * FROM paragraphs ORDER BY doc, idx",
        "SELECT * FROM mentions ORDER BY id",
        "SELECT * FROM topics ORDER BY doc, paragraph, topic",
        "SELECT * FROM events ORDER BY id",
        "SELECT name, sql FROM sqlite_master ORDER BY name",
    ]
    _same_rows(old, fresh_db, stored)
    with contextlib.closing(sqlite3.connect(fresh_db)) as built:
        assert built.execute("SELECT DISTINCT typeof(doc) FROM mentions").fetchall() == [
            ("integer",)
        ]


# Answers that name, select, count or order by entity, or show actors' roles and reasons and
# topic scores (the seeds' names).
_BY_ENTITY = [
    ["show", "Lavrov", "--json"], ["show", "CSTO", "--json"], ["show", "Japarov", "--json"],
    ["entities", "--type", "date", "--json"], ["entities", "--search", "lav", "--json"],
    ["mentions", "Kyrgyzstan", "--json"],
    ["topics", "--org", "CSTO", "--person", "Lavrov", "--json"],
    ["topics", "--org", "CSTO", "--since", "2010", "--json"],
    ["timeline", "--org", "CSTO", "--json"],
    ["events", "--actor", "Japarov", "--actor", "Putin", "--json"],
    ["events", "--person", "Lavrov", "--type", "CONSULT", "--json"],
    ["network", "--by", "sentences", "--format", "json"],
    ["network", "--by", "paragraphs", "--format", "json"],
    ["trend", "--person", "Lavrov", "--by", "year", "--json"],
    ["trend", "--topic", "diplomacy", "--json"],
]  # fmt: skip


def test_an_index_of_schema_10_gets_integer_entity_keys_with_the_same_answers(
    krq: Runner, fresh_db: Path, tmp_path: Path
) -> None:
    """Migration 11 gives entities integer keys (in id order) that mentions name them by, stores
    a mention's name only where it differs from its words, actors by (event, seq) with coded
    roles and reasons, topic scores as integers: every answer and every stored row is what a
    new index holds."""
    queries = _BY_DOCUMENT + _BY_ENTITY
    expected = [krq(*q, "--db", fresh_db).out for q in queries]
    old = tmp_path / "schema10.db"
    copy_index(fresh_db, old)
    with contextlib.closing(sqlite3.connect(old)) as db:
        back_to_schema_10(db)
        assert db.execute("SELECT DISTINCT typeof(entity) FROM mentions").fetchall() == [("text",)]
        assert db.execute("SELECT count(*) FROM event_actors WHERE role = 'source'").fetchone()[0]
    assert [krq(*q, "--db", old).out for q in queries] == expected
    stored = [
        "SELECT * FROM entities ORDER BY key",
        "SELECT * FROM mentions ORDER BY id",
        "SELECT * FROM event_actors ORDER BY event, seq",
        "SELECT * FROM topics ORDER BY doc, paragraph, topic",
        "SELECT * FROM names ORDER BY label, name",
        "SELECT * FROM aliases ORDER BY entity, alias",
        "SELECT * FROM entity_topics ORDER BY entity, topic",
        "SELECT * FROM entity_paragraphs ORDER BY entity",
        "SELECT * FROM entity_pairs ORDER BY entity, other",
        "SELECT name, sql FROM sqlite_master ORDER BY name",
    ]
    _same_rows(old, fresh_db, stored)
    with contextlib.closing(sqlite3.connect(fresh_db)) as built:
        assert built.execute("SELECT DISTINCT typeof(entity) FROM mentions").fetchall() == [
            ("integer",)
        ]
        # Names equal to their words are not stored; the others are.
        assert built.execute("SELECT count(*) FROM mentions WHERE name = text").fetchone()[0] == 0
        assert built.execute("SELECT count(*) FROM mentions WHERE name IS NULL").fetchone()[0]
        assert built.execute("SELECT count(*) FROM mentions WHERE name IS NOT NULL").fetchone()[0]


def test_an_index_of_schema_11_gets_name_forms_with_the_same_answers(
    krq: Runner, fresh_db: Path, tmp_path: Path
) -> None:
    """Migration 12 counts every name form and widens two indexes of mentions: every answer
    and every stored row is what a new index holds, and relink then reads the forms."""
    queries = _BY_DOCUMENT + _BY_ENTITY
    expected = [krq(*q, "--db", fresh_db).out for q in queries]
    old = tmp_path / "schema11.db"
    copy_index(fresh_db, old)
    with contextlib.closing(sqlite3.connect(old)) as db:
        back_to_schema_11(db)
        assert "forms" not in {r[0] for r in db.execute(migrations.TABLES_SQL)}
    assert [krq(*q, "--db", old).out for q in queries] == expected
    stored = [
        "SELECT * FROM forms ORDER BY label, name, text, reason",
        "SELECT * FROM aliases ORDER BY entity, alias",
        "SELECT name, sql FROM sqlite_master ORDER BY name",
    ]
    _same_rows(old, fresh_db, stored)
    with contextlib.closing(sqlite3.connect(old)) as db:
        assert db.execute("SELECT count(*) FROM forms").fetchone()[0] > 0
        # Left stale (as by an interrupted ingest), the index is relinked by the next ingest,
        # of nothing new: the aliases are counted again, from the forms.
        db.execute("DELETE FROM aliases")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'stale'")
        db.commit()
    result = krq("ingest", "--db", old, SEEDS)
    assert result.status == 0, result.err
    assert "0 added, 0 updated, 5 unchanged" in result.err
    _same_rows(old, fresh_db, [*stored, "SELECT * FROM names ORDER BY label, name"])


def test_an_index_of_schema_1_is_migrated_to_the_current_one(
    krq: Runner, fresh_db: Path, tmp_path: Path
) -> None:
    """Schema 2 added figures kept at ingest; a schema 1 index gets them computed in place
    and answers as the index it was made from."""
    assert SCHEMA_VERSION >= 2
    queries = [["topics", "--json"], ["entities", "--json"], ["timeline", "--json"]]
    expected = [krq(*q, "--db", fresh_db).out for q in queries]
    old = tmp_path / "schema1.db"
    copy_index(fresh_db, old)
    added = ("topic_stats", "phrase_stats", "entity_topics", "entity_paragraphs")
    with contextlib.closing(sqlite3.connect(old)) as db:
        back_to_schema_7(db)  # 8
        for table in added:
            db.execute(f"DROP TABLE {table}")  # the names are the constants above
        db.execute("DROP INDEX mentions_timeline")
        db.execute("DROP INDEX topics_rank")
        db.execute("CREATE INDEX mentions_value ON mentions(label, value)")
        db.execute("DELETE FROM meta WHERE key = 'paragraphs'")
        for index in ("documents_date", "documents_source", "documents_duplicate"):  # 5, 6
            db.execute(f"DROP INDEX {index}")
        for column in ("url", "source", "language", "format", "record", "duplicate_of"):  # 5
            db.execute(f"ALTER TABLE documents DROP COLUMN {column}")
        for table in (
            "entity_pairs",
            "reprint_signatures",
            "reprint_bands",
            "events",
            "event_actors",
        ):  # 7, 5, 4
            db.execute(f"DROP TABLE {table}")
        db.execute("PRAGMA application_id = 0")  # schema 3
        db.execute("PRAGMA user_version = 1")
        db.commit()
    assert [krq(*q, "--db", old).out for q in queries] == expected
    with contextlib.closing(sqlite3.connect(old)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    migrated, built = counts(old), counts(fresh_db)
    # Schema 1 had none of these: the next ingest makes them.
    for table in ("events", "event_actors", "reprint_signatures", "reprint_bands", "entity_pairs"):
        assert migrated.pop(table) == 0
        built.pop(table)
    assert migrated == built


def test_a_failed_migration_leaves_the_index_as_it_was(
    krq: Runner, fresh_db: Path, next_schema: Any
) -> None:
    before = counts(fresh_db)
    next_schema("ALTER TABLE documents ADD COLUMN dialect TEXT; CREATE TABLE documents(id);")
    line = one_line_error(krq("docs", "--db", fresh_db), ExitStatus.INDEX)
    assert f"cannot migrate the index at {fresh_db} to schema {SCHEMA_VERSION + 1}" in line
    assert line.endswith("rebuild it with: krq ingest --rebuild")
    with contextlib.closing(sqlite3.connect(fresh_db)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        columns = {r[1] for r in db.execute("PRAGMA table_info(documents)")}
    assert "dialect" not in columns  # the whole step rolled back, not half of it
    assert counts(fresh_db) == before


def test_processes_opening_a_new_index_at_once_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    errors: list[BaseException] = []
    gate = threading.Barrier(8)

    def open_it() -> None:
        try:
            gate.wait()
            Index.open(path).close()
        except BaseException as exc:  # collected and reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_an_index_path_that_is_a_folder(krq: Runner, tmp_path: Path) -> None:
    line = one_line_error(krq("docs", "--db", tmp_path), ExitStatus.INDEX)
    assert line == f"krq: the index path {tmp_path} is a folder; give a file path with --db"


def test_an_index_where_no_file_can_be_created(krq: Runner) -> None:
    target = Path("/sys/krq-reliability/index.db")  # sysfs: not even root creates files here
    if not Path("/sys").is_dir() or target.parent.exists():
        pytest.skip("needs Linux sysfs")
    line = one_line_error(krq("docs", "--db", target), ExitStatus.INDEX)
    assert line.startswith(f"krq: cannot create the index at {target} (")
    assert line.endswith("choose a writable place with --db or $KRQ_DB")


def test_a_non_file_as_index(krq: Runner) -> None:
    if not Path("/proc/version").exists():
        pytest.skip("needs Linux procfs")
    line = one_line_error(krq("docs", "--db", "/proc/version"), ExitStatus.INDEX)
    assert "is not a krq index and cannot be made one" in line


def test_an_index_on_read_only_storage(
    krq: Runner, seeds_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_model(_name: str, _knowledge: Any) -> Any:
        raise AssertionError("the model was loaded for an index that cannot be written")

    monkeypatch.setattr(pipeline, "load_pipeline", no_model)
    with tmpfs(tmp_path / "ro", "8m") as mount:
        copy_index(seeds_db, mount / "index.db")
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        db = mount / "index.db"
        before = krq("docs", "--db", db, "--json")
        assert before.status == 0, before.err  # queries answer from a read-only index
        assert len(json.loads(before.out)) == 5
        assert krq("mentions", "Putin", "--db", db, "--json").status == 0
        folder = tmp_path / "new"
        write_corpus(folder, 1, seed=3)
        result = krq("ingest", "--db", db, folder)
        line = one_line_error(result, ExitStatus.INDEX)
        assert line == (
            f"krq: the index at {db} is read-only here; "
            "choose a writable place with --db or $KRQ_DB"
        )
        assert krq("docs", "--db", db, "--json").out == before.out
        result = krq("docs", "--db", mount / "new.db")
        line = one_line_error(result, ExitStatus.INDEX)
        assert line.startswith(f"krq: cannot create the index at {mount / 'new.db'} (")
