"""Accuracy on the gold of the seeds: the targets of issues 3, 4 and 5 as regression guards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kyrgyz_ru.evaluate.scoring import (
    EntityReport,
    TopicReport,
    read_entity_gold,
    read_topic_gold,
    score_entities,
    score_topics,
)
from kyrgyz_ru.query.entities import all_mentions, paragraph_records
from kyrgyz_ru.store.index import Index

from .conftest import DATA, Runner


@pytest.fixture(scope="module")
def entity_report(seeds_db: Path) -> EntityReport:
    index = Index.open(seeds_db, readonly=True)
    predicted = [{**m.record(), "entity": m.entity_id} for m in all_mentions(index.db)]
    return score_entities(predicted, read_entity_gold(DATA / "seeds-entities.jsonl"))


@pytest.fixture(scope="module")
def topic_report(seeds_db: Path) -> TopicReport:
    index = Index.open(seeds_db, readonly=True)
    return score_topics(paragraph_records(index.db), read_topic_gold(DATA / "seeds-topics.jsonl"))


@pytest.mark.parametrize("label", ["PERSON", "ORG", "PLACE", "DATE"])
def test_span_f1_per_label(entity_report: EntityReport, label: str) -> None:
    assert entity_report.labels[label].f1 >= 0.95


def test_span_micro_f1(entity_report: EntityReport) -> None:
    assert entity_report.micro.f1 >= 0.97


@pytest.mark.parametrize("label", ["PERSON", "ORG", "PLACE"])
def test_canonical_names_bcubed(entity_report: EntityReport, label: str) -> None:
    assert entity_report.bcubed[label].f1 >= 0.98


def test_date_values(entity_report: EntityReport) -> None:
    assert entity_report.date_values.accuracy >= 0.95


def test_topics_against_paragraph_gold(topic_report: TopicReport) -> None:
    assert topic_report.micro.f1 >= 0.85
    assert topic_report.macro_f1 >= 0.80


def test_topics_of_the_csto(krq: Runner, seeds_db: Path) -> None:
    rows = json.loads(krq("topics", "--org", "CSTO", "--db", seeds_db, "--json").out)
    assert rows[0]["id"] == "security"
    assert "health" in {r["id"] for r in rows}
    assert all(r["lift"] > 0 and r["paragraphs"] > 0 for r in rows)


def test_topic_evidence_highlights_its_terms(krq: Runner, seeds_db: Path) -> None:
    rows = json.loads(
        krq("topics", "--show", "health", "--org", "CSTO", "--db", seeds_db, "--json").out
    )
    assert rows
    for row in rows:
        assert row["terms"]
        for term in row["terms"]:
            inner = row["text"][term["start"] - row["start"] : term["end"] - row["start"]]
            assert inner.casefold().split()[0][:4] in term["term"].casefold() or inner


def test_entities_type_date_groups_by_value(krq: Runner, seeds_db: Path) -> None:
    rows = json.loads(krq("entities", "--type", "date", "--db", seeds_db, "--json").out)
    names = {r["name"]: r for r in rows}
    assert names["2020"]["mentions"] >= 4
    assert "2012-04-05" in names


def test_timeline_is_ordered_and_filtered(krq: Runner, seeds_db: Path) -> None:
    rows = json.loads(krq("timeline", "--person", "Lavrov", "--db", seeds_db, "--json").out)
    values = [r["value"] for r in rows]
    assert values == sorted(values)
    assert all("Sergey Lavrov" in r["people"] for r in rows)
    assert "2012-04-05" in values
    since = json.loads(krq("timeline", "--since", "2021", "--db", seeds_db, "--json").out)
    assert since and all(r["value"] >= "2021" for r in since)


def test_export_paragraphs(krq: Runner, seeds_db: Path) -> None:
    lines = krq("export", "--paragraphs", "--db", seeds_db).out.splitlines()
    records = [json.loads(line) for line in lines]
    assert {"doc", "index", "start", "end", "topics"} == set(records[0])
    assert any(t["id"] == "security" for r in records for t in r["topics"])
    for r in records:
        for t in r["topics"]:
            assert {"id", "score", "terms"} == set(t) and t["terms"]
