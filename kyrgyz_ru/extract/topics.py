"""Topics of a paragraph: loading a taxonomy file and scoring text against it.

Standard library only: queries re-score stored paragraph text with a user's taxonomy and must
never pay for importing spaCy. The file format is described in docs/topics.md.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Final, NamedTuple

from kyrgyz_ru.errors import DataFileError, NotFoundError
from kyrgyz_ru.records import Event, Paragraph, TopicHit, TopicTerm

__all__ = [
    "FORMAT",
    "EventRule",
    "ListRule",
    "Occasion",
    "Rule",
    "Settings",
    "Taxonomy",
    "Term",
    "Topic",
    "assign_topics",
    "load_taxonomy",
    "normalise",
    "occasions",
]

FORMAT = "krq-taxonomy/1"
_ID = re.compile(r"\A[a-z][a-z0-9_]*\Z")
# Letters and digits; a trailing possessive 's stays on the token so offsets cover "Russia's".
_TOKEN = re.compile(r"[^\W_]+(?:['’][sS](?![^\W_]))?")
# Articles and possessive determiners carry no meaning for matching: "supply of the gas"
# matches "supply of gas", "free movement of our citizens" matches "free movement of citizens".
_SKIPPED = frozenset({"a", "an", "the", "our", "their", "its", "his", "her", "your", "my"})
_SEPARATOR = re.compile(r",|;|/|&|\band\b|\bor\b", re.IGNORECASE)
# A phrase never runs across punctuation: "trade, economic" is two items, not "trade-economic".
_PHRASE_BREAK = re.compile(r"[.,;:!?()\[\]{}|…]")
# A list of agenda items never spans a sentence or a bracket.
_LIST_BREAK = re.compile(r"[.!?:()\[\]\"«»“”—–]")


# --- normalisation -------------------------------------------------------------------------


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


def _undouble(stem: str) -> str:
    if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "lsz" and stem[-1].isalpha():
        return stem[:-1]
    return stem


def _phrase_keys(phrase: str) -> list[tuple[str, ...]]:
    """The token sequences a configured phrase matches: as written, and hyphens closed up."""
    words = [normalise(m.group()) for m in _TOKEN.finditer(phrase)]
    words = [w for w in words if w not in _SKIPPED]
    keys = [tuple(words)] if words else []
    if "-" in phrase:
        joined = re.sub(r"\s*-\s*", "", phrase)
        closed = [normalise(m.group()) for m in _TOKEN.finditer(joined)]
        closed = [w for w in closed if w not in _SKIPPED]
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


class Occasion(NamedTuple):
    """An event found in a paragraph: its trigger's offsets in the paragraph and its kind,
    "TYPE/rule" as the event extractor names them ("CONSULT/visit", "AGREE/sign")."""

    start: int
    end: int
    kind: str


def occasions(events: Sequence[Event], paragraph: Paragraph) -> list[Occasion]:
    """The events whose trigger lies in `paragraph`, with offsets into the paragraph."""
    start, end = paragraph.start, paragraph.end
    return [
        Occasion(e.trigger_start - start, e.trigger_end - start, f"{e.event_type}/{e.rule}")
        for e in events
        if start <= e.trigger_start and e.trigger_end <= end
    ]


@dataclass(frozen=True)
class Rule:
    """When any of `when_terms` occurs in a paragraph, the topics in `drop` are not assigned."""

    name: str
    when_terms: tuple[str, ...]
    drop: tuple[str, ...]


@dataclass(frozen=True)
class _Entry:
    phrase: str
    signals: tuple[tuple[int, float, bool], ...]  # (topic index, weight, context)


@dataclass(frozen=True)
class _Compiled:
    trie: dict[str, Any]
    boilerplate: tuple[re.Pattern[str], ...]
    glue: frozenset[str]
    credit_index: int | None
    rules: tuple[tuple[frozenset[tuple[str, ...]], frozenset[int]], ...]


_END = ""  # the trie key that marks a complete phrase; no token is empty


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
    def _compiled(self) -> _Compiled:
        # cached_property writes to __dict__ directly, so it works on a frozen dataclass.
        trie: dict[str, Any] = {}
        entries: dict[tuple[str, ...], list[tuple[int, float, bool]]] = {}
        phrases: dict[tuple[str, ...], str] = {}
        for index, topic in enumerate(self.topics):
            for term in topic.terms:
                for key in _phrase_keys(term.phrase):
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
            node[_END] = _Entry(phrases[key], tuple(signals))
        ids = {topic.id: i for i, topic in enumerate(self.topics)}
        rules = tuple(
            (
                frozenset(k for t in rule.when_terms for k in _phrase_keys(t)),
                frozenset(ids[d] for d in rule.drop if d in ids),
            )
            for rule in self.rules
        )
        credit = self.lists.credit_topic
        return _Compiled(
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


# A token: (start, end, normalised word, joined), where joined means no punctuation since the
# previous token, so a phrase may run on. A plain tuple: a paragraph makes hundreds of them.
_Token = tuple[int, int, str, bool]
_WORD: Final = 2
_JOINED: Final = 3


class _Match(NamedTuple):
    first: int  # token indexes, inclusive
    last: int
    start: int  # character offsets in the paragraph, end exclusive
    end: int
    key: tuple[str, ...]
    entry: _Entry


def _tokens(text: str) -> list[_Token]:
    result: list[_Token] = []
    previous_end = 0
    breaks = _PHRASE_BREAK.search
    for m in _TOKEN.finditer(text):
        word = normalise(m.group())
        if word in _SKIPPED:
            continue
        start, end = m.span()
        # Most gaps are one space; only look for punctuation in the others.
        joined = start == previous_end + 1 and text[previous_end] == " "
        if not joined:
            joined = breaks(text, previous_end, start) is None
        result.append((start, end, word, joined))
        previous_end = end
    return result


def _find(tokens: list[_Token], compiled: _Compiled) -> list[_Match]:
    """Non-overlapping matches, longest first: "political crisis" wins over "political", and
    "State Committee for National Security" over "head of (the) State"."""
    candidates: list[tuple[int, int, _Entry]] = []  # (first, last, entry)
    n = len(tokens)
    for i in range(n):
        node: dict[str, Any] | None = compiled.trie.get(tokens[i][_WORD])
        best: tuple[int, _Entry] | None = None
        j = i
        while node is not None:
            if _END in node:
                best = (j, node[_END])
            j += 1
            if j >= n or not tokens[j][_JOINED]:
                break
            node = node.get(tokens[j][_WORD])
        if best is not None:
            candidates.append((i, best[0], best[1]))
    if len(candidates) > 1:
        candidates.sort(key=lambda c: (c[0] - c[1], c[0]))
        taken = [False] * n
        chosen = []
        for first, last, entry in candidates:
            if not any(taken[first : last + 1]):
                taken[first : last + 1] = [True] * (last + 1 - first)
                chosen.append((first, last, entry))
        candidates = sorted(chosen)
    return [
        _Match(
            first,
            last,
            tokens[first][0],
            tokens[last][1],
            tuple(t[_WORD] for t in tokens[first : last + 1]),
            entry,
        )
        for first, last, entry in candidates
    ]


def _list_discounts(
    text: str, tokens: list[_Token], matches: list[_Match], taxonomy: Taxonomy
) -> list[bool]:
    """Which matches sit in an enumeration of cooperation areas rather than being subjects."""
    rule, compiled = taxonomy.lists, taxonomy._compiled
    discounted = [False] * len(matches)
    if not matches or rule.min_items <= 0:
        return discounted
    runs: list[list[int]] = [[0]]
    items = [1]
    for k in range(1, len(matches)):
        prev, cur = matches[k - 1], matches[k]
        gap = text[prev.end : cur.start]
        free = sum(1 for t in tokens[prev.last + 1 : cur.first] if t[_WORD] not in compiled.glue)
        if (
            _SEPARATOR.search(gap) is not None
            and _LIST_BREAK.search(gap) is None
            and free <= rule.max_free_words
        ):
            runs[-1].append(k)
            # An area named by a word that is no term ("political") is an item all the same.
            items[-1] += 1 + free
        else:
            runs.append([k])
            items.append(1)
    for run, count in zip(runs, items, strict=True):
        # The credit topic and context words ("cooperation in trade and energy") name no area.
        per_topic: dict[int, int] = {}
        for k in run:
            for index, _, is_context in matches[k].entry.signals:
                if not is_context and index != compiled.credit_index:
                    per_topic[index] = per_topic.get(index, 0) + 1
        # "terrorism, extremism, drug trafficking" is one subject spelled out; an agenda
        # spreads over areas with none of them holding most of the items.
        if (
            count >= rule.min_items
            and len(per_topic) >= 2
            and max(per_topic.values()) <= rule.max_share * count
        ):
            for k in run:
                discounted[k] = True
    return discounted


def _with_occasions(
    occasions: Sequence[Occasion], matches: list[_Match], taxonomy: Taxonomy
) -> tuple[list[_Match], list[_Match]]:
    """The term matches with event triggers as evidence, and the triggers that are no term.
    A term that is a trigger ("talks", "meeting") counts at least the event's weight: the
    extractor has confirmed that the sentence reports the occasion."""
    rule = taxonomy.events
    if rule is None or not occasions:
        return matches, []
    index = taxonomy.ids.index(rule.topic)
    result = list(matches)
    added: list[_Match] = []
    for occasion in occasions:
        weight = rule.weight(occasion.kind)
        if weight <= 0:
            continue
        overlapping = [
            k for k, m in enumerate(result) if m.start < occasion.end and occasion.start < m.end
        ]
        if overlapping:
            for k in overlapping:
                m = result[k]
                signals = tuple(
                    (i, max(w, weight), ctx) if i == index else (i, w, ctx)
                    for i, w, ctx in m.entry.signals
                )
                if signals == m.entry.signals and index not in {s[0] for s in signals}:
                    signals += ((index, weight, rule.context),)
                result[k] = m._replace(entry=_Entry(m.entry.phrase, signals))
            continue
        signal = ((index, weight, rule.context),)
        key = ("\0event", occasion.kind)  # no token holds a NUL: never a term's key
        entry = _Entry(f"event {occasion.kind}", signal)
        added.append(_Match(-1, -1, occasion.start, occasion.end, key, entry))
    return result, added


def assign_topics(
    text: str, taxonomy: Taxonomy, occasions: Sequence[Occasion] = ()
) -> list[TopicHit]:
    """The topics among a paragraph's main subjects, best first, each with its score and the
    terms (offsets into `text`) that triggered it. Boilerplate gets []. `occasions` are the
    events found in the paragraph, if the caller has them (ingest does; re-scoring does not)."""
    compiled = taxonomy._compiled
    settings = taxonomy.settings
    stripped = text.strip()
    if not stripped or any(p.fullmatch(stripped) for p in compiled.boilerplate):
        return []
    tokens = _tokens(text)
    if len(tokens) < settings.min_words:
        return []
    matches = _find(tokens, compiled)
    discounted = _list_discounts(text, tokens, matches, taxonomy)
    matches, extra = _with_occasions(occasions, matches, taxonomy)
    if extra:
        # In text order, so the evidence reads as the paragraph does.
        merged = sorted(
            zip(matches + extra, discounted + [False] * len(extra), strict=True),
            key=lambda pair: pair[0].start,
        )
        matches = [m for m, _ in merged]
        discounted = [d for _, d in merged]
    if not matches:
        return []

    # Only topics with evidence are scored; the rest stay at zero.
    main: dict[int, list[float]] = {}
    context: dict[int, list[float]] = {}
    evidence: dict[int, list[_Match]] = {}
    seen: dict[tuple[int, tuple[str, ...]], int] = {}
    repeat_decay, list_factor = settings.repeat_decay, taxonomy.lists.factor
    credit_index = compiled.credit_index
    for match, in_list in zip(matches, discounted, strict=True):
        for index, weight, is_context in match.entry.signals:
            repeats = seen.get((index, match.key), 0)
            seen[(index, match.key)] = repeats + 1
            value = weight * repeat_decay**repeats if repeats else weight
            if in_list and index != credit_index:
                value *= list_factor
            (context if is_context else main).setdefault(index, []).append(value)
            evidence.setdefault(index, []).append(match)
    if credit_index is not None and any(discounted):
        main.setdefault(credit_index, []).append(taxonomy.lists.credit)
        # The enumeration itself is the evidence for the credit topic.
        listed = [m for m, in_list in zip(matches, discounted, strict=True) if in_list]
        own = evidence.setdefault(credit_index, [])
        own[:] = sorted(set(own) | set(listed))

    # Long paragraphs gather more terms by chance; damp by a power of the length.
    norm = max(1.0, len(tokens) / settings.length_ref_words) ** settings.length_exponent
    decay = settings.rank_decay

    def total(values: list[float]) -> float:
        # Each further piece of evidence adds less, so one topic's pile of terms does not
        # push a second subject named once below the keep ratio.
        values.sort(reverse=True)
        return sum(v * decay**rank for rank, v in enumerate(values))

    main_scores = {i: total(values) / norm for i, values in main.items()}
    subjects = {i for i, score in main_scores.items() if score >= settings.min_score}
    scores: dict[int, float] = {}
    for i in main.keys() | context.keys():
        score = main_scores.get(i, 0.0)
        if i in context:
            factor = settings.context_factor if subjects - {i} else 1.0
            score = total(main.get(i, []) + [v * factor for v in context[i]]) / norm
        scores[i] = score

    present = {m.key for m in matches}
    for when, drop in compiled.rules:
        if present & when:
            for i in drop:
                scores.pop(i, None)

    best = max(scores.values(), default=0.0)
    # The best topic needs enough evidence in all; further topics need it densely enough for
    # the paragraph's length, or a passing mention in a long paragraph would count.
    if best * norm < settings.min_score:
        return []
    hits: list[TopicHit] = []
    for rank, i in enumerate(sorted(scores, key=lambda i: (-scores[i], i))[: settings.max_topics]):
        score = scores[i]
        if rank and (score < settings.min_score or score < settings.keep_ratio * best):
            break
        terms = [TopicTerm(text[m.start : m.end], m.start, m.end) for m in evidence[i]]
        hits.append(TopicHit(taxonomy.topics[i].id, round(score, 3), terms))
    return hits


# --- loading ---------------------------------------------------------------------------

_TOP_KEYS = {
    "format",
    "name",
    "description",
    "settings",
    "lists",
    "boilerplate",
    "rules",
    "events",
    "topics",
}
_EVENT_KEYS = {"topic", "weights", "context"}
_TOPIC_KEYS = {"id", "label", "description", "terms", "context_terms"}
_RULE_KEYS = {"name", "when_terms", "drop"}


class _Invalid(Exception):
    """A problem in the file's content; load_taxonomy adds the file name."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Invalid(f"duplicate key {key!r}")
        result[key] = value
    return result


