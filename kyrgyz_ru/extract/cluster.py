"""Ingest on a Dask cluster: the client reads and writes, workers run the model and extraction.

Imported only by an ingest with a cluster address (`--cluster`, $KRQ_CLUSTER): it is the one
module that imports dask. The client reads every file once (extract.ingest._Reader, so ids,
content-hash skips and reprints are decided in one place), sends documents in batches and
hands back `Extracted` records as batches complete; extract.ingest writes them exactly as a
local ingest does. Each worker loads the spaCy pipeline once, in a worker plugin that the
scheduler also gives to workers that join (or are restarted) later.

Faults: a batch whose worker is lost is re-run elsewhere by the scheduler (up to
`distributed.scheduler.allowed-failures` lost workers); one that raises is retried RETRIES
times, then its documents are skipped by name, never written in part. A worker with another
krq version is refused before any work, and again by each task (for workers that join later).
"""

from __future__ import annotations

import importlib.metadata
import itertools
import logging
import multiprocessing
import os
import time
import uuid
from collections.abc import Generator, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from distributed import Client, Future, LocalCluster, as_completed, get_worker
from distributed.diagnostics.plugin import WorkerPlugin
from distributed.scheduler import KilledWorker

from kyrgyz_ru.errors import ExitStatus, KrqError
from kyrgyz_ru.records import Document, Extracted

if TYPE_CHECKING:
    from distributed import Worker
    from spacy.language import Language

    from kyrgyz_ru.extract.ingest import IngestOptions, IngestReport
    from kyrgyz_ru.extract.knowledge import KnowledgeBase
    from kyrgyz_ru.extract.lexicon import Lexicon
    from kyrgyz_ru.extract.topics import Taxonomy

LOCAL = "local:"
WARNINGS = "PYTHONWARNINGS"
# A scheduler that does not answer within this time is taken as unreachable.
CONNECT_SECONDS = 5.0
# Runs of a batch that raised, after the first, before its documents are skipped. A lost
# worker is not counted here: the scheduler re-runs its tasks (allowed-failures).
RETRIES = 2
# Batches in flight per worker: enough that a worker never waits for the client to send the
# next one, few enough that the documents read ahead stay a small part of memory.
IN_FLIGHT_PER_WORKER = 3
# distributed logs worker deaths, restarts and shutdown to stderr, and asyncio the replies
# that a stopped cluster never sent; krq reports in one line.
_QUIET = ("distributed", "tornado", "bokeh", "asyncio")


class ClusterError(KrqError):
    """The cluster cannot be used: unreachable, lost, or running another krq version. The
    index is not at fault, but like a locked index the run cannot go on (status 5)."""

    status = ExitStatus.INDEX


class VersionMismatch(ClusterError):
    """Raised by a task on a worker whose krq differs from the client's."""


@dataclass(frozen=True)
class Batch:
    """Documents sent to a worker together: extracted there, written here in one transaction."""

    number: int
    documents: tuple[Document, ...]
    version: str  # the client's krq: a worker with another refuses the batch
    plugin: str  # the name of this run's pipeline plugin on the workers
    spacy_batch: int


@dataclass(frozen=True)
class WorkerVersion:
    address: str
    version: str | None  # None: krq is not installed there
    problem: str = ""


def krq_version() -> str:
    """The installed krq's version: what a client and its workers must share."""
    return importlib.metadata.version("kyrgyz_ru")


class KrqPipeline(WorkerPlugin):
    """Loads the pipeline once per worker; tasks of the same run find it by the plugin's name."""

    def __init__(self, model: str, knowledge: KnowledgeBase, taxonomy: Taxonomy) -> None:
        self.model = model
        self.knowledge = knowledge
        self.taxonomy = taxonomy
        self.nlp: Language | None = None
        self.lexicon: Lexicon | None = None

    def setup(self, worker: Worker) -> None:  # noqa: ARG002 - the interface passes it
        from kyrgyz_ru.extract.lexicon import lexicon
        from kyrgyz_ru.extract.pipeline import load_pipeline

        self.nlp = load_pipeline(self.model, self.knowledge)
        self.lexicon = lexicon()

    def teardown(self, worker: Worker) -> None:  # noqa: ARG002 - the interface passes it
        self.nlp = None  # the model is a few hundred MB: a worker that stays up frees it


