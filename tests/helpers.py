"""Helpers shared by the test modules: generated articles, running krq for fixtures,
checking one-line errors, copying and counting indexes, and a small tmpfs."""

from __future__ import annotations

import contextlib
import io
import os
import random
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kyrgyz_ru.cli import main
from kyrgyz_ru.extract import corpus
from kyrgyz_ru.extract.topics import Taxonomy, assign_topics
from kyrgyz_ru.records import Document

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


ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


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


def _document(text: str, doc_id: str = "h") -> Document:
    return Document(doc_id, f"{doc_id}.txt", text, corpus.content_hash(text))


# The topics of the spec, in the default taxonomy (tests/test_topics*.py).
SPEC_IDS = (
    "security",
    "migration",
    "trade",
    "energy",
    "finance_aid",
    "health",
    "transport",
    "culture",
    "diplomacy",
    "history",
    "domestic_politics",
)


def ids(text: str, taxonomy: Taxonomy) -> list[str]:
    return [hit.id for hit in assign_topics(text, taxonomy)]
