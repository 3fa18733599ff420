"""What further layouts of the index would save, measured on a copy of the bench's large index.

    .venv/bin/python benchmarks/bench.py --quick --skip ingest --skip cluster --skip russian \\
        --big 20000                                   # builds bench-out/big-20000.db
    .venv/bin/python benchmarks/index_layouts.py bench-out/big-20000.db

Nothing here is krq's schema: each step rewrites tables of a copy (in bench-out/) the way a
migration would, then VACUUMs it and reads dbstat, so that the figures are bytes a document
of a packed file (a freshly built index has some free space in its pages: the bench's own
figure is a few percent higher). The steps are cumulative, in the order of what they save for
the code they would touch; the ordering lines time the one query shape an integer key makes
harder (a listing ordered by document id). On an index of schema 10, which has the integer
document keys, that step is skipped; the next five are what schema 11 built, so an index of
schema 11 is only reported as it is (the last step, mentions clustered by (document, start),
is not built: measure it on a schema-10 index). docs/performance.md ("Index size") reports
runs.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import time
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-out"
SHOWN = 60  # bytes a document: smaller tables and indexes are left out of the listing


def _rebuild(db: sqlite3.Connection, table: str, create: str, select: str) -> None:
    """Replace `table` by one made by `create` (columns and options) filled by `select`."""
    db.execute(f"CREATE TABLE new_{table} {create}")
    db.execute(f"INSERT INTO new_{table} {select}")
    db.execute(f"DROP TABLE {table}")  # its indexes go with it
    db.execute(f"ALTER TABLE new_{table} RENAME TO {table}")


def integer_keys(db: sqlite3.Connection) -> None:
    """documents get an integer key in id order; every child table names its document by it."""
    db.execute("CREATE TEMP TABLE k(id TEXT PRIMARY KEY, key INTEGER NOT NULL)")
    db.execute("INSERT INTO k SELECT id, row_number() OVER (ORDER BY id) FROM documents")
    columns = [r[1] for r in db.execute("PRAGMA table_info(documents)")]
    _rebuild(
        db, "documents", f"(key INTEGER PRIMARY KEY, {', '.join(columns)})",
        f"SELECT k.key, {', '.join('d.' + c for c in columns)} FROM documents d"
        " JOIN k ON k.id = d.id ORDER BY k.key",
    )  # fmt: skip
    db.execute("CREATE UNIQUE INDEX documents_id ON documents(id)")
    db.execute("CREATE INDEX documents_source ON documents(source COLLATE NOCASE, duplicate_of)")
    db.execute("CREATE INDEX documents_duplicate ON documents(duplicate_of)")
    db.execute("CREATE INDEX documents_date ON documents(date, key)")
    for table, key in (("paragraphs", "doc, idx"), ("topics", "doc, paragraph, topic")):
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        rest = [c for c in columns if c != "doc"]
        _rebuild(
            db, table,
            f"(doc INTEGER NOT NULL, {', '.join(rest)}, PRIMARY KEY({key})) WITHOUT ROWID",
            f"SELECT k.key, {', '.join('t.' + c for c in rest)} FROM {table} t"
            " JOIN k ON k.id = t.doc",
        )  # fmt: skip
    db.execute("CREATE INDEX topics_rank ON topics(topic, score DESC, doc, paragraph)")
    for table in ("mentions", "events", "acronyms"):
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        rest = [c for c in columns if c not in ("id", "doc")]
        rowid = "id INTEGER PRIMARY KEY, " if "id" in columns else ""
        _rebuild(
            db, table, f"({rowid}doc INTEGER NOT NULL, {', '.join(rest)})",
            f"SELECT {'t.id, ' if rowid else ''}k.key, {', '.join('t.' + c for c in rest)}"
            f" FROM {table} t JOIN k ON k.id = t.doc ORDER BY t.rowid",
        )  # fmt: skip
    for sql in (
        "CREATE INDEX mentions_doc ON mentions(doc, start)",
        "CREATE INDEX mentions_name ON mentions(label, name)",
        "CREATE INDEX mentions_entity ON mentions(entity, doc, paragraph)",
        "CREATE INDEX mentions_timeline ON mentions(label, value, doc, start) WHERE label = 'DATE'",
        "CREATE INDEX acronyms_doc ON acronyms(doc)",
        "CREATE INDEX events_doc ON events(doc, start)",
        "CREATE INDEX events_when ON events(coalesce(date, document_date))",
        "CREATE INDEX events_place ON events(place_label, place_name) WHERE place_name IS NOT NULL",
    ):
        db.execute(sql)


def mention_names(db: sqlite3.Connection) -> None:
    """A mention's in-document name only where it differs from its words (89% are equal); the
    relink's lookup by (label, name) goes through an index on the expression."""
    db.execute("DROP INDEX mentions_name")
    # '' takes no more room than NULL and keeps the column's NOT NULL.
    db.execute("UPDATE mentions SET name = '' WHERE name = text")
    db.execute("CREATE INDEX mentions_name ON mentions(label, coalesce(nullif(name, ''), text))")


