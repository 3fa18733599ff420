"""The index's schema, as numbered migrations: each named step moves an index one version up,
in order, inside its own transaction (run by Index._migrate)."""

from __future__ import annotations

import sqlite3
import zlib
from dataclasses import dataclass

TABLES_SQL = "SELECT name FROM sqlite_master WHERE type = 'table'"
# In the file header (PRAGMA application_id): tells a krq index from any other SQLite file
# without opening it, so that nothing but a krq index is ever changed or replaced.
APPLICATION_ID = 0x6B727121  # "krq!"

# The corpus-wide figures as migration 2 first computed them, before reprints existed; after
# every relink or retopic store.writes.refresh_stats recounts them, a story once.
STATS_SQL = """
    DELETE FROM topic_stats;
    INSERT INTO topic_stats SELECT topic, count(*), count(DISTINCT doc) FROM topics GROUP BY topic;
    DELETE FROM phrase_stats;
    INSERT INTO phrase_stats SELECT phrase, count(*) FROM phrases GROUP BY phrase;
    DELETE FROM entity_paragraphs;
    INSERT INTO entity_paragraphs SELECT entity, count(*) FROM (SELECT DISTINCT entity, doc,
        paragraph FROM mentions WHERE entity IS NOT NULL AND paragraph IS NOT NULL)
        GROUP BY entity;
    DELETE FROM entity_topics;
    INSERT INTO entity_topics SELECT m.entity, t.topic, count(*), count(DISTINCT m.doc)
        FROM (SELECT DISTINCT entity, doc, paragraph FROM mentions
              WHERE entity IS NOT NULL AND paragraph IS NOT NULL) AS m
        JOIN topics t ON t.doc = m.doc AND t.paragraph = m.paragraph
        GROUP BY m.entity, t.topic;
    INSERT OR REPLACE INTO meta(key, value) SELECT 'paragraphs', count(*) FROM paragraphs;
"""


# The reprints of a story, which every count leaves out by default. "> ''" reads them from the
# duplicate_of index; "IS NOT NULL" would scan every document's row.
REPRINTS_SQL = "SELECT id FROM documents WHERE duplicate_of > ''"


# Who takes part in events with whom, a story once (reprints left out): run by migration 7
# and after every relink, over events whose `doc` is what `reprints` selects from documents.
def pairs_sql(reprints: str) -> str:
    return f"""
    DELETE FROM entity_pairs;
    INSERT INTO entity_pairs
        WITH taking_part AS (SELECT DISTINCT a.event, n.entity FROM event_actors a
            JOIN names n ON n.label = a.label AND n.name = a.name),
        -- Counted per kind first, so that the kinds are listed in one order whatever order
        -- the events were written in (an event has one kind: the counts add up).
        per_kind AS (SELECT x.entity AS entity, y.entity AS other, e.event_type AS kind,
            count(*) AS n, min(coalesce(e.date, e.document_date)) AS first,
            max(coalesce(e.date, e.document_date)) AS last
            FROM taking_part x JOIN taking_part y ON y.event = x.event
            AND y.entity != x.entity JOIN events e ON e.id = x.event
            WHERE e.doc NOT IN ({reprints})
            GROUP BY x.entity, y.entity, e.event_type ORDER BY 1, 2, 3)
        SELECT entity, other, sum(n), group_concat(kind), min(first), max(last)
        FROM per_kind GROUP BY entity, other;
"""


# Reprints by their integer key (schema 10 on), which child tables name documents by.
REPRINT_KEYS_SQL = "SELECT key FROM documents WHERE duplicate_of > ''"
# As migration 7 ran it, when events named their document by its text id.
PAIRS_SQL = pairs_sql(REPRINTS_SQL)


# A text entity id (`person:sergey-lavrov`) as the integer key mentions name it by (schema 11
# on): a scalar subquery, evaluated once, which the index by entity then serves.
ENTITY_KEY_SQL = "(SELECT key FROM entities WHERE id = ?)"
# A mention's in-document name: stored only where it differs from its words (schema 11 on).
MENTION_NAME_SQL = "coalesce(name, text)"
# Event actors' roles as stored (schema 11 on): one letter each.
ROLE_CODES = {"source": "s", "recipient": "r", "participant": "p"}
ROLE_CASE = (
    "CASE role "
    + " ".join(f"WHEN '{r}' THEN '{c}'" for r, c in ROLE_CODES.items())
    + " ELSE role END"
)
# The reason of an actor named by a mention of its own, stored as NULL (the commonest).
NAMED = "named"
# Topic scores (4 decimals) are stored as integers in ten-thousandths (schema 11 on).
SCORE_SCALE = 10_000


