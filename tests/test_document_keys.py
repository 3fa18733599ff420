"""Documents' integer keys (schema 10): child tables name a document by its key, and keys keep
the order of the ids whatever order the documents come in, so that every listing ordered by
document is the one an index built in one go gives. Entities' integer keys (schema 11) stay
what they are across relinks."""

from __future__ import annotations

import contextlib
import random
import sqlite3
from pathlib import Path

from .conftest import SEEDS, Runner
from .helpers import article

# Answers that list, count or cut text by document.
QUERIES = [
    ["docs", "--json"], ["entities", "--json"], ["mentions", "Lavrov", "--json"],
    ["show", "Lavrov", "--json"], ["timeline", "--json"], ["events", "--json"],
    ["topics", "--json"], ["export", "--format", "jsonl"],
    ["export", "--paragraphs", "--format", "jsonl"], ["export", "--events", "--format", "jsonl"],
]  # fmt: skip
# Answers that select, join or order by entity.
ENTITY_QUERIES = [
    ["show", "Kazakbaev", "--json"], ["mentions", "Kyrgyzstan", "--json"],
    ["topics", "--org", "CSTO", "--person", "Lavrov", "--json"],
    ["timeline", "--org", "CSTO", "--json"], ["events", "--actor", "Japarov", "--json"],
    ["network", "--by", "sentences", "--format", "json"], ["trend", "--org", "CSTO", "--json"],
]  # fmt: skip


