"""Measure event extraction against the gold of the seeds, as shared/spec/events.md scores it.

Runs the model once over the seeds, extracts events with kyrgyz_ru.extract.events, stores the
documents in a temporary index (so that actor mentions get the corpus-wide entity the index
links them to), and prints event P/R/F1 per category and micro, actor F1 on matched events,
date, place and mode accuracy, and the time extract_events took against the whole analysis.
Run from the repository root:

    .venv/bin/python benchmarks/event_dev.py [--texts DIR --gold FILE] [--errors]

Without options it scores the seeds, naming each index entity by the seeds' entity gold. With
--texts and --gold it scores any set of articles with event gold in the same format and no
entity gold (a development set kept outside the repository): a predicted actor then equals a
gold name when the entity the index links it to has that name after casefolding, has it among
its aliases, or shares its knowledge base entry.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from kyrgyz_ru.extract import corpus
from kyrgyz_ru.extract.events import extract_events, load_event_lexicon
from kyrgyz_ru.extract.ingest import extract_document, relink
from kyrgyz_ru.extract.knowledge import KnowledgeBase, extra_knowledge_files, load_knowledge
from kyrgyz_ru.extract.lexicon import lexicon
from kyrgyz_ru.extract.pipeline import DEFAULT_MODEL, analyse, load_pipeline
from kyrgyz_ru.extract.topics import load_taxonomy
from kyrgyz_ru.records import Event, Extracted
from kyrgyz_ru.store.index import Index
from kyrgyz_ru.store.writes import write_document

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "data" / "seeds-events.jsonl"
ENTITY_GOLD = ROOT / "tests" / "data" / "seeds-entities.jsonl"
SEEDS = ROOT / "seeds"


@dataclass(frozen=True)
class Scored:
    """An event reduced to what scoring compares."""

    doc: str
    start: int
    end: int
    event_type: str
    mode: str | None
    actors: frozenset[str]
    date: str | None
    place: str | None
    rule: str = ""


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    categories: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    micro: Counts = field(default_factory=Counts)
    actors: Counts = field(default_factory=Counts)
    date: list[bool] = field(default_factory=list)
    place: list[bool] = field(default_factory=list)
    mode: list[bool] = field(default_factory=list)
    misses: list[Scored] = field(default_factory=list)
    false_positives: list[Scored] = field(default_factory=list)
    wrong: list[tuple[Scored, Scored]] = field(default_factory=list)  # (gold, predicted)
    extract_seconds: float = 0.0
    analysis_seconds: float = 0.0

    @staticmethod
    def accuracy(values: list[bool]) -> float:
        return sum(values) / len(values) if values else 0.0


def read_gold(path: Path = GOLD) -> list[Scored]:
    result = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        for e in row["events"]:
            result.append(
                Scored(
                    row["doc"],
                    e["start"],
                    e["end"],
                    e["event_type"],
                    e["mode"],
                    frozenset(e["actors"]),
                    e["date"],
                    e["place"],
                )
            )
    return result


def score(predicted: list[Scored], gold: list[Scored]) -> Report:
    """Match as the spec says: same document and category, overlapping sentence spans; each
    gold event matches at most one prediction."""
    report = Report()
    used: set[int] = set()
    for g in gold:
        match = next(
            (
                i
                for i, p in enumerate(predicted)
                if i not in used
                and p.doc == g.doc
                and p.event_type == g.event_type
                and p.start < g.end
                and g.start < p.end
            ),
            None,
        )
        if match is None:
            report.categories[g.event_type].fn += 1
            report.misses.append(g)
            continue
        used.add(match)
        p = predicted[match]
        report.categories[g.event_type].tp += 1
        report.actors.tp += len(p.actors & g.actors)
        report.actors.fp += len(p.actors - g.actors)
        report.actors.fn += len(g.actors - p.actors)
        if g.date is not None:
            report.date.append(p.date == g.date)
        if g.place is not None:
            report.place.append(p.place == g.place)
        if g.event_type in ("CONSULT", "AGREE"):
            report.mode.append(p.mode == g.mode)
        if p.actors != g.actors or p.date != g.date or p.place != g.place or p.mode != g.mode:
            report.wrong.append((g, p))
    for i, p in enumerate(predicted):
        if i not in used:
            report.categories[p.event_type].fp += 1
            report.false_positives.append(p)
    for c in report.categories.values():
        report.micro.tp += c.tp
        report.micro.fp += c.fp
        report.micro.fn += c.fn
    return report


def _canonical_names(index: Index, entity_gold: Path) -> dict[tuple[str, int, int], str]:
    """(doc, start, end) of every stored mention -> the name scoring compares.

    Scoring compares entities, not spellings: each index entity is named by the gold
    canonical name most of its mentions carry (Kazakbaev and Kazakbayev are one entity in the
    index and one name here); an entity the gold never names keeps the index's name."""
    rows = index.db.execute(
        "SELECT m.doc, m.start, m.end, m.label, m.entity, coalesce(e.name, m.name)"
        " FROM mentions m LEFT JOIN entities e ON e.id = m.entity WHERE m.label != 'DATE'"
    ).fetchall()
    by_doc: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    for doc, start, end, label, entity, _ in rows:
        by_doc[doc].append((start, end, label, entity or ""))
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for line in entity_gold.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        for g in row["mentions"]:
            if g["label"] == "DATE":
                continue
            for start, end, label, entity in by_doc[row["doc"]]:
                if label == g["label"] and start < g["end"] and g["start"] < end and entity:
                    votes[entity][g["canonical"]] += 1
    names = {}
    for doc, start, end, _, entity, name in rows:
        names[(doc, start, end)] = (
            votes[entity].most_common(1)[0][0] if entity in votes else str(name)
        )
    return names


