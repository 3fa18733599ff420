"""The timeline: dated mentions in order of their ISO value, with the sentence around each and the
people and organisations named in that sentence."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from kyrgyz_ru.query.selection import Selection
from kyrgyz_ru.query.texts import DocumentTexts
from kyrgyz_ru.store.migrations import ENTITY_KEY_SQL


@dataclass
class DatedMention:
    value: str
    doc: str
    start: int
    end: int
    text: str
    sentence: str
    sentence_start: int
    people: list[str]
    organisations: list[str]
    places: list[str]


def timeline(
    db: sqlite3.Connection, selection: Selection, limit: int | None = None
) -> list[DatedMention]:
    """Dated mentions (a known value) whose sentence names every selected entity."""
    sql = (
        "SELECT m.value, m.doc, m.start, m.end, m.text, m.sent_start, m.sent_end"
        " FROM mentions m WHERE m.label = 'DATE' AND m.value IS NOT NULL"
    )
    args: list[object] = []
    for entity in selection.entities:
        sql += (
            # Bounded on both sides, the sentence's mentions are one short range of the
            # (doc, start) index; with only a lower bound SQLite reads to the document's end.
            " AND EXISTS (SELECT 1 FROM mentions x WHERE x.doc = m.doc"
            f" AND x.entity = {ENTITY_KEY_SQL}"
            " AND x.start >= m.sent_start AND x.start < m.sent_end AND x.end <= m.sent_end)"
        )
        args.append(entity)
    scoped, scope_args = selection.scope.around(selection.doc).condition("m.doc")
    sql += f" AND {scoped}"
    args += scope_args
    if selection.doc is not None:
        sql += " AND m.doc = (SELECT key FROM documents WHERE id = ?)"
        args.append(selection.doc)
    # --since/--until bound the dates the mentions point to, not the articles' dates.
    if selection.since is not None:
        sql += " AND m.value >= ? AND m.value NOT LIKE 'XXXX%'"
        args.append(selection.since)
    if selection.until is not None:
        sql += " AND m.value <= ? AND m.value NOT LIKE 'XXXX%'"
        args.append(selection.until + "\uffff")
    sql += " ORDER BY m.value, m.doc, m.start"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    events = []
    texts = DocumentTexts(db)
    for value, doc, start, end, text, s_start, s_end in db.execute(sql, args).fetchall():
        sentence = texts.cut(doc, s_start, s_end)
        named: dict[str, list[str]] = {"PERSON": [], "ORG": [], "PLACE": []}
        for label, name in db.execute(
            "SELECT DISTINCT m.label, e.name FROM mentions m JOIN entities e ON e.key = m.entity"
            " WHERE m.doc = ? AND m.start >= ? AND m.end <= ? AND m.label != 'DATE'"
            " ORDER BY m.start",
            (doc, s_start, s_end),
        ):
            if name not in named[label]:
                named[label].append(name)
        events.append(
            DatedMention(value, texts.id(doc), start, end, text, sentence, s_start,
                  named["PERSON"], named["ORG"], named["PLACE"])
        )  # fmt: skip
    return events
