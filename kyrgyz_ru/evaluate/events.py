"""Score events against hand-made gold, as ../shared/spec/events.md says.

A predicted event matches a gold one of the same document and category whose sentence it
overlaps; each gold event matches at most one prediction. On matched events: actor F1 (names
compared as entities, so spelling variants agree), date and place accuracy over gold events
that have them, and mode accuracy for CONSULT and AGREE."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kyrgyz_ru.errors import DataFileError
from kyrgyz_ru.evaluate.scoring import PRF, gold_field, gold_offsets, gold_records, ratio
from kyrgyz_ru.normalise import alias_key

MODED = ("CONSULT", "AGREE")  # the categories whose mode is scored


@dataclass(frozen=True)
class GoldEvent:
    doc: str
    start: int
    end: int
    event_type: str
    mode: str | None
    actors: tuple[str, ...]
    date: str | None
    place: str | None


@dataclass(frozen=True)
class PredictedEvent:
    """What scoring needs of a predicted event; actors and place as entity keys."""

    doc: str
    start: int
    end: int
    event_type: str
    mode: str | None
    actors: frozenset[str]
    date: str | None
    place: str | None
    names: tuple[str, ...] = ()  # shown in error listings


@dataclass(frozen=True)
class Accuracy:
    correct: int
    total: int
    accuracy: float


@dataclass(frozen=True)
class EventError:
    kind: str  # missed, spurious, actors, date, place, mode
    doc: str
    start: int
    end: int
    event_type: str
    detail: str


@dataclass
class EventReport:
    per_type: dict[str, PRF]
    micro: PRF
    actors: PRF
    date: Accuracy
    place: Accuracy
    mode: Accuracy
    errors: list[EventError] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _optional(item: Mapping[str, object], key: str, at: str) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise DataFileError(f"{at}: '{key}' must be a string or null")
    return value


def read_event_gold(path: Path) -> dict[str, list[GoldEvent]]:
    gold: dict[str, list[GoldEvent]] = {}
    for doc, items in gold_records(path, "events"):
        events = []
        for at, item in items:
            start, end = gold_offsets(item, at)
            actors = gold_field(item, "actors", list, at)
            if not all(isinstance(a, str) and a for a in actors):
                raise DataFileError(f"{at}: 'actors' must be a list of names")
            events.append(
                GoldEvent(
                    doc, start, end, gold_field(item, "event_type", str, at),
                    _optional(item, "mode", at), tuple(actors), _optional(item, "date", at),
                    _optional(item, "place", at),
                )
            )  # fmt: skip
        gold[doc] = events
    return gold


def _error(kind: str, event: GoldEvent | PredictedEvent, detail: str) -> EventError:
    return EventError(kind, event.doc, event.start, event.end, event.event_type, detail)


def _summary(mode: str | None, names: Iterable[str]) -> str:
    return f"{mode or ''} {', '.join(names)}".strip()


def _accuracy(correct: int, total: int) -> Accuracy:
    return Accuracy(correct, total, ratio(correct, total))


def score_events(
    predicted: Iterable[PredictedEvent],
    gold: Mapping[str, list[GoldEvent]],
    entity_of: Callable[[str], str],
) -> EventReport:
    """Score `predicted` against `gold` (only gold documents count); `entity_of` gives the
    entity key of a gold name, comparable with the predicted actors and places."""
    by_doc: dict[str, list[PredictedEvent]] = defaultdict(list)
    for p in predicted:
        if p.doc in gold:
            by_doc[p.doc].append(p)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn per type
    actor_counts = [0, 0, 0]
    date, place, mode = [0, 0], [0, 0], [0, 0]
    errors: list[EventError] = []
    for doc, golds in gold.items():
        free = list(by_doc.get(doc, []))
        for g in golds:
            match = next(
                (p for p in free
                 if p.event_type == g.event_type and p.start < g.end and g.start < p.end),
                None,
            )  # fmt: skip
            if match is None:
                counts[g.event_type][2] += 1
                errors.append(_error("missed", g, _summary(g.mode, g.actors)))
                continue
            free.remove(match)
            counts[g.event_type][0] += 1
            wanted = {entity_of(a) for a in g.actors}
            hit = len(wanted & match.actors)
            actor_counts[0] += hit
            actor_counts[1] += len(match.actors) - hit
            actor_counts[2] += len(wanted) - hit
            if wanted != match.actors:
                detail = f"gold {list(g.actors)}, got {list(match.names)}"
                errors.append(_error("actors", g, detail))
            for kind, tally, want, got in (
                ("date", date, g.date, match.date),
                ("place", place, g.place and entity_of(g.place), match.place),
            ):
                if want is None:
                    continue
                tally[1] += 1
                if want == got:
                    tally[0] += 1
                else:
                    shown = g.date if kind == "date" else g.place
                    errors.append(_error(kind, g, f"gold {shown}, got {got}"))
            if g.event_type in MODED:
                mode[1] += 1
                if g.mode == match.mode:
                    mode[0] += 1
                else:
                    errors.append(_error("mode", g, f"gold {g.mode}, got {match.mode}"))
        for p in free:
            counts[p.event_type][1] += 1
            errors.append(_error("spurious", p, _summary(p.mode, p.names)))
    per_type = {t: PRF.of(*c) for t, c in sorted(counts.items())}
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    return EventReport(
        per_type, PRF.of(*total), PRF.of(*actor_counts), _accuracy(*date), _accuracy(*place),
        _accuracy(*mode), sorted(errors, key=lambda e: (e.doc, e.start, e.kind)),
    )  # fmt: skip


def entity_keys(db: sqlite3.Connection) -> Callable[[str], str]:
    """Gold names to entity ids through every name and alias in the index; a name the index
    does not know stays itself (it can then match only an unresolved actor's words)."""
    known: dict[str, str] = {}
    for entity, name in db.execute(
        "SELECT id, name FROM entities WHERE label != 'DATE' UNION ALL"
        " SELECT entity, alias FROM aliases ORDER BY 1"
    ):
        known.setdefault(alias_key(name), entity)
    return lambda name: known.get(alias_key(name), f"?{alias_key(name)}")


def predicted_events(
    db: sqlite3.Connection, entity_of: Callable[[str], str]
) -> Iterator[PredictedEvent]:
    """The index's events as scoring sees them: actors and place as entity keys."""
    from kyrgyz_ru.query.events import all_events

    for row in all_events(db):
        yield PredictedEvent(
            row.doc, row.start, row.end, row.event_type, row.mode,
            frozenset(a.entity or entity_of(a.text) for a in row.actors), row.date,
            row.place_entity, tuple(row.names()),
        )  # fmt: skip


def score_index(db: sqlite3.Connection, gold: Mapping[str, list[GoldEvent]]) -> EventReport:
    """Score the events of an index, as `krq eval --events-gold` does."""
    entity_of = entity_keys(db)
    return score_events(predicted_events(db, entity_of), gold, entity_of)
