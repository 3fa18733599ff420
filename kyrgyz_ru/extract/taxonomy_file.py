"""The taxonomy file: reading it, checking every key and value with a message naming where,
and compiling it (the format: docs/topics.md). The default ships in kyrgyz_ru/data/."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from kyrgyz_ru.errors import DataFileError
from kyrgyz_ru.extract.taxonomy import (
    FORMAT,
    EventRule,
    ListRule,
    Rule,
    Settings,
    Taxonomy,
    Term,
    Topic,
    phrase_keys,
)

_ID = re.compile(r"\A[a-z][a-z0-9_]*\Z")

_TOP_KEYS = {
    "format",
    "name",
    "description",
    "settings",
    "lists",
    "boilerplate",
    "rules",
    "events",
    "topics",
}
_EVENT_KEYS = {"topic", "weights", "context"}
_TOPIC_KEYS = {"id", "label", "description", "terms", "context_terms"}
_RULE_KEYS = {"name", "when_terms", "drop"}


class _Invalid(Exception):
    """A problem in the file's content; load_taxonomy adds the file name."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Invalid(f"duplicate key {key!r}")
        result[key] = value
    return result


def _expect(value: Any, kind: type | tuple[type, ...], where: str, what: str) -> Any:
    # bool is an int in Python but never a sensible number or count here.
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise _Invalid(f"{where} must be {what}, not {type(value).__name__}")
    return value


def _number(
    value: Any, where: str, *, maximum: float | None = None, integer: bool = False
) -> float:
    kind: type | tuple[type, ...] = int if integer else (int, float)
    _expect(value, kind, where, "an integer" if integer else "a number")
    if not math.isfinite(value) or value < 0:
        raise _Invalid(f"{where} must be a number of at least 0, got {value}")
    if maximum is not None and value > maximum:
        raise _Invalid(f"{where} must be between 0 and {maximum:g}, got {value}")
    return float(value)


# Settings that multiply or compare scores: a value above 1 makes no sense.
_FRACTIONS = {
    "keep_ratio", "context_factor", "repeat_decay", "rank_decay", "factor", "max_share",
    "article_share", "article_factor",
}  # fmt: skip


def _strings(value: Any, where: str) -> tuple[str, ...]:
    _expect(value, list, where, "a list of strings")
    for i, item in enumerate(value):
        _expect(item, str, f"{where}[{i}]", "a string")
    return tuple(value)


def _terms(value: Any, where: str, *, context: bool) -> list[Term]:
    _expect(value, dict, where, 'an object mapping phrase to weight, e.g. {"gas": 2}')
    terms = []
    for phrase, weight in value.items():
        if not phrase_keys(phrase):
            raise _Invalid(f"{where}: phrase {phrase!r} has no words to match")
        w = _number(weight, f"{where}[{phrase!r}]")
        if w <= 0:
            raise _Invalid(f"{where}[{phrase!r}] must be a positive weight, got {weight}")
        terms.append(Term(phrase, w, context))
    return terms


def _settings(value: Any, base: Settings) -> Settings:
    _expect(value, dict, "settings", "an object")
    known = {f for f in Settings.__dataclass_fields__}
    changes: dict[str, Any] = {}
    for key, item in value.items():
        if key not in known:
            raise _Invalid(f"unknown setting {key!r}; known: {', '.join(sorted(known))}")
        integer = key in ("max_topics", "min_words", "article_min")
        maximum = 1.0 if key in _FRACTIONS else None
        number = _number(item, f"settings.{key}", maximum=maximum, integer=integer)
        changes[key] = int(number) if integer else number
    result = replace(base, **changes)
    if result.max_topics < 1:
        raise _Invalid("settings.max_topics must be at least 1")
    if result.length_ref_words <= 0:
        raise _Invalid("settings.length_ref_words must be positive")
    return result


