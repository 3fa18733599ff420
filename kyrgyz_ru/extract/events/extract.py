"""Events: who did what with whom, when and where (shared/spec/events.md).

Tag and mention patterns only, no parser: a sentence is an event when a trigger of
data/events.json matches in it and no negation, hypothetical, request or habit cue governs
the trigger. Actors are the sentence's entity mentions in actor position plus references
("the parties", "his counterpart", "the Russian side", "he", "we" in quotes) resolved to
mentions of the same article. Dates and places come from the sentence (a dateline's city and
day included), else from the latest earlier event of the same kind (a later "the visit" is that
visit), else from where the story is (its latest placed event), else the dateline.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace

from kyrgyz_ru.extract import dates
from kyrgyz_ru.extract.corpus import header_date as corpus_header
from kyrgyz_ru.extract.events.actors import (
    HOST,
    Actors,
    directed,
    is_place,
    named_actors,
    reference_actors,
)
from kyrgyz_ru.extract.events.cast import Cast, build_cast, speakers
from kyrgyz_ru.extract.events.lexicon import EventLexicon, load_event_lexicon
from kyrgyz_ru.extract.events.triggers import Hit, Lemmas, find_hits, main_hit, tag_at
from kyrgyz_ru.records import Document, Event, EventActor, Mention, Token

__all__ = ["extract_events", "load_event_lexicon"]

PAST_TAGS = frozenset({"VBD", "VBN"})


# -- dates and places ----------------------------------------------------------------------


def _own_date(text: str, inside: list[Mention], lex: EventLexicon) -> Mention | None:
    for m in inside:
        if m.label != "DATE" or not m.value or m.value == "?":
            continue
        if lex.not_event_date_before.search(text[max(0, m.start - 12) : m.start]):
            continue  # "a programme for 2022-2024" dates the matter, not the event
        return m
    return None


def _in_tense(date: str | None, past_weekday: Mention | None, published: str | None) -> str | None:
    """A weekday named alone is resolved to the nearest one, before or after the article's
    date; a report in the past tense ("On Saturday the leaders held talks") means the one
    before, so a Saturday after publication moves back a week. `past_weekday` is the
    sentence's weekday when the sentence is told in the past, else None."""
    if (
        past_weekday is not None
        and date is not None
        and published is not None
        and len(date) == 10
        and date > published
        and past_weekday.value == date
    ):
        return dates.week_before(date)
    return date


