"""Ingest: read articles, extract and repair entities, resolve dates and topics, write the index."""

from __future__ import annotations

import bisect
import itertools
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from kyrgyz_ru.errors import Interrupted, KrqError, Terminated
from kyrgyz_ru.extract import corpus, dates
from kyrgyz_ru.extract.canonical import (
    AcronymDefinition,
    NameForm,
    find_acronyms,
    link,
    resolve_in_document,
)
from kyrgyz_ru.extract.events import extract_events, load_event_lexicon
from kyrgyz_ru.extract.keyphrases import paragraph_phrases
from kyrgyz_ru.extract.knowledge import KnowledgeBase, extra_knowledge_files, load_knowledge
from kyrgyz_ru.extract.lexicon import Lexicon, lexicon
from kyrgyz_ru.records import Document, Extracted, Mention, TopicHit, TopicTerm
from kyrgyz_ru.store.index import Index
from kyrgyz_ru.store.writes import (
    refresh_stats,
    set_meta,
    write_document,
    write_links,
    write_topic_labels,
    write_topics,
)

if TYPE_CHECKING:
    from kyrgyz_ru.extract.pipeline import Analysis
    from kyrgyz_ru.extract.repair import Candidate
    from kyrgyz_ru.extract.topics import Taxonomy

Progress = Callable[[int, int], None]  # (documents done, documents to do)


@dataclass(frozen=True)
class IngestOptions:
    model: str
    knowledge_files: tuple[Path, ...] = ()
    taxonomy: Path | None = None
    workers: int = 1
    batch_size: int = 32
    date: str | None = None  # the publication date of every file ingested, when given


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (path, what was assumed)
    mentions: int = 0
    written: int = 0  # new or changed documents committed so far
    seconds: float = 0.0


def ingest(
    index: Index,
    paths: Sequence[Path],
    options: IngestOptions,
    progress: Progress | None = None,
) -> IngestReport:
    """Add or replace the articles under `paths`; unchanged ones are skipped without a model."""
    started = time.perf_counter()
    report = IngestReport()
    # A missing path or an empty folder stops here; a file named twice is read once.
    found = {os.path.abspath(f): f for f in corpus.discover(paths)}
    files = list(found.values())
    reader = _Reader(index, files, options, report)
    pending = reader.changed()
    first = next(pending, None)  # each file is read once: the model loads only if one changed
    knowledge = load_knowledge(extra_knowledge_files(options.knowledge_files))
    if first is not None:
        # Before the model loads: a read-only or locked index stops the ingest here, and a
        # query meanwhile sees an index being built, not an empty one to fill with the seeds.
        with index.transaction() as db:
            set_meta(db, "stale", "1")
        from kyrgyz_ru.extract.topics import load_taxonomy

        stored = index.meta("taxonomy")
        taxonomy = load_taxonomy(options.taxonomy or (Path(stored) if stored else None))
        try:
            _extract(
                index, itertools.chain([first], pending), reader, knowledge, taxonomy, progress
            )
        except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM: say what was kept
            how = "terminated" if isinstance(stop, Terminated) else "interrupted"
            raise Interrupted(
                f"{how}: {report.written} new or changed documents were written whole, "
                "none in part; the same ingest again completes it",
                terminated=isinstance(stop, Terminated),
            ) from None
        if index.meta("topic_labels") is None:
            with index.transaction() as db:
                write_topic_labels(db, {t.id: t.label for t in taxonomy.topics})
    if first is not None or index.meta("stale") == "1":
        relink(index, knowledge, lexicon())
    stored = index.meta("taxonomy") or ""
    wanted = str(options.taxonomy.resolve()) if options.taxonomy else stored
    if wanted != stored or (options.taxonomy and first is None):
        retopic(index, Path(wanted) if wanted else None)
    report.seconds = time.perf_counter() - started
    return report


