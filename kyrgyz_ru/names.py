"""The key under which names are compared, cheap to import for queries."""

from __future__ import annotations

import re
import unicodedata

_DASHES = re.compile(r"[\u2010-\u2015\-]")
_SPACES = re.compile(r"\s+")
LABELS = ("PERSON", "ORG", "PLACE", "DATE")  # spaCy's GPE and LOC both become PLACE


def alias_key(text: str) -> str:
    """The form names are compared in: case, dashes, dots, quotes and 'the' do not count."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").casefold()
    text = _DASHES.sub(" ", text).replace(".", " ")
    text = _SPACES.sub(" ", text).strip(" '\"/()[],;:")
    if text.startswith("the "):
        text = text[4:]
    return text
