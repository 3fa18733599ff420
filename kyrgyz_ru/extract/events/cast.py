"""Who is who in the article: its people, their offices and states, the two parties, who
speaks in transcripts and interviews, and the dateline."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from kyrgyz_ru.extract.events.lexicon import EventLexicon, load_event_lexicon
from kyrgyz_ru.records import Mention

DASHES = ("—", "–", "- ")


@dataclass
class Cast:
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
    dateline_date: str | None = None  # the day the dateline names ("ASTANA. Feb 28"), ISO
    # A one-word name -> the first mention of the one longer name of the article it is part of.
    full: dict[str, Mention] = field(default_factory=dict)

    def person(self, m: Mention) -> Mention:
        """The mention that names this person in full ("Hu" is "Hu Jintao")."""
        return self.full.get(m.name, m) if m.label == "PERSON" else m


def role_words(window: str, lex: EventLexicon) -> set[str]:
    """The offices a title names ("head of state" is a president), from the data file."""
    return {role for title, role in lex.role_titles.items() if title in window}


def build_cast(
    text: str, mentions: list[Mention], lex: EventLexicon, year: str | None = None
) -> Cast:
    cast = Cast()
    cast.full = _full_names(mentions)
    for m in mentions:
        if m.label == "PLACE":
            state = lex.state_of_name(m.name) or lex.state_of_name(m.text)
            if state:
                cast.state_counts[state.name] += 1
                cast.state_mention.setdefault(state.name, m)
    for i, m in enumerate(mentions):
        if m.label != "PERSON":
            continue
        name = cast.person(m).name
        cast.counts[name] += 1
        cast.persons.setdefault(name, cast.person(m))
        # The title just before a name tells the person's office and country.
        begin = max(m.sentence_start, m.start - 70)
        window = text[begin : m.start].casefold()
        if not window.strip():
            continue
        roles = role_words(window, lex)
        if roles:
            cast.person_roles.setdefault(name, set()).update(roles)
        state = None
        for other in reversed(mentions[:i]):
            if other.end <= begin:
                break
            if other.label == "PLACE":
                state = lex.state_of_name(other.name) or lex.state_of_name(other.text)
                if state:
                    break
        if state is None:
            for word in re.findall(r"[^\W\d_]+", window)[::-1]:
                state = lex.state_of_demonym(word)
                if state:
                    break
        if state and (roles or name not in cast.person_state):
            cast.person_state.setdefault(name, state.name)
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
    cast.dateline = dateline(text, mentions, lex)
    if cast.dateline is not None:
        after = text[cast.dateline.end : cast.dateline.end + 20]
        cast.dateline_date = dateline_day(after, year, lex)
    return cast


def _full_names(mentions: list[Mention]) -> dict[str, Mention]:
    """A one-word name the linker left alone is the article's one longer name that begins or
    ends with it: a family name written first ("Hu" for "Hu Jintao") or last ("Blake")."""
    longer: dict[str, Mention] = {}
    for m in mentions:
        if m.label == "PERSON" and " " in m.name.strip():
            longer.setdefault(m.name, m)
    result = {}
    for m in mentions:
        if m.label != "PERSON" or not m.name or " " in m.name.strip() or m.name in result:
            continue
        word = m.name.casefold()
        owners = [
            full
            for name, full in longer.items()
            if word in (name.split()[0].casefold(), name.split()[-1].casefold())
        ]
        if len(owners) == 1:
            result[m.name] = owners[0]
    return result


def dateline_day(after_city: str, year: str | None, lex: EventLexicon | None = None) -> str | None:
    """The day a dateline gives after its city ("BEIJING, Nov. 23 (Xinhua)"): the day the
    story's news happened, in the year of the article (XXXX where that is unknown)."""
    lex = lex or load_event_lexicon()
    found = lex.dateline_day.match(after_city)
    if found is None:
        return None
    month = lex.month(found.group("month"))
    if month is None or not 1 <= int(found.group("day")) <= 31:
        return None
    return f"{year or 'XXXX'}-{month:02d}-{int(found.group('day')):02d}"


def dateline(text: str, mentions: list[Mention], lex: EventLexicon) -> Mention | None:
    """The city a news agency's dateline opens the story with ("BEIJING, Nov. 23 (Xinhua) --",
    "ASTANA. Feb 28", "MOSCOW (Sputnik) -"): where the day's news happened. Only the first
    lines: further down the same shape is an ordinary sentence."""
    for number, match in enumerate(re.finditer(r"[^\n]*\S[^\n]*", text)):
        if number >= lex.dateline_lines:
            break
        found = lex.dateline.match(match.group())
        if found is None:
            continue
        at = match.start() + found.start("city")
        city = next((m for m in mentions if m.label == "PLACE" and m.start == at), None)
        if city is not None:
            return city
    return None


def paragraphs(text: str) -> list[tuple[int, int]]:
    result = []
    for match in re.finditer(r"[^\n]+(?:\n[ \t]*[^\s\n][^\n]*)*", text):
        result.append((match.start(), match.end()))
    return result


def speakers(
    text: str, mentions: list[Mention], cast: Cast, lex: EventLexicon
) -> list[tuple[int, Mention | None, Mention | None]]:
    """(paragraph start, speaker, addressee) of transcripts and interviews, in order."""
    persons = [m for m in mentions if m.label == "PERSON"]
    result: list[tuple[int, Mention | None, Mention | None]] = []
    speaker: Mention | None = None
    addressee: Mention | None = None
    interviewee: Mention | None = None
    for start, end in paragraphs(text):
        inside = [m for m in persons if start <= m.start < end]
        body = text[start:end]
        colon = body.find(":")
        label = next((m for m in inside if colon >= 0 and m.end - start <= colon < 90), None)
        stripped = body.lstrip()
        if label is not None and not text[label.end : start + colon].strip():
            # "President of Russia Vladimir Putin: ..." opens a turn of a transcript.
            speaker, addressee = label, None
        elif stripped.startswith(DASHES):
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
