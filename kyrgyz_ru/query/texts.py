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
    """The texts of the documents a query touches; the few most recent stay in memory."""

    def __init__(self, db: sqlite3.Connection, keep: int = 8) -> None:
        self.db = db
        self.keep = keep
        self._texts: OrderedDict[str, str] = OrderedDict()

    def text(self, doc: str) -> str:
        found = self._texts.get(doc)
        if found is None:
            row = self.db.execute("SELECT text FROM documents WHERE id = ?", (doc,)).fetchone()
            found = unpack_text(row[0]) if row else ""
            self._texts[doc] = found
            if len(self._texts) > self.keep:
                self._texts.popitem(last=False)
        else:
            self._texts.move_to_end(doc)
        return found

    def cut(self, doc: str, start: int, end: int) -> str:
        return self.text(doc)[start:end]
