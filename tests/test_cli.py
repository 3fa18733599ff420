"""The command line as users meet it: outputs, formats, messages and exit statuses."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from kyrgyz_ru.cli.app import build
from kyrgyz_ru.errors import ExitStatus

from .conftest import ROOT, SEEDS, Runner

LISTING_COMMANDS = [
    ["entities"],
    ["entities", "--type", "org"],
    ["mentions", "Lavrov"],
    ["docs"],
    ["show", "CSTO"],
]


def _parse(fmt: str, out: str) -> list[dict[str, object]]:
    if fmt == "json":
        data = json.loads(out)
        return data if isinstance(data, list) else [data]
    if fmt == "jsonl":
        return [json.loads(line) for line in out.splitlines() if line.strip()]
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(out)))
    raise AssertionError(fmt)


@pytest.mark.parametrize("command", LISTING_COMMANDS, ids=lambda c: " ".join(c))
@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv"])
def test_every_listing_in_every_format(
    krq: Runner, seeds_db: Path, command: list[str], fmt: str
) -> None:
    result = krq(*command, "--db", seeds_db, "--format", fmt)
    assert result.status == 0, result.err
    assert result.out.strip()
    if fmt == "table":
        assert "┃" in result.out or "│" in result.out
        assert "\x1b[" not in result.out  # no colour when stdout is not a terminal
    else:
        assert _parse(fmt, result.out)


def test_json_shorthand_equals_format_json(krq: Runner, seeds_db: Path) -> None:
    a = krq("entities", "--db", seeds_db, "--json")
    b = krq("entities", "--db", seeds_db, "--format", "json")
    assert a.status == b.status == 0
    assert json.loads(a.out) == json.loads(b.out)


def test_entities_lists_the_main_actors(krq: Runner, seeds_db: Path) -> None:
    rows = json.loads(krq("entities", "--db", seeds_db, "--json").out)
    names = {r["name"] for r in rows}
    for expected in ("Sadyr Japarov", "Vladimir Putin", "Ruslan Kazakbaev", "EAEU", "CSTO", "EFSD"):
        assert expected in names
    assert "Sergey Lavrov" in names or "Sergei Lavrov" in names
    assert {"id", "name", "label", "mentions", "docs", "aliases", "wikidata"} <= set(rows[0])
    counts = [r["mentions"] for r in rows]
    assert counts == sorted(counts, reverse=True)


def test_entities_filters(krq: Runner, seeds_db: Path) -> None:
    orgs = json.loads(krq("entities", "--db", seeds_db, "--type", "org", "--json").out)
    assert orgs and all(r["label"] == "ORG" for r in orgs)
    top = json.loads(krq("entities", "--db", seeds_db, "--limit", "3", "--json").out)
    assert len(top) == 3
    many = json.loads(krq("entities", "--db", seeds_db, "--min-count", "5", "--json").out)
    assert many and all(r["mentions"] >= 5 for r in many)
    one = json.loads(
        krq("entities", "--db", seeds_db, "--doc", "004_b49d61f9fd03f434", "--json").out
    )
    assert "Kant" in {r["name"] for r in one}


def test_search_is_fuzzy_and_knows_aliases(krq: Runner, seeds_db: Path) -> None:
    rows = json.loads(krq("entities", "--db", seeds_db, "--search", "kazakbayev", "--json").out)
    assert rows[0]["name"] == "Ruslan Kazakbaev"
    assert "Kazakbayev" in " ".join(rows[0]["aliases"])


def test_mentions_lead_back_to_the_text(krq: Runner, seeds_db: Path) -> None:
    result = krq("mentions", "Lavrov", "--db", seeds_db, "--json")
    rows = json.loads(result.out)
    assert len(rows) >= 8
    for row in rows:
        assert set(row) == {"doc", "start", "end", "text", "label", "entity", "value", "sentence"}
        text = (SEEDS / f"{row['doc']}.txt").read_text(encoding="utf-8")
        assert text[row["start"] : row["end"]] == row["text"]
        assert row["text"] in row["sentence"]
        assert "Lavrov" in row["text"]


def test_export_offsets_are_exact(krq: Runner, seeds_db: Path) -> None:
    result = krq("export", "--db", seeds_db, "--format", "jsonl")
    assert result.status == 0
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert len(lines) > 200
    texts = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    for m in lines:
        assert texts[m["doc"]][m["start"] : m["end"]] == m["text"]
        assert m["label"] in ("PERSON", "ORG", "PLACE", "DATE")
        assert m["value"] is None or m["label"] == "DATE"


def test_docs_show_dates_and_their_source(krq: Runner, seeds_db: Path) -> None:
    rows = {r["id"]: r for r in json.loads(krq("docs", "--db", seeds_db, "--json").out)}
    assert len(rows) == 5
    assert rows["001_72c8119b68f9c38f"]["date"] == "2020-10-24"
    assert rows["001_72c8119b68f9c38f"]["date_source"] == "header"
    assert rows["004_b49d61f9fd03f434"]["date"] == "2012-04-05"
    assert rows["004_b49d61f9fd03f434"]["date_source"] == "catalog"


def test_show_explains_each_alias(krq: Runner, seeds_db: Path) -> None:
    detail = json.loads(krq("show", "Kazakbayev", "--db", seeds_db, "--json").out)
    assert detail["name"] == "Ruslan Kazakbaev" and detail["label"] == "PERSON"
    aliases = {a["alias"]: a for a in detail["aliases"]}
    assert {"Ruslan Kazakbaev", "Kazakbayev", "Ruslan Aitbaevich"} <= set(aliases)
    assert all(a["reasons"] for a in detail["aliases"])
    assert len(detail["documents"]) == 4  # every article but the Kremlin transcript


def test_reingest_of_unchanged_seeds_loads_no_model(krq: Runner, fresh_db: Path) -> None:
    result = krq("ingest", "--db", fresh_db, SEEDS)
    assert result.status == 0
    assert "0 added, 0 updated, 5 unchanged" in result.err


def test_ingest_replaces_a_changed_document(krq: Runner, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    article = folder / "001_72c8119b68f9c38f.txt"
    article.write_text((SEEDS / article.name).read_text(encoding="utf-8"), encoding="utf-8")
    db = tmp_path / "index.db"
    assert krq("ingest", "--db", db, folder).status == 0
    article.write_text(
        "Sergei Lavrov met Ruslan Kazakbaev in Bishkek on 3 March 2022.\n", encoding="utf-8"
    )
    result = krq("ingest", "--db", db, folder)
    assert result.status == 0, result.err
    assert "1 updated" in result.err
    rows = json.loads(krq("entities", "--db", db, "--doc", "001_72c8119b68f9c38f", "--json").out)
    assert {"Bishkek", "Ruslan Kazakbaev"} <= {r["name"] for r in rows}
    assert not any(r["name"] == "EFSD" for r in rows)


def test_the_same_name_from_another_folder_is_another_document(
    krq: Runner, fresh_db: Path, tmp_path: Path
) -> None:
    """#10: a second report.txt never replaces the first; it gets its folder in its id."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "001_72c8119b68f9c38f.txt").write_text(
        "Sergei Lavrov met Ruslan Kazakbaev in Bishkek on 3 March 2022.\n", encoding="utf-8"
    )
    result = krq("ingest", "--db", fresh_db, folder)
    assert result.status == 0, result.err
    assert "1 added, 0 updated" in result.err
    assert "id elsewhere/001_72c8119b68f9c38f" in result.err
    docs = {d["id"]: d for d in json.loads(krq("docs", "--db", fresh_db, "--json").out)}
    assert len(docs) == 6
    assert docs["001_72c8119b68f9c38f"]["path"] == str(SEEDS / "001_72c8119b68f9c38f.txt")
    assert docs["elsewhere/001_72c8119b68f9c38f"]["path"] == str(
        folder / "001_72c8119b68f9c38f.txt"
    )
    again = krq("ingest", "--db", fresh_db, folder)  # the same file again: the same document
    assert "0 added, 0 updated, 1 unchanged" in again.err


