"""Span repair: turn the model's raw entities into clean PERSON, ORG, PLACE and DATE mentions.

Every rule here is a fact about English news text (titles precede names, a determiner is not
part of a name, an organisation named after a place is one name, a duration is not a date),
never about particular articles.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from kyrgyz_ru.extract import dates
from kyrgyz_ru.extract.knowledge import KnowledgeBase
from kyrgyz_ru.extract.lexicon import Lexicon
from kyrgyz_ru.extract.pipeline import Analysis
from kyrgyz_ru.records import Token

LABEL_MAP = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "PLACE", "LOC": "PLACE", "PLACE": "PLACE"}
_ACRONYM = re.compile(r"\A[A-Z][A-Z0-9&]{1,7}\Z")
_STRIP = " \t\n\"'“”„«»‘’/\\()[]{}<>*,;:!?—–-"
_ABBREVIATION = re.compile(r"(?:\b[A-Za-z]\.){2,}\Z|\b(?:Inc|Ltd|Co|Corp|Jr|Sr|St)\.\Z")
_POSSESSIVE = re.compile(r"['’]s?\Z")


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    label: str
    kb_id: str = ""
    priority: int = 2  # 0 knowledge base, 1 date grammar, 2 model, 3 propagated


class _Tokens:
    """Token boundaries and tags of one document, searchable by character offset."""

    def __init__(self, analysis: Analysis) -> None:
        self.items = analysis.tokens
        self.starts = [t.start for t in self.items]

    def within(self, start: int, end: int) -> list[Token]:
        first = bisect.bisect_left(self.starts, start)
        last = bisect.bisect_left(self.starts, end)
        return [t for t in self.items[first:last] if t.end <= end]


class Repairer:
    def __init__(self, analysis: Analysis, knowledge: KnowledgeBase, lexicon: Lexicon) -> None:
        self.analysis = analysis
        self.text = analysis.document.text
        self.kb = knowledge
        self.lex = lexicon
        self.tokens = _Tokens(analysis)
        self.sentence_ends = [end for _, end in analysis.sentences]

    # -- helpers over text ---------------------------------------------------------------

    def _words(self, start: int, end: int) -> list[Token]:
        return self.tokens.within(start, end)

    def _clip_to_sentence(self, start: int, end: int) -> int:
        i = bisect.bisect_right(self.sentence_ends, start)
        if i < len(self.sentence_ends) and self.sentence_ends[i] < end:
            return self.sentence_ends[i]
        return end

    def _trim(self, start: int, end: int) -> tuple[int, int]:
        """Drop surrounding punctuation, quotes, brackets and a trailing possessive."""
        text = self.text
        while start < end and (text[start] in _STRIP or text[start].isspace()):
            start += 1
        while True:
            while end > start and (text[end - 1] in _STRIP or text[end - 1].isspace()):
                end -= 1
            piece = text[start:end]
            if piece.endswith(".") and not _ABBREVIATION.search(piece):
                end -= 1
                continue
            match = _POSSESSIVE.search(piece)
            if match and end - start > 2 and piece[match.start() - 1 : match.start()].isalpha():
                end -= len(match.group())
                continue
            break
        # A bracket left open inside the span ends the name before it.
        piece = text[start:end]
        if piece.count("(") > piece.count(")"):
            end = start + piece.index("(")
            return self._trim(start, end) if end > start else (start, start)
        return start, end

    def _strip_words(self, start: int, end: int, drop: frozenset[str], leading: bool) -> int:
        """Move `start` past (or `end` before) words in `drop`; return the new boundary."""
        words = self._words(start, end)
        sequence = words if leading else list(reversed(words))
        boundary = start if leading else end
        for w_start, w_end, tag, _ in sequence:
            word = self.text[w_start:w_end].casefold()
            if word in drop or (leading and tag in ("DT", "PRP$")):
                boundary = w_end if leading else w_start
                continue
            break
        return boundary

    # -- the rules -----------------------------------------------------------------------

    def candidates(self) -> list[Candidate]:
        raw = sorted(self.analysis.entities, key=lambda s: (s.start, -s.end))
        merged = self._merge_broken(raw)
        found: list[Candidate] = []
        blockers: list[Candidate] = []
        for span in merged:
            kb_id = self.analysis.kb_ids.get((span.start, span.end), "")
            if kb_id:
                if span.label == "MISC":
                    blockers.append(Candidate(span.start, span.end, "MISC", kb_id, 0))
                else:
                    found.append(Candidate(span.start, span.end, span.label, kb_id, 0))
            elif span.label == "DATE":
                found.extend(self._date(span.start, span.end))
            elif span.label in LABEL_MAP:
                found.extend(self._name(span.start, span.end, LABEL_MAP[span.label]))
        for start, end in dates.find_date_expressions(self.text):
            found.append(Candidate(start, end, "DATE", "", 1))
        blockers.extend(self._known_non_entities())
        # A known non-entity inside a longer known name ("Collective Security Treaty" in
        # "Collective Security Treaty Organization") is part of that name.
        known = [(c.start, c.end) for c in found if c.kb_id]
        blockers = [
            b
            for b in blockers
            if not any(s <= b.start and b.end <= e and e - s > b.end - b.start for s, e in known)
        ]
        found.extend(self._institutions(found))
        found = [c for c in found if c.kb_id or c.label == "DATE" or not self._indefinite(c)]
        found.extend(self._known_acronyms())
        chosen = _without_overlaps(found, blockers)
        chosen = self._with_given_names(chosen)
        chosen = self._relabel_surnames(chosen)
        chosen = _without_overlaps(chosen + self._propagate(chosen), blockers)
        return chosen

    def _known_acronyms(self) -> list[Candidate]:
        """Known acronyms wherever they stand: tokenisation hides "/TASS/." from the ruler."""
        pattern = self.kb.acronym_pattern()
        if pattern is None:
            return []
        result = []
        for match in pattern.finditer(self.text):
            known = self.kb.lookup(match.group())
            if known and known.type in ("ORG", "PLACE"):
                result.append(Candidate(match.start(), match.end(), known.type, known.id, 3))
        return result

    def _with_given_names(self, chosen: list[Candidate]) -> list[Candidate]:
        """A surname the knowledge base knows takes the unlisted given name written before it
        ("Dastanbek Dzhumabekov"), but never a title ("President Putin") or a known name."""
        taken = {c.end for c in chosen}
        result = []
        for c in chosen:
            if c.label == "PERSON" and " " not in self.text[c.start : c.end]:
                i = bisect.bisect_left(self.tokens.starts, c.start) - 1
                if i >= 0:
                    start, end, tag, _ = self.tokens.items[i]
                    word = self.text[start:end]
                    if (
                        tag == "NNP"
                        and end + 1 == c.start
                        and word[:1].isupper()
                        and word.isalpha()
                        and end not in taken
                        and word.casefold() not in self.lex.titles
                        and word.casefold() not in self.lex.demonyms
                        and self._same_sentence(start, c.start)
                    ):
                        c = replace(c, start=start, kb_id="")
            result.append(c)
        return result

    def _indefinite(self, c: Candidate) -> bool:
        """After "a" or "an" a capitalised phrase is a kind of thing, not a name."""
        return bool(re.search(r"(?:^|\s)(?:an?|An?)\s+$", self.text[max(0, c.start - 4) : c.start]))

    def _known_non_entities(self) -> list[Candidate]:
        """Diseases, vaccines, events... found in the text itself: tokenisation cannot hide them."""
        pattern = self.kb.misc_pattern()
        if pattern is None:
            return []
        return [Candidate(m.start(), m.end(), "MISC", "", 0) for m in pattern.finditer(self.text)]

    def _institutions(self, found: list[Candidate]) -> list[Candidate]:
        """Named bodies the model cuts or misses: "Government of the Kyrgyz Republic",
        "State Committee for Information Technology", "Foreign Affairs Ministry of Kyrgyzstan"."""
        places = {c.start: c for c in found if c.label in ("PLACE", "ORG")}
        people = {c.start for c in found if c.label == "PERSON"}
        dated = {c.start for c in found if c.label == "DATE"}
        tokens = self.tokens.items
        words = [self.text[a:b] for a, b, _, _ in tokens]
        result: list[Candidate] = []
        for i, word in enumerate(words):
            if word.casefold() not in self.lex.institution_heads or not word[:1].isupper():
                continue
            first = i
            while (
                first > 0
                and words[first - 1][:1].isupper()
                and words[first - 1].casefold() not in self.lex.determiners
                and tokens[first - 1].start not in people
                and self._same_sentence(tokens[first - 1].start, tokens[i].start)
            ):
                first -= 1
            last, j, ended_by_name = i, i + 1, False
            while j < len(words) and not ended_by_name:
                k = j
                while k < len(words) and words[k] in ("of", "for", "on", "and", "the"):
                    k += 1
                if k == j or k >= len(words) or not words[k][:1].isupper():
                    break
                if tokens[k].start in people or tokens[k].start in dated:
                    break
                named = places.get(tokens[k].start)
                if named is not None and words[j] not in ("of", "for"):
                    break  # "... and the Kyrgyz Republic" names a second party, not this body
                if named is not None:
                    last = bisect.bisect_left(self.tokens.starts, named.end) - 1
                    ended_by_name = True
                    break
                k2 = k
                while (
                    k2 < len(words) and words[k2][:1].isupper() and tokens[k2].start not in people
                ):
                    k2 += 1
                last, j = k2 - 1, k2
            if last == first:
                continue  # "Government" alone is a back-reference, not a name
            start, end = tokens[first].start, tokens[last].end
            known = self.kb.lookup(self.text[start:end])
            result.append(Candidate(start, end, "ORG", known.id if known else "", 0))
        return result

    def _same_sentence(self, a: int, b: int) -> bool:
        return bisect.bisect_right(self.sentence_ends, a) == bisect.bisect_right(
            self.sentence_ends, b
        )

    def _merge_broken(self, raw: list) -> list:  # type: ignore[type-arg]
        """Join an organisation cut before its last words ("Ministry of Health of the" + place)."""
        result = []
        i = 0
        while i < len(raw):
            span = raw[i]
            if (
                span.label == "ORG"
                and i + 1 < len(raw)
                and not self.analysis.kb_ids.get((span.start, span.end))
            ):
                nxt = raw[i + 1]
                gap = self.text[span.end : nxt.start]
                last_word = self.text[span.start : span.end].split()[-1:]
                if (
                    nxt.label in ("ORG", "GPE", "LOC", "PLACE")
                    and len(gap) <= 1
                    and not gap.strip()
                    and last_word
                    and last_word[0].casefold() in self.lex.connectors
                    and self._institution_led(span.start, span.end)
                ):
                    result.append(replace(span, end=nxt.end))
                    i += 2
                    continue
            result.append(span)
            i += 1
        return result

    def _institution_led(self, start: int, end: int) -> bool:
        for w_start, w_end, _, coarse in self._words(start, end):
            word = self.text[w_start:w_end].casefold()
            if word in self.lex.determiners:
                continue
            if word in self.lex.institution_heads:
                return True
            if coarse not in ("PROPN", "ADJ"):
                return False
        return False

    def _date(self, start: int, end: int) -> list[Candidate]:
        start, end = self._trim(start, self._clip_to_sentence(start, end))
        if end <= start or not dates.is_date_expression(self.text[start:end]):
            return []
        return [Candidate(start, end, "DATE", "", 2)]

    def _name(self, start: int, end: int, label: str) -> list[Candidate]:
        end = self._clip_to_sentence(start, end)
        start, end = self._trim(start, end)
        start = self._strip_words(start, end, self.lex.determiners, leading=True)
        end = self._strip_words(start, end, self.lex.connectors, leading=False)
        start, end = self._trim(start, end)
        if end <= start:
            return []
        words = self._words(start, end)
        if not words:
            return []
        first = self.text[words[0].start : words[0].end].casefold()
        extra: list[Candidate] = []
        # "Long Form (ACR)" came in as one span: the acronym is a mention of its own.
        tail = self.text[end : end + 12]
        acronym = re.match(r"\s*\(([A-Z][A-Z0-9&]{1,7})\)", tail)
        if acronym and label == "ORG":
            extra.append(Candidate(end + acronym.start(1), end + acronym.end(1), "ORG", "", 2))
        if first in self.lex.titles:
            return self._after_role(start, end, label)
        return [*self._checked(start, end, label), *extra]

    def _after_role(self, start: int, end: int, label: str) -> list[Candidate]:
        """A role, then maybe 'of the PLACE', then maybe a name: keep the place and the person."""
        words = self._words(start, end)
        texts = [self.text[a:b] for a, b, _, _ in words]
        cut = 0
        for i, word in enumerate(texts):
            if word.casefold() in self.lex.titles or word.casefold() in self.lex.connectors:
                cut = i + 1
            elif word[:1].isupper() and i > 0 and texts[i - 1].casefold() in self.lex.connectors:
                # Words after "of" belong to the role ("of Foreign Affairs") until a name is found.
                cut = i + 1
            else:
                break
        rest = words[cut:]
        if label == "PERSON" or not rest:
            return self._checked(rest[0].start, end, "PERSON") if rest else []
        # Within what follows the role: the longest known place or organisation, then a person.
        result: list[Candidate] = []
        for j in range(len(words), cut, -1):
            piece = self.text[words[cut].start : words[j - 1].end]
            known = self.kb.lookup(piece)
            if known and known.type in ("PLACE", "ORG"):
                result.append(
                    Candidate(words[cut].start, words[j - 1].end, known.type, known.id, 2)
                )
                remainder = words[j:]
                if 1 < len(remainder) <= 4 and all(t.tag == "NNP" for t in remainder):
                    result.extend(self._checked(remainder[0].start, end, "PERSON"))
                return result
        if 1 < len(rest) <= 3 and all(t.tag == "NNP" for t in rest):
            return self._checked(rest[0].start, end, "PERSON")
        return []

    def _checked(self, start: int, end: int, label: str) -> list[Candidate]:
        """The last filters: demonyms, generic words, things that are not organisations."""
        text = self.text[start:end]
        key = " ".join(text.casefold().split())
        words = self._words(start, end)
        if not words or key in self.lex.demonyms or key in self.lex.generic_names:
            return []
        if not any(ch.isupper() or ch.isdigit() for ch in text):
            return []
        known = self.kb.lookup(text)
        if known:
            if known.type == "MISC":
                return []
            return [Candidate(start, end, known.type, known.id, 2)]
        last = self.text[words[-1].start : words[-1].end].casefold()
        if last in self.lex.not_org_heads:
            return []
        if label == "PERSON":
            if _ACRONYM.match(text):
                label = "ORG"
            elif any(ch.isdigit() for ch in text) or len(words) > 5:
                return []
        if len(words) == 1 and words[0].tag in ("JJ", "NNPS") and label != "PERSON":
            return []  # an adjective or a plural people ("Kyrgyz", "Russians") is no place
        if label == "PLACE" and any(ch.isdigit() for ch in text):
            return []
        return [Candidate(start, end, label, "", 2)]

    def _relabel_surnames(self, chosen: list[Candidate]) -> list[Candidate]:
        """A word that is a person's surname elsewhere in the article is that person here too."""
        surnames = self._surnames(chosen)
        result = []
        for c in chosen:
            if (
                c.label in ("ORG", "PLACE")
                and not c.kb_id
                and self.text[c.start : c.end] in surnames
            ):
                c = replace(c, label="PERSON")
            result.append(c)
        return result

    def _surnames(self, chosen: list[Candidate]) -> set[str]:
        names = set()
        for c in chosen:
            if c.label == "PERSON":
                words = self.text[c.start : c.end].split()
                if len(words) >= 2 and not self.lex.is_patronymic(words[-1]):
                    names.add(words[-1].split(".")[-1])
                elif len(words) == 1 and "." in words[0]:
                    names.add(words[0].split(".")[-1])  # initials: R.A.Kazakbayev
        return {n for n in names if len(n) > 2 and n[:1].isupper()}

    def _propagate(self, chosen: list[Candidate]) -> list[Candidate]:
        """One sense per article: other occurrences of a name found once get the same label."""
        forms: dict[str, str] = {}
        for c in chosen:
            if c.label != "DATE":
                forms.setdefault(self.text[c.start : c.end], c.label)
        for surname in self._surnames(chosen):
            forms.setdefault(surname, "PERSON")
        if not forms:
            return []
        return [
            Candidate(start, end, forms[form], "", 3)
            for start, end, form in occurrences(self.text, forms)
            if form[:1].isupper() or form[:1].isdigit()
        ]