def _lists(value: Any, base: ListRule, ids: set[str]) -> ListRule:
    _expect(value, dict, "lists", "an object")
    known = {f for f in ListRule.__dataclass_fields__}
    changes: dict[str, Any] = {}
    for key, item in value.items():
        where = f"lists.{key}"
        if key not in known:
            raise _Invalid(f"unknown field {where}; known: {', '.join(sorted(known))}")
        if key == "glue":
            changes[key] = _strings(item, where)
        elif key == "credit_topic":
            if item is not None:
                _expect(item, str, where, "a topic id or null")
                if item not in ids:
                    raise _Invalid(f"{where} names unknown topic {item!r}")
            changes[key] = item
        elif key in ("min_items", "max_free_words"):
            changes[key] = int(_number(item, where, integer=True))
        else:
            changes[key] = _number(item, where, maximum=1.0 if key in _FRACTIONS else None)
    return replace(base, **changes)


def _boilerplate(value: Any) -> tuple[str, ...]:
    patterns = _strings(value, "boilerplate")
    for i, pattern in enumerate(patterns):
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise _Invalid(f"boilerplate[{i}] is not a valid regular expression: {exc}") from None
    return patterns


def _rules(value: Any, ids: set[str], known_keys: set[tuple[str, ...]]) -> tuple[Rule, ...]:
    _expect(value, list, "rules", "a list of objects")
    rules = []
    for i, raw in enumerate(value):
        where = f"rules[{i}]"
        _expect(raw, dict, where, "an object")
        unknown = set(raw) - _RULE_KEYS
        if unknown:
            allowed = ", ".join(sorted(_RULE_KEYS))
            raise _Invalid(f"{where}: unknown field {sorted(unknown)[0]!r}; allowed: {allowed}")
        for key in ("when_terms", "drop"):
            if key not in raw:
                raise _Invalid(f"{where}: missing {key!r}")
        when = _strings(raw["when_terms"], f"{where}.when_terms")
        for phrase in when:
            if not set(phrase_keys(phrase)) & known_keys:
                raise _Invalid(f"{where}.when_terms: {phrase!r} is not a term of any topic")
        drop = _strings(raw["drop"], f"{where}.drop")
        for topic_id in drop:
            if topic_id not in ids:
                raise _Invalid(f"{where}.drop names unknown topic {topic_id!r}")
        name = _expect(raw.get("name", where), str, f"{where}.name", "a string")
        rules.append(Rule(name, when, drop))
    return tuple(rules)


def _events(value: Any, ids: set[str]) -> EventRule | None:
    if value is None:
        return None
    _expect(value, dict, "events", "an object or null")
    unknown = set(value) - _EVENT_KEYS
    if unknown:
        allowed = ", ".join(sorted(_EVENT_KEYS))
        raise _Invalid(f"events: unknown field {sorted(unknown)[0]!r}; allowed: {allowed}")
    topic = _expect(value.get("topic"), str, "events.topic", "a topic id")
    if topic not in ids:
        raise _Invalid(f"events.topic names unknown topic {topic!r}")
    raw = _expect(
        value.get("weights", {}), dict, "events.weights", 'an object, e.g. {"CONSULT": 1}'
    )
    weights = tuple(
        (kind, _number(weight, f"events.weights[{kind!r}]")) for kind, weight in raw.items()
    )
    context = _expect(value.get("context", True), bool, "events.context", "true or false")
    return EventRule(topic, weights, context)


def _topic(raw: Any, where: str) -> Topic:
    _expect(raw, dict, where, "an object")
    unknown = set(raw) - _TOPIC_KEYS
    if unknown:
        allowed = ", ".join(sorted(_TOPIC_KEYS))
        raise _Invalid(f"{where}: unknown field {sorted(unknown)[0]!r}; allowed: {allowed}")
    if "id" not in raw:
        raise _Invalid(f"{where}: missing 'id'")
    topic_id = _expect(raw["id"], str, f"{where}.id", "a string")
    if not _ID.match(topic_id):
        raise _Invalid(f"{where}.id {topic_id!r} must be lowercase letters, digits and _")
    where = f"topic {topic_id!r}"
    if "terms" not in raw:
        raise _Invalid(f"{where}: missing 'terms'")
    terms = _terms(raw["terms"], f"{where}.terms", context=False)
    terms += _terms(raw.get("context_terms", {}), f"{where}.context_terms", context=True)
    label = _expect(raw.get("label", topic_id), str, f"{where}.label", "a string")
    description = _expect(raw.get("description", ""), str, f"{where}.description", "a string")
    return Topic(topic_id, label, description, tuple(terms))


