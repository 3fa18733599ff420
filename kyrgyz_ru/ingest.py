"""Ingest: read articles, extract and repair entities, resolve dates and topics, write the index."""

from __future__ import annotations

import bisect
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kyrgyz_ru import corpus, dates
from kyrgyz_ru.canonical import (
    AcronymDefinition,
    NameForm,
    find_acronyms,
    link,
    resolve_in_document,
)
from kyrgyz_ru.errors import KrqError
from kyrgyz_ru.index import Index
from kyrgyz_ru.keyphrases import paragraph_phrases
from kyrgyz_ru.knowledge import KnowledgeBase, extra_knowledge_files, load_knowledge
from kyrgyz_ru.lexicon import Lexicon, lexicon
from kyrgyz_ru.records import Document, Mention, Paragraph, TopicHit, TopicTerm

if TYPE_CHECKING:
    from kyrgyz_ru.pipeline import Analysis
    from kyrgyz_ru.repair import Candidate
    from kyrgyz_ru.topics import Taxonomy

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
    seconds: float = 0.0
    model_loaded: bool = False


@dataclass(frozen=True)
class Extracted:
    """Everything ingest stores for one document."""

    document: Document
    paragraphs: list[Paragraph]
    mentions: list[Mention]
    acronyms: list[tuple[str, str]]  # (long form, acronym) defined in the document
    topics: list[tuple[int, TopicHit]]  # (paragraph index, hit with document offsets)
    phrases: list[tuple[int, str, int]]  # (paragraph index, key phrase, count)


@dataclass(frozen=True)
class _Pending:
    path: Path
    doc_id: str
    replaces: bool


def ingest(
    index: Index,
    paths: Sequence[Path],
    options: IngestOptions,
    progress: Progress | None = None,
) -> IngestReport:
    """Add or replace the articles under `paths`; unchanged ones are skipped without a model."""
    started = time.perf_counter()
    report = IngestReport()
    pending = _plan(index, paths, options, report)
    knowledge = load_knowledge(extra_knowledge_files(options.knowledge_files))
    if pending:
        from kyrgyz_ru.topics import load_taxonomy

        stored = index.meta("taxonomy")
        taxonomy = load_taxonomy(options.taxonomy or (Path(stored) if stored else None))
        _extract(index, pending, options, knowledge, taxonomy, report, progress)
        if index.meta("topic_labels") is None:
            with index.transaction():
                _store_labels(index, taxonomy)
    if pending or index.meta("stale") == "1":
        relink(index, knowledge, lexicon())
    stored = index.meta("taxonomy") or ""
    wanted = str(options.taxonomy.resolve()) if options.taxonomy else stored
    if wanted != stored or (options.taxonomy and not pending):
        retopic(index, Path(wanted) if wanted else None)
    report.seconds = time.perf_counter() - started
    return report


def _plan(
    index: Index, paths: Sequence[Path], options: IngestOptions, report: IngestReport
) -> list[_Pending]:
    files = list(corpus.discover(paths))  # a missing path or an empty folder stops here
    stored = index.hashes()
    catalogs: dict[Path, dict[str, corpus.CatalogEntry]] = {}
    seen: dict[str, Path] = {}
    pending: list[_Pending] = []
    for path in files:
        if path.stem in seen:
            report.skipped.append((str(path), f"same document id as {seen[path.stem]}"))
            continue
        notes: list[str] = []
        try:
            if path.parent not in catalogs:
                catalogs[path.parent] = corpus.read_catalog(path.parent)
            document = corpus.read_document(path, catalogs[path.parent], options.date, notes)
        except KrqError as exc:
            report.skipped.append((str(path), str(exc)))
            continue
        seen[path.stem] = path
        if stored.get(document.id) == document.sha256:
            report.unchanged.append(document.id)
        else:
            pending.append(_Pending(path, document.id, document.id in stored))
            report.notes.extend((str(path), note) for note in notes)
    if pending:
        # Before the model loads: a read-only or locked index stops the ingest here, and a
        # query meanwhile sees an index being built, not an empty one to fill with the seeds.
        with index.transaction():
            index.set_meta("stale", "1")
    return pending


def _extract(
    index: Index,
    pending: list[_Pending],
    options: IngestOptions,
    knowledge: KnowledgeBase,
    taxonomy: Taxonomy,
    report: IngestReport,
    progress: Progress | None,
) -> None:
    from kyrgyz_ru.pipeline import analyse, load_pipeline

    nlp = load_pipeline(options.model, knowledge)
    report.model_loaded = True
    lex = lexicon()
    catalogs: dict[Path, dict[str, corpus.CatalogEntry]] = {}
    replaced = {p.doc_id for p in pending if p.replaces}

    def documents() -> Iterator[Document]:
        for item in pending:
            try:
                if item.path.parent not in catalogs:
                    catalogs[item.path.parent] = corpus.read_catalog(item.path.parent)
                yield corpus.read_document(item.path, catalogs[item.path.parent], options.date)
            except KrqError as exc:  # changed or vanished since it was first read
                report.skipped.append((str(item.path), str(exc)))

    batch: list[Extracted] = []
    stream = analyse(documents(), nlp, options.batch_size, options.workers)
    for done, analysis in enumerate(stream, 1):
        extracted = extract_document(analysis, knowledge, lex, taxonomy)
        batch.append(extracted)
        if len(batch) >= options.batch_size:
            _write(index, batch, options.model)
            batch.clear()
        report.mentions += len(extracted.mentions)
        document_id = extracted.document.id
        (report.updated if document_id in replaced else report.added).append(document_id)
        if progress:
            progress(done, len(pending))
    if batch:
        _write(index, batch, options.model)


