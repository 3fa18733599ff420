"""Date expressions in English news text: recognise them, find the ones NER cuts, give ISO values.

Values are ISO 8601 at the precision the text states: a day ``2020-10-23``, a month ``2020-10``,
a year ``2020``, a century ``20``, an ISO week ``2021-W07`` and intervals ``start/end`` whose ends
share one precision. Where ISO 8601-1 has no form, krq uses the TIMEX3/EDTF conventions news
annotation already knows: ``XXXX-04-24`` (the year cannot be known), ``2021-SU`` (a season:
SP, SU, FA, WI), ``2021-Q1`` and ``2021-H2`` (quarters and halves) and ``199X`` (a decade).

Relative expressions resolve against the article's date, the *anchor*, an ISO value of any
precision ("2021-02-24", "2021-02", "2021"); an expression finer than its anchor ("yesterday"
against "2021-02") gives None rather than a guess. Nothing here reads the clock.

A hand-written grammar is used rather than dateparser: measured on the gold (see
benchmarks/date_methods.py and the README) dateparser cannot state precision, ranges or an
unknown year, and it resolves a yearless month-day against the clock's idea of "past".
Only the standard library is imported, and extract/language.py (standard library and krq's
small record and lexicon modules), so queries that import this module stay fast.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from kyrgyz_ru.extract.language import scripts

__all__ = ["find_date_expressions", "infer_document_date", "is_date_expression", "normalise"]

# Language, not data: English month and weekday names with their usual abbreviations.
_MONTHS: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAYS: dict[str, int] = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3,
    "fri": 4, "sat": 5, "sun": 6,
}  # fmt: skip
_FULL_WEEKDAYS = [w for w in _WEEKDAYS if len(w) > 5]
_SEASONS: dict[str, str] = {
    "spring": "SP", "summer": "SU", "autumn": "FA", "fall": "FA", "winter": "WI",
}  # fmt: skip
# First and last month of each season; winter starts in December of its year.
_SEASON_MONTHS: dict[str, tuple[int, int]] = {"SP": (3, 5), "SU": (6, 8), "FA": (9, 11)}
_NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_ORDINALS: dict[str, int] = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
}  # fmt: skip
_RELATIVE: dict[str, int] = {"last": -1, "this": 0, "current": 0, "next": 1}

# Years krq reads from text; a wider range lets quantities ("5000") pass as years.
_MIN_YEAR, _MAX_YEAR = 1000, 2999


def _alt(words: Iterable[str]) -> str:
    # Longest first, so "sept" wins over "sep" and "thursday" over "thu".
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_MONTH = rf"(?P<m>{_alt(_MONTHS)})"
_WEEKDAY = rf"(?P<wd>{_alt(_WEEKDAYS)})"
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>\d{4})"
_YEAR_SLOT = rf"(?:{_YEAR}|(?:of )?(?P<ry>last|this|next|current) year)"


# --- the anchor ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Anchor:
    year: int
    month: int | None = None
    day: int | None = None

    @property
    def date(self) -> dt.date | None:
        if self.month is None or self.day is None:
            return None
        return dt.date(self.year, self.month, self.day)


_ANCHOR = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)


def _parse_anchor(anchor: object) -> _Anchor | None:
    if not isinstance(anchor, str):
        return None
    m = _ANCHOR.fullmatch(anchor.strip())
    if m is None:
        return None
    year, month, day = (int(g) if g else None for g in m.groups())
    assert year is not None
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        return None
    return _Anchor(year, month, day)


# --- formatting ---------------------------------------------------------------------------


def _fmt(year: int | None, month: int | None = None, day: int | None = None) -> str:
    """ISO value at the precision given; a None year is the unknown year XXXX."""
    if year is None:
        text = "XXXX"
    elif 1 <= year <= 9999:
        text = f"{year:04d}"
    else:
        raise ValueError(f"year out of range: {year}")
    if month is not None:
        text += f"-{month:02d}"
        if day is not None:
            dt.date(year or 2000, month, day)  # validates; 2000 admits 29 February
            text += f"-{day:02d}"
    return text


def _fmt_date(day: dt.date) -> str:
    return _fmt(day.year, day.month, day.day)


def _fmt_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{_fmt(year)}-W{week:02d}"


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


# --- cleaning -----------------------------------------------------------------------------

_DASHES = re.compile(r"[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]")
_LEADING = re.compile(
    r"(?:the|on|in|since|by|from|at|during|until|till|through|as of|of|for|before|after"
    r"|around|about|circa) "
)
_ABBREV_DOT = re.compile(rf"\b({_alt(k for k in (*_MONTHS, *_WEEKDAYS) if len(k) <= 5)})\.")
_EDGE_PUNCT = "\"'`.,;:!?()[]{}<>«»“”„/|*"


def _clean(text: str) -> str:
    """Lower-case, single-spaced text with the surrounding words and punctuation dropped."""
    s = unicodedata.normalize("NFKC", text)
    s = _DASHES.sub("-", s).replace("\u2019", "'").replace("\u2018", "'").casefold()
    s = _ABBREV_DOT.sub(r"\1", s)
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r" ?, ?", ", ", s)
    return _trim(s)


def _trim(s: str) -> str:
    while True:
        # A possessive ("last year's") is not part of the date; "1990's" is a decade.
        trimmed = re.sub(r"(?<![0-9]0)'s?\Z", "", s).strip(" " + _EDGE_PUNCT)
        m = _LEADING.match(trimmed)
        if m:
            trimmed = trimmed[m.end() :]
        if trimmed == s:
            return s
        s = trimmed


# --- single dates and ranges: the "part" grammar -------------------------------------------


@dataclass(frozen=True)
class _Part:
    """One side of a date: what the text states, before the anchor fills the gaps."""

    year: int | None = None
    rel_year: int | None = None  # offset from the anchor's year ("last year" is -1)
    month: int | None = None
    day: int | None = None
    weekday: int | None = None


_PART_PATTERNS = [
    re.compile(rf"(?:{_WEEKDAY},? )?{_MONTH} {_DAY}(?:,? {_YEAR_SLOT})?"),
    re.compile(rf"(?:{_WEEKDAY},? )?(?:the )?{_DAY} (?:of )?{_MONTH}(?:,? {_YEAR_SLOT})?"),
    re.compile(rf"{_MONTH}(?:,? (?:of )?{_YEAR_SLOT})?"),
    re.compile(rf"(?:the )?(?:year )?(?:of )?{_YEAR}(?: year)?"),
    re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})-(?P<m>0[1-9]|1[0-2])"),
]
# A bare day ("5" in "5-10 October") only stands as one end of a range.
_DAY_PART = re.compile(rf"(?:the )?{_DAY}(?:,? {_YEAR_SLOT})?")
_NUMERIC = re.compile(r"(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})")


def _part_from_match(m: re.Match[str]) -> _Part | None:
    groups = m.groupdict()
    year = int(groups["y"]) if groups.get("y") else None
    if year is not None and not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    rel = _RELATIVE[groups["ry"]] if groups.get("ry") else None
    month_text = groups.get("m")
    month = None
    if month_text:
        month = int(month_text) if month_text.isdigit() else _MONTHS[month_text]
    if month is not None and not 1 <= month <= 12:
        return None
    day = int(groups["d"]) if groups.get("d") else None
    if day is not None and not 1 <= day <= 31:
        return None
    weekday = _WEEKDAYS[groups["wd"]] if groups.get("wd") else None
    return _Part(year, rel, month, day, weekday)


def _numeric_part(s: str) -> _Part | None:
    """Day-month-year digits: dots and dashes read day first (the European and Russian habit);
    slashes only when one order alone gives a valid date, since US and European usage differ."""
    m = _NUMERIC.fullmatch(s)
    if m is None:
        return None
    a, b, year = int(m["a"]), int(m["b"]), int(m["y"])
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    day_first = 1 <= b <= 12 and 1 <= a <= 31
    month_first = 1 <= a <= 12 and 1 <= b <= 31
    if day_first and (m["sep"] != "/" or not month_first or a == b):
        return _Part(year, None, b, a)
    if month_first and not day_first:
        return _Part(year, None, a, b)
    return None


def _parse_part(s: str, *, allow_bare_day: bool = False) -> _Part | None:
    for pattern in _PART_PATTERNS:
        m = pattern.fullmatch(s)
        if m is not None:
            return _part_from_match(m)
    numeric = _numeric_part(s)
    if numeric is not None:
        return numeric
    if allow_bare_day:
        m = _DAY_PART.fullmatch(s)
        if m is not None:
            return _part_from_match(m)
    return None


def _year_near(month: int, anchor: _Anchor) -> int:
    """The year of a yearless month, judged from the anchor's month.

    Writers drop the year when the date is close to publication, and news mostly reports the
    past: a month up to three months ahead is the coming one ("April 24" in a March article),
    any other is the latest one already begun ("March" in an October article is last March,
    "December 8" in a February article last December).
    """
    if anchor.month is None:
        return anchor.year
    ahead = (month - anchor.month) % 12
    if ahead == 0:
        return anchor.year
    if ahead <= 3:
        return anchor.year + (1 if month < anchor.month else 0)
    return anchor.year - (1 if month > anchor.month else 0)


class _Unresolvable(Exception):
    """The expression is a date, but this anchor cannot resolve it."""


def _stated_year(part: _Part, anchor: _Anchor | None) -> int | None:
    """The year the text states, directly or relative to the anchor; None if it states none."""
    if part.year is not None:
        return part.year
    if part.rel_year is None:
        return None
    if anchor is None:
        raise _Unresolvable
    return anchor.year + part.rel_year


def _value(part: _Part, year: int | None, guessed: bool) -> str:
    """Format a part with its year; a weekday that contradicts a guessed year unsets it."""
    if part.month is None:
        if year is None or part.day is not None:
            raise _Unresolvable
        return _fmt(year)
    if year is not None and part.day is not None and part.weekday is not None:
        try:
            contradicts = dt.date(year, part.month, part.day).weekday() != part.weekday
        except ValueError:
            contradicts = True
        if contradicts and guessed:
            year = None
    try:
        return _fmt(year, part.month, part.day)
    except ValueError:
        if not guessed:
            raise
        return _fmt(None, part.month, part.day)  # 29 February in a guessed common year


def _resolve_part(part: _Part, anchor: _Anchor | None) -> str:
    year = _stated_year(part, anchor)
    guessed = False
    if year is None and part.month is not None and anchor is not None:
        year, guessed = _year_near(part.month, anchor), True
    return _value(part, year, guessed)


_RANGE_SEP = re.compile(r" ?- ?| to | through | thru | till | until | and |/")


def _resolve_range(s: str, anchor: _Anchor | None) -> str | None:
    between = s.startswith("between ")
    body = s[len("between ") :] if between else s
    for sep in _RANGE_SEP.finditer(body):
        if sep.group() == " and " and not between:
            continue  # "2020 and 2021" lists two years, it does not span them
        left = _parse_part(body[: sep.start()], allow_bare_day=True)
        right = _parse_part(body[sep.end() :], allow_bare_day=True)
        if left is not None and right is not None:
            return _join_range(left, right, anchor)
    return None


def _join_range(left: _Part, right: _Part, anchor: _Anchor | None) -> str | None:
    if (left.day is None) != (right.day is None):
        return None  # the ends must share one precision
    if left.month is None and left.day is not None:
        left = replace(left, month=right.month)
    if right.month is None and right.day is not None:
        right = replace(right, month=left.month)
    if (left.month is None) != (right.month is None):
        return None
    if left.month is None:  # years: "2022-2024"
        start, end = _stated_year(left, anchor), _stated_year(right, anchor)
        if start is None or end is None:
            return None
        return _interval(_fmt(start), _fmt(end))
    assert right.month is not None
    wraps = (left.month, left.day or 0) > (right.month, right.day or 0)
    start_year, end_year = _stated_year(left, anchor), _stated_year(right, anchor)
    guessed = False
    if start_year is None and end_year is not None:
        start_year = end_year - 1 if wraps else end_year
    elif end_year is None and start_year is not None:
        end_year = start_year + 1 if wraps else start_year
    elif start_year is None and end_year is None and anchor is not None:
        start_year, guessed = _year_near(left.month, anchor), True
        end_year = start_year + 1 if wraps else start_year
    if start_year is None and wraps:
        return None  # "December 30 - January 2" with no year to carry across
    return _interval(_value(left, start_year, guessed), _value(right, end_year, guessed))


def _interval(start: str, end: str) -> str | None:
    if start == end:
        return start
    if start.startswith("X") != end.startswith("X"):
        return None
    return f"{start}/{end}" if start < end else None


def _short_year_range(s: str) -> str | None:
    """'2020-10' is an ISO month, but '2020-21' and '2020/21' are spans of years."""
    m = re.fullmatch(r"(\d{4}) ?([-/]) ?(\d{2})", s)
    if m is None:
        return None
    start, short = int(m[1]), int(m[3])
    if m[2] == "-" and 1 <= short <= 12:
        return None  # left to the ISO month pattern
    end = start - start % 100 + short
    if end <= start:
        end += 100
    # Short ends abbreviate near years ("2020-21", "1999-00"); "2020-00" is no range.
    if not _MIN_YEAR <= start <= _MAX_YEAR or end - start > 10:
        return None
    return _interval(_fmt(start), _fmt(end))


# --- relative and named periods -----------------------------------------------------------

_Handler = Callable[[re.Match[str], _Anchor | None], str]


def _need_day(anchor: _Anchor | None) -> dt.date:
    day = anchor.date if anchor is not None else None
    if day is None:
        raise _Unresolvable
    return day


def _need_month(anchor: _Anchor | None) -> tuple[int, int]:
    if anchor is None or anchor.month is None:
        raise _Unresolvable
    return anchor.year, anchor.month


def _need_year(anchor: _Anchor | None) -> int:
    if anchor is None:
        raise _Unresolvable
    return anchor.year


def _year_of_slot(m: re.Match[str], anchor: _Anchor | None) -> int:
    if m["y"]:
        year = int(m["y"])
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            raise _Unresolvable
        return year
    return _need_year(anchor) + _RELATIVE[m["ry"]]


def _today(m: re.Match[str], anchor: _Anchor | None) -> str:
    word = m[0]
    if word == "today":
        if anchor is None:
            raise _Unresolvable
        return _fmt(anchor.year, anchor.month, anchor.day)
    offset = {"yesterday": -1, "tomorrow": 1, "day before yesterday": -2}.get(word, 2)
    return _fmt_date(_need_day(anchor) + dt.timedelta(days=offset))


def _relative_unit(m: re.Match[str], anchor: _Anchor | None) -> str:
    offset = _RELATIVE[m["rel"]]
    unit = m["unit"]
    if unit == "year":
        return _fmt(_need_year(anchor) + offset)
    if unit == "month":
        return _fmt(*_add_months(*_need_month(anchor), offset))
    return _fmt_week(_need_day(anchor) + dt.timedelta(weeks=offset))


def _weekday(m: re.Match[str], anchor: _Anchor | None) -> str:
    """A weekday is the day of that name in the anchor's (ISO, Monday-first) week, as the
    annotation guideline has it; "last"/"next" Thursday is the nearest one before/after."""
    base = _need_day(anchor)
    target = _WEEKDAYS[m["wd"]]
    if m["rel"] in ("last", "past"):
        shift = -((base.weekday() - target) % 7 or 7)
    elif m["rel"] in ("next", "coming"):
        shift = (target - base.weekday()) % 7 or 7
    else:
        shift = target - base.weekday() + 7 * _RELATIVE[m["week"] or "this"]
    return _fmt_date(base + dt.timedelta(days=shift))


def _month_relative(m: re.Match[str], anchor: _Anchor | None) -> str:
    """'last December' is the latest December before the anchor's month, 'next' the first after."""
    year, current = _need_month(anchor)
    month = _MONTHS[m["m"]]
    rel = m["rel"]
    if rel == "last":
        year = year if month < current else year - 1
    elif rel == "next":
        year = year if month > current else year + 1
    return _fmt(year, month)


