"""Checks of the shipped knowledge base, kyrgyz_ru/data/knowledge.jsonl.

The rules are those of kyrgyz_ru/data/knowledge.md. Each check is a function returning the
problems it finds, so the same checks run on the shipped file and on deliberately broken rows
(the last tests), which shows that they do fail when the data is wrong.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "kyrgyz_ru" / "data" / "knowledge.jsonl"
GOLD = ROOT / "tests" / "data" / "seeds-entities.jsonl"

TYPES = {"PERSON", "ORG", "PLACE", "MISC"}
FIELDS = {"id", "type", "name", "aliases", "wikidata", "description", "kind"}
KINDS = {
    "disease",
    "virus",
    "vaccine",
    "event",
    "programme",
    "project",
    "treaty",
    "facility",
    "product",
    "document",
}
ID_RE = re.compile(r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z")
WIKIDATA_RE = re.compile(r"\AQ[0-9]+\Z")
MAX_DESCRIPTION = 160

# Words that are not names on their own (the annotation guideline's generic back-references).
GENERIC = {
    "organization",
    "organisation",
    "union",
    "parliament",
    "government",
    "parties",
    "sides",
    "ministry",
    "foreign ministry",
    "ministry of health",
    "ministry of foreign affairs",
    "cabinet",
    "commission",
    "council",
    "committee",
    "republic",
    "federation",
    "commonwealth",
    "president",
    "prime minister",
    "minister",
    "state",
    "states",
    "member states",
    "country",
    "region",
    "city",
    "capital",
    "agency",
    "fund",
    "bank",
    "treaty",
    "supreme council",
    "kyrgyz",
    "russian",
    "soviet",
    "eurasian space",
    "post soviet space",
    "press service",
}

# Gold mentions whose canonical entity the text alone does not name: the guideline marks
# "Foreign Ministry" only where context says which one, and a bare "Ministry of Health" alike.
CONTEXTUAL = {"foreign ministry", "ministry of health"}

_DASHES = re.compile(r"[\u2010-\u2015\-]")
_SPACES = re.compile(r"\s+")


def key(text: str) -> str:
    """Names compare without case, dashes, dots and a leading 'the' (knowledge.md)."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").casefold()
    text = _DASHES.sub(" ", text).replace(".", " ")
    text = _SPACES.sub(" ", text).strip(" '\"/()[],;:")
    return text[4:] if text.startswith("the ") else text


def parse(lines: Iterable[str]) -> tuple[list[dict], list[str]]:
    rows: list[dict] = []
    problems: list[str] = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            problems.append(f"line {number}: not JSON ({exc})")
            continue
        if not isinstance(row, dict):
            problems.append(f"line {number}: not a JSON object")
            continue
        rows.append(row)
    return rows, problems


def names(row: dict) -> list[str]:
    aliases = row.get("aliases", [])
    return [row["name"], *aliases] if isinstance(aliases, list) else [row["name"]]


def row_problems(row: dict) -> list[str]:
    """What is wrong with one entry taken alone."""
    where = f"{row.get('id', '?')}"
    problems = [f"{where}: unknown field {f!r}" for f in sorted(set(row) - FIELDS)]
    for field in ("id", "type", "name"):
        value = row.get(field)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: {field!r} must be a non-empty string")
    if problems:
        return problems
    if not ID_RE.match(row["id"]):
        problems.append(f"{where}: id is not a lower-case slug")
    if row["type"] not in TYPES:
        problems.append(f"{where}: type {row['type']!r} is not one of {sorted(TYPES)}")
    name = row["name"]
    if name != name.strip() or "  " in name or "\n" in name:
        problems.append(f"{where}: name has stray whitespace")
    aliases = row.get("aliases", [])
    if not isinstance(aliases, list):
        problems.append(f"{where}: aliases must be a list")
        aliases = []
    for alias in aliases:
        if not isinstance(alias, str) or not alias.strip():
            problems.append(f"{where}: alias {alias!r} is not a non-empty string")
        elif alias != alias.strip() or "  " in alias or "\n" in alias:
            problems.append(f"{where}: alias {alias!r} has stray whitespace")
    texts = [a for a in aliases if isinstance(a, str)]
    for alias, count in Counter(texts).items():
        if count > 1:
            problems.append(f"{where}: alias {alias!r} listed {count} times")
    if name in texts:
        problems.append(f"{where}: the name is repeated among the aliases")
    for text in [name, *texts]:
        if key(text) in GENERIC:
            problems.append(f"{where}: {text!r} is a generic word, not a name")
    if "wikidata" in row:
        wikidata = row["wikidata"]
        if not isinstance(wikidata, str) or not WIKIDATA_RE.match(wikidata):
            problems.append(f"{where}: wikidata {wikidata!r} does not look like Q12345")
    if row["type"] == "MISC":
        if row.get("kind") not in KINDS:
            problems.append(f"{where}: a MISC entry needs a kind from {sorted(KINDS)}")
    elif "kind" in row:
        problems.append(f"{where}: only MISC entries have a kind")
    description = row.get("description")
    if not isinstance(description, str) or not description.strip():
        problems.append(f"{where}: description missing")
    elif "\n" in description or len(description) > MAX_DESCRIPTION:
        problems.append(f"{where}: description is not one short line")
    return problems