def extract_batch(batch: Batch) -> list[Extracted]:
    """On a worker: everything extract_document finds in each document of the batch."""
    from kyrgyz_ru.extract.ingest import extract_document
    from kyrgyz_ru.extract.pipeline import analyse

    mine = krq_version()
    if mine != batch.version:
        raise VersionMismatch(_mismatch(get_worker().address, mine, batch.version))
    plugin = get_worker().plugins.get(batch.plugin)
    if not isinstance(plugin, KrqPipeline) or plugin.nlp is None or plugin.lexicon is None:
        raise ClusterError(f"the krq pipeline is not loaded on worker {get_worker().address}")
    return [
        extract_document(analysis, plugin.knowledge, plugin.lexicon, plugin.taxonomy)
        for analysis in analyse(batch.documents, plugin.nlp, batch.spacy_batch, 1)
    ]


def extract_on_cluster(
    address: str,
    documents: Iterator[Document],
    options: IngestOptions,
    knowledge: KnowledgeBase,
    taxonomy: Taxonomy,
    report: IngestReport,
) -> Generator[Extracted, None, None]:
    """Extraction records of `documents` as their batches complete on the cluster. The caller
    closes the generator when it stops early (Ctrl-C): the batches still out are cancelled."""
    with _connected(address) as client:
        _check_versions(client)
        name = f"krq-pipeline-{uuid.uuid4().hex[:12]}"
        client.register_plugin(KrqPipeline(options.model, knowledge, taxonomy), name=name)
        try:
            yield from _results(client, documents, options, name, report)
        finally:
            # Workers of a shared cluster stay up: free the model they hold for this run. A
            # LocalCluster goes with the client, and a scheduler already gone has nothing.
            if not address.startswith(LOCAL):
                with suppress(Exception):
                    client.unregister_worker_plugin(name)


@contextmanager
def _connected(address: str) -> Iterator[Client]:
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if not address.startswith(LOCAL):
        with _client(address, address) as client:
            yield client
        return
    # Workers stopped at Ctrl-C leave their queues' semaphores to multiprocessing's resource
    # tracker (started with the cluster, inheriting this environment), which warns at exit.
    quiet = "ignore::UserWarning:multiprocessing.resource_tracker"
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, (os.environ.get(WARNINGS), quiet)))
    before = {child.pid for child in multiprocessing.active_children()}
    cluster: LocalCluster | None = None
    try:
        cluster = LocalCluster(
            n_workers=int(address[len(LOCAL) :]),
            threads_per_worker=1,  # spaCy holds the GIL: one thread a process
            processes=True,
            # The scheduler serves HTTP whatever this says; a free port, not 8787, so that
            # two ingests at once do not clash (and warn).
            dashboard_address=":0",
            scheduler_kwargs={"dashboard": False},
            silence_logs=logging.CRITICAL,
        )
        with _client(cluster, address) as client:
            yield client
    except BaseException:
        _stop_now(cluster, before)
        raise
    with suppress(Exception):  # the work is done and written: a slow shutdown is no failure
        cluster.close(timeout=CONNECT_SECONDS)


@contextmanager
def _client(target: str | LocalCluster, address: str) -> Iterator[Client]:
    try:
        client = Client(target, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError) as exc:
        # distributed retries until the timeout, then says only that: the cause says why.
        cause: BaseException | None = exc
        while cause is not None and not (isinstance(cause, OSError) and cause.strerror):
            cause = cause.__cause__
        why = (
            f" ({cause.strerror.lower()})" if isinstance(cause, OSError) and cause.strerror else ""
        )
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} within {CONNECT_SECONDS:.0f} s"
            f"{why}; is `dask scheduler` running there?"
        ) from None
    except ValueError as exc:  # an address distributed cannot parse
        raise ClusterError(f"not a Dask scheduler address: '{address}' ({exc})") from None
    try:
        yield client
    except BaseException:
        with suppress(Exception):  # a scheduler gone or stopping cannot say goodbye
            client.close(timeout=1)
        raise
    with suppress(Exception):
        client.close(timeout=CONNECT_SECONDS)