def _own_place(
    text: str, hits: list[Hit], inside: list[Mention], has_visit: bool, lex: EventLexicon
) -> Mention | None:
    """Where the sentence says the event happens; of a state and a city in it ("a visit to the
    Russian Federation, arrived in Moscow") the city, the more precise."""
    found: list[Mention] = []
    for m in inside:
        if m.label != "PLACE":
            continue
        before = text[max(0, m.start - 30) : m.start]
        near = any(
            -lex.place_window // 3 <= m.start - h.end <= lex.place_window for h in hits
        ) or any(0 < h.start - m.end < 40 and "," in text[m.end : h.start] for h in hits)
        if not near:
            continue
        if lex.locative_before.search(before) or (
            has_visit and lex.destination_before.search(before)
        ):
            found.append(m)
    cities = [m for m in found if lex.state_of_name(m.name) is None]
    return next(iter(cities or found), None)


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
    lemmas: list[str] | None = None,
) -> list[Event]:
    """Every event the article reports, one per sentence and category. `lemmas`, parallel to
    `tokens`, are where a lexicon on lemmas (Russian) matches its triggers."""
    lex = triggers
    text = document.text
    mentions = sorted(mentions, key=lambda m: (m.start, m.end))
    starts = [t[0] for t in tokens]
    view = Lemmas.of(lemmas) if lex.on_lemmas and lemmas else None
    cast = build_cast(text, mentions, lex, document.date[:4] if document.date else None)
    turns = speakers(text, mentions, cast, lex)
    turn_starts = [t[0] for t in turns]
    mention_starts = [m.start for m in mentions]
    events: list[Event] = []
    latest: dict[str, _Occasion] = {}  # CONSULT mode (and "any") -> latest occasion
    previous: tuple[EventActor, ...] = ()
    # Where and when the story happens, from its latest placed event: "the talks" three
    # paragraphs on, or thanks said at them, take place in the city the lead names.
    story: tuple[Mention | None, str | None] = (None, None)
    for number, (s_start, s_end) in enumerate(sentences):
        hits = find_hits(text, s_start, s_end, tokens, starts, lex, view)
        if not hits:
            continue
        lo = bisect.bisect_left(mention_starts, s_start)
        hi = bisect.bisect_left(mention_starts, s_end)
        inside = mentions[lo:hi]
        has_visit = any(h.trigger.mode == "visit" for h in hits)
        meeting = any(h.trigger.event_type == "CONSULT" for h in hits)
        turn = bisect.bisect_right(turn_starts, s_start) - 1
        speaker = (turns[turn][1], turns[turn][2]) if turn >= 0 else (None, None)
        actors = Actors(full=cast.full)
        named_actors(text, (s_start, s_end), inside, tokens, starts, cast, lex, actors, has_visit)
        reference_actors(
            text, (s_start, s_end), inside, mentions, cast, speaker, meeting, previous, lex, actors
        )
        stated = _own_date(text, inside, lex)
        own_date = stated.value if stated is not None else None
        # Only a weekday named alone needs the sentence's tense (see _in_tense).
        past_weekday = (
            stated
            if stated is not None
            and dates.is_bare_weekday(stated.text)
            and _told_in_past(text, tokens, starts, (s_start, s_end), lex)
            else None
        )
        if (
            own_date is None
            and cast.dateline is not None
            and s_start <= cast.dateline.start < s_end
        ):
            own_date = cast.dateline_date  # "ASTANA. Feb 28 (Interfax) - Blinken said ..."
        elif (
            own_date is None
            and cast.dateline is not None
            and number > 0
            and (
                sentences[number - 1][0] <= cast.dateline.start < sentences[number - 1][1]
                and not text[sentences[number - 1][1] : s_start].count("\n")
            )
        ):
            own_date = cast.dateline_date  # the splitter cut after "ASTANA."
        # Only a visit goes to its place ("a visit to China"); talks, signings and thanks happen
        # where the sentence says "in" or "at" ("talks in Tianjin" during that visit).
        own_place = _own_place(text, hits, inside, has_visit, lex)
        own_locative = _own_place(text, hits, inside, False, lex)
        by_type: dict[str, list[Hit]] = {}
        for hit in hits:
            by_type.setdefault(hit.trigger.event_type, []).append(hit)
        for event_type, group in by_type.items():
            if group[0].trigger.needs_target and not any(
                m.label in ("PERSON", "ORG", "PLACE") and 0 <= m.start - group[0].end < 40
                for m in inside
            ):
                continue  # "condemn racism": a conflict event needs a named target
            framed = [
                h
                for h in group
                if h.trigger.mode in lex.framed_modes
                and lex.framing_visit_before.search(text[max(s_start, h.start - 60) : h.start])
            ]
            acts = [h for h in group if h not in framed and h.trigger.kind != "discuss"]
            acts = [h for h in group if h not in framed] if acts else []
            # "As part of a working visit to China, Japarov met Xi in Tianjin": the meeting is
            # what the sentence reports, the visit its frame.
            hit = main_hit(acts if event_type == "CONSULT" and acts else group, lex)
            mode = hit.trigger.mode
            if mode == "summit" and _bilateral(text[hit.start : hit.end], lex):
                mode = "meet"  # "a meeting of the Russian-Kyrgyz commission": two states'
            if (
                event_type == "AGREE"
                and mode == "sign"
                and any(h.trigger.kind == "intent" and h.start < hit.start for h in hits)
            ):
                mode = "agree"  # "readiness to conclude a memorandum" is a promise
            past = _past(text, tokens, starts, hit.start, lex)
            if hit.trigger.kind == "discuss":
                found_matter = _matter_of_discussion(text, hit, actors, mentions, lex)
            else:
                found_matter = frozenset()
            date, place = own_date, own_place if mode == "visit" else own_locative
            date = _in_tense(date, past_weekday, document.date)
            found = tuple(a for a in actors.items if id(a) not in found_matter)
            if sum(1 for x in found if x.name in cast.persons) >= 2:
                # Two people meet or sign: the states named beside them are the matter
                # ("relations between Russia and Kyrgyzstan"), their ministers the parties.
                found = tuple(x for x in found if x.name in cast.persons or x.reason == "unresolved"
                              or x.reason == HOST or not is_place(x, mentions))  # fmt: skip
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
                    and all(a.reason == "unresolved" or _speaker_side(a) for a in found)
                    and own_date is None
                ):
                    # "As part of the visit, we will discuss": the speaker's "we" is one side of
                    # the occasion, whose parties the report already named.
                    found = source.actors or found
                if not found:
                    continue
                if not lex.later_occasion_before.search(
                    text[max(s_start, hit.start - 20) : hit.start]
                ):
                    # "The next meeting of the commission will take place later this month" is
                    # another occasion: "during the talks" after it still means the ones reported.
                    latest[mode] = latest["any"] = _Occasion(date, place, found, number)
            else:
                least = lex.min_actors.get(event_type, lex.min_actors_default)
                occasion = latest.get("any")
                if (
                    len({a.name or a.text for a in found}) < least
                    and mode == "sign"
                    and occasion is not None
                    and (meeting or occasion.sentence >= number - 2)
                ):
                    # "Following the meeting, documents were signed": by the meeting's parties.
                    found = tuple(dict.fromkeys((*found, *occasion.actors)))
                at_summit = any(h.trigger.mode == "summit" for h in hits) or (
                    occasion is not None and occasion is latest.get("summit")
                )
                if mode == "sign" and at_summit and _only_organisation(found, mentions):
                    least = 1  # "At the CSTO summit, 15 documents were signed": by the body
                if len({a.name or a.text for a in found}) < least:
                    continue  # an interaction needs its parties
                if date is None and "any" in latest:
                    # Said, agreed or to be signed at the talks reported: their day and place.
                    date = latest["any"].date
                    place = place or latest["any"].place
            if not found:
                continue
            if place is None and story[0] is not None and _within(date, story[1], document.date):
                place = story[0]
            if (
                place is None
                and cast.dateline is not None
                and ((date is None and past) or date == document.date)
            ):
                place = cast.dateline
            if place is not None and (story[0] is None or date in (None, story[1])):
                story = (place, date or story[1])
            where = {id(x): at for x, at in zip(actors.items, actors.at, strict=True)}
            chosen = Actors(list(found), [where.get(id(a), s_start) for a in found])
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
                    actors=directed(
                        chosen, event_type, mode, hit, text, _hosts(place, found, cast, lex), lex
                    ),
                    date=date,
                    date_source="text" if date else ("document" if document.date else None),
                    document_date=None if date else document.date,
                    place_start=place.start if place else None,
                    place_end=place.end if place else None,
                )
            )
    return _headline_occasion(text, events)


