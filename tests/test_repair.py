"""Span repair, directly: the model's raw entities become clean PERSON, ORG, PLACE and DATE
mentions (sentences written for these tests, run through the real model)."""

from __future__ import annotations

from typing import Any

import pytest

from kyrgyz_ru.extract import pipeline
from kyrgyz_ru.extract.corpus import content_hash
from kyrgyz_ru.extract.knowledge import extra_knowledge_files, load_knowledge
from kyrgyz_ru.extract.lexicon import lexicon
from kyrgyz_ru.extract.repair import repair
from kyrgyz_ru.records import Document


def _spans(nlp: Any, text: str) -> set[tuple[str, str]]:
    document = Document("t", "t.txt", text, content_hash(text))
    (analysis,) = pipeline.analyse([document], nlp)
    knowledge = load_knowledge(extra_knowledge_files())
    return {(text[c.start : c.end], c.label) for c in repair(analysis, knowledge, lexicon())}


@pytest.mark.parametrize(
    ("text", "expected", "absent"),
    [
        (
            "Foreign Minister Sergey Lavrov met his counterpart in Bishkek on 5 May 2021.",
            {("Sergey Lavrov", "PERSON"), ("Bishkek", "PLACE"), ("5 May 2021", "DATE")},
            {("Foreign Minister Sergey Lavrov", "PERSON")},
        ),
        (
            "The Ministry of Health of the Kyrgyz Republic received the vaccines.",
            {("Ministry of Health of the Kyrgyz Republic", "ORG")},
            {("Kyrgyz Republic", "PLACE")},
        ),
        (
            "Russia's ambassador spoke about the CSTO and the EAEU.",
            {("Russia", "PLACE"), ("CSTO", "ORG"), ("EAEU", "ORG")},
            {("Russia's", "PLACE")},
        ),
        (
            "Kyrgyz and Russian officials met. Japarov thanked Putin.",
            {("Japarov", "PERSON"), ("Putin", "PERSON")},
            {("Kyrgyz", "PLACE"), ("Russian", "PLACE")},
        ),
    ],
    ids=["title", "institution", "possessive", "demonyms"],
)
def test_repaired_spans(
    nlp: Any, text: str, expected: set[tuple[str, str]], absent: set[tuple[str, str]]
) -> None:
    found = _spans(nlp, text)
    assert expected <= found, found
    assert not absent & found, found


def test_every_span_is_text_between_its_offsets_and_trimmed(nlp: Any) -> None:
    text = '"Sadyr Japarov," said TASS; the talks (in Moscow) ended on Friday.\n\nRussia agreed.'
    document = Document("t", "t.txt", text, content_hash(text))
    (analysis,) = pipeline.analyse([document], nlp)
    for c in repair(analysis, load_knowledge(extra_knowledge_files()), lexicon()):
        piece = text[c.start : c.end]
        assert piece and piece == piece.strip(" \n\t\"',.;:()"), piece
