"""Queries over the index: entities, mentions and exports, as plain records.

Nothing here imports spaCy; aggregation happens in SQL with the index's own indexes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kyrgyz_ru.errors import NotFoundError, UsageError
from kyrgyz_ru.normalise import LABELS, alias_key
from kyrgyz_ru.query.documents import check_doc
from kyrgyz_ru.query.selection import Scope
from kyrgyz_ru.query.texts import DocumentTexts
from kyrgyz_ru.store.migrations import ENTITY_KEY_SQL, MENTION_NAME_SQL, SCORE_SCALE
from kyrgyz_ru.store.writes import read_terms

FUZZY_SCORE = 85  # below this a name "matches nothing"
SHOWN = 20  # documents listed by `show` for an entity and for each of its forms
SEARCH_SCORE = 80


@dataclass
class EntityRow:
    id: str
    name: str
    label: str
    mentions: int
    docs: int
    aliases: list[str]
    wikidata: str | None = None


@dataclass
class MentionRow:
    doc: str
    start: int
    end: int
    text: str
    label: str
    entity: str | None
    value: str | None
    sentence: str
    sentence_start: int = 0
    entity_id: str | None = None  # the stable id behind `entity`, the display name

    def record(self) -> dict[str, object]:
        """The stable JSON mention record."""
        return {
            "doc": self.doc, "start": self.start, "end": self.end, "text": self.text,
            "label": self.label, "entity": self.entity, "value": self.value,
            "sentence": self.sentence,
        }  # fmt: skip


@dataclass
class AliasRow:
    alias: str
    mentions: int
    docs: list[str]
    reasons: list[str]


@dataclass
class EntityDetail:
    entity: EntityRow
    description: str
    kb: str | None
    documents: list[tuple[str, int]]
    aliases: list[AliasRow]


def check_label(label: str | None) -> str | None:
    if label is None:
        return None
    upper = {"GPE": "PLACE", "LOC": "PLACE"}.get(label.upper(), label.upper())
    if upper not in LABELS:
        known = ", ".join(LABELS).lower()
        raise UsageError(f"unknown type '{_short(label)}'; use one of: {known}")
    return upper


def _aliases(db: sqlite3.Connection, ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for entity, alias in db.execute(
            f"SELECT entity, alias FROM aliases WHERE entity IN ({marks})"
            " ORDER BY entity, mentions DESC, alias",
            chunk,
        ):
            found[entity].append(alias)
    return found


def entities(
    db: sqlite3.Connection,
    label: str | None = None,
    doc: str | None = None,
    search: str | None = None,
    min_count: int = 1,
    limit: int | None = None,
    scope: Scope = Scope(),
) -> list[EntityRow]:
    """Entities by number of mentions; with `doc`, counted within that document only. The
    counts kept at ingest are a story's first copy's; another scope counts the mentions."""
    label = check_label(label)
    if doc is not None or not scope.default:
        scoped, args = scope.around(doc).condition("m.doc")
        sql = (
            "SELECT e.id, e.name, e.label, count(*) AS n, count(DISTINCT m.doc), e.wikidata"
            f" FROM mentions m JOIN entities e ON e.key = m.entity WHERE {scoped}"
        )
        if doc is not None:
            check_doc(db, doc)
            sql += " AND m.doc = (SELECT key FROM documents WHERE id = ?)"
            args.append(doc)
        if label:
            sql += " AND m.label = ?"
            args.append(label)
        sql += " GROUP BY e.id HAVING n >= ?"
    else:
        sql = "SELECT id, name, label, mentions AS n, docs, wikidata FROM entities WHERE 1"
        args = []
        if label:
            sql += " AND label = ?"
            args.append(label)
        sql += " AND mentions >= ?"
    args.append(min_count)
    sql += " ORDER BY n DESC, 2"
    if search:
        ids = _search(db, search, label)
        rows = [r for r in db.execute(sql, args) if r[0] in ids]
    else:
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        rows = db.execute(sql, args).fetchall()
    rows = rows[:limit] if limit is not None else rows
    aliases = _aliases(db, [r[0] for r in rows])
    return [
        EntityRow(r[0], r[1], r[2], r[3], r[4], [a for a in aliases[r[0]] if a != r[1]], r[5])
        for r in rows
    ]


def _candidates(db: sqlite3.Connection, label: str | None) -> list[tuple[str, str]]:
    """(entity id, a name it goes by) for every entity name and alias."""
    sql = (
        "SELECT id, name FROM entities WHERE label != 'DATE' {f}"
        " UNION SELECT a.entity, a.alias FROM aliases a JOIN entities e ON e.id = a.entity"
        " WHERE e.label != 'DATE' {g}"
    )
    if label:
        return db.execute(
            sql.format(f="AND label = ?", g="AND e.label = ?"), (label, label)
        ).fetchall()
    return db.execute(sql.format(f="", g="")).fetchall()


def _search(db: sqlite3.Connection, text: str, label: str | None) -> set[str]:
    from rapidfuzz import fuzz

    key = alias_key(text)
    if not key:
        return set()
    found = set()
    for entity, name in _candidates(db, label):
        other = alias_key(name)
        if key in other or fuzz.WRatio(key, other) >= SEARCH_SCORE:
            found.add(entity)
    if label in (None, "DATE"):
        found.update(
            r[0]
            for r in db.execute(
                "SELECT id FROM entities WHERE label = 'DATE' AND name LIKE ? ESCAPE '\\'",
                (_like_prefix(text),),
            )
        )
    return found


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def resolve(db: sqlite3.Connection, name: str, label: str | None = None) -> EntityRow:
    """The entity a user means by `name`: exact id, name or alias first, then the closest match."""
    from rapidfuzz import fuzz, process

    label = check_label(label)
    key = alias_key(name)
    if not key:
        raise UsageError("an entity name cannot be empty")
    row = db.execute("SELECT id FROM entities WHERE id = ?", (name,)).fetchone()
    if row is None:
        candidates = _candidates(db, label)
        exact = [e for e, n in candidates if alias_key(n) == key]
        if exact:
            row = (_most_mentioned(db, exact),)
        else:
            best = process.extract(
                key, [alias_key(n) for _, n in candidates], scorer=fuzz.WRatio, limit=5
            )
            good = [candidates[i][0] for _, score, i in best if score >= FUZZY_SCORE]
            if not good:
                hint = ", ".join(dict.fromkeys(candidates[i][1] for _, _, i in best[:3]))
                raise NotFoundError(
                    f"no entity matches '{_short(name)}'" + (f"; closest: {hint}" if hint else "")
                )
            row = (good[0],)
    found = entities_by_id(db, [row[0]])
    return found[0]


def _most_mentioned(db: sqlite3.Connection, ids: list[str]) -> str:
    marks = ",".join("?" * len(ids))
    row = db.execute(
        f"SELECT id FROM entities WHERE id IN ({marks}) ORDER BY mentions DESC LIMIT 1", ids
    ).fetchone()
    return str(row[0])


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def entities_by_id(db: sqlite3.Connection, ids: Sequence[str]) -> list[EntityRow]:
    marks = ",".join("?" * len(ids))
    rows = db.execute(
        f"SELECT id, name, label, mentions, docs, wikidata FROM entities WHERE id IN ({marks})",
        list(ids),
    ).fetchall()
    aliases = _aliases(db, [r[0] for r in rows])
    return [
        EntityRow(r[0], r[1], r[2], r[3], r[4], [a for a in aliases[r[0]] if a != r[1]], r[5])
        for r in rows
    ]


_MENTION_SQL = (
    "SELECT m.doc, m.start, m.end, m.text, m.label, e.name, m.value, m.sent_start, m.sent_end,"
    " e.id FROM mentions m LEFT JOIN entities e ON e.key = m.entity"
)
_MentionColumns = tuple[int, int, int, str, str, "str | None", "str | None", int, int, "str | None"]


def _mention(row: _MentionColumns, texts: DocumentTexts) -> MentionRow:
    doc, start, end, text, label, name, value, s_start, s_end, entity = row
    sentence = texts.cut(doc, s_start, s_end)
    return MentionRow(
        texts.id(doc), start, end, text, label, name, value, sentence, s_start, entity
    )


def mentions(
    db: sqlite3.Connection,
    entity_id: str,
    doc: str | None = None,
    limit: int | None = None,
    scope: Scope = Scope(),
) -> list[MentionRow]:
    scoped, args = scope.around(doc).condition("m.doc")
    sql = _MENTION_SQL + f" WHERE m.entity = {ENTITY_KEY_SQL} AND {scoped}"
    args = [entity_id, *args]
    if doc is not None:
        check_doc(db, doc)
        sql += " AND m.doc = (SELECT key FROM documents WHERE id = ?)"
        args.append(doc)
    sql += " ORDER BY m.doc, m.start"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    texts = DocumentTexts(db)
    return [_mention(r, texts) for r in db.execute(sql, args).fetchall()]


def count_mentions(
    db: sqlite3.Connection, entity_id: str, doc: str | None, scope: Scope = Scope()
) -> int:
    scoped, args = scope.around(doc).condition("m.doc")
    sql = f"SELECT count(*) FROM mentions m WHERE m.entity = {ENTITY_KEY_SQL} AND {scoped}"
    if doc is not None:
        sql += " AND m.doc = (SELECT key FROM documents WHERE id = ?)"
        args.append(doc)
    return int(db.execute(sql, [entity_id, *args]).fetchone()[0])


def all_mentions(db: sqlite3.Connection) -> Iterator[MentionRow]:
    """Every mention, document by document: streamed, never held in memory at once."""
    texts = DocumentTexts(db, keep=1)  # document by document: one text at a time
    for row in db.execute(_MENTION_SQL + " ORDER BY m.doc, m.start"):
        yield _mention(row, texts)


def show(db: sqlite3.Connection, entity: EntityRow) -> EntityDetail:
    """Everything about one entity, including why each alias was attached to it."""
    kb_row = db.execute(
        "SELECT kb, description FROM entities WHERE id = ?", (entity.id,)
    ).fetchone()
    # An entity of a large corpus is named in thousands of documents: the listing shows the
    # SHOWN ones with most mentions (entity.docs says how many there are).
    documents = db.execute(
        "SELECT d.id, c.n FROM (SELECT doc, count(*) AS n FROM mentions"
        f" WHERE entity = {ENTITY_KEY_SQL}"
        " GROUP BY doc ORDER BY n DESC, doc LIMIT ?) AS c JOIN documents d ON d.key = c.doc",
        (entity.id, SHOWN),
    ).fetchall()
    documents.sort()
    links = dict(db.execute("SELECT name, reason FROM names WHERE entity = ?", (entity.id,)))
    grouped: dict[str, tuple[int, set[str], list[str]]] = {}
    for form in _forms(db, entity.id):
        # The documents beyond the first SHOWN of a form are counted, not listed: they come
        # first (as a group of no document), then the listed ones in document order.
        rows: list[tuple[str | None, int]] = [(None, form.rest)] if form.rest else []
        for doc, count in [*rows, *form.documents]:
            total, docs, reasons = grouped.setdefault(form.text, (0, set(), []))
            if doc is not None:
                docs.add(doc)
            why = []
            if form.reason and doc is not None:
                why.append(f"{form.reason} ({doc})")
            if links.get(form.name):
                prefix = f"'{form.name}': " if form.name != form.text else ""
                why.append(prefix + links[form.name])
            for reason in why:
                if reason not in reasons:
                    reasons.append(reason)
            grouped[form.text] = (total + count, docs, reasons)
    aliases = [
        AliasRow(text, total, sorted(docs), reasons)
        for text, (total, docs, reasons) in sorted(grouped.items(), key=lambda kv: -kv[1][0])
    ]
    return EntityDetail(
        entity,
        description=(kb_row[1] if kb_row else "") or "",
        kb=kb_row[0] if kb_row else None,
        documents=[(d, n) for d, n in documents],
        aliases=aliases,
    )


@dataclass
class _Form:
    """One way an entity is named: its words, the name they stand for and why, with the
    documents (text id, mentions) of its first SHOWN in document order and the mentions of
    the rest."""

    text: str
    name: str
    reason: str
    documents: list[tuple[str, int]]
    rest: int


def _forms(db: sqlite3.Connection, entity: str) -> list[_Form]:
    """The entity's name forms in (text, name, reason) order.

    The counts kept at ingest (`forms`, by the names linked to the entity) say how many
    mentions each form has: the entity's mentions are read in document order only until
    every form has its SHOWN documents or all its mentions, and the rest is counted from
    them. For Lavrov, named in 40% of 100,000 documents, that is a few hundred mentions
    instead of 1.3 million. A date's forms are not kept: all its mentions are read."""
    known: dict[tuple[str, str, str], int] = {
        (text, name, reason): int(n)
        for text, name, reason, n in db.execute(
            "SELECT f.text, f.name, f.reason, sum(f.mentions) FROM names n JOIN forms f"
            " ON f.label = n.label AND f.name = n.name WHERE n.entity = ?"
            " GROUP BY f.text, f.name, f.reason",
            (entity,),
        )
    }
    listed: dict[tuple[str, str, str], dict[int, int]] = {}  # form -> {document key: mentions}
    seen: dict[tuple[str, str, str], int] = {}  # form -> mentions read

    def complete(form: tuple[str, str, str]) -> bool:
        return len(listed[form]) >= SHOWN or seen[form] == known.get(form)

    read_all = True
    current = None  # the document being read: its counts are whole once the next begins
    for doc, text, name, reason in db.execute(
        f"SELECT doc, text, {MENTION_NAME_SQL}, name_reason FROM mentions"
        f" WHERE entity = {ENTITY_KEY_SQL} ORDER BY doc",
        (entity,),
    ):
        if doc != current:
            if known and set(known) <= set(seen) and all(complete(f) for f in seen):
                read_all = False
                break
            current = doc
        form = (text, name, reason)
        counts = listed.setdefault(form, {})
        seen[form] = seen.get(form, 0) + 1
        if doc in counts or len(counts) < SHOWN:
            counts[doc] = counts.get(doc, 0) + 1
    ids = dict(
        db.execute(
            "SELECT key, id FROM documents WHERE key IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted({d for counts in listed.values() for d in counts})),),
        )
    )
    forms = []
    for form in sorted(listed):
        counts = listed[form]
        total = seen[form] if read_all else known[form]
        forms.append(
            _Form(*form, [(ids[d], n) for d, n in sorted(counts.items())],
                  total - sum(counts.values()))
        )  # fmt: skip
    return forms


def paragraph_records(db: sqlite3.Connection) -> Iterator[dict[str, object]]:
    """Every paragraph with its topics, scores and triggering terms, streamed."""
    rows = db.execute(
        "SELECT p.doc, p.idx, p.start, p.end, t.topic, t.score, t.terms FROM paragraphs p"
        " LEFT JOIN topics t ON t.doc = p.doc AND t.paragraph = p.idx"
        " ORDER BY p.doc, p.idx, t.score DESC"
    )
    record: dict[str, object] | None = None
    topics: list[dict[str, object]] = []
    texts = DocumentTexts(db)  # terms are stored as offsets: their words are the text's
    current: tuple[int, int] | None = None  # (document key, paragraph) of `record`
    for doc, idx, start, end, topic, score, terms in rows:
        if record is None or current != (doc, idx):
            current = (doc, idx)
            if record is not None:
                yield record
            topics = []
            record = {"doc": texts.id(doc), "index": idx, "start": start, "end": end,
                      "topics": topics}  # fmt: skip
        if topic is not None:
            words = [texts.cut(doc, a, b) for a, b in read_terms(terms)]
            topics.append({"id": topic, "score": score / SCORE_SCALE, "terms": words})
    if record is not None:
        yield record