def _past(text: str, tokens: list[Token], starts: list[int], at: int, lex: EventLexicon) -> bool:
    """The trigger's word is a past verb: by its tag, or by its ending where the tags a
    language's tagger gives do not tell the tense (Russian «встретился»)."""
    if lex.past_form is None:
        return tag_at(tokens, starts, at) in PAST_TAGS
    i = bisect.bisect_right(starts, at) - 1
    word = text[tokens[i].start : tokens[i].end] if i >= 0 else ""
    return tag_at(tokens, starts, at).startswith("VB") and bool(lex.past_form.search(word))


def _told_in_past(
    text: str, tokens: list[Token], starts: list[int], sentence: tuple[int, int], lex: EventLexicon
) -> bool:
    """The sentence reports the past: a past verb in it and no modal ("will", «будет»)."""
    first = bisect.bisect_left(starts, sentence[0])
    last = bisect.bisect_left(starts, sentence[1])
    inside = tokens[first:last]
    if any(t.tag == "MD" for t in inside):
        return False
    return any(_past(text, tokens, starts, t.start, lex) for t in inside)


def _within(date: str | None, *days: str | None) -> bool:
    """The date is unknown, or the same as, or coarser than one of `days`: "2025" or
    "2025-08" holds "2025-08-31", so the story's place still holds."""
    return date is None or any(day is not None and day.startswith(date) for day in days)


