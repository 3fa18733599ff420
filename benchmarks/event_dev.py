"""Measure event extraction on a set of articles with event gold, and what it costs.

Runs the model once over the articles, stores them in a temporary index (so that actors get
the corpus-wide entities the index links them to), scores the events exactly as
`krq eval --events-gold` does (kyrgyz_ru.evaluate.events, after ../shared/spec/events.md), and
times extract_events against the whole analysis. Run from the repository root:

    .venv/bin/python benchmarks/event_dev.py [--texts DIR --gold FILE] [--errors]

Without options it scores the seeds; with --texts and --gold any set of articles with event
gold in the same format (a development set kept outside the repository, such as the one of
benchmarks/devsets/events-unseen.jsonl).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kyrgyz_ru.evaluate.events import EventReport, read_event_gold, score_index
from kyrgyz_ru.extract import corpus, language
from kyrgyz_ru.extract.events import extract_events, lexicon_for
from kyrgyz_ru.extract.ingest import extract_document, relink
from kyrgyz_ru.extract.knowledge import extra_knowledge_files, load_knowledge
from kyrgyz_ru.extract.lexicon import lexicon
from kyrgyz_ru.extract.pipeline import DEFAULT_MODEL, analyse, load_pipeline
from kyrgyz_ru.extract.topics import load_taxonomy
from kyrgyz_ru.store.index import Index
from kyrgyz_ru.store.writes import write_document

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "data" / "seeds-events.jsonl"
SEEDS = ROOT / "seeds"


@dataclass(frozen=True)
class Measured:
    report: EventReport
    extract_seconds: float  # extract_events alone, over every document
    analysis_seconds: float  # the model and extract_document, events included


def run(texts: Path = SEEDS, gold: Path = GOLD) -> Measured:
    knowledge = load_knowledge(extra_knowledge_files(()))
    nlp = load_pipeline(DEFAULT_MODEL, knowledge)
    catalog = corpus.read_catalog(texts)
    # Each document's language as ingest detects it: a Russian article goes to natasha.
    read = [corpus.read_document(p, catalog, None) for p in sorted(texts.glob("*.txt"))]
    documents = [language.admit(d)[0] for d in read]
    taxonomy, lex = load_taxonomy(None), lexicon()
    started = time.perf_counter()
    analyses = list(analyse(documents, nlp))
    extracted = [extract_document(a, knowledge, lex, taxonomy) for a in analyses]
    analysis_seconds = time.perf_counter() - started
    # extract_document already ran the extractor; time it alone on the same inputs.
    started = time.perf_counter()
    for a, x in zip(analyses, extracted, strict=True):
        extract_events(
            a.document,
            a.sentences,
            a.tokens,
            x.mentions,
            lexicon_for(a.document.language),
            a.lemmas,
        )
    extract_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        index = Index.open(Path(tmp) / "events.db")
        with index.transaction() as db:
            for x in extracted:
                write_document(db, x, DEFAULT_MODEL)
        relink(index, knowledge, lex)
        report = score_index(index.db, read_event_gold(gold))
        index.close()
    return Measured(report, extract_seconds, analysis_seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=Path, default=None, help="folder of articles (seeds)")
    parser.add_argument("--gold", type=Path, default=None, help="event gold of those articles")
    parser.add_argument("--errors", action="store_true", help="print misses and wrong fields")
    args = parser.parse_args()
    if (args.texts is None) != (args.gold is None):
        parser.error("--texts and --gold go together")
    measured = run(args.texts or SEEDS, args.gold or GOLD)
    report = measured.report
    print(f"{'category':<12} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}")
    for name, c in (*report.per_type.items(), ("micro", report.micro)):
        print(f"{name:<12} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}"
              f" {c.tp:4} {c.fp:4} {c.fn:4}")  # fmt: skip
    print(f"actor F1 {report.actors.f1:.3f} (P {report.actors.precision:.3f}"
          f" R {report.actors.recall:.3f})")  # fmt: skip
    for name, acc in (("date", report.date), ("place", report.place), ("mode", report.mode)):
        print(f"{name} accuracy {acc.accuracy:.3f} over {acc.total}")
    share = measured.extract_seconds / measured.analysis_seconds
    print(f"extract_events {measured.extract_seconds:.3f} s; analysis with it"
          f" {measured.analysis_seconds:.3f} s ({share:.1%})")  # fmt: skip
    if args.errors:
        for e in report.errors:
            print(f"  {e.kind:<8} {e.doc[:12]} [{e.start}-{e.end}] {e.event_type}: {e.detail}")


if __name__ == "__main__":
    main()