def _entity_names(
    index: Index, knowledge: KnowledgeBase, gold: list[Scored]
) -> dict[tuple[str, int, int], str]:
    """(doc, start, end) of every stored mention -> the name scoring compares, without entity
    gold: the gold name of the same document that the mention's entity carries (same name after
    casefolding, one of the entity's aliases, or the same knowledge base entry), else the
    entity's own name."""
    keys: dict[str, set[str]] = defaultdict(set)
    for entity, name, kb in index.db.execute("SELECT id, name, kb FROM entities"):
        keys[entity].add(name.casefold())
        if kb:
            keys[entity].add("kb:" + kb)
    for entity, alias in index.db.execute("SELECT entity, alias FROM aliases"):
        keys[entity].add(alias.casefold())
    gold_names: dict[str, set[str]] = defaultdict(set)
    for g in gold:
        gold_names[g.doc].update(g.actors)
        if g.place:
            gold_names[g.doc].add(g.place)

    def gold_keys(name: str) -> set[str]:
        known = knowledge.lookup(name)
        return {name.casefold()} | ({"kb:" + known.id} if known else set())

    rows = index.db.execute(
        "SELECT m.doc, m.start, m.end, m.entity, coalesce(e.name, m.name)"
        " FROM mentions m LEFT JOIN entities e ON e.id = m.entity WHERE m.label != 'DATE'"
    ).fetchall()
    names = {}
    for doc, start, end, entity, name in rows:
        mine = keys.get(entity or "", set()) | {str(name).casefold()}
        same = sorted(g for g in gold_names[doc] if gold_keys(g) & mine)
        names[(doc, start, end)] = same[0] if same else str(name)
    return names


def _scored(events: list[Event], names: dict[tuple[str, int, int], str]) -> list[Scored]:
    result = []
    for e in events:
        actors = frozenset(
            names.get((e.doc, a.start, a.end), a.name or a.text.casefold()) for a in e.actors
        )
        place = None
        if e.place_start is not None and e.place_end is not None:
            place = names.get((e.doc, e.place_start, e.place_end))
        result.append(
            Scored(e.doc, e.start, e.end, e.event_type, e.mode, actors, e.date, place, e.rule)
        )
    return result


