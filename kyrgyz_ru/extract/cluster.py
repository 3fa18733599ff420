"""Ingest on a Dask cluster: the client reads and writes, workers run the model and extraction.

Imported only by an ingest with a cluster address (`--cluster`, $KRQ_CLUSTER): it is the one
module that imports dask. The client reads every file once (extract.ingest._Reader, so ids,
content-hash skips and reprints are decided in one place), sends documents in batches and
hands back `Extracted` records as batches complete; extract.ingest writes them exactly as a
local ingest does. Each worker loads the spaCy pipeline once, in a worker plugin that the
scheduler also gives to workers that join (or are restarted) later.

With `--shared-path` the client sends paths instead: workers read the files themselves from
storage every node sees (decoding, formats, language, reprint signatures), skip the documents
whose text hashes as the one indexed from the same place, and extract the rest. The client
still decides ids, unchanged documents and reprints, in file order as a local ingest does, from
what the workers read.

Faults: a batch whose worker is lost is re-run elsewhere by the scheduler (up to
`distributed.scheduler.allowed-failures` lost workers); one that raises is retried RETRIES
times, then its documents are skipped by name, never written in part. A worker with another
krq version is refused before any work, and again by each task (for workers that join later).
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import itertools
import logging
import multiprocessing
import os
import time
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import dask
from distributed import Client, Future, LocalCluster, as_completed, get_worker
from distributed.diagnostics.plugin import WorkerPlugin
from distributed.scheduler import KilledWorker

from kyrgyz_ru.errors import ExitStatus, KrqError
from kyrgyz_ru.extract.formats import Skip
from kyrgyz_ru.records import Document, Extracted

if TYPE_CHECKING:
    from distributed import Worker
    from spacy.language import Language

    from kyrgyz_ru.extract.ingest import IngestOptions, _Reader
    from kyrgyz_ru.extract.knowledge import KnowledgeBase
    from kyrgyz_ru.extract.lexicon import Lexicon
    from kyrgyz_ru.extract.topics import Taxonomy

T = TypeVar("T")  # a batch sent to the workers
R = TypeVar("R")  # one record a worker returns for it

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
# With --shared-path results are placed in the files' order: completed batches held back
# behind a slower earlier one, with those in flight, stay under this many windows.
HELD_BACK = 3
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
class Indexed:
    """A document indexed before from a file: a worker that finds the same text there again
    leaves it unextracted."""

    record: str | None  # the record of an export; None for a whole file
    id: str
    sha256: str


@dataclass(frozen=True)
class SharedFile:
    """A file a worker reads itself (--shared-path)."""

    path: str  # absolute: the same path on every node
    shown: str  # as the user named it: messages say this, as a local ingest's do
    indexed: tuple[Indexed, ...]


@dataclass(frozen=True)
class FileBatch:
    """Files sent to a worker together: read and extracted there, placed and written here."""

    number: int
    files: tuple[SharedFile, ...]
    date: str | None
    fields: tuple[tuple[str, str], ...]
    version: str
    plugin: str
    spacy_batch: int
    language: str | None = None  # --lang: every file's language, else detected per document


@dataclass(frozen=True)
class ReadDocument:
    """A document a worker read: extracted, or why not. `document` keeps the id read (the
    client decides the final one) and leaves out the text, which comes back once, in
    `extracted`, and only for a document extracted."""

    document: Document
    notes: tuple[str, ...]  # what reading it assumed (an encoding), reported once it is placed
    extracted: Extracted | None = None  # None: unchanged since indexed there, or `unread`
    unread: str | None = None  # why krq has no pipeline for its language


@dataclass(frozen=True)
class ReadFile:
    file: SharedFile
    items: tuple[ReadDocument | Skip, ...]  # in the file's order
    error: str | None = None  # why the file (from this point) could not be read


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

        _heap_for_large_blocks()
        self.nlp = load_pipeline(self.model, self.knowledge)
        self.lexicon = lexicon()

    def teardown(self, worker: Worker) -> None:  # noqa: ARG002 - the interface passes it
        self.nlp = None  # the model is a few hundred MB: a worker that stays up frees it


# glibc's mallopt parameter, and the largest value it takes on 64-bit systems (32 MiB).
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20


def _heap_for_large_blocks() -> None:
    """Let glibc serve large blocks (spaCy's arrays) from the heap again, as it does in a plain
    process. A Dask nanny starts workers with MALLOC_TRIM_THRESHOLD_ set, which also freezes
    the mmap threshold at 128 KiB: every larger array is then an mmap and munmap with fresh
    pages, and extraction took 48 ms of CPU a document instead of 39 (measured on the bench
    corpus, same process otherwise). Trimming, which Dask wants for its memory figures, is
    left as it is. Nothing is done on a worker started without that setting, or without
    glibc (the dynamic threshold is then still in force)."""
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (macOS, Windows)
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def extract_batch(batch: Batch) -> list[Extracted]:
    """On a worker: everything extract_document finds in each document of the batch, but the
    document itself: the client sent it and puts it back (_results). Its text was about 40%
    of a record's pickled bytes, pickled here and unpickled on the client for nothing."""
    records = _extract_here(batch.documents, batch.version, batch.plugin, batch.spacy_batch)
    return [replace(r, document=replace(r.document, text="")) for r in records]


def _extract_here(
    documents: Sequence[Document], version: str, plugin_name: str, spacy_batch: int
) -> list[Extracted]:
    from kyrgyz_ru.extract.ingest import extract_document
    from kyrgyz_ru.extract.pipeline import analyse

    mine = krq_version()
    if mine != version:
        raise VersionMismatch(_mismatch(get_worker().address, mine, version))
    plugin = get_worker().plugins.get(plugin_name)
    if not isinstance(plugin, KrqPipeline) or plugin.nlp is None or plugin.lexicon is None:
        raise ClusterError(f"the krq pipeline is not loaded on worker {get_worker().address}")
    return [
        extract_document(analysis, plugin.knowledge, plugin.lexicon, plugin.taxonomy)
        for analysis in analyse(documents, plugin.nlp, spacy_batch, 1)
    ]


def read_batch(batch: FileBatch) -> list[ReadFile]:
    """On a worker (--shared-path): read the batch's files as the client's reader would, and
    extract every document that is new or changed since indexed from the same place.

    Hashes are taken here, not on the client. A document's hash is over its decoded text
    (for a web page, the text trafilatura finds; for an export, each record's), so a client
    that hashed would read and parse every file itself, all of it crossing from the shared
    storage a second time. Measured on the bench corpus (1,000 plain-text files, warm cache):
    reading, decoding and hashing 19,000 documents a second, the language check 4,100 and
    reprint signatures 2,800; whole-file hashes of the raw bytes would not match the index.
    So the client sends, with each path, the hashes it indexed from there: a worker leaves
    those documents unextracted, as a local ingest does, and the client still compares each
    hash with the index when it places the document (a file moved to another folder is
    extracted here, then counted unchanged there and not written)."""
    from kyrgyz_ru.extract import corpus, formats, language, reprints

    catalogs: dict[Path, dict[str, corpus.CatalogEntry]] = {}
    fields = dict(batch.fields)
    read: list[tuple[SharedFile, list[ReadDocument | Skip], str | None]] = []
    wanted: list[Document] = []  # to extract, under the id they were indexed with, if any
    slots: list[tuple[int, int]] = []  # where each of them is: (file, item)
    for file in batch.files:
        path = Path(file.path)
        indexed = {i.record: i for i in file.indexed}
        items: list[ReadDocument | Skip] = []
        notes: list[str] = []
        error = None
        try:
            if path.parent not in catalogs:
                catalogs[path.parent] = corpus.read_catalog(path.parent)
            for item in formats.read_articles(
                path, catalogs[path.parent], batch.date, notes, fields
            ):
                if isinstance(item, formats.Skip):
                    items.append(item)
                    continue
                said = tuple(notes)
                notes.clear()
                before = indexed.get(item.record)
                textless = replace(item, text="")
                if before is not None and before.sha256 == item.sha256:
                    items.append(ReadDocument(textless, said))
                    continue
                # Kyrgyz and others: no pipeline.
                document, unread = language.admit(item, batch.language)
                if unread:
                    items.append(ReadDocument(textless, said, unread=unread))
                    continue
                signature = reprints.signature(document.text)
                wanted.append(
                    replace(
                        document, id=before.id if before else document.id,
                        signature=signature.values, bands=tuple(signature.bands()),
                    )
                )  # fmt: skip
                slots.append((len(read), len(items)))
                items.append(ReadDocument(textless, said))
        except KrqError as exc:
            error = str(exc)
        read.append((file, items, error))
    extracted = _extract_here(wanted, batch.version, batch.plugin, batch.spacy_batch)
    for (number, position), record in zip(slots, extracted, strict=True):
        slot = read[number][1][position]
        if isinstance(slot, ReadDocument):  # always: slots name documents only
            read[number][1][position] = replace(slot, extracted=record)
    return [ReadFile(file, tuple(items), error) for file, items, error in read]


def extract_on_cluster(
    address: str,
    documents: Iterator[Document],
    reader: _Reader,
    knowledge: KnowledgeBase,
    taxonomy: Taxonomy,
) -> Generator[Extracted, None, None]:
    """Extraction records of `documents` (with --shared-path: of the reader's files, read by
    the workers) as their batches complete on the cluster. The caller closes the generator
    when it stops early (Ctrl-C): the batches still out are cancelled."""
    options = reader.options
    with _connected(address) as client:
        _check_versions(client)
        name = f"krq-pipeline-{uuid.uuid4().hex[:12]}"
        client.register_plugin(KrqPipeline(options.model, knowledge, taxonomy), name=name)
        try:
            if options.shared_path:
                yield from _shared_results(client, reader, name)
            else:
                yield from _results(client, documents, options, name, reader)
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
    # Dask's sampling profiler wakes every 10 ms in each worker to walk the running thread's
    # stack: about 2.5% of a worker's CPU here, for a dashboard nobody sees. A nanny passes
    # this to the workers it starts (and restarts), so it holds for the whole run.
    with dask.config.set({"distributed.worker.profile.enabled": False}):
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
    # Every result is in: the workers have nothing to finish, and a graceful close (the
    # scheduler asks each to stop, each nanny waits for its process) took about 0.2 s.
    _stop_now(cluster, before, looks=1)  # none is spawning now: one look
    with suppress(Exception):  # a slow shutdown of what is left is no failure
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


def _stop_now(cluster: LocalCluster | None, before: set[int | None], looks: int = 3) -> None:
    """Stop a LocalCluster's worker processes at once (Ctrl-C, an error, or the work done): a
    graceful close waits for the batch each worker is running, and its nannies would restart
    killed ones."""
    if cluster is not None:
        for nanny in list(cluster.workers.values()):
            with suppress(Exception):
                nanny.close_gracefully()  # a worker that exits now is not restarted
    for look in range(looks):  # one may have been spawning: look again after a moment
        if look:
            time.sleep(0.05)
        for child in multiprocessing.active_children():
            if child.pid not in before:
                child.kill()


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
    reader: _Reader,
) -> Iterator[Extracted]:
    version = krq_version()
    batches = (
        Batch(number, tuple(chunk), version, plugin, options.batch_size)
        for number, chunk in enumerate(_chunks(documents, options.batch_size))
    )
    for batch, future in _completed(client, extract_batch, batches, ordered=False):
        if future.status == "finished":
            extracted = future.result()
            future.release()
            for record, document in zip(extracted, batch.documents, strict=True):
                yield replace(record, document=document)
            continue
        problem = _failure(future)
        future.release()
        for document in batch.documents:
            _unextracted(reader, reader.where(document), problem)


