"""Every write to the index, each run inside the caller's transaction (`with index.transaction()`):
a document with all it holds, its topic rows, the links of names to entities, the figures."""

from __future__ import annotations

import bisect
import json
import math
import sqlite3
import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from kyrgyz_ru.store.migrations import (
    ENTITY_KEY_SQL,
    KEY_STEP,
    MENTION_NAME_SQL,
    NAMED,
    REPRINT_KEYS_SQL,
    ROLE_CODES,
    SCORE_SCALE,
    pack_text,
    pairs_sql,
    statements,
)

if TYPE_CHECKING:
    from kyrgyz_ru.extract.canonical import Link
    from kyrgyz_ru.records import Event, Extracted, TopicHit

# Tables that hold rows of one document by its integer key, and those that name it by its id.
KEYED_TABLES = ("paragraphs", "mentions", "topics", "events")
NAMED_TABLES = ("acronyms", "reprint_signatures", "reprint_bands")
# Reprints of a story (documents with duplicate_of) are left out of every count by default,
# as listings leave them out unless --all-copies.
_FIRST_COPIES = f"doc NOT IN ({REPRINT_KEYS_SQL})"


# A document's mentions counted by name form (migration 12's `forms`), added to the counts
# as it is written (+1) and taken off as it is deleted (-1).
_COUNT_FORMS_SQL = f"""
    INSERT INTO forms(label, name, text, reason, mentions)
        SELECT label, {MENTION_NAME_SQL}, text, name_reason, ? * count(*) FROM mentions
        WHERE doc = ? AND label != 'DATE' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT DO UPDATE SET mentions = mentions + excluded.mentions
"""


def count_forms(db: sqlite3.Connection, key: int, sign: int) -> None:
    """Add (sign 1) or take off (-1) the name forms of the document `key` in `forms`."""
    db.execute(_COUNT_FORMS_SQL, (sign, key))
    if sign < 0:  # forms no other document has
        db.execute(
            "DELETE FROM forms WHERE mentions = 0 AND (label, name, text, reason) IN"
            f" (SELECT label, {MENTION_NAME_SQL}, text, name_reason FROM mentions"
            " WHERE doc = ? AND label != 'DATE')",
            (key,),
        )


def delete_document(db: sqlite3.Connection, doc: str) -> None:
    row = db.execute("SELECT key FROM documents WHERE id = ?", (doc,)).fetchone()
    if row is not None:
        key = int(row[0])
        count_forms(db, key, -1)
        db.execute(
            "DELETE FROM event_actors WHERE event IN (SELECT id FROM events WHERE doc = ?)",
            (key,),
        )
        for table in KEYED_TABLES:  # names from the constant above, never user input
            db.execute(f"DELETE FROM {table} WHERE doc = ?", (key,))
        db.execute("DELETE FROM documents WHERE key = ?", (key,))
    for table in NAMED_TABLES:
        db.execute(f"DELETE FROM {table} WHERE doc = ?", (doc,))


def document_key(db: sqlite3.Connection, doc: str) -> int:
    """The key for a new document `doc`: between those of the documents whose ids sort just
    before and after it, so that key order stays id order. A new last document (the usual
    case: files ingested in name order) goes KEY_STEP past the last key; when two neighbours'
    keys leave no room, the documents around the place get keys further apart (_spread)."""
    while True:
        before = db.execute(
            "SELECT key FROM documents WHERE id < ? ORDER BY id DESC LIMIT 1", (doc,)
        ).fetchone()
        after = db.execute(
            "SELECT key FROM documents WHERE id > ? ORDER BY id LIMIT 1", (doc,)
        ).fetchone()
        low = int(before[0]) if before else 0
        if after is None:
            return low + KEY_STEP
        if int(after[0]) - low >= 2:
            return (low + int(after[0])) // 2
        _spread(db, doc)


