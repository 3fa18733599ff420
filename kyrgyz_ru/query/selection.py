"""A selection of the corpus: paragraphs or sentences that name given entities, in given documents
and dates. Topic and timeline queries share it; it becomes SQL with bound parameters only."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from kyrgyz_ru.errors import UsageError
from kyrgyz_ru.normalise import ISO_DATE, is_iso_date
from kyrgyz_ru.query.documents import document_condition
from kyrgyz_ru.store.migrations import ENTITY_KEY_SQL, KEY_STEP, REPRINT_KEYS_SQL

WIDE_SHARE = 8  # a selection of one document in this many or more holds "many" documents


def check_date(value: str | None, option: str) -> str | None:
    if value is not None and not is_iso_date(value):
        if ISO_DATE.match(value):
            raise UsageError(f"{option} {value}: no such day or month in the calendar")
        raise UsageError(f"{option} must be YYYY, YYYY-MM or YYYY-MM-DD, not '{value[:40]}'")
    return value


def check_range(since: str | None, until: str | None) -> None:
    """--since after --until selects nothing: say so rather than print an empty listing."""
    if since is not None and until is not None and since[: len(until)] > until:
        raise UsageError(f"--since {since} is after --until {until}: the range is empty")


@dataclass(frozen=True)
class Scope:
    """Which documents a listing counts: one source's or all, one language's or all, and a
    reprinted story once (its first copy, the default) or every copy (--all-copies)."""

    source: str | None = None
    all_copies: bool = False
    language: str | None = None  # ISO 639-1, as stored at ingest

    @property
    def default(self) -> bool:
        """The scope the figures kept at ingest were counted in."""
        return self.source is None and self.language is None and not self.all_copies

    def around(self, doc: str | None) -> Scope:
        """The scope for a listing of one document: a reprint asked for by its id is shown."""
        return self if doc is None else Scope(self.source, True, self.language)

    def condition(self, doc: str) -> tuple[str, list[object]]:
        """SQL true where the column `doc` (a document key) names a document of the scope."""
        if self.source is not None or self.language is not None:
            where, args = document_condition(self.source, self.all_copies, self.language, "")
            return f"{doc} IN (SELECT key FROM documents WHERE {where})", args
        if not self.all_copies:
            # Reprints are few: excluding them is cheaper than listing every first copy.
            return f"{doc} NOT IN ({REPRINT_KEYS_SQL})", []
        return "1", []


@dataclass(frozen=True)
class Selection:
    entities: tuple[str, ...] = ()  # entity ids that must all be named
    doc: str | None = None
    since: str | None = None  # ISO prefixes compared as text: "2021" <= "2021-02"
    until: str | None = None
    described: tuple[str, ...] = field(default=())  # how the user named them, for titles
    scope: Scope = field(default=Scope())

    @property
    def dated(self) -> bool:
        return self.since is not None or self.until is not None

    @property
    def empty(self) -> bool:
        """No filter beyond the default scope: the figures kept at ingest answer."""
        return not (self.entities or self.doc or self.dated) and self.scope.default

    def paragraphs_sql(self) -> tuple[str, list[object]]:
        """SQL selecting (doc key, paragraph) pairs of the selection, and its parameters."""
        parts: list[str] = []
        args: list[object] = []
        for entity in self.entities:
            parts.append(
                f"SELECT DISTINCT doc, paragraph FROM mentions WHERE entity = {ENTITY_KEY_SQL}"
                " AND paragraph IS NOT NULL"
            )
            args.append(entity)
        if not parts:
            parts.append("SELECT doc, idx AS paragraph FROM paragraphs")
        sql = " INTERSECT ".join(parts)
        where, where_args = self.documents_condition("doc")
        return f"SELECT doc, paragraph FROM ({sql}) WHERE {where}", args + where_args

    def condition(
        self, doc: str, paragraph: str, dates_by_row: bool = False
    ) -> tuple[str, list[object]]:
        """A WHERE condition true for the selected paragraphs, over the columns named `doc` and
        `paragraph` of the row being filtered: lets a scan stop after the rows it needs.
        With `dates_by_row`, each row's document is looked up for its date (see
        documents_condition)."""
        parts = ["1"]
        args: list[object] = []
        for entity in self.entities:
            parts.append(
                f"EXISTS (SELECT 1 FROM mentions x WHERE x.entity = {ENTITY_KEY_SQL}"
                f" AND x.doc = {doc} AND x.paragraph = {paragraph})"
            )
            args.append(entity)
        where, where_args = self.documents_condition(doc, dates_by_row)
        return " AND ".join([*parts, where]), args + where_args

    def documents_condition(self, doc: str, by_row: bool = False) -> tuple[str, list[object]]:
        """SQL true where the column `doc` (a document key) names a document of the selection:
        its --doc, its date range, its scope.

        The documents in range are listed once per statement, which a scan that stops early
        pays in full (60,000 keys, 0.02 s, for --since 2010 on 100,000 documents); `by_row`
        looks up each row's document instead, for a range holding many of them."""
        in_range, args = self._documents_where()
        scoped, scope_args = self.scope.around(self.doc).condition(doc)
        if not in_range:
            return scoped, scope_args
        if by_row:
            found = f"EXISTS (SELECT 1 FROM documents WHERE key = {doc} AND {in_range})"
            return f"{found} AND {scoped}", args + scope_args
        listed = f"{doc} IN (SELECT key FROM documents WHERE {in_range})"
        return f"{listed} AND {scoped}", args + scope_args

    def holds_many_documents(self, db: sqlite3.Connection) -> bool:
        """Whether the selection's documents (its --doc, its dates) are one in WIDE_SHARE of the
        index or more (counted up to that many, so cheaply): a scan for a sample of its
        paragraphs then meets them often, and tests each row's document (documents_condition)."""
        in_range, args = self.documents_sql()
        if not in_range:
            return False
        # About the number of documents, read from the end of the table: keys are KEY_STEP
        # apart, closer only where documents were put between others.
        total = db.execute("SELECT max(key) FROM documents").fetchone()[0] or 0
        cap = max(1, total // KEY_STEP // WIDE_SHARE)
        sql = f"SELECT count(*) FROM ({in_range} LIMIT ?)"
        return bool(db.execute(sql, [*args, cap]).fetchone()[0] >= cap)

    def documents_sql(self) -> tuple[str, list[object]]:
        """SQL selecting the keys of documents in range (empty when no document filter)."""
        where, args = self._documents_where()
        return (f"SELECT key FROM documents WHERE {where}" if where else ""), args

    def _documents_where(self) -> tuple[str, list[object]]:
        """SQL over a row of documents true in range (empty when no document filter)."""
        conditions: list[str] = []
        args: list[object] = []
        if self.doc is not None:
            conditions.append("id = ?")
            args.append(self.doc)
        if self.since is not None:
            conditions.append("date IS NOT NULL AND date >= ?")
            args.append(self.since)
        if self.until is not None:
            # A date is within --until 2021 when it starts with 2021: compare past the prefix.
            conditions.append("date IS NOT NULL AND date <= ?")
            args.append(self.until + "\uffff")
        if not conditions:
            return "", []
        return " AND ".join(conditions), args
