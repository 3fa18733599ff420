"""Regenerate every krq example in README.md and docs/*.md from a real run of krq.

An example is a fenced block right after a marker comment naming the krq arguments:

    <!-- krq: entities --type person --limit 5 -->
    ```
    $ krq entities --type person --limit 5
    ...what krq printed...
    ```

The script builds one index of the bundled seeds in a temporary folder
(`krq ingest --rebuild --db TMP seeds`), runs `krq ARGS --db TMP` for every marker (without
`--db` for `--help`), from the repository root, with a fixed terminal (`COLUMNS=100`,
`NO_COLOR=1`, `TERM=dumb`), and puts `$ krq ARGS` and what it wrote to stdout in the block.
Trailing spaces are dropped from every line, so that editors cannot make a block drift.
A marker may start with `COLUMNS=N` to render one block wider or narrower, and with
`EXAMPLES` to run against an index of `docs/examples/` instead (articles written for these
pages in each input format: a web page, JSON lines, CSV, gzip).

    python docs/regenerate.py           # rewrite the blocks that differ
    python docs/regenerate.py --check   # rewrite nothing; exit 1 listing each block that differs

krq runs as `python -m kyrgyz_ru` with the interpreter that runs this script.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
EXAMPLE_FILES = ROOT / "docs" / "examples"
WIDTH = 100
TERMINAL = {"NO_COLOR": "1", "TERM": "dumb"}

# A marker, an optional blank line, and the fenced block after it (any info string).
BLOCK = re.compile(
    r"<!-- krq: (?P<args>[^\n]*?) -->\n(?P<fence>```)(?P<info>[^\n]*)\n(?P<body>.*?)^```[ \t]*$",
    re.DOTALL | re.MULTILINE,
)
WIDTH_PREFIX = re.compile(r"COLUMNS=(\d+)\s+")
EXAMPLES_PREFIX = re.compile(r"EXAMPLES\s+")


@dataclass(frozen=True)
class Example:
    """One marked block of one file."""

    path: Path
    line: int
    args: str
    body: str
    body_start: int
    body_end: int

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def pages() -> list[Path]:
    """README.md and every Markdown page of docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def examples(path: Path, text: str) -> Iterator[Example]:
    for found in BLOCK.finditer(text):
        yield Example(
            path=path,
            line=text.count("\n", 0, found.start()) + 1,
            args=found["args"].strip(),
            body=found["body"],
            body_start=found.start("body"),
            body_end=found.end("body"),
        )


def environment(db: Path, width: int) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("FORCE_COLOR", "CLICOLOR_FORCE", "KRQ_DEBUG", "KRQ_MODEL", "KRQ_KNOWLEDGE"):
        env.pop(name, None)
    env.update(TERMINAL)
    env["COLUMNS"] = str(width)
    env["LINES"] = "50"
    env["KRQ_DB"] = str(db)  # belt and braces: the user's index is never touched
    env["XDG_CACHE_HOME"] = str(db.parent / "cache")
    return env


def krq(args: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kyrgyz_ru", *args],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=300,
    )


def build_index(db: Path, articles: Path = SEEDS) -> None:
    done = krq(["ingest", "--rebuild", "--db", str(db), str(articles)], environment(db, WIDTH))
    if done.returncode != 0:
        sys.exit(f"regenerate: building the index of {articles.name} failed:\n{done.stderr}")


def render(marker: str, db: Path) -> str:
    """The block's new content: the command line and what krq printed on stdout."""
    width, args_text = WIDTH, marker
    own = EXAMPLES_PREFIX.match(args_text)
    if own:
        args_text = args_text[own.end() :]
        db = db.with_name("examples.db")
        if not db.exists():
            build_index(db, EXAMPLE_FILES)
    prefix = WIDTH_PREFIX.match(args_text)
    if prefix:
        width, args_text = int(prefix[1]), args_text[prefix.end() :]
    args = shlex.split(args_text)
    command = args if "--help" in args else [*args, "--db", str(db)]
    done = krq(command, environment(db, width))
    if done.returncode != 0:
        raise RuntimeError(f"krq {args_text} exited {done.returncode}: {done.stderr.strip()}")
    for unstable in (str(db.parent), str(ROOT)):
        if unstable in done.stdout:
            raise RuntimeError(f"krq {args_text} prints {unstable}: pick a stable example")
    lines = [line.rstrip() for line in done.stdout.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join([f"$ krq {args_text}", *lines]) + "\n"


def regenerate(check: bool) -> list[str]:
    """Bring every block up to date (or with `check`, only compare); the blocks that differed."""
    differing: list[str] = []
    with tempfile.TemporaryDirectory(prefix="krq-docs-") as folder:
        db = Path(folder) / "index.db"
        build_index(db)
        for path in pages():
            text = path.read_text(encoding="utf-8")
            pieces: list[str] = []
            done_to = 0
            for example in examples(path, text):
                fresh = render(example.args, db)
                if fresh != example.body:
                    differing.append(f"{example.where}: krq {example.args}")
                pieces += [text[done_to : example.body_start], fresh]
                done_to = example.body_end
            pieces.append(text[done_to:])
            updated = "".join(pieces)
            if not check and updated != text:
                path.write_text(updated, encoding="utf-8")
    return differing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="rewrite nothing; exit 1 if any block differs"
    )
    options = parser.parse_args(argv)
    try:
        differing = regenerate(options.check)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"regenerate: {exc}", file=sys.stderr)
        return 2
    if options.check and differing:
        print("regenerate: these examples differ from krq's output (run `make docs`):")
        for where in differing:
            print(f"  {where}")
        return 1
    verb = "differ" if options.check else "were rewritten"
    print(f"regenerate: {len(differing)} example(s) {verb}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
