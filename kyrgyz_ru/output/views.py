"""How each listing looks: its JSON records (stable field names) and its table columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.text import Text

from kyrgyz_ru.output.formats import Column, highlighted

if TYPE_CHECKING:  # records only named in hints: a query imports just what it runs
    from kyrgyz_ru.evaluate.scoring import EntityReport, EvalError, TopicReport
    from kyrgyz_ru.query.documents import DocumentExport, DocumentRow, DuplicateGroup
    from kyrgyz_ru.query.entities import EntityDetail, EntityRow, MentionRow
    from kyrgyz_ru.query.timeline import DatedMention
    from kyrgyz_ru.query.topics import Evidence, TopicRow

ENTITY_COLUMNS = (
    Column("Entity", "name"),
    Column("Type", "label"),
    Column("Mentions", "mentions", justify="right"),
    Column("Docs", "docs", justify="right"),
    Column("Aliases", "aliases", cell=lambda r: ", ".join(r["aliases"][:6])),
)


def entity_record(row: EntityRow) -> dict[str, Any]:
    return {
        "id": row.id, "name": row.name, "label": row.label, "mentions": row.mentions,
        "docs": row.docs, "aliases": row.aliases, "wikidata": row.wikidata,
    }  # fmt: skip


def _sentence_cell(record: Mapping[str, Any]) -> Text:
    """The sentence with the mention highlighted (mentions and timeline rows alike)."""
    offset = record["start"] - record["_sentence_start"]
    return highlighted(record["sentence"], [(offset, offset + len(record["text"]))])


MENTION_COLUMNS = (
    Column("Doc", "doc"),
    Column("Start", "start", justify="right"),
    Column("End", "end", justify="right"),
    Column("Text", "text"),
    Column("Label", "label"),
    Column("Entity", "entity"),
    Column("Value", "value"),
    Column("Sentence", "sentence", cell=_sentence_cell, ratio=3),
)


def mention_record(row: MentionRow, for_table: bool = False) -> dict[str, Any]:
    record = row.record()
    if for_table:
        record["_sentence_start"] = row.sentence_start
    return record


DOCUMENT_COLUMNS = (
    Column("Doc", "id"),
    Column("Date", "date"),
    Column("From", "date_source"),
    Column("Source", "source"),
    Column("Lang", "language"),
    Column("Title", "title", ratio=3),
    Column("Copy of", "duplicate_of"),
    Column("Chars", "chars", justify="right"),
    Column("People", "people", justify="right"),
    Column("Orgs", "orgs", justify="right"),
    Column("Places", "places", justify="right"),
    Column("Dates", "dates", justify="right"),
)


def document_record(row: DocumentRow) -> dict[str, Any]:
    return {
        "id": row.id, "date": row.date, "date_source": row.date_source, "title": row.title,
        "chars": row.chars, "path": row.path, "people": row.counts["PERSON"],
        "orgs": row.counts["ORG"], "places": row.counts["PLACE"], "dates": row.counts["DATE"],
        "url": row.url, "source": row.source, "language": row.language, "format": row.format,
        "duplicate_of": row.duplicate_of,
    }  # fmt: skip


# `krq export --documents`: the table form leaves the text out (the JSON forms carry it).
EXPORT_DOCUMENT_COLUMNS = (
    Column("Doc", "id"),
    Column("Date", "date"),
    Column("Source", "source"),
    Column("Format", "format"),
    Column("Chars", "chars", justify="right"),
    Column("Copy of", "duplicate_of"),
    Column("Title", "title", ratio=3),
)


def document_export_record(row: DocumentExport) -> dict[str, Any]:
    return {
        "id": row.id, "title": row.title, "date": row.date, "date_source": row.date_source,
        "url": row.url, "source": row.source, "language": row.language, "format": row.format,
        "path": row.path, "chars": row.chars, "duplicate_of": row.duplicate_of, "text": row.text,
    }  # fmt: skip


DUPLICATE_COLUMNS = (
    Column("First copy", "first"),
    Column("Source", "source"),
    Column("Title", "title", ratio=2),
    Column(
        "Copies",
        "copies",
        cell=lambda r: "\n".join(
            f"{c['id']} ({c['source']})" if c["source"] else c["id"] for c in r["copies"]
        ),
        ratio=2,
    ),
)


def duplicate_record(group: DuplicateGroup) -> dict[str, Any]:
    return {
        "first": group.first, "title": group.title, "source": group.source,
        "copies": [{"id": c, "source": s} for c, s in zip(group.copies, group.sources,
                                                          strict=True)],
    }  # fmt: skip


ALIAS_COLUMNS = (
    Column("Alias", "alias"),
    Column("Mentions", "mentions", justify="right"),
    Column("Docs", "docs"),
    Column("Why", "reasons", cell=lambda r: "\n".join(r["reasons"]), ratio=3),
)


def detail_record(detail: EntityDetail) -> dict[str, Any]:
    return {
        **entity_record(detail.entity),
        "kb": detail.kb,
        "description": detail.description,
        "documents": [{"doc": d, "mentions": n} for d, n in detail.documents],
        "aliases": [
            {"alias": a.alias, "mentions": a.mentions, "docs": a.docs, "reasons": a.reasons}
            for a in detail.aliases
        ],
    }


PARAGRAPH_COLUMNS = (
    Column("Doc", "doc"),
    Column("Index", "index", justify="right"),
    Column("Start", "start", justify="right"),
    Column("End", "end", justify="right"),
    Column(
        "Topics",
        "topics",
        cell=lambda r: ", ".join(f"{t['id']} ({t['score']:.2f})" for t in r["topics"]),
    ),
)


EVAL_COLUMNS = (
    Column("Measure", "measure"),
    Column("Precision", "precision", justify="right"),
    Column("Recall", "recall", justify="right"),
    Column("F1", "f1", justify="right"),
    Column("TP", "tp", justify="right"),
    Column("FP", "fp", justify="right"),
    Column("FN", "fn", justify="right"),
)

ERROR_COLUMNS = (
    Column("Kind", "kind"),
    Column("Doc", "doc"),
    Column("Start", "start", justify="right"),
    Column("End", "end", justify="right"),
    Column("Label", "label"),
    Column("Text", "text"),
    Column("Detail", "detail", ratio=2),
)


def error_record(error: EvalError) -> dict[str, Any]:
    return {"kind": error.kind, "doc": error.doc, "start": error.start, "end": error.end,
            "label": error.label, "text": error.text, "detail": error.detail}  # fmt: skip


def eval_rows(report: EntityReport | None, topics: TopicReport | None) -> list[dict[str, Any]]:
    """One row a measure: spans per label, micro, B-cubed per label, date values, topics
    (micro, macro, then each topic)."""

    def row(measure: str, p: float, r: float, f: float, *counts: int) -> dict[str, Any]:
        tp, fp, fn = (*counts, None, None, None)[:3]
        return {"measure": measure, "precision": round(p, 3), "recall": round(r, 3),
                "f1": round(f, 3), "tp": tp, "fp": fp, "fn": fn}  # fmt: skip

    rows: list[dict[str, Any]] = []
    if report:
        rows += [
            row(f"span {label}", s.precision, s.recall, s.f1, s.tp, s.fp, s.fn)
            for label, s in report.labels.items()
        ]
        m = report.micro
        rows.append(row("span micro", m.precision, m.recall, m.f1, m.tp, m.fp, m.fn))
        rows += [
            row(f"b-cubed {label}", b.precision, b.recall, b.f1)
            for label, b in report.bcubed.items()
        ]
        d = report.date_values
        rows.append(
            {"measure": "date values", "precision": None, "recall": None,
             "f1": round(d.accuracy, 3), "tp": d.correct, "fp": None, "fn": d.total - d.correct}
        )  # fmt: skip
    if topics:
        t = topics.micro
        rows.append(row("topics micro", t.precision, t.recall, t.f1, t.tp, t.fp, t.fn))
        rows.append(
            {"measure": "topics macro", "precision": None, "recall": None,
             "f1": round(topics.macro_f1, 3), "tp": None, "fp": None, "fn": None}
        )  # fmt: skip
        rows += [
            row(f"topic {topic}", s.precision, s.recall, s.f1, s.tp, s.fp, s.fn)
            for topic, s in topics.per_topic.items()
        ]
    return rows


TOPIC_COLUMNS = (
    Column("Topic", "id"),
    Column("Label", "label"),
    Column("Paragraphs", "paragraphs", justify="right"),
    Column("Docs", "docs", justify="right"),
    Column("Share", "share", justify="right"),
    Column("Lift", "lift", justify="right"),
    Column("Key phrases", "phrases", cell=lambda r: ", ".join(r["phrases"]), ratio=3),
)


def topic_record(row: TopicRow) -> dict[str, Any]:
    return {
        "id": row.id, "label": row.label, "paragraphs": row.paragraphs, "docs": row.docs,
        "share": row.share, "lift": row.lift, "phrases": row.phrases,
    }  # fmt: skip


def _evidence_cell(record: Mapping[str, Any]) -> Text:
    offset = record["start"]
    spans = [(t["start"] - offset, t["end"] - offset) for t in record["terms"]]
    cell = highlighted(record["text"], spans)
    if record["from_opening"]:
        # The topic came from the article's opening paragraph: say so, with its words.
        words = ", ".join(dict.fromkeys(t["term"] for t in record["terms"]))
        cell.append(f"\n(the article's subject, from its opening: {words})", style="dim")
    return cell


EVIDENCE_COLUMNS = (
    Column("Doc", "doc"),
    Column("Par", "index", justify="right"),
    Column("Start", "start", justify="right"),
    Column("End", "end", justify="right"),
    Column("Score", "score", justify="right"),
    Column("Paragraph", "text", cell=_evidence_cell, ratio=4),
)


def evidence_record(row: Evidence) -> dict[str, Any]:
    return {
        "doc": row.doc, "index": row.index, "start": row.start, "end": row.end,
        "score": row.score, "text": row.text,
        "terms": [{"term": t, "start": s, "end": e} for t, s, e in row.terms],
        # A paragraph with no topic word of its own takes the article's subject from the
        # opening paragraph (extract/topics.in_article); its terms are the opening's.
        "from_opening": bool(row.terms)
        and all(not row.start <= s < row.end for _, s, _ in row.terms),
    }  # fmt: skip


TIMELINE_COLUMNS = (
    Column("When", "value"),
    Column("Doc", "doc"),
    Column("Start", "start", justify="right"),
    Column("Sentence", "sentence", cell=_sentence_cell, ratio=4),
    Column("People", "people", cell=lambda r: "\n".join(r["people"])),
    Column("Organisations", "organisations", cell=lambda r: "\n".join(r["organisations"])),
)


def dated_record(row: DatedMention, for_table: bool = False) -> dict[str, Any]:
    record: dict[str, Any] = {
        "value": row.value, "doc": row.doc, "start": row.start, "end": row.end,
        "text": row.text, "sentence": row.sentence, "people": row.people,
        "organisations": row.organisations, "places": row.places,
    }  # fmt: skip
    if for_table:
        record["_sentence_start"] = row.sentence_start
    return record
