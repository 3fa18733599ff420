"""Reprints (#14): planted copies of made-up stories are found, different stories on one
subject are never merged, copies keep their own documents and name their first copy."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from kyrgyz_ru.extract import reprints
from kyrgyz_ru.query.documents import document_condition
from tests.conftest import Runner, loaded_once
from tests.reprints_corpus import EVENTS, planted


def _find_all(texts: dict[str, str]) -> dict[str, str | None]:
    finder = reprints.Finder()
    found: dict[str, str | None] = {}
    for doc, text in texts.items():
        signature = reprints.signature(text)
        best, score = None, reprints.THRESHOLD
        for other in dict.fromkeys(finder.candidates(signature.bands())):
            similarity = reprints.similarity(signature, finder.signatures[other])
            if similarity >= score:
                best, score = finder.roots[other], similarity
        finder.add(doc, signature, best)
        found[doc] = best
    return found


def test_planted_reprints_are_found_and_stories_on_one_subject_are_not_merged() -> None:
    hits = total = false = 0
    for seed in range(5):
        texts, truth = planted(copies=20, seed=seed)
        found = _find_all(texts)
        for doc, first in found.items():
            if doc in truth:
                total += 1
                hits += first == truth[doc]
                # Attached to another copy of its own story is a miss; to another story, a
                # false merge.
                false += first is not None and first.split("-")[0] != truth[doc]
            else:
                false += first is not None  # a first copy merged into another story
    assert hits / total >= 0.95, (hits, total)
    assert false == 0


def test_signatures_are_stable_across_processes() -> None:
    """Signatures are stored and compared by later ingests: no per-process hash seed."""
    code = (
        "from kyrgyz_ru.extract.reprints import signature;"
        "print(signature('one two three four five six seven eight').values[:4])"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": str(n)},
        ).stdout
        for n in (1, 2)
    }
    assert len(runs) == 1


def test_document_condition_contract() -> None:
    assert document_condition(None, True) == ("1", [])
    assert document_condition(None, False) == ("d.duplicate_of IS NULL", [])
    where, args = document_condition(" TASS ", False)
    assert where == "d.source = ? COLLATE NOCASE AND d.duplicate_of IS NULL"
    assert args == ["TASS"]


def test_reprints_at_ingest_across_runs_and_in_listings(
    krq: Runner, tmp_path: Path, nlp: Any
) -> None:
    texts, truth = planted(copies=2, seed=3)
    first_run = tmp_path / "a"
    second_run = tmp_path / "b"
    first_run.mkdir()
    second_run.mkdir()
    records = [
        {"id": doc, "text": text, "source": "TASS" if doc in truth else "Kabar"}
        for doc, text in texts.items()
    ]
    # The first copies in one run, their reprints in a later one: compared with the index.
    (first_run / "firsts.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records if r["id"] not in truth), "utf-8"
    )
    (second_run / "copies.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records if r["id"] in truth), "utf-8"
    )
    db = tmp_path / "i.db"
    with loaded_once(nlp):
        assert krq("ingest", "--db", db, first_run).status == 0
        result = krq("ingest", "--db", db, second_run)
    assert result.status == 0, result.err
    docs = json.loads(krq("docs", "--db", db, "--json", "--limit", "0").out)
    assert len(docs) == len(texts)  # each copy keeps its own document
    found = {d["id"]: d["duplicate_of"] for d in docs if d["duplicate_of"]}
    assert all(truth.get(doc) == first for doc, first in found.items())  # no false merge
    assert len(found) >= 0.9 * len(truth)
    groups = json.loads(krq("docs", "--db", db, "--duplicates", "--json").out)
    assert len(groups) <= len(EVENTS)
    assert {c["id"] for g in groups for c in g["copies"]} == set(found)
    only = json.loads(krq("docs", "--db", db, "--json", "--source", "kabar").out)
    assert {d["id"] for d in only} == {d for d in texts if d not in truth}
    with contextlib.closing(sqlite3.connect(db)) as con:
        where, args = document_condition(None, False)
        firsts = con.execute(f"SELECT count(*) FROM documents d WHERE {where}", args).fetchone()
    assert firsts[0] == len(texts) - len(found)


def test_queries_never_import_trafilatura(seeds_db: Path) -> None:
    code = (
        "import sys\nfrom kyrgyz_ru.cli import main\n"
        "for args in (['docs'], ['docs', '--duplicates'], ['export', '--documents'],"
        " ['entities']):\n"
        "    try:\n        main([*args, '--db', sys.argv[1]])\n"
        "    except SystemExit:\n        pass\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('trafilatura', 'lxml', 'spacy')]\n"
        "sys.stderr.write(repr(bad))\nsys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(seeds_db)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-500:]
