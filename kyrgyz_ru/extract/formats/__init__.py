"""Article files in every format krq reads, recognised by extension and content: plain text,
web pages, JSON/JSON lines and CSV/TSV exports, and gzip of any of them.

`read_articles` turns one file into documents (one, or one a record) and the records it had
to skip, each with its reason; a file that cannot be read at all raises InputError.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from kyrgyz_ru.errors import InputError
from kyrgyz_ru.extract import corpus
from kyrgyz_ru.normalise import is_iso_date
from kyrgyz_ru.records import Document

# Extensions of article files, and the format each names.
KINDS = {
    ".txt": "txt", ".html": "html", ".htm": "html", ".xhtml": "html", ".jsonl": "jsonl",
    ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv",
}  # fmt: skip
GZIP_MAGIC = b"\x1f\x8b"
# An unpacked file larger than this is refused rather than filling memory (a gzip bomb).
MAX_UNPACKED = 1 << 30
_HTML_START = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
    re.IGNORECASE | re.DOTALL,
)
_ISO_PREFIX = re.compile(r"\A(\d{4}(?:-\d{2}(?:-\d{2})?)?)(?:[T ]|$)")
_DAY_FORMATS = ("%d.%m.%Y", "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y", "%Y/%m/%d")


@dataclass(frozen=True)
class Skip:
    """A record of an export skipped while the rest of its file is read."""

    where: str  # "<path>:<line>"
    why: str


def is_article_name(name: str) -> bool:
    """Whether a folder walk picks this file: a known extension, alone or before .gz.

    The catalog beside the seeds (`catalog.jsonl`) is metadata, not articles."""
    lower = name.lower()
    if lower == corpus.CATALOG_NAME:
        return False
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return os.path.splitext(lower)[1] in KINDS


def kind_of(name: str, data: bytes) -> str:
    """The format of a file's (unpacked) bytes: by its extension; by its content when the
    extension says nothing, or when a .txt holds a whole HTML page."""
    kind = KINDS.get(os.path.splitext(name.lower())[1])
    if kind not in (None, "txt"):
        return kind
    if _HTML_START.match(data[:4096]):
        return "html"
    if kind is None:
        head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if head == b"[":
            return "json"
        if head == b"{":
            return "jsonl"
    return "txt"


def unpack(data: bytes, path: Path) -> bytes:
    """The content of gzip data; InputError with one line when it is not gzip or damaged."""
    if not data.startswith(GZIP_MAGIC):
        raise InputError(f"not gzip data, although named .gz: {path}")
    try:
        with gzip.GzipFile(fileobj=_Bytes(data)) as packed:
            content = packed.read(MAX_UNPACKED + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"damaged gzip data ({exc}): {path}") from None
    if len(content) > MAX_UNPACKED:
        raise InputError(f"gzip content larger than {MAX_UNPACKED >> 30} GiB: {path}")
    return content


class _Bytes:
    """A minimal binary stream over bytes for GzipFile (io.BytesIO would copy them)."""

    def __init__(self, data: bytes) -> None:
        self.view = memoryview(data)
        self.position = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.view) if size < 0 else self.position + size
        chunk = bytes(self.view[self.position : end])
        self.position += len(chunk)
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.position, 2: len(self.view)}[whence]
        self.position = max(0, base + offset)
        return self.position

    def tell(self) -> int:
        return self.position


def read_articles(
    path: Path,
    catalog: Mapping[str, corpus.CatalogEntry],
    date: str | None,
    notes: list[str],
    mapping: Mapping[str, str],
) -> Iterator[Document | Skip]:
    """The documents of one file, with the records skipped; InputError for the whole file."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in the name, kept as surrogates by Python
        raise InputError(f"the file name is not valid UTF-8; rename it: {path}") from None
    data = corpus.read_bytes(path)
    name = path.name
    packed = name.lower().endswith(".gz") or data.startswith(GZIP_MAGIC)
    if packed:
        data = unpack(data, path)
        if name.lower().endswith(".gz"):
            name = name[:-3]
    kind = kind_of(name, data)
    try:
        text, encoding = corpus.decode_text(data, path)
    except InputError as exc:
        raise InputError(f"in the gzip data: {exc}" if packed else str(exc)) from None
    if encoding != "utf-8":
        named = corpus.LEGACY_ENCODINGS.get(encoding, encoding.upper())
        notes.append(f"read as {named}, not UTF-8")
    fmt = kind + (".gz" if packed else "")
    stem = Path(name).stem
    absolute = os.path.abspath(path)
    if kind == "txt":
        yield replace(corpus.text_document(absolute, stem, text, catalog, date), format=fmt)
    elif kind == "html":
        yield _page_document(absolute, stem, text, catalog, date, fmt)
    else:
        yield from _record_documents(absolute, stem, text, kind, date, fmt, mapping)


def _page_document(
    path: str,
    stem: str,
    markup: str,
    catalog: Mapping[str, corpus.CatalogEntry],
    date: str | None,
    fmt: str,
) -> Document:
    from kyrgyz_ru.extract.formats.html import read_page

    page = read_page(markup, path)
    entry = catalog.get(stem)
    doc_date, source = page.date, page.date_source
    if doc_date is None:
        doc_date, source = _fallback_date(page.text, date, entry)
    return Document(
        id=stem,
        path=path,
        text=page.text,
        sha256=corpus.content_hash(page.text),
        date=doc_date,
        date_source=source if doc_date else None,
        title=page.title or (entry.title if entry and entry.title else corpus.title_of(page.text)),
        url=page.url,
        source=page.site,
        language=page.language,
        format=fmt,
    )


def _fallback_date(
    text: str, date: str | None, entry: corpus.CatalogEntry | None
) -> tuple[str | None, str]:
    if date is not None:
        return date, "option"
    if entry and entry.date:
        return entry.date, "catalog"
    from kyrgyz_ru.extract.dates import infer_document_date

    return infer_document_date(text), "inferred"


def _record_documents(
    path: str, stem: str, text: str, kind: str, date: str | None, fmt: str,
    mapping: Mapping[str, str],
) -> Iterator[Document | Skip]:  # fmt: skip
    from kyrgyz_ru.extract.formats.records import BadRecord, read_records

    for record in read_records(text, kind, path, mapping):
        if isinstance(record, BadRecord):
            yield Skip(f"{path}:{record.line}", f"record {record.number}: {record.why}")
            continue
        body = (record.text or "").replace("\r\n", "\n").replace("\r", "\n")
        doc_date, source = record_date(record.date), "record"
        if doc_date is None:
            doc_date, source = _fallback_date(body, date, None)
        key = record.id or f"{stem}:{record.number}"
        yield Document(
            id=key,
            path=path,
            text=body,
            sha256=corpus.content_hash(body),
            date=doc_date,
            date_source=source if doc_date else None,
            title=record.title or corpus.title_of(body),
            url=record.url,
            source=record.source,
            language=record.language,
            format=fmt,
            record=key,
            line=record.line,
        )


def record_date(value: str | None) -> str | None:
    """An export's date as ISO YYYY[-MM[-DD]]: ISO 8601 with any time, RFC 2822 (feeds), or
    a spelled-out day; None when it is none of these."""
    if not value:
        return None
    text = value.strip()
    match = _ISO_PREFIX.match(text)
    if match and is_iso_date(match.group(1)):
        return match.group(1)
    try:
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    for pattern in _DAY_FORMATS:
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    return None
