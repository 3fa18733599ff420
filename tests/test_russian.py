"""Russian articles: the same records as English ones, one entity across both languages.

The development set (tests/data/ru/, gold in tests/data/ru-entities.jsonl) is written for
these tests in the field's style; it holds no third-party text.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kyrgyz_ru.extract import dates
from kyrgyz_ru.extract.canonical import romanise, same_person, translit_key
from kyrgyz_ru.extract.knowledge import load_knowledge
from kyrgyz_ru.extract.russian import load_russian
from kyrgyz_ru.records import Document

from .conftest import DATA, Runner

RU = DATA / "ru"
GOLD = DATA / "ru-entities.jsonl"


@pytest.fixture(scope="module")
def ru_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .helpers import run_krq

    path = tmp_path_factory.mktemp("ru") / "ru.db"
    status, err = run_krq("ingest", "--db", path, RU)
    assert status == 0, err
    return path


def test_the_development_set_scores_above_the_targets(krq: Runner, ru_db: Path) -> None:
    report = json.loads(krq("eval", "--gold", GOLD, "--db", ru_db, "--json").out)["entities"]
    assert report["text_mismatches"] == 0
    assert report["micro"]["f1"] >= 0.85, report["micro"]
    assert report["date_values"]["accuracy"] >= 0.85, report["date_values"]
    for label in ("PERSON", "ORG", "PLACE"):
        assert report["bcubed"][label]["f1"] >= 0.95, (label, report["bcubed"][label])


def test_russian_analysis_gives_spans_of_the_original_text_and_nominatives() -> None:
    text = (RU / "ru01.txt").read_text(encoding="utf-8")
    analysis = load_russian(load_knowledge()).analyse(Document("ru01", "x", text, "0"))
    spans = {(text[s.start : s.end], s.label) for s in analysis.entities}
    assert ("МИД Киргизии", "ORG") in spans  # one ORG, not ORG + PLACE
    assert ("Русланом Казакбаевым", "PERSON") in spans
    assert analysis.names["Русланом Казакбаевым"] == "Руслан Казакбаев"
    assert analysis.sentences and analysis.tokens
    assert all(t.tag for t in analysis.tokens)
    assert not any(text[s.start : s.end].islower() for s in analysis.entities)


def test_romanisation_meets_the_english_spellings() -> None:
    assert romanise("Казакбаев") == "kazakbaev"
    assert translit_key("Казакбаев") == translit_key("Kazakbayev")
    assert translit_key("Жапаров") == translit_key("Japarov") == translit_key("Dzhaparov")
    assert same_person("Сергей Лавров", "Sergei Lavrov")
    assert not same_person("Акылбек Жапаров", "Sadyr Japarov")
    assert romanise("Дмитрий") == "dmitry"


@pytest.mark.parametrize(
    ("text", "anchor", "value"),
    [
        ("13 июля 2010 года", None, "2010-07-13"),
        ("прошлом году", "2021-07-13", "2020"),
        ("понедельник", "2021-03-17", "2021-03-15"),
        ("3–5 марта", "2021-02-20", "2021-03-03/2021-03-05"),
        ("начале 2021 года", None, "2021"),
        ("2010 году", None, "2010"),
        ("2022–2024 годах", None, "2022/2024"),
        ("декабре прошлого года", "2021-07-13", "2020-12"),
        ("весной 2011 года", None, "2011-SP"),
        ("13 июл", None, "XXXX-07-13"),
        ("19 по 21 октября текущего года", "2024-10-01", "2024-10-19/2024-10-21"),
        ("30 марта по 2 апреля 2022 года", None, "2022-03-30/2022-04-02"),
        ("четверг, 27 ноября", "2025-11-25", "2025-11-27"),
        ("начала года", "2025-06-02", "2025"),
    ],
)
def test_russian_dates_have_the_english_values(text: str, anchor: str | None, value: str) -> None:
    assert dates.is_date_expression(text)
    assert dates.normalise(text, anchor) == value


def test_russian_dates_are_found_without_their_preposition() -> None:
    text = "В 2010 году и в понедельник, а также 3–5 марта. Вред на окружающую среду."
    found = [text[a:b] for a, b in dates.find_date_expressions(text)]
    assert found == ["2010 году", "понедельник", "3–5 марта"]


def test_russian_ranges_weekdays_and_bare_months_are_one_expression() -> None:
    text = (
        "Форум пройдёт с 19 по 21 октября. Встреча состоится в четверг, 27 ноября. "
        "В ноябре ожидается визит. С начала года товарооборот вырос. Он в марте не был."
    )
    found = [text[a:b] for a, b in dates.find_date_expressions(text)]
    assert found == ["19 по 21 октября", "четверг, 27 ноября", "ноябре", "начала года", "марте"]


def test_a_russian_dateline_dates_the_article() -> None:
    text = "БИШКЕК, 5 марта 2021 г. — Кабар. Президент прибыл в Москву."
    assert dates.infer_document_date(text) == "2021-03-05"


def test_one_entity_across_languages(krq: Runner, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    shutil.copy(RU / "ru01.txt", folder / "ru01.txt")
    shutil.copy(RU / "ru03.txt", folder / "ru03.txt")
    (folder / "en01.txt").write_text(
        "Foreign Minister Sergei Lavrov met Ruslan Kazakbayev in Moscow.\n\n"
        "Finance Minister Almaz Baetov said the EFSD loan would support the budget.\n",
        encoding="utf-8",
    )
    db = tmp_path / "both.db"
    assert krq("ingest", "--db", db, folder).status == 0
    found = json.loads(krq("entities", "--db", db, "--search", "Лавров", "--json").out)
    assert [e["name"] for e in found] == ["Sergey Lavrov"]
    assert {"Лавров", "Сергей Лавров", "Sergei Lavrov"} <= set(found[0]["aliases"])
    # Not in the knowledge base: linked through transliteration, shown in English.
    baetov = json.loads(krq("entities", "--db", db, "--search", "Баетов", "--json").out)
    assert [e["name"] for e in baetov] == ["Almaz Baetov"]
    for name in ("ОДКБ", "ЕФСР"):
        entity = json.loads(krq("entities", "--db", db, "--search", name, "--json").out)
        assert entity and entity[0]["name"] in ("CSTO", "EFSD")


def test_queries_never_import_natasha(ru_db: Path) -> None:
    code = (
        "import sys\n"
        "from kyrgyz_ru.cli import main\n"
        "for args in (['entities'], ['docs'], ['mentions', 'Лавров'], ['show', 'Лавров']):\n"
        "    try:\n"
        f"        main([*args, '--db', {str(ru_db)!r}])\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, (args, exc.code)\n"
        "assert not [m for m in sys.modules if m.startswith(('natasha', 'slovnet', 'fast_lang'))]\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_lang_keeps_a_listing_to_one_language(krq: Runner, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    shutil.copy(RU / "ru01.txt", folder / "ru01.txt")
    (folder / "en01.txt").write_text(
        "Foreign Minister Sergei Lavrov met Ruslan Kazakbayev in Moscow on Monday.\n",
        encoding="utf-8",
    )
    db = tmp_path / "both.db"
    assert krq("ingest", "--db", db, folder).status == 0
    docs = json.loads(krq("docs", "--db", db, "--json").out)
    assert {d["id"]: d["language"] for d in docs} == {"en01": "en", "ru01": "ru"}
    assert "Lang" in krq("docs", "--db", db).out
    only = json.loads(krq("docs", "--db", db, "--lang", "RU", "--json").out)
    assert [d["id"] for d in only] == ["ru01"]
    for lang in ("ru", "en"):
        mentions = json.loads(krq("mentions", "Lavrov", "--db", db, "--lang", lang, "--json").out)
        assert mentions and {m["doc"] for m in mentions} == {f"{lang}01"}
        assert krq("entities", "--db", db, "--lang", lang).status == 0
        assert krq("timeline", "--db", db, "--lang", lang).status == 0
    missing = krq("mentions", "Lavrov", "--db", db, "--lang", "kk")
    assert missing.status == 3 and "languages: " in missing.err


def test_lang_on_ingest_overrides_detection(krq: Runner, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    # Too short to tell: detection would take it for Russian by its script alone.
    (folder / "short.txt").write_text("Лавров и Kazakbaev в Москве, Moscow talks.\n", "utf-8")
    db = tmp_path / "forced.db"
    assert krq("ingest", "--db", db, "--lang", "en", folder).status == 0
    assert json.loads(krq("docs", "--db", db, "--json").out)[0]["language"] == "en"
    refused = krq("ingest", "--db", db, "--lang", "ky", folder)
    assert refused.status == 2 and "krq reads en, ru" in refused.err


@pytest.mark.parametrize(
    ("topic", "text"),
    [
        ("diplomacy", "Президенты провели переговоры в Кремле и подписали совместное заявление."),
        ("diplomacy", "Глава МИД прибыл с официальным визитом в Бишкек по приглашению коллеги."),
        ("energy", "Поставки газа и нефтепродуктов в республику будут увеличены, сообщил Газпром."),
        ("migration", "Трудовые мигранты получат разрешения на работу без патента."),
        ("security", "Совместные учения ОДКБ пройдут на российской авиабазе в Канте."),
        ("finance_aid", "Россия предоставит льготный кредит и безвозмездную помощь бюджету."),
        ("trade", "Товарооборот двух стран вырос, экспорт товаров увеличился на треть."),
    ],
)
def test_russian_paragraphs_get_their_topic(topic: str, text: str) -> None:
    from kyrgyz_ru.extract.topics import assign_topics, load_taxonomy

    hits = assign_topics(text, load_taxonomy())
    assert topic in [h.id for h in hits]
    for hit in hits:  # the evidence is words of the text itself
        assert all(text[t.start : t.end] == t.term for t in hit.terms)


def test_russian_words_meet_in_one_stem_across_cases() -> None:
    from kyrgyz_ru.extract.taxonomy import normalise

    for forms in (
        ("визит", "визита", "визитом", "визиты", "визите"),
        ("саммит", "саммите", "саммита"),
        ("кредит", "кредиты", "кредитов"),
        ("переговоры", "переговоров", "переговорах"),
        ("подписал", "подписали", "подписала"),
    ):
        assert len({normalise(w) for w in forms}) == 1, forms
    assert normalise("ОДКБ") == "одкб"  # an acronym is only lowercased


def test_russian_key_phrases_count_every_case_form_as_one() -> None:
    from kyrgyz_ru.extract.corpus import paragraphs
    from kyrgyz_ru.extract.keyphrases import paragraph_phrases

    text = (
        "Президент прибыл с государственным визитом в Душанбе.\n\n"
        "Государственный визит завершился подписанием документов.\n\n"
        "Стороны договорились об увеличении поставок природного газа.\n"
    )
    analysis = load_russian(load_knowledge()).analyse(Document("ru", "x", text, "0"))
    found = paragraph_phrases(
        text, analysis.noun_chunks, analysis.tokens, paragraphs(text), (), analysis.phrase_forms
    )
    phrases = {phrase for _, phrase, _ in found}
    assert "государственный визит" in phrases
    assert [p for p, phrase, _ in found if phrase == "государственный визит"] == [0, 1]
    # The head in the nominative, its genitive complement as written.
    assert "увеличение поставок природного газа" in phrases


def test_documents_analysed_together_get_what_each_gets_alone() -> None:
    # Ingest hands natasha a batch of documents at once (its taggers then run on all their
    # sentences together): nothing a document yields may depend on its neighbours.
    pipeline = load_russian(load_knowledge())
    documents = [
        Document(path.stem, str(path), path.read_text(encoding="utf-8"), "0")
        for path in sorted(RU.glob("*.txt"))
    ]
    documents.insert(2, Document("blank", "x", "  \n", "0"))  # natasha's NER skips a blank text
    together = pipeline.analyse_many(documents)
    assert len(together) == len(documents) > 3
    for document, batched in zip(documents, together, strict=True):
        alone = pipeline.analyse(document)
        assert batched.document is document
        assert (batched.entities, batched.names, batched.kb_ids) == (
            alone.entities,
            alone.names,
            alone.kb_ids,
        )
        assert (batched.tokens, batched.lemmas, batched.sentences) == (
            alone.tokens,
            alone.lemmas,
            alone.sentences,
        )
        assert batched.phrase_forms == alone.phrase_forms


def test_the_per_word_caches_stay_bounded_and_change_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kyrgyz_ru.extract import russian

    documents = [
        Document(path.stem, str(path), path.read_text(encoding="utf-8"), "0")
        for path in sorted(RU.glob("*.txt"))
    ]
    shared = load_russian(load_knowledge()).analyse_many(documents)
    monkeypatch.setattr(russian, "_CACHED", 50)
    small = russian.RussianPipeline(load_knowledge())  # its caches start empty
    bounded = [small.analyse(d) for d in documents]
    assert len(small._lemma_of) <= 50 and len(small._word_keys) <= 50
    assert len(small._inflected) <= 50
    for a, b in zip(shared, bounded, strict=True):
        assert (a.entities, a.names, a.lemmas, a.phrase_forms) == (
            b.entities,
            b.names,
            b.lemmas,
            b.phrase_forms,
        )


def test_several_workers_read_russian_as_one_process_does(
    krq: Runner, ru_db: Path, tmp_path: Path
) -> None:
    # With --workers, Russian documents go to worker processes of their own (spaCy's workers
    # read English only), small batches so that several are in flight at once.
    db = tmp_path / "workers.db"
    assert krq("ingest", "--db", db, "--workers", "2", "--batch-size", "3", RU).status == 0
    for kind in ((), ("--events",), ("--paragraphs",)):
        assert krq("export", *kind, "--db", db).out == krq("export", *kind, "--db", ru_db).out