def _season(m: re.Match[str], anchor: _Anchor | None) -> str:
    code = _SEASONS[m["s"]]
    if m[0] == "fall":
        raise _Unresolvable  # alone it is far more often a drop than a season
    if m["y"] or m["ry"]:
        return f"{_fmt(_year_of_slot(m, anchor))}-{code}"
    year, month = _need_month(anchor)
    first, last = _SEASON_MONTHS.get(code, (12, 14))
    if code == "WI" and month <= 2:
        # Winter is named by the year of its December: January 2021 is in winter 2020.
        year, month = year - 1, month + 12
    if m["rel"] == "last":
        year = year if last < month else year - 1
    elif m["rel"] == "next":
        year = year if first > month else year + 1
    return f"{_fmt(year)}-{code}"


def _sub_year(m: re.Match[str], anchor: _Anchor | None) -> str:
    number = _ORDINALS.get(m["n"]) or int(m["n"])
    kind = "Q" if m["kind"] in ("quarter", "q") else "H"
    if number > (4 if kind == "Q" else 2):
        raise _Unresolvable
    year = _need_year(anchor) if m.groupdict().get("this") else _year_of_slot(m, anchor)
    return f"{_fmt(year)}-{kind}{number}"


def _ago(m: re.Match[str], anchor: _Anchor | None) -> str:
    count = _NUMBER_WORDS.get(m["n"]) or int(m["n"])
    unit = m["unit"]
    if unit == "year":
        return _fmt(_need_year(anchor) - count)
    if unit == "month":
        return _fmt(*_add_months(*_need_month(anchor), -count))
    if unit == "week":
        return _fmt_week(_need_day(anchor) - dt.timedelta(weeks=count))
    return _fmt_date(_need_day(anchor) - dt.timedelta(days=count))