def _spread(db: sqlite3.Connection, doc: str) -> None:
    """Make room for `doc` among the documents around its place in id order: the fewest of
    them (1, 2, 4, ... on each side) whose keys, spread evenly between the keys just outside
    them, end up far enough apart, or KEY_STEP apart when they reach the last document. Their
    rows follow. Only a neighbourhood is rewritten, never the whole index.

    "Far enough" grows with the neighbourhood, from 2 for one document on each side to
    KEY_STEP / 2 for the whole index (the sparse table of Itai, Konheim and Rodeh): spreading
    a wide neighbourhood leaves its narrow parts room for many more documents, so a run of
    documents into one gap (a folder whose names sort before the index's) moves a few dozen
    documents' rows each (simulated: 33 for each of 3,000 in front of 100,000), where one
    fixed spacing moved hundreds and grew with the run."""
    last = db.execute("SELECT max(key) FROM documents").fetchone()[0] or 0
    scale = math.log2(max(2, last // KEY_STEP))  # about log2 of the number of documents
    width = 1
    while True:
        below = [
            int(r[0])
            for r in db.execute(
                "SELECT key FROM documents WHERE id < ? ORDER BY id DESC LIMIT ?", (doc, width + 1)
            )
        ]
        above = [
            int(r[0])
            for r in db.execute(
                "SELECT key FROM documents WHERE id > ? ORDER BY id LIMIT ?", (doc, width + 1)
            )
        ]
        floor = below[width] if len(below) > width else 0
        window = [*reversed(below[:width]), None, *above[:width]]  # None: `doc`'s place
        if len(above) <= width:  # the window reaches the last document: no bound above
            step = KEY_STEP
        else:
            step = (above[width] - floor) // (len(window) + 1)
            if step < 2 + (KEY_STEP // 2 - 2) * min(1.0, math.log2(width) / scale):
                width *= 2
                continue
        moves = [
            (old, floor + step * slot)
            for slot, old in enumerate(window, start=1)
            if old is not None and old != floor + step * slot
        ]
        _move_keys(db, moves)
        return


def _move_keys(db: sqlite3.Connection, moves: list[tuple[int, int]]) -> None:
    """Give documents new keys, (old, new) pairs, in every table that holds them."""
    db.execute("DROP TABLE IF EXISTS temp.moved")
    db.execute("CREATE TEMP TABLE moved(old INTEGER PRIMARY KEY, new INTEGER NOT NULL)")
    db.executemany("INSERT INTO temp.moved(old, new) VALUES (?, ?)", moves)
    # Through negative keys: no row ever takes a key another row still holds.
    for table, column in (*((t, "doc") for t in KEYED_TABLES), ("documents", "key")):
        db.execute(
            f"UPDATE {table} SET {column} = -(SELECT new FROM temp.moved"
            f" WHERE old = {table}.{column}) WHERE {column} IN (SELECT old FROM temp.moved)"
        )
        db.execute(f"UPDATE {table} SET {column} = -{column} WHERE {column} < 0")
    db.execute("DROP TABLE temp.moved")


def write_document(db: sqlite3.Connection, extracted: Extracted, model: str) -> None:
    """A document and everything extracted from it, replacing what the index held of it."""
    document = extracted.document
    delete_document(db, document.id)
    key = document_key(db, document.id)
    db.execute(
        "INSERT INTO documents(key, id, path, sha256, date, date_source, title, chars, text, model,"
        " url, source, language, format, record, duplicate_of)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            key, document.id, document.path, document.sha256, document.date,
            document.date_source, document.title, len(document.text),
            pack_text(document.text), model,
            document.url, document.source, document.language, document.format,
            document.record, document.duplicate_of,
        ),
    )  # fmt: skip
    write_signature(db, document.id, document.signature, document.bands)
    paragraphs = extracted.paragraphs
    phrases: dict[int, dict[str, int]] = {}
    for paragraph, phrase, count in sorted(extracted.phrases):
        phrases.setdefault(paragraph, {})[phrase] = count
    db.executemany(
        "INSERT INTO paragraphs(doc, idx, start, end, phrases) VALUES (?, ?, ?, ?, ?)",
        [(key, p.index, p.start, p.end, phrase_column(phrases.get(p.index))) for p in paragraphs],
    )
    starts = [p.start for p in paragraphs]
    # fmt: off
    db.executemany(
        "INSERT INTO mentions(doc, start, end, label, text, name, name_reason, value,"
        " sent_start, sent_end, paragraph) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                # The name only where it differs from the words (MENTION_NAME_SQL reads it).
                key, m.start, m.end, m.label, m.text, None if m.name == m.text else m.name,
                m.name_reason, m.value,
                m.sentence_start, m.sentence_end, _paragraph_of(starts, m.start),
            )
            for m in extracted.mentions
        ],
    )
    # fmt: on
    count_forms(db, key, 1)
    db.executemany(
        "INSERT INTO acronyms(doc, long, short) VALUES (?, ?, ?)",
        [(document.id, long, short) for long, short in extracted.acronyms],
    )
    write_topics(db, key, extracted.topics)
    names = {(m.start, m.end): (m.label, m.name) for m in extracted.mentions}
    _write_events(db, key, extracted.events, starts, names)


