"""Nothing a user feeds krq crashes it or loses their index (issue 7).

Bad input files, bad queries, faults of the index file (kill -9, two writers, damage, old and
new schemas, read-only and full storage) and property tests of ingest, name resolution and
date normalisation. The real model runs on real text; only its loading is shared between
tests (the pipeline `load_pipeline` returns is built once and handed out again).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kyrgyz_ru.cli import main
from kyrgyz_ru.errors import ExitStatus, KrqError
from kyrgyz_ru.extract import corpus, dates, pipeline
from kyrgyz_ru.extract.knowledge import extra_knowledge_files, load_knowledge
from kyrgyz_ru.records import Document
from kyrgyz_ru.store import index as index_module
from kyrgyz_ru.store import migrations
from kyrgyz_ru.store.index import SCHEMA_VERSION, Index

from .conftest import ROOT, Runner

# -- shared pieces ---------------------------------------------------------------------------

PEOPLE = [
    "Sadyr Japarov", "Vladimir Putin", "Sergei Lavrov", "Ruslan Kazakbaev",
    "Almazbek Atambayev", "Kamchybek Tashiev", "Sooronbay Jeenbekov",
]  # fmt: skip
ORGS = ["the CSTO", "the Eurasian Economic Union", "Gazprom", "the Kremlin", "the EFSD"]
PLACES = ["Bishkek", "Moscow", "Osh", "Kant", "Tashkent", "Astana", "Batken"]
MONTHS = ["January", "March", "April", "June", "August", "October", "December"]
VERBS = ["met", "called", "praised", "criticised", "held talks with"]
SUBJECTS = ["gas supplies", "labour migration", "border security", "the air base", "customs duties"]


def sentence(rng: random.Random) -> str:
    a, b = rng.sample(PEOPLE, 2)
    return (
        f"{a} {rng.choice(VERBS)} {b} in {rng.choice(PLACES)} on {rng.randint(1, 28)} "
        f"{rng.choice(MONTHS)} {rng.randint(2005, 2023)} to discuss {rng.choice(SUBJECTS)} "
        f"and the role of {rng.choice(ORGS)}."
    )


def article(rng: random.Random, paragraphs: int, sentences: int = 2) -> str:
    blocks = [" ".join(sentence(rng) for _ in range(sentences)) for _ in range(paragraphs)]
    return "\n\n".join(blocks) + "\n"


def write_corpus(folder: Path, count: int, seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    texts = {}
    for i in range(count):
        text = article(rng, rng.randint(1, 2))
        (folder / f"a{i:03d}.txt").write_text(text, encoding="utf-8")
        texts[f"a{i:03d}"] = text
    return texts


def run_krq(*args: object) -> tuple[int, str]:
    """krq in this process, for fixtures wider than one test: (status, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main([str(a) for a in args])
            status = 0
        except SystemExit as exc:
            status = int(exc.code or 0)
    return status, err.getvalue()


def one_line_error(result: Any, status: int) -> str:
    assert result.status == status, (result.status, result.err)
    assert "Traceback" not in result.err and "unexpected error" not in result.err, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    return str(lines[0])


def copy_index(source: Path, target: Path) -> None:
    """A consistent copy, whatever is still in the source's write-ahead log."""
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dest,
    ):
        src.backup(dest)


def counts(path: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        # Table names come from sqlite_master, not from a user: safe to place in the SQL.
        return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


@pytest.fixture(scope="module")
def nlp() -> Any:
    """The real pipeline with the knowledge base, loaded once for this module."""
    return pipeline.load_pipeline(
        pipeline.model_name(None), load_knowledge(extra_knowledge_files())
    )


@contextlib.contextmanager
def loaded_once(nlp: Any) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "load_pipeline", lambda _name, _knowledge: nlp)
        yield


@pytest.fixture
def warm_model(nlp: Any) -> Iterator[Any]:
    with loaded_once(nlp):
        yield nlp


# -- 1. bad input, one file at a time (no model is loaded: nothing gets that far) -------------

ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0
UTF8_ARTICLE = "Sadyr Japarov met Vladimir Putin in Moscow on 3 March 2021."


def _make_bad(kind: str, folder: Path) -> Path:
    path = folder / f"{kind}.txt"
    if kind == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    elif kind == "binary-without-nul":
        rng = random.Random(3)
        path.write_bytes(bytes(rng.randrange(1, 256) for _ in range(4000)))
    elif kind == "nul":
        path.write_bytes(UTF8_ARTICLE.encode().replace(b" met", b"\x00 met"))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "whitespace":
        path.write_bytes(b"  \n\t\r\n   \n")
    elif kind == "bom-only":
        path.write_bytes(b"\xef\xbb\xbf\r\n")
    elif kind == "stray-bytes":  # UTF-8 with one Windows-1252 apostrophe pasted in
        path.write_bytes("Café naïve Zürich — ".encode() + b"Japarov\x92s visit")
    elif kind == "unknown-encoding":  # 0x98: not in Windows-1251; 0x81: not in Windows-1252
        path.write_bytes(b"Sadyr Japarov \x98\x81 met Putin in Moscow.")
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no named pipes on this system")
        os.mkfifo(path)
    elif kind == "symlink-loop":
        path.symlink_to(path.name)
    elif kind == "broken-symlink":
        path.symlink_to("nowhere.txt")
    elif kind == "io-error":
        if not Path("/proc/self/mem").exists():
            pytest.skip("no /proc/self/mem, which reads as an I/O error")
        path.symlink_to("/proc/self/mem")  # stat says regular file; read() fails with EIO
    else:
        raise AssertionError(kind)
    return path