def _shared_results(client: Client, reader: _Reader, plugin: str) -> Iterator[Extracted]:
    """--shared-path: workers read the files; here each document read is placed (its id,
    unchanged or not, reprint or not) in the files' order, as a local ingest places it."""
    options = reader.options
    indexed: dict[str, list[Indexed]] = {}
    for (path, record), doc in reader.by_locator.items():
        indexed.setdefault(path, []).append(Indexed(record, doc, reader.stored[doc][0]))
    files = (
        SharedFile(os.path.abspath(path), str(path), tuple(indexed.get(os.path.abspath(path), ())))
        for path in reader.files
    )
    version = krq_version()
    batches = (
        FileBatch(number, tuple(chunk), options.date, options.fields, version, plugin,
                  options.batch_size, options.language)
        for number, chunk in enumerate(_chunks(files, options.batch_size))
    )  # fmt: skip
    taken: dict[str, tuple[str, str | None, str]] = {}
    # In order: which of two files keeps an id, and which copy of a story is the first,
    # depend on the order files are read, as in a local ingest.
    for batch, future in _completed(client, read_batch, batches, ordered=True):
        if future.status == "finished":
            read = future.result()
            future.release()
            for one in read:
                yield from _place(reader, taken, one)
            continue
        problem = _failure(future)
        future.release()
        for file in batch.files:
            _unextracted(reader, file.shown, problem)


