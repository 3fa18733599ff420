"""Topic queries: what a selection of the corpus talks about, how much more than the whole corpus,
through which key phrases, and the evidence paragraphs with their triggering terms."""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from kyrgyz_ru.query.selection import Selection
from kyrgyz_ru.query.texts import DocumentTexts
from kyrgyz_ru.store.index import Index
from kyrgyz_ru.store.migrations import ENTITY_KEY_SQL, SCORE_SCALE
from kyrgyz_ru.store.writes import read_terms

PHRASES_SHOWN = 5
SAMPLE = 1000  # paragraphs of a selection whose phrases are counted


@dataclass
class TopicRow:
    id: str
    label: str
    paragraphs: int
    docs: int
    share: float  # of the selected paragraphs
    lift: float  # share in the selection / share in the corpus
    phrases: list[str]


@dataclass
class Evidence:
    doc: str
    index: int
    start: int
    end: int
    score: float
    text: str
    terms: list[tuple[str, int, int]]  # term, start, end in the document


def topic_labels(index: Index) -> dict[str, str]:
    """Topic id -> label of the taxonomy the index was built with (stored at ingest)."""
    stored = index.meta("topic_labels")
    if stored:
        return dict(json.loads(stored))
    from kyrgyz_ru.extract.topics import load_taxonomy  # an index from before labels were stored

    path = index.meta("taxonomy")
    return {t.id: t.label for t in load_taxonomy(Path(path) if path else None).topics}


def _labels(taxonomy_labels: dict[str, str], topic: str) -> str:
    return taxonomy_labels.get(topic, topic)


def topics(
    db: sqlite3.Connection, selection: Selection, labels: dict[str, str], limit: int | None = None
) -> list[TopicRow]:
    """Topics of the selected paragraphs, ranked by paragraph count, then lift."""
    total = total_paragraphs(db)
    corpus = {t: n for t, n, _ in db.execute("SELECT topic, paragraphs, docs FROM topic_stats")}
    selected, rows = _selected_topics(db, selection, total)
    result = []
    for topic, count, docs in rows:
        share = count / selected if selected else 0.0
        base = corpus.get(topic, 0) / total
        lift = share / base if base else 0.0
        result.append(
            TopicRow(
                topic, _labels(labels, topic), count, docs, round(share, 3), round(lift, 2), []
            )
        )
    result.sort(key=lambda r: (-r.paragraphs, -r.lift, r.id))
    if limit is not None:
        result = result[:limit]
    for row in result:
        row.phrases = key_phrases(db, selection, row.id)
    return result


def _selected_topics(
    db: sqlite3.Connection, selection: Selection, total: int
) -> tuple[int, list[tuple[str, int, int]]]:
    """(paragraphs selected, [(topic, paragraphs, docs)]): from the figures kept at ingest for
    the whole corpus or one entity, else counted over the selection."""
    if selection.empty:
        return total, db.execute("SELECT topic, paragraphs, docs FROM topic_stats").fetchall()
    if (
        len(selection.entities) == 1
        and selection.doc is None
        and not selection.dated
        and selection.scope.default
    ):
        entity = selection.entities[0]
        row = db.execute(
            "SELECT paragraphs FROM entity_paragraphs WHERE entity = ?", (entity,)
        ).fetchone()
        rows = db.execute(
            "SELECT topic, paragraphs, docs FROM entity_topics WHERE entity = ?", (entity,)
        ).fetchall()
        return (row[0] if row else 0), rows
    chosen_sql, args = selection.paragraphs_sql()
    # The selection is gathered once for its size and its topics' counts: two statements
    # gathered it twice (0.08 s of CSTO's 0.55 s since 2010). The size comes with each topic's
    # row; a selection of no topic needs none. (Written as a UNION with a row for the size,
    # SQLite read every topic row through the selection instead: 0.4 s.)
    found = db.execute(
        f"WITH chosen AS MATERIALIZED ({chosen_sql})"
        " SELECT (SELECT count(*) FROM chosen), t.topic, count(*), count(DISTINCT t.doc)"
        " FROM chosen c JOIN topics t ON t.doc = c.doc AND t.paragraph = c.paragraph"
        " GROUP BY t.topic",
        args,
    ).fetchall()
    return (found[0][0] if found else 0), [(topic, n, docs) for _, topic, n, docs in found]