def _keys(path: Path) -> list[tuple[int, str]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT key, id FROM documents ORDER BY key").fetchall()


def test_documents_ingested_out_of_id_order_answer_as_in_one_go(
    krq: Runner, tmp_path: Path
) -> None:
    """Ids that sort before and between those already indexed take keys between theirs;
    when two neighbours' keys leave no room, the keys around them are spread, rows and all."""
    rng = random.Random(10)
    # "a" and "b" first, then ids ever closer to "a": 24, 20, 18, 17, then no room left.
    order = ["a", "b", "az", "ay", "ax", "aw", "av", "0"]
    folder = tmp_path / "corpus"
    folder.mkdir()
    one_by_one = tmp_path / "one-by-one.db"
    seen: list[int] = []
    for name in order:  # one more file each time: those already indexed are unchanged
        (folder / f"{name}.txt").write_text(article(rng, 2), encoding="utf-8")
        assert krq("ingest", "--db", one_by_one, folder).status == 0
        keys = _keys(one_by_one)
        assert [i for _, i in keys] == sorted(i for _, i in keys)  # key order is id order
        seen.append(dict((i, k) for k, i in keys)[name])
    assert seen[:6] == [16, 32, 24, 20, 18, 17]
    # "av" found no room between 16 and 17: its neighbours "a" and "aw" were spread between
    # 0 and 18 (4 and 12) and "av" went between them; "ax" and later kept their keys. Then
    # "0" sorts first and takes half the first key.
    assert seen[6:] == [8, 2]
    assert [k for k, _ in _keys(one_by_one)] == [2, 4, 8, 12, 18, 20, 24, 32]
    one_go = tmp_path / "one-go.db"
    assert krq("ingest", "--db", one_go, folder).status == 0
    for query in QUERIES:
        assert krq(*query, "--db", one_by_one).out == krq(*query, "--db", one_go).out, query
    with (
        contextlib.closing(sqlite3.connect(one_by_one)) as renumbered,
        contextlib.closing(sqlite3.connect(one_go)) as built,
    ):
        for table in ("paragraphs", "mentions", "topics", "events"):
            # Every row follows its document's new key: none is left with an old one.
            sql = (
                f"SELECT d.id, count(*) FROM {table} t JOIN documents d ON d.key = t.doc"
                " GROUP BY d.id ORDER BY d.id"
            )
            assert renumbered.execute(sql).fetchall() == built.execute(sql).fetchall(), table
            orphans = f"SELECT count(*) FROM {table} WHERE doc NOT IN (SELECT key FROM documents)"
            assert renumbered.execute(orphans).fetchone()[0] == 0


def test_a_document_updated_keeps_its_place(krq: Runner, tmp_path: Path) -> None:
    """A changed file is written again under a key in its place among the others."""
    rng = random.Random(11)
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.txt").write_text(article(rng, 1), encoding="utf-8")
    db = tmp_path / "index.db"
    assert krq("ingest", "--db", db, folder).status == 0
    (folder / "b.txt").write_text(article(rng, 2), encoding="utf-8")
    assert krq("ingest", "--db", db, folder).status == 0
    assert [i for _, i in _keys(db)] == ["a", "b", "c"]


def test_entities_keep_their_keys_across_relinks(krq: Runner, tmp_path: Path) -> None:
    """Mentions name their entity by an integer key (schema 11). The seeds and two articles
    ingested one file at a time are relinked seven times; a surname named alone first links
    to the full name once a later article gives it, so its entity goes: an entity that stays
    keeps its key, the mentions of a name whose entity changed follow it, and every answer is
    that of an index built in one go."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    files = [
        ("0-surname.txt", "Kyrgyz minister Temirbekov met officials in Bishkek on Monday.\n\n"
         "Temirbekov said the talks in Bishkek were useful for Kyrgyzstan.\n"),
        *((seed.name, seed.read_text(encoding="utf-8")) for seed in sorted(SEEDS.glob("*.txt"))),
        ("z-full-name.txt", "Nurlan Temirbekov, the Kyrgyz minister, visited Moscow on Tuesday."
         "\n\nNurlan Temirbekov met Sergey Lavrov in Moscow.\n"),
    ]  # fmt: skip
    one_by_one = tmp_path / "one-by-one.db"
    keys: dict[str, int] = {}
    links: dict[tuple[str, str], str] = {}
    moved = set()
    for name, text in files:
        (folder / name).write_text(text, encoding="utf-8")
        assert krq("ingest", "--db", one_by_one, folder).status == 0
        with contextlib.closing(sqlite3.connect(one_by_one)) as db:
            now = dict(db.execute("SELECT id, key FROM entities"))
            # An entity that stays keeps its key: its mentions hold it.
            assert {i: k for i, k in now.items() if i in keys} == {
                i: k for i, k in keys.items() if i in now
            }
            keys = now
            linked = {
                (lb, n): e for lb, n, e in db.execute("SELECT label, name, entity FROM names")
            }
            moved |= {form for form, e in linked.items() if links.get(form, e) != e}
            links = linked
    assert ("PERSON", "Temirbekov") in moved  # the case of a name whose entity changed
    assert "person:temirbekov" not in keys
    one_go = tmp_path / "one-go.db"
    assert krq("ingest", "--db", one_go, folder).status == 0
    for query in [*QUERIES, *ENTITY_QUERIES]:
        assert krq(*query, "--db", one_by_one).out == krq(*query, "--db", one_go).out, query
    with (
        contextlib.closing(sqlite3.connect(one_by_one)) as relinked,
        contextlib.closing(sqlite3.connect(one_go)) as built,
    ):
        for sql in (
            "SELECT d.id, m.start, e.id FROM mentions m JOIN documents d ON d.key = m.doc"
            " LEFT JOIN entities e ON e.key = m.entity ORDER BY d.id, m.start",
            "SELECT id, label, name, kb, mentions, docs FROM entities ORDER BY id",
            "SELECT * FROM aliases ORDER BY entity, alias",
            "SELECT * FROM entity_topics ORDER BY entity, topic",
            "SELECT * FROM entity_pairs ORDER BY entity, other",
        ):
            assert relinked.execute(sql).fetchall() == built.execute(sql).fetchall(), sql
        # Every mention is linked, to an entity that exists.
        orphans = "SELECT count(*) FROM mentions WHERE entity NOT IN (SELECT key FROM entities)"
        assert relinked.execute(orphans).fetchone()[0] == 0
        unlinked = "SELECT count(*) FROM mentions WHERE entity IS NULL"
        assert relinked.execute(unlinked).fetchone()[0] == 0