def actor_layout(db: sqlite3.Connection) -> None:
    """Event actors clustered by event (no rowid, no index by event), role as one letter, the
    commonest reason empty. Their words stay: an actor's offsets are those of the mention it
    resolved to ("He" -> Sadyr Japarov), so the words are not the text at its offsets."""
    _rebuild(
        db, "event_actors",
        "(event INTEGER NOT NULL, seq INTEGER NOT NULL, start INTEGER NOT NULL,"
        " end INTEGER NOT NULL, text TEXT NOT NULL, role TEXT NOT NULL, reason TEXT NOT NULL,"
        " label TEXT,"
        " name TEXT, PRIMARY KEY(event, seq)) WITHOUT ROWID",
        "SELECT event, row_number() OVER (PARTITION BY event ORDER BY rowid), start, end, text,"
        " substr(role, 1, 1), CASE reason WHEN 'named' THEN '' ELSE reason END, label, name"
        " FROM event_actors",
    )  # fmt: skip
    db.execute("CREATE INDEX event_actors_name ON event_actors(label, name) WHERE name IS NOT NULL")


def clustered_mentions(db: sqlite3.Connection) -> None:
    """Mentions stored in (document, start) order with no rowid: the index by document goes
    ((doc, start) is unique: a mention is one span of one document). The other indexes of
    mentions, as the steps before left them, are made again."""
    indexes = [
        sql
        for name, sql in db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'mentions'"
            " AND sql IS NOT NULL"
        )
        if name != "mentions_doc"
    ]
    columns = [r[1] for r in db.execute("PRAGMA table_info(mentions)") if r[1] != "id"]
    entity = {r[1]: r[2] for r in db.execute("PRAGMA table_info(mentions)")}["entity"]
    _rebuild(
        db, "mentions",
        "(doc INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, label TEXT NOT NULL,"
        " text TEXT NOT NULL, name TEXT, name_reason TEXT NOT NULL, value TEXT,"
        " sent_start INTEGER NOT NULL, sent_end INTEGER NOT NULL, paragraph INTEGER,"
        f" entity {entity},"
        " PRIMARY KEY(doc, start)) WITHOUT ROWID",
        f"SELECT {', '.join(columns)} FROM mentions",
    )  # fmt: skip
    for sql in indexes:
        db.execute(sql)


def entity_keys(db: sqlite3.Connection) -> None:
    """Entities get an integer key; mentions name their entity by it (the text id, such as
    `person:sergey-lavrov`, stays in entities). The small per-entity tables (names, aliases,
    entity_topics, entity_pairs) keep the text id: a row or a few per entity."""
    columns = [r[1] for r in db.execute("PRAGMA table_info(entities)")]
    _rebuild(
        db, "entities", f"(key INTEGER PRIMARY KEY, {', '.join(columns)})",
        f"SELECT row_number() OVER (ORDER BY id), {', '.join(columns)} FROM entities ORDER BY id",
    )  # fmt: skip
    db.execute("CREATE UNIQUE INDEX entities_id ON entities(id)")
    db.execute("CREATE INDEX entities_rank ON entities(label, mentions DESC)")
    indexes = [
        sql
        for (sql,) in db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'mentions'"
            " AND sql IS NOT NULL"
        )
    ]
    columns = [r[1] for r in db.execute("PRAGMA table_info(mentions)")]
    _rebuild(
        db, "mentions",
        "(id INTEGER PRIMARY KEY, doc INTEGER NOT NULL, start INTEGER NOT NULL,"
        " end INTEGER NOT NULL, label TEXT NOT NULL, text TEXT NOT NULL, name TEXT NOT NULL,"
        " name_reason TEXT NOT NULL, value TEXT, sent_start INTEGER NOT NULL,"
        " sent_end INTEGER NOT NULL, paragraph INTEGER, entity INTEGER)",
        f"SELECT {', '.join('e.key' if c == 'entity' else 'm.' + c for c in columns)}"
        " FROM mentions m LEFT JOIN entities e ON e.id = m.entity ORDER BY m.id",
    )  # fmt: skip
    for sql in indexes:
        db.execute(sql)