class _Reader:
    """Reads each file once, in order: unchanged ones are counted, changed or new ones yielded.

    A document's id is its file's stem. A file whose stem is already the id of a document read
    from another path (and with other content) is another document, never a replacement: its
    id becomes `<folder>/<stem>`, then `<stem>~2`, `<stem>~3`... The same file read again
    keeps the id it was given."""

    def __init__(
        self, index: Index, files: list[Path], options: IngestOptions, report: IngestReport
    ) -> None:
        self.files = files
        self.options = options
        self.report = report
        self.stored = index.stored_files()
        self.by_path = {os.path.abspath(p): i for i, (_, p) in self.stored.items()}
        self.replaced: set[str] = set()

    def changed(self) -> Iterator[Document]:
        report = self.report
        catalogs: dict[Path, dict[str, corpus.CatalogEntry]] = {}
        taken: dict[str, str] = {}  # id -> path, of the files read in this run
        for path in self.files:
            notes: list[str] = []
            try:
                if path.parent not in catalogs:
                    catalogs[path.parent] = corpus.read_catalog(path.parent)
                document = corpus.read_document(
                    path, catalogs[path.parent], self.options.date, notes
                )
            except KrqError as exc:
                report.skipped.append((str(path), str(exc)))
                continue
            doc_id = self._identify(document, taken)
            if doc_id in taken:
                report.skipped.append((str(path), f"read already as {taken[doc_id]}"))
                continue
            if doc_id != document.id:
                notes.append(f"id {doc_id} ({document.id} is the id of another file)")
                document = replace(document, id=doc_id)
            taken[doc_id] = document.path
            if self.stored.get(doc_id, ("", ""))[0] == document.sha256:
                report.unchanged.append(doc_id)
                continue
            if doc_id in self.stored:
                self.replaced.add(doc_id)
            report.notes.extend((str(path), note) for note in notes)
            yield document

    def _identify(self, document: Document, taken: dict[str, str]) -> str:
        known = self.by_path.get(document.path)
        if known is not None:
            return known  # this very file, ingested before
        stem = document.id
        if taken.get(stem) == document.path:
            return stem  # the same file named twice: read once
        stored = self.stored.get(stem)
        if stem not in taken and (stored is None or stored[0] == document.sha256):
            # A free id; or the same text under another path (a moved folder, the seeds of a
            # checkout and of an installed package): one document, not two.
            return stem
        parent = Path(document.path).parent.name
        candidates = [f"{parent}/{stem}"] if parent else []
        candidates += [f"{stem}~{n}" for n in range(2, 10_000)]
        return next(c for c in candidates if c not in self.stored and c not in taken)


def _extract(
    index: Index,
    documents: Iterator[Document],
    reader: _Reader,
    knowledge: KnowledgeBase,
    taxonomy: Taxonomy,
    progress: Progress | None,
) -> None:
    from kyrgyz_ru.extract.pipeline import analyse, load_pipeline

    options, report = reader.options, reader.report
    nlp = load_pipeline(options.model, knowledge)
    lex = lexicon()
    batch: list[Extracted] = []
    stream = analyse(documents, nlp, options.batch_size, options.workers)
    for analysis in stream:
        extracted = extract_document(analysis, knowledge, lex, taxonomy)
        batch.append(extracted)
        if len(batch) >= options.batch_size:
            _write(index, batch, options.model)
            report.written += len(batch)
            batch.clear()
        report.mentions += len(extracted.mentions)
        document_id = extracted.document.id
        (report.updated if document_id in reader.replaced else report.added).append(document_id)
        if progress:
            # Files read run ahead of files extracted by the pipeline's batch.
            done = len(report.added) + len(report.updated) + len(report.unchanged)
            progress(done + len(report.skipped), len(reader.files))
    if batch:
        _write(index, batch, options.model)
        report.written += len(batch)