def write_signature(
    db: sqlite3.Connection, doc: str, signature: Sequence[int], bands: Iterable[int]
) -> None:
    """A document's MinHash signature (4 bytes a value) and its LSH band keys, replacing any."""
    db.execute("DELETE FROM reprint_signatures WHERE doc = ?", (doc,))
    db.execute("DELETE FROM reprint_bands WHERE doc = ?", (doc,))
    # An empty signature (a text too short to compare) still says the document was looked at.
    db.execute(
        "INSERT INTO reprint_signatures(doc, signature) VALUES (?, ?)",
        (doc, struct.pack(f"<{len(signature)}I", *signature)),
    )
    db.executemany(
        "INSERT OR IGNORE INTO reprint_bands(key, doc) VALUES (?, ?)", [(k, doc) for k in bands]
    )


def set_duplicate(db: sqlite3.Connection, doc: str, first: str | None) -> None:
    """Name the first copy of the story `doc` reprints (None: it is a first copy)."""
    db.execute("UPDATE documents SET duplicate_of = ? WHERE id = ?", (first, doc))


def _write_events(
    db: sqlite3.Connection,
    key: int,
    events: Iterable[Event],
    starts: list[int],
    names: Mapping[tuple[int, int], tuple[str, str]],
) -> None:
    """Events with their actors and place named as their mentions are: (label, name), or
    none for an actor whose words resolved to no mention."""
    nobody: tuple[str | None, str | None] = (None, None)
    named: Mapping[tuple[int, int], tuple[str | None, str | None]] = names
    for e in events:
        place = nobody
        if e.place_start is not None and e.place_end is not None:
            place = named.get((e.place_start, e.place_end), nobody)
        row = db.execute(
            "INSERT INTO events(doc, start, end, paragraph, event_type, mode, trigger_start,"
            " trigger_end, rule, date, date_source, document_date, place_start, place_end,"
            " place_label, place_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key, e.start, e.end, _paragraph_of(starts, e.start), e.event_type, e.mode,
                e.trigger_start, e.trigger_end, e.rule, e.date, e.date_source, e.document_date,
                e.place_start, e.place_end, *place,
            ),
        )  # fmt: skip
        db.executemany(
            "INSERT INTO event_actors(event, seq, start, end, text, role, reason, label, name)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (row.lastrowid, seq, a.start, a.end, a.text, ROLE_CODES.get(a.role, a.role),
                 None if a.reason == NAMED else a.reason,
                 *(nobody if a.reason == "unresolved" else named.get((a.start, a.end), nobody)))
                for seq, a in enumerate(e.actors)
            ],
        )  # fmt: skip


def phrase_column(phrases: Mapping[str, int] | None) -> str | None:
    """A paragraph's key phrases as stored: one JSON object, phrase -> count, in phrase order
    (a row per phrase took a quarter of the index); None for a paragraph without any."""
    if not phrases:
        return None
    return json.dumps(dict(sorted(phrases.items())), ensure_ascii=False, separators=(",", ":"))


