"""Scoring against gold: small cases worked out by hand, then the bundled gold against itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyrgyz_ru.errors import DataFileError, InputError
from kyrgyz_ru.evaluate.scoring import (
    PRF,
    GoldMention,
    GoldParagraph,
    normalise_span,
    read_entity_gold,
    read_topic_gold,
    score_entities,
    score_topics,
)

ROOT = Path(__file__).resolve().parents[1]
ENTITY_GOLD = ROOT / "tests" / "data" / "seeds-entities.jsonl"
TOPIC_GOLD = ROOT / "tests" / "data" / "seeds-topics.jsonl"

TEXT = "Sadyr Japarov met Vladimir Putin in Moscow on 24 February 2021, said the CSTO."


def at(text: str, phrase: str, occurrence: int = 0) -> int:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(phrase, start + 1)
    return start


def gold(phrase: str, label: str, canonical: str, doc: str = "d", text: str = TEXT) -> GoldMention:
    start = at(text, phrase)
    return GoldMention(doc, start, start + len(phrase), label, phrase, canonical)


def predicted(
    phrase: str,
    label: str,
    entity: str | None = None,
    value: str | None = None,
    doc: str = "d",
    text: str = TEXT,
    occurrence: int = 0,
) -> dict[str, object]:
    start = at(text, phrase, occurrence)
    return {
        "doc": doc,
        "start": start,
        "end": start + len(phrase),
        "text": phrase,
        "label": label,
        "entity": entity,
        "value": value,
        "sentence": 0,
    }


def as_predicted(mention: GoldMention) -> dict[str, object]:
    """A gold mention exported the way krq exports its own: entity and value from the gold."""
    return {
        "doc": mention.doc,
        "start": mention.start,
        "end": mention.end,
        "text": mention.text,
        "label": mention.label,
        "entity": mention.canonical,
        "value": mention.canonical,
        "sentence": 0,
    }


SMALL_GOLD = {
    "d": [
        gold("Sadyr Japarov", "PERSON", "Sadyr Japarov"),
        gold("Vladimir Putin", "PERSON", "Vladimir Putin"),
        gold("Moscow", "PLACE", "Moscow"),
        gold("24 February 2021", "DATE", "2021-02-24"),
        gold("CSTO", "ORG", "CSTO"),
    ]
}


def assert_prf(prf: PRF, precision: float, recall: float, f1: float) -> None:
    assert (prf.precision, prf.recall, prf.f1) == pytest.approx((precision, recall, f1))


# --- spans ------------------------------------------------------------------------------


def test_perfect_prediction_scores_one_everywhere() -> None:
    report = score_entities(
        [as_predicted(m) for m in SMALL_GOLD["d"]], SMALL_GOLD, texts={"d": TEXT}
    )
    for prf in [*report.labels.values(), report.micro]:
        assert_prf(prf, 1.0, 1.0, 1.0)
    for score in report.bcubed.values():
        assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0)
    assert report.date_values == (1, 1, 1.0)
    assert report.errors == [] and report.missing_documents == [] and report.documents == 1


@pytest.mark.parametrize(
    ("text", "predicted_phrase", "gold_phrase", "label"),
    [
        (
            "He praised the Eurasian Economic Union.",
            "the Eurasian Economic Union",
            "Eurasian Economic Union",
            "ORG",
        ),
        (
            "The Eurasian Economic Union grew.",
            "The Eurasian Economic Union",
            "Eurasian Economic Union",
            "ORG",
        ),
        ("It is Russia's view.", "Russia's", "Russia", "PLACE"),
        ("It is Russia’s view.", "Russia’s", "Russia", "PLACE"),
        ("Members of /CSTO/. met", "/CSTO/.", "CSTO", "ORG"),
        ("Members of the /CSTO/'s council", "the /CSTO/'s", "CSTO", "ORG"),
        ('He went to "Bishkek", then home', '"Bishkek",', "Bishkek", "PLACE"),
    ],
)
def test_boundaries_match_after_normalisation(
    text: str, predicted_phrase: str, gold_phrase: str, label: str
) -> None:
    gold_span = gold(gold_phrase, label, gold_phrase, text=text)
    for texts in (None, {"d": text}):
        report = score_entities(
            [predicted(predicted_phrase, label, gold_phrase, text=text)], {"d": [gold_span]}, texts
        )
        assert (report.micro.tp, report.micro.fp, report.micro.fn) == (1, 0, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the Eurasian Economic Union", (14, 37)),  # start += 4
        ("Russia's", (10, 16)),  # end -= 2
        ("/CSTO/.", (11, 15)),  # surrounding punctuation
        ("...", (10, 13)),  # nothing would be left: kept as it was
        ("theatre", (10, 17)),  # "the" only as a word of its own
        ("U.S.", (10, 13)),
    ],
)
def test_normalise_span_offsets(text: str, expected: tuple[int, int]) -> None:
    assert normalise_span(10, 10 + len(text), text) == expected


@given(st.text(alphabet="the T'’s/.,()\"«»-CSTOab ", max_size=20))
def test_normalising_twice_changes_nothing(text: str) -> None:
    start, end = normalise_span(0, len(text), text)
    assert 0 <= start <= end <= len(text)
    assert normalise_span(start, end, text[start:end]) == (start, end)


def test_wrong_label_or_offsets_do_not_match() -> None:
    report = score_entities(
        [predicted("Moscow", "ORG", "Moscow"), predicted("Vladimir", "PERSON", "Putin")],
        {"d": [gold("Moscow", "PLACE", "Moscow"), gold("Vladimir Putin", "PERSON", "Putin")]},
    )
    assert (report.micro.tp, report.micro.fp, report.micro.fn) == (0, 2, 2)


def test_missed_and_spurious_give_exact_scores() -> None:
    predictions = [
        predicted("Sadyr Japarov", "PERSON", "Japarov"),
        predicted("Vladimir Putin", "PERSON", "Putin"),
        predicted("Moscow", "PLACE", "Moscow"),
        predicted("24 February 2021", "DATE", value="2021-02-24"),
        predicted("February", "PERSON", "February"),  # spurious
        # CSTO missed
    ]
    report = score_entities(predictions, SMALL_GOLD)
    assert_prf(report.labels["PERSON"], 2 / 3, 1.0, 0.8)
    assert_prf(report.labels["ORG"], 0.0, 0.0, 0.0)  # 0/0 precision is 0.0, not an error
    assert_prf(report.labels["PLACE"], 1.0, 1.0, 1.0)
    assert_prf(report.micro, 4 / 5, 4 / 5, 4 / 5)
    assert (report.micro.tp, report.micro.fp, report.micro.fn) == (4, 1, 1)
    kinds = {(e.kind, e.text, e.label) for e in report.errors}
    assert kinds == {("spurious", "February", "PERSON"), ("missed", "CSTO", "ORG")}


def test_a_duplicate_prediction_is_spurious() -> None:
    moscow = predicted("Moscow", "PLACE", "Moscow")
    report = score_entities([moscow, moscow], {"d": [gold("Moscow", "PLACE", "Moscow")]})
    assert (report.labels["PLACE"].tp, report.labels["PLACE"].fp) == (1, 1)


def test_nothing_predicted_scores_zero_without_error() -> None:
    report = score_entities([], SMALL_GOLD)
    assert_prf(report.micro, 0.0, 0.0, 0.0)
    assert report.micro.fn == 5
    assert all(score.f1 == 0.0 for score in report.bcubed.values())
    assert report.date_values == (0, 0, 0.0)  # over matched dates only: none
    assert report.missing_documents == ["d"]


def test_only_gold_documents_are_scored() -> None:
    other = "Bishkek is far."
    gold_docs = {
        "d": [gold("Moscow", "PLACE", "Moscow")],
        "e": [gold("Bishkek", "PLACE", "Bishkek", "e", other)],
    }
    predictions = [
        predicted("Moscow", "PLACE", "Moscow"),
        predicted("Bishkek", "PLACE", "Bishkek", doc="not-in-gold", text=other),
    ]
    report = score_entities(predictions, gold_docs)
    assert (report.micro.tp, report.micro.fp, report.micro.fn) == (1, 0, 1)
    assert report.documents == 2 and report.missing_documents == ["e"]


# --- canonical names (B-cubed) ----------------------------------------------------------

KAZAKBAEV = "Kazakbaev met Kazakbaev, then Kazakbayev met Kazakbayev and Lavrov."


KAZAKBAEV_NAMES = ["Kazakbaev", "Kazakbaev", "Kazakbayev", "Kazakbayev"]


def four_kazakbaevs(canonicals: list[str]) -> dict[str, list[GoldMention]]:
    mentions = []
    for i, (name, canonical) in enumerate(zip(KAZAKBAEV_NAMES, canonicals, strict=True)):
        start = at(KAZAKBAEV, name, occurrence=i % 2)
        mentions.append(GoldMention("d", start, start + len(name), "PERSON", name, canonical))
    return {"d": mentions}


def kazakbaev_predictions(entities: list[str | None]) -> list[dict[str, object]]:
    return [
        predicted(name, "PERSON", entity, text=KAZAKBAEV, occurrence=i % 2)
        for i, (name, entity) in enumerate(zip(KAZAKBAEV_NAMES, entities, strict=True))
    ]


def test_splitting_one_entity_lowers_recall_only() -> None:
    gold_docs = four_kazakbaevs(["Ruslan Kazakbaev"] * 4)
    report = score_entities(kazakbaev_predictions(["K1", "K1", "K2", "K2"]), gold_docs)
    person = report.bcubed["PERSON"]
    # each mention shares its predicted cluster (2) fully, but holds 2 of its 4 gold mates
    assert (person.precision, person.recall, person.f1) == pytest.approx((1.0, 0.5, 2 / 3))
    assert_prf(report.labels["PERSON"], 1.0, 1.0, 1.0)  # spans are all right
    splits = [e for e in report.errors if e.kind == "split"]
    assert len(splits) == 2 and all(e.text == "Kazakbayev" for e in splits)
    assert not any(e.kind == "merged" for e in report.errors)


def test_merging_two_entities_lowers_precision_only() -> None:
    gold_docs = four_kazakbaevs(["Ruslan Kazakbaev"] * 3 + ["Someone Else"])
    report = score_entities(kazakbaev_predictions(["K"] * 4), gold_docs)
    person = report.bcubed["PERSON"]
    # precision: three mentions share 3/4 of their cluster, one shares 1/4 -> 10/16
    assert (person.precision, person.recall) == pytest.approx((0.625, 1.0))
    assert person.f1 == pytest.approx(2 * 0.625 / 1.625)
    merged = [e for e in report.errors if e.kind == "merged"]
    assert len(merged) == 1 and "Someone Else" in merged[0].detail
    assert not any(e.kind == "split" for e in report.errors)


def test_unlinked_mentions_are_clusters_of_their_own() -> None:
    gold_docs = four_kazakbaevs(["Ruslan Kazakbaev"] * 4)
    report = score_entities(kazakbaev_predictions([None] * 4), gold_docs)
    assert (report.bcubed["PERSON"].precision, report.bcubed["PERSON"].recall) == (1.0, 0.25)


def test_bcubed_spans_documents_and_ignores_unmatched_mentions() -> None:
    gold_docs = {
        "d": [gold("Sadyr Japarov", "PERSON", "Sadyr Japarov"), gold("Moscow", "PLACE", "Moscow")],
        "e": [gold("Japarov", "PERSON", "Sadyr Japarov", "e", "Japarov spoke.")],
    }
    predictions = [
        predicted("Sadyr Japarov", "PERSON", "japarov-1"),
        predicted("Japarov", "PERSON", "japarov-2", doc="e", text="Japarov spoke."),
    ]
    report = score_entities(predictions, gold_docs)
    assert report.bcubed["PERSON"].recall == 0.5  # the same person split across two articles
    assert report.bcubed["PERSON"].mentions == 2
    assert report.bcubed["PLACE"].mentions == 0 and report.bcubed["PLACE"].f1 == 0.0


# --- date values ------------------------------------------------------------------------

DATES = "In 2020, on 5 October and some day, and last year."


def test_date_values_leave_out_unresolvable_gold() -> None:
    gold_docs = {
        "d": [
            gold("2020", "DATE", "2020", text=DATES),
            gold("5 October", "DATE", "2020-10-05", text=DATES),
            gold("some day", "DATE", "?", text=DATES),
            gold("last year", "DATE", "2019", text=DATES),
        ]
    }
    predictions = [
        predicted("2020", "DATE", value="2020", text=DATES),
        predicted("5 October", "DATE", value="2021-10-05", text=DATES),
        predicted("some day", "DATE", value="2020-01-01", text=DATES),  # not scored: gold "?"
        predicted("last year", "DATE", value=None, text=DATES),
    ]
    report = score_entities(predictions, gold_docs)
    assert report.date_values == pytest.approx((1, 3, 1 / 3))
    wrong = [(e.text, e.detail) for e in report.errors if e.kind == "wrong value"]
    assert wrong == [
        ("5 October", "predicted '2021-10-05', gold '2020-10-05'"),
        ("last year", "predicted None, gold '2019'"),
    ]
    assert_prf(report.labels["DATE"], 1.0, 1.0, 1.0)


# --- document texts ---------------------------------------------------------------------


def test_document_text_is_preferred_and_disagreements_counted() -> None:
    stale = {**predicted("Moscow", "PLACE", "Moscow"), "text": "Moscow's"}
    report = score_entities([stale], {"d": [gold("Moscow", "PLACE", "Moscow")]}, {"d": TEXT})
    assert report.micro.tp == 1 and report.text_mismatches == 1


def test_gold_that_does_not_fit_the_document_is_refused() -> None:
    with pytest.raises(DataFileError, match="'Moscow'"):
        score_entities([], {"d": [gold("Moscow", "PLACE", "Moscow")]}, {"d": "x" * len(TEXT)})


def test_malformed_prediction_is_an_input_error() -> None:
    with pytest.raises(InputError, match="prediction 1: 'start' must be an integer"):
        score_entities([{"doc": "d", "start": "3", "end": 9, "label": "PLACE"}], SMALL_GOLD)


# --- topics -----------------------------------------------------------------------------


def paragraph(index: int, *topics: str, doc: str = "d") -> GoldParagraph:
    return GoldParagraph(doc, index, index * 100, index * 100 + 50, frozenset(topics))


def test_topics_micro_and_macro_differ() -> None:
    gold_docs = {"d": [paragraph(0, "trade"), paragraph(1, "trade"), paragraph(2, "energy")]}
    predictions: list[dict[str, object]] = [
        {
            "doc": "d",
            "index": 0,
            "start": 0,
            "end": 50,
            "topics": [{"id": "trade", "score": 0.9, "terms": []}],
        },
        {"doc": "d", "index": 1, "start": 100, "end": 150, "topics": ["trade"]},
        {"doc": "d", "index": 2, "start": 200, "end": 250, "topics": ["trade"]},
    ]
    report = score_topics(predictions, gold_docs)
    # trade: tp 2, fp 1 -> P 2/3, R 1, F1 0.8; energy: fn 1 -> F1 0
    assert_prf(report.per_topic["trade"], 2 / 3, 1.0, 0.8)
    assert_prf(report.per_topic["energy"], 0.0, 0.0, 0.0)
    assert_prf(report.micro, 2 / 3, 2 / 3, 2 / 3)
    assert report.macro_f1 == pytest.approx(0.4)
    assert report.paragraphs == 3 and report.missing_documents == []


def test_paragraphs_match_by_index_when_offsets_differ() -> None:
    gold_docs = {"d": [paragraph(0, "trade"), paragraph(1, "health")]}
    predictions: list[dict[str, object]] = [
        {"doc": "d", "index": 0, "start": 1, "end": 49, "topics": ["trade"]},
        {"doc": "d", "index": 1, "topics": ["health"]},
        {
            "doc": "d",
            "index": 7,
            "start": 900,
            "end": 950,
            "topics": ["energy"],
        },  # no such paragraph
        {"doc": "elsewhere", "index": 0, "topics": ["energy"]},  # not in the gold
    ]
    report = score_topics(predictions, gold_docs)
    assert (report.micro.tp, report.micro.fp, report.micro.fn) == (2, 1, 0)
    assert set(report.per_topic) == {"trade", "health", "energy"}


def test_unpredicted_gold_document_counts_as_missed() -> None:
    gold_docs = {"d": [paragraph(0, "trade")], "e": [paragraph(0, "health", doc="e")]}
    report = score_topics([{"doc": "d", "index": 0, "topics": ["trade"]}], gold_docs)
    assert (report.micro.tp, report.micro.fn) == (1, 1)
    assert report.missing_documents == ["e"] and report.documents == 2


def test_no_topics_anywhere_scores_zero() -> None:
    report = score_topics([], {"d": [paragraph(0)]})
    assert report.macro_f1 == 0.0 and report.micro.f1 == 0.0 and report.per_topic == {}


# --- reading gold -----------------------------------------------------------------------

GOOD_MENTION = {"start": 0, "end": 6, "label": "PLACE", "text": "Moscow", "canonical": "Moscow"}


@pytest.mark.parametrize(
    ("second_line", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({"mentions": []}), "'doc' must be str"),
        (
            json.dumps({"doc": "b", "mentions": [{**GOOD_MENTION, "label": "GPE"}]}),
            "unknown label 'GPE'",
        ),
        (json.dumps({"doc": "b", "mentions": [{**GOOD_MENTION, "end": 0}]}), "start < end"),
        (
            json.dumps({"doc": "b", "mentions": [{**GOOD_MENTION, "start": True}]}),
            "'start' must be an integer",
        ),
        (
            json.dumps({"doc": "b", "mentions": [{**GOOD_MENTION, "text": "Moscow!"}]}),
            "does not fit",
        ),
        (
            json.dumps({"doc": "b", "mentions": [GOOD_MENTION, "Moscow"]}),
            "mention 2: expected a JSON object",
        ),
        (json.dumps({"doc": "a", "mentions": []}), "document 'a' appears twice"),
    ],
)
def test_malformed_entity_gold_names_file_and_line(
    tmp_path: Path, second_line: str, message: str
) -> None:
    path = tmp_path / "gold.jsonl"
    first = json.dumps({"doc": "a", "mentions": [GOOD_MENTION]})
    path.write_text(f"{first}\n{second_line}\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=message) as caught:
        read_entity_gold(path)
    assert f"{path}:2:" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("second_line", "message"),
    [
        (
            json.dumps(
                {"doc": "b", "paragraphs": [{"index": 0, "start": 0, "end": 5, "topics": [3]}]}
            ),
            "topic ids",
        ),
        (
            json.dumps({"doc": "b", "paragraphs": [{"index": 0, "start": 0, "end": 5}]}),
            "'topics' must be list",
        ),
        (json.dumps({"doc": "b", "paragraphs": "none"}), "'paragraphs' must be list"),
    ],
)
def test_malformed_topic_gold_names_file_and_line(
    tmp_path: Path, second_line: str, message: str
) -> None:
    path = tmp_path / "topics.jsonl"
    first = json.dumps(
        {"doc": "a", "paragraphs": [{"index": 0, "start": 0, "end": 5, "topics": []}]}
    )
    path.write_text(f"{first}\n\n{second_line}\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=message) as caught:
        read_topic_gold(path)
    assert f"{path}:3:" in str(caught.value)


@pytest.mark.parametrize("content", [None, "", "\n  \n", b"\xff\xfe not utf-8"])
def test_missing_empty_or_unreadable_gold_is_refused(
    tmp_path: Path, content: str | bytes | None
) -> None:
    path = tmp_path / "gold.jsonl"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError, match=str(path)):
        read_entity_gold(path)


# --- the bundled gold -------------------------------------------------------------------


def seed_texts() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in (ROOT / "seeds").glob("*.txt")}


def test_real_entity_gold_against_itself_scores_one() -> None:
    gold_docs = read_entity_gold(ENTITY_GOLD)
    assert len(gold_docs) == 5
    predictions = [as_predicted(m) for mentions in gold_docs.values() for m in mentions]
    report = score_entities(predictions, gold_docs, texts=seed_texts())
    for prf in [*report.labels.values(), report.micro]:
        assert (prf.precision, prf.recall, prf.f1, prf.fp, prf.fn) == (1.0, 1.0, 1.0, 0, 0)
    for score in report.bcubed.values():
        assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0)
    assert report.date_values.accuracy == 1.0 and report.date_values.total > 0
    assert report.errors == [] and report.missing_documents == [] and report.text_mismatches == 0
    json.dumps(report.to_dict())


def test_real_topic_gold_against_itself_scores_one() -> None:
    gold_docs = read_topic_gold(TOPIC_GOLD)
    predictions = [
        {"doc": p.doc, "index": p.index, "start": p.start, "end": p.end, "topics": sorted(p.topics)}
        for paragraphs in gold_docs.values()
        for p in paragraphs
    ]
    report = score_topics(predictions, gold_docs)
    assert (report.micro.f1, report.macro_f1) == (1.0, 1.0)
    assert all(prf.f1 == 1.0 for prf in report.per_topic.values())
    assert report.paragraphs == sum(len(p) for p in gold_docs.values())
    json.dumps(report.to_dict())


def test_reports_serialise_with_stable_field_names() -> None:
    entities = score_entities([], SMALL_GOLD).to_dict()
    assert set(entities) == {
        "labels",
        "micro",
        "bcubed",
        "date_values",
        "documents",
        "missing_documents",
        "errors",
        "text_mismatches",
    }
    assert entities["date_values"] == {"correct": 0, "total": 0, "accuracy": 0.0}
    micro, errors = entities["micro"], entities["errors"]
    assert isinstance(micro, dict) and isinstance(errors, list)
    assert set(micro) == {"precision", "recall", "f1", "tp", "fp", "fn"}
    assert set(errors[0]) == {"kind", "doc", "start", "end", "label", "text", "detail"}
    topics = score_topics([], {"d": [paragraph(0, "trade")]}).to_dict()
    assert set(topics) == {
        "micro",
        "macro_f1",
        "per_topic",
        "paragraphs",
        "documents",
        "missing_documents",
    }