def _expect(value: Any, kind: type | tuple[type, ...], where: str, what: str) -> Any:
    # bool is an int in Python but never a sensible number or count here.
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise _Invalid(f"{where} must be {what}, not {type(value).__name__}")
    return value


def _number(
    value: Any, where: str, *, maximum: float | None = None, integer: bool = False
) -> float:
    kind: type | tuple[type, ...] = int if integer else (int, float)
    _expect(value, kind, where, "an integer" if integer else "a number")
    if not math.isfinite(value) or value < 0:
        raise _Invalid(f"{where} must be a number of at least 0, got {value}")
    if maximum is not None and value > maximum:
        raise _Invalid(f"{where} must be between 0 and {maximum:g}, got {value}")
    return float(value)


# Settings that multiply or compare scores: a value above 1 makes no sense.
_FRACTIONS = {"keep_ratio", "context_factor", "repeat_decay", "rank_decay", "factor", "max_share"}


def _strings(value: Any, where: str) -> tuple[str, ...]:
    _expect(value, list, where, "a list of strings")
    for i, item in enumerate(value):
        _expect(item, str, f"{where}[{i}]", "a string")
    return tuple(value)


def _terms(value: Any, where: str, *, context: bool) -> list[Term]:
    _expect(value, dict, where, 'an object mapping phrase to weight, e.g. {"gas": 2}')
    terms = []
    for phrase, weight in value.items():
        if not _phrase_keys(phrase):
            raise _Invalid(f"{where}: phrase {phrase!r} has no words to match")
        w = _number(weight, f"{where}[{phrase!r}]")
        if w <= 0:
            raise _Invalid(f"{where}[{phrase!r}] must be a positive weight, got {weight}")
        terms.append(Term(phrase, w, context))
    return terms