def run(seeds: Path = SEEDS, gold: Path = GOLD, entity_gold: Path | None = ENTITY_GOLD) -> Report:
    """Score the articles of `seeds` against the event gold; with no entity gold, compare actor
    names by the index's entities (see _entity_names)."""
    gold_events = read_gold(gold)
    knowledge = load_knowledge(extra_knowledge_files(()))
    nlp = load_pipeline(DEFAULT_MODEL, knowledge)
    catalog = corpus.read_catalog(seeds)
    documents = [corpus.read_document(p, catalog, None) for p in sorted(seeds.glob("*.txt"))]
    taxonomy = load_taxonomy(None)
    lex = lexicon()
    triggers = load_event_lexicon()
    started = time.perf_counter()
    analyses = list(analyse(documents, nlp))
    extracted: list[Extracted] = [extract_document(a, knowledge, lex, taxonomy) for a in analyses]
    analysis_seconds = time.perf_counter() - started
    # extract_document already ran the extractor; time it alone on the same inputs.
    started = time.perf_counter()
    for a, x in zip(analyses, extracted, strict=True):
        extract_events(a.document, a.sentences, a.tokens, x.mentions, triggers)
    extract_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        index = Index.open(Path(tmp) / "events.db")
        with index.transaction() as db:
            for x in extracted:
                write_document(db, x, DEFAULT_MODEL)
        relink(index, knowledge, lex)
        if entity_gold is not None:
            names = _canonical_names(index, entity_gold)
        else:
            names = _entity_names(index, knowledge, gold_events)
        index.close()
    predicted = _scored([e for x in extracted for e in x.events], names)
    report = score(predicted, gold_events)
    report.extract_seconds = extract_seconds
    report.analysis_seconds = analysis_seconds
    return report


def _show(e: Scored, texts: dict[str, str]) -> str:
    sentence = " ".join(texts[e.doc][e.start : e.end].split())
    return (
        f"  {e.doc[:3]} [{e.start}-{e.end}] {e.event_type}/{e.mode} {e.rule}"
        f" actors={sorted(e.actors)} date={e.date} place={e.place}\n      {sentence[:160]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", "--seeds", dest="texts", type=Path, default=None,
                        help="folder of articles (default: the seeds)")  # fmt: skip
    parser.add_argument("--gold", type=Path, default=None, help="event gold of those articles")
    parser.add_argument("--errors", action="store_true", help="print misses and false positives")
    args = parser.parse_args()
    if (args.texts is None) != (args.gold is None):
        parser.error("--texts and --gold go together")
    if args.texts is None:
        args.texts = SEEDS
        report = run(SEEDS, GOLD, ENTITY_GOLD)
    else:
        report = run(args.texts, args.gold, None)
    print(f"{'category':<12} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}")
    for name, c in sorted(report.categories.items()):
        print(
            f"{name:<12} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.tp:4} {c.fp:4} {c.fn:4}"
        )
    m = report.micro
    print(
        f"{'micro':<12} {m.precision:6.3f} {m.recall:6.3f} {m.f1:6.3f} {m.tp:4} {m.fp:4} {m.fn:4}"
    )
    print(f"actor F1 {report.actors.f1:.3f} (P {report.actors.precision:.3f}"
          f" R {report.actors.recall:.3f})")  # fmt: skip
    print(f"date accuracy {Report.accuracy(report.date):.3f} over {len(report.date)}")
    print(f"place accuracy {Report.accuracy(report.place):.3f} over {len(report.place)}")
    print(f"mode accuracy {Report.accuracy(report.mode):.3f} over {len(report.mode)}")
    share = report.extract_seconds / report.analysis_seconds if report.analysis_seconds else 0
    print(f"extract_events {report.extract_seconds:.3f} s; analysis with it"
          f" {report.analysis_seconds:.3f} s ({share:.1%})")  # fmt: skip
    if args.errors:
        texts = {p.stem: p.read_text(encoding="utf-8") for p in args.texts.glob("*.txt")}
        print("\nmisses:")
        for g in report.misses:
            print(_show(g, texts))
        print("\nfalse positives:")
        for p in report.false_positives:
            print(_show(p, texts))
        print("\nmatched with a wrong field (gold, then predicted):")
        for g, p in report.wrong:
            print(_show(g, texts))
            print(_show(p, texts))


if __name__ == "__main__":
    main()
