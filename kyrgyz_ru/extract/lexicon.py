"""Word lists for span repair and name matching, read once from data/lexicon.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LEXICON = Path(__file__).resolve().parent.parent / "data" / "lexicon.json"


@dataclass(frozen=True)
class Lexicon:
    titles: frozenset[str]
    role_heads: frozenset[str]
    institution_heads: frozenset[str]
    not_org_heads: frozenset[str]
    generic_names: frozenset[str]
    demonyms: frozenset[str]
    connectors: frozenset[str]
    determiners: frozenset[str]
    patronymic_suffixes: tuple[str, ...]

    def is_patronymic(self, word: str) -> bool:
        word = word.casefold()
        return len(word) > 5 and word.endswith(self.patronymic_suffixes)


@cache
def lexicon() -> Lexicon:
    raw = json.loads(LEXICON.read_text(encoding="utf-8"))

    def words(key: str) -> frozenset[str]:
        return frozenset(str(w).casefold() for w in raw[key])

    return Lexicon(
        titles=words("titles"),
        role_heads=words("role_heads"),
        institution_heads=words("institution_heads"),
        not_org_heads=words("not_org_heads"),
        generic_names=words("generic_names"),
        demonyms=words("demonyms"),
        connectors=words("connectors"),
        determiners=words("determiners"),
        patronymic_suffixes=tuple(sorted(words("patronymic_suffixes"), key=len, reverse=True)),
    )