def _place(
    reader: _Reader, taken: dict[str, tuple[str, str | None, str]], read: ReadFile
) -> Iterator[Extracted]:
    """The documents a worker read from one file, placed as extract.ingest._Reader places
    those it reads: skips and notes reported the same way, in the same order."""
    from kyrgyz_ru.extract.reprints import Signature

    report = reader.report
    for count, item in enumerate(read.items, 1):
        if count > 1:
            reader.total += 1  # a file of records: its records are known now
        if isinstance(item, Skip):
            report.skipped.append((item.where, item.why))
            continue
        notes = list(item.notes)
        placed = reader.place(item.document, taken, notes)
        report.notes.extend((read.file.shown, note) for note in notes)
        if placed is None:
            continue
        if item.unread is not None:
            report.skipped.append((reader.where(placed), item.unread))
            continue
        if item.extracted is None:
            # A worker leaves a document unextracted only when its hash is the one indexed
            # under the same id, which place() then counts unchanged.
            raise ClusterError(f"a worker left {placed.id} unextracted, though it changed")
        if placed.id in reader.stored:
            reader.replaced.add(placed.id)
        document = replace(item.extracted.document, id=placed.id)
        marked = reader.mark_reprint(document, Signature(document.signature))
        yield _renamed(item.extracted, marked)
    if read.error is not None:
        file = read.file
        report.skipped.append((file.shown, read.error.replace(file.path, file.shown)))


