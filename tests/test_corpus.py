"""Reading articles: dates, titles, paragraphs and the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyrgyz_ru.errors import DataFileError
from kyrgyz_ru.extract import corpus

from .conftest import DATA, SEEDS


def test_paragraphs_match_the_gold_boundaries() -> None:
    import json

    for line in (DATA / "seeds-topics.jsonl").read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        text = (SEEDS / f"{gold['doc']}.txt").read_text(encoding="utf-8")
        found = [(p.index, p.start, p.end) for p in corpus.paragraphs(text)]
        assert found == [(p["index"], p["start"], p["end"]) for p in gold["paragraphs"]]


def test_whitespace_only_lines_separate_paragraphs() -> None:
    text = "One.\n  \t\nTwo.\n\n\n\nThree."
    assert [text[p.start : p.end] for p in corpus.paragraphs(text)] == ["One.", "Two.", "Three."]


def test_document_dates_from_header_catalog_and_option(tmp_path: Path) -> None:
    catalog = corpus.read_catalog(SEEDS)
    doc = corpus.read_document(SEEDS / "001_72c8119b68f9c38f.txt", catalog)
    assert (doc.date, doc.date_source) == ("2020-10-24", "header")
    doc = corpus.read_document(SEEDS / "000_db04cc7ecf981b1f.txt", catalog)
    assert (doc.date, doc.date_source) == ("2021-02", "catalog")
    plain = tmp_path / "a.txt"
    plain.write_text("Sadyr Japarov visited Moscow.\n", encoding="utf-8")
    assert corpus.read_document(plain, {}, "2021-02-24").date_source == "option"


def test_text_is_kept_exactly() -> None:
    for path in SEEDS.glob("*.txt"):
        doc = corpus.read_document(path, {})
        assert doc.text == path.read_text(encoding="utf-8")
        assert doc.id == path.stem


def test_titles_skip_bylines_and_dates() -> None:
    doc = corpus.read_document(SEEDS / "002_3dab5950da06293c.txt", {})
    assert doc.title.startswith("Joint statement")
    doc = corpus.read_document(SEEDS / "004_b49d61f9fd03f434.txt", {})
    assert doc.title.startswith("Russian base in Kyrgyzstan")


@pytest.mark.parametrize(
    "line", ['{"doc": "a", "date": "May 2020"}', "not json", '{"date": "2020"}']
)
def test_bad_catalog_lines_are_named(tmp_path: Path, line: str) -> None:
    (tmp_path / corpus.CATALOG_NAME).write_text(line + "\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"catalog\.jsonl:1"):
        corpus.read_catalog(tmp_path)