def _stop_now(cluster: LocalCluster | None, before: set[int | None]) -> None:
    """Stop a LocalCluster's worker processes at once (Ctrl-C, an error): a graceful close
    waits for the batch each worker is running, and its nannies would restart killed ones."""
    if cluster is not None:
        for nanny in list(cluster.workers.values()):
            with suppress(Exception):
                nanny.close_gracefully()  # a worker that exits now is not restarted
    for _ in range(3):  # one may have been spawning: look again after a moment
        for child in multiprocessing.active_children():
            if child.pid not in before:
                child.kill()
        time.sleep(0.05)


def _check_versions(client: Client) -> None:
    """Refuse a cluster with a worker whose krq is missing or of another version."""
    mine = krq_version()
    found = client.run(importlib.metadata.version, "kyrgyz_ru", on_error="return")
    versions = [
        WorkerVersion(address, value)
        if isinstance(value, str)
        else WorkerVersion(address, None, _first_line(value))
        for address, value in sorted(found.items())
    ]
    if not versions:
        raise ClusterError("the Dask cluster has no workers; start one with `dask worker`")
    for worker in versions:
        if worker.version is None:
            raise ClusterError(
                f"krq is not installed on worker {worker.address} ({worker.problem}); "
                f"install krq {mine} there"
            )
        if worker.version != mine:
            raise ClusterError(_mismatch(worker.address, worker.version, mine))


def _mismatch(worker: str, theirs: str, mine: str) -> str:
    return (
        f"worker {worker} runs krq {theirs} but this client runs krq {mine}; "
        "install the same version on every node"
    )


def _results(
    client: Client,
    documents: Iterator[Document],
    options: IngestOptions,
    plugin: str,
    report: IngestReport,
) -> Iterator[Extracted]:
    version = krq_version()
    batches = (
        Batch(number, tuple(chunk), version, plugin, options.batch_size)
        for number, chunk in enumerate(_chunks(documents, options.batch_size))
    )
    run = uuid.uuid4().hex[:12]
    pending: dict[Future[list[Extracted]], Batch] = {}
    done = as_completed()

    def submit() -> bool:
        batch = next(batches, None)
        if batch is None:
            return False
        future: Future[list[Extracted]] = client.submit(
            extract_batch, batch, key=f"krq-{run}-{batch.number}", retries=RETRIES, pure=False
        )
        pending[future] = batch
        done.add(future)
        return True

    workers = max(1, len(client.scheduler_info().get("workers", {})))
    for _ in range(IN_FLIGHT_PER_WORKER * workers):
        if not submit():
            break
    try:
        for future in done:
            batch = pending.pop(future)
            if future.status == "finished":
                extracted = future.result()
                future.release()
                submit()  # before the writer takes its turn: workers stay busy meanwhile
                yield from extracted
                continue
            problem = _failure(future)
            future.release()
            submit()
            for document in batch.documents:
                where = (
                    document.path if document.line is None else f"{document.path}:{document.line}"
                )
                report.skipped.append((where, f"not extracted: {problem}"))
    finally:
        if pending:  # stopped early (Ctrl-C, a fatal error): nothing more is wanted
            with suppress(Exception):
                client.cancel(list(pending), force=True)


def _failure(future: Future[list[Extracted]]) -> str:
    """Why a batch failed for good, as a reason to skip its documents; a failure that no
    retry can mend (another krq, a lost scheduler) stops the ingest instead."""
    if future.status == "cancelled":
        raise ClusterError("the Dask scheduler went away; the same ingest again completes it")
    exc = future.exception()
    if isinstance(exc, ClusterError):
        raise ClusterError(str(exc)) from None
    if isinstance(exc, KilledWorker):
        return "its batch stopped the worker running it each time (out of memory?)"
    return f"its batch failed {RETRIES + 1} times on the cluster: {_first_line(exc)}"


def _chunks(documents: Iterator[Document], size: int) -> Iterator[list[Document]]:
    while chunk := list(itertools.islice(documents, size)):
        yield chunk


def _first_line(exc: BaseException | None) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