BAD_FILES = {
    "binary": "not a text file (it holds NUL bytes)",
    "binary-without-nul": "not a text file (binary data)",
    "nul": "not a text file (it holds NUL bytes)",
    "empty": "empty file",
    "whitespace": "empty file",
    "bom-only": "empty file",
    "stray-bytes": "not valid UTF-8 (byte 32; mostly UTF-8 with 1 bad byte)",
    "unknown-encoding": "not UTF-8 text (byte 14) nor Windows-1251/1252",
    "fifo": "not a regular file",
    "symlink-loop": "cannot read",
    "broken-symlink": "broken symbolic link",
    "io-error": "cannot read",
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_a_bad_file_is_refused_with_its_reason(
    krq: Runner, fresh_db: Path, tmp_path: Path, kind: str
) -> None:
    bad = _make_bad(kind, tmp_path)
    before = counts(fresh_db)
    started = time.monotonic()
    result = krq("ingest", "--db", fresh_db, bad)
    assert time.monotonic() - started < 20  # a FIFO must not make krq wait for a writer
    assert result.status == ExitStatus.BAD_INPUT, result.err
    assert "Traceback" not in result.err and "unexpected" not in result.err
    assert "0 added, 0 updated, 0 unchanged, 1 skipped" in result.err
    assert f"krq: skipped {bad}: {BAD_FILES[kind]}" in result.err
    assert counts(fresh_db) == before


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="names there are Unicode")
def test_a_file_name_that_is_not_utf8(seeds_db: Path, tmp_path: Path) -> None:
    """Python keeps the undecodable bytes of such a name as surrogates, which SQLite refuses:
    the file is skipped with a message, the others are ingested (no model load needed here
    as the other file is unchanged)."""
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(ROOT / "seeds" / "003_4e99a73490cd7995.txt", folder)
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text(UTF8_ARTICLE, encoding="utf-8")
    db = tmp_path / "copy.db"
    copy_index(seeds_db, db)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "kyrgyz_ru", "ingest", "--db", db, folder],
        capture_output=True, env=env, check=False,
    )  # fmt: skip
    err = done.stderr.decode("utf-8", "backslashreplace")
    assert done.returncode == ExitStatus.PARTIAL, err
    assert "0 added, 0 updated, 1 unchanged, 1 skipped" in err
    assert "caf\\udce9.txt: the file name is not valid UTF-8; rename it" in err


def test_a_path_that_does_not_exist(krq: Runner, fresh_db: Path, tmp_path: Path) -> None:
    line = one_line_error(krq("ingest", "--db", fresh_db, tmp_path / "nope"), ExitStatus.NOT_FOUND)
    assert line == f"krq: no such file or folder: {tmp_path / 'nope'}"


def test_one_missing_path_among_good_ones_stops_before_any_work(
    krq: Runner, fresh_db: Path, tmp_path: Path
) -> None:
    good = tmp_path / "good.txt"
    good.write_text(UTF8_ARTICLE, encoding="utf-8")
    before = counts(fresh_db)
    result = krq("ingest", "--db", fresh_db, good, tmp_path / "typo.txt")
    one_line_error(result, ExitStatus.NOT_FOUND)
    assert counts(fresh_db) == before


