"""Topic queries: what a selection of the corpus talks about, how much more than the whole corpus,
through which key phrases, and the evidence paragraphs with their triggering terms."""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from kyrgyz_ru.index import Index
from kyrgyz_ru.selection import Selection

PHRASES_SHOWN = 5


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
    from kyrgyz_ru.topics import load_taxonomy  # an index from before labels were stored

    path = index.meta("taxonomy")
    return {t.id: t.label for t in load_taxonomy(Path(path) if path else None).topics}


def _labels(taxonomy_labels: dict[str, str], topic: str) -> str:
    return taxonomy_labels.get(topic, topic)


def topics(
    db: sqlite3.Connection, selection: Selection, labels: dict[str, str], limit: int | None = None
) -> list[TopicRow]:
    """Topics of the selected paragraphs, ranked by paragraph count, then lift."""
    total = db.execute("SELECT count(*) FROM paragraphs").fetchone()[0] or 1
    corpus = dict(db.execute("SELECT topic, count(*) FROM topics GROUP BY topic").fetchall())
    chosen_sql, args = selection.paragraphs_sql()
    selected = db.execute(f"SELECT count(*) FROM ({chosen_sql})", args).fetchone()[0]
    rows = db.execute(
        f"WITH chosen AS ({chosen_sql})"
        " SELECT t.topic, count(*), count(DISTINCT t.doc) FROM topics t"
        " JOIN chosen c ON c.doc = t.doc AND c.paragraph = t.paragraph GROUP BY t.topic",
        args,
    ).fetchall()
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
    return [TopicRow(**{**r.__dict__, "phrases": key_phrases(db, selection, r.id)}) for r in result]


def key_phrases(
    db: sqlite3.Connection, selection: Selection, topic: str | None, count: int = PHRASES_SHOWN
) -> list[str]:
    """Phrases frequent in the selected paragraphs (of `topic`) and rare elsewhere: TF-IDF."""
    chosen_sql, args = selection.paragraphs_sql()
    if topic is not None:
        chosen_sql = (
            f"SELECT c.doc, c.paragraph FROM ({chosen_sql}) c JOIN topics t"
            " ON t.doc = c.doc AND t.paragraph = c.paragraph WHERE t.topic = ?"
        )
        args = [*args, topic]
    rows = db.execute(
        f"WITH chosen AS ({chosen_sql})"
        " SELECT p.phrase, sum(p.count), count(*) FROM phrases p"
        " JOIN chosen c ON c.doc = p.doc AND c.paragraph = p.paragraph"
        " GROUP BY p.phrase",
        args,
    ).fetchall()
    if not rows:
        return []
    total = db.execute("SELECT count(*) FROM paragraphs").fetchone()[0] or 1
    spread = _document_frequency(db, [r[0] for r in rows])
    scored = Counter(
        {
            phrase: tf * math.log((1 + total) / (1 + spread.get(phrase, paragraphs)))
            for phrase, tf, paragraphs in rows
            if tf >= 2 or len(rows) < 40
        }
    )
    return [phrase for phrase, _ in scored.most_common(count)]


def _document_frequency(db: sqlite3.Connection, phrases: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(phrases), 500):
        chunk = phrases[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            db.execute(
                f"SELECT phrase, count(*) FROM phrases WHERE phrase IN ({marks}) GROUP BY phrase",
                chunk,
            ).fetchall()
        )
    return found


def evidence(
    db: sqlite3.Connection, selection: Selection, topic: str, limit: int | None = None
) -> list[Evidence]:
    """The paragraphs of `topic` in the selection, best scored first, with their terms."""
    chosen_sql, args = selection.paragraphs_sql()
    sql = (
        f"WITH chosen AS ({chosen_sql})"
        " SELECT t.doc, t.paragraph, p.start, p.end, t.score, t.terms,"
        " substr(d.text, p.start + 1, p.end - p.start)"
        " FROM topics t JOIN chosen c ON c.doc = t.doc AND c.paragraph = t.paragraph"
        " JOIN paragraphs p ON p.doc = t.doc AND p.idx = t.paragraph"
        " JOIN documents d ON d.id = t.doc WHERE t.topic = ?"
        " ORDER BY t.score DESC, t.doc, t.paragraph"
    )
    args = [*args, topic]
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    return [
        Evidence(doc, idx, start, end, score, text, [tuple(t) for t in json.loads(terms)])
        for doc, idx, start, end, score, terms, text in db.execute(sql, args)
    ]
