"""Ingest on a Dask cluster with --shared-path: workers read the files themselves. On a real
LocalCluster (processes, two workers), a folder of good, odd and bad files gives the index, the
skips and the summary of a local ingest; unchanged files are skipped by their hashes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kyrgyz_ru.errors import ExitStatus
from tests.conftest import SEEDS, Runner
from tests.test_bad_input import BAD_FILES, CYRILLIC_1251, _make_bad
from tests.test_cluster import Dump, _dump

pytestmark = pytest.mark.slow
pytest.importorskip("distributed")

# Bad kinds whose reasons come from reading the file (what a worker does here).
KINDS = ("binary", "nul", "empty", "stray-bytes", "unknown-encoding", "broken-symlink", "fifo")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seeds and copies of them (reprints), a name taken twice, a legacy encoding, an export
    with a bad record, and bad files of every kind a worker reads."""
    root = tmp_path_factory.mktemp("shared") / "articles"
    root.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for i in range(12):
        text = seeds[i % len(seeds)].read_text(encoding="utf-8")
        (root / f"doc{i:02d}.txt").write_text(f"{text}\n\nCopy number {i}.\n", encoding="utf-8")
    shutil.copy(seeds[0], root / "reprint.txt")  # the same story as doc00
    (root / "sub").mkdir()
    shutil.copy(seeds[1], root / "sub" / "doc03.txt")  # doc03 is taken: its id is sub/doc03
    (root / "cp1251.txt").write_bytes(CYRILLIC_1251.encode("cp1251"))
    body = seeds[2].read_text(encoding="utf-8")
    rows = [{"id": "r1", "text": body + "\n\nRecord one."}, {"id": "r2"},
            {"id": "r3", "text": body + "\n\nRecord three."}]  # fmt: skip
    (root / "export.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    for kind in KINDS:
        _make_bad(kind, root)
    return root


def _assert_same(found: Dump, expected: Dump) -> None:
    assert found.keys() == expected.keys()
    for table in expected:
        assert found[table] == expected[table], f"table {table} differs"
    assert len(expected["mentions"]) > 500 and expected["events"] and expected["paragraphs"]


def _local(folder: Path, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kyrgyz_ru", "ingest", str(folder), "--db", str(db)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def _lines(err: str) -> list[str]:
    """What krq said, its timing and index path aside."""
    return [re.sub(r"mentions, [0-9.]+ s\); index: .*", "mentions)", line) for line in
            err.strip().splitlines()]  # fmt: skip


def test_workers_reading_the_files_give_the_index_and_summary_of_a_local_ingest(
    krq: Runner, cluster: Any, folder: Path, tmp_path: Path
) -> None:
    local_db, shared_db = tmp_path / "local.db", tmp_path / "shared.db"
    local = _local(folder, local_db)
    assert local.returncode == ExitStatus.PARTIAL, local.stderr
    address = cluster.scheduler.address
    done = krq("ingest", folder, "--db", shared_db, "--batch-size", "3", "--cluster", address,
               "--shared-path")  # fmt: skip
    assert done.status == ExitStatus.PARTIAL, done.err
    assert _lines(done.err) == _lines(local.stderr)
    for kind in KINDS:
        assert f"skipped {folder / kind}.txt: {BAD_FILES[kind]}" in done.err
    assert "read as Windows-1251 (Cyrillic), not UTF-8" in done.err
    assert "id sub/doc03 (doc03 is the id of another file)" in done.err
    assert f"skipped {folder / 'export.jsonl'}:2: record 2:" in done.err
    found, expected = _dump(shared_db), _dump(local_db)
    _assert_same(found, expected)
    copies = [row for row in found["documents"] if "reprint" in repr(row)]
    assert copies and "doc00" in repr(copies)  # the reprint names its first copy


def test_unchanged_files_are_not_extracted_again_and_a_changed_one_is(
    krq: Runner, cluster: Any, folder: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "articles"
    shutil.copytree(folder, copy, symlinks=True, ignore=shutil.ignore_patterns("fifo.txt"))
    db = tmp_path / "index.db"
    address = cluster.scheduler.address
    cluster.run(_count_extractions)
    first = krq("ingest", copy, "--db", db, "--cluster", address, "--shared-path")
    assert first.status == ExitStatus.PARTIAL, first.err
    extracted = sum(cluster.run(_count_extractions).values())
    assert extracted == 17  # every good document, once
    again = krq("ingest", copy, "--db", db, "--cluster", address, "--shared-path")
    assert "0 added, 0 updated, 17 unchanged, 7 skipped" in again.err, again.err
    assert sum(cluster.run(_count_extractions).values()) == extracted  # none again
    (copy / "doc05.txt").write_text("Sadyr Japarov met Vladimir Putin in Moscow.\n", "utf-8")
    third = krq("ingest", copy, "--db", db, "--cluster", address, "--shared-path")
    assert "0 added, 1 updated, 16 unchanged" in third.err, third.err
    assert sum(cluster.run(_count_extractions).values()) == extracted + 1
    local_db = tmp_path / "local.db"
    assert _local(copy, local_db).returncode == ExitStatus.PARTIAL
    found, expected = _dump(db), _dump(local_db)
    _assert_same(found, expected)


def _count_extractions() -> int:
    """On a worker: how many documents its pipeline has extracted (installs the counter on
    the first call)."""
    from kyrgyz_ru.extract import ingest as module

    counter: list[int] = getattr(module, "_counted", [])
    if not counter:
        original = module.extract_document
        counter.append(0)

        def counting(*args: Any) -> Any:
            counter[0] += 1
            return original(*args)

        module._counted = counter  # type: ignore[attr-defined]
        module.extract_document = counting  # type: ignore[assignment]
    return counter[0]


def test_shared_path_without_a_cluster_is_a_usage_error(krq: Runner, fresh_db: Path) -> None:
    from tests.helpers import one_line_error

    done = krq("ingest", SEEDS, "--db", fresh_db, "--shared-path")
    assert "--shared-path" in one_line_error(done, ExitStatus.USAGE)