def _decade(m: re.Match[str], _anchor: _Anchor | None) -> str:  # a _Handler: no anchor needed
    return f"{m['dec']}X"


def _century(m: re.Match[str], _anchor: _Anchor | None) -> str:
    number = int(m["c"])
    if not 1 <= number <= 30:
        raise _Unresolvable
    return f"{number - 1:02d}"


_REL = r"(?P<rel>last|this|next|current)"
_PERIOD_RULES: list[tuple[re.Pattern[str], _Handler]] = [
    (re.compile(r"today|yesterday|tomorrow|day before yesterday|day after tomorrow"), _today),
    (re.compile(rf"{_REL} (?P<unit>year|month|week)"), _relative_unit),
    (
        re.compile(
            rf"(?:(?P<rel>last|this|next|coming|past) )?(?P<wd>{_alt(_FULL_WEEKDAYS)})"
            r"(?: (?:morning|afternoon|evening|night))?(?: (?P<week>last|this|next) week)?"
        ),
        _weekday,
    ),
    (re.compile(rf"(?P<rel>last|this|next) {_MONTH}"), _month_relative),
    (
        re.compile(
            rf"(?:(?P<rel>last|this|next) )?(?:the )?(?P<s>{_alt(_SEASONS)})"
            rf"(?:,? (?:of )?{_YEAR_SLOT})?"
        ),
        _season,
    ),
    (
        re.compile(
            rf"(?:the )?(?P<n>{_alt(_ORDINALS)}) (?P<kind>quarter|half) of "
            rf"(?:(?P<this>(?:the|this) year)|{_YEAR_SLOT})"
        ),
        _sub_year,
    ),
    (re.compile(rf"(?P<kind>q|h)(?P<n>[1-4]),? (?:of )?{_YEAR_SLOT}"), _sub_year),
    (
        re.compile(rf"(?P<n>\d{{1,3}}|{_alt(_NUMBER_WORDS)}) (?P<unit>year|month|week|day)s? ago"),
        _ago,
    ),
    (re.compile(r"(?:the )?(?:early |late |mid-?)?(?P<dec>\d{3})0'?s"), _decade),
    (re.compile(r"(?:the )?(?P<c>\d{1,2})(?:st|nd|rd|th) century"), _century),
]

