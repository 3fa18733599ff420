"""Documents: the listing, their metadata and text for export, reprint groups, and the SQL
condition by which every listing counts a story once and keeps to one source.

Nothing here imports spaCy or trafilatura: ingest stored all a query needs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field

from kyrgyz_ru.errors import NotFoundError
from kyrgyz_ru.normalise import LABELS
from kyrgyz_ru.store.migrations import REPRINTS_SQL, unpack_text


@dataclass
class DocumentRow:
    id: str
    date: str | None
    date_source: str | None
    title: str
    chars: int
    path: str
    counts: dict[str, int]
    url: str | None = None
    source: str | None = None
    language: str | None = None
    format: str = "txt"
    duplicate_of: str | None = None


@dataclass(frozen=True)
class DocumentExport:
    """One document as `krq export --documents` writes it, text included: offsets check."""

    id: str
    title: str
    date: str | None
    date_source: str | None
    url: str | None
    source: str | None
    language: str | None
    format: str
    path: str
    chars: int
    duplicate_of: str | None
    text: str


@dataclass
class DuplicateGroup:
    """One story and its reprints: the first copy, then the copies in id order."""

    first: str
    title: str
    source: str | None
    copies: list[str] = field(default_factory=list)
    sources: list[str | None] = field(default_factory=list)  # of the copies, in their order


def document_condition(
    source: str | None, all_copies: bool, language: str | None = None, alias: str = "d."
) -> tuple[str, list[object]]:
    """An SQL condition over `documents` (aliased `d`, or unaliased with `alias=""`) selecting
    the documents a listing counts, with its bound arguments: those of `source` (any case;
    None: every source) and of `language` (None: every language), and of each story only its
    first copy unless `all_copies`. Never empty: "1" selects all."""
    parts: list[str] = []
    args: list[object] = []
    if source is not None:
        parts.append(f"{alias}source = ? COLLATE NOCASE")
        args.append(source.strip())
    if language is not None:
        parts.append(f"{alias}language = ?")
        args.append(language)
    if not all_copies:
        parts.append(f"{alias}duplicate_of IS NULL")
    return (" AND ".join(parts) or "1"), args


def check_language(db: sqlite3.Connection, language: str | None) -> str | None:
    """The language code as stored (lower case); one no document has is a mistake to say."""
    if language is None:
        return None
    code = language.strip().casefold()
    if db.execute("SELECT 1 FROM documents WHERE language = ? LIMIT 1", (code,)).fetchone():
        return code
    known = [r[0] for r in db.execute(
        "SELECT language FROM documents WHERE language IS NOT NULL GROUP BY language"
        " ORDER BY count(*) DESC LIMIT 5")]  # fmt: skip
    hint = f"; languages: {', '.join(known)}" if known else ""
    raise NotFoundError(f"no document in language '{_short(language)}'{hint}")


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def check_doc(db: sqlite3.Connection, doc: str) -> None:
    if db.execute("SELECT 1 FROM documents WHERE id = ?", (doc,)).fetchone() is None:
        raise NotFoundError(f"no document '{_short(doc)}' in the index; see krq docs")


def check_source(db: sqlite3.Connection, source: str | None) -> None:
    """A source no document has is a mistake to say, not an empty listing to show."""
    if source is None:
        return
    found = db.execute(
        "SELECT 1 FROM documents WHERE source = ? COLLATE NOCASE LIMIT 1", (source.strip(),)
    ).fetchone()
    if found is None:
        known = [r[0] for r in db.execute(
            "SELECT source FROM documents WHERE source IS NOT NULL GROUP BY source"
            " ORDER BY count(*) DESC LIMIT 5")]  # fmt: skip
        hint = f"; sources: {', '.join(known)}" if known else "; no document names its source"
        raise NotFoundError(f"no document from source '{_short(source)}'{hint}")


_COLUMNS = (
    "d.id, d.date, d.date_source, d.title, d.chars, d.path, d.url, d.source, d.language,"
    " d.format, d.duplicate_of"
)


def documents(
    db: sqlite3.Connection,
    limit: int | None = None,
    source: str | None = None,
    all_copies: bool = True,
    language: str | None = None,
) -> list[DocumentRow]:
    """Documents by id, with their mentions counted per label (only for those listed). Every
    copy of a story is a document of its own, so the listing shows them all by default."""
    check_source(db, source)
    where, args = document_condition(source, all_copies, check_language(db, language))
    sql = f"SELECT {_COLUMNS} FROM documents d WHERE {where} ORDER BY d.id"
    if limit:
        sql += " LIMIT ?"
        args.append(limit)
    result = []
    for r in db.execute(sql, args).fetchall():
        counts = dict(
            db.execute(
                "SELECT label, count(*) FROM mentions WHERE doc ="
                " (SELECT key FROM documents WHERE id = ?) GROUP BY label",
                (r[0],),
            )
        )
        result.append(
            DocumentRow(
                r[0], r[1], r[2], r[3], r[4], r[5], {lb: counts.get(lb, 0) for lb in LABELS},
                url=r[6], source=r[7], language=r[8], format=r[9], duplicate_of=r[10],
            )
        )  # fmt: skip
    return result


def document_count(
    db: sqlite3.Connection,
    source: str | None,
    all_copies: bool = True,
    language: str | None = None,
) -> int:
    where, args = document_condition(source, all_copies, check_language(db, language))
    return int(db.execute(f"SELECT count(*) FROM documents d WHERE {where}", args).fetchone()[0])


def export_documents(
    db: sqlite3.Connection,
    source: str | None = None,
    all_copies: bool = True,
    language: str | None = None,
) -> Iterator[DocumentExport]:
    """Every document with its metadata and text, streamed in id order."""
    check_source(db, source)
    where, args = document_condition(source, all_copies, check_language(db, language))
    for (
        doc,
        title,
        date,
        date_source,
        url,
        source_,
        language_,
        format_,
        path,
        chars,
        first,
        stored,
    ) in db.execute(
        "SELECT d.id, d.title, d.date, d.date_source, d.url, d.source, d.language, d.format,"
        f" d.path, d.chars, d.duplicate_of, d.text FROM documents d WHERE {where}"
        " ORDER BY d.id",
        args,
    ):
        yield DocumentExport(
            doc, title, date, date_source, url, source_, language_, format_, path, chars, first,
            unpack_text(stored),  # stored compressed (store.migrations.pack_text)
        )  # fmt: skip


def duplicate_groups(db: sqlite3.Connection, source: str | None = None) -> list[DuplicateGroup]:
    """Each story that has reprints: its first copy and the copies naming it. With `source`,
    the groups with at least one document (first or copy) from that source."""
    check_source(db, source)
    groups: dict[str, DuplicateGroup] = {}
    for first, title, first_source, copy, copy_source in db.execute(
        "SELECT f.id, f.title, f.source, d.id, d.source FROM documents d"
        " JOIN documents f ON f.id = d.duplicate_of ORDER BY f.id, d.id"
    ):
        group = groups.setdefault(first, DuplicateGroup(first, title, first_source))
        group.copies.append(copy)
        group.sources.append(copy_source)
    result = list(groups.values())
    if source is not None:
        wanted = source.strip().casefold()
        result = [
            g for g in result
            if any((s or "").casefold() == wanted for s in [g.source, *g.sources])
        ]  # fmt: skip
    return result


def reprint_count(db: sqlite3.Connection) -> int:
    """Documents that reprint a story another document holds (indexed: cheap)."""
    row = db.execute(f"SELECT count(*) FROM ({REPRINTS_SQL})").fetchone()
    return int(row[0])
