"""Ingest: read articles, extract and repair entities, resolve dates and topics, write the index."""

from __future__ import annotations

import bisect
import itertools
import os
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from kyrgyz_ru.errors import Interrupted, KrqError, Terminated

# Extraction's own modules (events, names, dates, key phrases) are imported where they run: a
# re-ingest of unchanged files needs none of them, and must stay as quick as a query.
from kyrgyz_ru.extract import corpus, formats, language, reprints
from kyrgyz_ru.extract.knowledge import KnowledgeBase, extra_knowledge_files, load_knowledge
from kyrgyz_ru.extract.lexicon import Lexicon, lexicon
from kyrgyz_ru.records import Document, Extracted, Mention, TopicHit, TopicTerm
from kyrgyz_ru.store.index import Index
from kyrgyz_ru.store.migrations import unpack_text
from kyrgyz_ru.store.writes import (
    refresh_stats,
    set_duplicate,
    set_meta,
    write_document,
    write_links,
    write_signature,
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
    language: str | None = None  # the language of every file ingested, when given (--lang)
    # Export columns under other names: (krq's field, the export's column), as --field gives.
    fields: tuple[tuple[str, str], ...] = ()
    # A Dask scheduler (tcp://HOST:PORT) or local:N: extraction runs there (extract.cluster).
    cluster: str | None = None
    # With a cluster: its workers read the files from storage every node sees (--shared-path).
    shared_path: bool = False


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (path, what was assumed)
    mentions: int = 0
    written: int = 0  # new or changed documents committed so far
    # Of the skipped, documents whose extraction failed on a cluster: not bad input.
    unextracted: int = 0
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
    # With --shared-path the cluster's workers read the files: only they can tell what changed.
    shared = bool(options.cluster and options.shared_path)
    pending = iter(()) if shared else reader.changed()
    first = next(pending, None)  # each file is read once: the model loads only if one changed
    knowledge = load_knowledge(extra_knowledge_files(options.knowledge_files))
    if first is not None or shared:
        # Before the model loads: a read-only or locked index stops the ingest here, and a
        # query meanwhile sees an index being built, not an empty one to fill with the seeds.
        with index.transaction() as db:
            set_meta(db, "stale", "1")
        from kyrgyz_ru.extract.topics import load_taxonomy

        stored = index.meta("taxonomy")
        taxonomy = load_taxonomy(options.taxonomy or (Path(stored) if stored else None))
        try:
            documents = pending if first is None else itertools.chain([first], pending)
            _extract(index, documents, reader, knowledge, taxonomy, progress)
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
    if first is not None or shared or index.meta("stale") == "1":
        relink(index, knowledge, lexicon())
    stored = index.meta("taxonomy") or ""
    wanted = str(options.taxonomy.resolve()) if options.taxonomy else stored
    if wanted != stored or (options.taxonomy and first is None):
        retopic(index, Path(wanted) if wanted else None)
    report.seconds = time.perf_counter() - started
    return report


class _Reader:
    """Reads each file once, in order: unchanged documents are counted, changed or new ones
    yielded, each marked when it reprints a story already read (extract.reprints).

    A document's id is its file's stem, or for a record of an export its `id` field, else
    `<file stem>:<record number>`. An id already taken by a document read from elsewhere (and
    with other content) is another document, never a replacement: its id becomes
    `<folder>/<stem>` (for a record `<file stem>/<id>`), then `<id>~2`, `<id>~3`... The same
    file (or record of the same file) read again keeps the id it was given."""

    def __init__(
        self, index: Index, files: list[Path], options: IngestOptions, report: IngestReport
    ) -> None:
        self.index = index
        self.files = files
        self.total = len(files)  # documents and records to do, known as files are read
        self.options = options
        self.report = report
        self.stored: dict[str, tuple[str, str]] = {}
        self.by_locator: dict[tuple[str, str | None], str] = {}
        for doc, sha, path, record in index.db.execute(
            "SELECT id, sha256, path, record FROM documents"
        ):
            self.stored[doc] = (sha, path)
            self.by_locator[(os.path.abspath(path), record)] = doc
        self.replaced: set[str] = set()
        self.reprints = reprints.Finder()
        self.backfilled = False

    def changed(self) -> Iterator[Document]:
        catalogs: dict[Path, dict[str, corpus.CatalogEntry]] = {}
        taken: dict[str, tuple[str, str | None, str]] = {}  # id -> (path, record, where)
        fields = dict(self.options.fields)
        for path in self.files:
            notes: list[str] = []
            count = 0
            try:
                if path.parent not in catalogs:
                    catalogs[path.parent] = corpus.read_catalog(path.parent)
                for item in formats.read_articles(
                    path, catalogs[path.parent], self.options.date, notes, fields
                ):
                    count += 1
                    if count > 1:
                        self.total += 1
                    if isinstance(item, formats.Skip):
                        self.report.skipped.append((item.where, item.why))
                        continue
                    document = self._admit(item, taken, notes)
                    # Said before the document is handed on: the consumer may stop at any.
                    self.report.notes.extend((str(path), note) for note in notes)
                    notes.clear()
                    if document is not None:
                        yield document
            except KrqError as exc:
                self.report.skipped.append((str(path), str(exc)))

    def _admit(
        self, document: Document, taken: dict[str, tuple[str, str | None, str]], notes: list[str]
    ) -> Document | None:
        """The document to extract, with its final id; None when unchanged or read already."""
        placed = self.place(document, taken, notes)
        if placed is None:
            return None
        # After the unchanged ones are set aside: telling a language may load a model.
        # Kyrgyz and others: no pipeline.
        document, unread = language.admit(placed, self.options.language)
        if unread:
            self.report.skipped.append((self.where(document), unread))
            return None
        if document.id in self.stored:
            self.replaced.add(document.id)
        return self.mark_reprint(document)

    @staticmethod
    def where(document: Document) -> str:
        return document.path if document.line is None else f"{document.path}:{document.line}"

    def place(
        self, document: Document, taken: dict[str, tuple[str, str | None, str]], notes: list[str]
    ) -> Document | None:
        """The document under its final id; None when read already (skipped) or unchanged
        (counted). Also used by extract.cluster on what workers read (--shared-path)."""
        report = self.report
        where = self.where(document)
        doc_id = self._identify(document, taken)
        if doc_id in taken:
            first = taken[doc_id]
            if document.record is not None and first[:2] == (document.path, document.record):
                why = f"record id '{document.record}' repeats the record at {first[2]}"
            else:
                why = f"read already as {first[2]}"
            report.skipped.append((where, why))
            return None
        if doc_id != document.id:
            what = "file" if document.record is None else "document"
            notes.append(f"id {doc_id} ({document.id} is the id of another {what})")
            document = replace(document, id=doc_id)
        taken[doc_id] = (document.path, document.record, where)
        if self.stored.get(doc_id, ("", ""))[0] == document.sha256:
            report.unchanged.append(doc_id)
            return None
        return document

    def _identify(self, document: Document, taken: dict[str, tuple[str, str | None, str]]) -> str:
        locator = (document.path, document.record)
        known = self.by_locator.get(locator)
        if known is not None:
            return known  # this very file or record, ingested before
        stem = document.id
        if stem in taken and taken[stem][:2] == locator:
            return stem  # the same file named twice: read once
        stored = self.stored.get(stem)
        if stem not in taken and (stored is None or stored[0] == document.sha256):
            # A free id; or the same text under another path (a moved folder, the seeds of a
            # checkout and of an installed package): one document, not two.
            return stem
        where = Path(document.path)
        parent = where.parent.name if document.record is None else where.name.split(".")[0]
        candidates = [f"{parent}/{stem}"] if parent else []
        candidates += [f"{stem}~{n}" for n in range(2, 10_000)]
        return next(c for c in candidates if c not in self.stored and c not in taken)

    def mark_reprint(
        self, document: Document, signature: reprints.Signature | None = None
    ) -> Document:
        """The document with its signature (given when a worker computed it), and the first
        copy of its story when it is a reprint of one read earlier in this run or indexed
        before."""
        if not self.backfilled:
            self.backfilled = True
            self._backfill()
        if signature is None:
            signature = reprints.signature(document.text)
        first = self._first_copy(document.id, signature)
        self.reprints.add(document.id, signature, first)
        return replace(
            document, signature=signature.values, bands=tuple(signature.bands()),
            duplicate_of=first,
        )  # fmt: skip

    def _first_copy(self, doc: str, signature: reprints.Signature) -> str | None:
        if not signature.values:
            return None
        keys = signature.bands()
        best, best_score = None, reprints.THRESHOLD
        for other in dict.fromkeys(self.reprints.candidates(keys)):
            score = reprints.similarity(signature, self.reprints.signatures[other])
            if other != doc and score >= best_score:
                best, best_score = self.reprints.roots[other], score
        marks = ",".join("?" * len(keys))
        for other, blob, first in self.index.db.execute(
            "SELECT s.doc, s.signature, d.duplicate_of FROM reprint_signatures s"
            " JOIN documents d ON d.id = s.doc WHERE s.doc IN"
            f" (SELECT doc FROM reprint_bands WHERE key IN ({marks}))",
            keys,
        ):
            if other == doc or other in self.reprints.signatures:
                continue  # itself, replaced; or read again in this run
            score = reprints.similarity(signature, reprints.Signature.from_blob(blob))
            if score >= best_score:
                best, best_score = first or other, score
        return best if best != doc else None

    def _backfill(self) -> None:
        """Signatures for documents indexed before krq knew reprints (schema 4 and older)."""
        rows = self.index.db.execute(
            "SELECT id, text FROM documents WHERE id NOT IN (SELECT doc FROM reprint_signatures)"
            " ORDER BY ingested_at, id"
        ).fetchall()
        if not rows:
            return
        with self.index.transaction() as db:
            for doc, stored in rows:
                signature = reprints.signature(unpack_text(stored))
                first = self._first_copy(doc, signature)
                write_signature(db, doc, signature.values, signature.bands())
                if first is not None:
                    set_duplicate(db, doc, first)


def _extract(
    index: Index,
    documents: Iterator[Document],
    reader: _Reader,
    knowledge: KnowledgeBase,
    taxonomy: Taxonomy,
    progress: Progress | None,
) -> None:
    options, report = reader.options, reader.report
    stream: Generator[Extracted, None, None]
    if options.cluster:
        # Only here is dask imported: a local ingest and every query never load it.
        from kyrgyz_ru.extract.cluster import extract_on_cluster

        stream = extract_on_cluster(options.cluster, documents, reader, knowledge, taxonomy)
    else:
        from kyrgyz_ru.extract.pipeline import analyse, load_pipeline

        nlp = load_pipeline(options.model, knowledge)
        lex = lexicon()
        stream = (
            extract_document(analysis, knowledge, lex, taxonomy)
            for analysis in analyse(documents, nlp, options.batch_size, options.workers)
        )
    # One writer whatever ran the extraction: records are written here as they come.
    batch: list[Extracted] = []
    try:
        for extracted in stream:
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
                progress(done + len(report.skipped), max(reader.total, done))
    finally:
        if options.cluster:
            stream.close()  # stopped early: the cluster's batches still out are cancelled
    if batch:
        _write(index, batch, options.model)
        report.written += len(batch)


def extract_document(
    analysis: Analysis, knowledge: KnowledgeBase, lex: Lexicon, taxonomy: Taxonomy
) -> Extracted:
    """From what the model saw in a document to what the index stores of it."""
    from kyrgyz_ru.extract.canonical import find_acronyms, resolve_in_document
    from kyrgyz_ru.extract.events import extract_events, lexicon_for
    from kyrgyz_ru.extract.keyphrases import paragraph_phrases
    from kyrgyz_ru.extract.repair import repair
    from kyrgyz_ru.extract.topics import assign_topics, in_article, occasions

    document = analysis.document
    text = document.text
    paragraphs = corpus.paragraphs(text)
    mentions = _mentions(document, analysis, repair(analysis, knowledge, lex))
    resolve_in_document(mentions, lex, analysis.names)
    phrases = paragraph_phrases(
        text,
        analysis.noun_chunks,
        analysis.tokens,
        paragraphs,
        [(m.start, m.end) for m in mentions],
        analysis.phrase_forms,
    )
    acronyms = [(a.long, a.short) for a in find_acronyms(document.id, text)]
    events = extract_events(
        document,
        analysis.sentences,
        analysis.tokens,
        mentions,
        lexicon_for(document.language),
        analysis.lemmas,
    )
    # Events tell the topic scorer which sentences report a meeting, visit or signing.
    texts = [text[p.start : p.end] for p in paragraphs]
    found = [
        [_absolute(hit, p.start) for hit in assign_topics(t, taxonomy, occasions(events, p))]
        for p, t in zip(paragraphs, texts, strict=True)
    ]
    topics = [
        (p.index, hit)
        for p, hits in zip(paragraphs, in_article(texts, found, taxonomy), strict=True)
        for hit in hits
    ]
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
    from kyrgyz_ru.extract import dates

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
    from kyrgyz_ru.extract.canonical import AcronymDefinition, NameForm, link

    db = index.db
    forms = [
        NameForm(label, name, count)
        for label, name, count in db.execute(
            # The forms kept as documents are written (schema 12), in their key's order: no
            # mention is read.
            "SELECT label, name, sum(mentions) FROM forms GROUP BY label, name ORDER BY label, name"
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
    """Assign topics to every stored paragraph again with another taxonomy (no model needed),
    with the stored events as evidence, as at ingest."""
    from kyrgyz_ru.extract.topics import Occasion, assign_topics, in_article, load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path)
    db = index.db
    paragraphs: dict[int, list[tuple[int, int, int]]] = {}  # by document key
    for doc, idx, start, end in db.execute(
        "SELECT doc, idx, start, end FROM paragraphs ORDER BY doc, idx"
    ):
        paragraphs.setdefault(doc, []).append((idx, start, end))
    triggers: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
    for doc, paragraph, start, end, kind in db.execute(
        "SELECT doc, paragraph, trigger_start, trigger_end, event_type || '/' || rule"
        " FROM events WHERE paragraph IS NOT NULL"
    ):
        triggers.setdefault((doc, paragraph), []).append((start, end, kind))
    with index.transaction():
        db.execute("DELETE FROM topics")
        for doc, parts in paragraphs.items():
            # One read of the document's text, however many paragraphs it has.
            (stored,) = db.execute("SELECT text FROM documents WHERE key = ?", (doc,)).fetchone()
            text = unpack_text(stored)
            texts, found = [], []
            for idx, start, end in parts:
                seen = [
                    Occasion(a - start, b - start, kind)
                    for a, b, kind in triggers.get((doc, idx), ())
                    if start <= a and b <= end
                ]
                texts.append(text[start:end])
                hits = assign_topics(texts[-1], taxonomy, seen)
                found.append([_absolute(h, start) for h in hits])
            chosen = in_article(texts, found, taxonomy)
            write_topics(
                db,
                doc,
                [(idx, h) for (idx, _, _), hits in zip(parts, chosen, strict=True) for h in hits],
            )
        set_meta(db, "taxonomy", str(taxonomy_path.resolve()) if taxonomy_path else "")
        write_topic_labels(db, {t.id: t.label for t in taxonomy.topics})
        refresh_stats(db)
    return sum(len(parts) for parts in paragraphs.values())
