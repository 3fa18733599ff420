"""Reading the corpus: finding article files, decoding them, their dates, titles and paragraphs."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kyrgyz_ru.errors import DataFileError, InputError, NotFoundError
from kyrgyz_ru.records import Document, Paragraph

CATALOG_NAME = "catalog.jsonl"

# A first line " date 2020-10-24 ..." carries the article's publication day.
_DATE_HEADER = re.compile(r"\A[ \t]*date[ \t]+(\d{4}-\d{2}-\d{2})(?=\s|$)")
_ISO_VALUE = re.compile(r"\A\d{4}(-\d{2}(-\d{2})?)?\Z")
# A blank line (whitespace only) separates paragraphs.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\f\v]*\n(?:[ \t\f\v]*\n)*")


def bundled_seeds() -> Path:
    """The folder of the bundled articles, in a wheel or in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "seeds", here.parent / "seeds"):
        if candidate.is_dir():
            return candidate
    raise NotFoundError("the bundled seeds are missing from this installation of krq")


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield the .txt files named or found (recursively, in sorted order) under `paths`."""
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise NotFoundError(f"no such file or folder: {path}")
        if path.is_dir():
            found = False
            for file in _walk_txt(path):
                found = True
                yield file
            if not found:
                raise InputError(f"no .txt files in folder: {path}")
        else:
            yield path


def _walk_txt(folder: Path) -> Iterator[Path]:
    # os.walk without followlinks never loops on a symlink cycle; linked files still count.
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith(".txt"):
                yield Path(root) / name


def decode(data: bytes, path: Path) -> str:
    """Bytes to text the way Python's text mode reads a UTF-8 file: universal newlines."""
    if not data.strip():
        raise InputError(f"empty file: {path}")
    if b"\x00" in data:
        raise InputError(f"not a text file (it holds NUL bytes): {path}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start}): {path}; convert it first, "
            f"e.g. iconv -f cp1251 -t utf-8"
        ) from None
    # Offsets index the text as `open(path, encoding="utf-8").read()` sees it.
    return text.replace("\r\n", "\n").replace("\r", "\n")


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
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            doc = str(row["doc"])
        except (ValueError, KeyError, TypeError):
            raise DataFileError(f"{path}:{number}: expected a JSON object with a 'doc' field")
        date = row.get("date")
        if date is not None and not _ISO_VALUE.match(str(date)):
            raise DataFileError(f"{path}:{number}: date must be YYYY, YYYY-MM or YYYY-MM-DD")
        entries[doc] = CatalogEntry(date=date, title=row.get("title"))
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
            return line if len(line) <= 100 else line[:99].rstrip() + "…"
    return ""


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
) -> Document:
    """Read one article; its date comes from the header, `date`, the catalog, or the text."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"file vanished before it could be read: {path}") from None
    except IsADirectoryError:
        raise InputError(f"not a file: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    text = decode(data, path)
    entry = (catalog or {}).get(path.stem)
    doc_date, source = header_date(text), "header"
    if doc_date is None and date is not None:
        doc_date, source = date, "option"
    if doc_date is None and entry and entry.date:
        doc_date, source = entry.date, "catalog"
    if doc_date is None:
        from kyrgyz_ru.dates import infer_document_date

        doc_date, source = infer_document_date(text), "inferred"
    return Document(
        id=path.stem,
        path=str(path),
        text=text,
        sha256=content_hash(text),
        date=doc_date,
        date_source=source if doc_date else None,
        title=(entry.title if entry and entry.title else title_of(text)),
    )