def test_a_folder_with_no_txt_files(krq: Runner, fresh_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    (folder / "deeper").mkdir(parents=True)
    (folder / "a.md").write_text(UTF8_ARTICLE, encoding="utf-8")
    line = one_line_error(krq("ingest", "--db", fresh_db, folder), ExitStatus.BAD_INPUT)
    assert line == f"krq: no .txt files in folder: {folder}"


def test_a_folder_of_only_bad_files_is_bad_input(
    krq: Runner, fresh_db: Path, tmp_path: Path
) -> None:
    for kind in ("empty", "nul", "binary"):
        _make_bad(kind, tmp_path)
    result = krq("ingest", "--db", fresh_db, tmp_path)
    assert result.status == ExitStatus.BAD_INPUT
    assert "0 added, 0 updated, 0 unchanged, 3 skipped" in result.err


@pytest.mark.skipif(ROOT_USER, reason="root reads a chmod 000 file; io-error covers unreadable")
def test_a_file_without_read_permission(krq: Runner, fresh_db: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text(UTF8_ARTICLE, encoding="utf-8")
    locked.chmod(0)
    try:
        result = krq("ingest", "--db", fresh_db, locked)
    finally:
        locked.chmod(0o644)
    assert result.status == ExitStatus.BAD_INPUT
    assert f"krq: skipped {locked}: cannot read {locked}: Permission denied" in result.err


def test_a_symlink_cycle_between_folders_is_walked_once(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text(UTF8_ARTICLE, encoding="utf-8")
    (tmp_path / "a" / "up").symlink_to("..")  # a -> .. -> a -> ...
    found = list(corpus.discover([tmp_path]))
    assert found == [tmp_path / "a" / "x.txt"]


# -- 1. bad and odd input in one folder: one ingest, the model loaded once --------------------


@dataclass
class Mixed:
    folder: Path
    db: Path
    status: int
    err: str
    good: dict[str, tuple[Path, str]] = field(default_factory=dict)  # id -> (file, encoding)
    bad: dict[Path, str] = field(default_factory=dict)  # file -> reason


CYRILLIC_1251 = (
    "Sadyr Japarov (Садыр Жапаров) met Vladimir Putin in Moscow on 3 March 2021 \u2013 "
    "\u201ca warm meeting\u201d, said Жапаров\u2019s office.\r\n\r\n"
    "Ruslan Kazakbaev later flew to Bishkek."
)
LATIN_1 = (
    "Delegates from Z\u00fcrich and Gen\u00e8ve met Sadyr Japarov in Bishkek on 5 May 2021 "
    "at the Caf\u00e9 Central.\n\nThe na\u00efve plan was dropped in Osh."
)
CRLF = (
    "date 2021-03-03\r\n\r\nPresident Sadyr Japarov arrived in Moscow.\r\n\r\n"
    "He met Vladimir Putin in the Kremlin on 3 March 2021.\r\nLater he flew home to Bishkek.\r\n"
)
OLD_MAC = "Sergei Lavrov visited Bishkek.\r\rHe met Ruslan Kazakbaev in Osh on 4 April 2022.\r"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory, nlp: Any) -> Mixed:
    """A folder with good files in every encoding and line ending, and every kind of bad one."""
    root = tmp_path_factory.mktemp("mixed")
    folder = root / "articles"
    folder.mkdir()
    result = Mixed(folder, root / "mixed.db", 0, "")

    def good(name: str, data: bytes, encoding: str) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        result.good[path.stem] = (path, encoding)

    rng = random.Random(11)
    good("plain.txt", article(rng, 3).encode(), "utf-8")
    good("crlf.txt", CRLF.encode(), "utf-8")
    good("old-mac.txt", OLD_MAC.encode(), "utf-8")
    good(
        "bom.txt", b"\xef\xbb\xbf" + CRLF.replace("2021-03-03", "2021-03-04").encode(), "utf-8-sig"
    )
    good("cp1251.txt", CYRILLIC_1251.encode("cp1251"), "cp1251")
    good("latin1.txt", LATIN_1.encode("latin-1"), "cp1252")
    good("notepad.txt", ("\ufeff" + CRLF.replace("03-03", "03-05")).encode("utf-16-le"), "utf-16")
    long_line = " ".join(sentence(rng) for _ in range(80))  # one line, no paragraph breaks
    good("long-line.txt", long_line.encode(), "utf-8")
    good("folder.txt/inside.txt", article(rng, 1).encode(), "utf-8")  # a folder named .txt
    for kind in BAD_FILES:
        try:
            result.bad[_make_bad(kind, folder)] = BAD_FILES[kind]
        except pytest.skip.Exception:
            continue
    duplicate = folder / "sub" / "plain.txt"
    duplicate.parent.mkdir()
    duplicate.write_text(UTF8_ARTICLE, encoding="utf-8")
    result.bad[duplicate] = f"same document id as {folder / 'plain.txt'}"
    with loaded_once(nlp), pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(root / "cache"))
        result.status, result.err = run_krq("ingest", "--db", result.db, folder)
    return result


def test_mixed_folder_skips_each_bad_file_and_says_why(mixed: Mixed) -> None:
    assert mixed.status == ExitStatus.PARTIAL, mixed.err
    assert "Traceback" not in mixed.err and "unexpected" not in mixed.err
    summary = f"krq: {len(mixed.good)} added, 0 updated, 0 unchanged, {len(mixed.bad)} skipped"
    assert summary in mixed.err, mixed.err
    for path, reason in mixed.bad.items():
        assert f"krq: skipped {path}: {reason}" in mixed.err, (path, mixed.err)
    assert len(mixed.bad) >= 12


def test_mixed_folder_ingests_every_good_file(mixed: Mixed) -> None:
    with contextlib.closing(sqlite3.connect(mixed.db)) as db:
        stored = {r[0] for r in db.execute("SELECT id FROM documents")}
    assert stored == set(mixed.good)


@pytest.mark.parametrize(
    "name, note",
    [
        ("cp1251.txt", "read as Windows-1251 (Cyrillic), not UTF-8"),
        ("latin1.txt", "read as Windows-1252 (Western; covers Latin-1), not UTF-8"),
        ("notepad.txt", "read as UTF-16, not UTF-8"),
    ],
)
def test_the_summary_names_the_encoding_assumed(mixed: Mixed, name: str, note: str) -> None:
    assert f"krq: {mixed.folder / name}: {note}" in mixed.err


GOOD_IDS = [
    "plain", "crlf", "old-mac", "bom", "cp1251", "latin1", "notepad", "long-line", "inside",
]  # fmt: skip


@pytest.mark.parametrize("doc", GOOD_IDS)
def test_offsets_index_the_file_as_python_reads_it(mixed: Mixed, doc: str) -> None:
    """Offsets count characters of `open(file, encoding=E, newline=None).read()`: the BOM
    dropped, CRLF and CR read as LF, E the encoding the summary names (UTF-8 by default)."""
    path, encoding = mixed.good[doc]
    with open(path, encoding=encoding, newline=None) as file:
        text = file.read()
    with contextlib.closing(sqlite3.connect(mixed.db)) as db:
        (stored,) = db.execute("SELECT text FROM documents WHERE id = ?", (doc,)).fetchone()
        rows = db.execute(
            "SELECT start, end, text, sent_start, sent_end FROM mentions WHERE doc = ?", (doc,)
        ).fetchall()
    assert stored == text
    assert rows, f"no mentions found in {doc}"
    for start, end, mention, sent_start, sent_end in rows:
        assert text[start:end] == mention
        assert 0 <= sent_start <= start < end <= sent_end <= len(text)


@pytest.mark.parametrize(
    "doc, names",
    [
        ("crlf", ["Sadyr Japarov", "Moscow", "Vladimir Putin", "Bishkek"]),
        ("bom", ["Sadyr Japarov", "Moscow", "Vladimir Putin", "Bishkek"]),
        ("notepad", ["Sadyr Japarov", "Moscow", "Vladimir Putin", "Bishkek"]),
        ("old-mac", ["Sergei Lavrov", "Bishkek", "Ruslan Kazakbaev", "Osh"]),
        ("cp1251", ["Sadyr Japarov", "Vladimir Putin", "Moscow", "Bishkek"]),
        ("latin1", ["Sadyr Japarov", "Bishkek", "Osh"]),
    ],
)
def test_names_are_found_where_they_are(mixed: Mixed, doc: str, names: list[str]) -> None:
    """Line endings, BOMs and encodings shift no offset: each name is found at its place."""
    path, encoding = mixed.good[doc]
    with open(path, encoding=encoding, newline=None) as file:
        text = file.read()
    with contextlib.closing(sqlite3.connect(mixed.db)) as db:
        found = {
            tuple(r) for r in db.execute("SELECT start, text FROM mentions WHERE doc = ?", (doc,))
        }
    for name in names:
        assert (text.index(name), name) in found, (name, sorted(found))


def test_a_long_line_without_paragraph_breaks_loses_nothing(mixed: Mixed) -> None:
    path, _ = mixed.good["long-line"]
    text = path.read_text(encoding="utf-8")
    with contextlib.closing(sqlite3.connect(mixed.db)) as db:
        starts = [r[0] for r in db.execute("SELECT start FROM mentions WHERE doc = 'long-line'")]
        paragraphs = db.execute(
            "SELECT start, end FROM paragraphs WHERE doc = 'long-line'"
        ).fetchall()
    assert paragraphs == [(0, len(text.rstrip()))]
    assert max(starts) > len(text) * 0.95  # names in the last sentence were found too


@pytest.mark.usefixtures("warm_model")
def test_a_file_that_vanishes_during_ingest_is_skipped(tmp_path: Path) -> None:
    from kyrgyz_ru.extract.ingest import IngestOptions, ingest

    folder = tmp_path / "articles"
    texts = write_corpus(folder, 10, seed=5)
    last = folder / f"{sorted(texts)[-1]}.txt"
    index = Index.open(tmp_path / "vanish.db")

    def progress(done: int, _total: int) -> None:
        if done == 1:
            last.unlink()  # read when planned; gone before its turn in the model

    report = ingest(index, [folder], IngestOptions("en_core_web_sm", batch_size=1), progress)
    assert report.skipped == [(str(last), f"file vanished before it could be read: {last}")]
    assert sorted(report.added) == sorted(texts)[:-1]
    assert index.document_count() == 9
    index.close()


# -- 1. texts longer than the model's max_length ------------------------------------------------


@contextlib.contextmanager
def max_length(nlp: Any, limit: int) -> Iterator[None]:
    saved = nlp.max_length
    nlp.max_length = limit
    try:
        yield
    finally:
        nlp.max_length = saved


def _document(text: str, doc_id: str = "h") -> Document:
    return Document(doc_id, f"{doc_id}.txt", text, corpus.content_hash(text))


LONG_TEXTS = {
    "paragraphs": lambda rng: "\n\n".join(
        " ".join(sentence(rng) for _ in range(3)) for _ in range(30)
    ),
    "one-line": lambda rng: " ".join(sentence(rng) for _ in range(60)),
    "no-spaces": lambda rng: sentence(rng) + " " + "x" * 6000 + " " + sentence(rng),
}


@pytest.mark.parametrize("shape", sorted(LONG_TEXTS))
def test_a_text_over_max_length_is_analysed_in_pieces_losing_nothing(nlp: Any, shape: str) -> None:
    text = LONG_TEXTS[shape](random.Random(2))
    assert len(text) > 6000
    with max_length(nlp, 2000):
        analyses = list(pipeline.analyse([_document(text)], nlp, batch_size=4))
    assert len(analyses) == 1
    analysis = analyses[0]
    covered = [False] * len(text)
    for start, end, _, _ in analysis.tokens:
        assert 0 <= start < end <= len(text)
        for i in range(start, end):
            assert not covered[i], f"character {i} is in two tokens"
            covered[i] = True
    lost = [i for i, c in enumerate(text) if not c.isspace() and not covered[i]]
    assert not lost, f"{len(lost)} characters never reached the model"
    for start, end in analysis.sentences:
        assert 0 <= start < end <= len(text)
    # Every known name is found by the knowledge ruler at its exact place, in every piece.
    spans = {(s.start, s.end) for s in analysis.entities}
    for name in ("Bishkek", "Moscow", "Sadyr Japarov", "Vladimir Putin"):
        for match in re.finditer(re.escape(name), text):
            assert (match.start(), match.end()) in spans, (name, match.start())


def test_ingest_of_a_text_over_max_length_keeps_exact_offsets(
    warm_model: Any, krq: Runner, tmp_path: Path
) -> None:
    text = LONG_TEXTS["paragraphs"](random.Random(4))
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    with max_length(warm_model, 2000):
        result = krq("ingest", "--db", tmp_path / "long.db", tmp_path / "long.txt")
    assert result.status == 0, result.err
    with contextlib.closing(sqlite3.connect(tmp_path / "long.db")) as db:
        rows = db.execute("SELECT start, end, text FROM mentions WHERE doc = 'long'").fetchall()
    assert len(rows) > 100
    assert all(text[s:e] == m for s, e, m in rows)
    assert max(s for s, _, _ in rows) > len(text) * 0.95


# -- 2. bad queries -------------------------------------------------------------------------

NASTY = [
    "O'Brien", '"Putin"', "Put'in", "%", "_", "%_%", "a%b_c", "\\", "\\%",
    "'; DROP TABLE mentions; --", 'x"); DROP TABLE entities; --', "1 OR 1=1", "* FROM entities",
    "", " ", "\x00", "😀", "Жапаров", "x" * 10_000, "Putin " * 1_700,
]  # fmt: skip

QUERIES = [
    ["mentions", "{}"],
    ["show", "{}"],
    ["entities", "--search", "{}"],
    ["entities", "--doc", "{}"],
    ["entities", "--type", "{}"],
    ["entities", "--format", "{}"],
    ["mentions", "Putin", "--doc", "{}"],
    ["timeline", "--person", "{}"],
    ["timeline", "--since", "{}"],
    ["topics", "--org", "{}"],
    ["topics", "--show", "{}"],
    ["docs", "--format", "{}"],
]


def _nasty_cases() -> Iterator[Any]:
    for name in NASTY:
        for query in QUERIES:
            label = f"{' '.join(query[:-1])}={name[:12]!r}-{len(name)}"
            yield pytest.param(name, query, id=label)


@pytest.mark.parametrize("name, query", list(_nasty_cases()))
def test_nasty_query_arguments_get_a_message_never_a_traceback(
    krq: Runner, fresh_db: Path, name: str, query: list[str]
) -> None:
    before = counts(fresh_db)
    args = [a.replace("{}", name) for a in query]
    started = time.monotonic()
    result = krq(*args, "--db", fresh_db)
    assert time.monotonic() - started < 10
    assert "Traceback" not in result.err and "unexpected" not in result.err, result.err
    assert result.status in (0, ExitStatus.USAGE, ExitStatus.NOT_FOUND), result.err
    if result.err.startswith("krq:"):  # krq's own message, not typer's usage text
        line = one_line_error(result, result.status)
        assert len(line) < 400, "a message should not repeat a long value in full"
    assert counts(fresh_db) == before  # nothing was dropped, deleted or added


def test_sql_keywords_are_searched_for_not_run(krq: Runner, fresh_db: Path) -> None:
    result = krq("mentions", "'; DROP TABLE mentions; --", "--db", fresh_db)
    assert result.status == ExitStatus.NOT_FOUND
    assert "no entity matches ''; DROP TABLE mentions; --'" in result.err
    result = krq("entities", "--search", "%", "--db", fresh_db, "--json")
    assert result.status == 0 and json.loads(result.out) == []  # % is a character, no wildcard


def test_unknown_type_and_format_values(krq: Runner, seeds_db: Path) -> None:
    line = one_line_error(krq("entities", "--type", "planet", "--db", seeds_db), ExitStatus.USAGE)
    assert line == "krq: unknown type 'planet'; use one of: person, org, place, date"
    result = krq("entities", "--format", "xml", "--db", seeds_db)
    assert result.status == ExitStatus.USAGE
    assert "'xml' is not one of" in result.err and "Traceback" not in result.err


def test_an_argument_that_is_not_utf8(seeds_db: Path, tmp_path: Path) -> None:
    # A terminal in another encoding hands Python bytes it keeps as surrogates.
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "kyrgyz_ru", "mentions", b"\xff\xfeJaparov", "--db", seeds_db],
        capture_output=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == ExitStatus.USAGE
    assert done.stderr.decode() == "krq: an argument or file name is not valid UTF-8 text\n"


