"""How events look: their JSON record (stable field names) and their table columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.text import Text

from kyrgyz_ru.output.formats import Column, highlighted

if TYPE_CHECKING:
    from kyrgyz_ru.evaluate.events import EventError, EventReport
    from kyrgyz_ru.query.events import Counterpart, EventRow


def event_record(row: EventRow) -> dict[str, Any]:
    return {
        "doc": row.doc, "start": row.start, "end": row.end, "event_type": row.event_type,
        "mode": row.mode, "actors": row.names(), "source": row.names("source"),
        "recipient": row.names("recipient"), "date": row.date, "date_source": row.date_source,
        "document_date": row.document_date, "place": row.place, "topics": row.topics,
        "trigger": {"start": row.trigger_start, "end": row.trigger_end, "text": row.trigger},
        "rule": row.rule, "sentence": row.sentence,
        "participants": [
            {"name": a.name, "entity": a.entity, "label": a.label, "text": a.text,
             "role": a.role, "reason": a.reason}
            for a in row.actors
        ],
    }  # fmt: skip


def _when(record: Mapping[str, Any]) -> str:
    if record["date"]:
        return str(record["date"])
    if record["document_date"]:
        return f"{record['document_date']} (article)"
    return ""


def _what(record: Mapping[str, Any]) -> str:
    return "/".join(p for p in (record["event_type"], record["mode"]) if p)


def _actors(record: Mapping[str, Any]) -> str:
    return "\n".join(
        a["name"] + (" ?" if a["entity"] is None else "") for a in record["participants"]
    )


def _sentence(record: Mapping[str, Any]) -> Text:
    trigger = record["trigger"]
    offset = record["start"]
    return highlighted(record["sentence"], [(trigger["start"] - offset, trigger["end"] - offset)])


def _why(record: Mapping[str, Any]) -> str:
    lines = [f"trigger '{record['trigger']['text']}': rule {record['rule']}"]
    lines += [
        f"{a['name']}: {a['reason']}" + (f" ('{a['text']}')" if a["text"] != a["name"] else "")
        for a in record["participants"]
    ]
    if record["date_source"] == "document":
        lines.append("date: the article's (none stated for this event)")
    return "\n".join(lines)


EVENT_COLUMNS = (
    Column("When", "date", cell=_when),
    Column("Event", "event_type", cell=_what),
    Column("Actors", "actors", cell=_actors),
    Column("Place", "place"),
    Column("Doc", "doc"),
    Column("Sentence", "sentence", cell=_sentence, ratio=4),
)
EXPLAINED_COLUMNS = (*EVENT_COLUMNS, Column("Why", "rule", cell=_why, ratio=2))


def counterpart_record(row: Counterpart) -> dict[str, Any]:
    return {
        "id": row.id, "name": row.name, "label": row.label, "events": row.events,
        "types": list(row.types), "first": row.first, "last": row.last,
    }  # fmt: skip


COUNTERPART_COLUMNS = (
    Column("Counterpart", "name"),
    Column("Type", "label"),
    Column("Events", "events", justify="right"),
    Column("Kinds", "types"),
    Column("First", "first"),
    Column("Last", "last"),
)


def event_eval_rows(report: EventReport) -> list[dict[str, Any]]:
    """Rows in the columns of entity scores: events per category and micro, then actor F1 and
    date, place and mode accuracy on matched events."""
    rows = [
        {"measure": f"events {name}", "precision": round(s.precision, 3),
         "recall": round(s.recall, 3), "f1": round(s.f1, 3), "tp": s.tp, "fp": s.fp, "fn": s.fn}
        for name, s in (*report.per_type.items(), ("micro", report.micro))
    ]  # fmt: skip
    a = report.actors
    rows.append(
        {"measure": "event actors", "precision": round(a.precision, 3),
         "recall": round(a.recall, 3), "f1": round(a.f1, 3), "tp": a.tp, "fp": a.fp, "fn": a.fn}
    )  # fmt: skip
    for name, acc in (("date", report.date), ("place", report.place), ("mode", report.mode)):
        rows.append(
            {"measure": f"event {name}", "precision": None, "recall": None,
             "f1": round(acc.accuracy, 3), "tp": acc.correct, "fp": None,
             "fn": acc.total - acc.correct}
        )  # fmt: skip
    return rows


def event_error_record(error: EventError) -> dict[str, Any]:
    return {"kind": error.kind, "doc": error.doc, "start": error.start, "end": error.end,
            "label": error.event_type, "text": "", "detail": error.detail}  # fmt: skip