def extract_document(
    analysis: Analysis, knowledge: KnowledgeBase, lex: Lexicon, taxonomy: Taxonomy
) -> Extracted:
    """From what the model saw in a document to what the index stores of it."""
    from kyrgyz_ru.extract.repair import repair
    from kyrgyz_ru.extract.topics import assign_topics

    document = analysis.document
    text = document.text
    paragraphs = corpus.paragraphs(text)
    mentions = _mentions(document, analysis, repair(analysis, knowledge, lex))
    resolve_in_document(mentions, lex)
    topics = [
        (p.index, _absolute(hit, p.start))
        for p in paragraphs
        for hit in assign_topics(text[p.start : p.end], taxonomy)
    ]
    phrases = paragraph_phrases(
        text,
        analysis.noun_chunks,
        analysis.tokens,
        paragraphs,
        [(m.start, m.end) for m in mentions],
    )
    acronyms = [(a.long, a.short) for a in find_acronyms(document.id, text)]
    events = extract_events(
        document, analysis.sentences, analysis.tokens, mentions, load_event_lexicon()
    )
    return Extracted(document, paragraphs, mentions, acronyms, topics, phrases, events)


def _absolute(hit: TopicHit, offset: int) -> TopicHit:
    terms = [TopicTerm(t.term, t.start + offset, t.end + offset) for t in hit.terms]
    return TopicHit(hit.id, hit.score, terms)


def _write(index: Index, batch: list[Extracted], model: str) -> None:
    # One transaction a batch: a document is in the index whole or not at all. The index is
    # already marked stale (by ingest); relink clears the mark once the ingest completes.
    with index.transaction() as db:
        for extracted in batch:
            write_document(db, extracted, model)


def _mentions(
    document: Document, analysis: Analysis, candidates: Sequence[Candidate]
) -> list[Mention]:
    sentences = analysis.sentences or [(0, len(document.text))]
    starts = [s for s, _ in sentences]
    result = []
    for c in candidates:
        i = max(0, bisect.bisect_right(starts, c.start) - 1)
        s_start, s_end = sentences[i]
        s_start, s_end = min(s_start, c.start), max(s_end, c.end)
        text = document.text[c.start : c.end]
        value = dates.normalise(text, document.date) if c.label == "DATE" else None
        result.append(
            Mention(document.id, c.start, c.end, text, c.label, s_start, s_end, value=value)
        )
    return result


def relink(index: Index, knowledge: KnowledgeBase, lex: Lexicon) -> None:
    """Link every name in the index to its canonical entity and recount the entities."""
    db = index.db
    forms = [
        NameForm(label, name, count)
        for label, name, count in db.execute(
            "SELECT label, name, count(*) FROM mentions WHERE label != 'DATE'"
            " GROUP BY label, name ORDER BY label, name"
        )
    ]
    acronyms = [
        AcronymDefinition(*row) for row in db.execute("SELECT doc, long, short FROM acronyms")
    ]
    links = link(forms, acronyms, knowledge, lex)
    with index.transaction():
        write_links(db, links)
        set_meta(db, "stale", "0")


def retopic(index: Index, taxonomy_path: Path | None) -> int:
    """Assign topics to every stored paragraph again with another taxonomy (no model needed)."""
    from kyrgyz_ru.extract.topics import assign_topics, load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path)
    db = index.db
    rows = db.execute(
        "SELECT p.doc, p.idx, p.start, substr(d.text, p.start + 1, p.end - p.start)"
        " FROM paragraphs p JOIN documents d ON d.id = p.doc"
    ).fetchall()
    with index.transaction():
        db.execute("DELETE FROM topics")
        for doc, idx, start, text in rows:
            write_topics(
                db, doc, [(idx, _absolute(h, start)) for h in assign_topics(text, taxonomy)]
            )
        set_meta(db, "taxonomy", str(taxonomy_path.resolve()) if taxonomy_path else "")
        write_topic_labels(db, {t.id: t.label for t in taxonomy.topics})
        refresh_stats(db)
    return len(rows)