def _renamed(extracted: Extracted, document: Document) -> Extracted:
    """The records of a document under the id the client gave it (its mentions and events
    name it; nothing else extracted depends on the id)."""
    old = extracted.document.id
    if document.id == old:
        return replace(extracted, document=document)
    mentions = [replace(m, doc=document.id) for m in extracted.mentions]
    events = [replace(e, doc=document.id) for e in extracted.events]
    return replace(extracted, document=document, mentions=mentions, events=events)


def _unextracted(reader: _Reader, where: str, problem: str) -> None:
    reader.report.skipped.append((where, f"not extracted: {problem}"))
    reader.report.unextracted += 1


def _completed(
    client: Client, function: Callable[[T], list[R]], batches: Iterator[T], ordered: bool
) -> Iterator[tuple[T, Future[list[R]]]]:
    """Each batch with its future, as batches complete (`ordered`: in the order submitted),
    keeping IN_FLIGHT_PER_WORKER batches a worker running. The caller takes the result or
    the failure and releases the future; batches still out when it stops are cancelled."""
    run = uuid.uuid4().hex[:12]
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    window = IN_FLIGHT_PER_WORKER * workers
    pending: dict[Future[list[R]], tuple[int, T]] = {}
    ready: dict[int, tuple[T, Future[list[R]]]] = {}  # completed, waiting for an earlier one
    done = as_completed()
    numbers = itertools.count()

    def fill() -> None:
        # Results held back for order count too: memory stays bounded behind a slow batch.
        while len(pending) < window and len(pending) + len(ready) < HELD_BACK * window:
            batch = next(batches, None)
            if batch is None:
                return
            number = next(numbers)
            future: Future[list[R]] = client.submit(
                function, batch, key=f"krq-{run}-{number}", retries=RETRIES, pure=False
            )
            pending[future] = (number, batch)
            done.add(future)

    fill()
    expected = 0
    try:
        for future in done:
            number, batch = pending.pop(future)
            fill()  # before the writer takes its turn: workers stay busy meanwhile
            if not ordered:
                yield batch, future
                continue
            ready[number] = (batch, future)
            while expected in ready:
                yield ready.pop(expected)
                expected += 1
                fill()
    finally:
        if pending:  # stopped early (Ctrl-C, a fatal error): nothing more is wanted
            with suppress(Exception):
                client.cancel(list(pending), force=True)


def _failure(future: Future[list[R]]) -> str:
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


def _chunks(items: Iterator[T], size: int) -> Iterator[list[T]]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def _first_line(exc: BaseException | None) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
