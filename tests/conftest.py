"""Shared fixtures: the real model runs once on the real seeds for the whole session."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kyrgyz_ru.cli import main
from kyrgyz_ru.extract import pipeline
from kyrgyz_ru.extract.knowledge import extra_knowledge_files, load_knowledge
from kyrgyz_ru.extract.topics import Taxonomy, load_taxonomy

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"


@dataclass
class Result:
    status: int
    out: str
    err: str


Runner = Callable[..., Result]


@pytest.fixture
def krq(capsys: pytest.CaptureFixture[str]) -> Runner:
    """Run the krq command line in-process, as a user would, and capture what it printed."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            status = 0
        except SystemExit as exc:
            status = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def seeds_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the five bundled articles, built once with the default model."""
    path = tmp_path_factory.mktemp("index") / "seeds.db"
    try:
        main(["ingest", "--db", str(path), str(SEEDS)])
    except SystemExit as exc:
        assert not exc.code, f"building the seeds index failed with status {exc.code}"
    return path


@pytest.fixture
def fresh_db(seeds_db: Path, tmp_path: Path) -> Path:
    """A private copy of the seeds index for tests that change it."""
    target = tmp_path / "copy.db"
    with sqlite3.connect(seeds_db) as source, sqlite3.connect(target) as dest:
        source.backup(dest)
    return target


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # No test may touch the user's real cache or inherit their settings.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("KRQ_DB", "KRQ_MODEL", "KRQ_KNOWLEDGE", "KRQ_DEBUG", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


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


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A Dask LocalCluster for a module's cluster tests: two worker processes of one thread,
    as `dask worker --nthreads 1` would run them."""
    distributed = pytest.importorskip("distributed")
    local = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
        scheduler_kwargs={"dashboard": False}, silence_logs=logging.CRITICAL,
    )  # fmt: skip
    client = distributed.Client(local)
    yield client
    client.close()
    local.close()
