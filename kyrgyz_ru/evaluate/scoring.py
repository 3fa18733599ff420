"""Score krq's mentions, entity links, date values and paragraph topics against hand-made gold.

The rules are the gold README's (tests/data, /work/shared/eval); only gold documents count.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from kyrgyz_ru.errors import DataFileError, InputError, KrqError
from kyrgyz_ru.records import LABELS

LINKED_LABELS = ("PERSON", "ORG", "PLACE")
UNRESOLVED = "?"  # a gold DATE value nobody could resolve; left out of value accuracy

_T = TypeVar("_T")


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int

    @classmethod
    def of(cls, tp: int, fp: int, fn: int) -> PRF:
        precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
        return cls(precision, recall, harmonic(precision, recall), tp, fp, fn)


@dataclass(frozen=True)
class BCubed:
    precision: float
    recall: float
    f1: float
    mentions: int  # matched mentions the scores average over


class DateScore(NamedTuple):
    correct: int
    total: int
    accuracy: float


@dataclass(frozen=True)
class _Located:  # what a mention and an error share
    doc: str
    start: int
    end: int
    label: str
    text: str


@dataclass(frozen=True)
class EvalError(_Located):
    """One mismatch for an `--errors` listing; offsets and text are as given, not normalised."""

    kind: str  # "missed", "spurious", "wrong value", "split", "merged"
    detail: str


@dataclass(frozen=True)
class GoldMention(_Located):
    canonical: str


@dataclass(frozen=True)
class GoldParagraph:
    doc: str
    index: int
    start: int
    end: int
    topics: frozenset[str]


@dataclass(frozen=True)
class EntityReport:
    labels: dict[str, PRF]
    micro: PRF
    bcubed: dict[str, BCubed]
    date_values: DateScore
    documents: int
    missing_documents: list[str]
    errors: list[EvalError]
    text_mismatches: int = 0  # predicted mentions whose `text` disagrees with the document

    def to_dict(self) -> dict[str, object]:
        # asdict keeps the NamedTuple a tuple, which JSON would turn into an unlabelled list
        return {**asdict(self), "date_values": self.date_values._asdict()}


@dataclass(frozen=True)
class TopicReport:
    micro: PRF
    macro_f1: float
    per_topic: dict[str, PRF]
    paragraphs: int
    documents: int = 0
    missing_documents: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def harmonic(precision: float, recall: float) -> float:
    return ratio(2 * precision * recall, precision + recall)


def gold_field(
    record: Mapping[str, object],
    key: str,
    kind: type[_T],
    where: str,
    error: type[KrqError] = DataFileError,
) -> _T:
    value = record.get(key)
    # bool is an int to isinstance, but never a valid offset
    if not isinstance(value, kind) or isinstance(value, bool):
        raise error(f"{where}: '{key}' must be {'an integer' if kind is int else kind.__name__}")
    return value


def gold_records(path: Path, key: str) -> Iterator[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    """(doc, [(location, item)]) for each line of a gold file that lists its items under `key`."""
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(f"gold file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"cannot read gold file {path}: {exc}") from None
    docs: set[str] = set()
    # split("\n"), not splitlines(): U+2028 may sit unescaped inside a JSON string
    for number, line in enumerate(content.split("\n"), 1):
        where = f"{path}:{number}"
        try:
            record = json.loads(line) if line.strip() else None
        except json.JSONDecodeError as exc:
            raise DataFileError(f"{where}: not valid JSON ({exc.msg})") from None
        if record is None:
            continue
        if not isinstance(record, dict):
            raise DataFileError(f"{where}: expected a JSON object")
        doc = gold_field(record, "doc", str, where)
        if doc in docs:
            raise DataFileError(f"{where}: document {doc!r} appears twice")
        docs.add(doc)
        items = list(enumerate(gold_field(record, key, list, where), 1))
        for number, item in items:
            if not isinstance(item, dict):
                raise DataFileError(f"{where}: {key[:-1]} {number}: expected a JSON object")
        yield doc, [(f"{where}: {key[:-1]} {number}", item) for number, item in items]
    if not docs:
        raise DataFileError(f"{path}: the gold file holds no documents")


def gold_offsets(item: Mapping[str, object], at: str) -> tuple[int, int]:
    start, end = gold_field(item, "start", int, at), gold_field(item, "end", int, at)
    if not 0 <= start < end:
        raise DataFileError(f"{at}: expected 0 <= start < end, got [{start}, {end})")
    return start, end


def _gold_mention(doc: str, at: str, item: Mapping[str, object]) -> GoldMention:
    (start, end), label = gold_offsets(item, at), gold_field(item, "label", str, at)
    text, canonical = gold_field(item, "text", str, at), gold_field(item, "canonical", str, at)
    if label not in LABELS:
        raise DataFileError(f"{at}: unknown label {label!r} (expected {', '.join(LABELS)})")
    if len(text) != end - start:
        raise DataFileError(f"{at}: text {text!r} does not fit [{start}, {end})")
    if not canonical:
        raise DataFileError(f"{at}: 'canonical' is empty")
    return GoldMention(doc, start, end, label, text, canonical)


def read_entity_gold(path: Path) -> dict[str, list[GoldMention]]:
    return {
        doc: [_gold_mention(doc, at, item) for at, item in items]
        for doc, items in gold_records(path, "mentions")
    }


def read_topic_gold(path: Path) -> dict[str, list[GoldParagraph]]:
    gold: dict[str, list[GoldParagraph]] = {}
    for doc, items in gold_records(path, "paragraphs"):
        paragraphs: dict[int, GoldParagraph] = {}
        for at, item in items:
            index, (start, end) = gold_field(item, "index", int, at), gold_offsets(item, at)
            topics = gold_field(item, "topics", list, at)
            if not all(isinstance(topic, str) and topic for topic in topics):
                raise DataFileError(f"{at}: 'topics' must be a list of topic ids")
            if index in paragraphs:
                raise DataFileError(f"{at}: paragraph index {index} appears twice")
            paragraphs[index] = GoldParagraph(doc, index, start, end, frozenset(topics))
        gold[doc] = list(paragraphs.values())
    return gold


def _trimmable(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def normalise_span(start: int, end: int, text: str) -> tuple[int, int]:
    """[start, end) without a leading "the ", a trailing possessive or surrounding punctuation.

    The README strips trailing punctuation only; the guideline also leaves out leading quotes,
    slashes and brackets ("/CSTO/"), so both ends are trimmed. Repeats until stable because
    the pieces nest ("the /CSTO/'s."). A span that would vanish is kept as it was.
    """
    low, high = 0, len(text)
    while True:
        before = (low, high)
        while low < high and _trimmable(text[low]):
            low += 1
        if text.startswith(("the ", "The "), low, high):
            low += 4
        while low < high and _trimmable(text[high - 1]):
            high -= 1
        if high - low > 2 and text.endswith(("'s", "’s"), low, high):
            high -= 2
        if (low, high) == before:
            break
    return (start + low, end - (len(text) - high)) if low < high else (start, end)


@dataclass(frozen=True)
class _Predicted(_Located):
    cluster: tuple[str, int]  # (entity, 0); each unlinked mention is a cluster of its own
    value: str | None


def _predicted(record: Mapping[str, object], number: int) -> _Predicted:
    where = f"prediction {number}"
    doc, label = (gold_field(record, key, str, where, InputError) for key in ("doc", "label"))
    start, end = (gold_field(record, key, int, where, InputError) for key in ("start", "end"))
    entity, value, text = record.get("entity"), record.get("value"), record.get("text")
    cluster = (str(entity), 0) if entity not in (None, "") else ("(unlinked)", number)
    text = text if isinstance(text, str) else ""
    return _Predicted(doc, start, end, label, text, cluster, None if value is None else str(value))


def _error(kind: str, m: _Located, detail: str = "") -> EvalError:
    return EvalError(m.doc, m.start, m.end, m.label, m.text, kind, detail)


def _bcubed(pairs: list[tuple[str, tuple[str, int]]]) -> BCubed:
    """B-cubed over matched mentions given as (gold canonical, predicted cluster)."""
    both = Counter(pairs)
    gold, predicted = Counter(g for g, _ in pairs), Counter(p for _, p in pairs)
    precision = ratio(sum(both[pair] / predicted[pair[1]] for pair in pairs), len(pairs))
    recall = ratio(sum(both[pair] / gold[pair[0]] for pair in pairs), len(pairs))
    return BCubed(precision, recall, harmonic(precision, recall), len(pairs))


def _cluster_errors(matches: list[tuple[GoldMention, _Predicted]]) -> Iterator[EvalError]:
    """Split: a gold entity spread over predicted entities; merged: the reverse.

    Only mentions away from their main (most frequent) counterpart are listed: that is
    where a reader should look for the linking mistake.
    """
    spread: dict[tuple[str, str], Counter[tuple[str, int]]] = defaultdict(Counter)
    pooled: dict[tuple[str, tuple[str, int]], Counter[str]] = defaultdict(Counter)
    for g, p in matches:
        spread[g.label, g.canonical][p.cluster] += 1
        pooled[g.label, p.cluster][g.canonical] += 1
    for g, p in matches:
        main_cluster = spread[g.label, g.canonical].most_common(1)[0][0]
        if main_cluster != p.cluster:
            what = f"{g.canonical!r} predicted as {p.cluster[0]!r}"
            yield _error("split", g, f"{what}, mostly as {main_cluster[0]!r}")
        main_gold = pooled[g.label, p.cluster].most_common(1)[0][0]
        if main_gold != g.canonical:
            yield _error("merged", g, f"{p.cluster[0]!r} merges {g.canonical!r} into {main_gold!r}")


def score_entities(
    predicted: Iterable[Mapping[str, object]],
    gold: dict[str, list[GoldMention]],
    texts: Mapping[str, str] | None = None,
) -> EntityReport:
    texts = texts or {}
    unmatched: dict[tuple[str, str, int, int], list[GoldMention]] = defaultdict(list)
    for doc, gold_mentions in gold.items():
        for g in gold_mentions:
            if doc in texts and texts[doc][g.start : g.end] != g.text:
                # offsets that miss the text would make every score below meaningless
                raise DataFileError(f"gold {g.text!r} [{g.start}, {g.end}) is not in {doc!r}")
            start, end = normalise_span(g.start, g.end, g.text)
            unmatched[doc, g.label, start, end].append(g)

    seen: set[str] = set()
    matches: list[tuple[GoldMention, _Predicted]] = []
    spurious: list[_Predicted] = []
    mismatches = 0
    for number, record in enumerate(predicted, 1):
        p = _predicted(record, number)
        if p.doc not in gold:
            continue
        seen.add(p.doc)
        if p.label not in LABELS:  # krq exports only the four; anything else is not scored
            continue
        text = p.text
        if p.doc in texts:
            text = texts[p.doc][p.start : p.end]
            mismatches += text != p.text
        start, end = normalise_span(p.start, p.end, text)
        candidates = unmatched.get((p.doc, p.label, start, end))
        if candidates:
            matches.append((candidates.pop(0), p))
        else:
            spurious.append(p)
    missed = [g for gold_mentions in unmatched.values() for g in gold_mentions]

    tp = Counter(g.label for g, _ in matches)
    fp, fn = Counter(p.label for p in spurious), Counter(g.label for g in missed)
    dated = [(g, p) for g, p in matches if g.label == "DATE" and g.canonical != UNRESOLVED]
    correct = sum(p.value == g.canonical for g, p in dated)
    errors = [_error("missed", g) for g in missed]
    errors += [_error("spurious", p) for p in spurious]
    errors += [
        _error("wrong value", g, f"predicted {p.value!r}, gold {g.canonical!r}")
        for g, p in dated
        if p.value != g.canonical
    ]
    errors += _cluster_errors([(g, p) for g, p in matches if g.label in LINKED_LABELS])
    return EntityReport(
        labels={label: PRF.of(tp[label], fp[label], fn[label]) for label in LABELS},
        micro=PRF.of(sum(tp.values()), sum(fp.values()), sum(fn.values())),
        bcubed={
            label: _bcubed([(g.canonical, p.cluster) for g, p in matches if g.label == label])
            for label in LINKED_LABELS
        },
        date_values=DateScore(correct, len(dated), ratio(correct, len(dated))),
        documents=len(gold),
        missing_documents=sorted(set(gold) - seen),
        # by position, so a boundary miss shows up beside the spurious span that caused it
        errors=sorted(errors, key=lambda e: (e.doc, e.start, e.end, e.kind)),
        text_mismatches=mismatches,
    )


def score_topics(
    predicted: Iterable[Mapping[str, object]], gold: dict[str, list[GoldParagraph]]
) -> TopicReport:
    # object keys: predicted offsets and indexes are looked up as given, possibly absent
    by_span: dict[tuple[object, ...], GoldParagraph] = {}
    by_index: dict[tuple[object, ...], GoldParagraph] = {}
    for p in (p for paragraphs in gold.values() for p in paragraphs):
        by_span[p.doc, p.start, p.end], by_index[p.doc, p.index] = p, p
    assigned: dict[GoldParagraph, set[str]] = {}
    tp, fp, fn = Counter[str](), Counter[str](), Counter[str]()
    seen: set[str] = set()
    for number, record in enumerate(predicted, 1):
        where = f"predicted paragraph {number}"
        doc = gold_field(record, "doc", str, where, InputError)
        if doc not in gold:
            continue
        seen.add(doc)
        items = gold_field(record, "topics", list, where, InputError)
        topics = {item["id"] if isinstance(item, dict) and "id" in item else item for item in items}
        if not all(isinstance(topic, str) for topic in topics):
            raise InputError(f"{where}: a topic must be an id or an object with an 'id'")
        paragraph = by_span.get((doc, record.get("start"), record.get("end")))
        if paragraph is None or paragraph in assigned:
            paragraph = by_index.get((doc, record.get("index")))
        if paragraph is None or paragraph in assigned:
            fp.update(topics)  # topics on text the gold divides differently are all wrong
        else:
            assigned[paragraph] = topics
    for paragraph in by_index.values():
        guessed = assigned.get(paragraph, set())
        tp.update(guessed & paragraph.topics)
        fp.update(guessed - paragraph.topics)
        fn.update(paragraph.topics - guessed)

    per_topic = {topic: PRF.of(tp[topic], fp[topic], fn[topic]) for topic in sorted(tp | fp | fn)}
    return TopicReport(
        micro=PRF.of(sum(tp.values()), sum(fp.values()), sum(fn.values())),
        macro_f1=ratio(sum(prf.f1 for prf in per_topic.values()), len(per_topic)),
        per_topic=per_topic,
        paragraphs=len(by_index),
        documents=len(gold),
        missing_documents=sorted(set(gold) - seen),
    )