def _parse(data: Any, source: str, base: Taxonomy | None) -> Taxonomy:
    _expect(data, dict, "the file", "a JSON object")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        allowed = ", ".join(sorted(_TOP_KEYS))
        raise _Invalid(f"unknown field {sorted(unknown)[0]!r}; allowed: {allowed}")
    if "format" in data and data["format"] != FORMAT:
        raise _Invalid(f"format must be {FORMAT!r}, got {data['format']!r}")
    if "topics" not in data:
        raise _Invalid("missing 'topics'")
    raw_topics = _expect(data["topics"], list, "topics", "a list of objects")
    if not raw_topics:
        raise _Invalid("'topics' is empty")
    topics = [_topic(raw, f"topics[{i}]") for i, raw in enumerate(raw_topics)]
    ids: set[str] = set()
    for topic in topics:
        if topic.id in ids:
            raise _Invalid(f"duplicate topic id {topic.id!r}")
        ids.add(topic.id)
    name = _expect(data.get("name", Path(source).stem), str, "name", "a string")

    # Sections a custom file leaves out come from the packaged default.
    settings = _settings(data.get("settings", {}), base.settings if base else Settings())
    base_lists = base.lists if base else ListRule()
    if base_lists.credit_topic not in ids:
        base_lists = replace(base_lists, credit_topic=None)
    lists = _lists(data.get("lists", {}), base_lists, ids)
    boilerplate = (
        _boilerplate(data["boilerplate"])
        if "boilerplate" in data
        else (base.boilerplate if base else ())
    )
    known_keys = {k for t in topics for term in t.terms for k in phrase_keys(term.phrase)}
    rules = _rules(data.get("rules", []), ids, known_keys)
    if "events" in data:
        events = _events(data["events"], ids)
    else:
        # Like the other sections, from the default, while the default's topic exists here.
        events = base.events if base and base.events and base.events.topic in ids else None
    taxonomy = Taxonomy(name, tuple(topics), settings, lists, boilerplate, rules, source, events)
    taxonomy._compiled  # noqa: B018 - compile now so problems surface at load time
    return taxonomy


def _read(path: Path | None) -> tuple[Any, str]:
    try:
        if path is None:
            resource = resources.files("kyrgyz_ru") / "data" / "taxonomy.json"
            text, source = resource.read_text(encoding="utf-8"), str(resource)
        else:
            text, source = path.read_text(encoding="utf-8"), str(path)
    except FileNotFoundError:
        raise DataFileError(f"taxonomy file not found: {path}") from None
    except IsADirectoryError:
        raise DataFileError(f"taxonomy path is a folder, not a file: {path}") from None
    except UnicodeDecodeError:
        raise DataFileError(f"taxonomy file is not UTF-8 text: {path}") from None
    except OSError as exc:
        raise DataFileError(f"cannot read taxonomy file {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys), source
    except _Invalid as exc:
        raise DataFileError(f"{source}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


@lru_cache(maxsize=1)
def _default() -> Taxonomy:
    data, source = _read(None)
    try:
        return _parse(data, source, None)
    except _Invalid as exc:
        raise DataFileError(f"{source}: {exc}") from None


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """None -> the packaged default (kyrgyz_ru/data/taxonomy.json). A malformed file raises
    DataFileError with a one-line message naming the file and what is wrong."""
    if path is None:
        return _default()
    data, source = _read(Path(path))
    try:
        return _parse(data, source, _default())
    except _Invalid as exc:
        raise DataFileError(f"{source}: {exc}") from None