def _settings(value: Any, base: Settings) -> Settings:
    _expect(value, dict, "settings", "an object")
    known = {f for f in Settings.__dataclass_fields__}
    changes: dict[str, Any] = {}
    for key, item in value.items():
        if key not in known:
            raise _Invalid(f"unknown setting {key!r}; known: {', '.join(sorted(known))}")
        integer = key in ("max_topics", "min_words")
        maximum = 1.0 if key in _FRACTIONS else None
        number = _number(item, f"settings.{key}", maximum=maximum, integer=integer)
        changes[key] = int(number) if integer else number
    result = replace(base, **changes)
    if result.max_topics < 1:
        raise _Invalid("settings.max_topics must be at least 1")
    if result.length_ref_words <= 0:
        raise _Invalid("settings.length_ref_words must be positive")
    return result


def _lists(value: Any, base: ListRule, ids: set[str]) -> ListRule:
    _expect(value, dict, "lists", "an object")
    known = {f for f in ListRule.__dataclass_fields__}
    changes: dict[str, Any] = {}
    for key, item in value.items():
        where = f"lists.{key}"
        if key not in known:
            raise _Invalid(f"unknown field {where}; known: {', '.join(sorted(known))}")
        if key == "glue":
            changes[key] = _strings(item, where)
        elif key == "credit_topic":
            if item is not None:
                _expect(item, str, where, "a topic id or null")
                if item not in ids:
                    raise _Invalid(f"{where} names unknown topic {item!r}")
            changes[key] = item
        elif key in ("min_items", "max_free_words"):
            changes[key] = int(_number(item, where, integer=True))
        else:
            changes[key] = _number(item, where, maximum=1.0 if key in _FRACTIONS else None)
    return replace(base, **changes)