def test_a_query_with_no_index_builds_it(krq: Runner, tmp_path: Path) -> None:
    result = krq("docs", "--db", tmp_path / "new.db", "--json")
    assert result.status == 0
    assert len(json.loads(result.out)) == 5
    assert "building the index" in result.err


def test_default_index_lives_in_the_cache_dir(
    krq: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert krq("docs", "--json").status == 0
    assert (tmp_path / "xdg" / "krq" / "index.db").exists()
    monkeypatch.setenv("KRQ_DB", str(tmp_path / "env.db"))
    assert krq("docs", "--json").status == 0
    assert (tmp_path / "env.db").exists()


# -- errors a user can cause: one line, a known status, never a traceback ------------------


def _one_line_error(result: object, status: int) -> None:
    assert result.status == status, (result.status, result.err)  # type: ignore[attr-defined]
    lines = result.err.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, result.err  # type: ignore[attr-defined]
    assert "Traceback" not in result.err  # type: ignore[attr-defined]


def test_error_path_does_not_exist(krq: Runner, fresh_db: Path, tmp_path: Path) -> None:
    _one_line_error(krq("ingest", "--db", fresh_db, tmp_path / "nope"), ExitStatus.NOT_FOUND)


def test_error_folder_without_txt_files(krq: Runner, fresh_db: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.md").write_text("hello", encoding="utf-8")
    _one_line_error(krq("ingest", "--db", fresh_db, tmp_path / "empty"), ExitStatus.BAD_INPUT)


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe\x00\x00binary\x00junk",
        "Café in Bishkek, naïve: ".encode() + b"\xff stray byte",
        b"",
        b"  \n\t\n",
    ],
    ids=["binary", "broken-utf8", "empty", "whitespace"],
)
def test_error_unreadable_article(
    krq: Runner, fresh_db: Path, tmp_path: Path, content: bytes
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    before = json.loads(krq("docs", "--db", fresh_db, "--json").out)
    result = krq("ingest", "--db", fresh_db, bad)
    assert result.status == ExitStatus.BAD_INPUT
    assert "Traceback" not in result.err
    assert "bad.txt" in result.err
    assert json.loads(krq("docs", "--db", fresh_db, "--json").out) == before


def test_error_entity_matches_nothing(krq: Runner, seeds_db: Path) -> None:
    _one_line_error(krq("mentions", "Zyxwvut Qqq", "--db", seeds_db), ExitStatus.NOT_FOUND)


def test_error_not_an_index(krq: Runner, tmp_path: Path) -> None:
    """A file that is not a krq index is never offered for a rebuild, which would delete it."""
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database" * 100)
    result = krq("entities", "--db", broken)
    _one_line_error(result, ExitStatus.INDEX)
    assert "is not a krq index" in result.err
    assert "--rebuild" not in result.err


def test_error_unknown_type_and_format(krq: Runner, seeds_db: Path) -> None:
    _one_line_error(krq("entities", "--db", seeds_db, "--type", "planet"), ExitStatus.USAGE)
    bad_format = krq("entities", "--db", seeds_db, "--format", "xml")
    assert bad_format.status == ExitStatus.USAGE and "Traceback" not in bad_format.err


def test_debug_shows_a_traceback(krq: Runner, seeds_db: Path) -> None:
    result = krq("--debug", "mentions", "Zyxwvut Qqq", "--db", seeds_db)
    assert result.status == ExitStatus.NOT_FOUND
    assert "Traceback" in result.err


def test_missing_model_names_the_install_command(krq: Runner, tmp_path: Path) -> None:
    result = krq("ingest", "--db", tmp_path / "x.db", "--model", "en_core_web_nonexistent", SEEDS)
    _one_line_error(result, ExitStatus.MODEL)
    assert "pip install" in result.err


def test_model_from_environment(
    krq: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KRQ_MODEL", "en_core_web_nonexistent")
    result = krq("ingest", "--db", tmp_path / "x.db", SEEDS)
    assert result.status == ExitStatus.MODEL
    assert "en_core_web_nonexistent" in result.err


# -- help and documentation ------------------------------------------------------------------


def _commands() -> list[str]:
    group = typer.main.get_command(build())
    return sorted(group.commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help_and_is_documented(krq: Runner, command: str) -> None:
    result = krq(command, "--help")
    assert result.status == 0
    assert len(result.out.strip().splitlines()) > 3
    reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    assert re.search(rf"^## krq {command}$", reference, re.MULTILINE), (
        f"docs/commands.md has no section `krq {command}`"
    )
    assert f"<!-- krq: {command} --help -->" in reference, f"no help of {command} in commands.md"


def test_python_dash_m_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kyrgyz_ru", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.startswith("krq ")


def test_queries_do_not_import_spacy(seeds_db: Path) -> None:
    code = (
        "import sys\nfrom kyrgyz_ru.cli import main\n"
        f"try:\n    main(['entities', '--db', {str(seeds_db)!r}, '--json'])\n"
        "except SystemExit:\n    pass\n"
        "assert 'spacy' not in sys.modules, 'spacy was imported by a query'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("value", ["2021-13", "2021-02-30", "21-02", "May 2021"])
def test_ingest_date_must_be_a_real_date(krq: Runner, fresh_db: Path, value: str) -> None:
    _one_line_error(krq("ingest", "--db", fresh_db, "--date", value, SEEDS), ExitStatus.USAGE)
