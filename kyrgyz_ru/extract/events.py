"""Events: who did what with whom, when and where (../docs spec: shared/spec/events.md).

Tag and mention patterns only, no parser: a sentence is an event when a trigger of
data/events.json matches in it and no negation, hypothetical, request or habit cue governs
the trigger. Actors are the sentence's entity mentions in actor position plus references
("the parties", "his counterpart", "the Russian side", "he", "we" in quotes) resolved to
mentions of the same article. Dates and places come from the sentence, else from the latest
earlier event of the same kind (a later "the visit" is that visit), else the dateline.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kyrgyz_ru.records import Document, Event, EventActor, Mention, Token

EVENTS_DATA = Path(__file__).resolve().parent.parent / "data" / "events.json"
_QUOTES = '"«»“”„'
_DASHES = ("—", "–", "- ")
_VERB_TAGS = frozenset({"VB", "VBD", "VBZ", "VBP", "VBN", "VBG", "MD"})
_PAST_TAGS = frozenset({"VBD", "VBN"})
# Categories whose actors have a direction: who visits, thanks, gives or attacks whom.
_DIRECTED = frozenset({"SUPPORT", "AID", "DISAPPROVE", "REJECT", "DEMAND", "THREATEN",
                       "SANCTION", "ASSAULT", "PROTEST", "MOBILIZE"})  # fmt: skip


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
    mode_priority: tuple[str, ...]
    negation_before: re.Pattern[str]
    negation_after: re.Pattern[str]
    hypothetical_before: re.Pattern[str]
    hypothetical_exempt: re.Pattern[str]
    state_pair_references: re.Pattern[str]
    occasion_reference: re.Pattern[str]
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
    person_pronouns: re.Pattern[str]
    first_person: re.Pattern[str]
    plural_person: re.Pattern[str]
    addressee: re.Pattern[str]
    reporting_after: re.Pattern[str]
    speaker_attribution: re.Pattern[str]
    vocative: re.Pattern[str]
    non_actor_before: tuple[re.Pattern[str], ...]
    destination_before: re.Pattern[str]
    locative_before: re.Pattern[str]
    city_before: re.Pattern[str]
    list_gap: re.Pattern[str]
    not_event_date_before: re.Pattern[str]
    dateline: re.Pattern[str]
    place_window: int
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
        mode_priority=tuple(raw["mode_priority"]),
        negation_before=_words(raw["negation_before"]),
        negation_after=_words(raw["negation_after"]),
        hypothetical_before=_words(raw["hypothetical_before"]),
        hypothetical_exempt=re.compile("|".join(raw["hypothetical_exempt_patterns"]), re.I),
        state_pair_references=_words(raw["state_pair_references"]),
        occasion_reference=re.compile(raw["occasion_reference"], re.I),
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
        destination_before=re.compile(raw["destination_before"], re.I),
        locative_before=re.compile(raw["locative_before"], re.I),
        city_before=re.compile(raw["city_before"], re.I),
        list_gap=re.compile(raw["list_gap"], re.I),
        not_event_date_before=re.compile(
            r"\b(?:" + "|".join(raw["not_event_date_before"]) + r")\s+(?:the\s+)?$", re.I
        ),
        dateline=re.compile(raw["dateline"], re.MULTILINE),
        place_window=int(raw["place_window"]),
        states=states,
    )


# -- the article's cast: who is who, who speaks ----------------------------------------------


@dataclass
class _Cast:
    """What the whole article says about its people, used to resolve references."""

    persons: dict[str, Mention] = field(default_factory=dict)  # name -> first mention
    counts: Counter[str] = field(default_factory=Counter)
    person_state: dict[str, str] = field(default_factory=dict)  # name -> state name
    person_roles: dict[str, set[str]] = field(default_factory=dict)
    state_mention: dict[str, Mention] = field(default_factory=dict)  # state -> first mention
    state_counts: Counter[str] = field(default_factory=Counter)
    # References resolved so far ("the minister" at 768 is Kazakbaev): "he" takes the latest.
    referred: list[tuple[int, Mention]] = field(default_factory=list)
    pair: tuple[Mention, ...] = ()
    speakers: dict[int, tuple[Mention | None, Mention | None]] = field(default_factory=dict)
    dateline: Mention | None = None


def _role_words(window: str) -> set[str]:
    found = set()
    for word in ("president", "minister", "head of state", "leader", "ambassador", "speaker",
                 "chairman", "premier", "counterpart"):  # fmt: skip
        if word in window:
            found.add("president" if word == "head of state" else word)
    return found


def _build_cast(text: str, mentions: list[Mention], lex: EventLexicon) -> _Cast:
    cast = _Cast()
    for m in mentions:
        if m.label == "PLACE":
            state = lex.state_of_name(m.name) or lex.state_of_name(m.text)
            if state:
                cast.state_counts[state.name] += 1
                cast.state_mention.setdefault(state.name, m)
    for i, m in enumerate(mentions):
        if m.label != "PERSON":
            continue
        cast.counts[m.name] += 1
        cast.persons.setdefault(m.name, m)
        # The title just before a name tells the person's office and country.
        begin = max(m.sentence_start, m.start - 70)
        window = text[begin : m.start].casefold()
        if not window.strip():
            continue
        roles = _role_words(window)
        if roles:
            cast.person_roles.setdefault(m.name, set()).update(roles)
        state = None
        for other in reversed(mentions[:i]):
            if other.end <= begin:
                break
            if other.label == "PLACE":
                state = lex.state_of_name(other.name) or lex.state_of_name(other.text)
                if state:
                    break
        if state is None:
            for word in re.findall(r"[a-z]+", window)[::-1]:
                state = lex.state_of_demonym(word)
                if state:
                    break
        if state and (roles or m.name not in cast.person_state):
            cast.person_state.setdefault(m.name, state.name)
    ranked = [name for name, _ in cast.counts.most_common()]
    if len(ranked) >= 2:
        first = ranked[0]
        # The parties are the two most named people, from two countries where that is known.
        second = next(
            (n for n in ranked[1:] if cast.person_state.get(n) != cast.person_state.get(first)),
            ranked[1],
        )
        cast.pair = (cast.persons[first], cast.persons[second])
    elif len(cast.state_mention) >= 2:
        cast.pair = tuple(list(cast.state_mention.values())[:2])
    match = lex.dateline.search(text)
    if match:
        cast.dateline = next(
            (m for m in mentions if m.label == "PLACE" and m.start == match.start("city")), None
        )
    return cast


def _paragraphs(text: str) -> list[tuple[int, int]]:
    result = []
    for match in re.finditer(r"[^\n]+(?:\n[ \t]*[^\s\n][^\n]*)*", text):
        result.append((match.start(), match.end()))
    return result


def _speakers(
    text: str, mentions: list[Mention], cast: _Cast, lex: EventLexicon
) -> list[tuple[int, Mention | None, Mention | None]]:
    """(paragraph start, speaker, addressee) of transcripts and interviews, in order."""
    persons = [m for m in mentions if m.label == "PERSON"]
    result: list[tuple[int, Mention | None, Mention | None]] = []
    speaker: Mention | None = None
    addressee: Mention | None = None
    interviewee: Mention | None = None
    for start, end in _paragraphs(text):
        inside = [m for m in persons if start <= m.start < end]
        body = text[start:end]
        colon = body.find(":")
        label = next((m for m in inside if colon >= 0 and m.end - start <= colon < 90), None)
        stripped = body.lstrip()
        if label is not None and not text[label.end : start + colon].strip():
            # "President of Russia Vladimir Putin: ..." opens a turn of a transcript.
            speaker, addressee = label, None
        elif stripped.startswith(_DASHES):
            lead = start + len(body) - len(stripped)
            first = next((m for m in inside if m.start - lead < 6), None)
            if first is not None or stripped.rstrip().endswith("?"):
                # The interviewer's question names or addresses the one who answers.
                interviewee = first or interviewee
                speaker, addressee = None, interviewee
            else:
                speaker, addressee = interviewee, None
        for m in inside:
            if lex.vocative.search(text[max(start, m.start - 10) : m.start]) and m is not speaker:
                addressee = m
        if speaker is not None and addressee is None and cast.pair:
            others = [p for p in cast.pair if p.name != speaker.name]
            addressee = others[0] if len(others) == 1 else None
        result.append((start, speaker, addressee))
    return result


# -- triggers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    trigger: Trigger
    start: int
    end: int


def _tag_at(tokens: list[Token], starts: list[int], at: int) -> str:
    i = bisect.bisect_right(starts, at) - 1
    return tokens[i][2] if i >= 0 and tokens[i][0] <= at < tokens[i][1] else ""


def _last_words(text: str, n: int) -> str:
    return " ".join(text.split()[-n:])


def _governed(before: str, after: str, lex: EventLexicon) -> bool:
    """A trigger under negation, a hypothetical, a request or a habit is no event."""
    near = _last_words(before, 3)
    if lex.negation_before.search(near) and "not only" not in near.casefold():
        return True
    if lex.negation_after.search(" ".join(after.split()[:4])):
        return True
    clause = re.split(r"[,;:—–]", before)[-1]
    window = _last_words(clause, 6)
    if lex.hypothetical_before.search(window) and not lex.hypothetical_exempt.search(clause):
        return True
    if lex.request_before.search(window):
        return True
    return bool(lex.habitual_before.search(_last_words(before, 4)))


def _hits(
    text: str,
    start: int,
    end: int,
    tokens: list[Token],
    starts: list[int],
    lex: EventLexicon,
) -> list[_Hit]:
    sentence = text[start:end]
    hits: list[_Hit] = []
    for trigger in lex.triggers:
        for match in trigger.pattern.finditer(sentence):
            a, b = start + match.start(), start + match.end()
            if trigger.tags and _tag_at(tokens, starts, a) not in trigger.tags:
                continue
            if _governed(text[start:a], text[b:end], lex):
                continue
            hits.append(_Hit(trigger, a, b))
    hits.sort(key=lambda h: (h.start, h.end))
    kept = []
    for h in hits:
        purpose = re.search(r"\bto\s+$", text[max(start, h.start - 4) : h.start])
        # "consultations ... to discuss" names a purpose; "intend to discuss" is kept through
        # the intent just before it.
        intended = any(i.trigger.kind == "intent" and 0 <= h.start - i.end < 6 for i in hits)
        if h.trigger.kind == "discuss" and purpose and not intended:
            continue
        kept.append(h)
    if any(h.trigger.kind == "discuss" for h in kept):
        # Aid the talks will discuss is their matter, not aid given.
        kept = [h for h in kept if h.trigger.event_type != "AID"]
    return _absorb(kept, lex)


def _absorb(hits: list[_Hit], lex: EventLexicon) -> list[_Hit]:
    """An intent gives way to what it introduces: "intend to discuss" is the scheduled talks,
    "readiness to provide assistance" is aid; "ready to resume the talks" or "will continue
    to support" is an agreement, not talks or support."""
    dropped: set[int] = set()
    for i, hit in enumerate(hits):
        if hit.trigger.kind != "intent" and hit.trigger.id != "agree":
            continue
        for j in range(i + 1, len(hits)):
            nxt = hits[j]
            if nxt.start - hit.end > lex.intent_window:
                break
            if nxt.trigger.event_type == "AGREE":
                continue
            if nxt.trigger.kind == "discuss" or nxt.trigger.event_type == "AID":
                if hit.trigger.kind == "intent":
                    dropped.add(i)
            elif nxt.trigger.event_type in ("CONSULT", "SUPPORT", "COOPERATE"):
                dropped.add(j)
            break
    return [h for i, h in enumerate(hits) if i not in dropped]


