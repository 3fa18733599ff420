"""Reading the corpus: finding article files, decoding them, their dates, titles and paragraphs."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from kyrgyz_ru.errors import DataFileError, InputError, KrqError, NotFoundError
from kyrgyz_ru.normalise import is_iso_date
from kyrgyz_ru.records import Document, Paragraph

CATALOG_NAME = "catalog.jsonl"

# A first line " date 2020-10-24 ..." carries the article's publication day.
_DATE_HEADER = re.compile(r"\A[ \t]*date[ \t]+(\d{4}-\d{2}-\d{2})(?=\s|$)")
# A blank line (whitespace only) separates paragraphs.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\f\v]*\n(?:[ \t\f\v]*\n)*")


def bundled_seeds() -> Path:
    """The folder of the bundled articles, in a wheel or in a source checkout."""
    here = Path(__file__).resolve().parent.parent  # the package folder
    for candidate in (here / "seeds", here.parent / "seeds"):
        if candidate.is_dir():
            return candidate
    raise NotFoundError("the bundled seeds are missing from this installation of krq")


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield the files named, and the article files found (recursively, in sorted order) under
    the folders named: .txt, .html/.htm, .json/.jsonl/.ndjson, .csv/.tsv, and .gz of these."""
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise NotFoundError(f"no such file or folder: {path}")
        if path.is_dir():
            found = False
            for file in _walk_articles(path):
                found = True
                yield file
            if not found:
                raise InputError(
                    f"no article files (.txt, .html, .json, .jsonl, .csv, .tsv or .gz of "
                    f"these) in folder: {path}"
                )
        else:
            yield path


def _walk_articles(folder: Path) -> Iterator[Path]:
    from kyrgyz_ru.extract.formats import is_article_name

    # os.walk without followlinks never loops on a symlink cycle; linked files still count.
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if is_article_name(name):
                yield Path(root) / name


# Single-byte encodings tried, in this order, for a file that is not UTF-8 (see decode_text).
LEGACY_ENCODINGS = {
    "cp1251": "Windows-1251 (Cyrillic)",
    "cp1252": "Windows-1252 (Western; covers Latin-1)",
}
_LETTERS = re.compile(r"[^\W\d_]+")
# C0 control characters other than tab, newlines, vertical tab and form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")


def decode(data: bytes, path: Path) -> str:
    """Bytes to text the way Python's text mode reads the file: universal newlines."""
    return decode_text(data, path)[0]


def decode_text(data: bytes, path: Path) -> tuple[str, str]:
    """Bytes to text and the encoding it was read in: "utf-8", "utf-16", "cp1251" or "cp1252".

    UTF-8 (with or without a BOM) is always tried first and is never second-guessed: a file
    that decodes as UTF-8 is read as UTF-8. A UTF-16 file must start with its BOM. Any other
    file is read in a single-byte Windows encoding only when no valid UTF-8 multi-byte
    sequence outnumbers its invalid bytes (a UTF-8 file with a few stray bytes is refused,
    not turned into mojibake): Windows-1251 when its non-ASCII words read as Cyrillic,
    otherwise Windows-1252, which reads Latin-1 text identically.

    Offsets index the returned text: the BOM dropped and CRLF and CR turned into LF, i.e.
    `open(path, encoding=E, newline=None).read()` with E = "utf-8-sig" or the encoding named.
    """
    text, encoding = _decode(data, path)
    if not text.strip():
        raise InputError(f"empty file: {path}")
    if encoding != "utf-8" and len(_CONTROL.findall(text)) * 100 > len(text):
        raise InputError(f"not a text file (binary data): {path}")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not data.startswith(b"\xff\xfe\x00\x00"):
        try:
            return data.decode("utf-16"), "utf-16"  # its BOM says so (Notepad's "Unicode")
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: judged as bytes below
    if data.startswith(b"\x1f\x8b"):  # unpacked by formats.read_articles: gzip in gzip
        raise InputError(f"gzip data inside gzip data; unpack it first (gunzip): {path}")
    if b"\x00" in data:
        raise InputError(f"not a text file (it holds NUL bytes): {path}")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    lenient = data.decode("utf-8", errors="replace")
    invalid = lenient.count("\ufffd")
    valid = sum(1 for c in lenient if c > "\x7f" and c != "\ufffd")
    if valid >= invalid:
        raise InputError(
            f"not valid UTF-8 (byte {first_bad}; mostly UTF-8 with {invalid} bad byte"
            f"{'s' if invalid != 1 else ''}): {path}; drop them with "
            f"iconv -c -f utf-8 -t utf-8, or convert from its real encoding"
        )
    if len(_CONTROL_BYTES.findall(data)) * 100 > len(data):
        raise InputError(f"not a text file (binary data): {path}")
    for encoding in _legacy_order(data):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InputError(
        f"not UTF-8 text (byte {first_bad}) nor Windows-1251/1252: {path}; convert it first, "
        f"e.g. iconv -f ENCODING -t utf-8"
    )


