"""The index: extraction results in SQLite, where queries read them without loading spaCy."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kyrgyz_ru.errors import IndexFault
from kyrgyz_ru.records import Document, Mention, Paragraph, TopicHit

DB_ENV = "KRQ_DB"
REBUILD_HINT = "rebuild it with: krq ingest --rebuild"

# Each entry moves the schema one version up; an index is migrated in place, in order.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE documents(
        id TEXT PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, date TEXT,
        date_source TEXT, title TEXT NOT NULL, chars INTEGER NOT NULL, text TEXT NOT NULL,
        model TEXT NOT NULL, ingested_at TEXT NOT NULL DEFAULT (datetime('now')));
    CREATE TABLE paragraphs(
        doc TEXT NOT NULL, idx INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
        PRIMARY KEY(doc, idx)) WITHOUT ROWID;
    CREATE TABLE mentions(
        id INTEGER PRIMARY KEY, doc TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
        label TEXT NOT NULL, text TEXT NOT NULL, name TEXT NOT NULL, name_reason TEXT NOT NULL,
        value TEXT, sent_start INTEGER NOT NULL, sent_end INTEGER NOT NULL,
        paragraph INTEGER, entity TEXT);
    CREATE INDEX mentions_doc ON mentions(doc, start);
    CREATE INDEX mentions_name ON mentions(label, name);
    CREATE INDEX mentions_entity ON mentions(entity, doc, paragraph);
    CREATE INDEX mentions_value ON mentions(label, value);
    CREATE TABLE acronyms(doc TEXT NOT NULL, long TEXT NOT NULL, short TEXT NOT NULL);
    CREATE INDEX acronyms_doc ON acronyms(doc);
    CREATE TABLE topics(
        doc TEXT NOT NULL, paragraph INTEGER NOT NULL, topic TEXT NOT NULL, score REAL NOT NULL,
        terms TEXT NOT NULL, PRIMARY KEY(doc, paragraph, topic)) WITHOUT ROWID;
    CREATE INDEX topics_topic ON topics(topic);
    CREATE TABLE phrases(
        doc TEXT NOT NULL, paragraph INTEGER NOT NULL, phrase TEXT NOT NULL,
        count INTEGER NOT NULL);
    CREATE INDEX phrases_doc ON phrases(doc, paragraph);
    CREATE INDEX phrases_phrase ON phrases(phrase);
    CREATE TABLE names(
        label TEXT NOT NULL, name TEXT NOT NULL, entity TEXT NOT NULL, reason TEXT NOT NULL,
        PRIMARY KEY(label, name)) WITHOUT ROWID;
    CREATE INDEX names_entity ON names(entity);
    CREATE TABLE entities(
        id TEXT PRIMARY KEY, label TEXT NOT NULL, name TEXT NOT NULL, kb TEXT, wikidata TEXT,
        description TEXT NOT NULL DEFAULT '', mentions INTEGER NOT NULL DEFAULT 0,
        docs INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX entities_rank ON entities(label, mentions DESC);
    CREATE TABLE aliases(
        entity TEXT NOT NULL, alias TEXT NOT NULL, mentions INTEGER NOT NULL,
        PRIMARY KEY(entity, alias)) WITHOUT ROWID;
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def default_path() -> Path:
    """$KRQ_DB, else krq/index.db in the user's cache directory ($XDG_CACHE_HOME honoured)."""
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser() / "krq" / "index.db"


@dataclass(frozen=True)
class StoredDocument:
    id: str
    path: str
    sha256: str
    date: str | None
    date_source: str | None
    title: str
    chars: int