def file_problems(rows: list[dict]) -> list[str]:
    """What is wrong across entries: ids, Wikidata ids, names shared where they must not be."""
    problems: list[str] = []
    for entry_id, count in Counter(r["id"] for r in rows).items():
        if count > 1:
            problems.append(f"id {entry_id!r} used {count} times")
    by_wikidata: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if "wikidata" in row:
            by_wikidata[row["wikidata"]].append(row["id"])
    for wikidata, ids in by_wikidata.items():
        if len(ids) > 1:
            problems.append(f"wikidata {wikidata} given to {ids}")
    claims: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in rows:
        for text in names(row):
            if isinstance(text, str):
                claims[key(text)].add((row["type"], row["id"]))
    for name_key, claimants in claims.items():
        if len({t for t, _ in claimants}) > 1:
            problems.append(f"{name_key!r} is claimed across types: {sorted(claimants)}")
    for row in rows:
        others = sorted(
            i for t, i in claims[key(row["name"])] if t == row["type"] and i != row["id"]
        )
        if others:
            problems.append(f"{row['id']}: its name {row['name']!r} is also claimed by {others}")
    names_seen = Counter((row["type"], key(row["name"])) for row in rows)
    problems += [f"two {t} entries are named {n!r}" for (t, n), c in names_seen.items() if c > 1]
    return problems


# ---------------------------------------------------------------- the shipped file


@pytest.fixture(scope="module")
def shipped() -> list[dict]:
    text = KNOWLEDGE.read_text(encoding="utf-8")
    rows, problems = parse(text.splitlines())
    assert not problems, problems
    return rows


@pytest.fixture(scope="module")
def by_name(shipped: list[dict]) -> dict[str, dict]:
    return {row["name"]: row for row in shipped}


def test_file_is_utf8_one_object_per_line() -> None:
    raw = KNOWLEDGE.read_bytes()
    text = raw.decode("utf-8")
    assert text.endswith("\n")
    lines = text.splitlines()
    assert all(line.strip() for line in lines), "blank line in the shipped file"
    rows, problems = parse(lines)
    assert not problems
    assert len(rows) == len(lines)


def test_every_entry_follows_the_schema(shipped: list[dict]) -> None:
    problems = [p for row in shipped for p in row_problems(row)]
    assert not problems, "\n".join(problems)


def test_entries_are_consistent_with_each_other(shipped: list[dict]) -> None:
    problems = file_problems(shipped)
    assert not problems, "\n".join(problems)


def test_ids_are_unique(shipped: list[dict]) -> None:
    ids = [row["id"] for row in shipped]
    assert len(ids) == len(set(ids))


def test_no_alias_listed_twice_within_an_entry(shipped: list[dict]) -> None:
    for row in shipped:
        aliases = row.get("aliases", [])
        assert len(aliases) == len(set(aliases)), row["id"]
        assert row["name"] not in aliases, row["id"]


def test_wikidata_ids_are_well_formed(shipped: list[dict]) -> None:
    given = [row["wikidata"] for row in shipped if "wikidata" in row]
    assert given, "no entry carries a wikidata id"
    assert all(WIKIDATA_RE.match(q) for q in given)
    assert len(given) == len(set(given))


def test_the_field_is_covered_not_just_five_articles(shipped: list[dict]) -> None:
    counts = Counter(row["type"] for row in shipped)
    assert len(shipped) >= 400
    assert counts["PERSON"] >= 120
    assert counts["ORG"] >= 120
    assert counts["PLACE"] >= 120
    assert counts["MISC"] >= 25