def _boilerplate(value: Any) -> tuple[str, ...]:
    patterns = _strings(value, "boilerplate")
    for i, pattern in enumerate(patterns):
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise _Invalid(f"boilerplate[{i}] is not a valid regular expression: {exc}") from None
    return patterns


def _rules(value: Any, ids: set[str], known_keys: set[tuple[str, ...]]) -> tuple[Rule, ...]:
    _expect(value, list, "rules", "a list of objects")
    rules = []
    for i, raw in enumerate(value):
        where = f"rules[{i}]"
        _expect(raw, dict, where, "an object")
        unknown = set(raw) - _RULE_KEYS
        if unknown:
            allowed = ", ".join(sorted(_RULE_KEYS))
            raise _Invalid(f"{where}: unknown field {sorted(unknown)[0]!r}; allowed: {allowed}")
        for key in ("when_terms", "drop"):
            if key not in raw:
                raise _Invalid(f"{where}: missing {key!r}")
        when = _strings(raw["when_terms"], f"{where}.when_terms")
        for phrase in when:
            if not set(_phrase_keys(phrase)) & known_keys:
                raise _Invalid(f"{where}.when_terms: {phrase!r} is not a term of any topic")
        drop = _strings(raw["drop"], f"{where}.drop")
        for topic_id in drop:
            if topic_id not in ids:
                raise _Invalid(f"{where}.drop names unknown topic {topic_id!r}")
        name = _expect(raw.get("name", where), str, f"{where}.name", "a string")
        rules.append(Rule(name, when, drop))
    return tuple(rules)


