"""Russian events: the same records as English ones, from triggers and cues matched on lemmas.

Every sentence here is written for these tests in the field's style; none is an article's.
"""

from __future__ import annotations

from kyrgyz_ru.extract.events import lexicon_for
from kyrgyz_ru.extract.ingest import extract_document
from kyrgyz_ru.extract.knowledge import load_knowledge
from kyrgyz_ru.extract.lexicon import lexicon
from kyrgyz_ru.extract.russian import load_russian
from kyrgyz_ru.extract.topics import load_taxonomy
from kyrgyz_ru.records import Document, Event


def test_russian_analysis_gives_a_lemma_for_every_token() -> None:
    text = "Министры встретились в Москве. Встреча прошла во вторник, а новые встречи ещё впереди."
    analysis = load_russian(load_knowledge()).analyse(Document("l", "x", text, "0"))
    assert len(analysis.lemmas) == len(analysis.tokens)
    pairs = zip(analysis.tokens, analysis.lemmas, strict=True)
    by_word = {text[t.start : t.end]: lemma for t, lemma in pairs}
    assert by_word["встретились"] == "встретиться"
    assert by_word["Встреча"] == by_word["встречи"] == "встреча"
    assert by_word["прошла"] == "пройти"
    assert all(lemma == lemma.casefold() and "ё" not in lemma for lemma in analysis.lemmas)


# -- events from Russian text, through natasha and the shared extraction -------------------------


def _events(text: str, date: str = "2021-07-13") -> list[Event]:
    knowledge = load_knowledge()
    document = Document("ru", "ru.txt", text, "0", date=date, language="ru")
    analysis = load_russian(knowledge).analyse(document)
    return extract_document(analysis, knowledge, lexicon(), load_taxonomy(None)).events


def _kinds(events: list[Event]) -> list[tuple[str, str | None]]:
    return [(e.event_type, e.mode) for e in events]


def _names(event: Event) -> set[str]:
    return {a.name or a.text for a in event.actors}


def test_triggers_match_every_form_of_a_word_through_its_lemma() -> None:
    for sentence in (
        "Садыр Жапаров встретился с Владимиром Путиным.",
        "Садыр Жапаров встретится с Владимиром Путиным в пятницу.",
        "Итоги встречи Садыра Жапарова и Владимира Путина подвели в Кремле.",
    ):
        events = _events(sentence)
        assert _kinds(events) == [("CONSULT", "meet")], sentence
        assert _names(events[0]) == {"Садыр Жапаров", "Владимир Путин"}, sentence


def test_each_mode_has_its_russian_triggers() -> None:
    cases = {
        "Сергей Лавров прибыл с официальным визитом в Бишкек.": ("CONSULT", "visit"),
        "Владимир Путин и Садыр Жапаров провели телефонный разговор.": ("CONSULT", "call"),
        "Садыр Жапаров принял участие в саммите ОДКБ в Минске.": ("CONSULT", "summit"),
        "Россия и Киргизия подписали соглашение о сотрудничестве.": ("AGREE", "sign"),
        "Россия и Киргизия договорились о строительстве школы в Оше.": ("AGREE", "agree"),
    }
    for sentence, kind in cases.items():
        assert kind in _kinds(_events(sentence)), sentence


def test_negated_hypothetical_and_requested_events_are_not_events() -> None:
    for sentence in (
        "Садыр Жапаров не встретился с Владимиром Путиным.",
        "Если Садыр Жапаров встретится с Владимиром Путиным, это будет важный шаг.",
        "Депутаты призвали Садыра Жапарова встретиться с Владимиром Путиным.",
    ):
        assert not [e for e in _events(sentence) if e.event_type == "CONSULT"], sentence


def test_aid_goes_from_the_giver_to_the_receiver() -> None:
    events = [e for e in _events("Россия выделит Киргизии кредит в 100 млн долларов.")]
    assert _kinds(events) == [("AID", None)]
    roles = {a.name: a.role for a in events[0].actors}
    assert roles == {"Россия": "source", "Киргизия": "recipient"}


def test_a_visit_goes_to_the_state_of_the_capital_visited() -> None:
    text = "Сергей Лавров прибыл с рабочим визитом в Киргизию."
    (visit,) = _events(text)
    roles = {a.name: a.role for a in visit.actors}
    assert roles == {"Сергей Лавров": "source", "Киргизия": "recipient"}
    assert text[visit.place_start or 0 : visit.place_end or 0] == "Киргизию"


TALKS = (
    "БИШКЕК, 14 марта /ТАСС/. Президент Киргизии Садыр Жапаров провёл переговоры с министром "
    "иностранных дел России Сергеем Лавровым. Стороны обсудили вопросы безопасности.\n\n"
    "Глава государства поблагодарил российскую сторону за поддержку. «Мы договорились "
    "продолжить работу над соглашением», — сказал Жапаров."
)


def test_references_resolve_to_the_articles_people_and_states() -> None:
    events = _events(TALKS)
    by_trigger = {e.trigger_text: e for e in events}
    assert _names(by_trigger["переговоры"]) == {"Садыр Жапаров", "Сергей Лавров"}
    assert _names(by_trigger["обсудили"]) == {"Садыр Жапаров", "Сергей Лавров"}  # «Стороны»
    thanks = by_trigger["поблагодарил"]
    assert thanks.event_type == "SUPPORT"
    assert {(a.name, a.role) for a in thanks.actors} == {
        ("Садыр Жапаров", "source"),  # «Глава государства»: the president named above
        ("Россия", "recipient"),  # «российскую сторону»: the state itself
    }
    promise = by_trigger["договорились"]
    assert promise.event_type == "AGREE"
    assert "Садыр Жапаров" in _names(promise)  # «Мы» in his quoted words


def test_the_dateline_gives_the_day_and_the_place_of_the_news() -> None:
    events = _events(TALKS, date="2022-03-14")
    first = events[0]
    assert first.trigger_text == "переговоры"
    assert first.date == "2022-03-14"
    assert TALKS[first.place_start or 0 : first.place_end or 0] == "БИШКЕК"


def test_a_place_in_the_locative_is_where_talks_happen() -> None:
    text = "Садыр Жапаров и Владимир Путин провели переговоры в Москве."
    (talks,) = _events(text)
    assert text[talks.place_start or 0 : talks.place_end or 0] == "Москве"


def test_a_meeting_on_the_sidelines_of_a_summit_is_a_meeting() -> None:
    events = _events("На полях саммита ШОС Владимир Путин встретился с Касым-Жомартом Токаевым.")
    assert _kinds(events) == [("CONSULT", "meet")]
    assert "ШОС" not in _names(events[0])  # the frame, not a party


def test_each_language_has_its_lexicon_and_english_is_the_default() -> None:
    assert lexicon_for("ru").on_lemmas
    assert not lexicon_for("en").on_lemmas
    assert lexicon_for(None) is lexicon_for("en") is lexicon_for("kk")
    russia = lexicon_for("ru").state_of_demonym("российско")
    assert russia is not None and russia.name == "Russia"