# "the end of February", "early 2020", "later this month": the period is the value.
_MODIFIER = re.compile(
    r"(?:(?:the )?(?:very )?(?:beginning|start|end|middle|close|turn|rest|remainder) of"
    r"|(?:early|earlier|late|later|mid)(?: in)?|mid-)(?: |(?<=-))"
)
_BARE_PERIOD = {
    "the year": "this year", "year": "this year", "the month": "this month",
    "month": "this month", "the week": "this week", "week": "this week",
}  # fmt: skip

# Dates that only the story's own timeline can resolve; they are dates all the same.
_ANAPHORIC = re.compile(
    r"(?:that|same|following|previous|preceding|prior) (?:day|week|month|year)"
    r"|day (?:before|after)|eve"
)


def _resolve(s: str, anchor: _Anchor | None) -> str | None:
    m = _MODIFIER.match(s)
    if m is not None and m.end() < len(s):
        s = _trim(s[m.end() :])
        s = _BARE_PERIOD.get(s, s)
    for pattern, handler in _PERIOD_RULES:
        match = pattern.fullmatch(s)
        if match is not None:
            return handler(match, anchor)
    short = _short_year_range(s)
    if short is not None:
        return short
    part = _parse_part(s)
    if part is not None:
        return _resolve_part(part, anchor)
    return _resolve_range(s, anchor)


