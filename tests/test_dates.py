"""kyrgyz_ru.extract.dates: ISO values of date expressions, what counts as a date, finding
explicit dates in running text and an article's own date."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyrgyz_ru.extract import dates
from kyrgyz_ru.extract.dates import (
    find_date_expressions,
    infer_document_date,
    is_date_expression,
    normalise,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# --- the value grammar every result must follow ----------------------------------------------

_SINGLE = re.compile(
    r"(?P<year>\d{4}|XXXX)(?:-(?P<month>0[1-9]|1[0-2])(?:-(?P<day>\d{2}))?)?"
    r"|\d{4}-(?:W(?:0[1-9]|[1-4]\d|5[0-3])|SP|SU|FA|WI|Q[1-4]|H[12])"
    r"|\d{3}X|\d{2}"
)


def _is_valid_single(value: str) -> bool:
    m = _SINGLE.fullmatch(value)
    if m is None:
        return False
    if m["day"]:
        year = 2000 if m["year"] == "XXXX" else int(m["year"])
        try:
            dt.date(year, int(m["month"]), int(m["day"]))
        except ValueError:
            return False
    return m["year"] != "XXXX" or bool(m["month"])  # an unknown year needs a month


def assert_valid_value(value: str) -> None:
    ends = value.split("/")
    assert len(ends) in (1, 2), value
    assert all(_is_valid_single(end) for end in ends), value
    if len(ends) == 2:
        start, end = ends
        assert len(start) == len(end), value  # both ends share one precision
        assert start < end, value


# --- normalise: worked examples from news phrasing --------------------------------------------

NORMALISE_CASES = [
    # Explicit dates, at the precision they state.
    ("2020-10-24", None, "2020-10-24"),
    ("24 February 2021", None, "2021-02-24"),
    ("February 24, 2021", "2019", "2021-02-24"),
    ("Feb. 24, 2021", None, "2021-02-24"),
    ("24th of February, 2021", None, "2021-02-24"),
    ("on 1 September 2021", "2021-09-03", "2021-09-01"),
    ("Wednesday, February 24, 2021", None, "2021-02-24"),
    ("24.02.2021", None, "2021-02-24"),
    ("24/02/2021", None, "2021-02-24"),
    ("December 2020", "2021-02", "2020-12"),
    ("in July 2010", "2012-04-05", "2010-07"),
    ("Sept. 2003", None, "2003-09"),
    ("in October, 2020", None, "2020-10"),
    ("2020-10", None, "2020-10"),
    ("since 2018", "2021-02", "2018"),
    ("In 2009,", "2012-04-05", "2009"),
    ("the year 2020", None, "2020"),
    ("by 2025", "2021-02", "2025"),
    # Ranges.
    ("October 5-10, 2020", "2021-02", "2020-10-05/2020-10-10"),
    ("October 5–10, 2020", None, "2020-10-05/2020-10-10"),
    ("March 3-5, 2022", "2022-03", "2022-03-03/2022-03-05"),
    ("5-10 October 2020", None, "2020-10-05/2020-10-10"),
    ("from 3 to 5 March 2022", None, "2022-03-03/2022-03-05"),
    ("March 30 - April 2, 2022", None, "2022-03-30/2022-04-02"),
    ("December 30, 2020 - January 2, 2021", None, "2020-12-30/2021-01-02"),
    ("October-December 2020", None, "2020-10/2020-12"),
    ("from March to May 2021", None, "2021-03/2021-05"),
    ("2022-2024", "2022-03", "2022/2024"),
    ("2022–2024", None, "2022/2024"),
    ("2020-21", None, "2020/2021"),
    ("between 2015 and 2020", None, "2015/2020"),
    ("from 2021 to 2025", None, "2021/2025"),
    ("1941-1945", None, "1941/1945"),
    ("March 3-5", "2022-03", "2022-03-03/2022-03-05"),
    ("December 30 - January 2", "2022-01", "2021-12-30/2022-01-02"),
    # Coarser periods.
    ("the 1990s", None, "199X"),
    ("the 1990's", None, "199X"),
    ("the 21st century", None, "20"),
    ("summer 2021", None, "2021-SU"),
    ("the autumn of 2019", None, "2019-FA"),
    ("the first quarter of 2021", None, "2021-Q1"),
    ("Q3 2020", None, "2020-Q3"),
    ("the second half of 2020", None, "2020-H2"),
    ("the first half of this year", "2021-05", "2021-H1"),
    ("early 2021", None, "2021"),
    ("mid-2020", None, "2020"),
    ("at the end of 2020", None, "2020"),
    # Relative to the article's date.
    ("last year", "2021-02-24", "2020"),
    ("this year", "2021-02", "2021"),
    ("next year", "2021", "2022"),
    ("last year's", "2021-02", "2020"),
    ("December last year", "2021-02", "2020-12"),
    ("in December of last year", "2021-02", "2020-12"),
    ("January this year", "2021-02", "2021-01"),
    ("October 23 last year", "2021-02", "2020-10-23"),
    ("in March next year", "2021-02", "2022-03"),
    ("the end of last year", "2021-02", "2020"),
    ("early next year", "2021-02-24", "2022"),
    ("by the end of this year", "2021-02", "2021"),
    ("the end of the year", "2021-02", "2021"),
    ("today", "2021-02", "2021-02"),
    ("today", "2021-02-24", "2021-02-24"),
    ("Today,", "2021", "2021"),
    ("today's", "2021-02-24", "2021-02-24"),
    ("yesterday", "2021-03-01", "2021-02-28"),
    ("tomorrow", "2020-12-31", "2021-01-01"),
    ("the day before yesterday", "2021-03-01", "2021-02-27"),
    ("Thursday", "2012-04-05", "2012-04-05"),
    ("on Monday", "2012-04-05", "2012-04-02"),
    ("on Sunday", "2012-04-05", "2012-04-08"),
    ("Thursday morning", "2012-04-05", "2012-04-05"),
    ("last Friday", "2012-04-05", "2012-03-30"),
    ("next Tuesday", "2012-04-05", "2012-04-10"),
    ("Thursday last week", "2012-04-05", "2012-03-29"),
    ("later this month", "2012-04-05", "2012-04"),
    ("earlier this month", "2021-02", "2021-02"),
    ("at the end of the month", "2021-02-24", "2021-02"),
    ("last month", "2021-01-15", "2020-12"),
    ("next month", "2021-12", "2022-01"),
    ("late last month", "2021-03-02", "2021-02"),
    ("last week", "2021-02-24", "2021-W07"),
    ("earlier this week", "2021-02-24", "2021-W08"),
    ("the end of February", "2021-02", "2021-02"),
    ("end of February", "2021-02", "2021-02"),
    ("mid-March", "2021-02", "2021-03"),
    ("last December", "2021-02", "2020-12"),
    ("next January", "2021-02", "2022-01"),
    ("last summer", "2021-02", "2020-SU"),
    ("last summer", "2021-10", "2021-SU"),
    ("this winter", "2021-01-20", "2020-WI"),
    ("next spring", "2021-02", "2021-SP"),
    ("last fall", "2021-02", "2020-FA"),
    ("two years ago", "2021-02", "2019"),
    ("three months ago", "2021-02", "2020-11"),
    ("three days ago", "2021-03-02", "2021-02-27"),
    # A yearless month or day takes the year that puts it nearest the anchor.
    ("February 8", "2021-02", "2021-02-08"),
    ("8 February", "2021-02-24", "2021-02-08"),
    ("since February 8", "2021-02", "2021-02-08"),
    ("the 24th of February", "2021-02", "2021-02-24"),
    ("April 5", "2012-04-05", "2012-04-05"),
    ("April 24", "2022-03", "2022-04-24"),
    ("December 8", "2021-02", "2020-12-08"),
    ("on August 15", "2021-02", "2020-08-15"),
    ("in July", "2021-02", "2020-07"),
    ("in April", "2021-02", "2021-04"),
    ("in March", "2023-10", "2023-03"),
    ("January 5", "2020-12", "2021-01-05"),
    ("in May", "2021", "2021-05"),
    # A weekday checks the year it is given; unknown years are XXXX.
    ("Wednesday, April 24", "2022-03", "XXXX-04-24"),
    ("Wednesday, April 24", "2019-03", "2019-04-24"),
    ("Wednesday, April 24", None, "XXXX-04-24"),
    ("April 24", None, "XXXX-04-24"),
    ("in December", None, "XXXX-12"),
    ("February 29", "2021-02", "XXXX-02-29"),
    ("February 29", "2020-02", "2020-02-29"),
    # Nothing to resolve.
    ("last year", None, None),
    ("December last year", None, None),
    ("yesterday", "2021-02", None),
    ("Thursday", "2012-04", None),
    ("last month", "2021", None),
    ("the following day", "2021-02-24", None),
    ("February 30", "2021-02", None),
    ("2021-13-01", None, None),
    ("02/03/2021", None, None),  # day-first or month-first: no way to tell
    ("December 30 - January 2", None, None),
    ("2024-2022", None, None),
    ("15 years", "2021-02", None),
    ("", "2021-02", None),
    ("today", "not a date", None),
    ("today", "2021-02-30", None),
]


@pytest.mark.parametrize(("text", "anchor", "expected"), NORMALISE_CASES)
def test_normalise(text: str, anchor: str | None, expected: str | None) -> None:
    assert normalise(text, anchor) == expected


@pytest.mark.parametrize(
    "text",
    [
        "on October 23 last year.",
        "(October 23 last year)",
        "“October 23 last year”",
        "  October   23\nlast year ,",
        "October 23 Last Year",
        "in OCTOBER 23 last year;",
    ],
)
def test_normalise_tolerates_surrounding_words_case_and_punctuation(text: str) -> None:
    assert normalise(text, "2021-02") == "2020-10-23"


@pytest.mark.parametrize(
    ("anchor_month", "month", "year"), [(2, 5, 2021), (2, 6, 2020), (10, 1, 2022), (10, 3, 2021)]
)
def test_yearless_month_is_past_unless_within_three_months_ahead(
    anchor_month: int, month: int, year: int
) -> None:
    assert normalise(MONTH_NAMES[month - 1], f"2021-{anchor_month:02d}") == f"{year}-{month:02d}"


# --- is_date_expression -------------------------------------------------------------------

NOT_DATES = [
    "15 years", "several months", "30-year", "49 years", "another 25 years",
    "the past 30 years", "a year", "year", "annually", "every year", "daily", "weekly",
    "49 years old", "the first days of our independence", "first days", "centuries-old",
    "recent years", "the coming years", "the past year", "the 30th anniversary", "two",
    "24.kg", "", "   ", "now", "fall", "this weekend",
]  # fmt: skip
DATES = [
    "today", "Thursday", "2022-2024", "the end of February", "later this month", "this year",
    "last year", "next year", "December last year", "January this year", "October 5-10, 2020",
    "Wednesday, April 24", "February 8", "2020", "2020-10-24", "the 1990s", "yesterday",
    "the following day", "last week", "summer 2021", "two years ago",
]  # fmt: skip


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_a_calendar_date(text: str) -> None:
    assert is_date_expression(text) is False


@pytest.mark.parametrize("text", DATES)
def test_a_calendar_date(text: str) -> None:
    assert is_date_expression(text) is True


# --- find_date_expressions ----------------------------------------------------------------

FIND_CASES = [
    (" date 2020-10-24 Ministers of Foreign Affairs", ["2020-10-24"]),
    ("the visit to Moscow on March 3-5, 2022.", ["March 3-5, 2022"]),
    ("crisis on October 5-10, 2020 in our country", ["October 5-10, 2020"]),
    ("held on 5-10 October 2020, in Bishkek", ["5-10 October 2020"]),
    ("signed on 24 February 2021.", ["24 February 2021"]),
    ("signed on February 24, 2021, in Moscow", ["February 24, 2021"]),
    ("the decree dated 24.02.2021.", ["24.02.2021"]),
    ("Wednesday, April 24\n\nJoint statement by", ["Wednesday, April 24"]),
    ("the Program for 2022-2024, which defines", ["2022-2024"]),
    ("On Wednesday, February 24, 2021, the presidents", ["Wednesday, February 24, 2021"]),
    ("from March 30 to April 2, 2022 in", ["March 30 to April 2, 2022"]),
    ("in October-December 2020 the", ["October-December 2020"]),
    ("(Feb. 24, 2021)", ["Feb. 24, 2021"]),
    ("On 24 February 2021 and 2022-2024", ["24 February 2021", "2022-2024"]),
    ("In 2020, the pandemic", []),
    ("talks on Thursday", []),
    ("since February 8 in the course", []),
    ("reported by 24.kg news agency", []),
    ("call 1234-5678 now", []),
    ("on 2020-13-45", []),
    ("in 2024-2022", []),
    ("release 1.24.02.2021.5", []),
]


@pytest.mark.parametrize(("text", "expected"), FIND_CASES)
def test_find_date_expressions(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in find_date_expressions(text)] == expected


def test_find_on_the_seeds_catches_what_the_model_cuts() -> None:
    text = (SEEDS / "002_3dab5950da06293c.txt").open(encoding="utf-8").read()
    found = [text[a:b] for a, b in find_date_expressions(text)]
    assert "March 3-5, 2022" in found
    assert "2022-2024" in found
    assert found[0] == "Wednesday, April 24"


# --- infer_document_date ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("001_72c8119b68f9c38f", "2020-10-24"),  # header "date 2020-10-24"
        ("003_4e99a73490cd7995", "2021-02-24"),
        ("004_b49d61f9fd03f434", None),  # "BISHKEK, April 5" and no year near it
        ("000_db04cc7ecf981b1f", "2020-12"),  # latest dated event
    ],
)
def test_infer_document_date_on_seeds(name: str, expected: str | None) -> None:
    text = (SEEDS / f"{name}.txt").open(encoding="utf-8").read()
    assert infer_document_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MOSCOW, Feb. 24, 2021 (Reuters) - Talks were held.", "2021-02-24"),
        ("BISHKEK, April 5 (Itar-Tass) - Talks on March 20, 2012 were held.", "2012-04-05"),
        ("BISHKEK, April 5 (Itar-Tass) - In July 2010 talks stopped.", None),
        ("Moscow, 24 February - The visit.\n\nIn January 2021 a message was sent.", "2021-02-24"),
        ("Title\n\nOn 3 March 2022 the ministers met. In 2023 they will meet again.", "2022-03-03"),
        ("Title\n\n" + "x " * 300 + "It began in May 2019 and in June 2020.", "2020-06"),
        ("Wednesday, April 24\n\nLast year they met.", None),
        ("Nothing dated here, only 2020 and Thursday.", None),
        ("", None),
    ],
)
def test_infer_document_date(text: str, expected: str | None) -> None:
    assert infer_document_date(text) == expected


# --- properties ---------------------------------------------------------------------------

ANCHORS = st.one_of(
    st.none(),
    st.dates().map(dt.date.isoformat),
    st.dates().map(lambda d: d.isoformat()[:7]),
    st.integers(1, 9999).map(lambda y: f"{y:04d}"),
)
# Fragments of date language, so generated text reaches deep into the grammar.
FRAGMENTS = st.sampled_from(
    [
        *MONTH_NAMES, *WEEKDAY_NAMES, "Sept.", "Feb", "the", "of", "end", "early", "mid-",
        "last", "this", "next", "year", "month", "week", "today", "yesterday", "tomorrow",
        "ago", "two", "a", "summer", "winter", "quarter", "half", "first", "Q2", "1990s",
        "21st", "century", "between", "and", "to", "-", "–", "/", ",", ".", "'s", "0", "1",
        "5", "12", "24", "29", "31", "99", "2020", "2022-2024", "2020-10-24", "24.02.2021",
        "9999", "0001", "1000", "2999", "3000", "2020-21", "2020-00",
    ]
)  # fmt: skip
DATEISH = st.lists(FRAGMENTS, min_size=1, max_size=7).map(" ".join)
ANY_TEXT = st.one_of(st.text(max_size=60), DATEISH)


@settings(max_examples=400, deadline=None)
@given(text=ANY_TEXT, anchor=ANCHORS)
def test_normalise_never_raises_and_returns_valid_values(text: str, anchor: str | None) -> None:
    value = normalise(text, anchor)
    if value is not None:
        assert_valid_value(value)


@settings(max_examples=200, deadline=None)
@given(text=ANY_TEXT)
def test_is_date_expression_never_raises(text: str) -> None:
    assert is_date_expression(text) in (True, False)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.one_of(DATEISH, st.text(max_size=20)), max_size=6))
def test_find_spans_are_ordered_disjoint_and_normalise(parts: list[str]) -> None:
    text = " ".join(parts)
    spans = find_date_expressions(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        span = text[start:end]
        assert span[0].isalnum() and span[-1].isalnum()
        assert normalise(span, None) is not None
        previous_end = end


@settings(max_examples=100, deadline=None)
@given(parts=st.lists(st.one_of(DATEISH, st.text(max_size=20)), max_size=8))
def test_infer_document_date_is_a_day_or_month_or_none(parts: list[str]) -> None:
    value = infer_document_date("\n".join(parts))
    assert value is None or re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value)


EXPLICIT_DAYS = st.dates(dt.date(1000, 1, 1), dt.date(2999, 12, 31))


@settings(max_examples=150, deadline=None)
@given(day=EXPLICIT_DAYS, anchor=ANCHORS, style=st.integers(0, 4))
def test_explicit_days_ignore_the_anchor(day: dt.date, anchor: str | None, style: int) -> None:
    month = MONTH_NAMES[day.month - 1]
    text = [
        f"{month} {day.day}, {day.year}",
        f"{day.day} {month} {day.year}",
        day.isoformat(),
        f"{day.day:02d}.{day.month:02d}.{day.year}",
        f"{WEEKDAY_NAMES[day.weekday()]}, {month} {day.day}, {day.year}",
    ][style]
    assert normalise(text, anchor) == day.isoformat()


@settings(max_examples=150, deadline=None)
@given(anchor=st.dates(dt.date(2, 1, 1), dt.date(9998, 12, 31)), weekday=st.integers(0, 6))
def test_a_weekday_is_that_day_of_the_anchor_week(anchor: dt.date, weekday: int) -> None:
    value = normalise(WEEKDAY_NAMES[weekday], anchor.isoformat())
    assert value is not None
    day = dt.date.fromisoformat(value)
    assert day.weekday() == weekday
    assert day.isocalendar()[:2] == anchor.isocalendar()[:2]


@settings(max_examples=150, deadline=None)
@given(anchor=st.dates(dt.date(1001, 1, 1), dt.date(2998, 12, 31)), month=st.integers(1, 12))
def test_a_yearless_month_lands_within_three_months_ahead_or_a_year_back(
    anchor: dt.date, month: int
) -> None:
    value = normalise(MONTH_NAMES[month - 1], anchor.isoformat()[:7])
    assert value is not None
    year, got = (int(p) for p in value.split("-"))
    distance = (year * 12 + got) - (anchor.year * 12 + anchor.month)
    assert -8 <= distance <= 3


# --- module hygiene -----------------------------------------------------------------------


def test_importing_dates_loads_neither_spacy_nor_dateparser() -> None:
    code = (
        "import sys, kyrgyz_ru.extract.dates;"
        " print(sorted({'spacy', 'dateparser'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_values_never_depend_on_the_clock() -> None:
    source = Path(dates.__file__).read_text(encoding="utf-8")
    assert not re.search(r"\.(today|now|utcnow)\(|time\.time\(", source)


def test_a_span_never_ends_on_an_abbreviations_period() -> None:
    for text, found in (
        ("on Monday 1 Sept. we met", "Monday 1 Sept"),
        ("встреча 13 дек. в Москве", "13 дек"),
    ):
        assert [text[a:b] for a, b in find_date_expressions(text)] == [found]
