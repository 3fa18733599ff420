"""Topics of a paragraph: its text scored against a taxonomy, with the terms (and events) that
decided each topic, so that `krq topics --show` can say why.

Standard library only, like the taxonomy: queries re-score stored paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Final, NamedTuple

from kyrgyz_ru.extract.taxonomy import (
    END,
    FORMAT,
    SKIPPED,
    TOKEN,
    Compiled,
    Entry,
    EventRule,
    ListRule,
    Rule,
    Settings,
    Taxonomy,
    Term,
    Topic,
    normalise,
)
from kyrgyz_ru.extract.taxonomy_file import load_taxonomy
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
    "in_article",
    "load_taxonomy",
    "normalise",
    "occasions",
]

_SEPARATOR = re.compile(r",|;|/|&|\band\b|\bor\b", re.IGNORECASE)
# A phrase never runs across punctuation: "trade, economic" is two items, not "trade-economic".
_PHRASE_BREAK = re.compile(r"[.,;:!?()\[\]{}|…]")
# A list of agenda items never spans a sentence or a bracket.
_LIST_BREAK = re.compile(r"[.!?:()\[\]\"«»“”—–]")

# A token: (start, end, normalised word, joined), where joined means no punctuation since the
# previous token, so a phrase may run on. A plain tuple: a paragraph makes hundreds of them.
_Token = tuple[int, int, str, bool]
_WORD: Final = 2
_JOINED: Final = 3


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


class _Match(NamedTuple):
    first: int  # token indexes, inclusive
    last: int
    start: int  # character offsets in the paragraph, end exclusive
    end: int
    key: tuple[str, ...]
    entry: Entry


# A paragraph is read twice at ingest (is it prose? which topics?): tokenised once.
@lru_cache(maxsize=256)
def _tokens(text: str) -> tuple[_Token, ...]:
    result: list[_Token] = []
    previous_end = 0
    breaks = _PHRASE_BREAK.search
    for m in TOKEN.finditer(text):
        word = normalise(m.group())
        if word in SKIPPED:
            continue
        start, end = m.span()
        # Most gaps are one space; only look for punctuation in the others.
        joined = start == previous_end + 1 and text[previous_end] == " "
        if not joined:
            joined = breaks(text, previous_end, start) is None
        result.append((start, end, word, joined))
        previous_end = end
    return tuple(result)


def _find(tokens: Sequence[_Token], compiled: Compiled) -> list[_Match]:
    """Non-overlapping matches, longest first: "political crisis" wins over "political", and
    "State Committee for National Security" over "head of (the) State"."""
    candidates: list[tuple[int, int, Entry]] = []  # (first, last, entry)
    n = len(tokens)
    for i in range(n):
        node: dict[str, Any] | None = compiled.trie.get(tokens[i][_WORD])
        best: tuple[int, Entry] | None = None
        j = i
        while node is not None:
            if END in node:
                best = (j, node[END])
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
    text: str, tokens: Sequence[_Token], matches: list[_Match], taxonomy: Taxonomy
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
                result[k] = m._replace(entry=Entry(m.entry.phrase, signals))
            continue
        signal = ((index, weight, rule.context),)
        key = ("\0event", occasion.kind)  # no token holds a NUL: never a term's key
        entry = Entry(f"event {occasion.kind}", signal)
        added.append(_Match(-1, -1, occasion.start, occasion.end, key, entry))
    return result, added


def _is_prose(text: str, taxonomy: Taxonomy) -> bool:
    """Whether a paragraph can have a subject at all: not empty, not boilerplate, enough words
    (words of letters: a "date 2023-05-18" header line or a dateline is no subject)."""
    stripped = text.strip()
    if not stripped or any(p.fullmatch(stripped) for p in taxonomy._compiled.boilerplate):
        return False
    words = sum(1 for token in _tokens(text) if token[_WORD].isalpha())
    return words >= taxonomy.settings.min_words


def in_article(
    texts: Sequence[str], hits: Sequence[list[TopicHit]], taxonomy: Taxonomy
) -> list[list[TopicHit]]:
    """Each paragraph's topics, where a paragraph with no topic word of its own takes the
    article's subject from its opening: a news article states its subject in the headline or
    lede, and the quotes and reactions that follow ("Xi expressed confidence that...") continue
    it without naming it again. Only the opening's topics that the article keeps returning to
    pass on (a share of its paragraphs), so one passing word in a headline does not spread.
    `hits` are per paragraph, with terms at document offsets; an inherited topic's terms are
    the opening's, so `krq topics --show` can say where it came from."""
    settings = taxonomy.settings
    prose = [_is_prose(text, taxonomy) for text in texts]
    opening = next((i for i, is_prose in enumerate(prose) if is_prose), None)
    if opening is None or not hits[opening]:
        return [list(h) for h in hits]
    counts: dict[str, int] = {}
    for found in hits:
        for hit in found:
            counts[hit.id] = counts.get(hit.id, 0) + 1
    needed = max(settings.article_min, settings.article_share * sum(prose))
    subject = [h for h in hits[opening] if counts[h.id] >= needed]
    result = []
    for i, found in enumerate(hits):
        if found or not prose[i] or i == opening or not subject:
            result.append(list(found))
            continue
        result.append(
            [TopicHit(h.id, round(h.score * settings.article_factor, 3), h.terms) for h in subject]
        )
    return result


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