# --- public API ---------------------------------------------------------------------------


def normalise(text: str, anchor: str | None) -> str | None:
    """ISO 8601 value of a date expression resolved against the article's date `anchor`.

    `anchor` is "YYYY-MM-DD", "YYYY-MM", "YYYY" or None. A yearless month or day takes the
    year that puts it nearest the anchor's month (ties to the past); a weekday that
    contradicts that year makes it unknown ("XXXX-04-24"), as does the lack of any anchor.
    Returns None for what is not a date or what the anchor is too coarse to resolve. Never
    raises; never looks at today's date.
    """
    if isinstance(text, str) and _in_cyrillic(text):
        from kyrgyz_ru.extract import dates_ru

        return dates_ru.normalise(text, anchor)
    try:
        if not isinstance(text, str):
            return None
        cleaned = _clean(text)
        if not cleaned:
            return None
        return _resolve(cleaned, _parse_anchor(anchor))
    except (_Unresolvable, ValueError, OverflowError):
        return None


def is_bare_weekday(text: str) -> bool:
    """A weekday named alone ("on Saturday", «в субботу»): the grammar takes the nearest one,
    which only the sentence's tense can confirm (events re-read it; see events/extract.py)."""
    if _in_cyrillic(text):
        from kyrgyz_ru.extract import dates_ru

        english = dates_ru.translate(text)
        if english is None:
            return False
        text = english
    words = _clean(text).split()
    return len(words) == 1 and words[0].rstrip(".") in _WEEKDAYS


