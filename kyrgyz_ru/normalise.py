"""Keys and formats every layer shares (how names compare, which labels and date values
exist), cheap to import for queries."""

from __future__ import annotations

import re
import unicodedata

_DASHES = re.compile(r"[\u2010-\u2015\-]")
_SPACES = re.compile(r"\s+")
LABELS = ("PERSON", "ORG", "PLACE", "DATE")  # spaCy's GPE and LOC both become PLACE
# A date as a user, a catalog or a header gives it: a year, a month or a day.
ISO_DATE = re.compile(r"\A\d{4}(-\d{2}(-\d{2})?)?\Z")


def is_iso_date(value: str) -> bool:
    """YYYY, YYYY-MM or YYYY-MM-DD naming a real month and day."""
    if not ISO_DATE.match(value):
        return False
    import datetime

    try:
        datetime.date.fromisoformat((value + "-01-01")[:10])
    except ValueError:
        return False
    return True


def alias_key(text: str) -> str:
    """The form names are compared in: case, dashes, dots, quotes and 'the' do not count."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").casefold()
    text = _DASHES.sub(" ", text).replace(".", " ")
    text = _SPACES.sub(" ", text).strip(" '\"/()[],;:")
    if text.startswith("the "):
        text = text[4:]
    return text