# -- 3. the index file: damaged, older, newer, foreign, read-only, full ----------------------


def test_a_truncated_index_says_how_to_rebuild(krq: Runner, fresh_db: Path) -> None:
    data = fresh_db.read_bytes()
    for size in (0 + 10, 100, 4096, len(data) // 2):
        fresh_db.write_bytes(data[:size])
        line = one_line_error(krq("entities", "--db", fresh_db), ExitStatus.INDEX)
        assert line.endswith("rebuild it with: krq ingest --rebuild"), line


def test_garbage_inside_an_index_says_how_to_rebuild(krq: Runner, fresh_db: Path) -> None:
    """Damage past the first pages shows only once a query reads it: still one line."""
    data = bytearray(fresh_db.read_bytes())
    rng = random.Random(1)
    data[8192:] = bytes(rng.randrange(256) for _ in range(len(data) - 8192))
    fresh_db.write_bytes(bytes(data))
    for command in (["entities"], ["mentions", "Putin"], ["docs"], ["export"], ["timeline"]):
        result = krq(*command, "--db", fresh_db)
        line = one_line_error(result, ExitStatus.INDEX)
        assert line.endswith("rebuild it with: krq ingest --rebuild"), (command, line)


@pytest.mark.usefixtures("warm_model")
def test_rebuild_replaces_a_damaged_index(krq: Runner, tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    db.write_bytes(b"this is not a database" * 100)
    folder = tmp_path / "a"
    write_corpus(folder, 2, seed=9)
    assert krq("ingest", "--db", db, folder).status == ExitStatus.INDEX
    result = krq("ingest", "--rebuild", "--db", db, folder)
    assert result.status == 0, result.err
    assert "2 added" in result.err
    assert len(json.loads(krq("docs", "--db", db, "--json").out)) == 2


def test_an_empty_file_becomes_an_index(tmp_path: Path) -> None:
    (tmp_path / "empty.db").write_bytes(b"")
    index = Index.open(tmp_path / "empty.db")
    assert index.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert index.document_count() == 0
    index.close()


def test_another_programs_database_is_left_alone(krq: Runner, tmp_path: Path) -> None:
    other = tmp_path / "notes.sqlite"
    with contextlib.closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE notes(body TEXT)")
        db.execute("INSERT INTO notes VALUES ('keep me')")
        db.commit()
    line = one_line_error(krq("docs", "--db", other), ExitStatus.INDEX)
    assert line == (
        f"krq: {other} is an SQLite database but not a krq index; "
        "choose another file with --db or $KRQ_DB"
    )
    assert counts(other) == {"notes": 1}


def test_an_index_of_a_newer_krq(krq: Runner, fresh_db: Path) -> None:
    with contextlib.closing(sqlite3.connect(fresh_db)) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    line = one_line_error(krq("docs", "--db", fresh_db), ExitStatus.INDEX)
    assert f"written by a newer krq (schema {SCHEMA_VERSION + 1})" in line
    assert line.endswith("upgrade krq or rebuild it with: krq ingest --rebuild")


def test_an_index_missing_a_table(krq: Runner, fresh_db: Path) -> None:
    with contextlib.closing(sqlite3.connect(fresh_db)) as db:
        db.execute("DROP TABLE aliases")
    line = one_line_error(krq("entities", "--db", fresh_db), ExitStatus.INDEX)
    assert "damaged (missing tables: aliases)" in line
    assert line.endswith("rebuild it with: krq ingest --rebuild")


@pytest.fixture
def next_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Pretend this krq has one more migration than the index, with the SQL given."""

    def patch(sql: str) -> None:
        longer = (*migrations.MIGRATIONS, migrations.Migration("test step", sql))
        monkeypatch.setattr(index_module, "MIGRATIONS", longer)
        monkeypatch.setattr(index_module, "SCHEMA_VERSION", len(longer))
        monkeypatch.setattr(migrations, "MIGRATIONS", longer)
        migrations.expected_tables.cache_clear()

    yield patch
    migrations.expected_tables.cache_clear()


def test_an_older_index_is_migrated_in_place(krq: Runner, fresh_db: Path, next_schema: Any) -> None:
    before = json.loads(krq("docs", "--db", fresh_db, "--json").out)
    next_schema(
        "ALTER TABLE documents ADD COLUMN language TEXT NOT NULL DEFAULT 'en';"
        " CREATE TABLE sources(doc TEXT NOT NULL, url TEXT NOT NULL);"
        " CREATE INDEX sources_doc ON sources(doc);"
    )
    result = krq("docs", "--db", fresh_db, "--json")
    assert result.status == 0, result.err
    assert json.loads(result.out) == before  # the data survived
    with contextlib.closing(sqlite3.connect(fresh_db)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert {r[0] for r in db.execute("SELECT DISTINCT language FROM documents")} == {"en"}
        assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 0


def test_an_index_of_schema_1_is_migrated_to_the_current_one(
    krq: Runner, fresh_db: Path, tmp_path: Path
) -> None:
    """Schema 2 added figures kept at ingest; a schema 1 index gets them computed in place
    and answers as the index it was made from."""
    assert SCHEMA_VERSION >= 2
    queries = [["topics", "--json"], ["entities", "--json"], ["timeline", "--json"]]
    expected = [krq(*q, "--db", fresh_db).out for q in queries]
    old = tmp_path / "schema1.db"
    copy_index(fresh_db, old)
    added = ("topic_stats", "phrase_stats", "entity_topics", "entity_paragraphs")
    with contextlib.closing(sqlite3.connect(old)) as db:
        for table in added:
            db.execute(f"DROP TABLE {table}")  # the names are the constants above
        db.execute("DROP INDEX mentions_timeline")
        db.execute("DROP INDEX topics_rank")
        db.execute("CREATE INDEX mentions_value ON mentions(label, value)")
        db.execute("DELETE FROM meta WHERE key = 'paragraphs'")
        db.execute("PRAGMA user_version = 1")
        db.commit()
    assert [krq(*q, "--db", old).out for q in queries] == expected
    with contextlib.closing(sqlite3.connect(old)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert counts(old) == counts(fresh_db)


def test_a_failed_migration_leaves_the_index_as_it_was(
    krq: Runner, fresh_db: Path, next_schema: Any
) -> None:
    before = counts(fresh_db)
    next_schema("ALTER TABLE documents ADD COLUMN language TEXT; CREATE TABLE documents(id);")
    line = one_line_error(krq("docs", "--db", fresh_db), ExitStatus.INDEX)
    assert f"cannot migrate the index at {fresh_db} to schema {SCHEMA_VERSION + 1}" in line
    assert line.endswith("rebuild it with: krq ingest --rebuild")
    with contextlib.closing(sqlite3.connect(fresh_db)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        columns = {r[1] for r in db.execute("PRAGMA table_info(documents)")}
    assert "language" not in columns  # the whole step rolled back, not half of it
    assert counts(fresh_db) == before


def test_processes_opening_a_new_index_at_once_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    errors: list[BaseException] = []
    gate = threading.Barrier(8)

    def open_it() -> None:
        try:
            gate.wait()
            Index.open(path).close()
        except BaseException as exc:  # collected and reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_an_index_path_that_is_a_folder(krq: Runner, tmp_path: Path) -> None:
    line = one_line_error(krq("docs", "--db", tmp_path), ExitStatus.INDEX)
    assert line == f"krq: the index path {tmp_path} is a folder; give a file path with --db"


def test_an_index_where_no_file_can_be_created(krq: Runner) -> None:
    target = Path("/sys/krq-reliability/index.db")  # sysfs: not even root creates files here
    if not Path("/sys").is_dir() or target.parent.exists():
        pytest.skip("needs Linux sysfs")
    line = one_line_error(krq("docs", "--db", target), ExitStatus.INDEX)
    assert line.startswith(f"krq: cannot create the index at {target} (")
    assert line.endswith("choose a writable place with --db or $KRQ_DB")


def test_a_non_file_as_index(krq: Runner) -> None:
    if not Path("/proc/version").exists():
        pytest.skip("needs Linux procfs")
    line = one_line_error(krq("docs", "--db", "/proc/version"), ExitStatus.INDEX)
    assert "is not a krq index and cannot be made one" in line


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A small RAM file system (root only), so that storage can be read-only or full."""
    where.mkdir(parents=True, exist_ok=True)
    if not ROOT_USER or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "krq-test", str(where)],
        capture_output=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_an_index_on_read_only_storage(
    krq: Runner, seeds_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_model(_name: str, _knowledge: Any) -> Any:
        raise AssertionError("the model was loaded for an index that cannot be written")

    monkeypatch.setattr(pipeline, "load_pipeline", no_model)
    with tmpfs(tmp_path / "ro", "8m") as mount:
        copy_index(seeds_db, mount / "index.db")
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        db = mount / "index.db"
        before = krq("docs", "--db", db, "--json")
        assert before.status == 0, before.err  # queries answer from a read-only index
        assert len(json.loads(before.out)) == 5
        assert krq("mentions", "Putin", "--db", db, "--json").status == 0
        folder = tmp_path / "new"
        write_corpus(folder, 1, seed=3)
        result = krq("ingest", "--db", db, folder)
        line = one_line_error(result, ExitStatus.INDEX)
        assert line == (
            f"krq: the index at {db} is read-only here; "
            "choose a writable place with --db or $KRQ_DB"
        )
        assert krq("docs", "--db", db, "--json").out == before.out
        result = krq("docs", "--db", mount / "new.db")
        line = one_line_error(result, ExitStatus.INDEX)
        assert line.startswith(f"krq: cannot create the index at {mount / 'new.db'} (")


# -- 3. kill -9, two writers, readers during a write ------------------------------------------

# A process that loads the pipeline once, then runs each `krq` command it is sent in a forked
# child (a real process, killed with SIGKILL after the delay asked for).
SERVER = r"""
import json, os, signal, sys, time
from kyrgyz_ru.extract import pipeline
from kyrgyz_ru.extract.knowledge import extra_knowledge_files, load_knowledge
nlp = pipeline.load_pipeline(pipeline.model_name(None), load_knowledge(extra_knowledge_files()))
pipeline.load_pipeline = lambda name, knowledge: nlp
import kyrgyz_ru.cli.boundary
import kyrgyz_ru.extract.ingest
from kyrgyz_ru.extract.topics import load_taxonomy
load_taxonomy(None)
print("ready", flush=True)
for line in sys.stdin:
    job = json.loads(line)
    started = time.monotonic()
    children = []
    for args, log in zip(job["runs"], job["logs"], strict=True):
        pid = os.fork()
        if pid == 0:
            out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(out, 1)
            os.dup2(out, 2)
            code = 0
            try:
                kyrgyz_ru.cli.boundary.main(args)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                code = 99
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        children.append(pid)
    results = {}
    deadline = None if job["delay"] is None else started + job["delay"]
    while len(results) < len(children):
        for pid in children:
            if pid in results:
                continue
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                results[pid] = status
        if len(results) < len(children) and deadline is not None and time.monotonic() >= deadline:
            for pid in children:
                if pid not in results:
                    os.kill(pid, signal.SIGKILL)
                    results[pid] = os.waitpid(pid, 0)[1]
        time.sleep(0.002)
    reply = []
    for pid in children:
        status = results[pid]
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        code = None if killed else os.waitstatus_to_exitcode(status)
        reply.append({"killed": killed, "status": code})
    print(json.dumps({"runs": reply, "seconds": time.monotonic() - started}), flush=True)
"""


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.count = 0
        self.pending = 0  # jobs started whose reply has not been read
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(log, "w"), text=True, env=env, cwd=ROOT,  # noqa: SIM115
        )  # fmt: skip
        assert self._line(180) == "ready", log.read_text()

    def _line(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready, f"the trial server did not answer in {timeout} s: {self.log.read_text()}"
        return self.proc.stdout.readline().strip()

    def start(self, runs: list[list[object]], delay: float | None) -> list[Path]:
        assert self.proc.stdin is not None
        while self.pending:  # a test that failed half way left a reply behind
            self.finish()
        logs = []
        for _ in runs:
            self.count += 1
            logs.append(self.log.with_name(f"run{self.count}.log"))
        job = {"runs": [[str(a) for a in r] for r in runs], "logs": [str(p) for p in logs]}
        self.proc.stdin.write(json.dumps({**job, "delay": delay}) + "\n")
        self.proc.stdin.flush()
        self.pending += 1
        return logs

    def finish(self, timeout: float = 300) -> dict[str, Any]:
        reply: dict[str, Any] = json.loads(self._line(timeout))
        self.pending -= 1
        return reply

    def run(self, runs: list[list[object]], delay: float | None = None) -> dict[str, Any]:
        logs = self.start(runs, delay)
        reply = self.finish()
        for run, log in zip(reply["runs"], logs, strict=True):
            run["err"] = log.read_text(errors="replace")
        return reply

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


Signature = tuple[Any, ...]


def signature(db: sqlite3.Connection, doc: str) -> Signature:
    """Everything extraction stored for one document, but its links (made after all of them)."""
    return (
        db.execute(
            "SELECT idx, start, end FROM paragraphs WHERE doc = ? ORDER BY idx", (doc,)
        ).fetchall(),
        db.execute(
            "SELECT start, end, label, text, name, name_reason, value, sent_start, sent_end,"
            " paragraph FROM mentions WHERE doc = ? ORDER BY start, end, label",
            (doc,),
        ).fetchall(),
        db.execute(
            "SELECT paragraph, topic, score, terms FROM topics WHERE doc = ?"
            " ORDER BY paragraph, topic",
            (doc,),
        ).fetchall(),
        db.execute(
            "SELECT paragraph, phrase, count FROM phrases WHERE doc = ? ORDER BY paragraph, phrase",
            (doc,),
        ).fetchall(),
        db.execute(
            "SELECT long, short FROM acronyms WHERE doc = ? ORDER BY long, short", (doc,)
        ).fetchall(),
    )


def linked_state(db: sqlite3.Connection) -> Signature:
    """What linking made of all the documents: entities, names, aliases and each link."""
    return (
        db.execute("SELECT * FROM entities ORDER BY id").fetchall(),
        db.execute("SELECT * FROM names ORDER BY label, name").fetchall(),
        db.execute("SELECT * FROM aliases ORDER BY entity, alias").fetchall(),
        db.execute(
            "SELECT doc, start, label, entity FROM mentions ORDER BY doc, start, label"
        ).fetchall(),
    )


@dataclass
class Lab:
    server: Server
    root: Path
    new: Path  # 40 articles
    old: Path  # the same 40 ids with other texts
    ref_old: Path  # an index of `old`, written by one uninterrupted ingest
    references: dict[str, Signature]  # sha256 -> signature, for both versions of every article
    new_sha: dict[str, str]
    old_sha: dict[str, str]
    linked: Signature  # linked_state of the index of `new`
    seconds: float  # how long one uninterrupted ingest of `new` takes

    def ingest(self, db: Path, folder: Path | None = None) -> list[object]:
        return ["ingest", "--db", db, "--batch-size", "2", folder or self.new]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("kill")
    env = {
        **os.environ, "XDG_CACHE_HOME": str(root / "cache"), "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    }  # fmt: skip
    for name in ("KRQ_DB", "KRQ_MODEL", "KRQ_KNOWLEDGE", "KRQ_DEBUG"):
        env.pop(name, None)
    server = Server(env, root / "server.log")
    try:
        write_corpus(root / "new", 40, seed=1)
        write_corpus(root / "old", 40, seed=2)
        references: dict[str, Signature] = {}
        shas = []
        for name in ("old", "new"):
            db = root / f"ref-{name}.db"
            reply = server.run([["ingest", "--db", db, "--batch-size", "2", root / name]])
            assert reply["runs"][0]["status"] == 0, reply
            if name == "new":
                seconds = reply["seconds"]
            with contextlib.closing(sqlite3.connect(db)) as conn:
                sha = dict(conn.execute("SELECT id, sha256 FROM documents"))
                references.update({s: signature(conn, d) for d, s in sha.items()})
                linked = linked_state(conn)
            shas.append(sha)
        assert len(references) == 80
        yield Lab(server, root, root / "new", root / "old", root / "ref-old.db", references,
                  shas[1], shas[0], linked, seconds)  # fmt: skip
    finally:
        server.close()


def check_whole_or_absent(lab: Lab, path: Path, must_have: set[str]) -> dict[str, str]:
    """The index opens, is sound, and holds each document whole (one version) or not at all."""
    index = Index.open(path)
    db = index.db
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        docs: dict[str, str] = dict(db.execute("SELECT id, sha256 FROM documents"))
        for doc, sha in docs.items():
            assert sha in (lab.new_sha[doc], lab.old_sha[doc]), doc
            assert signature(db, doc) == lab.references[sha], f"{doc} is not whole"
        for table in ("paragraphs", "mentions", "topics", "phrases", "acronyms"):
            orphans = db.execute(
                f"SELECT count(*) FROM {table} WHERE doc NOT IN (SELECT id FROM documents)"
            ).fetchone()[0]  # the table name is one of five constants above
            assert orphans == 0, f"{orphans} {table} rows of documents not in the index"
        assert must_have <= set(docs), f"lost: {sorted(must_have - set(docs))}"
        from kyrgyz_ru.query import entities as query

        query.documents(db)  # queries answer
        query.entities(db)
        return docs
    finally:
        index.close()


def check_complete(lab: Lab, path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert dict(db.execute("SELECT id, sha256 FROM documents")) == lab.new_sha
        for doc, sha in lab.new_sha.items():
            assert signature(db, doc) == lab.references[sha]
        assert linked_state(db) == lab.linked
        assert db.execute("SELECT value FROM meta WHERE key = 'stale'").fetchone() == ("0",)


KILL_TRIALS = 24


@pytest.mark.slow
def test_kill_9_at_random_moments_never_splits_or_loses_a_document(lab: Lab) -> None:
    """SIGKILL an ingest (40 articles, a transaction every 2) after a random delay, again and
    again: each time the index opens, every document is whole or absent, an update never
    loses the old version, and the next ingest completes it exactly as an uninterrupted one."""
    rng = random.Random(20240607)
    kills = completions = chain = 0
    delays = []
    while kills < KILL_TRIALS:
        chain += 1
        db = lab.root / f"chain{chain}.db"
        updating = chain % 2 == 0  # every other chain replaces an older version of each article
        if updating:
            copy_index(lab.ref_old, db)
        must_have = set(lab.new_sha) if updating else set()
        for _ in range(12):
            delay = rng.uniform(0.0, lab.seconds * 1.05)
            run = lab.server.run([lab.ingest(db)], delay)["runs"][0]
            if not run["killed"]:
                assert run["status"] == 0, run["err"]
                check_complete(lab, db)
                completions += 1
                break
            kills += 1
            delays.append(delay)
            check_whole_or_absent(lab, db, must_have)
        else:
            raise AssertionError("twelve ingests in a row were killed: none completed")
    print(f"\nkill -9: {kills} kills in {chain} chains, {completions} completed ingests")
    assert completions >= 5


@pytest.mark.slow
def test_kill_9_of_the_krq_command_itself(lab: Lab) -> None:
    """The same with the installed command (its own model load, no fork): killed after its
    first transaction committed, at a random moment within the next second."""
    rng = random.Random(5)
    for trial in range(2):
        db = lab.root / f"cli{trial}.db"
        args = [str(a) for a in lab.ingest(db)]
        env = {**os.environ, "XDG_CACHE_HOME": str(lab.root / "cache")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "kyrgyz_ru", *args], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                if db.exists() and _documents(db) > 0:
                    break
                time.sleep(0.02)
            time.sleep(rng.uniform(0, 1.0))
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait()
        check_whole_or_absent(lab, db, set())
        run = lab.server.run([lab.ingest(db)])["runs"][0]
        assert run["status"] == 0, run["err"]
        check_complete(lab, db)


def _documents(path: Path) -> int:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)) as db:
            return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.slow
@pytest.mark.parametrize("start", ["empty", "older"])
def test_two_ingests_at_once(lab: Lab, start: str) -> None:
    """Two writers interleave transaction by transaction (each waits for the other's lock);
    both finish and the index is what one ingest would have made."""
    db = lab.root / f"two-{start}.db"
    if start == "older":
        copy_index(lab.ref_old, db)
    reply = lab.server.run([lab.ingest(db), lab.ingest(db)])
    for run in reply["runs"]:
        assert run["status"] in (0, ExitStatus.INDEX), run["err"]
        if run["status"] == ExitStatus.INDEX:  # a wait longer than 30 s: told, not corrupted
            assert "is locked by another krq process; try again" in run["err"]
    assert any(run["status"] == 0 for run in reply["runs"])
    check_whole_or_absent(lab, db, set(lab.new_sha) if start == "older" else set())
    if all(run["status"] == 0 for run in reply["runs"]):
        check_complete(lab, db)


@pytest.mark.slow
def test_queries_during_an_ingest_answer_from_the_last_commit(lab: Lab, krq: Runner) -> None:
    db = lab.root / "busy.db"
    lab.server.start([lab.ingest(db)], None)
    deadline = time.monotonic() + 60
    while not (db.exists() and _version(db) >= 1) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert db.exists(), "the ingest never created its index"
    seen: list[int] = []
    slowest = 0.0
    finished = False
    while not finished:
        finished = bool(select.select([lab.server.proc.stdout], [], [], 0)[0])
        started = time.monotonic()
        result = krq("docs", "--db", db, "--json")
        slowest = max(slowest, time.monotonic() - started)
        assert result.status == 0, result.err
        assert "building the index" not in result.err  # never taken for an empty index to fill
        rows = json.loads(result.out)
        assert {r["id"] for r in rows} <= set(lab.new_sha)
        for row in rows:  # whole documents only
            mentions = lab.references[lab.new_sha[row["id"]]][1]
            assert sum(row[k] for k in ("people", "orgs", "places", "dates")) == len(mentions)
        seen.append(len(rows))
    reply = lab.server.finish()
    assert reply["runs"][0]["status"] == 0
    assert seen == sorted(seen), "a reader saw documents disappear"
    assert len(set(seen)) >= 3, f"too few distinct states seen: {seen}"
    assert slowest < 5, f"a query waited {slowest:.1f} s for the writer"
    check_complete(lab, db)
    print(f"\nreaders: {len(seen)} queries saw {len(set(seen))} states, slowest {slowest:.2f} s")


def _version(path: Path) -> int:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)) as db:
            return int(db.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_a_full_disk_stops_the_ingest_with_a_message_and_a_sound_index(
    lab: Lab, tmp_path: Path
) -> None:
    size = (lab.root / "ref-new.db").stat().st_size
    # The index and its write-ahead log outgrow this part way through the ingest.
    with tmpfs(tmp_path / "small", f"{size // 1024}k") as mount:
        db = mount / "index.db"
        run = lab.server.run([lab.ingest(db)])["runs"][0]
        assert run["status"] == ExitStatus.INDEX, run["err"]
        assert "no space left for the index" in run["err"], run["err"]
        assert "Traceback" not in run["err"]
        kept = check_whole_or_absent(lab, db, set())
        assert 0 < len(kept) < 40
        # Room again (the write-ahead log grows to ~4 MB before SQLite folds it into the index).
        subprocess.run(["mount", "-o", "remount,size=16m", str(mount)], check=True)
        run = lab.server.run([lab.ingest(db)])["runs"][0]
        assert run["status"] == 0, run["err"]
        check_complete(lab, db)


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
    (stored,) = scratch.db.execute("SELECT text FROM documents WHERE id = 'h'").fetchone()
    assert stored == text
    spans = {p.index: (p.start, p.end) for p in paragraphs}
    for start, end, mention, s_start, s_end, paragraph in scratch.db.execute(
        "SELECT start, end, text, sent_start, sent_end, paragraph FROM mentions WHERE doc = 'h'"
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
    data = (b"\xef\xbb\xbf" if bom else b"") + text.replace("\n", newline).encode("utf-8")
    try:
        decoded, encoding = corpus.decode_text(data, Path("p.txt"))
    except KrqError as exc:
        assert "empty file" in str(exc) or "NUL" in str(exc)
        return
    assert encoding == "utf-8"
    assert decoded == text.replace("\r\n", "\n").replace("\r", "\n")


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
