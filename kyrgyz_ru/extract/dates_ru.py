"""Russian date expressions: find them in running text, give the same ISO values as English.

A Russian expression is read word by word into the English one it means («13 июля 2010 года»
-> "13 July 2010", «прошлом году» -> "last year", «в начале 2021 года» -> "the beginning of
2021") and resolved by extract/dates.py, so both languages share one grammar of values,
precisions, ranges and anchors. Spans leave out the preposition («2010 году» in «в 2010
году»), as the annotation guideline asks. Standard library only.
"""

from __future__ import annotations

import re

from kyrgyz_ru.extract import dates

# Language, not data: month names in the cases news uses, with their abbreviations.
_MONTHS = {
    "янв": "January", "фев": "February", "мар": "March", "апр": "April", "июн": "June",
    "июл": "July", "авг": "August", "сен": "September", "окт": "October", "ноя": "November",
    "дек": "December",
}  # fmt: skip
_MONTH_WORD = (
    r"(?:январ[ьяеию]|феврал[ьяеию]|марта?|марте|апрел[ьяеию]|ма[йяею]|июн[ьяеию]|"
    r"июл[ьяеию]|августа?|августе|сентябр[ьяеию]|октябр[ьяеию]|ноябр[ьяеию]|декабр[ьяеию]|"
    r"(?:янв|фев|мар|апр|июн|июл|авг|сент?|окт|нояб?|дек)\.?)"
)
_WEEKDAYS = {
    "понедельник": "Monday", "вторник": "Tuesday", "среда": "Wednesday", "среду": "Wednesday",
    "четверг": "Thursday", "пятница": "Friday", "пятницу": "Friday", "суббота": "Saturday",
    "субботу": "Saturday", "воскресенье": "Sunday",
}  # fmt: skip
_RELATIVE = {
    "прошл": "last", "минувш": "last", "предыдущ": "last", "эт": "this", "текущ": "this",
    "нынешн": "this", "следующ": "next", "будущ": "next", "наступающ": "next",
}  # fmt: skip
_UNITS = {"год": "year", "месяц": "month", "недел": "week"}
_PARTS = {
    "начал": "the beginning of", "конц": "the end of", "конец": "the end of",
    "середин": "the middle of", "перв": "the first half of", "втор": "the second half of",
}  # fmt: skip
_SEASONS = {"весн": "spring", "лет": "summer", "осен": "autumn", "зим": "winter"}
_DAYS = {"сегодня": "today", "вчера": "yesterday", "завтра": "tomorrow",
         "позавчера": "the day before yesterday"}  # fmt: skip