def week_before(value: str) -> str:
    """The same weekday a week earlier ("2023-05-20" -> "2023-05-13")."""
    day = dt.date.fromisoformat(value) - dt.timedelta(days=7)
    return day.isoformat()


def _in_cyrillic(text: str) -> bool:
    """A text in a Cyrillic script (more Cyrillic letters than Latin in its first 2,000
    characters): extract/dates_ru.py reads it. An English text quoting a Russian word is not."""
    cyrillic, latin = scripts(text[:2000])
    return cyrillic > 0 and cyrillic > latin


# Resolves every relative form, so recognition does not depend on the article's date.
_PROBE_ANCHOR = _Anchor(2000, 6, 15)


def is_date_expression(text: str) -> bool:
    """False for what is not a calendar date: durations, frequencies, ages, vague periods.

    True for what the grammar reads as a day, month, season, year, decade or century,
    absolute or relative ("today", "Thursday", "2022-2024", "the end of February", "the
    1990s"), and for anaphoric dates ("the following day") that only the story can resolve.
    """
    if isinstance(text, str) and _in_cyrillic(text):
        from kyrgyz_ru.extract import dates_ru

        return dates_ru.is_date_expression(text)
    try:
        if not isinstance(text, str):
            return False
        cleaned = _clean(text)
        if not cleaned:
            return False
        if _ANAPHORIC.fullmatch(cleaned):
            return True
        return _resolve(cleaned, _PROBE_ANCHOR) is not None
    except (_Unresolvable, ValueError, OverflowError):
        return False


