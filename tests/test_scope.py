"""A story reprinted by several sites counts once by default; --all-copies counts every copy,
and --source keeps to one site's articles (#14), in every listing that counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SEEDS, Runner

SEED = "001_72c8119b68f9c38f"


@pytest.fixture(scope="module")
def reprinted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds from one site, and a reprint of one of them by another (a changed first
    line and agency name), as a JSON lines export."""
    from kyrgyz_ru.cli import main

    root = tmp_path_factory.mktemp("scope")
    records = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        records.append({"id": path.stem, "text": text, "source": "Kabar"})
    original = next(r for r in records if r["id"] == SEED)
    first, rest = str(original["text"]).split("\n", 1)
    copy = f"{first} (reprinted from Kabar)\n{rest}".replace("24.kg", "AKIpress")
    records.append({"id": "reprint", "text": copy, "source": "AKIpress"})
    export = root / "export.jsonl"
    export.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    db = root / "index.db"
    try:
        main(["ingest", "--db", str(db), str(export)])
    except SystemExit as exc:
        assert not exc.code, exc.code
    return db


def _json(krq: Runner, *args: object) -> list[dict[str, object]]:
    result = krq(*args, "--json", "-n", "0")
    assert result.status == 0, result.err
    found: list[dict[str, object]] = json.loads(result.out)
    return found


def test_the_reprint_is_found(krq: Runner, reprinted: Path) -> None:
    docs = {d["id"]: d for d in _json(krq, "docs", "--db", reprinted)}
    assert docs["reprint"]["duplicate_of"] == f"export:{SEED}" or docs["reprint"][
        "duplicate_of"
    ] in (SEED, f"export/{SEED}")


@pytest.mark.parametrize("command", [["events"], ["timeline"], ["mentions", "Lavrov"]])
def test_a_story_counts_once_unless_all_copies(
    krq: Runner, reprinted: Path, command: list[str]
) -> None:
    once = krq(*command, "--db", reprinted, "--json", "-n", "0")
    assert "1 reprint of stories counted once; --all-copies counts every copy" in once.err
    every = _json(krq, *command, "--db", reprinted, "--all-copies")
    assert json.loads(once.out) == [row for row in every if row["doc"] != "reprint"]
    assert any(row["doc"] == "reprint" for row in every)


def test_entity_and_topic_figures_count_a_story_once(krq: Runner, reprinted: Path) -> None:
    once = {e["name"]: e["mentions"] for e in _json(krq, "entities", "--db", reprinted)}
    every = {
        e["name"]: e["mentions"] for e in _json(krq, "entities", "--db", reprinted, "--all-copies")
    }
    copy = {
        e["name"]: e["mentions"]
        for e in _json(krq, "entities", "--db", reprinted, "--doc", "reprint")
    }
    assert copy["Sergey Lavrov"] > 0
    assert every == {n: once.get(n, 0) + copy.get(n, 0) for n in every}
    topics_once = _json(krq, "topics", "--db", reprinted)
    topics_every = _json(krq, "topics", "--db", reprinted, "--all-copies")
    assert sum(int(str(t["paragraphs"])) for t in topics_every) > sum(
        int(str(t["paragraphs"])) for t in topics_once
    )


def test_source_keeps_to_one_sites_articles(krq: Runner, reprinted: Path) -> None:
    akipress = _json(krq, "events", "--db", reprinted, "--source", "akipress", "--all-copies")
    assert akipress and {e["doc"] for e in akipress} == {"reprint"}
    # Its only article is a reprint: counted once, the site has nothing of its own.
    assert _json(krq, "entities", "--db", reprinted, "--source", "AKIpress") == []
    kabar = _json(krq, "mentions", "Lavrov", "--db", reprinted, "--source", "Kabar")
    assert kabar and all(m["doc"] != "reprint" for m in kabar)
    unknown = krq("entities", "--db", reprinted, "--source", "Reuters")
    assert unknown.status == 3 and "no document from source 'Reuters'" in unknown.err