def terms_column(offsets: Iterable[tuple[int, int]]) -> str:
    """A topic's terms as stored: "start,end,start,end..." at document offsets. The term is the
    text between them (extraction cuts it so), which the query reads from the document."""
    return ",".join(f"{start:d},{end:d}" for start, end in offsets)


def read_terms(column: str) -> list[tuple[int, int]]:
    """The (start, end) pairs of a topic's stored terms (terms_column)."""
    numbers = [int(n) for n in column.split(",")] if column else []
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def _paragraph_of(starts: list[int], offset: int) -> int | None:
    i = bisect.bisect_right(starts, offset) - 1
    return i if i >= 0 else None


def write_topics(db: sqlite3.Connection, key: int, topics: Iterable[tuple[int, TopicHit]]) -> None:
    """A document's topic rows, by its key: (paragraph index, hit with terms at offsets)."""
    db.executemany(
        "INSERT INTO topics(doc, paragraph, topic, score, terms) VALUES (?, ?, ?, ?, ?)",
        [
            (key, paragraph, hit.id, stored_score(hit.score),
             terms_column((t.start, t.end) for t in hit.terms))
            for paragraph, hit in topics
        ],
    )  # fmt: skip


def stored_score(score: float) -> int:
    """A topic score as stored: rounded to 4 decimals, in ten-thousandths (an integer takes 2
    or 3 bytes where a float takes 8)."""
    return round(round(score, 4) * SCORE_SCALE)


def write_topic_labels(db: sqlite3.Connection, labels: Mapping[str, str]) -> None:
    """Topic ids and labels go into the index: queries name topics without loading a taxonomy."""
    set_meta(db, "topic_labels", json.dumps(dict(labels), ensure_ascii=False))


def set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))


# The corpus-wide figures topic queries read, counted a story once.
FIGURES_SQL = f"""
    DELETE FROM topic_stats;
    INSERT INTO topic_stats SELECT topic, count(*), count(DISTINCT doc) FROM topics
        WHERE {_FIRST_COPIES} GROUP BY topic;
    DELETE FROM phrase_stats;
    INSERT INTO phrase_stats SELECT j.key, count(*) FROM paragraphs p, json_each(p.phrases) j
        WHERE p.phrases IS NOT NULL AND p.{_FIRST_COPIES} GROUP BY j.key;
    DELETE FROM entity_paragraphs;
    INSERT INTO entity_paragraphs SELECT e.id, count(*) FROM (SELECT DISTINCT entity, doc,
        paragraph FROM mentions WHERE entity IS NOT NULL AND paragraph IS NOT NULL
        AND {_FIRST_COPIES}) AS m JOIN entities e ON e.key = m.entity GROUP BY m.entity;
    DELETE FROM entity_topics;
    INSERT INTO entity_topics SELECT e.id, t.topic, count(*), count(DISTINCT m.doc)
        FROM (SELECT DISTINCT entity, doc, paragraph FROM mentions
              WHERE entity IS NOT NULL AND paragraph IS NOT NULL AND {_FIRST_COPIES}) AS m
        JOIN topics t ON t.doc = m.doc AND t.paragraph = m.paragraph
        JOIN entities e ON e.key = m.entity GROUP BY m.entity, t.topic;
    INSERT OR REPLACE INTO meta(key, value) SELECT 'paragraphs', count(*) FROM paragraphs
        WHERE {_FIRST_COPIES};
""" + pairs_sql(REPRINT_KEYS_SQL)


def refresh_stats(db: sqlite3.Connection) -> None:
    """Recount the corpus-wide figures topic queries read (after links or topics change)."""
    for statement in statements(FIGURES_SQL):
        db.execute(statement)


