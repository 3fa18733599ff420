"""The query layer, directly: functions over the seeds index, without the command line."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from kyrgyz_ru.errors import NotFoundError
from kyrgyz_ru.query.entities import entities, mentions, resolve
from kyrgyz_ru.query.events import EventFilter, counterparts, events, rarest_entity
from kyrgyz_ru.query.selection import Selection
from kyrgyz_ru.query.texts import DocumentTexts
from kyrgyz_ru.query.timeline import timeline
from kyrgyz_ru.query.topics import evidence


@pytest.fixture
def db(seeds_db: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(f"{seeds_db.as_uri()}?mode=ro", uri=True)
    yield connection
    connection.close()


def test_resolve_is_fuzzy_and_typed(db: sqlite3.Connection) -> None:
    assert resolve(db, "Kazakbayev").id == resolve(db, "Ruslan Kazakbaev").id
    assert resolve(db, "csto", "ORG").name == "CSTO"
    with pytest.raises(NotFoundError, match="no entity matches 'Xyzzy Plugh'"):
        resolve(db, "Xyzzy Plugh")


def test_entities_rank_by_mentions(db: sqlite3.Connection) -> None:
    rows = entities(db, "person")
    assert rows and all(r.label == "PERSON" for r in rows)
    assert [r.mentions for r in rows] == sorted((r.mentions for r in rows), reverse=True)
    assert all(r.mentions >= 3 for r in entities(db, None, min_count=3))


def test_mentions_are_their_text_inside_their_sentence(db: sqlite3.Connection) -> None:
    texts = DocumentTexts(db)
    lavrov = resolve(db, "Lavrov")
    rows = mentions(db, lavrov.id)
    assert len(rows) == lavrov.mentions
    keys = dict(db.execute("SELECT id, key FROM documents"))  # texts are read by key
    for row in rows:
        assert texts.cut(keys[row.doc], row.start, row.end) == row.text
        assert row.text in row.sentence
        assert row.sentence == texts.cut(
            keys[row.doc], row.sentence_start, row.sentence_start + len(row.sentence)
        )


def test_a_selection_intersects_entities_and_dates(db: sqlite3.Connection) -> None:
    csto = resolve(db, "CSTO").id
    lavrov = resolve(db, "Lavrov").id
    both = Selection((csto, lavrov))
    sql, args = both.paragraphs_sql()
    pairs = set(db.execute(sql, args).fetchall())
    for doc, paragraph in pairs:
        named = {
            r[0]
            for r in db.execute(
                "SELECT e.id FROM mentions m JOIN entities e ON e.key = m.entity"
                " WHERE m.doc = ? AND m.paragraph = ?",
                (doc, paragraph),
            )
        }
        assert {csto, lavrov} <= named
    later = Selection((csto,), since="2021")
    sql, args = later.paragraphs_sql()
    docs = {doc for doc, _ in db.execute(sql, args)}  # document keys
    dates = dict(db.execute("SELECT key, date FROM documents"))
    assert docs and all(dates[d] >= "2021" for d in docs)


def test_timeline_dates_are_in_order_and_in_range(db: sqlite3.Connection) -> None:
    rows = timeline(db, Selection(since="2020", until="2021"))
    values = [r.value for r in rows]
    assert values == sorted(values) and values
    assert all("2020" <= v[:4] <= "2021" for v in values)


def test_evidence_is_the_paragraph_and_its_terms(db: sqlite3.Connection) -> None:
    for row in evidence(db, Selection(), "health", limit=5):
        for term, start, end in row.terms:
            assert row.text[start - row.start : end - row.start] == term


def test_events_filters_combine(db: sqlite3.Connection) -> None:
    lavrov = resolve(db, "Lavrov").id
    kazakbaev = resolve(db, "Kazakbaev").id
    together = events(db, EventFilter(actors=(lavrov, kazakbaev)))
    assert together
    for row in together:
        assert {lavrov, kazakbaev} <= {a.entity for a in row.actors}
    consults = events(db, EventFilter(types=("CONSULT",), since="2021", oldest_first=True))
    assert consults and all(r.event_type == "CONSULT" for r in consults)
    when = [r.date or r.document_date or "" for r in consults]
    assert when == sorted(when) and all(w >= "2021" for w in when)
    newest = events(db, EventFilter(), limit=10)
    first = [r.date or r.document_date or "" for r in newest]
    assert first == sorted(first, reverse=True)


def test_a_page_of_events_of_frequent_actors_gathers_the_rarest(db: sqlite3.Connection) -> None:
    """Two frequent actors: the rarer one's events are gathered as a list (rarest_entity),
    the other is tested row by row; the page is what the lists of both select."""
    japarov, putin = resolve(db, "Japarov").id, resolve(db, "Putin").id
    both = (japarov, putin)
    assert rarest_entity(db, both) == putin  # Putin acts in fewer of the seeds' events
    for chosen in (
        EventFilter(actors=both),
        EventFilter(actors=(japarov,), involved=(putin,)),
        EventFilter(involved=both, types=("CONSULT", "AGREE")),
    ):
        listed = events(db, chosen, limit=50, frequent=frozenset())
        assert listed, chosen
        for limit in (3, 50):
            page = events(db, chosen, limit=limit, frequent=frozenset(both))
            assert [(r.id, r.actors) for r in page] == [(r.id, r.actors) for r in listed[:limit]]


def test_a_date_range_tested_row_by_row_selects_the_same_paragraphs(
    db: sqlite3.Connection,
) -> None:
    """Documents in range listed once or looked up row by row (Selection.documents_condition):
    the same paragraphs; a range holding most of the seeds holds many documents."""
    everything = db.execute("SELECT doc, idx FROM paragraphs ORDER BY 1, 2").fetchall()
    sizes = set()
    for since, until in (("2010", None), (None, "2021"), ("2020-10", "2021-03"), ("2030", None)):
        chosen = Selection(since=since, until=until)
        found = []
        for by_row in (False, True):
            where, args = chosen.condition("p.doc", "p.idx", by_row)
            sql = f"SELECT p.doc, p.idx FROM paragraphs p WHERE {where} ORDER BY 1, 2"
            found.append(db.execute(sql, args).fetchall())
        assert found[0] == found[1], (since, until)
        sizes.add(len(found[0]))
    assert 0 in sizes and len(sizes - {0, len(everything)}) > 0
    assert Selection(since="2010").holds_many_documents(db)
    assert not Selection(since="2030").holds_many_documents(db)
    assert not Selection().holds_many_documents(db)


def test_counterparts_are_the_other_actors(db: sqlite3.Connection) -> None:
    lavrov = resolve(db, "Lavrov").id
    found = counterparts(db, lavrov)
    assert found[0].name == "Ruslan Kazakbaev"
    shared = events(db, EventFilter(actors=(lavrov, found[0].id)))
    assert found[0].events == len({(r.doc, r.start, r.event_type) for r in shared})
