"""The index survives interruption and shares: kill -9 at random moments, two ingests at
once, queries during an ingest, and a disk that fills during one (issue 7). Most are
marked slow."""

from __future__ import annotations

import contextlib
import json
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kyrgyz_ru.errors import ExitStatus
from kyrgyz_ru.store.index import Index

from .conftest import ROOT, Runner
from .helpers import (
    copy_index,
    tmpfs,
    write_corpus,
)

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
    (key,) = db.execute("SELECT key FROM documents WHERE id = ?", (doc,)).fetchone()
    return (
        db.execute(
            "SELECT idx, start, end, phrases FROM paragraphs WHERE doc = ? ORDER BY idx", (key,)
        ).fetchall(),
        db.execute(
            "SELECT start, end, label, text, name, name_reason, value, sent_start, sent_end,"
            " paragraph FROM mentions WHERE doc = ? ORDER BY start, end, label",
            (key,),
        ).fetchall(),
        db.execute(
            "SELECT paragraph, topic, score, terms FROM topics WHERE doc = ?"
            " ORDER BY paragraph, topic",
            (key,),
        ).fetchall(),
        db.execute(
            "SELECT long, short FROM acronyms WHERE doc = ? ORDER BY long, short", (doc,)
        ).fetchall(),
    )


def linked_state(db: sqlite3.Connection) -> Signature:
    """What linking made of all the documents: entities, names, aliases and each link. Entities
    by their text id: their integer keys (schema 11) depend on the order names were linked in."""
    return (
        db.execute(
            "SELECT id, label, name, kb, wikidata, description, mentions, docs FROM entities"
            " ORDER BY id"
        ).fetchall(),
        db.execute("SELECT * FROM names ORDER BY label, name").fetchall(),
        db.execute("SELECT * FROM aliases ORDER BY entity, alias").fetchall(),
        db.execute(
            "SELECT d.id, m.start, m.label, e.id FROM mentions m"
            " JOIN documents d ON d.key = m.doc LEFT JOIN entities e ON e.key = m.entity"
            " ORDER BY d.id, m.start, m.label"
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
                if name == "old":
                    # Older versions of the very files of new/ (a document is its path: a
                    # file of the same name elsewhere would be another document).
                    conn.execute(
                        "UPDATE documents SET path = ? || substr(path, ?)",
                        (str(root / "new"), len(str(root / "old")) + 1),
                    )
                    conn.commit()
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
        for table in ("paragraphs", "mentions", "topics", "acronyms"):
            column = "id" if table == "acronyms" else "key"  # acronyms name it by its text id
            orphans = db.execute(
                f"SELECT count(*) FROM {table} WHERE doc NOT IN (SELECT {column} FROM documents)"
            ).fetchone()[0]  # the table and column names are constants above
            assert orphans == 0, f"{orphans} {table} rows of documents not in the index"
        assert must_have <= set(docs), f"lost: {sorted(must_have - set(docs))}"
        from kyrgyz_ru.query.documents import documents
        from kyrgyz_ru.query.entities import entities

        documents(db)  # queries answer
        entities(db)
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
    size = (lab.root / "ref-new.db").stat().st_size * 2
    # The index and its write-ahead log (every commit writes whole pages of each table and
    # index it touches) outgrow this part way through the ingest. Twice the index: the log
    # does not shrink with the index (schema 11's index is smaller; 1.5 times it filled up
    # before the first document was kept).
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
