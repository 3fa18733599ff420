"""Bad input: every file is ingested or skipped with its reason (issue 7).

Bad files one at a time, a folder of bad and odd files ingested at once (encodings,
line endings, offsets), and texts longer than the model's max_length.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kyrgyz_ru.errors import ExitStatus
from kyrgyz_ru.extract import corpus, pipeline
from kyrgyz_ru.store.index import Index
from kyrgyz_ru.store.migrations import unpack_text

from .conftest import ROOT, Runner, loaded_once
from .helpers import (
    ROOT_USER,
    _document,
    article,
    copy_index,
    counts,
    one_line_error,
    run_krq,
    sentence,
    write_corpus,
)

# -- 1. bad input, one file at a time (no model is loaded: nothing gets that far) -------------

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
    assert line == (
        f"krq: no article files (.txt, .html, .json, .jsonl, .csv, .tsv or .gz of these)"
        f" in folder: {folder}"
    )


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
    # The same name in another folder is another document (#10): it gets the id sub/plain.
    duplicate = folder / "sub" / "plain.txt"
    duplicate.parent.mkdir()
    duplicate.write_text(UTF8_ARTICLE, encoding="utf-8")
    result.good["sub/plain"] = (duplicate, "utf-8")
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


def test_a_name_taken_by_another_file_gets_its_folder(mixed: Mixed) -> None:
    line = f"krq: {mixed.folder / 'sub' / 'plain.txt'}: id sub/plain (plain is the id of another"
    assert line in mixed.err


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
            "SELECT start, end, text, sent_start, sent_end FROM mentions"
            " WHERE doc = (SELECT key FROM documents WHERE id = ?)",
            (doc,),
        ).fetchall()
    assert unpack_text(stored) == text
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
            tuple(r)
            for r in db.execute(
                "SELECT m.start, m.text FROM mentions m JOIN documents d ON d.key = m.doc"
                " WHERE d.id = ?",
                (doc,),
            )
        }
    for name in names:
        assert (text.index(name), name) in found, (name, sorted(found))


def test_a_long_line_without_paragraph_breaks_loses_nothing(mixed: Mixed) -> None:
    path, _ = mixed.good["long-line"]
    text = path.read_text(encoding="utf-8")
    with contextlib.closing(sqlite3.connect(mixed.db)) as db:
        (key,) = db.execute("SELECT key FROM documents WHERE id = 'long-line'").fetchone()
        starts = [r[0] for r in db.execute("SELECT start FROM mentions WHERE doc = ?", (key,))]
        paragraphs = db.execute(
            "SELECT start, end FROM paragraphs WHERE doc = ?", (key,)
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
        rows = db.execute(
            "SELECT start, end, text FROM mentions"
            " WHERE doc = (SELECT key FROM documents WHERE id = 'long')"
        ).fetchall()
    assert len(rows) > 100
    assert all(text[s:e] == m for s, e, m in rows)
    assert max(s for s, _, _ in rows) > len(text) * 0.95