_YEAR_WORD = r"(?:год(?:а|у|е|ом|ы|ах|ов)?|гг?\.)"
_MONTH_LOCATIVE = (
    r"(?:январе|феврале|марте|апреле|мае|июне|июле|августе|сентябре|октябре|ноябре|декабре)"
)
_WEEKDAY_WORD = r"(?:понедельник|вторник|сред[аеу]|четверг|пятниц[аеу]|суббот[аеу]|воскресенье)"
_YEAR = r"[0-9]{4}"
_DAY = r"[0-9]{1,2}"
_DASH = r"\s?[-\u2010-\u2015\u2212]\s?"
_REL = r"(?:прошл|минувш|предыдущ|эт|текущ|нынешн|следующ|будущ|наступающ)\w*"
_SEASON_WORD = r"(?:весн|лет|осен|зим)\w*"
_PART_WORD = (
    r"(?:начал[еоа]|конц[еау]|конец|середин[еыау]|перв(?:ой|ая|ую) половин[еыау]|"
    r"втор(?:ой|ая|ую) половин[еыау])"
)
_YEAR_PHRASE = rf"(?:{_YEAR}(?:{_DASH}{_YEAR})?\s+{_YEAR_WORD}|{_REL}\s+год\w*)"
_START, _END = dates.EXPRESSION_START, dates.EXPRESSION_END  # the same boundaries as English
_FIND = [
    re.compile(_START + p + _END, re.IGNORECASE)
    for p in (
        # «3–5 марта 2021 года», «30 марта – 2 апреля 2022 года», «13 июля 2010 года»
        rf"{_DAY}(?:\s+{_MONTH_WORD})?{_DASH}{_DAY}\s+{_MONTH_WORD}(?:\s+(?:{_YEAR_PHRASE}|{_YEAR}))?",
        rf"{_DAY}\s+{_MONTH_WORD}(?:\s+(?:{_YEAR_PHRASE}|{_YEAR}(?:\s+{_YEAR_WORD})?))?",
        # «с 19 по 21 октября», «с 30 марта по 2 апреля 2022 года»: the span starts at the day
        rf"(?:(?<=\b[сС]\s)|(?<=\b[сС]о\s)){_DAY}(?:\s+{_MONTH_WORD})?\s+по\s+{_DAY}\s+"
        rf"{_MONTH_WORD}(?:\s+(?:{_YEAR_PHRASE}|{_YEAR}))?",
        # «в четверг, 27 ноября»: the weekday and its date are one expression
        rf"{_WEEKDAY_WORD},\s+{_DAY}\s+{_MONTH_WORD}(?:\s+(?:{_YEAR_PHRASE}|{_YEAR}))?",
        # «марте 2021 года», «декабре прошлого года»
        rf"{_MONTH_WORD}\s+(?:{_YEAR_PHRASE}|{_YEAR})",
        # «начале 2021 года», «конце марта», «середине прошлого года», «с начала года»
        rf"{_PART_WORD}\s+(?:{_YEAR_PHRASE}|{_MONTH_WORD}(?:\s+{_YEAR_PHRASE})?|года)",
        # «в ноябре»: a month alone, in the locative after «в»
        rf"(?<=\b[вВ]\s){_MONTH_LOCATIVE}",
        # «весной 2011 года», «летом прошлого года»
        rf"{_SEASON_WORD}\s+{_YEAR_PHRASE}",
        # «2010 году», «2022–2024 годах», «прошлом году», «этом месяце», «прошлой неделе»
        _YEAR_PHRASE,
        rf"{_REL}\s+(?:месяц\w*|недел\w*)",
        r"(?:сегодня|вчера|завтра|позавчера)",
        # A weekday after «в»/«во» only: «на окружающую среду» is no Wednesday.
        r"(?:(?<=\b[вВ]\s)|(?<=\b[вВ]о\s))"
        r"(?:понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье)",
        # Numbers: «24.02.2021», «2020-10-24»
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
        r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}",
    )
]
_TOKEN = re.compile(r"[0-9]+|[^\W\d_]+\.?|[-\u2010-\u2015\u2212]|\S")


def _month(word: str) -> str | None:
    word = word.casefold().rstrip(".")
    if word in ("мая", "май", "мае", "маю"):
        return "May"
    return _MONTHS.get(word[:3]) if len(word) >= 3 else None


def _starts(word: str, table: dict[str, str]) -> str | None:
    for stem, value in table.items():
        if word.startswith(stem):
            return value
    return None


def translate(text: str) -> str | None:
    """The English expression a Russian date expression means, None when it is none."""
    words = [w.casefold() for w in _TOKEN.findall(text)]
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word.isdigit():
            out.append(word)
        elif re.fullmatch(r"[-\u2010-\u2015\u2212]", word):
            out.append("-")
        elif word in ("по", "до") and out and nxt.isdigit():
            out.append("-")  # «с 19 по 21 октября»: the range's two ends
        elif word in ("в", "во", "на", "с", "со", "по", "к", "до", "от"):
            pass  # a preposition inside a range
        elif word == ",":
            out.append(",")  # «четверг, 27 ноября»
        elif re.fullmatch(_YEAR_WORD, word):
            if out and out[-1].endswith(" of"):
                out.append("the year")  # «с начала года»: the year the article is in
            # else «2010 года»: the number says it all
        elif word in _DAYS:
            out.append(_DAYS[word])
        elif word in _WEEKDAYS:
            out.append(_WEEKDAYS[word])
        elif _starts(word, _RELATIVE) and _starts(nxt, _UNITS):
            unit = _starts(nxt, _UNITS)
            relative = _starts(word, _RELATIVE)
            # «декабре прошлого года» -> "December last year" (month then its year).
            out.append(f"{relative} {unit}")
            i += 1
        elif _starts(word, _PARTS) and not word.startswith("перв") and not word.startswith("втор"):
            out.append(_starts(word, _PARTS) or "")
        elif word.startswith(("перв", "втор")) and nxt.startswith("половин"):
            out.append(_PARTS[word[:4]])
            i += 1
        elif _starts(word, _SEASONS) and len(word) > 3:
            out.append(_starts(word, _SEASONS) or "")
        elif _month(word):
            out.append(_month(word) or "")
        else:
            return None
        i += 1
    if not out:
        return None
    english = " ".join(out).replace(" - ", "-").replace(" ,", ",")
    # "the beginning of March 2021" reads as English does; a season takes "of" before a year.
    english = re.sub(r"\b(spring|summer|autumn|winter) (\d{4})\b", r"\1 \2", english)
    return english


