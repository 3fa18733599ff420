"""Plain records passed between layers: reading, extraction, the index and queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from kyrgyz_ru.names import LABELS

__all__ = ["LABELS", "Document", "Mention", "Paragraph", "Span", "TopicHit", "TopicTerm"]


@dataclass(frozen=True)
class Document:
    """One article as read from disk: its text is kept exactly, offsets point into it."""

    id: str
    path: str
    text: str
    sha256: str
    date: str | None = None  # ISO: YYYY, YYYY-MM or YYYY-MM-DD
    date_source: str | None = None  # "header", "catalog", "option", "inferred"
    title: str = ""


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
