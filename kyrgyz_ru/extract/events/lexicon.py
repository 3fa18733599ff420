"""The typed form of data/events.json: triggers, cue words and patterns, the states."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

EVENTS_DATA = Path(__file__).resolve().parent.parent.parent / "data" / "events.json"


@dataclass(frozen=True)
class Trigger:
    id: str
    event_type: str
    mode: str | None
    kind: str  # "", "discuss" or "intent"
    pattern: re.Pattern[str]
    tags: frozenset[str]
    needs_target: bool


@dataclass(frozen=True)
class StateInfo:
    name: str
    names: frozenset[str]
    demonyms: frozenset[str]
    cities: frozenset[str]


@dataclass(frozen=True)
class EventLexicon:
    triggers: tuple[Trigger, ...]
    any_trigger: re.Pattern[str]  # every trigger at once: most sentences have none
    mode_priority: tuple[str, ...]
    negation_before: re.Pattern[str]
    negation_after: re.Pattern[str]
    hypothetical_before: re.Pattern[str]
    hypothetical_exempt: re.Pattern[str]
    state_pair_references: re.Pattern[str]
    occasion_reference: re.Pattern[str]
    later_occasion_before: re.Pattern[str]  # "the next meeting": another occasion, to come
    min_actors: dict[str, int]
    min_actors_default: int
    request_before: re.Pattern[str]
    habitual_before: re.Pattern[str]
    intent_window: int
    pair_references: re.Pattern[str]
    pair_needs_definition: frozenset[str]
    counterpart: re.Pattern[str]
    state_references: re.Pattern[str]
    compound_demonyms: re.Pattern[str]
    role_references: re.Pattern[str]
    role_titles: dict[str, str]  # words of a title before a name -> the office
    person_pronouns: re.Pattern[str]
    first_person: re.Pattern[str]
    plural_person: re.Pattern[str]
    addressee: re.Pattern[str]
    reporting_after: re.Pattern[str]
    speaker_attribution: re.Pattern[str]
    vocative: re.Pattern[str]
    non_actor_before: tuple[re.Pattern[str], ...]
    source_after_dash: re.Pattern[str]
    destination_before: re.Pattern[str]
    locative_before: re.Pattern[str]
    city_before: re.Pattern[str]
    list_gap: re.Pattern[str]
    not_event_date_before: re.Pattern[str]
    dateline: re.Pattern[str]
    dateline_lines: int  # a dateline opens one of the article's first lines
    place_window: int
    framing_visit_before: re.Pattern[str]  # "during his visit": the frame, not the act
    states: tuple[StateInfo, ...]

    def state_of_name(self, name: str) -> StateInfo | None:
        key = name.casefold().removeprefix("the ")
        return next((s for s in self.states if key in s.names), None)

    def state_of_demonym(self, word: str) -> StateInfo | None:
        key = word.casefold()
        return next((s for s in self.states if key in s.demonyms), None)

    def state_of_city(self, name: str) -> StateInfo | None:
        key = name.casefold()
        return next((s for s in self.states if key in s.cities), None)


def _words(items: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(items, key=len, reverse=True))
    return re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w'])", re.IGNORECASE)


def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)


@cache
def load_event_lexicon(path: Path = EVENTS_DATA) -> EventLexicon:
    raw = json.loads(path.read_text(encoding="utf-8"))
    triggers = tuple(
        Trigger(
            id=str(t["id"]),
            event_type=str(t["type"]),
            mode=t.get("mode"),
            kind=str(t.get("kind", "")),
            pattern=_regex("|".join(t["patterns"])),
            tags=frozenset(t.get("tags", ())),
            needs_target=bool(t.get("needs_target", False)),
        )
        for t in raw["triggers"]
    )
    states = tuple(
        StateInfo(name, frozenset(v["names"]), frozenset(v["demonyms"]), frozenset(v["cities"]))
        for name, v in raw["states"].items()
    )
    reporting = raw["reporting_verbs"]
    return EventLexicon(
        triggers=triggers,
        any_trigger=re.compile(
            "|".join(f"(?:{t.pattern.pattern})" for t in triggers), re.IGNORECASE
        ),
        mode_priority=tuple(raw["mode_priority"]),
        negation_before=_words(raw["negation_before"]),
        negation_after=_words(raw["negation_after"]),
        hypothetical_before=_words(raw["hypothetical_before"]),
        hypothetical_exempt=re.compile("|".join(raw["hypothetical_exempt_patterns"]), re.I),
        state_pair_references=_words(raw["state_pair_references"]),
        occasion_reference=re.compile(raw["occasion_reference"], re.I),
        later_occasion_before=re.compile(raw["later_occasion_before"], re.I),
        min_actors={str(k): int(v) for k, v in raw["min_actors"].items()},
        min_actors_default=int(raw["min_actors_default"]),
        request_before=_words(raw["request_before"]),
        habitual_before=_words(raw["habitual_before"]),
        intent_window=int(raw["intent_absorbs_after"]),
        pair_references=_regex("|".join(raw["pair_references"])),
        pair_needs_definition=frozenset(raw["pair_reference_needs_definition"]),
        counterpart=_regex(raw["counterpart"]),
        state_references=_regex(raw["state_references"]),
        compound_demonyms=_regex(raw["compound_demonyms"]),
        role_references=_regex(raw["role_references"]),
        role_titles={str(k): str(v) for k, v in raw["role_titles"].items()},
        person_pronouns=_words(raw["person_pronouns"]),
        first_person=_words(raw["speaker_first_person"]),
        plural_person=_words(raw["speaker_plural"]),
        addressee=_words(raw["addressee"]),
        reporting_after=re.compile(
            r"\A[\s,»”\"]*(?:" + "|".join(re.escape(w) for w in reporting) + r")\b", re.I
        ),
        speaker_attribution=re.compile(
            r"[,»”\"]\s*(?P<who>he|she|[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)*)\s+(?:"
            + "|".join(re.escape(w) for w in reporting)
            + r")\b"
        ),
        vocative=re.compile(r"(?:" + "|".join(raw["vocative_titles"]) + r")\.?\s+$", re.IGNORECASE),
        non_actor_before=tuple(re.compile(p, re.I) for p in raw["non_actor_before"]),
        source_after_dash=re.compile(raw["source_after_dash"]),
        destination_before=re.compile(raw["destination_before"], re.I),
        locative_before=re.compile(raw["locative_before"], re.I),
        city_before=re.compile(raw["city_before"], re.I),
        list_gap=re.compile(raw["list_gap"], re.I),
        not_event_date_before=re.compile(
            r"\b(?:" + "|".join(raw["not_event_date_before"]) + r")\s+(?:the\s+)?$", re.I
        ),
        dateline=re.compile(raw["dateline"], re.MULTILINE),
        dateline_lines=int(raw["dateline_lines"]),
        place_window=int(raw["place_window"]),
        framing_visit_before=re.compile(raw["framing_visit_before"], re.I),
        states=states,
    )