class Index:
    """One open index file. Writes happen in explicit transactions (`with index.transaction()`)."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.db = connection

    # -- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, create: bool = True, readonly: bool = False) -> Index:
        if not path.exists() and not create:
            raise IndexFault(f"no index at {path}")
        try:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
            if readonly:
                db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
            else:
                db = sqlite3.connect(path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise IndexFault(f"cannot open the index at {path}: {exc}") from None
        index = cls(path, db)
        index._prepare(readonly)
        return index

    def _prepare(self, readonly: bool) -> None:
        try:
            self.db.execute("PRAGMA busy_timeout = 30000")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if not readonly:
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise IndexFault(
                f"the index at {self.path} is not a krq index or is damaged ({exc}); "
                + REBUILD_HINT
            ) from None
        if version > SCHEMA_VERSION:
            raise IndexFault(
                f"the index at {self.path} was written by a newer krq (schema {version}); "
                f"upgrade krq or {REBUILD_HINT}"
            )
        if version < SCHEMA_VERSION:
            if readonly:
                raise IndexFault(f"the index at {self.path} needs migrating; run krq ingest")
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        try:
            for number in range(version, SCHEMA_VERSION):
                # executescript commits first; each migration runs in its own transaction.
                self.db.executescript(
                    f"BEGIN; {MIGRATIONS[number]} PRAGMA user_version = {number + 1}; COMMIT;"
                )
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc) or "read-only" in str(exc):
                raise IndexFault(f"the index location is read-only: {self.path}") from None
            raise IndexFault(f"cannot prepare the index at {self.path}: {exc}") from None

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise IndexFault(
                    f"the index at {self.path} is locked by another krq process; try again"
                ) from None
            if "readonly" in str(exc):
                raise IndexFault(f"the index location is read-only: {self.path}") from None
            raise
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # -- reading --------------------------------------------------------------------------

    def document_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def hashes(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT id, sha256 FROM documents"))

    def document_paths(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT id, path FROM documents"))

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # -- writing (inside a transaction) --------------------------------------------------

    def clear(self) -> None:
        for table in (
            "documents", "paragraphs", "mentions", "acronyms", "topics", "phrases",
            "names", "entities", "aliases",
        ):  # fmt: skip
            self.db.execute(f"DELETE FROM {table}")

    def delete_document(self, doc: str) -> None:
        for table, column in (
            ("documents", "id"), ("paragraphs", "doc"), ("mentions", "doc"),
            ("acronyms", "doc"), ("topics", "doc"), ("phrases", "doc"),
        ):  # fmt: skip
            self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", (doc,))

    def write_document(
        self,
        document: Document,
        model: str,
        paragraphs: Sequence[Paragraph],
        mentions: Sequence[Mention],
        acronyms: Iterable[tuple[str, str]],
        topics: Sequence[tuple[int, TopicHit]],
        phrases: Iterable[tuple[int, str, int]],
    ) -> None:
        self.delete_document(document.id)
        db = self.db
        db.execute(
            "INSERT INTO documents(id, path, sha256, date, date_source, title, chars, text, model)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                document.id, document.path, document.sha256, document.date,
                document.date_source, document.title, len(document.text), document.text, model,
            ),
        )  # fmt: skip
        db.executemany(
            "INSERT INTO paragraphs(doc, idx, start, end) VALUES (?, ?, ?, ?)",
            [(document.id, p.index, p.start, p.end) for p in paragraphs],
        )
        starts = [p.start for p in paragraphs]
        db.executemany(
            "INSERT INTO mentions(doc, start, end, label, text, name, name_reason, value,"
            " sent_start, sent_end, paragraph) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    m.doc, m.start, m.end, m.label, m.text, m.name, m.name_reason, m.value,
                    m.sentence_start, m.sentence_end, _paragraph_of(starts, m.start),
                )  # fmt: skip
                for m in mentions
            ],
        )
        db.executemany(
            "INSERT INTO acronyms(doc, long, short) VALUES (?, ?, ?)",
            [(document.id, long, short) for long, short in acronyms],
        )
        db.executemany(
            "INSERT INTO topics(doc, paragraph, topic, score, terms) VALUES (?, ?, ?, ?, ?)",
            [
                (document.id, paragraph, hit.id, round(hit.score, 4),
                 json.dumps([[t.term, t.start, t.end] for t in hit.terms]))
                for paragraph, hit in topics
            ],
        )  # fmt: skip
        db.executemany(
            "INSERT INTO phrases(doc, paragraph, phrase, count) VALUES (?, ?, ?, ?)",
            [(document.id, paragraph, phrase, count) for paragraph, phrase, count in phrases],
        )


def _paragraph_of(starts: list[int], offset: int) -> int | None:
    import bisect

    i = bisect.bisect_right(starts, offset) - 1
    return i if i >= 0 else None