def occurrences(text: str, forms: Iterable[str]) -> list[tuple[int, int, str]]:
    """Where the forms occur in the text as whole words, leftmost first, the longest at a
    place, never overlapping: what one regex alternation of them would find (not after a word
    character, dot or hyphen; not before a word character or hyphen, nor a dot and a word
    character, so "Manas" is not found in "Manas-2" or "Manas.kg"). Found with str.find: a
    regex of each document's own names was compiled once a document, which cost more than
    all the matching."""
    order = sorted((f for f in dict.fromkeys(forms) if f), key=len, reverse=True)
    found: list[tuple[int, int, int]] = []  # start, the form's place in `order`, end
    for rank, form in enumerate(order):
        at = text.find(form)
        while at >= 0:
            end = at + len(form)
            if _free_before(text, at) and _free_after(text, end):
                found.append((at, rank, end))
            at = text.find(form, at + 1)
    found.sort()
    result: list[tuple[int, int, str]] = []
    last = 0
    for start, rank, end in found:
        if start >= last:
            result.append((start, end, order[rank]))
            last = end
    return result


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what a regex's \w matches


def _free_before(text: str, at: int) -> bool:
    return at == 0 or not (_word_char(text[at - 1]) or text[at - 1] in ".-")


def _free_after(text: str, end: int) -> bool:
    if end >= len(text):
        return True
    ch = text[end]
    if _word_char(ch) or ch == "-":
        return False
    return not (ch == "." and end + 1 < len(text) and _word_char(text[end + 1]))


def _without_overlaps(found: list[Candidate], blockers: list[Candidate]) -> list[Candidate]:
    """Keep the best of overlapping spans: knowledge base, then grammar, then longer."""
    order = sorted(found, key=lambda c: (c.priority, -(c.end - c.start), c.start))
    starts: list[int] = []  # kept intervals never overlap, so sorted starts find neighbours
    ends: list[int] = []
    kept: list[Candidate] = []

    def free(start: int, end: int) -> bool:
        i = bisect.bisect_left(starts, start)
        if i < len(starts) and starts[i] < end:
            return False
        return not (i > 0 and ends[i - 1] > start)

    def take(start: int, end: int) -> None:
        i = bisect.bisect_left(starts, start)
        starts.insert(i, start)
        ends.insert(i, end)

    for b in blockers:
        if free(b.start, b.end):
            take(b.start, b.end)
    for c in order:
        if c.end > c.start and free(c.start, c.end):
            take(c.start, c.end)
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


def repair(analysis: Analysis, knowledge: KnowledgeBase, lexicon: Lexicon) -> list[Candidate]:
    return Repairer(analysis, knowledge, lexicon).candidates()