def no_name_index(db: sqlite3.Connection) -> None:
    """No index of mentions by name: a relink finds the mentions of a name whose entity
    changed through the index by entity (those of its old entity, or the unlinked ones)."""
    db.execute("DROP INDEX mentions_name")


def integer_scores(db: sqlite3.Connection) -> None:
    """Topic scores (4 decimals) as integers in ten-thousandths: 2 to 3 bytes, not 8."""
    db.execute("DROP INDEX topics_rank")
    db.execute("UPDATE topics SET score = CAST(round(score * 10000) AS INTEGER)")
    db.execute("CREATE INDEX topics_rank ON topics(topic, score DESC, doc, paragraph)")


STEPS: tuple[tuple[str, Callable[[sqlite3.Connection], None]], ...] = (
    ("integer document key in every child table", integer_keys),
    ("integer entity key in mentions", entity_keys),
    ("mention names only where they differ from the words", mention_names),
    ("event actors: clustered by event, coded role", actor_layout),
    ("topic scores as integers", integer_scores),
    ("no index of mentions by name", no_name_index),
    ("mentions clustered by (document, start)", clustered_mentions),
)


def _report(db: sqlite3.Connection, label: str, documents: int, text: int) -> int:
    space = dict(db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
    total = sum(space.values())
    print(f"{label}: {total / documents:,.0f} bytes a document, {total / text:.2f}x the text")
    parts = sorted(space.items(), key=lambda kv: -kv[1])
    print(
        "   " + ", ".join(f"{n} {b / documents:,.0f}" for n, b in parts if b / documents >= SHOWN)
    )
    return total


def _ordering(db: sqlite3.Connection) -> None:
    """`krq mentions` of the most-named entity, first 100 in document order: by the key (the
    order of ids when keys follow ids) against by the id joined from documents."""
    (entity,) = db.execute(
        "SELECT entity FROM mentions WHERE entity IS NOT NULL GROUP BY entity"
        " ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    for how, sql in (
        ("by key", "SELECT m.doc, m.start FROM mentions m WHERE m.entity = ?"
         " ORDER BY m.doc, m.start LIMIT 100"),
        ("by joined id", "SELECT d.id, m.start FROM mentions m JOIN documents d"
         " ON d.key = m.doc WHERE m.entity = ? ORDER BY d.id, m.start LIMIT 100"),
    ):  # fmt: skip
        times = []
        for _ in range(5):
            started = time.perf_counter()
            db.execute(sql, (entity,)).fetchall()
            times.append(time.perf_counter() - started)
        print(f"mentions of {entity}, first 100 {how}: {min(times) * 1000:.1f} ms (best of 5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path, help="a bench index, e.g. bench-out/big-20000.db")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    copy = OUT / "layouts.db"
    shutil.copyfile(args.index, copy)
    db = sqlite3.connect(copy, isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -400000")  # 400 MB
    documents = int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
    text = sum(len(zlib.decompress(t)) for (t,) in db.execute("SELECT text FROM documents"))
    print(f"{documents:,} documents, text {text / documents:,.0f} bytes a document")
    db.execute("VACUUM")
    _report(db, "as built (packed)", documents, text)
    keyed = "key" in {r[1] for r in db.execute("PRAGMA table_info(documents)")}
    if "key" in {r[1] for r in db.execute("PRAGMA table_info(entities)")}:
        print("schema 11 or later: its layout is the steps below but the last; nothing to apply")
        db.close()
        return
    for label, step in STEPS:
        if step is integer_keys and keyed:  # schema 10 on: the index has them already
            _ordering(db)
            continue
        db.execute("BEGIN")
        step(db)
        db.execute("COMMIT")
        db.execute("VACUUM")
        _report(db, "+ " + label, documents, text)
        if step is integer_keys:
            _ordering(db)
    db.close()


if __name__ == "__main__":
    main()