def _events(value: Any, ids: set[str]) -> EventRule | None:
    if value is None:
        return None
    _expect(value, dict, "events", "an object or null")
    unknown = set(value) - _EVENT_KEYS
    if unknown:
        allowed = ", ".join(sorted(_EVENT_KEYS))
        raise _Invalid(f"events: unknown field {sorted(unknown)[0]!r}; allowed: {allowed}")
    topic = _expect(value.get("topic"), str, "events.topic", "a topic id")
    if topic not in ids:
        raise _Invalid(f"events.topic names unknown topic {topic!r}")
    raw = _expect(
        value.get("weights", {}), dict, "events.weights", 'an object, e.g. {"CONSULT": 1}'
    )
    weights = tuple(
        (kind, _number(weight, f"events.weights[{kind!r}]")) for kind, weight in raw.items()
    )
    context = _expect(value.get("context", True), bool, "events.context", "true or false")
    return EventRule(topic, weights, context)


def _topic(raw: Any, where: str) -> Topic:
    _expect(raw, dict, where, "an object")
    unknown = set(raw) - _TOPIC_KEYS
    if unknown:
        allowed = ", ".join(sorted(_TOPIC_KEYS))
        raise _Invalid(f"{where}: unknown field {sorted(unknown)[0]!r}; allowed: {allowed}")
    if "id" not in raw:
        raise _Invalid(f"{where}: missing 'id'")
    topic_id = _expect(raw["id"], str, f"{where}.id", "a string")
    if not _ID.match(topic_id):
        raise _Invalid(f"{where}.id {topic_id!r} must be lowercase letters, digits and _")
    where = f"topic {topic_id!r}"
    if "terms" not in raw:
        raise _Invalid(f"{where}: missing 'terms'")
    terms = _terms(raw["terms"], f"{where}.terms", context=False)
    terms += _terms(raw.get("context_terms", {}), f"{where}.context_terms", context=True)
    label = _expect(raw.get("label", topic_id), str, f"{where}.label", "a string")
    description = _expect(raw.get("description", ""), str, f"{where}.description", "a string")
    return Topic(topic_id, label, description, tuple(terms))


