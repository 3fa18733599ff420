"""Ingest on a Dask cluster: a real LocalCluster (processes, two workers) gives the index a local
ingest gives, even when a worker is killed mid-run; faults end in one line."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from kyrgyz_ru.errors import ExitStatus
from kyrgyz_ru.extract.pipeline import model_name
from tests.conftest import SEEDS, Runner
from tests.helpers import one_line_error

pytestmark = pytest.mark.slow
pytest.importorskip("distributed")

DOCUMENTS = 30
POISON = "POISONED-FOR-THE-CLUSTER-TEST"
Dump = dict[str, list[tuple[Any, ...]]]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Distinct articles made from the seeds (copies of one seed are reprints of each other,
    decided on the client as for a local ingest)."""
    folder = tmp_path_factory.mktemp("cluster") / "corpus"
    folder.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for i in range(DOCUMENTS):
        text = seeds[i % len(seeds)].read_text(encoding="utf-8")
        (folder / f"doc{i:03d}.txt").write_text(f"{text}\n\nCopy number {i}.\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def local_dump(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Dump:
    db = tmp_path_factory.mktemp("local") / "local.db"
    done = subprocess.run(
        [sys.executable, "-m", "kyrgyz_ru", "ingest", str(corpus), "--db", str(db)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return _dump(db)


def _dump(db: Path) -> Dump:
    """Everything the index holds that a query can see, in a canonical order: row ids and
    ingest times aside (they follow the order in which batches arrive)."""
    skip = {
        ("documents", "ingested_at"), ("documents", "key"), ("mentions", "id"), ("events", "id"),
        ("entities", "key"),
    }  # fmt: skip
    # Keys depend on the order documents were written in: a document is named by its id.
    keyed = {"paragraphs", "mentions", "topics", "events"}
    out: Dump = {}
    with contextlib.closing(sqlite3.connect(db)) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            if table in ("meta", "event_actors"):
                continue
            columns = [
                "(SELECT id FROM documents WHERE key = doc)"
                if table in keyed and r[1] == "doc"
                # Mentions name their entity by its key (schema 11): by its text id here.
                else "(SELECT id FROM entities e WHERE e.key = entity)"
                if table == "mentions" and r[1] == "entity"
                else r[1]
                for r in con.execute(f"PRAGMA table_info({table})")
                if (table, r[1]) not in skip
            ]
            rows = con.execute(f'SELECT {", ".join(columns)} FROM "{table}"').fetchall()
            out[table] = sorted(rows, key=repr)
        # An actor belongs to its event, named by where the event is rather than its row id.
        out["event_actors"] = sorted(
            con.execute(
                "SELECT d.id, e.start, e.end, e.event_type, a.start, a.end, a.text, a.role,"
                " a.reason, a.label, a.name FROM event_actors a JOIN events e ON e.id = a.event"
                " JOIN documents d ON d.key = e.doc"
            ).fetchall(),
            key=repr,
        )
        out["meta"] = con.execute(
            "SELECT key, value FROM meta WHERE key IN ('stale', 'taxonomy') ORDER BY key"
        ).fetchall()
    return out


def _assert_same(found: Dump, expected: Dump) -> None:
    assert found.keys() == expected.keys()
    for table in expected:
        assert found[table] == expected[table], f"table {table} differs"
    assert len(expected["mentions"]) > 1000 and expected["events"] and expected["paragraphs"]


def test_a_cluster_ingest_gives_the_index_a_local_ingest_gives(
    krq: Runner, corpus: Path, local_dump: Dump, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "cluster.db"
    monkeypatch.setenv("KRQ_CLUSTER", "local:2")  # a LocalCluster of its own, from $KRQ_CLUSTER
    done = krq("ingest", corpus, "--db", db, "--batch-size", "3")
    assert done.status == 0, done.err
    assert f"{DOCUMENTS} added, 0 updated, 0 unchanged, 0 skipped" in done.err
    _assert_same(_dump(db), local_dump)
    again = krq("ingest", corpus, "--db", db, "--cluster", "local:2")
    assert again.status == 0 and f"0 added, 0 updated, {DOCUMENTS} unchanged" in again.err


def test_a_worker_killed_mid_run_changes_nothing(
    cluster: Any, corpus: Path, local_dump: Dump, tmp_path: Path
) -> None:
    from kyrgyz_ru.extract.ingest import IngestOptions, ingest
    from kyrgyz_ru.store.index import Index

    address = cluster.scheduler.address
    pids: dict[str, int] = cluster.run(os.getpid)
    victim = sorted(pids.values())[0]
    killed_at: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        if not killed_at:  # the first batch is written: the other worker is busy with its own
            os.kill(victim, signal.SIGKILL)
            killed_at.append((done, total))

    db = tmp_path / "killed.db"
    index = Index.open(db, new_meta={"stale": "1"})
    options = IngestOptions(model=model_name(), batch_size=2, cluster=address)
    report = ingest(index, [corpus], options, progress)
    index.close()
    assert killed_at and killed_at[0][0] < DOCUMENTS, "the worker was not killed mid-run"
    assert report.skipped == [] and len(report.added) == DOCUMENTS
    assert victim not in cluster.run(os.getpid).values()  # it was replaced, not spared
    _assert_same(_dump(db), local_dump)


def _poison() -> None:
    """On a worker: extraction fails on any document holding POISON (a document that breaks
    the pipeline however often it is tried)."""
    from kyrgyz_ru.extract import ingest as module

    original = getattr(module, "_original_extract_document", module.extract_document)

    def failing(analysis: Any, *args: Any) -> Any:
        if POISON in analysis.document.text:
            raise RuntimeError("the pipeline broke on this document")
        return original(analysis, *args)

    module._original_extract_document = original  # type: ignore[attr-defined]
    module.extract_document = failing  # type: ignore[assignment]


def _cure() -> None:
    from kyrgyz_ru.extract import ingest as module

    original = getattr(module, "_original_extract_document", None)
    if original is not None:
        module.extract_document = original


def test_a_batch_that_keeps_failing_is_skipped_whole_and_named(
    krq: Runner, cluster: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for i, seed in enumerate(seeds):
        text = seed.read_text(encoding="utf-8") + (f"\n\n{POISON}\n" if i == 2 else "")
        (folder / f"n{i}.txt").write_text(text, encoding="utf-8")
    db = tmp_path / "poisoned.db"
    cluster.run(_poison)
    try:
        done = krq("ingest", folder, "--db", db, "--batch-size", "2", "--cluster",
                   cluster.scheduler.address)  # fmt: skip
    finally:
        cluster.run(_cure)
    assert done.status == ExitStatus.PARTIAL, done.err
    # n2 and n3 went in one batch: both are named, neither is written in part.
    assert "3 added, 0 updated, 0 unchanged, 2 skipped" in done.err
    for name in ("n2.txt", "n3.txt"):
        assert f"skipped {folder / name}: not extracted: its batch failed 3 times" in done.err
    assert "the pipeline broke on this document" in done.err and "Traceback" not in done.err
    with contextlib.closing(sqlite3.connect(db)) as con:
        docs = sorted(r[0] for r in con.execute("SELECT id FROM documents"))
        orphans = con.execute(
            "SELECT count(*) FROM mentions WHERE doc NOT IN (SELECT key FROM documents)"
        ).fetchone()[0]
    assert docs == ["n0", "n1", "n4"] and orphans == 0
    again = krq("ingest", folder, "--db", db, "--cluster", cluster.scheduler.address)
    assert again.status == 0 and "2 added, 0 updated, 3 unchanged" in again.err


def test_a_worker_of_another_krq_version_is_refused(
    krq: Runner, cluster: Any, fresh_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kyrgyz_ru.extract import cluster as module

    theirs = module.krq_version()
    monkeypatch.setattr(module, "krq_version", lambda: "0.0.1")
    done = krq("ingest", SEEDS, "--db", fresh_db, "--rebuild", "--cluster",
               cluster.scheduler.address)  # fmt: skip
    line = one_line_error(done, ExitStatus.INDEX)
    assert f"runs krq {theirs} but this client runs krq 0.0.1" in line


def test_an_unreachable_scheduler_is_one_line_within_seconds(krq: Runner, fresh_db: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    done = krq("ingest", SEEDS, "--db", fresh_db, "--rebuild", "--cluster", f"127.0.0.1:{port}")
    assert time.monotonic() - started < 15
    line = one_line_error(done, ExitStatus.INDEX)
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in line


@pytest.mark.parametrize("value", ["local:0", "local:x", "nowhere", "tcp://:8786"])
def test_a_bad_cluster_address_is_a_usage_error(krq: Runner, fresh_db: Path, value: str) -> None:
    one_line_error(krq("ingest", SEEDS, "--db", fresh_db, "--cluster", value), ExitStatus.USAGE)


def test_workers_and_cluster_together_are_refused(krq: Runner, fresh_db: Path) -> None:
    done = krq("ingest", SEEDS, "--db", fresh_db, "--cluster", "local:2", "--workers", "2")
    assert "--workers is for an ingest on this machine" in one_line_error(done, ExitStatus.USAGE)


def test_ctrl_c_during_a_cluster_ingest_ends_at_once(corpus: Path, tmp_path: Path) -> None:
    import psutil

    db = tmp_path / "index.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "kyrgyz_ru", "ingest", str(corpus), "--db", str(db),
         "--cluster", "local:2", "--batch-size", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while _documents(db) == 0:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no document was written in two minutes"
        time.sleep(0.2)
    children = psutil.Process(process.pid).children(recursive=True)
    assert len(children) >= 2  # the two workers (and multiprocessing's resource tracker)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C on a terminal: the whole process group
    started = time.monotonic()
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("krq did not end within 20 s of Ctrl-C")
    assert time.monotonic() - started < 10
    assert process.returncode == ExitStatus.INTERRUPTED
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("krq: interrupted: "), err
    _, alive = psutil.wait_procs(children, timeout=5)
    assert alive == [], f"left running: {alive}"
    with contextlib.closing(sqlite3.connect(db)) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orphans = con.execute(
            "SELECT count(*) FROM mentions WHERE doc NOT IN (SELECT key FROM documents)"
        ).fetchone()[0]
    assert orphans == 0 and 0 < _documents(db) < DOCUMENTS


def _documents(db: Path) -> int:
    try:
        with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as con:
            return int(con.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_local_ingests_and_queries_never_import_dask(tmp_path: Path) -> None:
    db = tmp_path / "plain.db"
    code = (
        "import sys\nfrom kyrgyz_ru.cli import main\n"
        "for args in (['ingest', sys.argv[2]], ['entities'], ['timeline'], ['topics'],"
        " ['mentions', 'Lavrov'], ['events'], ['docs'], ['export']):\n"
        "    try:\n        main([*args, '--db', sys.argv[1]])\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, (args, exc.code)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]\n"
        "sys.stderr.write(repr(bad))\nsys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(db), str(SEEDS)],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-800:]


def test_when_every_batch_fails_the_status_is_skipped_documents(
    krq: Runner, cluster: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i, seed in enumerate(sorted(SEEDS.glob("*.txt"))[:3]):
        text = seed.read_text(encoding="utf-8") + f"\n\n{POISON}\n"
        (folder / f"p{i}.txt").write_text(text, encoding="utf-8")
    cluster.run(_poison)
    try:
        done = krq("ingest", folder, "--db", tmp_path / "index.db", "--batch-size", "2",
                   "--cluster", cluster.scheduler.address)  # fmt: skip
    finally:
        cluster.run(_cure)
    # The files are good: a cluster that cannot extract them is no bad input (status 4).
    assert done.status == ExitStatus.PARTIAL, done.err
    assert "0 added, 0 updated, 0 unchanged, 3 skipped" in done.err