def key_phrases(
    db: sqlite3.Connection, selection: Selection, topic: str | None, count: int = PHRASES_SHOWN
) -> list[str]:
    """Phrases frequent in the selected paragraphs (of `topic`) and rare elsewhere: TF-IDF.

    Term frequencies come from at most SAMPLE paragraphs of the selection, so a topic of a
    large corpus answers as fast as one of a small corpus; document frequencies are the whole
    corpus's, kept at ingest."""
    chosen, args = _sample_sql(selection, topic, selection.holds_many_documents(db))
    frequency: Counter[str] = Counter()  # phrase -> times said in the sample
    paragraphs: Counter[str] = Counter()  # phrase -> paragraphs of the sample saying it
    # A paragraph's phrases are one JSON object (store.writes.phrase_column): counted here.
    for (column,) in db.execute(
        f"WITH chosen AS ({chosen} LIMIT {SAMPLE:d}) SELECT p.phrases FROM chosen c"
        " JOIN paragraphs p ON p.doc = c.doc AND p.idx = c.paragraph"
        " WHERE p.phrases IS NOT NULL",
        args,
    ):
        for phrase, n in json.loads(column).items():
            frequency[phrase] += n
            paragraphs[phrase] += 1
    if not frequency:
        return []
    total = total_paragraphs(db)
    scored: dict[str, float] = {}
    for phrase in sorted(frequency):  # phrase order: equal scores rank in it
        tf = frequency[phrase]
        if tf < 2 and len(frequency) >= 40:
            continue
        row = db.execute(
            "SELECT paragraphs FROM phrase_stats WHERE phrase = ?", (phrase,)
        ).fetchone()
        spread = row[0] if row else paragraphs[phrase]
        scored[phrase] = tf * math.log((1 + total) / (1 + spread))
    return [phrase for phrase, _ in Counter(scored).most_common(count)]


def _sample_sql(
    selection: Selection, topic: str | None, dates_by_row: bool
) -> tuple[str, list[object]]:
    """SQL for the paragraphs of a selection (of `topic`), streamed from the more selective
    side: an entity's own mentions when one is named (in index order, grouped per paragraph),
    else the topic's paragraphs or all paragraphs. With `dates_by_row`, each paragraph's
    document is looked up for its date rather than all documents in range listed first
    (Selection.documents_condition): 0.035 -> 0.006 s for CSTO since 2010, a topic."""
    has_topic = (
        "EXISTS (SELECT 1 FROM topics t WHERE t.doc = c.doc AND t.paragraph = c.paragraph"
        " AND t.topic = ?)"
    )
    if selection.entities:
        first, *others = selection.entities
        rest = Selection(
            tuple(others), selection.doc, selection.since, selection.until, scope=selection.scope
        )
        where, args = rest.condition("c.doc", "c.paragraph", dates_by_row)
        sql = (
            f"SELECT c.doc, c.paragraph FROM mentions c WHERE c.entity = {ENTITY_KEY_SQL}"
            f" AND c.paragraph IS NOT NULL AND {where}"
        )
        args = [first, *args]
        if topic is not None:
            sql += f" AND {has_topic}"
            args.append(topic)
        return sql + " GROUP BY c.doc, c.paragraph", args
    if topic is not None:
        where, args = selection.condition("c.doc", "c.paragraph", dates_by_row)
        return f"SELECT c.doc, c.paragraph FROM topics c WHERE c.topic = ? AND {where}", [
            topic,
            *args,
        ]
    where, args = selection.condition("c.doc", "c.idx", dates_by_row)
    return f"SELECT c.doc, c.idx AS paragraph FROM paragraphs c WHERE {where}", args


def total_paragraphs(db: sqlite3.Connection) -> int:
    """Paragraphs in the corpus, as counted at ingest."""
    row = db.execute("SELECT value FROM meta WHERE key = 'paragraphs'").fetchone()
    if row is None:
        row = db.execute("SELECT count(*) FROM paragraphs").fetchone()
    return int(row[0]) or 1


def evidence(
    db: sqlite3.Connection, selection: Selection, topic: str, limit: int | None = None
) -> list[Evidence]:
    """The paragraphs of `topic` in the selection, best scored first, with their terms."""
    where, args = selection.condition("t.doc", "t.paragraph")
    # The (topic, score) index yields paragraphs best first; the condition filters as it goes.
    sql = (
        "SELECT t.doc, t.paragraph, p.start, p.end, t.score, t.terms"
        " FROM topics t JOIN paragraphs p ON p.doc = t.doc AND p.idx = t.paragraph"
        f" WHERE t.topic = ? AND {where}"
        " ORDER BY t.score DESC, t.doc, t.paragraph"
    )
    args = [topic, *args]
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    texts = DocumentTexts(db)
    return [
        Evidence(texts.id(doc), idx, start, end, score / SCORE_SCALE, texts.cut(doc, start, end),
                 [(texts.cut(doc, a, b), a, b) for a, b in read_terms(terms)])
        for doc, idx, start, end, score, terms in db.execute(sql, args).fetchall()
    ]  # fmt: skip
