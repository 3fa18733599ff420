"""Key phrases: multi-word noun chunks, counted per paragraph at ingest and ranked at query time.

Ranking is TF-IDF over paragraphs: a phrase is characteristic of a selection (a topic, an
entity, a document) when it is frequent there and rare in the rest of the corpus.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from kyrgyz_ru.records import Paragraph, Token

_WORD = re.compile(r"\A[^\W\d_][\w'’-]*\Z")
_LEADING = frozenset(
    [
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "our",
        "their",
        "its",
        "his",
        "her",
        "my",
        "your",
        "all",
        "both",
        "each",
        "every",
        "such",
        "other",
        "another",
        "some",
        "any",
        "many",
        "more",
        "most",
        "several",
        "few",
        "no",
        "own",
        "same",
        "which",
        "what",
        "whose",
    ]
)
_STOP = frozenset(
    [
        "it",
        "they",
        "we",
        "you",
        "he",
        "she",
        "i",
        "us",
        "them",
        "him",
        "me",
        "one",
        "ones",
        "something",
        "anything",
        "issue",
        "issues",
        "question",
        "questions",
        "matter",
        "matters",
        "way",
        "ways",
        "lot",
        "number",
        "part",
        "parts",
        "side",
        "sides",
        "time",
        "times",
        "year",
        "years",
        "field",
        "fields",
        "area",
        "areas",
        "sphere",
        "spheres",
        "framework",
        "level",
        "levels",
    ]
)
MAX_WORDS = 5
# A phrase starts at an adjective, noun or participle: "and more questions" is not a phrase.
_CONTENT_TAGS = frozenset({"JJ", "JJR", "JJS", "NN", "NNS", "NNP", "NNPS", "VBG", "VBN"})


def normalise_chunk(words: Sequence[tuple[str, str]]) -> str:
    """A noun chunk as a key phrase: no leading determiners or numbers, plurals singular."""
    items = list(words)
    while items and (
        items[0][0].casefold() in _LEADING
        or not _WORD.match(items[0][0])
        or items[0][1] not in _CONTENT_TAGS
    ):
        items.pop(0)
    while items and not _WORD.match(items[-1][0]):
        items.pop()
    if len(items) < 2 or len(items) > MAX_WORDS or not items[-1][1].startswith("NN"):
        return ""
    if not all(_WORD.match(w) for w, _ in items):
        return ""
    out = [w.casefold() for w, _ in items]
    _, tag = items[-1]
    if tag == "NNS":
        out[-1] = _singular(out[-1])
    if all(w in _STOP or w in _LEADING for w in out):
        return ""
    return " ".join(out)


def _inflected(form: str) -> str:
    """A phrase given in its dictionary form, if it is one: two to MAX_WORDS words."""
    words = form.casefold().split()
    if not 2 <= len(words) <= MAX_WORDS or not all(_WORD.match(w) for w in words):
        return ""
    return " ".join(words)


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def paragraph_phrases(
    text: str,
    chunks: Sequence[tuple[int, int]],
    tokens: Sequence[Token],
    paragraphs: Sequence[Paragraph],
    names: Sequence[tuple[int, int]] = (),
    forms: Mapping[tuple[int, int], str] | None = None,
) -> list[tuple[int, str, int]]:
    """(paragraph index, phrase, count) for every key phrase met in the document.

    A chunk that is just a name ("the Russian Federation") says who, not what: `names` (the
    spans of entity mentions) are left out. `forms` gives a chunk's dictionary form where the
    language inflects (Analysis.phrase_forms); other chunks are normalised from their words."""
    named = set(names)
    starts = [p.start for p in paragraphs]
    token_starts = [t[0] for t in tokens]
    counts: Counter[tuple[int, str]] = Counter()
    for start, end in chunks:
        first = bisect.bisect_left(token_starts, start)
        last = bisect.bisect_left(token_starts, end)
        inside = tokens[first:last]
        while inside and inside[0][2] in ("DT", "PRP$"):
            inside = inside[1:]
        if inside and (inside[0][0], inside[-1][1]) in named:
            continue
        words = [(text[a:b], tag) for a, b, tag, _ in inside]
        form = forms.get((start, end)) if forms else None
        phrase = _inflected(form) if form is not None else normalise_chunk(words)
        paragraph = bisect.bisect_right(starts, start) - 1
        if phrase and paragraph >= 0:
            counts[(paragraph, phrase)] += 1
    return [(p, phrase, n) for (p, phrase), n in sorted(counts.items())]


_CHUNK_TAGS = frozenset({"JJ", "JJR", "JJS", "NN", "NNS", "NNP", "NNPS", "VBG", "VBN", "HYPH"})


def tag_chunks(
    tokens: Sequence[Token], sentences: Sequence[tuple[int, int]] = ()
) -> list[tuple[int, int]]:
    """Maximal runs of adjectives, nouns and participles within a sentence, cut after their
    last noun: the candidate phrases of keyphrase extraction, from tags alone."""
    ends = sorted(end for _, end in sentences)
    chunks: list[tuple[int, int]] = []
    run: list[Token] = []

    def close() -> None:
        while run and not run[-1][2].startswith("NN"):
            run.pop()
        if run:
            chunks.append((run[0][0], run[-1][1]))
        run.clear()

    for token in tokens:
        if run and bisect.bisect_left(ends, run[-1][1]) != bisect.bisect_left(ends, token[1]):
            close()  # a sentence ended between the two tokens
        if token[2] in _CHUNK_TAGS:
            run.append(token)
        else:
            close()
    close()
    return chunks