def write_links(db: sqlite3.Connection, links: Mapping[tuple[str, str], Link]) -> None:
    """Link every (label, name) to its entity, then rebuild entities, counts and aliases.

    Mentions name their entity by its integer key (schema 11): an entity that stays keeps its
    key, so that only the mentions of names whose entity changed are rewritten."""
    old = {
        (label, name): entity
        for label, name, entity in db.execute("SELECT label, name, entity FROM names")
    }
    db.execute("DELETE FROM names")
    db.executemany(
        "INSERT INTO names(label, name, entity, reason) VALUES (?, ?, ?, ?)",
        [(label, name, ln.entity_id, ln.reason) for (label, name), ln in links.items()],
    )
    rows: dict[str, tuple[str, str, str, str | None, str | None, str]] = {}
    for ln in links.values():
        if ln.entity_id not in rows:
            kb = ln.kb
            rows[ln.entity_id] = (
                ln.entity_id, ln.label, ln.display, kb.id if kb else None,
                kb.wikidata if kb else None, kb.description if kb else "",
            )  # fmt: skip
    # Entities that stay keep their key; new ones (dates named for the first time among them)
    # take the next keys in id order, so that a new index's keys follow id order.
    dates = [
        str(r[0])
        for r in db.execute(
            "SELECT DISTINCT 'date:' || coalesce(value, text) FROM mentions"
            " WHERE label = 'DATE' AND entity IS NULL"
        )
    ]
    for entity in dates:
        rows.setdefault(entity, (entity, "DATE", entity[5:], None, None, ""))
    db.executemany(
        "INSERT INTO entities(id, label, name, kb, wikidata, description) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET label = excluded.label, name = excluded.name,"
        " kb = excluded.kb, wikidata = excluded.wikidata, description = excluded.description",
        [rows[entity] for entity in sorted(rows)],
    )
    # Only names whose entity changed touch the mentions table: relinking stays cheap. Their
    # mentions are found through the index by entity: those of the old entity (new mentions,
    # not linked yet, are linked below).
    db.executemany(
        f"UPDATE mentions SET entity = {ENTITY_KEY_SQL} WHERE entity = {ENTITY_KEY_SQL}"
        f" AND label = ? AND {MENTION_NAME_SQL} = ?",
        [
            (ln.entity_id, old[label, name], label, name)
            for (label, name), ln in links.items()
            if old.get((label, name), ln.entity_id) != ln.entity_id
        ],
    )
    db.execute(
        "UPDATE mentions SET entity = (SELECT key FROM entities"
        " WHERE id = 'date:' || coalesce(mentions.value, mentions.text))"
        " WHERE label = 'DATE' AND entity IS NULL"
    )
    # Mentions written since the last relink (and any an interrupted run left unlinked).
    db.execute(
        "UPDATE mentions SET entity = (SELECT e.key FROM names n JOIN entities e"
        " ON e.id = n.entity WHERE n.label = mentions.label"
        " AND n.name = coalesce(mentions.name, mentions.text))"  # MENTION_NAME_SQL, qualified
        " WHERE entity IS NULL AND label != 'DATE'"
    )
    # Entities no name links to any more (their mentions moved above); dates go below.
    db.execute(
        "DELETE FROM entities WHERE label != 'DATE' AND id NOT IN (SELECT entity FROM names)"
    )
    # Counted a story once (reprints left out), as listings count by default; an entity named
    # only in reprints keeps its row with 0, so that --all-copies still finds it.
    db.execute("UPDATE entities SET mentions = 0, docs = 0")
    db.execute(
        "UPDATE entities SET mentions = s.m, docs = s.d FROM (SELECT entity, count(*) AS m,"
        f" count(DISTINCT doc) AS d FROM mentions WHERE {_FIRST_COPIES} GROUP BY entity) AS s"
        " WHERE s.entity = entities.key"
    )
    db.execute(
        "DELETE FROM entities WHERE mentions = 0"
        " AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.entity = entities.key)"
    )
    db.execute("DELETE FROM aliases")
    # From the forms kept as documents are written: an entity's mentions are those of the
    # names linked to it (just done above), counted without reading every mention (5 s on
    # 100,000 documents).
    db.execute(
        "INSERT INTO aliases(entity, alias, mentions) SELECT e.id, f.text, sum(f.mentions)"
        " FROM forms f JOIN names n ON n.label = f.label AND n.name = f.name"
        " JOIN entities e ON e.id = n.entity GROUP BY e.id, f.text"
    )
    refresh_stats(db)
