"""Compare two ways of giving DATE mentions their ISO value, on the gold of the bundled seeds.

(a) dateparser, given every chance: RELATIVE_BASE at the article's date, PREFER_DATES_FROM
    "past", REQUIRE_PARTS for the parts the expression states, search_dates when parse finds
    nothing, and its datetime cut to a precision: first the one dateparser reports itself
    (DateData.period), then the one the expression states (a variant that borrows krq's
    knowledge of what the text says).
(b) krq's grammar, kyrgyz_ru.extract.dates.normalise.

Each method sees only the gold span's text and the article's date, as krq's pipeline does.
Value accuracy is exact string match with the gold canonical value; "?" (unresolvable) is
left out. Then is_date_expression is checked against the raw spaCy model's false DATEs and
the gold DATE texts, with dateparser's "parses at all" as the comparison.

Run: .venv/bin/python benchmarks/date_methods.py
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kyrgyz_ru.extract.dates import is_date_expression, normalise  # noqa: E402

GOLD = ROOT / "tests" / "data" / "seeds-entities.jsonl"
SEEDS = ROOT / "seeds"
ANCHORS = {
    "000_db04cc7ecf981b1f": "2021-02",
    "001_72c8119b68f9c38f": "2020-10-24",
    "002_3dab5950da06293c": "2022-03",
    "003_4e99a73490cd7995": "2021-02-24",
    "004_b49d61f9fd03f434": "2012-04-05",
}
# What spaCy's small English model tags DATE in the seeds that is no calendar date.
MODEL_FALSE_DATES = [
    "several months",
    "annually",
    "year",
    "first days",
    "30-year",
    "centuries-old",
    "49 years",
    "15 years",
    "another 25 years",
]

Mention = tuple[str, str, str | None, str]  # doc, text, anchor, gold value


def gold_mentions() -> list[Mention]:
    mentions: list[Mention] = []
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        doc = record["doc"]
        text = (SEEDS / f"{doc}.txt").open(encoding="utf-8").read()
        for m in record["mentions"]:
            if m["label"] != "DATE":
                continue
            assert text[m["start"] : m["end"]] == m["text"], m
            mentions.append((doc, m["text"], ANCHORS.get(doc), m["canonical"]))
    return mentions


# --- (a) dateparser -------------------------------------------------------------------------

_MONTH_WORD = (
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"
)
_DAY_WORD = r"\b(?:today|yesterday|tomorrow|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b"
_PRECISION_RANK = {"year": 0, "month": 1, "day": 2}


def _relative_base(anchor: str | None) -> dt.datetime:
    """The anchor's last day, so "past" preference keeps dates inside the anchor's period."""
    if anchor is None:
        return dt.datetime(2000, 1, 1)
    parts = [int(p) for p in anchor.split("-")]
    year, month = parts[0], parts[1] if len(parts) > 1 else 12
    day = parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1]
    return dt.datetime(year, month, day)


def _stated_precision(text: str, anchor: str | None) -> str:
    lowered = text.lower()
    has_month = re.search(_MONTH_WORD, lowered) is not None
    if re.search(r"\d{4}-\d{2}-\d{2}", lowered) or (
        has_month and re.search(r"\b\d{1,2}\b", lowered)
    ):
        precision = "day"
    elif re.search(_DAY_WORD, lowered):
        # "today" against a month-precision anchor can say no more than the anchor does.
        anchor_rank = len(anchor.split("-")) - 1 if anchor else 2
        precision = ["year", "month", "day"][anchor_rank]
    elif has_month or re.search(r"\bmonth\b|\d{4}-\d{2}\b", lowered):
        precision = "month"
    else:
        precision = "year"
    return precision


def _required_parts(text: str) -> list[str]:
    lowered = text.lower()
    parts = []
    if re.search(_MONTH_WORD, lowered):
        parts.append("month")
        if re.search(r"\b\d{1,2}\b", lowered):
            parts.append("day")
    if re.search(r"\b\d{4}\b", lowered):
        parts.append("year")
    return parts


def _cut(value: dt.datetime, precision: str) -> str:
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    if precision == "week":
        year, week, _ = value.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return value.strftime("%Y-%m-%d")


def dateparser_method(stated: bool) -> Callable[[str, str | None], str | None]:
    from dateparser.date import DateDataParser
    from dateparser.search import search_dates

    def run(text: str, anchor: str | None) -> str | None:
        settings: dict[str, Any] = {
            "RELATIVE_BASE": _relative_base(anchor),
            "PREFER_DATES_FROM": "past",
            "REQUIRE_PARTS": _required_parts(text) if stated else [],
        }
        data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
        value, period = data.date_obj, data.period
        if value is None:
            found = search_dates(text, languages=["en"], settings=settings)
            if found:
                value, period = found[0][1], "day"
        if value is None:
            return None
        return _cut(value, _stated_precision(text, anchor) if stated else period or "day")

    return run


# --- measuring -------------------------------------------------------------------------------


def accuracy(
    method: Callable[[str, str | None], str | None], mentions: list[Mention]
) -> tuple[float, int, int, float, list[tuple[str, str | None, str]]]:
    scored = [m for m in mentions if m[3] != "?"]
    misses = []
    started = time.perf_counter()
    for _, text, anchor, gold in scored:
        value = method(text, anchor)
        if value != gold:
            misses.append((text, value, gold))
    elapsed = (time.perf_counter() - started) / max(len(scored), 1) * 1000
    right = len(scored) - len(misses)
    return right / max(len(scored), 1), right, len(scored), elapsed, misses


def main() -> None:
    mentions = gold_mentions()
    methods: list[tuple[str, Callable[[str, str | None], str | None]]] = [
        ("dateparser (its own period)", dateparser_method(stated=False)),
        ("dateparser (stated precision)", dateparser_method(stated=True)),
        ("krq grammar (normalise)", normalise),
    ]
    print(f"Gold DATE mentions: {len(mentions)} in {len(ANCHORS)} articles\n")
    print("Value accuracy (exact match with the gold ISO value)")
    all_misses = {}
    for name, method in methods:
        method("2020", "2020")  # warm-up: dateparser loads its language data on first use
        share, right, total, ms, misses = accuracy(method, mentions)
        all_misses[name] = misses
        print(f"  {name:32} {share:6.3f}  ({right}/{total})  {ms:7.3f} ms/mention")
    for name, misses in all_misses.items():
        print(f"\nMisses of {name}:")
        for text, value, gold in misses:
            print(f"  {text!r:28} -> {value!s:26} gold {gold}")

    golds = sorted({m[1] for m in mentions})
    print("\nIs it a calendar date? (model's false DATEs must be rejected, gold texts accepted)")
    parser = dateparser_method(stated=False)
    for name, check in [
        ("krq is_date_expression", is_date_expression),
        ("dateparser parses it", lambda t: parser(t, "2021-02-24") is not None),
    ]:
        rejected = [t for t in MODEL_FALSE_DATES if not check(t)]
        accepted = [t for t in golds if check(t)]
        wrong = len(MODEL_FALSE_DATES) - len(rejected) + len(golds) - len(accepted)
        print(
            f"  {name:26} false DATEs rejected {len(rejected)}/{len(MODEL_FALSE_DATES)}, "
            f"gold dates accepted {len(accepted)}/{len(golds)}, errors {wrong}"
        )
        kept = [t for t in MODEL_FALSE_DATES if check(t)]
        dropped = [t for t in golds if not check(t)]
        if kept or dropped:
            print(f"    kept false: {kept}; dropped gold: {dropped}")


if __name__ == "__main__":
    main()
