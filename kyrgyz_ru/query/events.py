"""Events as the index holds them: filtered, ordered by date, each with its actors resolved to
the same entities `krq entities` lists, its place, its paragraph's topics and its sentence.

Actors and places are stored as offsets of mentions, so they follow every relink: an actor is
the entity of the mention at those offsets, or its surface words when no mention is there."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from kyrgyz_ru.errors import UsageError
from kyrgyz_ru.query.selection import Scope
from kyrgyz_ru.query.texts import DocumentTexts
from kyrgyz_ru.store.migrations import NAMED, ROLE_CODES

# PLOVER's categories and the modes the specification gives them (../shared/spec/events.md).
EVENT_TYPES = (
    "CONSULT", "AGREE", "SUPPORT", "COOPERATE", "AID", "DISAPPROVE", "REJECT", "DEMAND",
    "THREATEN", "SANCTION", "MOBILIZE", "ASSAULT", "PROTEST",
)  # fmt: skip
MODES = ("visit", "meet", "call", "summit", "sign", "agree")
_WHEN = "coalesce(e.date, e.document_date)"
_ROLES = {code: role for role, code in ROLE_CODES.items()}  # as stored -> the role


@dataclass(frozen=True)
class Actor:
    name: str  # the entity's canonical name, or the words of the sentence when unresolved
    entity: str | None  # entity id; None: the reference could not be resolved
    label: str | None
    text: str  # the words in the sentence
    role: str  # source, recipient or participant
    reason: str  # how the words were resolved to the entity


@dataclass
class EventRow:
    id: int
    doc: str  # the document's text id (filled in by _complete)
    start: int
    end: int
    event_type: str
    mode: str | None
    trigger_start: int
    trigger_end: int
    rule: str
    date: str | None
    date_source: str | None
    document_date: str | None
    sentence: str
    key: int  # the document's key in the index (`doc` is its text id)
    place: str | None = None
    place_entity: str | None = None
    actors: list[Actor] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)

    @property
    def trigger(self) -> str:
        return self.sentence[self.trigger_start - self.start : self.trigger_end - self.start]

    def names(self, role: str | None = None) -> list[str]:
        """Distinct actor names, in the order the sentence gives them (one role or all)."""
        return list(dict.fromkeys(a.name for a in self.actors if role in (None, a.role)))


@dataclass(frozen=True)
class EventFilter:
    types: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()  # entity ids that must all be actors
    involved: tuple[str, ...] = ()  # entity ids that must all be actors or the place
    doc: str | None = None
    topic: str | None = None
    since: str | None = None  # on the event's date (the article's when none is stated)
    until: str | None = None
    oldest_first: bool = False
    scope: Scope = field(default=Scope())


def check_choices(values: Sequence[str], allowed: Sequence[str], option: str) -> tuple[str, ...]:
    """Values of --type/--mode in any case, or a usage error listing the allowed ones."""
    chosen = []
    for value in values:
        match = next((a for a in allowed if a.casefold() == value.casefold()), None)
        if match is None:
            raise UsageError(f"unknown {option} '{value[:40]}'; choose from {', '.join(allowed)}")
        chosen.append(match)
    return tuple(chosen)


# Entity -> its names -> the actors and places named so: index lookups from the entity's side,
# computed once per query rather than once per event.
_ACTOR_IS = (
    "e.id IN (SELECT a.event FROM names n JOIN event_actors a ON a.label = n.label"
    " AND a.name = n.name WHERE n.entity = ?)"
)
_PLACE_IS = (
    "e.id IN (SELECT p.id FROM names n JOIN events p ON p.place_label = n.label"
    " AND p.place_name = n.name WHERE n.entity = ?)"
)


# The same tests row by row: for an entity in a large share of the events, reading events
# newest first and testing each stops after a page of rows, where listing its events first
# would gather hundreds of thousands of ids only to sort them.
_ACTOR_HERE = (
    "EXISTS (SELECT 1 FROM event_actors a JOIN names n ON n.label = a.label"
    " AND n.name = a.name WHERE a.event = e.id AND n.entity = ?)"
)
_PLACE_HERE = (
    "EXISTS (SELECT 1 FROM names n WHERE n.label = e.place_label AND n.name = e.place_name"
    " AND n.entity = ?)"
)
FREQUENT_SHARE = 50  # an entity in one event of this many or more counts as frequent

# The test of an entity's events gathered once, as a list held in memory, for a page read in
# date order: "+" keeps SQLite from reading the events through that list (and sorting them).
# Two frequent entities together may take part in few events: testing the rarer one's list
# (an in-memory lookup) before the others' row-by-row EXISTS, the bench's Japarov-and-Putin
# page went from 0.54 s to 0.09 s; a row-by-row test of both read 460,000 events' actors.
_ACTOR_GATHERED = (
    "+e.id IN (SELECT a.event FROM names n JOIN event_actors a ON a.label = n.label"
    " AND a.name = n.name WHERE n.entity = ?)"
)
_PLACE_GATHERED = (
    "+e.id IN (SELECT p.id FROM names n JOIN events p ON p.place_label = n.label"
    " AND p.place_name = n.name WHERE n.entity = ?)"
)


def frequent_entities(db: sqlite3.Connection, ids: Sequence[str]) -> frozenset[str]:
    """Which of the entities take part in many events (counted up to a cap, so cheaply)."""
    if not ids:
        return frozenset()
    total = db.execute("SELECT max(id) FROM events").fetchone()[0] or 0
    cap = max(total // FREQUENT_SHARE, 1000)
    found = set()
    for entity in ids:
        count = db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM names n JOIN event_actors a"
            " ON a.label = n.label AND a.name = n.name WHERE n.entity = ? LIMIT ?)",
            (entity, cap),
        ).fetchone()[0]
        if count >= cap:
            found.add(entity)
    return frozenset(found)


def rarest_entity(db: sqlite3.Connection, ids: Sequence[str]) -> str:
    """Of frequent entities, the one taking part in fewest events (their actors counted
    through the index by name: a few hundredths of a second for 400,000)."""
    counts = {
        entity: db.execute(
            "SELECT count(*) FROM names n JOIN event_actors a ON a.label = n.label"
            " AND a.name = n.name WHERE n.entity = ?",
            (entity,),
        ).fetchone()[0]
        for entity in ids
    }
    return min(sorted(counts), key=counts.__getitem__)


def event_conditions(
    chosen: EventFilter, frequent: frozenset[str] = frozenset(), gathered: str | None = None
) -> tuple[str, list[object]]:
    """SQL over events `e` for the filter; entities in `frequent` are tested row by row, but
    `gathered` (one of them) through its list of events, first of all tests."""
    parts = ["1"]
    args: list[object] = []
    if gathered is not None:
        if gathered in chosen.actors:
            parts.append(_ACTOR_GATHERED)
            args.append(gathered)
        else:
            parts.append(f"({_ACTOR_GATHERED} OR {_PLACE_GATHERED})")
            args += [gathered, gathered]
    if chosen.types:
        parts.append(f"e.event_type IN ({','.join('?' * len(chosen.types))})")
        args += chosen.types
    if chosen.modes:
        parts.append(f"e.mode IN ({','.join('?' * len(chosen.modes))})")
        args += chosen.modes
    for entity in chosen.actors:
        if entity == gathered:
            continue
        parts.append(_ACTOR_HERE if entity in frequent else _ACTOR_IS)
        args.append(entity)
    for entity in chosen.involved:
        if entity == gathered and gathered not in chosen.actors:
            continue
        if entity in frequent:
            parts.append(f"({_ACTOR_HERE} OR {_PLACE_HERE})")
        else:
            parts.append(f"({_ACTOR_IS} OR {_PLACE_IS})")
        args += [entity, entity]
    if chosen.doc is not None:
        parts.append("e.doc = (SELECT key FROM documents WHERE id = ?)")
        args.append(chosen.doc)
    scoped, scope_args = chosen.scope.around(chosen.doc).condition("e.doc")
    parts.append(scoped)
    args += scope_args
    if chosen.topic is not None:
        parts.append(
            "EXISTS (SELECT 1 FROM topics t WHERE t.doc = e.doc AND t.paragraph = e.paragraph"
            " AND t.topic = ?)"
        )
        args.append(chosen.topic)
    # A date whose year is unknown (XXXX-04-24) is outside every range.
    if chosen.since is not None:
        parts.append(f"{_WHEN} >= ? AND {_WHEN} NOT LIKE 'X%'")
        args.append(chosen.since)
    if chosen.until is not None:
        parts.append(f"{_WHEN} <= ? AND {_WHEN} NOT LIKE 'X%'")
        args.append(chosen.until + "\uffff")
    return " AND ".join(parts), args


_COLUMNS = (
    "e.id, '', e.start, e.end, e.event_type, e.mode, e.trigger_start, e.trigger_end, e.rule,"
    " e.date, e.date_source, e.document_date, '', e.doc"
)


def events(
    db: sqlite3.Connection,
    chosen: EventFilter,
    limit: int | None = None,
    frequent: frozenset[str] | None = None,
) -> list[EventRow]:
    """The events the filter selects: newest first (or oldest first), undated ones last."""
    if limit is None or chosen.oldest_first:
        frequent = frozenset()  # row by row pays only for a page in date order: _ACTOR_HERE
    elif frequent is None:
        frequent = frequent_entities(db, (*chosen.actors, *chosen.involved))
    # Two or more frequent entities: the rarest one's events are gathered (_ACTOR_GATHERED).
    named = [e for e in dict.fromkeys((*chosen.actors, *chosen.involved)) if e in frequent]
    gathered = rarest_entity(db, named) if len(named) > 1 else None
    where, args = event_conditions(chosen, frequent, gathered)
    # Newest first reads the date index backwards (undated events sort last there); oldest
    # first puts undated events last too, at the price of a sort.
    order = f"{_WHEN} IS NULL, {_WHEN}, e.id" if chosen.oldest_first else f"{_WHEN} DESC, e.id DESC"
    sql = f"SELECT {_COLUMNS} FROM events e WHERE {where} ORDER BY {order}"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    rows = [EventRow(*r) for r in db.execute(sql, args).fetchall()]
    _complete(db, rows, DocumentTexts(db))
    return rows


COUNT_CAP = 10_000  # past this many, "more than": an exact count would cost a full pass


def count_events(
    db: sqlite3.Connection, chosen: EventFilter, frequent: frozenset[str] | None = None
) -> int | None:
    """How many events the filter selects, counted up to COUNT_CAP + 1; None when an entity
    of the filter is frequent (`frequent_entities`, found again when not given), whose events
    cannot be counted in the time of a query."""
    if frequent is None:
        frequent = frequent_entities(db, (*chosen.actors, *chosen.involved))
    if frequent:
        return None
    where, args = event_conditions(chosen)
    sql = f"SELECT count(*) FROM (SELECT 1 FROM events e WHERE {where} LIMIT ?)"
    return int(db.execute(sql, [*args, COUNT_CAP + 1]).fetchone()[0])


def all_events(db: sqlite3.Connection, batch: int = 500) -> Iterator[EventRow]:
    """Every event in document order, streamed a batch at a time."""
    cursor = db.execute(f"SELECT {_COLUMNS} FROM events e ORDER BY e.doc, e.start, e.id")
    texts = DocumentTexts(db, keep=1)  # document by document: one text at a time
    while True:
        rows = [EventRow(*r) for r in cursor.fetchmany(batch)]
        if not rows:
            return
        _complete(db, rows, texts)
        yield from rows


def _complete(db: sqlite3.Connection, rows: list[EventRow], texts: DocumentTexts) -> None:
    """Fill in sentences, actors, place and topics of the rows (one query each for all)."""
    if not rows:
        return
    for row in rows:
        # The text id is looked up for the rows shown only: in the SELECT, a sorted listing
        # would look it up for every candidate row before its LIMIT.
        row.doc = texts.id(row.key)
        row.sentence = texts.cut(row.key, row.start, row.end)
    by_id = {r.id: r for r in rows}
    marks = ",".join("?" * len(by_id))
    seen: dict[int, set[str]] = {r.id: set() for r in rows}
    for event, text, role, reason, entity, name, label in db.execute(
        f"SELECT a.event, a.text, a.role, coalesce(a.reason, '{NAMED}'), n.entity, x.name, x.label"
        " FROM event_actors a LEFT JOIN names n ON n.label = a.label AND n.name = a.name"
        f" LEFT JOIN entities x ON x.id = n.entity WHERE a.event IN ({marks})"
        " ORDER BY a.event, a.seq",
        list(by_id),
    ):
        # Two references to one entity ("Lavrov ... he") are one actor.
        key = entity or f"?{text.casefold()}"
        if key in seen[event]:
            continue
        seen[event].add(key)
        resolved = entity is not None and name is not None
        by_id[event].actors.append(
            Actor(name if resolved else text, entity if resolved else None,
                  label if resolved else None, text, _ROLES.get(role, role),
                  reason if resolved else "unresolved")
        )  # fmt: skip
    for event, entity, name in db.execute(
        "SELECT e.id, n.entity, x.name FROM events e JOIN names n ON n.label = e.place_label"
        " AND n.name = e.place_name JOIN entities x ON x.id = n.entity"
        f" WHERE e.id IN ({marks})",
        list(by_id),
    ):
        by_id[event].place, by_id[event].place_entity = name, entity
    for event, topic in db.execute(
        "SELECT e.id, t.topic FROM events e JOIN topics t ON t.doc = e.doc"
        f" AND t.paragraph = e.paragraph WHERE e.id IN ({marks}) ORDER BY e.id, t.score DESC",
        list(by_id),
    ):
        by_id[event].topics.append(topic)


@dataclass(frozen=True)
class Counterpart:
    id: str
    name: str
    label: str
    events: int
    types: tuple[str, ...]
    first: str | None
    last: str | None


def counterparts(db: sqlite3.Connection, entity: str, limit: int = 20) -> list[Counterpart]:
    """Who takes part in events with `entity`, by number of shared events (a story once):
    the figures kept at ingest (store.migrations.PAIRS_SQL)."""
    rows = db.execute(
        "SELECT n.id, n.name, n.label, p.events, p.types, p.first, p.last"
        " FROM entity_pairs p JOIN entities n ON n.id = p.other WHERE p.entity = ?"
        " ORDER BY p.events DESC, n.name LIMIT ?",
        (entity, limit),
    ).fetchall()
    return [
        Counterpart(i, name, label, count, tuple(sorted(types.split(","))), first, last)
        for i, name, label, count, types, first, last in rows
    ]
