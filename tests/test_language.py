"""The language of each document: detected at ingest, stored, shown; no pipeline, no mining."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kyrgyz_ru.errors import ExitStatus
from kyrgyz_ru.extract.language import admit, detect, is_cyrillic
from kyrgyz_ru.records import Document

from .conftest import DATA, SEEDS, Runner

RUSSIAN = (
    "Министр иностранных дел России провёл переговоры с главой МИД Киргизии. Стороны "
    "обсудили работу ОДКБ и ЕАЭС, а также строительство новой электростанции."
)
KYRGYZ = (
    "Кыргызстандын тышкы иштер министри Орусиянын тышкы иштер министри менен жолукту. "
    "Тараптар эки өлкөнүн ортосундагы кызматташтыкты талкуулашты жана маселелерди карашты."
)
ENGLISH = (
    "The foreign ministers of Russia and Kyrgyzstan met in Moscow on Tuesday and discussed "
    "cooperation within the Collective Security Treaty Organization."
)


def _document(text: str, language: str | None = None) -> Document:
    return Document("d", "d.txt", text, "0", language=language)


@pytest.mark.parametrize(("text", "expected"), [(RUSSIAN, "ru"), (KYRGYZ, "ky"), (ENGLISH, "en")])
def test_detects_the_language_of_a_text(text: str, expected: str) -> None:
    assert detect(text).language == expected


def test_script_decides_before_any_model() -> None:
    assert is_cyrillic(RUSSIAN) and not is_cyrillic(ENGLISH)
    # An English text quoting a Russian name is still English.
    assert detect(ENGLISH + " (Сергей Лавров)").language == "en"


def test_a_text_too_short_to_read_keeps_its_declared_language() -> None:
    assert detect("Бишкек", "ru-RU").language == "ru"
    assert detect("OK", None).language == "en"


def test_admit_sets_the_language_and_says_why_a_document_is_skipped() -> None:
    document, why = admit(_document(RUSSIAN))
    assert document.language == "ru" and why is None
    document, why = admit(_document(KYRGYZ))
    assert document.language == "ky"
    assert why is not None and "Kyrgyz" in why and "no pipeline" in why
    document, why = admit(_document(KYRGYZ), forced="ru")  # as --lang would
    assert document.language == "ru" and why is None


def test_a_mixed_folder_ingests_each_language_and_skips_kyrgyz(krq: Runner, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    (folder / "ru").mkdir(parents=True)
    (folder / "en").mkdir()
    (folder / "ky").mkdir()
    shutil.copy(DATA / "ru" / "ru01.txt", folder / "ru" / "ru01.txt")
    shutil.copy(SEEDS / "001_72c8119b68f9c38f.txt", folder / "en" / "en01.txt")
    (folder / "ky" / "ky01.txt").write_text(KYRGYZ, encoding="utf-8")
    db = tmp_path / "mixed.db"
    result = krq("ingest", "--db", db, folder)
    assert result.status == ExitStatus.PARTIAL, result.err
    skipped = [line for line in result.err.splitlines() if "skipped" in line and "ky01" in line]
    assert len(skipped) == 1 and "language ky" in skipped[0], result.err
    docs = json.loads(krq("docs", "--db", db, "--json").out)
    assert {d["id"]: d["language"] for d in docs} == {"ru01": "ru", "en01": "en"}
    # Nothing of the Kyrgyz document was mined.
    assert not [d for d in docs if d["id"] == "ky01"]
