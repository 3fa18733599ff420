"""The article's subject: a paragraph with no topic word of its own takes the topics of the
article's opening that the article keeps returning to (extract/topics.in_article), at ingest and
when stored paragraphs are re-scored, and `topics --show` says where they came from."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from kyrgyz_ru.extract.corpus import paragraphs
from kyrgyz_ru.extract.topics import Taxonomy, assign_topics, in_article

from .conftest import Runner

# Written for this test, in the style of a wire report on talks.
ARTICLE = """date 2024-05-10

Kyrgyz and Russian presidents hold talks in Moscow

MOSCOW, May 10 -- President Sadyr Japarov held talks with Vladimir Putin in the Kremlin \
on Friday during his official visit to Russia.

The two leaders met again in the evening for a working dinner and further negotiations.

Japarov said he was pleased that their views were the same.

The sides signed a joint statement at the end of the visit.

Photo: Kremlin press service
"""


def _hits(text: str, taxonomy: Taxonomy) -> tuple[list[str], list[list[str]]]:
    parts = paragraphs(text)
    texts = [text[p.start : p.end] for p in parts]
    own = [assign_topics(t, taxonomy) for t in texts]
    return texts, [[h.id for h in hits] for hits in in_article(texts, own, taxonomy)]


def test_a_quote_after_talks_continues_the_talks(taxonomy: Taxonomy) -> None:
    texts, topics = _hits(ARTICLE, taxonomy)
    quote = next(i for i, t in enumerate(texts) if t.startswith("Japarov said"))
    assert assign_topics(texts[quote], taxonomy) == []  # no topic word of its own
    assert topics[quote] == ["diplomacy"]


def test_date_lines_and_short_lines_stay_without_topics(taxonomy: Taxonomy) -> None:
    texts, topics = _hits(ARTICLE, taxonomy)
    assert texts[0].startswith("date ") and topics[0] == []
    photo = next(i for i, t in enumerate(texts) if t.startswith("Photo:"))
    assert topics[photo] == []


def test_a_subject_the_article_does_not_return_to_is_not_passed_on(taxonomy: Taxonomy) -> None:
    # The opening names trade once; no other paragraph is about trade.
    text = (
        "Trade between the two countries grew by a tenth last year, officials said.\n\n"
        "The weather in Bishkek was warm for the season and the streets were full.\n\n"
        "Japarov said he was pleased that their views were the same.\n\n"
        "Local residents gathered in the central square in the afternoon.\n"
    )
    _, topics = _hits(text, taxonomy)
    assert "trade" in topics[0]
    assert all(t == [] for t in topics[1:])


def test_inherited_topics_score_below_the_opening(taxonomy: Taxonomy) -> None:
    parts = paragraphs(ARTICLE)
    texts = [ARTICLE[p.start : p.end] for p in parts]
    own = [assign_topics(t, taxonomy) for t in texts]
    chosen = in_article(texts, own, taxonomy)
    opening = next(i for i, hits in enumerate(own) if hits)
    quote = next(i for i, t in enumerate(texts) if t.startswith("Japarov said"))
    factor = taxonomy.settings.article_factor
    assert chosen[quote][0].score == round(own[opening][0].score * factor, 3)
    assert chosen[quote][0].terms == own[opening][0].terms


def test_the_rule_can_be_switched_off(taxonomy: Taxonomy) -> None:
    strict = replace(taxonomy, settings=replace(taxonomy.settings, article_min=10_000))
    texts, topics = _hits(ARTICLE, strict)
    quote = next(i for i, t in enumerate(texts) if t.startswith("Japarov said"))
    assert topics[quote] == []


def test_ingest_and_show_mark_the_inherited_paragraph(tmp_path: Path, krq: Runner) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "talks.txt").write_text(ARTICLE, encoding="utf-8")
    db = tmp_path / "index.db"
    krq("ingest", str(folder), "--db", str(db))
    result = krq("topics", "--show", "diplomacy", "--db", str(db), "--json")
    rows = json.loads(result.out)
    quote = next(r for r in rows if r["text"].startswith("Japarov said"))
    assert quote["from_opening"] is True
    assert all(ARTICLE[t["start"] : t["end"]] == t["term"] for t in quote["terms"])
    own = [r for r in rows if r is not quote]
    assert own and not any(r["from_opening"] for r in own)
    table = krq("topics", "--show", "diplomacy", "--db", str(db))
    assert "from its opening" in table.out
    # Re-scoring the stored paragraphs gives the same paragraphs.
    default = Path(__file__).resolve().parent.parent / "kyrgyz_ru" / "data" / "taxonomy.json"
    again = krq("topics", "--show", "diplomacy", "--taxonomy", str(default), "--db", str(db),
                    "--json")  # fmt: skip
    assert [r["index"] for r in json.loads(again.out)] == [r["index"] for r in rows]