# -- actors --------------------------------------------------------------------------------


@dataclass
class _Actors:
    items: list[EventActor] = field(default_factory=list)
    at: list[int] = field(default_factory=list)  # where each actor's words are in the sentence

    def add(self, mention: Mention, surface: tuple[int, int, str], reason: str) -> None:
        if any(a.name == mention.name and a.reason != "unresolved" for a in self.items):
            return
        self.items.append(
            EventActor(mention.start, mention.end, surface[2], "participant", reason, mention.name)
        )
        self.at.append(surface[0])

    def unresolved(self, start: int, end: int, text: str) -> None:
        if not any(a.start == start for a in self.items):
            self.items.append(EventActor(start, end, text, "participant", "unresolved"))
            self.at.append(start)


def _is_state_like(m: Mention, lex: EventLexicon) -> bool:
    return lex.state_of_city(m.name) is None and lex.state_of_city(m.text) is None


def _named_actors(
    text: str,
    sentence: tuple[int, int],
    inside: list[Mention],
    tokens: list[Token],
    starts: list[int],
    cast: _Cast,
    lex: EventLexicon,
    out: _Actors,
) -> None:
    s_start, _ = sentence
    excluded_prev: Mention | None = None
    previous_end = s_start
    for m in inside:
        if m.label not in ("PERSON", "ORG", "PLACE"):
            continue
        before = text[max(s_start, m.start - 60) : m.start]
        gap = text[previous_end : m.start]
        surface = (m.start, m.end, m.text)
        if m.label == "PERSON":
            out.add(m, surface, "named")
            excluded_prev, previous_end = None, m.end
            continue
        excluded = any(p.search(before) for p in lex.non_actor_before)
        if excluded_prev is not None and lex.list_gap.search(gap):
            excluded = True  # "within the UN, the OSCE and the CSTO": the whole list is matter
        if m.label == "ORG" and lex.reporting_after.search(text[m.end : m.end + 20]):
            excluded = True  # the news source ("the Foreign Ministry stressed"), not a party
        if m.label == "PLACE" and not excluded:
            city_state = lex.state_of_city(m.name) or lex.state_of_city(m.text)
            if city_state is not None or lex.city_before.search(before):
                # A capital acts only as its state's metonym: "Moscow suggested".
                nxt = _tag_at(tokens, starts, _next_token_start(tokens, starts, m.end))
                target = cast.state_mention.get(city_state.name) if city_state else None
                if nxt in _VERB_TAGS and target is not None:
                    out.add(target, surface, f"capital of {city_state.name if city_state else ''}")
                excluded_prev, previous_end = None, m.end
                continue
        if excluded:
            excluded_prev = m
        else:
            out.add(m, surface, "named")
            excluded_prev = None
        previous_end = m.end


