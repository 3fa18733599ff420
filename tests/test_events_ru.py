"""Russian events: the same records as English ones, from triggers and cues matched on lemmas.

Every sentence here is written for these tests in the field's style; none is an article's.
"""

from __future__ import annotations

from kyrgyz_ru.extract.knowledge import load_knowledge
from kyrgyz_ru.extract.russian import load_russian
from kyrgyz_ru.records import Document


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
