"""krq ingest: add articles to the index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from kyrgyz_ru.cli.console import err
from kyrgyz_ru.cli.opening import run_ingest
from kyrgyz_ru.cli.options import DbOption, ModelOption
from kyrgyz_ru.errors import ExitStatus, UsageError
from kyrgyz_ru.store.index import Index, check_replaceable, default_path, remove_index
from kyrgyz_ru.store.lock import ingest_lock


def ingest_cli(
    paths: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Argument(
            help="Article files (.txt, .html, .json/.jsonl, .csv/.tsv, .gz of these) or "
            "folders of them, searched recursively."
        ),
    ] = None,
    rebuild: Annotated[
        bool,
        typer.Option("--rebuild", help="Start a new index (with no paths: the bundled articles)."),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            max=32,
            help="Processes running spaCy (and natasha, for Russian).",
        ),
    ] = 1,
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size", min=1, max=10_000, help="Documents per batch and transaction."
        ),
    ] = 32,
    date: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--date", help="Publication date (YYYY[-MM[-DD]]) of articles without one."),
    ] = None,
    lang: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--lang",
            help="Language of the articles (en or ru) instead of detecting it per document; "
            "applies to new and changed files.",
        ),
    ] = None,
    knowledge: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option("--knowledge", "-k", help="Extra knowledge base file (JSON lines)."),
    ] = None,
    taxonomy: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--taxonomy", help="Topic taxonomy file instead of the default."),
    ] = None,
    field: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--field",
            help="Read an export's column under krq's name: NAME=COLUMN, e.g. text=body "
            "(names: id, text, title, date, url, source, language).",
        ),
    ] = None,
    cluster: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--cluster",
            envvar="KRQ_CLUSTER",
            help="Run extraction on a Dask cluster: its scheduler (tcp://HOST:8786), or "
            "local:N for N processes on this machine; the index is written here.",
        ),
    ] = None,
    shared_path: Annotated[
        bool,
        typer.Option(
            "--shared-path",
            help="With --cluster: the workers read the files themselves, from storage every "
            "node sees at the same path; the client sends paths, not texts.",
        ),
    ] = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """Add articles to the index; unchanged ones are skipped, changed ones replaced."""
    from kyrgyz_ru.extract.corpus import bundled_seeds
    from kyrgyz_ru.extract.ingest import IngestOptions
    from kyrgyz_ru.extract.language import check_language
    from kyrgyz_ru.extract.pipeline import model_name
    from kyrgyz_ru.query.selection import check_date

    check_date(date, "--date")
    language = check_language(lang)
    fields = _fields(field or [])
    cluster = _cluster(cluster, workers)
    if shared_path and cluster is None:
        raise UsageError("--shared-path needs --cluster (or KRQ_CLUSTER): workers read the files")
    path = db or default_path()
    if rebuild:
        check_replaceable(path)  # before any work: nothing but a krq index is ever deleted
    else:
        # Not a krq index: refused before a lock file is made. A new one is born "stale": a
        # query meanwhile must not take it for an empty index to fill with the seeds.
        Index.open(path, new_meta={"stale": "1"}).close()
    targets = list(paths or []) or [bundled_seeds()]
    options = IngestOptions(
        model=model_name(model),
        workers=workers,
        batch_size=batch_size,
        date=date,
        language=language,
        knowledge_files=tuple(knowledge or ()),
        taxonomy=taxonomy,
        fields=fields,
        cluster=cluster,
        shared_path=shared_path,
    )
    with ingest_lock(path, exclusive=rebuild, waiting=lambda: _waiting(path)):
        if rebuild:
            remove_index(path)
        # Born "stale": a query meanwhile must not take it for an empty index to fill.
        index = Index.open(path, new_meta={"stale": "1"})
        report = run_ingest(index, targets, options)
    done = len(report.added) + len(report.updated)
    err.print(
        f"krq: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped "
        f"({report.mentions} mentions, {report.seconds:.1f} s); index: {path}",
        markup=False,
    )
    for where, note in report.notes:
        err.print(f"krq: {where}: {note}", markup=False)
    _print_skipped(report.skipped)
    if report.skipped:
        # Nothing read at all is bad input; documents a cluster failed to extract are not.
        if done == 0 and not report.unchanged and not report.unextracted:
            raise typer.Exit(ExitStatus.BAD_INPUT)
        raise typer.Exit(ExitStatus.PARTIAL)


# Past this many skipped records of one file, the rest are counted, not listed.
SKIPS_SHOWN = 10


def _print_skipped(skipped: list[tuple[str, str]]) -> None:
    shown: dict[str, int] = {}
    hidden: dict[str, int] = {}
    for where, why in skipped:
        # A record is skipped as "<path>:<line>": group by its file.
        file = where.rsplit(":", 1)[0] if why.startswith("record ") else where
        if shown.get(file, 0) < SKIPS_SHOWN:
            shown[file] = shown.get(file, 0) + 1
            err.print(f"krq: skipped {where}: {why}", markup=False)
        else:
            hidden[file] = hidden.get(file, 0) + 1
    for file, count in hidden.items():
        err.print(f"krq: skipped {count} more records of {file}", markup=False)


def _fields(pairs: list[str]) -> tuple[tuple[str, str], ...]:
    from kyrgyz_ru.extract.formats.records import FIELDS

    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, column = pair.partition("=")
        name, column = name.strip().lower(), column.strip()
        if not sep or not name or not column:
            raise UsageError(f"--field takes NAME=COLUMN, e.g. text=body; got '{pair}'")
        if name not in FIELDS:
            raise UsageError(f"unknown field '{name}' in --field; use one of: {', '.join(FIELDS)}")
        found[name] = column
    return tuple(found.items())


# A LocalCluster larger than this is a typing slip, not a plan: each process loads the model.
MAX_LOCAL_WORKERS = 256


def _cluster(address: str | None, workers: int) -> str | None:
    """The cluster address as extract.cluster takes it; None (or empty) for a local ingest."""
    address = (address or "").strip()
    if not address:
        return None
    if workers != 1:
        raise UsageError(
            "--workers is for an ingest on this machine; with --cluster the cluster's workers "
            "run extraction (local:N for N processes here)"
        )
    if address.lower().startswith("local:"):
        count = address[len("local:") :]
        if not count.isdigit() or not 1 <= int(count) <= MAX_LOCAL_WORKERS:
            raise UsageError(
                f"--cluster local:N takes a number of processes from 1 to {MAX_LOCAL_WORKERS}; "
                f"got '{address}'"
            )
        return f"local:{int(count)}"
    scheme, sep, rest = address.partition("://")
    host, colon, port = (rest if sep else address).rpartition(":")
    if not colon or not host or not port.isdigit() or (sep and not scheme):
        raise UsageError(
            f"--cluster takes a scheduler address like tcp://HOST:8786, or local:N; got '{address}'"
        )
    return address if sep else f"tcp://{address}"


def _waiting(path: Path) -> None:
    err.print(f"krq: waiting for the rebuild of {path} to end…", markup=False)
