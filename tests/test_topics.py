"""Topic taxonomy loading and paragraph scoring."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyrgyz_ru.errors import DataFileError, NotFoundError
from kyrgyz_ru.extract.corpus import paragraphs
from kyrgyz_ru.extract.topics import (
    Occasion,
    Taxonomy,
    assign_topics,
    load_taxonomy,
    normalise,
    occasions,
)
from kyrgyz_ru.records import Event, Paragraph

from .helpers import SPEC_IDS, ids

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "data" / "seeds-topics.jsonl"

# --- the default taxonomy ------------------------------------------------------------


def test_default_taxonomy_has_the_spec_topics(taxonomy: Taxonomy) -> None:
    assert taxonomy.ids == SPEC_IDS
    for topic in taxonomy.topics:
        assert topic.label and topic.description
        main_terms = [t for t in topic.terms if not t.context]
        assert len(main_terms) >= 30, topic.id
        assert all(t.weight > 0 for t in topic.terms)


def test_default_taxonomy_is_cached_and_get_works(taxonomy: Taxonomy) -> None:
    assert load_taxonomy() is taxonomy
    assert taxonomy.get("energy").id == "energy"
    with pytest.raises(NotFoundError) as caught:
        taxonomy.get("weather")
    message = str(caught.value)
    assert "\n" not in message and "'weather'" in message and "domestic_politics" in message


def test_topics_module_never_imports_spacy() -> None:
    code = (
        "import sys, kyrgyz_ru.extract.topics as t;"
        " t.assign_topics('Gas prices.', t.load_taxonomy()); "
        "assert 'spacy' not in sys.modules, 'spacy imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# --- malformed files -----------------------------------------------------------------


def write(tmp_path: Path, content: Any, name: str = "taxonomy.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


def minimal(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "tiny",
        "topics": [
            {"id": "weather", "label": "Weather", "terms": {"snowfall": 3, "rain": 2}},
            {"id": "sport", "label": "Sport", "terms": {"football": 3, "match": 1}},
        ],
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("", "not valid JSON"),
        ([1, 2], "must be a JSON object"),
        (minimal(topics=[{"label": "x", "terms": {"alpha": 1}}]), "missing 'id'"),
        (minimal(topics=[{"id": "x"}]), "missing 'terms'"),
        (minimal(topics=[{"id": "x", "terms": ["gas", "oil"]}]), "must be an object"),
        (minimal(topics=[{"id": "x", "terms": {"gas": "high"}}]), "must be a number"),
        (minimal(topics=[{"id": "x", "terms": {"gas": 0}}]), "positive weight"),
        (minimal(topics=[{"id": "x", "terms": {"gas": True}}]), "must be a number"),
        (minimal(topics=[{"id": "x", "terms": {"...": 1}}]), "no words"),
        (minimal(topics=[{"id": 7, "terms": {"gas": 1}}]), "must be a string"),
        (minimal(topics=[{"id": "Has Space", "terms": {"gas": 1}}]), "lowercase"),
        (minimal(topics=[{"id": "x", "terms": {"alpha": 1}, "colour": "red"}]), "unknown field"),
        (
            minimal(topics=[{"id": "x", "terms": {"alpha": 1}}, {"id": "x", "terms": {"beta": 1}}]),
            "duplicate topic id 'x'",
        ),
        (minimal(topics=[]), "'topics' is empty"),
        (minimal(topics="weather"), "must be a list"),
        (minimal(settings={"min_score": "2"}), "must be a number"),
        (minimal(settings={"keep_ratio": 2}), "between 0 and 1"),
        (minimal(settings={"max_topics": 2.5}), "must be an integer"),
        (minimal(settings={"threshold": 2}), "unknown setting"),
        (minimal(lists={"credit_topic": "diplomacy"}), "unknown topic 'diplomacy'"),
        (minimal(boilerplate=["(unclosed"]), "not a valid regular expression"),
        (minimal(rules=[{"when_terms": ["rain"], "drop": ["politics"]}]), "unknown topic"),
        (minimal(rules=[{"when_terms": ["hail"], "drop": ["sport"]}]), "not a term"),
        (minimal(format="krq-taxonomy/9"), "format must be"),
        (minimal(events={"topic": "politics"}), "events.topic names unknown topic"),
        (minimal(events={"topic": "weather", "weights": {"CONSULT": "1"}}), "must be a number"),
        (minimal(events={"topic": "weather", "when": 1}), "events: unknown field"),
        (minimal(extra=1), "unknown field 'extra'"),
    ],
)
def test_malformed_taxonomy_raises_data_file_error(
    tmp_path: Path, content: Any, expected: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(DataFileError) as caught:
        load_taxonomy(path)
    message = str(caught.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message


def test_duplicate_json_keys_are_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, '{"topics": [{"id": "a", "terms": {"gas": 1, "gas": 2}}]}')
    with pytest.raises(DataFileError, match="duplicate key 'gas'"):
        load_taxonomy(path)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="not found"):
        load_taxonomy(tmp_path / "nope.json")
    with pytest.raises(DataFileError, match="folder"):
        load_taxonomy(tmp_path)
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"name": "caf\xe9"}')
    with pytest.raises(DataFileError, match="UTF-8"):
        load_taxonomy(latin)


# --- custom taxonomies -----------------------------------------------------------------


def test_custom_taxonomy_with_other_topics(tmp_path: Path) -> None:
    custom = load_taxonomy(write(tmp_path, minimal(settings={"min_score": 1.0})))
    assert custom.ids == ("weather", "sport") and custom.name == "tiny"
    assert custom.settings.min_score == 1.0
    hits = assign_topics("Heavy snowfall and rain closed the football stadium.", custom)
    assert [h.id for h in hits][:1] == ["weather"]
    assert {h.id for h in hits} <= {"weather", "sport"}
    assert assign_topics("Gazprom will raise gas prices for Kyrgyzstan.", custom) == []
    with pytest.raises(NotFoundError, match="weather, sport"):
        custom.get("energy")


def test_custom_taxonomy_inherits_default_sections(tmp_path: Path, taxonomy: Taxonomy) -> None:
    custom = load_taxonomy(write(tmp_path, minimal()))
    assert custom.boilerplate == taxonomy.boilerplate
    assert custom.settings == taxonomy.settings
    assert custom.lists.credit_topic is None  # the default's credit topic is not in this file
    assert custom.rules == ()
    assert assign_topics("Share.", custom) == []


def test_custom_context_terms_and_rules(tmp_path: Path) -> None:
    data = minimal(
        rules=[{"name": "rain stops play", "when_terms": ["rain"], "drop": ["sport"]}],
    )
    data["topics"][1]["context_terms"] = {"stadium": 2}
    custom = load_taxonomy(write(tmp_path, data))
    assert ids("The football match went ahead despite the rain.", custom) == ["weather"]
    assert ids("Fans filled the new stadium on Sunday evening.", custom) == ["sport"]


# --- normalisation and evidence --------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("loans", "loan"),
        ("migrants", "migrant"),
        ("Labour", "labor"),
        ("flights", "flight"),
        ("supplies", "supply"),
        ("discussed", "discuss"),
        ("meetings", "meeting"),
        ("organisation", "organization"),
        ("stabilised", "stabilized"),
        ("centre", "center"),
        ("programme", "program"),
        ("defence", "defense"),
        ("agreed", "agree"),
        ("Russia’s", "Russia"),
        ("HPPs", "HPP"),
    ],
)
def test_inflections_meet(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)


def test_acronyms_are_not_stemmed() -> None:
    assert normalise("AIDS") != normalise("aid")


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Russia will give Kyrgyzstan new loans and a grant.", "finance_aid"),
        ("Labour migrants from Kyrgyzstan face new rules in Russia.", "migration"),
        ("Kyrgyz labor migrant workers queue for work permits.", "migration"),
        ("Scientists oppose the bio-laboratory planned near the capital.", "health"),
        ("Scientists oppose the biolaboratory planned near the capital.", "health"),
        ("A PCR test for COVID19 is required from all passengers.", "health"),
        ("The construction of the Kambar-Ata HPP will resume next year.", "energy"),
        ("The construction of the Kambarata HPPs will resume next year.", "energy"),
    ],
)
def test_variants_match(text: str, topic: str, taxonomy: Taxonomy) -> None:
    assert topic in ids(text, taxonomy)


def test_phrases_do_not_run_across_punctuation(taxonomy: Taxonomy) -> None:
    # "trade-economic" is a term; "trade, economic" is two list items.
    hits = assign_topics("They spoke of trade, economic and energy matters, and fuel.", taxonomy)
    terms = [t.term for h in hits for t in h.terms]
    assert "trade, economic" not in terms


# --- boilerplate -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Share.",
        "To be continued.",
        "Google+ Pinterest LinkedIn Tumblr +",
        "Facebook Twitter Telegram WhatsApp",
        "Wednesday, April 24",
        "24 February 2021",
        "By Aigerim Toktosunova",
        "By Ivan Petrov, TASS",
        "Source: https://www.mid.ru/ru/foreign_policy/news/1803158/",
        "date 2021-02-24 Source: President of Russia – The Kremlin – English",
        "Photo: Sputnik / Tabyldy Kadyrbekov",
        "Read also: Russia and Kyrgyzstan sign agreement on gas supplies",
        "Tags: Russia, Kyrgyzstan, gas, Gazprom, CSTO",
        "© 2024 AKIpress. All rights reserved.",
        "Leave A Reply",
        "Home » News » Politics",
        "Economy | Politics | Society | Culture | Sport",
        "All news",
        "* * *",
        "MIL OSI",
        "Ruslan Kazakbaev",
        "",
        "   \n  ",
    ],
)
def test_boilerplate_gets_no_topic(text: str, taxonomy: Taxonomy) -> None:
    assert assign_topics(text, taxonomy) == []


@pytest.mark.parametrize(
    "text",
    [
        "By the end of the year Gazprom will connect 40 villages to natural gas.",
        "By Sunday, Russia will deliver gas to Kyrgyzstan.",
        "«Gazprom» and «Rosneft» will supply gas and fuel to Kyrgyzstan.",
    ],
)
def test_sentences_resembling_boilerplate_keep_their_topic(text: str, taxonomy: Taxonomy) -> None:
    assert ids(text, taxonomy) == ["energy"]


# --- the spec's boundary rules ---------------------------------------------------------


def test_agenda_item_is_its_topic_not_diplomacy(taxonomy: Taxonomy) -> None:
    text = "At the talks, the presidents will discuss gas prices for Kyrgyzstan."
    assert ids(text, taxonomy) == ["energy"]


def test_agenda_list_is_diplomacy(taxonomy: Taxonomy) -> None:
    text = (
        "The presidents discussed cooperation in the political, trade, economic, energy, "
        "cultural and humanitarian spheres."
    )
    assert ids(text, taxonomy) == ["diplomacy"]


def test_single_topic_list_stays_its_topic(taxonomy: Taxonomy) -> None:
    text = "The sides will cooperate in culture, education, science, sports, tourism and youth."
    assert ids(text, taxonomy) == ["culture"]


def test_biolaboratories_are_health_even_with_security_risks(taxonomy: Taxonomy) -> None:
    text = (
        "Lawmakers said a foreign biological laboratory near Bishkek would threaten national "
        "security, as military biologists could test dangerous pathogens there."
    )
    assert ids(text, taxonomy) == ["health"]


def test_aid_for_a_purpose_carries_both_topics(taxonomy: Taxonomy) -> None:
    text = "Russia donated 2,000 doses of the vaccine and 10 ventilators as humanitarian aid."
    assert set(ids(text, taxonomy)) == {"health", "finance_aid"}


def test_greetings_are_diplomacy(taxonomy: Taxonomy) -> None:
    assert ids("Mr President, I am very glad to see you in Moscow.", taxonomy) == ["diplomacy"]


# --- the seeds gold: the project's regression guard -----------------------------------


def gold_rows() -> list[tuple[str, set[str]]]:
    rows = []
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        with open(ROOT / "seeds" / f"{row['doc']}.txt", encoding="utf-8") as file:
            text = file.read()
        found = [(p.start, p.end) for p in paragraphs(text)]
        assert found == [(p["start"], p["end"]) for p in row["paragraphs"]], row["doc"]
        rows += [(text[p["start"] : p["end"]], set(p["topics"])) for p in row["paragraphs"]]
    return rows


def test_seeds_gold_f1(taxonomy: Taxonomy) -> None:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for text, gold in gold_rows():
        predicted = set(ids(text, taxonomy))
        tp.update(predicted & gold)
        fp.update(predicted - gold)
        fn.update(gold - predicted)
    hits, extra, missed = sum(tp.values()), sum(fp.values()), sum(fn.values())
    micro = 2 * hits / (2 * hits + extra + missed)
    topics = set(tp) | set(fp) | set(fn)
    macro = sum(2 * tp[t] / (2 * tp[t] + fp[t] + fn[t]) for t in topics) / len(topics)
    assert micro >= 0.85, f"micro F1 {micro:.3f}"
    assert macro >= 0.80, f"macro F1 {macro:.3f}"


def test_scoring_is_fast(taxonomy: Taxonomy) -> None:
    texts = [text for text, _ in gold_rows()]
    started = time.perf_counter()
    for text in texts * 3:
        assign_topics(text, taxonomy)
    per_paragraph = (time.perf_counter() - started) / (3 * len(texts))
    assert per_paragraph < 0.002  # typically ~0.2 ms; generous for slow CI machines


# --- robustness ------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "gas",
        "CSTO",
        "migrants",
        "loan",
        "talks",
        "visit",
        "trade",
        "economic",
        "cultural",
        "and",
        "the",
        ",",
        ".",
        "-",
        "’s",
        "COVID-19",
        "biolab",
        "security",
        "\n",
        "  ",
        "Share.",
        "İ",
        "ß",
        "ﬁ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.lists(WORDS, max_size=60).map(" ".join)))
def test_assign_topics_never_raises(text: str) -> None:
    taxonomy = load_taxonomy()
    hits = assign_topics(text, taxonomy)
    assert len(hits) <= 3
    assert len({h.id for h in hits}) == len(hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for hit in hits:
        assert hit.id in taxonomy.ids
        assert hit.score > 0
        for term in hit.terms:
            assert 0 <= term.start < term.end <= len(text)
            assert text[term.start : term.end] == term.term


# --- issue #17: what holds on articles krq has never seen ------------------------------


def test_an_event_the_extractor_found_makes_a_bare_arrival_diplomacy(taxonomy: Taxonomy) -> None:
    text = "President of Uzbekistan arrives in Moscow"
    start = text.index("arrives")
    found = assign_topics(text, taxonomy, [Occasion(start, start + 7, "CONSULT/visit")])
    assert [h.id for h in found] == ["diplomacy"]
    # The trigger is the evidence --show displays.
    assert "arrives" in [t.term for t in found[0].terms]


def test_an_event_does_not_make_an_agenda_item_diplomacy(taxonomy: Taxonomy) -> None:
    text = "During the talks, the parties discussed the issue of Kyrgyz labor migrants."
    start = text.index("talks")
    found = assign_topics(text, taxonomy, [Occasion(start, start + 5, "CONSULT/meet")])
    assert [h.id for h in found] == ["migration"]


def test_event_kinds_not_listed_add_nothing(taxonomy: Taxonomy) -> None:
    text = "The ministry said it would look into the matter next week."
    assert assign_topics(text, taxonomy, [Occasion(4, 12, "AID/aid")]) == []


def test_occasions_keeps_the_paragraphs_triggers_in_its_offsets() -> None:
    def event(start: int, kind: str, rule: str) -> Event:
        return Event(
            "d",
            start,
            start + 20,
            kind,
            None,
            start + 2,
            start + 8,
            "x",
            rule,
            (),
            None,
            None,
            None,
            None,
            None,
        )

    inside, outside = event(110, "CONSULT", "visit"), event(300, "AGREE", "sign")
    assert occasions([inside, outside], Paragraph(1, 100, 200)) == [
        Occasion(12, 18, "CONSULT/visit")
    ]


def test_a_custom_taxonomy_without_the_events_topic_gets_no_event_evidence(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, minimal())
    assert load_taxonomy(path).events is None


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        # "goods" and "good" share a stem: good friends are no trade.
        ("Hu called the two countries good friends and good neighbours of long standing.", "trade"),
        # "trains" and "training" share one too.
        ("The drills take place at the Kharb-Maidon training ground near the border.", "transport"),
        # A title names a person, not the paragraph's subject.
        (
            "He was met by the Minister of Industry and Trade Denis Manturov at the airport.",
            "trade",
        ),
        # The pandemic as a time reference is not a health subject.
        (
            "Labour migration fell by half due to the coronavirus pandemic, the ministry said.",
            "health",
        ),
    ],
)
def test_words_that_only_look_like_a_topic(taxonomy: Taxonomy, text: str, absent: str) -> None:
    assert absent not in {h.id for h in assign_topics(text, taxonomy)}


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        (
            "The Russian-Kyrgyz Development Fund resumed project financing from July 1.",
            "finance_aid",
        ),
        (
            "Russia moved quickly to work with the interim government after the uprising.",
            "domestic_politics",
        ),
    ],
)
def test_news_vocabulary_of_funds_and_unrest(taxonomy: Taxonomy, text: str, topic: str) -> None:
    assert topic in {h.id for h in assign_topics(text, taxonomy)}
