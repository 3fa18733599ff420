"""Ctrl-C and SIGTERM during an ingest: real processes, two spaCy workers (and two natasha
workers for Russian), checked for status, stderr, leftover processes and an index that holds
whole documents only."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DATA, SEEDS

pytestmark = pytest.mark.slow
DOCUMENTS = 60


@pytest.fixture(scope="module", params=["English", "Russian"])
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sixty distinct articles made from the seeds (or the Russian test articles, which
    --workers sends to worker processes of their own): enough work to stop in the middle."""
    folder = tmp_path_factory.mktemp("signals") / "corpus"
    folder.mkdir()
    english = request.param == "English"
    sources = sorted((SEEDS if english else DATA / "ru").glob("*.txt"))
    ending = "Copy number {}." if english else "Копия номер {}."
    for i in range(DOCUMENTS):
        text = sources[i % len(sources)].read_text(encoding="utf-8")
        (folder / f"doc{i:03d}.txt").write_text(f"{text}\n\n{ending.format(i)}\n", encoding="utf-8")
    return folder


def _documents(db: Path) -> int:
    try:
        with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=10) as con:
            return int(con.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.Error:
        return 0


def _leftovers(db: Path) -> list[str]:
    """Processes still running with this index on their command line (forked workers keep
    their parent's)."""
    found = subprocess.run(["pgrep", "-f", str(db)], capture_output=True, text=True)
    return found.stdout.split()


def _start(corpus: Path, db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kyrgyz_ru", "ingest", str(corpus), "--db", str(db),
         "--workers", "2", "--batch-size", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def _wait_for_documents(process: subprocess.Popen[str], db: Path) -> None:
    deadline = time.monotonic() + 120
    while _documents(db) == 0:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no document was written in two minutes"
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("how", "status", "word"),
    [
        ("SIGINT to krq", 130, "interrupted"),
        ("SIGTERM to krq", 143, "terminated"),
        ("Ctrl-C on a terminal", 130, "interrupted"),  # SIGINT to the whole process group
    ],
)
def test_a_stopped_ingest_ends_at_once_and_the_next_completes_it(
    corpus: Path, tmp_path: Path, how: str, status: int, word: str
) -> None:
    db = tmp_path / "index.db"
    process = _start(corpus, db)
    _wait_for_documents(process, db)
    if how.startswith("Ctrl-C"):
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT if "SIGINT" in how else signal.SIGTERM)
    started = time.monotonic()
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"krq did not end within 20 s of {how}")
    assert time.monotonic() - started < 10
    assert process.returncode == status
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"krq: {word}: ") and "written whole" in lines[0]
    assert "Traceback" not in err and "Warning" not in err
    time.sleep(0.5)
    assert _leftovers(db) == []
    kept = _documents(db)
    assert 0 < kept < DOCUMENTS
    with sqlite3.connect(db) as con:  # only whole documents: every mention has its document
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orphans = con.execute(
            "SELECT count(*) FROM mentions WHERE doc NOT IN (SELECT key FROM documents)"
        ).fetchone()[0]
        assert orphans == 0
    again = subprocess.run(
        [sys.executable, "-m", "kyrgyz_ru", "ingest", str(corpus), "--db", str(db)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert f"{DOCUMENTS - kept} added" in again.stderr
    assert _documents(db) == DOCUMENTS


def test_a_long_query_ends_at_sigterm(tmp_path: Path) -> None:
    """SQLite runs a query in C, deaf to signals: krq lets them in every so many steps, so a
    query that would run for minutes ends at once (found by a query left running for an hour
    on a 100,000-document index after its caller was killed)."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from kyrgyz_ru.cli.signals import stoppable\n"
        "from kyrgyz_ru.store.index import Index\n"
        "index = Index.open(Path(sys.argv[1]))\n"
        "print('ready', flush=True)\n"
        "with stoppable():\n"
        "    try:\n"
        "        index.db.execute('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1'\n"
        "                         ' FROM c) SELECT count(*) FROM c').fetchone()\n"
        "    except Exception as exc:\n"
        "        print(type(exc).__name__, exc, flush=True)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "index.db")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    try:
        out, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the query went on after SIGTERM")
    assert time.monotonic() - started < 5
    assert "interrupted" in out
