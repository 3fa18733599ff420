"""The Russian pipeline: natasha reads a Russian article into the same `Analysis` as spaCy gives
an English one (entities as character spans of the original text, sentences, tagged tokens),
plus the nominative form of every name, so that «Лаврова» links as «Лавров».

natasha (slovnet NER, morphology and lemmas; models inside the package, offline) was chosen
because spaCy's Russian models cannot be installed here and natasha is the field's toolkit.
Its objects never leave this module. Measured on the development paragraphs
(tests/test_russian.py), natasha alone splits «МИД Киргизии» into ORG + PLACE, keeps titles
out of names but sometimes labels adjectives, and misses «… ГЭС» names; so three repairs run
here, where the morphology is at hand: the knowledge base matched on lemmas (every case form
of a known name), an institution followed by a state in the genitive made one ORG, and spans
without a capitalised word (adjectives, roles) dropped. The shared span repair
(extract/repair.py) runs after, as for English.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from kyrgyz_ru.errors import ModelError
from kyrgyz_ru.extract.knowledge import KnowledgeBase
from kyrgyz_ru.extract.lexicon import LEXICON
from kyrgyz_ru.extract.pipeline import Analysis, split_sentence
from kyrgyz_ru.records import Document, Span, Token

# Universal POS to the Penn Treebank tags the shared steps (repair, key phrases) read.
_TAGS = {
    "PROPN": "NNP", "NOUN": "NN", "ADJ": "JJ", "VERB": "VB", "AUX": "MD", "ADP": "IN",
    "DET": "DT", "PRON": "PRP", "NUM": "CD", "CCONJ": "CC", "SCONJ": "IN", "ADV": "RB",
    "PART": "RP", "PUNCT": ".", "SYM": "SYM", "INTJ": "UH", "X": "FW",
}  # fmt: skip
_COARSE = {"PROPN": "PROPN", "NOUN": "NOUN", "ADJ": "ADJ"}
_LABELS = {"PER": "PERSON", "LOC": "GPE", "ORG": "ORG"}
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LONGEST_NAME = 8  # words in the longest knowledge-base name matched on lemmas


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    text: str
    pos: str
    lemma: str
    case: str  # Nom, Gen... as the tagger saw it; "" when it has none


class _Token:
    """A token as natasha's normalisers read it (text, offsets, tags): the few attributes of
    its DocToken, without building a record of each."""

    __slots__ = ("feats", "pos", "start", "stop", "text")

    def __init__(self, start: int, stop: int, text: str) -> None:
        self.start, self.stop, self.text = start, stop, text
        self.pos: str | None = None
        self.feats: dict[str, str] | None = None


@dataclass(frozen=True)
class _Cut:
    start: int
    stop: int


@dataclass(frozen=True)
class _Segmented:
    tokens: list[_Token]
    sents: list[tuple[int, int]]


@dataclass(frozen=True)
class _Pattern:
    entity_id: str
    label: str
    alias: str
    words: tuple[frozenset[str], ...]  # each word: its lemmas, any of which matches


@dataclass(frozen=True)
class _Lists:
    titles: frozenset[str]
    institution_heads: frozenset[str]
    not_names: frozenset[str]


@cache
def _lists() -> _Lists:
    raw = json.loads(LEXICON.read_text(encoding="utf-8"))
    return _Lists(
        titles=frozenset(raw.get("ru_titles", [])),
        institution_heads=frozenset(raw.get("ru_institution_heads", [])),
        not_names=frozenset(raw.get("ru_not_names", [])),
    )


class RussianPipeline:
    """natasha's segmenter, morphology tagger, lemmatiser and NER with the knowledge base's
    Cyrillic names as lemma patterns; load once, analyse many documents."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        try:
            from natasha import (
                MorphVocab,
                NewsEmbedding,
                NewsMorphTagger,
                NewsNERTagger,
            )
        except ImportError as exc:
            raise ModelError(
                f"the Russian pipeline needs natasha: pip install natasha ({exc})"
            ) from None
        embedding = NewsEmbedding()
        self._vocab: Any = MorphVocab()
        self._morph: Any = NewsMorphTagger(embedding)
        # 32 sentences a call, not natasha's 8: sorted by length they pad little, and fewer
        # calls cost less (6% of the analysis, measured on the bench's texts).
        self._morph.batch_size = self._morph.infer.encoder.batch_size = 32
        self._ner: Any = NewsNERTagger(embedding)
        self._knowledge = knowledge
        self._inflected: dict[tuple[str, str, tuple[tuple[str, str], ...]], str] = {}
        self._lemma_of: dict[tuple[str, str, tuple[tuple[str, str], ...]], str] = {}
        self._word_keys: dict[tuple[str, str], frozenset[str]] = {}
        self._patterns = self._build_patterns(knowledge)

    # -- the knowledge base as lemma patterns ------------------------------------------------

    def _lemmas(self, word: str) -> frozenset[str]:
        forms = {word.casefold().replace("ё", "е")}
        for parse in self._vocab.parse(word):
            forms.add(str(parse.normal).replace("ё", "е"))
        return frozenset(forms)

    def _build_patterns(self, knowledge: KnowledgeBase) -> dict[str, list[_Pattern]]:
        """Cyrillic names of the knowledge base, indexed by the lemmas of their first word."""
        by_first: dict[str, list[_Pattern]] = defaultdict(list)
        for entity in knowledge.entities.values():
            for name in entity.names:
                if not _CYRILLIC.search(name) or len(knowledge.claimants(name)) != 1:
                    continue
                words = _split_words(name)
                if not words or len(words) > _LONGEST_NAME:
                    continue
                pattern = _Pattern(
                    entity.id, entity.type, name, tuple(self._lemmas(w) for w in words)
                )
                for lemma in pattern.words[0]:
                    by_first[lemma].append(pattern)
        for patterns in by_first.values():
            patterns.sort(key=lambda p: -len(p.words))
        return dict(by_first)

    # -- one document ----------------------------------------------------------------------

    def analyse(self, document: Document) -> Analysis:
        return self.analyse_many([document])[0]

    def analyse_many(self, documents: Sequence[Document]) -> list[Analysis]:
        """Several documents at once: natasha's taggers run on the sentences (morphology) and
        texts (NER) of all of them in its batches, which costs less than one call a
        document; each word is tagged as it would be alone (checked: identical tags).

        The steps are natasha's Doc pipeline (segment, tag_morph, tag_ner) without its
        per-token records: razdel cuts tokens and sentences once, and the NER model reads
        those tokens instead of cutting the text again with the same razdel."""
        from natasha.span import envelop_spans
        from razdel import sentenize, tokenize
        from slovnet.bio import bio_spans

        segmented: list[_Segmented] = []
        sentences: list[list[_Token]] = []
        for document in documents:
            tokens = [_Token(t.start, t.stop, t.text) for t in tokenize(document.text)]
            # natasha's Segmenter gives no sentence for an empty text, razdel one empty one.
            cuts = (
                [_Cut(c.start, c.stop) for c in sentenize(document.text)] if document.text else []
            )
            groups = list(envelop_spans(tokens, cuts))
            segmented.append(_Segmented(tokens, [(c.start, c.stop) for c in cuts]))
            sentences.extend(groups)
        # Shortest first: a batch is padded to its longest member, so neighbours of like
        # length waste least (a quarter of the taggers' time on the bench's texts).
        sentences.sort(key=len)
        tagged = self._morph.infer([[t.text for t in group] for group in sentences])
        for group, markup in zip(sentences, tagged, strict=True):
            for token, tag in zip(group, markup.tokens, strict=True):
                token.pos, token.feats = tag.pos, tag.feats
        spans: list[list[tuple[int, int, str]]] = [[] for _ in documents]
        # natasha's own tag_ner skips a blank text (its tokeniser finds no word in it).
        filled = sorted(
            (i for i, d in enumerate(documents) if d.text.strip()),
            key=lambda i: len(segmented[i].tokens),
        )
        ner = self._ner.infer
        words = [[t.text for t in segmented[i].tokens] for i in filled]
        for i, tags in zip(filled, ner.decoder(ner.process(ner.encoder(words))), strict=True):
            found = bio_spans(segmented[i].tokens, tags)
            spans[i] = [(span.start, span.stop, span.type) for span in found]
        return [
            self._read(d, seg, s) for d, seg, s in zip(documents, segmented, spans, strict=True)
        ]

    def _lemma(self, text: str, pos: str, feats: dict[str, str]) -> str:
        # The same word with the same tags has the same lemma: one look-up a corpus. (The tags
        # in the order the tagger wrote them: another order is only a second look-up.)
        key = (text, pos, tuple(feats.items()))
        lemma = self._lemma_of.get(key)
        if lemma is None:
            _bound(self._lemma_of)
            found = self._vocab.lemmatize(text, pos, feats)
            lemma = self._lemma_of[key] = str(found or text).casefold().replace("ё", "е")
        return lemma

    def _read(
        self, document: Document, doc: _Segmented, ner_spans: list[tuple[int, int, str]]
    ) -> Analysis:
        """One tagged document into the records the shared steps read."""
        from natasha.norm import normalize

        text = document.text
        analysis = Analysis(document)
        words: list[_Word] = []
        for token in doc.tokens:
            pos = str(token.pos or "X")
            feats = token.feats or {}
            lemma = self._lemma(token.text, pos, feats)
            case = str(feats.get("Case", ""))
            words.append(_Word(token.start, token.stop, token.text, pos, lemma, case))
            analysis.tokens.append(
                Token(token.start, token.stop, _TAGS.get(pos, "FW"), _COARSE.get(pos, ""))
            )
            analysis.lemmas.append(lemma)
        for start, stop in doc.sents:
            split_sentence(text, start, stop, analysis.sentences)
        analysis.phrase_forms = self._phrase_forms(doc.tokens, analysis)
        starts = {w.start: i for i, w in enumerate(words)}
        ends = {w.end: i for i, w in enumerate(words)}
        spans: list[tuple[int, int, str]] = []  # word index from, to (exclusive), label
        for span_start, span_stop, span_type in ner_spans:
            first, last = starts.get(span_start), ends.get(span_stop)
            if first is not None and last is not None:
                spans.append((first, last + 1, _LABELS.get(span_type, "MISC")))
        spans = [s for s in (self._without_title(words, s) for s in spans) if s is not None]
        spans, institutions = self._institutions(words, spans)
        # A known place inside an institution's name («МИД Узбекистана») is part of that name.
        known = [
            k
            for k in self._known(words)
            if not any(a <= k[0] and k[1] <= b and b - a > k[1] - k[0] for a, b in institutions)
        ]
        taken = [(a, b) for a, b, _, _, _ in known]
        for a, b, label in spans:
            if any(a < kb and ka < b for ka, kb in taken):
                continue
            start, end = words[a].start, words[b - 1].end
            analysis.entities.append(Span(start, end, label))
            surface = text[start:end]
            if (a, b) in institutions:
                # The institution in the nominative, its complements as written (genitive).
                head = _shape(words[a].lemma, words[a].text)
                analysis.names.setdefault(surface, head + text[words[a].end : end])
            else:
                normal = str(normalize(self._vocab, doc.tokens[a:b]) or "")
                if label == "PERSON":
                    normal = self._person_nominative(normal, words[a:b])
                if normal:
                    analysis.names.setdefault(surface, _shape(normal, surface))
        for a, b, label, entity_id, alias in known:
            start, end = words[a].start, words[b - 1].end
            analysis.entities.append(Span(start, end, label))
            analysis.kb_ids[(start, end)] = entity_id
            analysis.names.setdefault(text[start:end], alias)
        for word in words:
            # A single word's nominative, for names the repair cuts or finds again elsewhere.
            if word.pos == "PROPN" and word.text[:1].isupper():
                analysis.names.setdefault(word.text, _shape(word.lemma, word.text))
        analysis.entities.sort(key=lambda s: (s.start, -s.end))
        return analysis

    def _phrase_forms(self, tokens: list[Any], analysis: Analysis) -> dict[tuple[int, int], str]:
        """Each candidate key phrase in its dictionary form: the words up to the first noun
        (its adjectives and the noun itself) in the nominative, the genitive complements that
        follow as written, «поставок природного газа» -> «поставки природного газа». natasha's
        own `normalize` puts every word in the nominative, which suits names, not phrases."""
        from natasha.norm import inflect_word, normal_word

        by_start = {token.start: i for i, token in enumerate(tokens)}
        forms: dict[tuple[int, int], str] = {}
        for start, end in analysis.noun_chunks:
            first = by_start.get(start)
            if first is None:
                continue
            words: list[str] = []
            head_seen = False
            for token in tokens[first:]:
                if token.start >= end:
                    break
                inflect = not head_seen
                head_seen = head_seen or token.pos in ("NOUN", "PROPN")
                if not inflect:
                    words.append(normal_word(token.text))
                    continue
                # The same word in the same form inflects the same way: one parse per corpus.
                key = (token.text, token.pos, tuple((token.feats or {}).items()))
                form = self._inflected.get(key)
                if form is None:
                    _bound(self._inflected)
                    form = self._inflected[key] = str(inflect_word(self._vocab, token))
                words.append(form)
            forms[(start, end)] = " ".join(words)
        return forms

    def _person_nominative(self, normal: str, words: list[_Word]) -> str:
        """natasha leaves an unknown surname as written («Талант Мамытовым»): such a word takes
        the nominative of its noun reading in the case the tagger gave it, else its lemma."""
        parts = normal.split()
        if len(parts) != len(words):
            return normal
        fixed = []
        for part, word in zip(parts, words, strict=True):
            if word.case and word.case != "Nom" and part.casefold() == word.text.casefold():
                nouns = [
                    str(p.normal)
                    for p in self._vocab.parse(word.text)
                    if p.pos == "NOUN" and p.feats.get("Case") == word.case
                ]
                part = nouns[0] if nouns else word.lemma
            fixed.append(part)
        return " ".join(fixed)

    def _without_title(
        self, words: list[_Word], span: tuple[int, int, str]
    ) -> tuple[int, int, str] | None:
        """Leading lower-case role words out («министра Лаврова» → «Лаврова»); a span with no
        capitalised word left (an adjective, a role) is no name."""
        a, b, label = span
        titles = _lists().titles
        while a < b and not words[a].text[:1].isupper() and words[a].lemma in titles:
            a += 1
        if a >= b or not any(w.text[:1].isupper() for w in words[a:b]):
            return None
        if b - a == 1 and words[a].pos == "ADJ":
            return None  # «Российский» at a sentence start is still an adjective
        if b - a == 1 and words[a].lemma in _lists().not_names and label != "PERSON":
            return None
        return a, b, label

    def _institutions(
        self, words: list[_Word], spans: list[tuple[int, int, str]]
    ) -> tuple[list[tuple[int, int, str]], set[tuple[int, int]]]:
        """«МИД Киргизии», «Министерство обороны России», «посольство Кыргызстана в России»:
        an institution, words in the genitive, then a state in the genitive is one ORG."""
        heads = _lists().institution_heads
        by_start = {a: (a, b, label) for a, b, label in spans}
        covered = {i for a, b, _ in spans for i in range(a, b)}
        result: list[tuple[int, int, str]] = []
        skip: set[int] = set()
        for i, word in enumerate(words):
            if word.lemma not in heads:
                continue
            j = i + 1
            while (
                j < len(words)
                and j not in by_start
                and words[j].case == "Gen"
                and (words[j].pos in ("NOUN", "ADJ") and not words[j].text[:1].isupper())
            ):
                j += 1
            place = by_start.get(j)
            if place is None or place[2] != "GPE" or words[j].case != "Gen":
                continue
            end = place[1]
            # «посольство Кыргызстана в России»: the host state is part of an embassy's name.
            if (
                word.lemma == "посольство"
                and end + 1 < len(words)
                and words[end].lemma == "в"
                and by_start.get(end + 1, (0, 0, ""))[2] == "GPE"
            ):
                end = by_start[end + 1][1]
            inside = {k for k in range(i, end)}
            skip.update(a for a, b, _ in spans if a in inside or (b - 1) in inside)
            if i in covered and i not in by_start:
                continue
            result.append((i, end, "ORG"))
        made = {(a, b) for a, b, _ in result}
        result.extend(s for s in spans if s[0] not in skip)
        return sorted(result), made

    def _keys(self, word: _Word) -> frozenset[str]:
        """What a word of the text may be matched by: its lemma in context, its surface, and,
        for a capitalised word, every lemma the dictionary allows («Оше» -> ош, оша)."""
        # Asked for each word of each name tried, and the same words recur: one set a word.
        found = self._word_keys.get((word.lemma, word.text))
        if found is None:
            _bound(self._word_keys)
            keys = {word.lemma, word.text.casefold().replace("ё", "е")}
            if word.text[:1].isupper():
                keys |= self._lemmas(word.text)
            found = self._word_keys[(word.lemma, word.text)] = frozenset(keys)
        return found

    def _known(self, words: list[_Word]) -> list[tuple[int, int, str, str, str]]:
        """Knowledge-base names in any case form: (word from, word to, label, entity id, the
        name as the knowledge base writes it)."""
        found: list[tuple[int, int, str, str, str]] = []
        i = 0
        while i < len(words):
            match = None
            if not words[i].text[:1].isupper():
                i += 1
                continue
            keys = self._keys(words[i])
            candidates = [p for k in keys for p in self._patterns.get(k, ())]
            for pattern in sorted(candidates, key=lambda p: -len(p.words)):
                n = len(pattern.words)
                if i + n > len(words):
                    continue
                if all(self._keys(words[i + k]) & pattern.words[k] for k in range(n)):
                    match = pattern
                    break
            if match is None:
                i += 1
                continue
            n = len(match.words)
            found.append((i, i + n, match.label, match.entity_id, match.alias))
            i += n
        return found