# --- finding explicit dates in running text -------------------------------------------------

# Scoped case-blindness, so the dateline pattern can still ask for a capitalised place.
_F_MONTH = rf"(?i:{_alt(_MONTHS)})\.?"
_F_WEEKDAY = rf"(?i:{_alt(_FULL_WEEKDAYS)}),?\s+"
_F_DAY = r"[0-9]{1,2}(?:st|nd|rd|th)?"
_F_YEAR = r"[0-9]{4}"
_F_DASH = r"\s?[-\u2010-\u2015\u2212]\s?"
_F_SEP = rf"(?:{_F_DASH}|\s+(?:to|through|until|till)\s+)"
_F_MD = rf"{_F_MONTH}\s+{_F_DAY}"
_F_DM = rf"{_F_DAY}\s+(?:of\s+)?{_F_MONTH}"
# Not inside a longer number, word or hyphenated code on either side (dates_ru.py too).
EXPRESSION_START = r"(?<![\w.\-/])"
EXPRESSION_END = r"(?![\w\-\u2010-\u2015/]|[.,][0-9])"
_FIND_PATTERNS = [
    re.compile(EXPRESSION_START + p + EXPRESSION_END, re.IGNORECASE)
    for p in (
        # Ranges with the year: "March 3-5, 2022", "5-10 October 2020", "March 30 - April 2, 2022".
        rf"{_F_MD}{_F_SEP}(?:{_F_MONTH}\s+)?{_F_DAY},?\s+{_F_YEAR}",
        rf"{_F_DAY}(?:\s+{_F_MONTH})?{_F_SEP}{_F_DM},?\s+{_F_YEAR}",
        rf"{_F_MONTH}{_F_SEP}{_F_MONTH},?\s+{_F_YEAR}",
        # Full dates, with or without the weekday: "Wednesday, February 24, 2021", "24 Feb 2021".
        rf"(?:{_F_WEEKDAY})?{_F_MD},?\s+{_F_YEAR}",
        rf"(?:{_F_WEEKDAY})?{_F_DM},?\s+{_F_YEAR}",
        # A weekday pins a yearless month-day as a date: "Wednesday, April 24".
        rf"{_F_WEEKDAY}(?:{_F_MD}|{_F_DM})",
        # Numbers: "2020-10-24", "24.02.2021", "2022-2024".
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
        r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}",
        rf"[0-9]{{4}}{_F_DASH}[0-9]{{4}}",
    )
]