REQUIRED = [
    ("Sadyr Japarov", "PERSON"),
    ("Vladimir Putin", "PERSON"),
    ("Sergey Lavrov", "PERSON"),
    ("Ruslan Kazakbaev", "PERSON"),
    ("Talant Mamytov", "PERSON"),
    ("Akylbek Japarov", "PERSON"),
    ("Askar Akayev", "PERSON"),
    ("Kurmanbek Bakiyev", "PERSON"),
    ("Roza Otunbayeva", "PERSON"),
    ("Almazbek Atambayev", "PERSON"),
    ("Sooronbay Jeenbekov", "PERSON"),
    ("Boris Yeltsin", "PERSON"),
    ("Dmitry Medvedev", "PERSON"),
    ("Mikhail Mishustin", "PERSON"),
    ("Jeenbek Kulubaev", "PERSON"),
    ("Kamchybek Tashiev", "PERSON"),
    ("EAEU", "ORG"),
    ("CSTO", "ORG"),
    ("SCO", "ORG"),
    ("CIS", "ORG"),
    ("EFSD", "ORG"),
    ("EDB", "ORG"),
    ("EurAsEC", "ORG"),
    ("UN", "ORG"),
    ("OSCE", "ORG"),
    ("Gazprom", "ORG"),
    ("24.kg", "ORG"),
    ("TASS", "ORG"),
    ("MIL OSI", "ORG"),
    ("Kremlin", "ORG"),
    ("International Military Tribunal", "ORG"),
    ("Jogorku Kenesh", "ORG"),
    ("Ministry of Foreign Affairs of the Kyrgyz Republic", "ORG"),
    ("Ministry of Foreign Affairs of the Russian Federation", "ORG"),
    ("Ministry of Health of the Kyrgyz Republic", "ORG"),
    ("Government of the Kyrgyz Republic", "ORG"),
    ("Government of the Russian Federation", "ORG"),
    ("Kyrgyzstan", "PLACE"),
    ("Russia", "PLACE"),
    ("Bishkek", "PLACE"),
    ("Osh", "PLACE"),
    ("Moscow", "PLACE"),
    ("Kant", "PLACE"),
    ("Central Asia", "PLACE"),
    ("Soviet Union", "PLACE"),
    ("Osh Region", "PLACE"),
    ("Chuy Region", "PLACE"),
    ("Issyk-Kul Region", "PLACE"),
    ("COVID-19", "MISC"),
    ("Sputnik V", "MISC"),
    ("Cross Year", "MISC"),
    ("Kambarata HPP-1", "MISC"),
]


@pytest.mark.parametrize(("name", "type_"), REQUIRED)
def test_required_entity_is_present(by_name: dict[str, dict], name: str, type_: str) -> None:
    assert name in by_name, f"{name} missing"
    assert by_name[name]["type"] == type_


SPELLINGS = [
    ("Kyrgyz Republic", "Kyrgyzstan"),
    ("Kirghizia", "Kyrgyzstan"),
    ("Russian Federation", "Russia"),
    ("USSR", "Soviet Union"),
    ("Frunze", "Bishkek"),
    ("Itar-Tass", "TASS"),
    ("R.A.Kazakbayev", "Ruslan Kazakbaev"),
    ("Ruslan Aitbaevich", "Ruslan Kazakbaev"),
    ("Kazakbayev", "Ruslan Kazakbaev"),
    ("Sergei Lavrov", "Sergey Lavrov"),
    ("S.V. Lavrov", "Sergey Lavrov"),
    ("Sadyr Zhaparov", "Sadyr Japarov"),
    ("Atambaev", "Almazbek Atambayev"),
    ("Zheenbekov", "Sooronbay Jeenbekov"),
    ("Eurasian Economic Union", "EAEU"),
    ("Collective Security Treaty Organization", "CSTO"),
    ("Shanghai Cooperation Organization", "SCO"),
    ("Commonwealth of Independent States", "CIS"),
    ("Eurasian Fund for Stabilization and Development", "EFSD"),
    ("EurAsEC Anti-Crisis Fund", "EFSD"),
    ("Eurasian Economic Community", "EurAsEC"),
    (
        "Foreign Affairs Ministry of Kyrgyzstan",
        "Ministry of Foreign Affairs of the Kyrgyz Republic",
    ),
    ("Kyrgyz Foreign Ministry", "Ministry of Foreign Affairs of the Kyrgyz Republic"),
    ("Chui region", "Chuy Region"),
    ("Jalalabad", "Jalal-Abad"),
    ("Sputnik-V", "Sputnik V"),
]


