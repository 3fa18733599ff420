"""The topic taxonomy in memory: topics, their weighted terms and rules, compiled into a trie
of normalised word sequences for matching (the file format: taxonomy_file.py, docs/topics.md).

Standard library only, and the pure-Python Snowball stemmer for Russian words: queries
re-score stored paragraphs with a user's taxonomy and must never pay for importing spaCy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache, cached_property, lru_cache
from typing import Any, Protocol, cast

from kyrgyz_ru.errors import NotFoundError

FORMAT = "krq-taxonomy/1"
# Letters and digits; a trailing possessive 's stays on the token so offsets cover "Russia's".
TOKEN = re.compile(r"[^\W_]+(?:['’][sS](?![^\W_]))?")
# Articles and possessive determiners carry no meaning for matching: "supply of the gas"
# matches "supply of gas", "free movement of our citizens" matches "free movement of citizens".
SKIPPED = frozenset({"a", "an", "the", "our", "their", "its", "his", "her", "your", "my"})


def _americanise(word: str) -> str:
    # British and American spellings meet in one form so lists need only one of them.
    if len(word) > 5 and word.endswith("our"):
        word = word[:-3] + "or"  # labour, favour
    for british, american in (("isation", "ization"), ("yse", "yze")):
        if british in word:
            word = word.replace(british, american)
    if word.endswith(("ise", "ised", "ises", "ising")):
        # Only after a stem of four letters: "organise" but not "raise" or "rise".
        word = re.sub(r"(?<=\w{4})is(e|ed|es|ing)\Z", r"iz\1", word)
    if word.endswith("tre") and len(word) > 4:
        word = word[:-3] + "ter"  # centre, metre
    if word.endswith("mme") and len(word) > 5:
        word = word[:-2]  # programme
    if word.endswith("ence") and word in ("defence", "offence", "licence"):
        word = word[:-3] + "nse"
    return word


@lru_cache(maxsize=65536)
def normalise(token: str) -> str:
    """A conservative stem: case, possessive, plural and verb endings, British spelling.

    Short tokens written in capitals (AIDS, SARS, CIS) are acronyms and are only lowercased,
    so "AIDS" never becomes "aid".
    """
    if token[-2:] in ("'s", "’s", "'S", "’S"):
        token = token[:-2]
    if _CYRILLIC.search(token):
        return _russian_stem(token)
    if 2 <= len(token) <= 4 and token.isupper():
        return token.lower()  # longer capitals are a shouted headline, not an acronym
    word = _americanise(token.lower())
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith(("ies", "ied")) and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 6:  # after the plural: "meetings" -> "meet"
        return _undouble(word[:-3])
    if word.endswith("ed") and len(word) >= 5:
        # No final-e step after this: "agreed" -> "agre" meets "agree" -> "agre".
        return _undouble(word[:-2])
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _russian_stem(token: str) -> str:
    """A Russian word by its Snowball stem: «переговоры», «переговоров» and «переговорах» meet
    in «переговор», so a term matches every case form. Acronyms in capitals (ОДКБ, ЕАЭС) are
    only lowercased, as in English. The stemmer is pure Python (snowballstemmer) and loads the
    first time a Cyrillic word is seen, so English-only work never imports it."""
    if 2 <= len(token) <= 5 and token.isupper():
        return token.lower()
    word = token.lower().replace("ё", "е")
    if len(word) <= 3 or not word.replace("-", "").isalpha():
        return word
    stemmer = _stemmer()
    stem = stemmer.stemWord(word)
    # Snowball reads a noun ending in -ит, -им, -ен... as a verb ending: «визит» -> «виз» but
    # «визита» -> «визит», «саммит» -> «самм». When what it cut is a verb ending, the word (or
    # the word less a case vowel: «саммите») is kept if it behaves as a noun stem, that is if
    # the stemmer gives it back from its genitive in -а. Verbs fail that test: «подписала»
    # stems to «подписа», not «подписал».
    if stem != word and word[len(stem) :] in _VERB_ENDINGS:
        for candidate in (word, word[:-1] if word[-1] in _VOWELS else ""):
            if candidate[-1:] in _CONSONANTS and stemmer.stemWord(candidate + "а") == candidate:
                return candidate
    return stem


# Snowball's Russian verb endings (both groups), and the letters the noun test reads.
_VERB_ENDINGS = frozenset(
    {
        "ла", "на", "ете", "йте", "ли", "й", "л", "ем", "н", "ло", "но", "ет", "ют", "ны", "ть",
        "ешь", "нно", "ила", "ыла", "ена", "ейте", "уйте", "ите", "или", "ыли", "ей", "уй", "ил",
        "ыл", "им", "ым", "ен", "ило", "ыло", "ено", "ят", "ует", "уют", "ит", "ыт", "ены", "ить",
        "ыть", "ишь", "ую", "ю"
    }
)  # fmt: skip
_CONSONANTS = frozenset("бвгджзклмнпрстфхцчшщ")
_VOWELS = frozenset("аеиоуыэюя")


class _Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...  # the library's name


@cache
def _stemmer() -> _Stemmer:
    from snowballstemmer.russian_stemmer import RussianStemmer

    return cast("_Stemmer", RussianStemmer())


def _undouble(stem: str) -> str:
    if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "lsz" and stem[-1].isalpha():
        return stem[:-1]
    return stem


def phrase_keys(phrase: str) -> list[tuple[str, ...]]:
    """The token sequences a configured phrase matches: as written, and hyphens closed up."""
    words = [normalise(m.group()) for m in TOKEN.finditer(phrase)]
    words = [w for w in words if w not in SKIPPED]
    keys = [tuple(words)] if words else []
    if "-" in phrase:
        joined = re.sub(r"\s*-\s*", "", phrase)
        closed = [normalise(m.group()) for m in TOKEN.finditer(joined)]
        closed = [w for w in closed if w not in SKIPPED]
        if closed and tuple(closed) not in keys:
            keys.append(tuple(closed))
    return keys


# --- the taxonomy ------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A phrase that signals a topic. Context terms (talks, agenda) only count in full when
    no other topic is the paragraph's subject."""

    phrase: str
    weight: float
    context: bool = False


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    description: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Settings:
    """Scoring knobs; docs/topics.md explains each, the packaged file holds the tuned values."""

    min_score: float = 1.5
    keep_ratio: float = 0.5
    max_topics: int = 3
    min_words: int = 3
    length_ref_words: float = 30.0
    length_exponent: float = 0.75
    context_factor: float = 0.25
    repeat_decay: float = 0.5
    rank_decay: float = 0.7
    # A paragraph with no topic word of its own continues the article's subject: it takes the
    # opening paragraph's topics that at least `article_share` of the article's paragraphs
    # (and `article_min` of them) also bear, at `article_factor` of the opening's score.
    article_share: float = 0.3
    article_min: int = 2
    article_factor: float = 0.5