def without_final_dot(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without the period of an abbreviated month that ends it ("1 Sept."): the span
    ends on a letter or digit, like every mention, and the value is the same without it."""
    while end > start + 1 and text[end - 1] == ".":
        end -= 1
    return start, end


def find_date_expressions(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of unambiguous explicit dates a statistical NER model misses or cuts.

    ISO days, year ranges, day ranges with their year, full dates (with their weekday), dotted
    numeric dates and weekday + month-day. Bare years and bare weekdays are left to the model.
    Spans are ordered and never overlap; where candidates overlap the earliest, then longest,
    wins. Each span normalises to a value on its own.
    """
    if not isinstance(text, str):
        return []
    if _in_cyrillic(text):
        from kyrgyz_ru.extract import dates_ru

        return dates_ru.find_date_expressions(text)
    candidates: list[tuple[int, int]] = []
    for pattern in _FIND_PATTERNS:
        for m in pattern.finditer(text):
            if normalise(m.group(), None) is not None:
                candidates.append(without_final_dot(text, *m.span()))
    spans: list[tuple[int, int]] = []
    for start, end in sorted(candidates, key=lambda span: (span[0], -span[1])):
        if not spans or start >= spans[-1][1]:
            spans.append((start, end))
    return spans


# --- the article's own date -----------------------------------------------------------------

_HEAD_CHARS = 400
# "BISHKEK, April 5 (Itar-Tass) -": a place (not a weekday), a comma, then the date.
_DATELINE = re.compile(
    rf"^[ \t]*(?!(?i:{_alt(_WEEKDAYS)})\b)[A-Z][A-Za-z.'\-]+(?:[ \t][A-Z][A-Za-z.'\-]+){{0,3}}"
    rf"(?:,[ \t]*[A-Z][A-Za-z.'\- ]{{1,30}})?,[ \t]+"
    rf"(?P<date>(?:{_F_WEEKDAY})?(?:{_F_MD}|{_F_DM})(?:,?\s+{_F_YEAR})?)"
    rf"[ \t]*(?:\(|[-\u2010-\u2015/:]|$)",
    re.MULTILINE,
)
_MONTH_YEAR = re.compile(
    rf"{EXPRESSION_START}{_F_MONTH},?\s+(?:of\s+)?{_F_YEAR}{EXPRESSION_END}", re.IGNORECASE
)
_DAY_VALUE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH_VALUE = re.compile(r"\d{4}-\d{2}")
# How long after the latest dated event a yearless dateline may still fall in the same year.
_DATELINE_REACH = dt.timedelta(days=92)


def _explicit_values(text: str) -> list[tuple[int, str]]:
    """(offset, value) of every explicit date with its year, at day or month precision."""
    found: list[tuple[int, str]] = []
    spans = find_date_expressions(text)
    spans += [m.span() for m in _MONTH_YEAR.finditer(text)]
    for start, end in spans:
        value = normalise(text[start:end], None) or ""
        last = value.rsplit("/", 1)[-1]
        if _DAY_VALUE.fullmatch(last) or _MONTH_VALUE.fullmatch(last):
            found.append((start, last))
    return sorted(found)


def _first_day(value: str) -> dt.date:
    return dt.date.fromisoformat(value if len(value) == 10 else value + "-01")


def _dateline_year(month_day: str, latest: str | None) -> str | None:
    """A yearless dateline takes the year of the latest dated event, if that puts it within
    three months after the event; a reporter dates the day, not a year-old story."""
    if latest is None:
        return None
    last = _first_day(latest)
    for year in (last.year, last.year + 1):
        value = normalise(month_day, f"{year:04d}")
        if value is None or not _DAY_VALUE.fullmatch(value):
            continue
        day = dt.date.fromisoformat(value)
        if last <= day <= last + _DATELINE_REACH:
            return value
    return None


def infer_document_date(text: str) -> str | None:
    """The article's date from its own dateline or explicit dates, when no metadata gives one.

    The rule, first match wins, looking only at explicit dates (never weekdays alone, relative
    expressions or bare years):

    1. A dateline in the first 400 characters, a place then a date ("MOSCOW, Feb. 24, 2021
       (Reuters) -"), gives its day. Without a year ("BISHKEK, April 5 (Itar-Tass)") it takes
       the year of the latest dated event in the text, but only if that puts it within three
       months after the event; otherwise None, since the text's dates are then known not to
       be the article's.
    2. The first full date with its year (ISO "2020-10-24" or written out) in the first 400
       characters, where a header sits.
    3. The latest explicit date with its year in the text, at day or month precision (a range
       counts by its end).

    Returns None when none of these applies.
    """
    if not isinstance(text, str):
        return None
    if _in_cyrillic(text):
        from kyrgyz_ru.extract import dates_ru

        return dates_ru.infer_document_date(text)
    try:
        values = _explicit_values(text)
        latest = max((v for _, v in values), key=_first_day, default=None)
        dateline = _DATELINE.search(text[:_HEAD_CHARS])
        if dateline is not None:
            stated = normalise(dateline["date"], None)
            if stated is not None and _DAY_VALUE.fullmatch(stated):
                return stated
            return _dateline_year(dateline["date"], latest)
        head = [v for offset, v in values if offset < _HEAD_CHARS and _DAY_VALUE.fullmatch(v)]
        return head[0] if head else latest
    except (ValueError, OverflowError):
        return None
