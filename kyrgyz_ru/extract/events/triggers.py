"""Triggers and what governs them: negation, hypotheticals, requests, habits, intents."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from kyrgyz_ru.extract.events.lexicon import EventLexicon, Trigger
from kyrgyz_ru.records import Token


@dataclass(frozen=True)
class Hit:
    trigger: Trigger
    start: int
    end: int


@dataclass(frozen=True)
class Lemmas:
    """A document's lemmas as one string, one space between tokens, where the lexicon's triggers
    are matched for a language that inflects them; `at[i]` is where token i's lemma begins."""

    text: str
    at: list[int]
    ends: list[int]

    @classmethod
    def of(cls, lemmas: list[str]) -> Lemmas:
        at: list[int] = []
        ends: list[int] = []
        length = 0
        for lemma in lemmas:
            at.append(length)
            ends.append(length + len(lemma))
            length += len(lemma) + 1
        return cls(" ".join(lemmas), at, ends)


@dataclass(frozen=True)
class _Sentence:
    """What one sentence's triggers are matched on: its words, or its lemmas (`base` is where
    they begin in the document's lemma string). Cut once a sentence, not once a trigger."""

    view: str
    start: int
    base: int
    tokens: list[Token]
    lemmas: Lemmas | None

    @classmethod
    def of(
        cls,
        text: str,
        start: int,
        end: int,
        tokens: list[Token],
        starts: list[int],
        lemmas: Lemmas | None,
    ) -> _Sentence:
        if lemmas is None:
            return cls(text[start:end], start, 0, tokens, None)
        first = bisect.bisect_left(starts, start)
        last = bisect.bisect_left(starts, end)
        if first >= last:
            return cls("", start, 0, tokens, lemmas)
        base = lemmas.at[first]
        return cls(lemmas.text[base : lemmas.ends[last - 1]], start, base, tokens, lemmas)

    def matches(self, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
        """Where the pattern matches, in the text's offsets: on the words, or on the lemmas
        and mapped back to the words they are the lemmas of."""
        lemmas = self.lemmas
        if lemmas is None:
            return [
                (self.start + m.start(), self.start + m.end()) for m in pattern.finditer(self.view)
            ]
        found = []
        for m in pattern.finditer(self.view):
            a = bisect.bisect_right(lemmas.at, self.base + m.start()) - 1
            b = bisect.bisect_right(lemmas.at, self.base + m.end() - 1) - 1
            found.append((self.tokens[a].start, self.tokens[b].end))
        return found


def tag_at(tokens: list[Token], starts: list[int], at: int) -> str:
    i = bisect.bisect_right(starts, at) - 1
    return tokens[i][2] if i >= 0 and tokens[i][0] <= at < tokens[i][1] else ""


def _last_words(text: str, n: int) -> str:
    return " ".join(text.split()[-n:])


def _governed(before: str, after: str, lex: EventLexicon) -> bool:
    """A trigger under negation, a hypothetical, a request or a habit is no event."""
    near = _last_words(before, 3)
    if lex.negation_before.search(near) and not lex.negation_exempt.search(near):
        return True
    if lex.negation_after.search(" ".join(after.split()[:4])):
        return True
    clause = re.split(r"[,;:—–]", before)[-1]
    # "May 21" in a date is the month, not the modal verb.
    window = re.sub(r"\bMay\s+\d", "", _last_words(clause, 6))
    if lex.hypothetical_before.search(window) and not lex.hypothetical_exempt.search(clause):
        return True
    if lex.request_before.search(window):
        return True
    return bool(lex.habitual_before.search(_last_words(before, 4)))


def find_hits(
    text: str,
    start: int,
    end: int,
    tokens: list[Token],
    starts: list[int],
    lex: EventLexicon,
    lemmas: Lemmas | None = None,
) -> list[Hit]:
    hits: list[Hit] = []
    sentence = _Sentence.of(text, start, end, tokens, starts, lemmas)
    if not lex.any_trigger.search(sentence.view):
        return hits  # one pass instead of one a trigger, for the many sentences with none
    for trigger in lex.triggers:
        for a, b in sentence.matches(trigger.pattern):
            if trigger.tags and tag_at(tokens, starts, a) not in trigger.tags:
                continue
            if _governed(text[start:a], text[b:end], lex):
                continue
            hits.append(Hit(trigger, a, b))
    hits.sort(key=lambda h: (h.start, h.end))
    kept = []
    for h in hits:
        purpose = lex.purpose_before.search(text[max(start, h.start - 8) : h.start])
        # "consultations ... to discuss" names a purpose; "intend to discuss" is kept through
        # the intent just before it.
        intended = any(i.trigger.kind == "intent" and 0 <= h.start - i.end < 6 for i in hits)
        if h.trigger.kind == "discuss" and purpose and not intended:
            continue
        kept.append(h)
    if any(h.trigger.kind == "discuss" for h in kept):
        # Aid the talks will discuss is their matter, not aid given.
        kept = [h for h in kept if h.trigger.event_type != "AID"]
    return _absorb(kept, lex)


def _absorb(hits: list[Hit], lex: EventLexicon) -> list[Hit]:
    """An intent gives way to what it introduces: "intend to discuss" is the scheduled talks,
    "readiness to provide assistance" is aid; "ready to resume the talks" or "will continue
    to support" is an agreement, not talks or support."""
    dropped: set[int] = set()
    for i, hit in enumerate(hits):
        if hit.trigger.kind != "intent" and hit.trigger.mode != "agree":
            continue
        for j in range(i + 1, len(hits)):
            nxt = hits[j]
            if nxt.start - hit.end > lex.intent_window:
                break
            if nxt.trigger.event_type == "AGREE":
                continue
            if nxt.trigger.event_type == "AID" or (
                nxt.trigger.kind == "discuss" and hit.trigger.kind == "intent"
            ):
                # "agreed to supply aid", "ready to provide assistance": the aid, not a promise.
                dropped.add(i)
            elif nxt.trigger.event_type in ("CONSULT", "SUPPORT", "COOPERATE"):
                dropped.add(j)
            break
    return [h for i, h in enumerate(hits) if i not in dropped]


def main_hit(group: list[Hit], lex: EventLexicon) -> Hit:
    rank = {mode: i for i, mode in enumerate(lex.mode_priority)}
    return min(group, key=lambda h: (rank.get(h.trigger.mode or "", len(rank)), h.start))