def _bilateral(words: str, lex: EventLexicon) -> bool:
    """A body of two named states ("the Turkey-Uzbekistan Council") meets bilaterally."""
    for a, b in re.findall(r"([^\W\d_]+)-([^\W\d_]+)", words):
        if all(lex.state_of_name(x) or lex.state_of_demonym(x) for x in (a, b)):
            return True
    return False


def _only_organisation(found: tuple[EventActor, ...], mentions: list[Mention]) -> bool:
    labels = {(m.start, m.end): m.label for m in mentions}
    return bool(found) and all(labels.get((a.start, a.end)) == "ORG" for a in found)


def _speaker_side(actor: EventActor) -> bool:
    return actor.reason.startswith("quoted speaker")


def _hosts(
    place: Mention | None, found: tuple[EventActor, ...], cast: Cast, lex: EventLexicon
) -> frozenset[str]:
    """The names of a visit's hosts: the state visited (of the city visited) and its people."""
    if place is None:
        return frozenset()
    state = lex.state_of_name(place.name) or lex.state_of_city(place.name)
    if state is None:
        return frozenset()
    return frozenset(
        a.name
        for a in found
        if a.name
        and (lex.state_of_name(a.name) is state or cast.person_state.get(a.name) == state.name)
    )


def _matter_of_discussion(
    text: str, hit: Hit, actors: Actors, mentions: list[Mention], lex: EventLexicon
) -> frozenset[int]:
    """What is discussed is the matter, not a party: the states and bodies named after "discussed"
    ("discussed loans through the EFSD"), unless "with" introduces them; in the passive ("issues
    of the EFSD will be discussed") every one of them. People always take part."""
    passive = bool(lex.passive_before.search(text[max(0, hit.start - 12) : hit.start]))
    labels = {m.start: m.label for m in mentions}
    matter = set()
    for a, at in zip(actors.items, actors.at, strict=True):
        if a.reason != "named" or labels.get(a.start) == "PERSON" or a.name in actors.referred:
            continue
        if passive or (at >= hit.end and not lex.with_before.search(text[max(0, at - 10) : at])):
            matter.add(id(a))
    return frozenset(matter)


def _headline(text: str) -> tuple[int, int] | None:
    """The headline: the article's first line when it stands alone (a blank line after it)
    and reads as a title (no closing full stop). A date header line is skipped."""
    for match in re.finditer(r"[^\n]*\S[^\n]*", text):
        line = match.group().strip()
        if corpus_header(line):
            continue
        after = text[match.end() : match.end() + 3]
        if after.startswith(("\n\n", "\r\n\r")) and not line.endswith((".", "!", "?", ":")):
            return match.start(), match.end()
        return None
    return None


def _headline_occasion(text: str, events: list[Event]) -> list[Event]:
    """A headline announces the story the lead then tells with its day and place ("Xi holds
    talks with Kyrgyz president" / "XI'AN, May 18 -- Xi on Thursday held talks in Xi'an"):
    an undated event of the headline takes the first later dated event of its category."""
    head = _headline(text)
    if head is None:
        return events
    result = []
    for e in events:
        if head[0] <= e.start < head[1] and e.date is None:
            body = [x for x in events if x.start >= head[1] and x.date is not None]
            same = [x for x in body if x.event_type == e.event_type] or [
                x for x in body if x.event_type == "CONSULT"
            ]
            if same:
                lead = same[0]
                place = (e.place_start, e.place_end)
                if e.place_start is None:
                    place = (lead.place_start, lead.place_end)
                e = replace(
                    e,
                    date=lead.date,
                    date_source="text",
                    document_date=None,
                    place_start=place[0],
                    place_end=place[1],
                )
        result.append(e)
    return result