_CACHED = 200_000  # entries a cache keeps: some 50 MB, whatever the size of an archive


def _bound(cache: dict[Any, Any]) -> None:
    """Start a per-word cache afresh when full: a long ingest keeps its memory flat, and the
    words of the next documents fill it again within a few of them."""
    if len(cache) >= _CACHED:
        cache.clear()


def _split_words(name: str) -> list[str]:
    return re.findall(r"[\w]+(?:-[\w]+)*|[^\w\s]", name)


def _shape(lemma: str, surface: str) -> str:
    """A lemma written as the name was: «ОДКБ» stays in capitals, «москва» → «Москва»."""
    if surface.isupper():
        return lemma.upper() if len(lemma.split()) == 1 else _title_words(lemma, surface)
    return _title_words(lemma, surface)


def _title_words(lemma: str, surface: str) -> str:
    shapes = surface.split()
    out = []
    for k, word in enumerate(lemma.split()):
        shape = shapes[k] if k < len(shapes) else ""
        if shape.isupper() and len(shape) > 1:
            out.append(word.upper())
        elif shape[:1].isupper():
            out.append("-".join(p[:1].upper() + p[1:] for p in word.split("-")))
        else:
            out.append(word)
    return " ".join(out)


_LOADED: dict[tuple[str, ...], RussianPipeline] = {}


def load_russian(knowledge: KnowledgeBase) -> RussianPipeline:
    """The Russian pipeline for this knowledge base, loaded on first use (about a second)."""
    if knowledge.sources not in _LOADED:
        _LOADED[knowledge.sources] = RussianPipeline(knowledge)
    return _LOADED[knowledge.sources]
