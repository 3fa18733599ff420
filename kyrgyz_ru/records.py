"""Plain records passed between layers: reading, extraction, the index and queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from kyrgyz_ru.normalise import LABELS

__all__ = [
    "LABELS",
    "Document",
    "Extracted",
    "Mention",
    "Paragraph",
    "Span",
    "TopicHit",
    "TopicTerm",
]


@dataclass(frozen=True)
class Document:
    """One article as read from disk: its text is kept exactly, offsets point into it."""

    id: str
    path: str
    text: str
    sha256: str
    date: str | None = None  # ISO: YYYY, YYYY-MM or YYYY-MM-DD
    # "header", "catalog", "option", "inferred"; "metadata" or "page" (HTML), "record" (exports)
    date_source: str | None = None
    title: str = ""
    url: str | None = None
    source: str | None = None  # the site or agency: an HTML page's site name, a record's source
    language: str | None = None  # as the page or record declares it, ISO 639-1
    format: str = "txt"  # txt, html, json, jsonl, csv, tsv; ".gz" added when it was gzip
    # The record of an export this document is (its id, else <file stem>:<number>): with
    # `path` it names where the document came from; None for a whole file.
    record: str | None = None
    line: int | None = None  # where that record starts in its file, for messages
    duplicate_of: str | None = None  # the first copy of the same story (a reprint), if any
    signature: tuple[int, ...] = ()  # its MinHash signature (extract.reprints)
    bands: tuple[int, ...] = ()  # the signature's LSH band keys, looked up by later ingests


@dataclass(frozen=True)
class Paragraph:
    """A block of text between blank lines, trimmed; the unit of topic evidence."""

    index: int
    start: int
    end: int


@dataclass(frozen=True)
class Span:
    """A labelled stretch of a document's text, end exclusive."""

    start: int
    end: int
    label: str


class Token(NamedTuple):
    """A word as the tagger saw it: character offsets, Penn Treebank tag, coarse class."""

    start: int
    end: int
    tag: str
    coarse: str  # PROPN, NOUN, ADJ... derived from the tag; "" for the rest


@dataclass
class Mention:
    """An entity mention as extraction hands it to linking and the index."""

    doc: str
    start: int
    end: int
    text: str
    label: str
    sentence_start: int
    sentence_end: int
    # The name this mention stands for inside its document (a surname resolved to the full
    # name met earlier, say) and why; linking across documents works from it.
    name: str = ""
    name_reason: str = ""
    value: str | None = None  # ISO 8601 value of a DATE mention


@dataclass
class TopicTerm:
    term: str
    start: int
    end: int


@dataclass
class TopicHit:
    id: str
    score: float
    terms: list[TopicTerm] = field(default_factory=list)


@dataclass(frozen=True)
class EventActor:
    start: int  # the mention the actor resolves to, or the surface when unresolved
    end: int
    text: str  # the words in the evidence sentence
    role: str  # "source" | "recipient" | "participant"
    reason: str  # "named", "counterpart of Sergey Lavrov", "quoted speaker", "unresolved"...
    name: str = ""  # the in-document name of the mention resolved to


@dataclass(frozen=True)
class Event:
    doc: str
    start: int  # the evidence sentence
    end: int
    event_type: str
    mode: str | None
    trigger_start: int
    trigger_end: int
    trigger_text: str
    rule: str
    actors: tuple[EventActor, ...]
    date: str | None  # stated in the article for this event, never the article's own date
    date_source: str | None  # "text" or "document" (only the article's date is known)
    document_date: str | None
    place_start: int | None
    place_end: int | None


@dataclass(frozen=True)
class Extracted:
    """Everything ingest stores for one document."""

    document: Document
    paragraphs: list[Paragraph]
    mentions: list[Mention]
    acronyms: list[tuple[str, str]]  # (long form, acronym) defined in the document
    topics: list[tuple[int, TopicHit]]  # (paragraph index, hit with document offsets)
    phrases: list[tuple[int, str, int]]  # (paragraph index, key phrase, count)
    events: list[Event] = field(default_factory=list)
