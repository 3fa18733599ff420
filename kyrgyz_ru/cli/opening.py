"""Opening the index for a command (built from the bundled articles on first use), and running
an ingest with a progress bar on stderr."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kyrgyz_ru.cli.console import err
from kyrgyz_ru.store.index import Index, default_path

if TYPE_CHECKING:
    from kyrgyz_ru.extract.ingest import IngestOptions, IngestReport


def open_index(db: Path | None, model: str | None = None) -> Index:
    """The index for a query; built from the bundled articles the first time."""
    path = db or default_path()
    new_folder = not path.parent.exists()
    index = Index.open(path)
    if new_folder:
        err.print(f"krq: created the folder {path.parent} for the index", markup=False)
    if index.document_count() == 0 and index.meta("stale") is None:
        from kyrgyz_ru.extract.corpus import bundled_seeds
        from kyrgyz_ru.extract.ingest import IngestOptions
        from kyrgyz_ru.extract.pipeline import model_name
        from kyrgyz_ru.store.lock import ingest_lock

        err.print(f"krq: building the index at {path} from the bundled articles…")
        with ingest_lock(path):
            run_ingest(index, [bundled_seeds()], IngestOptions(model=model_name(model)))
    return index


def run_ingest(index: Index, paths: Sequence[Path], options: IngestOptions) -> IngestReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from kyrgyz_ru.extract.ingest import ingest

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("extracting", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return ingest(index, paths, options, progress)