@pytest.mark.parametrize(("text", "canonical"), SPELLINGS)
def test_spelling_is_claimed_by_its_entity(
    by_name: dict[str, dict], text: str, canonical: str
) -> None:
    assert key(text) in {key(n) for n in names(by_name[canonical])}


def test_eurasec_is_kept_apart_from_the_eaeu(by_name: dict[str, dict]) -> None:
    eaeu = {key(n) for n in names(by_name["EAEU"])}
    eurasec = {key(n) for n in names(by_name["EurAsEC"])}
    assert not eaeu & eurasec
    assert key("Eurasian Economic Community") not in eaeu


def test_shared_surnames_are_listed_for_both_people(by_name: dict[str, dict]) -> None:
    # Intended: the loader treats a name claimed by two entries as ambiguous.
    for person in ("Sadyr Japarov", "Akylbek Japarov"):
        assert "Japarov" in by_name[person]["aliases"]


def _gold_mentions() -> list[dict]:
    mentions = []
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        if line.strip():
            doc = json.loads(line)
            mentions += [m for m in doc["mentions"] if m["label"] in ("PERSON", "ORG", "PLACE")]
    return mentions


def test_named_gold_mentions_of_the_bundled_articles_are_covered(shipped: list[dict]) -> None:
    claims: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in shipped:
        for text in names(row):
            claims[key(text)].add((row["type"], row["name"]))
    missing = []
    for mention in _gold_mentions():
        text_key = key(mention["text"])
        if text_key in CONTEXTUAL:
            continue
        claimants = claims.get(text_key, set())
        if (mention["label"], mention["canonical"]) not in claimants:
            missing.append(f"{mention['text']!r} ({mention['label']}) -> {mention['canonical']!r}")
        if any(t != mention["label"] for t, _ in claimants):
            missing.append(f"{mention['text']!r} is also claimed with another type: {claimants}")
    assert not missing, "\n".join(sorted(set(missing)))


def test_no_misc_name_hides_a_place_the_gold_marks(shipped: list[dict]) -> None:
    # A MISC name containing a gold PLACE/ORG mention would stop the name finder from marking it.
    gold = {key(m["text"]) for m in _gold_mentions()}
    for row in shipped:
        if row["type"] != "MISC":
            continue
        for text in names(row):
            words = f" {key(text)} "
            inside = [g for g in gold if f" {g} " in words]
            assert not inside, f"{row['id']}: {text!r} contains {inside}"


# ---------------------------------------------------------------- the checks can fail

GOOD = {"id": "x-y", "type": "PLACE", "name": "X Y", "aliases": ["Xy"], "description": "test"}


@pytest.mark.parametrize(
    "change",
    [
        {"id": "Sadyr Japarov"},
        {"id": ""},
        {"type": "GPE"},
        {"name": " X Y"},
        {"aliases": ["Xy", "Xy"]},
        {"aliases": ["X Y"]},
        {"aliases": [""]},
        {"aliases": "Xy"},
        {"aliases": ["the Union"]},
        {"wikidata": "12345"},
        {"wikidata": "Q12a"},
        {"kind": "facility"},
        {"type": "MISC"},
        {"description": ""},
        {"description": "two\nlines"},
        {"country": "KG"},
    ],
)
def test_a_broken_entry_is_reported(change: dict) -> None:
    assert row_problems(GOOD) == []
    assert row_problems({**GOOD, **change})


@pytest.mark.parametrize(
    "rows",
    [
        [GOOD, {**GOOD, "name": "Z"}],  # same id twice
        [{**GOOD, "wikidata": "Q1"}, {**GOOD, "id": "z", "name": "Z", "wikidata": "Q1"}],
        [GOOD, {**GOOD, "id": "z", "type": "ORG", "name": "Z", "aliases": ["X-Y"]}],
        [GOOD, {**GOOD, "id": "z", "name": "Z", "aliases": ["x y"]}],
        [GOOD, {**GOOD, "id": "z", "aliases": []}],
    ],
)
def test_inconsistent_entries_are_reported(rows: list[dict]) -> None:
    assert file_problems([GOOD]) == []
    assert file_problems(rows)


def test_a_line_that_is_not_an_object_is_reported() -> None:
    assert parse(['{"id": "a"', "[1, 2]"])[1]
    assert parse(["", "# comment", json.dumps(GOOD)]) == ([GOOD], [])