def _next_token_start(tokens: list[Token], starts: list[int], at: int) -> int:
    i = bisect.bisect_left(starts, at)
    return tokens[i][0] if i < len(tokens) else at


def _person_for(
    cast: _Cast, state: str | None, role: str | None, before: int, mentions: list[Mention]
) -> Mention | None:
    """The person of the article with this office and country, the latest before `before`
    first: "the Kyrgyz foreign minister", "the head of state"."""
    candidates = [
        name
        for name in cast.persons
        if (state is None or cast.person_state.get(name) == state)
        and (role is None or role in cast.person_roles.get(name, set()))
    ]
    if not candidates:
        return None
    earlier = [m for m in mentions if m.label == "PERSON" and m.start < before]
    for m in reversed(earlier):
        if m.name in candidates:
            return m
    return cast.persons[max(candidates, key=lambda n: cast.counts[n])]


def _latest_person(cast: _Cast, mentions: list[Mention], before: int) -> Mention | None:
    earlier = [(m.start, m) for m in mentions if m.label == "PERSON" and m.start < before]
    earlier += [(at, m) for at, m in cast.referred if at < before]
    return max(earlier, key=lambda item: item[0])[1] if earlier else None


def _reference_actors(
    text: str,
    sentence: tuple[int, int],
    inside: list[Mention],
    mentions: list[Mention],
    cast: _Cast,
    speaker: tuple[Mention | None, Mention | None],
    meeting: bool,
    previous: tuple[EventActor, ...],
    lex: EventLexicon,
    out: _Actors,
) -> None:
    s_start, s_end = sentence
    body = text[s_start:s_end]
    named_people = {m.name for m in inside if m.label == "PERSON"}
    covered: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return not any(a < y and x < b for x, y in covered) and not any(
            m.start < b and a < m.end for m in inside if m.label != "DATE"
        )

    for match in lex.pair_references.finditer(body):
        a, b = s_start + match.start(), s_start + match.end()
        word = match.group().casefold()
        if word in lex.pair_needs_definition and not named_people and not out.items:
            continue  # a bare "they" with nothing else said: too vague to resolve
        if word in lex.pair_needs_definition and (named_people or out.items):
            continue  # "they" beside named actors refers to them
        covered.append((a, b))
        if cast.pair:
            for p in cast.pair:
                out.add(p, (a, b, match.group()), f"'{match.group()}': {p.name}")
        else:
            out.unresolved(a, b, match.group())
    for match in lex.counterpart.finditer(body):
        a, b = s_start + match.start(), s_start + match.end()
        if not free(a, b):
            continue
        covered.append((a, b))
        after = text[b : b + 3]
        if any(m.label == "PERSON" and b <= m.start <= b + len(after) for m in inside):
            continue  # "his Kyrgyz counterpart Ruslan Kazakbayev" is named
        dem = match.group("dem")
        state = lex.state_of_demonym(dem) if dem else None
        others = [p for p in cast.pair if p.name not in named_people and p.label == "PERSON"]
        target = _person_for(cast, state.name, None, a, mentions) if state else None
        target = target or (others[0] if others else None)
        if target is not None:
            who = ", ".join(sorted(named_people)) or "the speaker"
            out.add(target, (a, b, match.group()), f"counterpart of {who}")
        else:
            out.unresolved(a, b, match.group())
    for match in lex.compound_demonyms.finditer(body if not named_people else ""):
        for group in ("a", "b"):
            state = lex.state_of_demonym(match.group(group))
            target = cast.state_mention.get(state.name) if state else None
            if target is not None:
                a, b = s_start + match.start(group), s_start + match.end(group)
                out.add(target, (a, b, match.group(group)), f"'{match.group()}'")
    for match in lex.state_references.finditer(body):
        a, b = s_start + match.start(), s_start + match.end()
        state = lex.state_of_demonym(match.group("dem"))
        if state is None or not free(a, b):
            continue
        covered.append((a, b))
        target = cast.state_mention.get(state.name)
        if target is not None:
            out.add(target, (a, b, match.group()), f"'{match.group()}'")
        else:
            out.unresolved(a, b, match.group())
    for match in lex.role_references.finditer(body):
        a, b = s_start + match.start(), s_start + match.end()
        if not free(a, b):
            continue
        if any(m.label == "PERSON" and b <= m.start <= b + 2 for m in inside):
            continue  # the title of a name given right after it
        role = match.group("role")
        role_key = "president" if "head" in role and "state" in role else role.split()[-1]
        role_key = (
            role_key.rstrip("s")
            if role_key.endswith("ers") or role_key.endswith("nts")
            else role_key
        )
        role_key = "minister" if "minister" in role_key else role_key
        role_key = "president" if "president" in role_key else role_key
        states: list[str | None] = []
        for group in ("dem", "dem2"):
            word = match.group(group)
            st = lex.state_of_demonym(word) if word else None
            if st:
                states.append(st.name)
        if match.group("of"):
            place = next((m for m in inside if m.label == "PLACE" and b <= m.start <= b + 2), None)
            st = lex.state_of_name(place.name) if place else None
            if st is None:
                continue  # "the president of the company" and the like
            if any(m.label == "PERSON" and place is not None and 0 <= m.start - place.end <= 2
                   for m in inside):  # fmt: skip
                continue
            states.append(st.name)
        plural = role.endswith("s") and not role.endswith("ss")
        if not states and plural and cast.pair and role_key in ("minister", "president", "leader"):
            for p in cast.pair:
                out.add(p, (a, b, match.group()), f"'{match.group()}': {p.name}")
            covered.append((a, b))
            continue
        if not states:
            if plural or match.group().casefold().startswith(("minister", "president")):
                continue
            if not match.group().casefold().startswith("the"):
                continue
            states = [None]
        covered.append((a, b))
        for st_name in states:
            person = _person_for(cast, st_name, role_key, a, mentions)
            person = person or _person_for(cast, st_name, None, a, mentions)
            if person is not None:
                out.add(person, (a, b, match.group()), f"'{match.group()}': {person.name}")
                if len(states) == 1:
                    cast.referred.append((a, person))
    for match in lex.person_pronouns.finditer(body):
        a = s_start + match.start()
        target = _latest_person(cast, mentions, a)
        if target is not None:
            out.add(target, (a, a + len(match.group()), match.group()), "pronoun")
    people = sum(1 for a in out.items if a.reason != "unresolved" and a.name in cast.persons)
    for match in lex.state_pair_references.finditer(body if people < 2 else ""):
        a, b = s_start + match.start(), s_start + match.end()
        for state_name, _ in cast.state_counts.most_common(2):
            out.add(cast.state_mention[state_name], (a, b, match.group()), f"'{match.group()}'")
    if body.startswith(("They ", "Their ")) and previous:
        for actor in previous:
            out.items.append(actor)
            out.at.append(s_start)
    said, addressee = speaker
    attributed = lex.speaker_attribution.search(body)
    if attributed and any(q in body for q in _QUOTES):
        who = attributed.group("who")
        at = s_start + attributed.start("who")
        named = next((m for m in inside if m.start == at), None)
        latest = _latest_person(cast, mentions, at)
        said = named or (latest if who.casefold() in ("he", "she") else said)
    if len(out.items) >= 2:
        # The parties are named already: "I" or "you" is then the one who speaks or is asked
        # about the event ("can you name the topics of the talks"), not a party to it.
        return
    for pattern, target, reason in (
        (lex.first_person, said, "quoted speaker"),
        (lex.addressee, addressee, "addressee"),
    ):
        for match in pattern.finditer(body):
            a = s_start + match.start()
            if target is not None:
                out.add(target, (a, a + len(match.group()), match.group()), reason)
    if said is not None:
        said_state = cast.person_state.get(said.name)
        inclusive = meeting and any(p.name == said.name for p in cast.pair)
        for match in lex.plural_person.finditer(body):
            a = s_start + match.start()
            surface = (a, a + len(match.group()), match.group())
            if inclusive:
                # "we met", "we talked": the speaker and the one met, the article's two parties.
                for p in cast.pair:
                    out.add(p, surface, "quoted speaker and counterpart")
                continue
            target = cast.state_mention.get(said_state) if said_state else None
            out.add(target or said, surface, "quoted speaker")