def _parse(data: Any, source: str, base: Taxonomy | None) -> Taxonomy:
    _expect(data, dict, "the file", "a JSON object")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        allowed = ", ".join(sorted(_TOP_KEYS))
        raise _Invalid(f"unknown field {sorted(unknown)[0]!r}; allowed: {allowed}")
    if "format" in data and data["format"] != FORMAT:
        raise _Invalid(f"format must be {FORMAT!r}, got {data['format']!r}")
    if "topics" not in data:
        raise _Invalid("missing 'topics'")
    raw_topics = _expect(data["topics"], list, "topics", "a list of objects")
    if not raw_topics:
        raise _Invalid("'topics' is empty")
    topics = [_topic(raw, f"topics[{i}]") for i, raw in enumerate(raw_topics)]
    ids: set[str] = set()
    for topic in topics:
        if topic.id in ids:
            raise _Invalid(f"duplicate topic id {topic.id!r}")
        ids.add(topic.id)
    name = _expect(data.get("name", Path(source).stem), str, "name", "a string")

    # Sections a custom file leaves out come from the packaged default.
    settings = _settings(data.get("settings", {}), base.settings if base else Settings())
    base_lists = base.lists if base else ListRule()
    if base_lists.credit_topic not in ids:
        base_lists = replace(base_lists, credit_topic=None)
    lists = _lists(data.get("lists", {}), base_lists, ids)
    boilerplate = (
        _boilerplate(data["boilerplate"])
        if "boilerplate" in data
        else (base.boilerplate if base else ())
    )
    known_keys = {k for t in topics for term in t.terms for k in _phrase_keys(term.phrase)}
    rules = _rules(data.get("rules", []), ids, known_keys)
    if "events" in data:
        events = _events(data["events"], ids)
    else:
        # Like the other sections, from the default, while the default's topic exists here.
        events = base.events if base and base.events and base.events.topic in ids else None
    taxonomy = Taxonomy(name, tuple(topics), settings, lists, boilerplate, rules, source, events)
    taxonomy._compiled  # noqa: B018 - compile now so problems surface at load time
    return taxonomy


def _read(path: Path | None) -> tuple[Any, str]:
    try:
        if path is None:
            resource = resources.files("kyrgyz_ru") / "data" / "taxonomy.json"
            text, source = resource.read_text(encoding="utf-8"), str(resource)
        else:
            text, source = path.read_text(encoding="utf-8"), str(path)
    except FileNotFoundError:
        raise DataFileError(f"taxonomy file not found: {path}") from None
    except IsADirectoryError:
        raise DataFileError(f"taxonomy path is a folder, not a file: {path}") from None
    except UnicodeDecodeError:
        raise DataFileError(f"taxonomy file is not UTF-8 text: {path}") from None
    except OSError as exc:
        raise DataFileError(f"cannot read taxonomy file {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys), source
    except _Invalid as exc:
        raise DataFileError(f"{source}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


@lru_cache(maxsize=1)
def _default() -> Taxonomy:
    data, source = _read(None)
    try:
        return _parse(data, source, None)
    except _Invalid as exc:
        raise DataFileError(f"{source}: {exc}") from None


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """None -> the packaged default (kyrgyz_ru/data/taxonomy.json). A malformed file raises
    DataFileError with a one-line message naming the file and what is wrong."""
    if path is None:
        return _default()
    data, source = _read(Path(path))
    try:
        return _parse(data, source, _default())
    except _Invalid as exc:
        raise DataFileError(f"{source}: {exc}") from None
