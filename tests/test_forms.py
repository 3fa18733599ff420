"""Name forms counted as documents are written and deleted (schema 12): `show` lists an
entity's forms from them, reading its mentions only until each form has its documents, and
relink lists the names to link from them."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kyrgyz_ru.query.entities import SHOWN
from kyrgyz_ru.store.migrations import FORMS_SQL

from .conftest import Runner
from .helpers import write_corpus

PEOPLE = ["Sergei Lavrov", "Sadyr Japarov", "Vladimir Putin"]


@dataclass
class Form:
    mentions: int = 0
    docs: list[str] = field(default_factory=list)  # in document key order


def forms_read_from_mentions(db: sqlite3.Connection, entity: str) -> dict[tuple[str, ...], Form]:
    """An entity's forms (text, name, reason) counted from every one of its mentions."""
    found: dict[tuple[str, ...], Form] = {}
    for doc, text, name, reason in db.execute(
        "SELECT d.id, m.text, coalesce(m.name, m.text), m.name_reason FROM mentions m"
        " JOIN documents d ON d.key = m.doc JOIN entities e ON e.key = m.entity"
        " WHERE e.id = ? ORDER BY d.key, m.start",
        (entity,),
    ):
        form = found.setdefault((text, name, reason), Form())
        form.mentions += 1
        if doc not in form.docs:
            form.docs.append(doc)
    return found


def stored_forms(db: sqlite3.Connection) -> list[tuple[object, ...]]:
    return db.execute("SELECT * FROM forms ORDER BY label, name, text, reason").fetchall()


def recounted_forms(db: sqlite3.Connection) -> list[tuple[object, ...]]:
    """The forms counted from scratch from the mentions (as migration 12 does)."""
    db.execute("CREATE TEMP TABLE forms AS SELECT * FROM main.forms WHERE 0")
    try:
        db.execute(FORMS_SQL.replace("INTO forms", "INTO temp.forms"))
        return db.execute("SELECT * FROM temp.forms ORDER BY label, name, text, reason").fetchall()
    finally:
        db.execute("DROP TABLE temp.forms")


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of 70 short articles: each person named in far more than SHOWN of them."""
    from kyrgyz_ru.cli import main

    root = tmp_path_factory.mktemp("forms")
    write_corpus(root / "articles", 70, seed=12)
    path = root / "many.db"
    with contextlib.suppress(SystemExit):
        main(["ingest", "--db", str(path), str(root / "articles")])
    return path


def test_show_lists_the_first_documents_of_each_form_and_counts_all(
    krq: Runner, many: Path
) -> None:
    with contextlib.closing(sqlite3.connect(many)) as db:
        assert stored_forms(db) == recounted_forms(db)
        for person in PEOPLE:
            detail = json.loads(krq("show", person, "--db", many, "--json").out)
            expected = forms_read_from_mentions(db, detail["id"])
            assert max(len(f.docs) for f in expected.values()) > SHOWN  # the scan stops early
            aliases = {a["alias"]: a for a in detail["aliases"]}
            assert set(aliases) == {text for text, _, _ in expected}
            for text, alias in aliases.items():
                mine = [f for (t, _, _), f in expected.items() if t == text]
                assert alias["mentions"] == sum(f.mentions for f in mine)
                listed = sorted({d for f in mine for d in f.docs[:SHOWN]})
                assert alias["docs"] == listed  # no document past a form's first SHOWN
            assert sum(a["mentions"] for a in detail["aliases"]) == detail["mentions"]


def test_forms_follow_documents_written_again_and_relink_reads_them(
    krq: Runner, many: Path, tmp_path: Path
) -> None:
    """A document changed is deleted and written again: its forms are taken off and added;
    the counts stay those of the mentions, and relink links names from them."""
    folder = tmp_path / "articles"
    texts = write_corpus(folder, 70, seed=12)
    path = tmp_path / "changed.db"
    with (
        contextlib.closing(sqlite3.connect(many)) as source,
        contextlib.closing(sqlite3.connect(path)) as target,
    ):
        source.backup(target)
    first = sorted(texts)[0]
    (folder / f"{first}.txt").write_text(
        "Sergei Lavrov met Tashiev Kamchybek in Osh on 3 May 2021.\n", encoding="utf-8"
    )
    (folder / "z_new.txt").write_text(
        "Lavrov and Sadyr Japarov spoke in Bishkek about the CSTO.\n", encoding="utf-8"
    )
    result = krq("ingest", "--db", path, folder)
    assert result.status == 0, result.err
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert stored_forms(db) == recounted_forms(db)
        assert db.execute("SELECT count(*) FROM forms WHERE mentions <= 0").fetchone()[0] == 0
        linked = db.execute(
            "SELECT count(*) FROM mentions m JOIN names n ON n.label = m.label"
            " AND n.name = coalesce(m.name, m.text) WHERE m.label != 'DATE'"
        ).fetchone()[0]
        named = db.execute("SELECT count(*) FROM mentions WHERE label != 'DATE'").fetchone()[0]
        assert linked == named  # every name written was linked, new forms among them
        aliases = db.execute("SELECT * FROM aliases ORDER BY entity, alias").fetchall()
        recounted = db.execute(
            "SELECT e.id, m.text, count(*) FROM mentions m JOIN entities e ON e.key = m.entity"
            " WHERE m.label != 'DATE' GROUP BY e.id, m.text ORDER BY e.id, m.text"
        ).fetchall()
        assert aliases == recounted
