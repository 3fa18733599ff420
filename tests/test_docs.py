"""The documentation cannot drift: every example of krq output in README.md and docs/ is what
krq prints today (docs/regenerate.py --check), and the README stays a short front page."""

from __future__ import annotations

import re
import subprocess
import sys

from kyrgyz_ru.cli.app import COMMANDS

from .conftest import ROOT

DOCS = ROOT / "docs"
README_MAX_LINES = 150


def test_every_example_is_what_krq_prints() -> None:
    done = subprocess.run(
        [sys.executable, str(DOCS / "regenerate.py"), "--check"],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, (
        f"docs drifted; run `make docs` and review the diff\n{done.stdout}{done.stderr}"
    )


def test_readme_is_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"


def test_readme_links_every_docs_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pages = sorted(p.name for p in DOCS.glob("*.md"))
    assert pages, "no docs pages"
    for page in pages:
        assert f"](docs/{page})" in readme, f"README.md does not link docs/{page}"


def test_readme_keeps_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^make run\b", readme, re.MULTILINE)
    assert re.search(r"^make test\b", readme, re.MULTILINE)


def test_the_reference_holds_the_help_of_every_command() -> None:
    reference = (DOCS / "commands.md").read_text(encoding="utf-8")
    assert "<!-- krq: --help -->" in reference
    for command in COMMANDS:
        assert f"<!-- krq: {command} --help -->" in reference, command
