"""The knowledge base of the field: known people, organisations and places, with their aliases."""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kyrgyz_ru.errors import DataFileError
from kyrgyz_ru.normalise import alias_key

DATA = Path(__file__).resolve().parent.parent / "data"
DEFAULT_KNOWLEDGE = DATA / "knowledge.jsonl"
KNOWLEDGE_ENV = "KRQ_KNOWLEDGE"  # extra knowledge files, separated by the OS path separator
TYPES = ("PERSON", "ORG", "PLACE", "MISC")  # MISC: names that are never PERSON, ORG or PLACE
_WIKIDATA = re.compile(r"\AQ[0-9]+\Z")
_ACRONYM = re.compile(r"\A[A-Z][A-Z&]{2,7}\Z")


@dataclass(frozen=True)
class KnownEntity:
    id: str
    type: str
    name: str
    aliases: tuple[str, ...] = ()
    wikidata: str | None = None
    description: str = ""
    kind: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass
class KnowledgeBase:
    entities: dict[str, KnownEntity]
    sources: tuple[str, ...] = ()
    # alias key -> ids of the entities that claim it; a key claimed by two is ambiguous.
    _by_key: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _misc: re.Pattern[str] | None = field(default=None, repr=False)
    _acronyms: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        by_key: dict[str, set[str]] = defaultdict(set)
        for entity in self.entities.values():
            for name in entity.names:
                by_key[alias_key(name)].add(entity.id)
        self._by_key = dict(by_key)

    def lookup(self, name: str, label: str | None = None) -> KnownEntity | None:
        """The one known entity this name stands for, or None when unknown or ambiguous."""
        ids = self._by_key.get(alias_key(name), set())
        found = [self.entities[i] for i in ids if label is None or self.entities[i].type == label]
        return found[0] if len(found) == 1 else None

    def misc_pattern(self) -> re.Pattern[str] | None:
        """One regex for the names that are never PERSON, ORG or PLACE, as written."""
        if self._misc is None:
            self._misc = _alternation(
                n for e in self.entities.values() if e.type == "MISC" for n in e.names
            )
        return self._misc

    def acronym_pattern(self) -> re.Pattern[str] | None:
        """One regex for the known acronyms (three or more capitals), as written."""
        if self._acronyms is None:
            self._acronyms = _alternation(
                n
                for e in self.entities.values()
                if e.type in ("ORG", "PLACE")
                for n in e.names
                if _ACRONYM.match(n)
            )
        return self._acronyms

    def claimants(self, name: str) -> list[KnownEntity]:
        return [self.entities[i] for i in sorted(self._by_key.get(alias_key(name), ()))]

    def ruler_patterns(self) -> list[dict[str, str]]:
        """EntityRuler phrase patterns: each name as written, in capitals, in title case."""
        patterns: list[dict[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for entity in self.entities.values():
            for name in entity.names:
                # Case variants cover datelines ("BISHKEK") without matching lower-case words.
                for variant in {name, name.upper(), _title(name)}:
                    if (variant, entity.type) in seen or len(variant) < 2:
                        continue
                    seen.add((variant, entity.type))
                    patterns.append({"label": entity.type, "pattern": variant, "id": entity.id})
        return patterns


def _alternation(names: Iterable[str]) -> re.Pattern[str] | None:
    """Whole-word matches of any of `names`, longest first; None when there are none."""
    ordered = sorted(set(names), key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, ordered)) + r")(?![\w-])")


def _title(name: str) -> str:
    # Only names written in capitals get a title-case variant ("BISHKEK" -> "Bishkek"):
    # title-casing "24.kg" or "McDonald" would invent spellings nobody uses.
    return name.title() if name.isupper() and len(name) > 4 else name


def _parse_line(line: str, where: str) -> KnownEntity:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataFileError(f"{where}: not JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise DataFileError(f"{where}: expected a JSON object")
    for key in ("id", "type", "name"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise DataFileError(f"{where}: '{key}' must be a non-empty string")
    if row["type"] not in TYPES:
        raise DataFileError(f"{where}: type must be one of {', '.join(TYPES)}")
    aliases = row.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
        raise DataFileError(f"{where}: 'aliases' must be a list of strings")
    wikidata = row.get("wikidata")
    if wikidata is not None and not (isinstance(wikidata, str) and _WIKIDATA.match(wikidata)):
        raise DataFileError(f"{where}: 'wikidata' must look like Q12345")
    return KnownEntity(
        id=row["id"],
        type=row["type"],
        name=row["name"],
        aliases=tuple(dict.fromkeys(a for a in aliases if a != row["name"])),
        wikidata=wikidata,
        description=str(row.get("description", "")),
        kind=row.get("kind"),
    )


def read_entries(path: Path) -> list[KnownEntity]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataFileError(f"knowledge file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"cannot read knowledge file {path}: {exc}") from None
    return [
        _parse_line(line, f"{path}:{number}")
        for number, line in enumerate(lines, 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def extra_knowledge_files(explicit: Sequence[Path] = ()) -> tuple[Path, ...]:
    from_env = [Path(p) for p in os.environ.get(KNOWLEDGE_ENV, "").split(os.pathsep) if p]
    return (*from_env, *explicit)


def load_knowledge(extra: Iterable[Path] = ()) -> KnowledgeBase:
    """The shipped knowledge base, with the user's files layered on top (same id replaces)."""
    return _load(tuple(str(p) for p in extra))


@cache
def _load(extra: tuple[str, ...]) -> KnowledgeBase:
    entities: dict[str, KnownEntity] = {}
    sources = (str(DEFAULT_KNOWLEDGE), *extra)
    for source in sources:
        for entity in read_entries(Path(source)):
            entities[entity.id] = entity
    return KnowledgeBase(entities, sources)