def normalise(text: str, anchor: str | None) -> str | None:
    english = translate(text)
    return dates.normalise(english, anchor) if english else None


def is_date_expression(text: str) -> bool:
    english = translate(text)
    return dates.is_date_expression(english) if english else False


def find_date_expressions(text: str) -> list[tuple[int, int]]:
    """Spans of Russian date expressions, ordered, never overlapping, earliest then longest."""
    candidates: list[tuple[int, int]] = []
    for pattern in _FIND:
        for m in pattern.finditer(text):
            if is_date_expression(m.group()):
                candidates.append(dates.without_final_dot(text, *m.span()))
    spans: list[tuple[int, int]] = []
    for start, end in sorted(candidates, key=lambda span: (span[0], -span[1])):
        if not spans or start >= spans[-1][1]:
            spans.append((start, end))
    return spans


# «МОСКВА, 13 июл — РИА Новости», «БИШКЕК, 5 марта 2021 г. /Кабар/»: a place in capitals, a
# comma, a day and a month, then a dash or the agency.
_DATELINE = re.compile(
    rf"^[ \t]*[А-ЯЁ][А-ЯЁ\-]+(?:[ \t][А-ЯЁ][А-ЯЁ\-]+){{0,2}},[ \t]+"
    rf"(?P<date>{_DAY}\s+{_MONTH_WORD}(?:\s+{_YEAR}(?:\s+{_YEAR_WORD})?)?)"
    rf"[ \t]*(?:[-\u2010-\u2015/(]|$)",
    re.MULTILINE | re.IGNORECASE,
)
_HEAD_CHARS = 400


def infer_document_date(text: str) -> str | None:
    """The article's date from its dateline or explicit dates, by the English rule
    (dates.infer_document_date), with Russian datelines and dates."""
    values: list[tuple[int, str]] = []
    for start, end in find_date_expressions(text):
        value = normalise(text[start:end], None) or ""
        last = value.rsplit("/", 1)[-1]
        if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", last):
            values.append((start, last))
    latest = max((v for _, v in values), key=_first_day, default=None)
    dateline = _DATELINE.search(text[:_HEAD_CHARS])
    if dateline is not None:
        english = translate(dateline["date"])
        if english:
            stated = dates.normalise(english, None)
            if stated is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", stated):
                return stated
            return _dateline_year(english, latest)
    head = [v for offset, v in values if offset < _HEAD_CHARS and len(v) == 10]
    return head[0] if head else latest


def _first_day(value: str) -> str:
    return value if len(value) == 10 else value + "-01"


def _dateline_year(month_day: str, latest: str | None) -> str | None:
    """A yearless dateline takes the year of the latest dated event within three months."""
    import datetime as dt

    if latest is None:
        return None
    last = dt.date.fromisoformat(_first_day(latest))
    for year in (last.year, last.year + 1):
        value = dates.normalise(month_day, f"{year:04d}")
        if value is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            continue
        day = dt.date.fromisoformat(value)
        if last <= day <= last + dt.timedelta(days=92):
            return value
    return None