def _legacy_order(data: bytes) -> tuple[str, ...]:
    """Windows-1251 first when the non-ASCII words read as Cyrillic in it, else Windows-1252."""
    cyrillic = other = 0
    for word in _LETTERS.findall(data.decode("cp1251", errors="replace")):
        if word.isascii():
            continue
        if len(word) >= 2 and all("\u0400" <= c <= "\u04ff" for c in word):
            cyrillic += 1
        else:
            other += 1
    return ("cp1251", "cp1252") if cyrillic > other else ("cp1252",)


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file; a pipe, socket or device named .txt is refused, not read
    (opening a FIFO would wait forever for a writer)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        if path.is_symlink():
            raise InputError(f"broken symbolic link: {path}") from None
        raise NotFoundError(f"file vanished before it could be read: {path}") from None
    except IsADirectoryError:
        raise InputError(f"not a file: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"not a file: {path}")
        if not stat.S_ISREG(mode):
            raise InputError(f"not a regular file (a pipe, socket or device): {path}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as file:
            return file.read()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


@dataclass(frozen=True)
class CatalogEntry:
    date: str | None
    title: str | None


def read_catalog(folder: Path) -> dict[str, CatalogEntry]:
    """Read `catalog.jsonl` beside the articles: one {"doc", "date", "title"} object a line."""
    path = folder / CATALOG_NAME
    if not path.is_file():
        return {}
    entries: dict[str, CatalogEntry] = {}
    try:
        lines = read_bytes(path).decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{path}: not UTF-8 (byte {exc.start})") from None
    except KrqError as exc:
        raise DataFileError(str(exc)) from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            doc = str(row["doc"])
        except (ValueError, KeyError, TypeError):
            raise DataFileError(
                f"{path}:{number}: expected a JSON object with a 'doc' field"
            ) from None
        date = row.get("date")
        if date is not None and not is_iso_date(str(date)):
            raise DataFileError(f"{path}:{number}: date must be YYYY, YYYY-MM or YYYY-MM-DD")
        title = row.get("title")
        entries[doc] = CatalogEntry(date=date, title=None if title is None else str(title))
    return entries


def header_date(text: str) -> str | None:
    match = _DATE_HEADER.match(text)
    return match.group(1) if match else None


def title_of(text: str) -> str:
    """The first paragraph that reads like a title, without a date header, shortened."""
    for paragraph in paragraphs(text):
        line = _DATE_HEADER.sub("", text[paragraph.start : paragraph.end]).strip()
        line = " ".join(line.split())
        if len(line.split()) >= 4:  # skips bylines, bare dates and navigation
            # A headline is kept whole. A text without one has its lead paragraph stand in:
            # its first sentence, cut (at a word) only past TITLE_CHARS.
            line = _SENTENCE_END.split(line, maxsplit=1)[0]
            if len(line) <= TITLE_CHARS:
                return line
            return line[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return ""


TITLE_CHARS = 300  # longer than any headline
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)][.!?])\s+(?=[A-Z])")


def paragraphs(text: str) -> list[Paragraph]:
    """Blocks of text between blank lines, trimmed of surrounding whitespace."""
    result: list[Paragraph] = []
    position = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        block = text[position:end]
        stripped = block.strip()
        if stripped:
            start = position + (len(block) - len(block.lstrip()))
            result.append(Paragraph(len(result), start, start + len(stripped)))
        if match:
            position = match.end()
    return result


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_document(
    path: Path,
    catalog: dict[str, CatalogEntry] | None = None,
    date: str | None = None,
    notes: list[str] | None = None,
) -> Document:
    """Read one plain-text article; its date comes from the header, `date`, the catalog, or
    the text. A file read in another encoding than UTF-8 adds a line saying so to `notes`.
    (Every other format: formats.read_articles.)"""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in the name, kept as surrogates by Python
        raise InputError(f"the file name is not valid UTF-8; rename it: {path}") from None
    text, encoding = decode_text(read_bytes(path), path)
    if encoding != "utf-8" and notes is not None:
        notes.append(f"read as {LEGACY_ENCODINGS.get(encoding, encoding.upper())}, not UTF-8")
    # Absolute: the path must name the file whatever folder a later ingest runs from.
    return text_document(os.path.abspath(path), path.stem, text, catalog or {}, date)


def text_document(
    path: str, stem: str, text: str, catalog: Mapping[str, CatalogEntry], date: str | None
) -> Document:
    """A plain-text article as a document: its date from its header, `date`, the catalog
    entry of its stem, or its text, in that order."""
    entry = catalog.get(stem)
    doc_date, source = header_date(text), "header"
    if doc_date is None and date is not None:
        doc_date, source = date, "option"
    if doc_date is None and entry and entry.date:
        doc_date, source = entry.date, "catalog"
    if doc_date is None:
        from kyrgyz_ru.extract.dates import infer_document_date

        doc_date, source = infer_document_date(text), "inferred"
    return Document(
        id=stem,
        path=path,
        text=text,
        sha256=content_hash(text),
        date=doc_date,
        date_source=source if doc_date else None,
        title=(entry.title if entry and entry.title else title_of(text)),
    )
