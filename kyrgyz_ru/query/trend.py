"""Trends: how often entities are mentioned, events happen or a topic's paragraphs appear, per
day, week, month or year, dated by what the text says or by the articles' dates.

A count is dated either by the text (`text`: the date written in the mention's sentence, the
event's stated date, the first date of the topic's paragraph; the article's date when the text
gives none, and the trend says how many that was) or by the article (`document`). A date
coarser than the period asked for (a year, for months) cannot be placed and is counted aside
rather than guessed into a period."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from kyrgyz_ru.errors import UsageError
from kyrgyz_ru.query.events import EventFilter, event_conditions
from kyrgyz_ru.query.selection import Scope
from kyrgyz_ru.store.migrations import ENTITY_KEY_SQL

PERIODS = ("day", "week", "month", "year")
DATE_OF = ("text", "document")
# Dates a query can place: a known year (XXXX-04-24 has none).
_KNOWN = "x.label = 'DATE' AND x.value IS NOT NULL AND x.value NOT LIKE 'X%'"


@dataclass(frozen=True)
class SeriesSpec:
    name: str  # what the chart's legend says
    entity: str | None = None  # entity id (mentions, or events it takes part in)
    topic: str | None = None


@dataclass(frozen=True)
class TrendFilter:
    what: str  # mentions, events or paragraphs
    series: tuple[SeriesSpec, ...]
    by: str = "month"
    date_of: str = "text"
    since: str | None = None
    until: str | None = None
    events: EventFilter = field(default_factory=EventFilter)  # the other filters of --events
    scope: Scope = field(default=Scope())


@dataclass(frozen=True)
class Series:
    name: str
    counts: tuple[int, ...]  # one per period of the trend
    total: int  # everything counted, placed or not
    unplaced: int  # dates too coarse (or unknown) for the period
    from_article: int  # dated by the article because the text gives no date


@dataclass(frozen=True)
class Trend:
    what: str
    by: str
    date_of: str
    subject: str  # who or what the counts are of: names, topics; empty for all events
    periods: tuple[str, ...]  # every period from the first to the last, empty ones included
    series: tuple[Series, ...]

    @property
    def empty(self) -> bool:
        return not any(sum(s.counts) for s in self.series)

    def title(self) -> str:
        """What was counted, per what, over which dates: for tables and charts alike."""
        counted = {"mentions": "Mentions", "events": "Events", "paragraphs": "Paragraphs"}
        of = {"mentions": " of ", "events": " involving ", "paragraphs": " on "}[self.what]
        of = of + self.subject if self.subject else ""
        span = f", {self.periods[0]} to {self.periods[-1]}" if self.periods else ""
        return f"{counted[self.what]}{of} per {self.by}{span}, {self.dated_by()}"

    def dated_by(self) -> str:
        if self.date_of == "document":
            return "by the articles' dates"
        fallback = sum(s.from_article for s in self.series)
        total = sum(s.total for s in self.series)
        extra = f" (the article's date for {fallback} of {total})" if fallback else ""
        return f"by the dates the text refers to{extra}"


def check_choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    found = value.casefold()
    if found not in allowed:
        raise UsageError(f"unknown {option} '{value[:40]}'; choose from {', '.join(allowed)}")
    return found


def period(value: str | None, by: str) -> str | None:
    """The period an ISO date value falls in, or None when it is too coarse to say."""
    if not value or value.startswith("X"):
        return None
    value = value.split("/", 1)[0]  # a range counts at its start
    if by == "year":
        return value[:4]
    if by == "month":
        return value[:7] if len(value) >= 7 else None
    if len(value) < 10:
        return None
    if by == "day":
        return value[:10]
    year, week, _ = dt.date.fromisoformat(value[:10]).isocalendar()
    return f"{year}-W{week:02d}"


def period_start(name: str, by: str) -> dt.date:
    """The first day of a period, for a time axis."""
    if by == "year":
        return dt.date(int(name), 1, 1)
    if by == "month":
        return dt.date(int(name[:4]), int(name[5:7]), 1)
    if by == "week":
        return dt.date.fromisocalendar(int(name[:4]), int(name[6:]), 1)
    return dt.date.fromisoformat(name)


def _next(name: str, by: str) -> str:
    start = period_start(name, by)
    if by == "year":
        return str(start.year + 1)
    if by == "month":
        return f"{start.year + start.month // 12}-{start.month % 12 + 1:02d}"
    following = start + dt.timedelta(days=7 if by == "week" else 1)
    found = period(following.isoformat(), by)
    assert found is not None  # a full day always has a period
    return found


def _dates(
    db: sqlite3.Connection, wanted: TrendFilter, spec: SeriesSpec
) -> list[tuple[str | None, str | None, int]]:
    """(date the text gives, article's date, how many) for one series."""
    if wanted.what == "mentions":
        scoped, args = wanted.scope.condition("m.doc")
        # The date nearest the mention in its sentence ("met in May and will meet in June"):
        # SQLite gives a bare column of the row where min() is found.
        return db.execute(
            "SELECT said, day, count(*) FROM (SELECT x.value AS said,"
            " min(abs(x.start - m.start)), d.date AS day FROM mentions m"
            " JOIN documents d ON d.key = m.doc LEFT JOIN mentions x ON x.doc = m.doc"
            f" AND {_KNOWN} AND x.start >= m.sent_start AND x.end <= m.sent_end"
            f" WHERE m.entity = {ENTITY_KEY_SQL} AND {scoped} GROUP BY m.id) GROUP BY said, day",
            [spec.entity, *args],
        ).fetchall()
    if wanted.what == "paragraphs":
        scoped, args = wanted.scope.condition("t.doc")
        return db.execute(
            "SELECT said, day, count(*) FROM (SELECT (SELECT x.value FROM mentions x"
            f" WHERE x.doc = t.doc AND x.paragraph = t.paragraph AND {_KNOWN}"
            " ORDER BY x.start LIMIT 1) AS said, d.date AS day FROM topics t"
            f" JOIN documents d ON d.key = t.doc WHERE t.topic = ? AND {scoped})"
            " GROUP BY said, day",
            [spec.topic, *args],
        ).fetchall()
    chosen = wanted.events
    if spec.entity is not None:
        chosen = EventFilter(
            types=chosen.types,
            modes=chosen.modes,
            involved=(spec.entity,),
            doc=chosen.doc,
            topic=chosen.topic,
            scope=chosen.scope,
        )
    where, args = event_conditions(chosen)
    return db.execute(
        "SELECT CASE WHEN e.date NOT LIKE 'X%' THEN e.date END AS said, e.document_date,"
        f" count(*) FROM events e WHERE {where} GROUP BY said, e.document_date",
        args,
    ).fetchall()


def _within(value: str, since: str | None, until: str | None) -> bool:
    value = value.split("/", 1)[0]
    return (since is None or value >= since) and (until is None or value <= until + "\uffff")


def trend(db: sqlite3.Connection, wanted: TrendFilter) -> Trend:
    """Counts per period of each series, every period from the first to the last."""
    counted: list[tuple[SeriesSpec, Counter[str], int, int, int]] = []
    for spec in wanted.series:
        per: Counter[str] = Counter()
        total = unplaced = from_article = 0
        for said, article, count in _dates(db, wanted, spec):
            value = said if wanted.date_of == "text" and said else article
            if value is None or not _within(value, wanted.since, wanted.until):
                if value is None:
                    total += count
                    unplaced += count
                continue
            total += count
            if wanted.date_of == "text" and not said:
                from_article += count
            placed = period(value, wanted.by)
            if placed is None:
                unplaced += count
            else:
                per[placed] += count
        counted.append((spec, per, total, unplaced, from_article))
    seen = sorted({p for _, per, *_ in counted for p in per})
    periods: list[str] = []
    if seen:
        periods.append(seen[0])
        while periods[-1] != seen[-1]:
            periods.append(_next(periods[-1], wanted.by))
    series = tuple(
        Series(spec.name, tuple(per[p] for p in periods), total, unplaced, from_article)
        for spec, per, total, unplaced, from_article in counted
    )
    subject = ", ".join(s.name for s in wanted.series if s.entity or s.topic)
    return Trend(wanted.what, wanted.by, wanted.date_of, subject, tuple(periods), series)


def check_topic(labels: dict[str, str], name: str) -> str:
    """The topic id a user means, in any case, or a not-found error listing the topics."""
    from kyrgyz_ru.errors import NotFoundError

    found = next((t for t in labels if t.casefold() == name.casefold()), None)
    if found is None:
        raise NotFoundError(f"no topic '{name[:40]}'; topics: {', '.join(labels)}")
    return found
