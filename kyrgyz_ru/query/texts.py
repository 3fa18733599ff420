"""Documents' texts, read once per query, so sentences and paragraphs are cut in Python.

SQLite's substr() on a document's text reads the whole text for every row, and when a query
sorts before it limits, for every candidate row: on one 5 MB article a listing of two
mentions read gigabytes. Reading each document once and slicing it costs one read per
document, however many rows come from it."""

from __future__ import annotations

import sqlite3
from collections import OrderedDict

from kyrgyz_ru.store.migrations import unpack_text


class DocumentTexts:
    """The texts of the documents a query touches, by document key (what the index's tables
    name documents by); the few most recent stay in memory. Also each key's text id, which
    every output shows."""

    def __init__(self, db: sqlite3.Connection, keep: int = 8) -> None:
        self.db = db
        self.keep = keep
        self._texts: OrderedDict[int, str] = OrderedDict()
        self._ids: dict[int, str] = {}

    def text(self, doc: int) -> str:
        found = self._texts.get(doc)
        if found is None:
            row = self.db.execute("SELECT text FROM documents WHERE key = ?", (doc,)).fetchone()
            found = unpack_text(row[0]) if row else ""
            self._texts[doc] = found
            if len(self._texts) > self.keep:
                self._texts.popitem(last=False)
        else:
            self._texts.move_to_end(doc)
        return found

    def cut(self, doc: int, start: int, end: int) -> str:
        return self.text(doc)[start:end]

    def id(self, doc: int) -> str:
        """The text id of the document with key `doc`."""
        found = self._ids.get(doc)
        if found is None:
            row = self.db.execute("SELECT id FROM documents WHERE key = ?", (doc,)).fetchone()
            found = self._ids[doc] = str(row[0]) if row else ""
        return found