def extract_document(
    analysis: Analysis, knowledge: KnowledgeBase, lex: Lexicon, taxonomy: Taxonomy
) -> Extracted:
    """From what the model saw in a document to what the index stores of it."""
    from kyrgyz_ru.repair import repair
    from kyrgyz_ru.topics import assign_topics

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
    return Extracted(document, paragraphs, mentions, acronyms, topics, phrases)


def _absolute(hit: TopicHit, offset: int) -> TopicHit:
    terms = [TopicTerm(t.term, t.start + offset, t.end + offset) for t in hit.terms]
    return TopicHit(hit.id, hit.score, terms)


def _write(index: Index, batch: list[Extracted], model: str) -> None:
    # One transaction a batch: a document is in the index whole or not at all. The index is
    # already marked stale (by _plan); relink clears the mark once the ingest completes.
    with index.transaction():
        for e in batch:
            index.write_document(
                e.document, model, e.paragraphs, e.mentions, e.acronyms, e.topics, e.phrases
            )


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
        old = {
            (label, name): entity
            for label, name, entity in db.execute("SELECT label, name, entity FROM names")
        }
        db.execute("DELETE FROM names")
        db.executemany(
            "INSERT INTO names(label, name, entity, reason) VALUES (?, ?, ?, ?)",
            [(label, name, ln.entity_id, ln.reason) for (label, name), ln in links.items()],
        )
        # Only names whose entity changed touch the mentions table: relinking stays cheap.
        db.executemany(
            "UPDATE mentions SET entity = ? WHERE label = ? AND name = ?",
            [
                (ln.entity_id, label, name)
                for (label, name), ln in links.items()
                if old.get((label, name)) != ln.entity_id
            ],
        )
        db.execute(
            "UPDATE mentions SET entity = ? || coalesce(value, text) WHERE label = 'DATE'"
            " AND entity IS NULL",
            ("date:",),
        )
        # Mentions whose name did not change may still lack an entity after an interrupted run.
        db.execute(
            "UPDATE mentions SET entity = (SELECT n.entity FROM names n"
            " WHERE n.label = mentions.label AND n.name = mentions.name)"
            " WHERE entity IS NULL AND label != 'DATE'"
        )
        db.execute("DELETE FROM entities")
        seen: set[str] = set()
        rows = []
        for ln in links.values():
            if ln.entity_id in seen:
                continue
            seen.add(ln.entity_id)
            kb = ln.kb
            rows.append(
                (ln.entity_id, ln.label, ln.display, kb.id if kb else None,
                 kb.wikidata if kb else None, kb.description if kb else "")
            )  # fmt: skip
        db.executemany(
            "INSERT INTO entities(id, label, name, kb, wikidata, description)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.execute(
            "INSERT INTO entities(id, label, name) SELECT DISTINCT entity, 'DATE',"
            " substr(entity, 6) FROM mentions WHERE label = 'DATE'"
        )
        db.execute(
            "UPDATE entities SET mentions = s.m, docs = s.d FROM (SELECT entity, count(*) AS m,"
            " count(DISTINCT doc) AS d FROM mentions GROUP BY entity) AS s"
            " WHERE s.entity = entities.id"
        )
        db.execute("DELETE FROM entities WHERE mentions = 0")
        db.execute("DELETE FROM aliases")
        db.execute(
            "INSERT INTO aliases(entity, alias, mentions) SELECT entity, text, count(*)"
            " FROM mentions WHERE label != 'DATE' AND entity IS NOT NULL GROUP BY entity, text"
        )
        index.refresh_stats()
        index.set_meta("stale", "0")


def retopic(index: Index, taxonomy_path: Path | None) -> int:
    """Assign topics to every stored paragraph again with another taxonomy (no model needed)."""
    from kyrgyz_ru.topics import assign_topics, load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path)
    db = index.db
    rows = db.execute(
        "SELECT p.doc, p.idx, p.start, substr(d.text, p.start + 1, p.end - p.start)"
        " FROM paragraphs p JOIN documents d ON d.id = p.doc"
    ).fetchall()
    with index.transaction():
        db.execute("DELETE FROM topics")
        for doc, idx, start, text in rows:
            index.write_topics(
                doc, [(idx, _absolute(h, start)) for h in assign_topics(text, taxonomy)]
            )
        index.set_meta("taxonomy", str(taxonomy_path.resolve()) if taxonomy_path else "")
        _store_labels(index, taxonomy)
        index.refresh_stats()
    return len(rows)


def _store_labels(index: Index, taxonomy: Taxonomy) -> None:
    """Topic ids and labels go into the index: queries name topics without loading a taxonomy."""
    labels = {t.id: t.label for t in taxonomy.topics}
    index.set_meta("topic_labels", json.dumps(labels, ensure_ascii=False))
