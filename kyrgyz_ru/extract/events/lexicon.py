"""The typed form of data/events.json: triggers, cue words and patterns, the states.

The file's top level is English; `languages` holds a section per other language with the keys
that differ (all the word lists), read over the English ones. A language's `states` add their
names, demonyms and cities to the same states, so a state is one whatever language names it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

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
    # Stems of demonyms in a language that inflects them («российск»: российский, российской,
    # российско-...): a word is the demonym when a short ending follows the stem.
    demonym_stems: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _StateIndex:
    by_name: dict[str, StateInfo]
    by_demonym: dict[str, StateInfo]
    by_stem: dict[str, StateInfo]
    by_city: dict[str, StateInfo]


_ENDING = 3  # letters of an adjective's ending after its stem («-ому», «-ий»)


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
    framed_modes: frozenset[str]  # the modes that frame another act ("on the sidelines of")
    states: tuple[StateInfo, ...]
    # Triggers match the sentence's lemmas («встретились», «встречи» as встретиться, встреча)
    # rather than its words, for languages that inflect them.
    on_lemmas: bool
    negation_exempt: re.Pattern[str]  # "not only": no negation
    purpose_before: re.Pattern[str]  # "to discuss": a purpose, not talks held
    passive_before: re.Pattern[str]  # "will be discussed"
    with_before: re.Pattern[str]  # "talks with X": X a party, not the matter
    hosted_by: re.Pattern[str]  # who receives a visitor
    plural_role: re.Pattern[str]  # "ministers", "heads of state"
    bare_role: re.Pattern[str]  # a role word alone that is a title, not a reference
    definite_role: re.Pattern[str]  # a role that refers back ("the minister")
    pair_pronoun_start: re.Pattern[str]  # "They ..." opening a sentence
    past_form: re.Pattern[str] | None  # a past verb by its ending, where tags do not tell
    dateline_day: re.Pattern[str]  # the day after a dateline's city: groups month and day
    months: tuple[re.Pattern[str], ...]  # January..December, matched at a word's start

    def state_of_name(self, name: str) -> StateInfo | None:
        return self._states.by_name.get(name.casefold().removeprefix("the "))

    def state_of_demonym(self, word: str) -> StateInfo | None:
        key = word.casefold()
        states = self._states
        found = states.by_demonym.get(key)
        if found is not None or not key.isalpha():
            return found
        for cut in range(max(1, len(key) - _ENDING), len(key)):
            found = states.by_stem.get(key[:cut])
            if found is not None:
                return found
        return None

    @cached_property
    def _states(self) -> _StateIndex:
        # Asked for every name and adjective of every sentence with a trigger: a dict look-up,
        # not a scan of the states. The first state listed wins a name two of them claim.
        index = _StateIndex({}, {}, {}, {})
        for state in self.states:
            for name in state.names:
                index.by_name.setdefault(name, state)
            for demonym in state.demonyms:
                index.by_demonym.setdefault(demonym, state)
            for stem in state.demonym_stems:
                index.by_stem.setdefault(stem, state)
            for city in state.cities:
                index.by_city.setdefault(city, state)
        return index

    def month(self, word: str) -> int | None:
        """1..12 for a month's name or abbreviation ("Nov.", «июля»), else None."""
        key = word.casefold()
        return next((i + 1 for i, m in enumerate(self.months) if m.match(key)), None)

    def state_of_city(self, name: str) -> StateInfo | None:
        return self._states.by_city.get(name.casefold())


def _words(items: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(items, key=len, reverse=True))
    return re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w'])", re.IGNORECASE)


def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)


def _section(raw: dict[str, Any], language: str) -> dict[str, Any]:
    """The English lists with a language's own read over them; states merged name by name."""
    if language == "en":
        return raw
    own = raw.get("languages", {}).get(language)
    if own is None:
        raise ValueError(f"events.json has no section for language {language!r}")
    merged = {**raw, **own}
    states: dict[str, dict[str, list[str]]] = {k: dict(v) for k, v in raw["states"].items()}
    for name, extra in own.get("states", {}).items():
        state = states.setdefault(name, {"names": [], "demonyms": [], "cities": []})
        for key, values in extra.items():
            state[key] = [*state.get(key, []), *values]
    merged["states"] = states
    return merged


@cache
def load_event_lexicon(language: str = "en", path: Path = EVENTS_DATA) -> EventLexicon:
    """The lexicon of one language (ISO 639-1); a language without a section raises."""
    raw = _section(json.loads(path.read_text(encoding="utf-8")), language)
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
        StateInfo(
            name,
            frozenset(v["names"]),
            frozenset(v["demonyms"]),
            frozenset(v["cities"]),
            frozenset(v.get("demonym_stems", ())),
        )
        for name, v in raw["states"].items()
    )
    # Regular expressions, so that a language's forms can be written as stems («заявил\\w*»).
    reporting = "|".join(raw["reporting_verbs"])
    return EventLexicon(
        triggers=triggers,
        any_trigger=re.compile(
            "|".join(f"(?:{t.pattern.pattern})" for t in triggers), re.IGNORECASE
        ),
        on_lemmas=bool(raw.get("triggers_on_lemmas", False)),
        negation_exempt=re.compile(raw["negation_exempt"], re.I),
        purpose_before=re.compile(raw["purpose_before"], re.I),
        passive_before=re.compile(raw["passive_before"], re.I),
        with_before=re.compile(raw["with_before"], re.I),
        hosted_by=re.compile(raw["hosted_by"], re.I),
        plural_role=re.compile(raw["plural_role"], re.I),
        bare_role=re.compile(raw["bare_role"], re.I),
        definite_role=re.compile(raw["definite_role"], re.I),
        pair_pronoun_start=re.compile(raw["pair_pronoun_start"]),
        past_form=re.compile(raw["past_form"], re.I) if raw.get("past_form") else None,
        dateline_day=re.compile(raw["dateline_day"]),
        months=tuple(re.compile(m) for m in raw["months"]),
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
        reporting_after=re.compile(r"\A[\s,»”\"]*(?:" + reporting + r")\b", re.I),
        speaker_attribution=re.compile(
            raw["speaker_attribution"].replace("{reporting}", reporting)
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
        framed_modes=frozenset(raw["framed_modes"]),
        states=states,
    )


def lexicon_for(language: str | None) -> EventLexicon:
    """The lexicon of a document's language: its own section where the data file has one, else
    the English lists (a document without a detected language reads as English)."""
    return load_event_lexicon(language if language in _languages() else "en")


@cache
def _languages() -> frozenset[str]:
    raw = json.loads(EVENTS_DATA.read_text(encoding="utf-8"))
    return frozenset(raw.get("languages", {}))
