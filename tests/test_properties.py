"""Property tests (hypothesis) of ingest, decoding, name resolution and date normalisation
(issue 7)."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kyrgyz_ru.errors import KrqError
from kyrgyz_ru.extract import corpus, dates, pipeline
from kyrgyz_ru.extract.knowledge import extra_knowledge_files, load_knowledge
from kyrgyz_ru.records import Document
from kyrgyz_ru.store.index import Index
from kyrgyz_ru.store.migrations import unpack_text

from .helpers import (
    _document,
    sentence,
)

# -- 4. properties ---------------------------------------------------------------------------

TEXT = st.characters(blacklist_categories=("Cs",))  # a decoded file holds no lone surrogates
PIECES = st.one_of(
    st.text(TEXT, max_size=40),
    st.sampled_from([sentence(random.Random(i)) for i in range(20)]),
    st.sampled_from(["\n", "\n\n", "\r\n", "\r", " ", "\t", "\u00a0", "\u2028", "\x0c", "\x85"]),
    st.sampled_from(["Mr. ", "U.S. ", "“", "”", "'s", "—", "...", "(", ")", "2021", "May"]),
)
ARTICLES = st.lists(PIECES, min_size=1, max_size=25).map("".join)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    index = Index.open(tmp_path_factory.mktemp("prop") / "prop.db")
    yield index
    index.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=ARTICLES, date=st.sampled_from([None, "2021", "2021-03", "2021-03-03"]))
def test_any_text_ingests_with_exact_offsets(nlp: Any, scratch: Index, raw: str, date: Any) -> None:
    """Whatever the text, extraction does not raise, and every stored mention is exactly the
    stored text between its offsets, inside its sentence and its paragraph."""
    from kyrgyz_ru.extract.ingest import extract_document
    from kyrgyz_ru.extract.lexicon import lexicon
    from kyrgyz_ru.extract.topics import load_taxonomy
    from kyrgyz_ru.store.writes import write_document

    try:
        text = corpus.decode(raw.encode("utf-8"), Path("h.txt"))
    except KrqError:
        return  # refused with a message (empty, NUL bytes): an acceptable outcome
    document = Document("h", "h.txt", text, corpus.content_hash(text), date=date)
    (analysis,) = pipeline.analyse([document], nlp, batch_size=1)
    knowledge = load_knowledge(extra_knowledge_files())
    e = extract_document(analysis, knowledge, lexicon(), load_taxonomy(None))
    paragraphs = e.paragraphs
    with scratch.transaction() as db:
        write_document(db, e, "test")
    (packed,) = scratch.db.execute("SELECT text FROM documents WHERE id = 'h'").fetchone()
    stored = unpack_text(packed)
    assert stored == text
    spans = {p.index: (p.start, p.end) for p in paragraphs}
    for start, end, mention, s_start, s_end, paragraph in scratch.db.execute(
        "SELECT start, end, text, sent_start, sent_end, paragraph FROM mentions"
        " WHERE doc = (SELECT key FROM documents WHERE id = 'h')"
    ):
        assert stored[start:end] == mention and mention
        assert 0 <= s_start <= start < end <= s_end <= len(stored)
        assert paragraph is not None and spans[paragraph][0] <= start < end <= spans[paragraph][1]


@pytest.mark.parametrize("space", ["\x85", "\x0b"])
def test_mentions_carry_no_surrounding_whitespace(nlp: Any, space: str) -> None:
    from kyrgyz_ru.extract.ingest import _mentions
    from kyrgyz_ru.extract.lexicon import lexicon
    from kyrgyz_ru.extract.repair import repair

    text = f"0\u2014{space}{space}\u00dd"
    document = _document(text)
    (analysis,) = pipeline.analyse([document], nlp)
    knowledge = load_knowledge(extra_knowledge_files())
    mentions = _mentions(document, analysis, repair(analysis, knowledge, lexicon()))
    assert [m.text for m in mentions if m.text != m.text.strip()] == []


@settings(max_examples=300, deadline=None)
@given(text=st.text(TEXT, min_size=1), bom=st.booleans(), newline=st.sampled_from(["\n", "\r\n"]))
def test_utf8_is_never_misread(text: str, bom: bool, newline: str) -> None:
    """A file that is UTF-8 is read as UTF-8, whatever else it might also decode as."""
    written = text.replace("\n", newline)
    data = (b"\xef\xbb\xbf" if bom else b"") + written.encode("utf-8")
    try:
        decoded, encoding = corpus.decode_text(data, Path("p.txt"))
    except KrqError as exc:
        assert "empty file" in str(exc) or "NUL" in str(exc)
        return
    assert encoding == "utf-8"
    # Universal newlines of what was written ("\r" then "\r\n" is two line breaks).
    assert decoded == written.replace("\r\n", "\n").replace("\r", "\n")


CYRILLIC_WORDS = st.text(st.characters(min_codepoint=0x410, max_codepoint=0x44F), min_size=2)


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.one_of(CYRILLIC_WORDS, st.sampled_from(["Putin", "met"])), max_size=30))
def test_windows_1251_text_is_read_as_cyrillic(words: list[str]) -> None:
    text = " ".join(words)
    data = text.encode("cp1251")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return  # these bytes are valid UTF-8: read as UTF-8, by design
    cyrillic = sum(1 for w in words if not w.isascii())
    try:
        decoded, encoding = corpus.decode_text(data, Path("c.txt"))
    except KrqError as exc:  # mostly-UTF-8 lookalikes are refused, never misread
        assert "not valid UTF-8" in str(exc) or "binary" in str(exc), exc
        return
    if cyrillic:
        assert (decoded, encoding) == (text, "cp1251")


@pytest.fixture(scope="module")
def seeds_index(seeds_db: Path) -> Iterator[sqlite3.Connection]:
    index = Index.open(seeds_db, readonly=True)
    yield index.db
    index.close()


@settings(max_examples=300, deadline=None)
@given(
    name=st.one_of(st.text(TEXT, max_size=60), st.sampled_from(["Putin", "Japarov", "CSTO"])),
    label=st.sampled_from([None, "person", "ORG", "place", "gpe", "date", "planet", ""]),
)
def test_name_resolution_never_raises(
    seeds_index: sqlite3.Connection, name: str, label: Any
) -> None:
    from kyrgyz_ru.query.entities import resolve

    try:
        found = resolve(seeds_index, name, label)
    except KrqError:
        return  # NotFoundError or UsageError: a message for the user
    assert found.id and found.name


@settings(max_examples=500, deadline=None)
@given(
    text=st.one_of(
        st.text(TEXT, max_size=40),
        st.from_regex(r"\A(early |late |mid-)?(\d{1,2} )?(January|May|Dec\.?)( \d{1,4})?\Z"),
        st.from_regex(r"\A\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\Z"),
        st.sampled_from(["last week", "the 1990s", "Tuesday", "29 February 2021", "0000-00-00"]),
    ),
    anchor=st.one_of(
        st.none(),
        st.sampled_from(["2021", "2021-03", "2020-02-29", "0001-01-01", "9999-12-31"]),
        st.text(TEXT, max_size=12),
    ),
)
def test_date_normaliser_never_raises(text: str, anchor: Any) -> None:
    value = dates.normalise(text, anchor)
    assert value is None or (isinstance(value, str) and value)


def _alternation(text: str, forms: list[str]) -> list[tuple[int, int, str]]:
    """The regex the name propagation used before it scanned with str.find: the reference."""
    import re

    order = sorted((f for f in dict.fromkeys(forms) if f), key=len, reverse=True)
    if not order:
        return []
    pattern = re.compile(
        r"(?<![\w.-])(" + "|".join(re.escape(f) for f in order) + r")(?![\w-]|\.\w)"
    )
    return [(m.start(), m.end(), m.group(1)) for m in pattern.finditer(text)]


_PIECES = st.sampled_from(
    ["Manas", "Manas Airport", "Airport", "Kyrgyz", "Лавров", "Лаврова", "R.", "2021", "a"]
)
_GAPS = st.sampled_from([" ", "  ", ".", ". ", "-", ",", "\n", "_", "x", "'s ", ".kg", "é"])


@given(
    st.lists(st.tuples(_PIECES, _GAPS), max_size=12),
    st.lists(_PIECES, min_size=1, max_size=5),
)
@settings(max_examples=300, deadline=None)
def test_name_occurrences_are_those_of_a_regex_alternation(
    parts: list[tuple[str, str]], forms: list[str]
) -> None:
    from kyrgyz_ru.extract.repair import occurrences

    text = "".join(piece + gap for piece, gap in parts)
    assert occurrences(text, forms) == _alternation(text, forms)