@dataclass(frozen=True)
class ListRule:
    """Enumerations of cooperation areas ("political, trade, energy and cultural fields") name
    an agenda, not the paragraph's subjects."""

    min_items: int = 3
    max_share: float = 0.5
    factor: float = 0.2
    max_free_words: int = 1
    glue: tuple[str, ...] = ()
    credit_topic: str | None = None
    credit: float = 0.0


@dataclass(frozen=True)
class EventRule:
    """Events the extractor found (#10) as evidence for one topic. A meeting, visit, call or
    signing is often reported with no word of the topic's own ("the President arrives in
    Moscow", "Putin rang Otunbayeva"), yet the event extractor knows the sentence is one.
    `weights` maps an event kind, "TYPE/rule" or "TYPE", to the weight its trigger adds;
    context weights count in full only when no other topic is the paragraph's subject."""

    topic: str
    weights: tuple[tuple[str, float], ...] = ()
    context: bool = True

    def weight(self, kind: str) -> float:
        table = dict(self.weights)
        return table.get(kind, table.get(kind.split("/", 1)[0], 0.0))


@dataclass(frozen=True)
class Rule:
    """When any of `when_terms` occurs in a paragraph, the topics in `drop` are not assigned."""

    name: str
    when_terms: tuple[str, ...]
    drop: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    phrase: str
    signals: tuple[tuple[int, float, bool], ...]  # (topic index, weight, context)


@dataclass(frozen=True)
class Compiled:
    trie: dict[str, Any]
    boilerplate: tuple[re.Pattern[str], ...]
    glue: frozenset[str]
    credit_index: int | None
    rules: tuple[tuple[frozenset[tuple[str, ...]], frozenset[int]], ...]


END = ""  # the trie key that marks a complete phrase; no token is empty


@dataclass(frozen=True)
class Taxonomy:
    name: str
    topics: tuple[Topic, ...]
    settings: Settings = field(default_factory=Settings)
    lists: ListRule = field(default_factory=ListRule)
    boilerplate: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    source: str = ""
    events: EventRule | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(topic.id for topic in self.topics)

    def get(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise NotFoundError(
            f"no topic {topic_id!r} in taxonomy {self.name!r}; topics are: {', '.join(self.ids)}"
        )

    @cached_property
    def _compiled(self) -> Compiled:
        # cached_property writes to __dict__ directly, so it works on a frozen dataclass.
        trie: dict[str, Any] = {}
        entries: dict[tuple[str, ...], list[tuple[int, float, bool]]] = {}
        phrases: dict[tuple[str, ...], str] = {}
        for index, topic in enumerate(self.topics):
            for term in topic.terms:
                for key in phrase_keys(term.phrase):
                    signals = entries.setdefault(key, [])
                    phrases.setdefault(key, term.phrase)
                    # The same stem listed twice for one topic (labour/labor) counts once.
                    same = [s for s in signals if s[0] == index]
                    if same:
                        if term.weight > same[0][1]:
                            signals[signals.index(same[0])] = (index, term.weight, term.context)
                    else:
                        signals.append((index, term.weight, term.context))
        for key, signals in entries.items():
            node = trie
            for word in key:
                node = node.setdefault(word, {})
            node[END] = Entry(phrases[key], tuple(signals))
        ids = {topic.id: i for i, topic in enumerate(self.topics)}
        rules = tuple(
            (
                frozenset(k for t in rule.when_terms for k in phrase_keys(t)),
                frozenset(ids[d] for d in rule.drop if d in ids),
            )
            for rule in self.rules
        )
        credit = self.lists.credit_topic
        return Compiled(
            trie=trie,
            # Compiled one by one: a user's pattern may carry its own inline flags.
            boilerplate=tuple(re.compile(p, re.IGNORECASE) for p in self.boilerplate),
            glue=frozenset(normalise(w) for w in self.lists.glue),
            credit_index=ids.get(credit) if credit else None,
            rules=rules,
        )

    def with_settings(self, **changes: Any) -> Taxonomy:
        """A copy with some settings changed (benchmarks and tuning)."""
        return replace(self, settings=replace(self.settings, **changes))


# --- scoring ---------------------------------------------------------------------------