# -- dates and places ----------------------------------------------------------------------


def _own_date(text: str, inside: list[Mention], lex: EventLexicon) -> str | None:
    for m in inside:
        if m.label != "DATE" or not m.value or m.value == "?":
            continue
        if lex.not_event_date_before.search(text[max(0, m.start - 12) : m.start]):
            continue  # "a programme for 2022-2024" dates the matter, not the event
        return m.value
    return None


def _own_place(
    text: str, hits: list[_Hit], inside: list[Mention], has_visit: bool, lex: EventLexicon
) -> Mention | None:
    for m in inside:
        if m.label != "PLACE":
            continue
        before = text[max(0, m.start - 12) : m.start]
        near = any(
            -lex.place_window // 3 <= m.start - h.end <= lex.place_window for h in hits
        ) or any(0 < h.start - m.end < 40 and "," in text[m.end : h.start] for h in hits)
        if not near:
            continue
        if lex.locative_before.search(before) or (
            has_visit and lex.destination_before.search(before)
        ):
            return m
    return None


@dataclass
class _Occasion:
    date: str | None
    place: Mention | None
    actors: tuple[EventActor, ...]
    sentence: int


def extract_events(
    document: Document,
    sentences: list[tuple[int, int]],
    tokens: list[Token],
    mentions: list[Mention],
    triggers: EventLexicon,
) -> list[Event]:
    """Every event the article reports, one per sentence and category."""
    lex = triggers
    text = document.text
    mentions = sorted(mentions, key=lambda m: (m.start, m.end))
    starts = [t[0] for t in tokens]
    cast = _build_cast(text, mentions, lex)
    turns = _speakers(text, mentions, cast, lex)
    turn_starts = [t[0] for t in turns]
    mention_starts = [m.start for m in mentions]
    events: list[Event] = []
    latest: dict[str, _Occasion] = {}  # CONSULT mode (and "any") -> latest occasion
    previous: tuple[EventActor, ...] = ()
    for number, (s_start, s_end) in enumerate(sentences):
        hits = _hits(text, s_start, s_end, tokens, starts, lex)
        if not hits:
            continue
        lo = bisect.bisect_left(mention_starts, s_start)
        hi = bisect.bisect_left(mention_starts, s_end)
        inside = mentions[lo:hi]
        has_visit = any(h.trigger.mode == "visit" for h in hits)
        meeting = any(h.trigger.event_type == "CONSULT" for h in hits)
        turn = bisect.bisect_right(turn_starts, s_start) - 1
        speaker = (turns[turn][1], turns[turn][2]) if turn >= 0 else (None, None)
        actors = _Actors()
        _named_actors(text, (s_start, s_end), inside, tokens, starts, cast, lex, actors)
        _reference_actors(
            text, (s_start, s_end), inside, mentions, cast, speaker, meeting, previous, lex, actors
        )
        own_date = _own_date(text, inside, lex)
        own_place = _own_place(text, hits, inside, has_visit, lex)
        by_type: dict[str, list[_Hit]] = {}
        for hit in hits:
            by_type.setdefault(hit.trigger.event_type, []).append(hit)
        for event_type, group in by_type.items():
            if group[0].trigger.needs_target and not any(
                m.label in ("PERSON", "ORG", "PLACE") and 0 <= m.start - group[0].end < 40
                for m in inside
            ):
                continue  # "condemn racism": a conflict event needs a named target
            hit = _main_hit(group, lex)
            mode = hit.trigger.mode
            if (
                event_type == "AGREE"
                and mode == "sign"
                and any(h.trigger.kind == "intent" and h.start < hit.start for h in hits)
            ):
                mode = "agree"  # "readiness to conclude a memorandum" is a promise
            past = _tag_at(tokens, starts, hit.start) in _PAST_TAGS
            date, place = own_date, own_place
            found = tuple(actors.items)
            if sum(1 for x in found if x.name in cast.persons) >= 2:
                # Two people meet or sign: the states named beside them are the matter
                # ("relations between Russia and Kyrgyzstan"), their ministers the parties.
                found = tuple(x for x in found if x.name in cast.persons or x.reason == "unresolved"
                              or not _is_place(x, mentions))  # fmt: skip
            if event_type == "CONSULT" and mode:
                source = latest.get(mode) or latest.get("any")
                # "during this visit", "the talks", or the very next sentence: the same talks.
                same = source is not None and (
                    bool(
                        lex.occasion_reference.search(
                            text[max(s_start, hit.start - 30) : hit.start]
                        )
                    )
                    or source.sentence >= number - 1
                )
                if date is None and source is not None:
                    date = source.date
                    place = place or source.place
                if (
                    source is not None
                    and same
                    and not any(a.reason == "named" and a.name not in ("",) for a in found)
                    and own_date is None
                ):
                    found = source.actors or found
                if not found:
                    continue
                latest[mode] = latest["any"] = _Occasion(date, place, found, number)
            else:
                if len({a.name or a.text for a in found}) < lex.min_actors.get(
                    event_type, lex.min_actors_default
                ):
                    continue  # an interaction needs its parties
                if date is None and past and "any" in latest:
                    # Said or agreed at the talks just reported: the talks' day and place.
                    date = latest["any"].date
                    place = place or latest["any"].place
            if not found:
                continue
            if (
                place is None
                and cast.dateline is not None
                and ((date is None and past) or date == document.date)
            ):
                place = cast.dateline
            where = {id(x): at for x, at in zip(actors.items, actors.at, strict=True)}
            chosen = _Actors(list(found), [where.get(id(a), s_start) for a in found])
            previous = found
            events.append(
                Event(
                    doc=document.id,
                    start=s_start,
                    end=s_end,
                    event_type=event_type,
                    mode=mode,
                    trigger_start=hit.start,
                    trigger_end=hit.end,
                    trigger_text=text[hit.start : hit.end],
                    rule=hit.trigger.id,
                    actors=_directed(chosen, event_type, mode, hit),
                    date=date,
                    date_source="text" if date else ("document" if document.date else None),
                    document_date=None if date else document.date,
                    place_start=place.start if place else None,
                    place_end=place.end if place else None,
                )
            )
    return events


def _is_place(actor: EventActor, mentions: list[Mention]) -> bool:
    return any(m.start == actor.start and m.label == "PLACE" for m in mentions)


def _main_hit(group: list[_Hit], lex: EventLexicon) -> _Hit:
    rank = {mode: i for i, mode in enumerate(lex.mode_priority)}
    return min(group, key=lambda h: (rank.get(h.trigger.mode or "", len(rank)), h.start))


def _directed(
    actors: _Actors, event_type: str, mode: str | None, hit: _Hit
) -> tuple[EventActor, ...]:
    """PLOVER's direction where the category has one: the actor named before the trigger acts
    ("Kyrgyzstan thanked Russia", "Japarov will travel to Moscow"), the one after receives."""
    if event_type not in _DIRECTED and mode != "visit":
        return tuple(actors.items)
    return tuple(
        EventActor(
            a.start, a.end, a.text, "source" if at < hit.start else "recipient", a.reason, a.name
        )
        for a, at in zip(actors.items, actors.at, strict=True)
    )