# Every mention counted by name form (schema 12 on): each document's are added and taken off
# as it is written and deleted (store.writes.count_forms); this counts them all at once.
FORMS_SQL = f"""
    INSERT INTO forms(label, name, text, reason, mentions)
        SELECT label, {MENTION_NAME_SQL}, text, name_reason, count(*) FROM mentions
        WHERE label != 'DATE' GROUP BY 1, 2, 3, 4;
"""


# Documents' integer keys are this far apart in id order: a document whose id sorts between
# two others takes a key between theirs with no renumbering (store.writes.document_key), and
# 100,000 documents still fit keys of 3 bytes (up to 8,388,607).
KEY_STEP = 16


def pack_text(text: str) -> bytes:
    """A document's text as the index stores it: UTF-8, zlib-compressed (level 6). News text
    shrinks about 2.6 times; reading it back costs well under a millisecond a page."""
    return zlib.compress(text.encode("utf-8"), 6)


def unpack_text(stored: bytes) -> str:
    """A document's text from the index (pack_text)."""
    return zlib.decompress(stored).decode("utf-8")


def text_bytes(stored: bytes) -> int:
    """The length in UTF-8 bytes of a stored text, unpacked."""
    return len(zlib.decompress(stored))


def register_functions(db: sqlite3.Connection) -> None:
    """The Python functions migrations call in their SQL."""
    db.create_function("krq_pack_text", 1, pack_text, deterministic=True)


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "documents, paragraphs, mentions, names, entities, topics and key phrases",
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
    ),
    # The topic queries' corpus-wide figures kept at ingest rather than recomputed by every
    # query; and the timeline's order served by an index.
    Migration(
        "corpus figures for topic queries",
        """
    CREATE TABLE topic_stats(
        topic TEXT PRIMARY KEY, paragraphs INTEGER NOT NULL, docs INTEGER NOT NULL);
    CREATE TABLE phrase_stats(
        phrase TEXT PRIMARY KEY, paragraphs INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE entity_topics(
        entity TEXT NOT NULL, topic TEXT NOT NULL, paragraphs INTEGER NOT NULL,
        docs INTEGER NOT NULL, PRIMARY KEY(entity, topic)) WITHOUT ROWID;
    CREATE TABLE entity_paragraphs(
        entity TEXT PRIMARY KEY, paragraphs INTEGER NOT NULL) WITHOUT ROWID;
    CREATE INDEX mentions_timeline ON mentions(label, value, doc, start);
    CREATE INDEX topics_rank ON topics(topic, score DESC, doc, paragraph);
    DROP INDEX mentions_value;
    """
        + STATS_SQL,
    ),
    Migration("krq's mark in the file header", f"PRAGMA application_id = {APPLICATION_ID:d};"),
    # Events name their actors and place as mentions do, by (label, in-document name): the
    # names table links those to entities, so a relink relinks events with no rewrite, and
    # "events of entity X" is entity -> its names -> actors, all through indexes.
    Migration(
        "events and their actors",
        """
        CREATE TABLE events(
            id INTEGER PRIMARY KEY, doc TEXT NOT NULL, start INTEGER NOT NULL,
            end INTEGER NOT NULL, paragraph INTEGER, event_type TEXT NOT NULL, mode TEXT,
            trigger_start INTEGER NOT NULL, trigger_end INTEGER NOT NULL, rule TEXT NOT NULL,
            date TEXT, date_source TEXT, document_date TEXT, place_start INTEGER,
            place_end INTEGER, place_label TEXT, place_name TEXT);
        CREATE INDEX events_doc ON events(doc, start);
        CREATE INDEX events_when ON events(coalesce(date, document_date));
        CREATE INDEX events_place ON events(place_label, place_name)
            WHERE place_name IS NOT NULL;
        CREATE TABLE event_actors(
            event INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
            text TEXT NOT NULL, role TEXT NOT NULL, reason TEXT NOT NULL, label TEXT,
            name TEXT);
        CREATE INDEX event_actors_event ON event_actors(event);
        CREATE INDEX event_actors_name ON event_actors(label, name) WHERE name IS NOT NULL;
        """,
    ),
    # Articles come from web pages and exports (#14) with metadata of their own; reprints of
    # one story name their first copy, found by the MinHash signatures and LSH band keys kept
    # here so that a later ingest compares its articles with those already indexed.
    Migration(
        "document metadata and reprints",
        """
        ALTER TABLE documents ADD COLUMN url TEXT;
        ALTER TABLE documents ADD COLUMN source TEXT;
        ALTER TABLE documents ADD COLUMN language TEXT;
        ALTER TABLE documents ADD COLUMN format TEXT NOT NULL DEFAULT 'txt';
        ALTER TABLE documents ADD COLUMN record TEXT;
        ALTER TABLE documents ADD COLUMN duplicate_of TEXT;
        CREATE INDEX documents_source ON documents(source COLLATE NOCASE, duplicate_of);
        CREATE INDEX documents_duplicate ON documents(duplicate_of);
        CREATE TABLE reprint_signatures(
            doc TEXT PRIMARY KEY, signature BLOB NOT NULL) WITHOUT ROWID;
        CREATE TABLE reprint_bands(
            key INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID;
        CREATE INDEX reprint_bands_doc ON reprint_bands(doc);
        """,
    ),
    # --since/--until select documents by date: without an index that reads every document's
    # row, and its first page of text, on each query.
    Migration("documents by date", "CREATE INDEX documents_date ON documents(date, id);"),
    # Who takes part in events with whom, kept at ingest: for a much-named person the
    # question reads hundreds of thousands of actor rows, too many for a query.
    Migration(
        "counterparts in events",
        """
        CREATE TABLE entity_pairs(
            entity TEXT NOT NULL, other TEXT NOT NULL, events INTEGER NOT NULL,
            types TEXT NOT NULL, first TEXT, last TEXT, PRIMARY KEY(entity, other))
            WITHOUT ROWID;
        CREATE INDEX entity_pairs_rank ON entity_pairs(entity, events DESC);
        """
        + PAIRS_SQL,
    ),
    # The index was 7.7 times the text it indexes (100,000 documents, dbstat): key phrases,
    # one row per phrase with the document id and two indexes, took a quarter of it; the
    # terms of a topic repeated words the text holds; two indexes served no query. What this
    # step changes, measured on the bench's index (bytes a document, docs/performance.md):
    # - key phrases: one JSON object {phrase: count} per paragraph, a column of paragraphs
    #   (12,200 -> about 1,900). Queries read them for at most 1,000 chosen paragraphs and the
    #   corpus-wide counts come from phrase_stats, so no query needs a row per phrase.
    # - topic terms: their offsets only, "start,end,start,end" (a term is the text between
    #   them, as extraction cuts it): 111 -> about 30 bytes a row.
    # - topics_topic: topics_rank (topic, score, ...) serves every lookup by topic.
    # - mentions_timeline: only DATE mentions carry a value, so only they are indexed. It keeps
    #   `label` first: without it SQLite reads DATE mentions through mentions_name and sorts
    #   them all (the timeline took 1 s instead of 0.1 s on 100,000 documents).
    Migration(
        "compact key phrases, topic terms and indexes",
        """
        ALTER TABLE paragraphs ADD COLUMN phrases TEXT;
        UPDATE paragraphs SET phrases = (SELECT json_group_object(phrase, count)
            FROM (SELECT phrase, count FROM phrases p WHERE p.doc = paragraphs.doc
                  AND p.paragraph = paragraphs.idx ORDER BY phrase))
            WHERE EXISTS (SELECT 1 FROM phrases p WHERE p.doc = paragraphs.doc
                  AND p.paragraph = paragraphs.idx);
        DROP TABLE phrases;
        UPDATE topics SET terms = coalesce((SELECT group_concat((value ->> 1) || ','
            || (value ->> 2), ',') FROM json_each(topics.terms)), '');
        DROP INDEX topics_topic;
        DROP INDEX mentions_timeline;
        CREATE INDEX mentions_timeline ON mentions(label, value, doc, start)
            WHERE label = 'DATE';
        """,
    ),
    # The articles' text was 14% of the index, stored as it came: compressed, it is a third
    # of that. Every reader goes through unpack_text (query.texts, export --documents,
    # reprints, retopic); documents.chars keeps the length in characters.
    Migration(
        "compressed document text",
        "UPDATE documents SET text = krq_pack_text(text);",
    ),
    # The text document id (31 characters in the bench) was repeated in some 270 rows a
    # document, in tables and their indexes: 8,100 of 30,300 bytes a document. Child tables now
    # name a document by an integer key; the text id stays in documents for users and every
    # output. Keys follow id order (KEY_STEP apart, store.writes.document_key), so listings
    # ordered by document still read an index in order: ordering by the id joined from
    # documents would sort all of an entity's mentions (0.09 s at 20,000 documents).
    # Reprint signatures and acronyms keep the text id (one row or a few a document).
    Migration(
        "integer document keys",
        f"""
        CREATE TABLE new_documents(
            key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, path TEXT NOT NULL,
            sha256 TEXT NOT NULL, date TEXT, date_source TEXT, title TEXT NOT NULL,
            chars INTEGER NOT NULL, text TEXT NOT NULL, model TEXT NOT NULL,
            ingested_at TEXT NOT NULL DEFAULT (datetime('now')), url TEXT, source TEXT,
            language TEXT, format TEXT NOT NULL DEFAULT 'txt', record TEXT, duplicate_of TEXT);
        INSERT INTO new_documents SELECT row_number() OVER (ORDER BY id) * {KEY_STEP:d}, id,
            path, sha256, date, date_source, title, chars, text, model, ingested_at, url, source,
            language, format, record, duplicate_of FROM documents ORDER BY id;
        CREATE TABLE new_paragraphs(
            doc INTEGER NOT NULL, idx INTEGER NOT NULL, start INTEGER NOT NULL,
            end INTEGER NOT NULL, phrases TEXT, PRIMARY KEY(doc, idx)) WITHOUT ROWID;
        INSERT INTO new_paragraphs SELECT d.key, p.idx, p.start, p.end, p.phrases
            FROM paragraphs p JOIN new_documents d ON d.id = p.doc;
        CREATE TABLE new_mentions(
            id INTEGER PRIMARY KEY, doc INTEGER NOT NULL, start INTEGER NOT NULL,
            end INTEGER NOT NULL, label TEXT NOT NULL, text TEXT NOT NULL, name TEXT NOT NULL,
            name_reason TEXT NOT NULL, value TEXT, sent_start INTEGER NOT NULL,
            sent_end INTEGER NOT NULL, paragraph INTEGER, entity TEXT);
        INSERT INTO new_mentions SELECT m.id, d.key, m.start, m.end, m.label, m.text, m.name,
            m.name_reason, m.value, m.sent_start, m.sent_end, m.paragraph, m.entity
            FROM mentions m JOIN new_documents d ON d.id = m.doc ORDER BY m.id;
        CREATE TABLE new_topics(
            doc INTEGER NOT NULL, paragraph INTEGER NOT NULL, topic TEXT NOT NULL,
            score REAL NOT NULL, terms TEXT NOT NULL, PRIMARY KEY(doc, paragraph, topic))
            WITHOUT ROWID;
        INSERT INTO new_topics SELECT d.key, t.paragraph, t.topic, t.score, t.terms
            FROM topics t JOIN new_documents d ON d.id = t.doc;
        CREATE TABLE new_events(
            id INTEGER PRIMARY KEY, doc INTEGER NOT NULL, start INTEGER NOT NULL,
            end INTEGER NOT NULL, paragraph INTEGER, event_type TEXT NOT NULL, mode TEXT,
            trigger_start INTEGER NOT NULL, trigger_end INTEGER NOT NULL, rule TEXT NOT NULL,
            date TEXT, date_source TEXT, document_date TEXT, place_start INTEGER,
            place_end INTEGER, place_label TEXT, place_name TEXT);
        INSERT INTO new_events SELECT e.id, d.key, e.start, e.end, e.paragraph, e.event_type,
            e.mode, e.trigger_start, e.trigger_end, e.rule, e.date, e.date_source,
            e.document_date, e.place_start, e.place_end, e.place_label, e.place_name
            FROM events e JOIN new_documents d ON d.id = e.doc ORDER BY e.id;
        DROP TABLE documents;
        DROP TABLE paragraphs;
        DROP TABLE mentions;
        DROP TABLE topics;
        DROP TABLE events;
        ALTER TABLE new_documents RENAME TO documents;
        ALTER TABLE new_paragraphs RENAME TO paragraphs;
        ALTER TABLE new_mentions RENAME TO mentions;
        ALTER TABLE new_topics RENAME TO topics;
        ALTER TABLE new_events RENAME TO events;
        CREATE INDEX documents_source ON documents(source COLLATE NOCASE, duplicate_of);
        CREATE INDEX documents_duplicate ON documents(duplicate_of);
        CREATE INDEX documents_date ON documents(date, id);
        CREATE INDEX mentions_doc ON mentions(doc, start);
        CREATE INDEX mentions_name ON mentions(label, name);
        CREATE INDEX mentions_entity ON mentions(entity, doc, paragraph);
        CREATE INDEX mentions_timeline ON mentions(label, value, doc, start)
            WHERE label = 'DATE';
        CREATE INDEX topics_rank ON topics(topic, score DESC, doc, paragraph);
        CREATE INDEX events_doc ON events(doc, start);
        CREATE INDEX events_when ON events(coalesce(date, document_date));
        CREATE INDEX events_place ON events(place_label, place_name)
            WHERE place_name IS NOT NULL;
        """,
    ),
    # The index was 3.5 times the text (100,000 documents). What this step changes, measured
    # on the bench's index (bytes a document, docs/performance.md, benchmarks/index_layouts.py):
    # - entities get an integer key and mentions name their entity by it (the text id, such as
    #   `person:sergey-lavrov`, was in every mention and its index by entity). Keys do not
    #   follow id order (a relink keeps the keys of the entities that stay, since mentions hold
    #   them, and gives new ones the next): no listing is ordered by entity key. The small
    #   tables of one row or a few per entity (names, aliases, entity_topics, entity_pairs)
    #   keep the text id.
    # - a mention's name is stored only where it differs from its words (NULL for 89%).
    # - no index of mentions by (label, name): only a relink looked mentions up by name, and it
    #   now finds those of a name whose entity changed through the index by entity.
    # - event actors are stored by (event, seq), with no rowid and no index by event; a role
    #   is one letter and the commonest reason ("named") is NULL.
    # - topic scores (4 decimals) are integers in ten-thousandths.
    Migration(
        "integer entity keys and compact mentions, actors and scores",
        f"""
        CREATE TABLE new_entities(
            key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, label TEXT NOT NULL,
            name TEXT NOT NULL, kb TEXT, wikidata TEXT, description TEXT NOT NULL DEFAULT '',
            mentions INTEGER NOT NULL DEFAULT 0, docs INTEGER NOT NULL DEFAULT 0);
        INSERT INTO new_entities SELECT row_number() OVER (ORDER BY id), id, label, name, kb,
            wikidata, description, mentions, docs FROM entities ORDER BY id;
        CREATE TABLE new_mentions(
            id INTEGER PRIMARY KEY, doc INTEGER NOT NULL, start INTEGER NOT NULL,
            end INTEGER NOT NULL, label TEXT NOT NULL, text TEXT NOT NULL, name TEXT,
            name_reason TEXT NOT NULL, value TEXT, sent_start INTEGER NOT NULL,
            sent_end INTEGER NOT NULL, paragraph INTEGER, entity INTEGER);
        INSERT INTO new_mentions SELECT m.id, m.doc, m.start, m.end, m.label, m.text,
            nullif(m.name, m.text), m.name_reason, m.value, m.sent_start, m.sent_end,
            m.paragraph, e.key FROM mentions m LEFT JOIN new_entities e ON e.id = m.entity
            ORDER BY m.id;
        CREATE TABLE new_event_actors(
            event INTEGER NOT NULL, seq INTEGER NOT NULL, start INTEGER NOT NULL,
            end INTEGER NOT NULL, text TEXT NOT NULL, role TEXT NOT NULL, reason TEXT,
            label TEXT, name TEXT, PRIMARY KEY(event, seq)) WITHOUT ROWID;
        INSERT INTO new_event_actors SELECT event,
            row_number() OVER (PARTITION BY event ORDER BY rowid) - 1, start, end, text,
            {ROLE_CASE}, nullif(reason, '{NAMED}'), label, name FROM event_actors;
        CREATE TABLE new_topics(
            doc INTEGER NOT NULL, paragraph INTEGER NOT NULL, topic TEXT NOT NULL,
            score INTEGER NOT NULL, terms TEXT NOT NULL, PRIMARY KEY(doc, paragraph, topic))
            WITHOUT ROWID;
        INSERT INTO new_topics SELECT doc, paragraph, topic,
            CAST(round(score * {SCORE_SCALE:d}) AS INTEGER), terms FROM topics;
        DROP TABLE entities;
        DROP TABLE mentions;
        DROP TABLE event_actors;
        DROP TABLE topics;
        ALTER TABLE new_entities RENAME TO entities;
        ALTER TABLE new_mentions RENAME TO mentions;
        ALTER TABLE new_event_actors RENAME TO event_actors;
        ALTER TABLE new_topics RENAME TO topics;
        CREATE INDEX entities_rank ON entities(label, mentions DESC);
        CREATE INDEX mentions_doc ON mentions(doc, start);
        CREATE INDEX mentions_entity ON mentions(entity, doc, paragraph);
        CREATE INDEX mentions_timeline ON mentions(label, value, doc, start)
            WHERE label = 'DATE';
        CREATE INDEX event_actors_name ON event_actors(label, name) WHERE name IS NOT NULL;
        CREATE INDEX topics_rank ON topics(topic, score DESC, doc, paragraph);
        """,
    ),
    # Query latency on 100,000 documents (docs/performance.md), what this step changes:
    # - name forms: with no index of mentions by name (migration 11), two readers of name forms
    #   read every mention: relink listing (label, name) pairs (0.4 s -> 4.0 s) and `show`
    #   grouping an entity's forms (0.45 s of 0.58 s for Lavrov, named in 40% of documents).
    #   Each form of a name with its count, kept as documents are written and deleted
    #   (store.writes.count_forms), answers both; an entity's forms are those of the names
    #   linked to it. Dates are not linked by name: their forms are not kept.
    # - timelines read dated mentions in date order and look in each one's sentence for the
    #   entities asked for: the sentence bounds in mentions_timeline and the entity in
    #   mentions_doc let both steps read no table row (0.39 s -> 0.19 s for Lavrov since
    #   2020). 13 MB more on 100,000 documents, 0.7% of the index.
    Migration(
        "name forms with their counts and covering indexes for timelines",
        """
        CREATE TABLE forms(
            label TEXT NOT NULL, name TEXT NOT NULL, text TEXT NOT NULL,
            reason TEXT NOT NULL, mentions INTEGER NOT NULL,
            PRIMARY KEY(label, name, text, reason)) WITHOUT ROWID;
        DROP INDEX mentions_doc;
        CREATE INDEX mentions_doc ON mentions(doc, start, entity);
        DROP INDEX mentions_timeline;
        CREATE INDEX mentions_timeline ON mentions(label, value, doc, start, sent_start, sent_end)
            WHERE label = 'DATE';
        """
        + FORMS_SQL,
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def statements(script: str) -> list[str]:
    """The SQL statements of a migration script, one by one."""
    found: list[str] = []
    current = ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \t\r\n;"):
                found.append(current.strip())
            current = ""
    if current.strip(" \t\r\n;"):
        found.append(current)  # incomplete: SQLite will say what is wrong with it
    return found


# The tables an index of the current schema has, checked on every open (a damaged index lacks
# some). Written out because running the twelve migrations on an empty database to learn them
# took 19 ms, an eighth of a query; tests/test_index_faults.py holds this to that run.
EXPECTED_TABLES = frozenset(
    {
        "acronyms", "aliases", "documents", "entities", "entity_pairs", "entity_paragraphs",
        "entity_topics", "event_actors", "events", "forms", "mentions", "meta", "names",
        "paragraphs", "phrase_stats", "reprint_bands", "reprint_signatures", "topic_stats",
        "topics",
    }
)  # fmt: skip


def tables_after_migrations() -> frozenset[str]:
    """The tables the migrations leave when run on an empty database."""
    db = sqlite3.connect(":memory:")
    register_functions(db)
    try:
        for migration in MIGRATIONS:
            db.executescript(migration.sql)
        return frozenset(r[0] for r in db.execute(TABLES_SQL))
    finally:
        db.close()
