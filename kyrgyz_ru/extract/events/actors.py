"""Actors: named mentions in actor position and references resolved to the article's cast."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from kyrgyz_ru.extract.events.cast import Cast
from kyrgyz_ru.extract.events.lexicon import EventLexicon
from kyrgyz_ru.extract.events.triggers import Hit, tag_at
from kyrgyz_ru.records import EventActor, Mention, Token

QUOTES = '"«»“”„'
VERB_TAGS = frozenset({"VB", "VBD", "VBZ", "VBP", "VBN", "VBG", "MD"})
# Categories whose actors have a direction: who visits, thanks, gives or attacks whom.
DIRECTED = frozenset({"SUPPORT", "AID", "DISAPPROVE", "REJECT", "DEMAND", "THREATEN",
                       "SANCTION", "ASSAULT", "PROTEST", "MOBILIZE"})  # fmt: skip
HOST = "host of the visit"


@dataclass
class Actors:
    items: list[EventActor] = field(default_factory=list)
    at: list[int] = field(default_factory=list)  # where each actor's words are in the sentence
    full: dict[str, Mention] = field(default_factory=dict)  # Cast.full: "Hu" is "Hu Jintao"
    # Names a reference of the sentence resolved to ("the two countries"): parties, even where
    # the same name also stands in the matter ("supplies to Kyrgyzstan").
    referred: set[str] = field(default_factory=set)

    def add(self, mention: Mention, surface: tuple[int, int, str], reason: str) -> None:
        if mention.label == "PERSON":
            mention = self.full.get(mention.name, mention)
        if reason != "named":
            self.referred.add(mention.name)
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


def named_actors(
    text: str,
    sentence: tuple[int, int],
    inside: list[Mention],
    tokens: list[Token],
    starts: list[int],
    cast: Cast,
    lex: EventLexicon,
    out: Actors,
    visit: bool = False,
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
        if m.label == "PERSON" and _vocative(text, s_start, m, lex):
            previous_end = m.end
            continue
        if m.label == "PERSON":
            out.add(m, surface, "named")
            excluded_prev, previous_end = None, m.end
            continue
        excluded = any(p.search(before) for p in lex.non_actor_before)
        if excluded_prev is not None and lex.list_gap.search(gap):
            excluded = True  # "within the UN, the OSCE and the CSTO": the whole list is matter
        if m.label == "ORG" and lex.reporting_after.search(text[m.end : m.end + 20]):
            excluded = True  # the news source ("the Foreign Ministry stressed"), not a party
        if (
            m.label == "ORG"
            and lex.source_after_dash.search(before)
            and not text[m.end : sentence[1]].strip(" .")
        ):
            excluded = True  # a headline's source: "Putin, Tokayev discuss ... - Kremlin"
        if _demonym_compound(m.text, lex):
            continue  # "Kazakh-Chinese": an adjective, never a party (GUIDELINE)
        if visit and m.label == "PLACE" and lex.destination_before.search(before[-30:]):
            # The host of a visit ("left for Russia"); a capital stands for its state unless the
            # host is named after it ("visit Moscow for talks with Lavrov").
            city_state = lex.state_of_city(m.name) or lex.state_of_city(m.text)
            target = cast.state_mention.get(city_state.name) if city_state else m
            host_named = any(x.label == "PERSON" and x.start > m.end for x in inside)
            if target is not None and (city_state is None or not host_named):
                out.add(target, surface, HOST)
            excluded_prev, previous_end = None, m.end
            continue
        if m.label == "PLACE" and not excluded:
            city_state = lex.state_of_city(m.name) or lex.state_of_city(m.text)
            if city_state is not None or lex.city_before.search(before):
                # A capital acts only as its state's metonym: "Moscow suggested".
                nxt = tag_at(tokens, starts, _next_token_start(tokens, starts, m.end))
                target = cast.state_mention.get(city_state.name) if city_state else None
                if nxt in VERB_TAGS and target is not None:
                    out.add(target, surface, f"capital of {city_state.name if city_state else ''}")
                excluded_prev, previous_end = None, m.end
                continue
        if excluded:
            excluded_prev = m
        else:
            out.add(m, surface, "named")
            excluded_prev = None
        previous_end = m.end


def _vocative(text: str, s_start: int, m: Mention, lex: EventLexicon) -> bool:
    """A name that opens a turn and is followed by a comma addresses its bearer ("— Ruslan
    Aitbaevich, experts call the visit...", "Dear Mr Japarov, ..."): the one spoken to, a party
    only where the words make them one ("you")."""
    raw = text[s_start : m.start]
    if not raw.strip():
        return False  # "Putin, Tokayev discuss ...": a list of names, no address
    lead = lex.vocative.sub("", raw.strip(' \t—–-"«“') + " ").strip()
    return not lead and text[m.end : m.end + 1] == ","


def _demonym_compound(surface: str, lex: EventLexicon) -> bool:
    parts = surface.split("-")
    return len(parts) > 1 and all(lex.state_of_demonym(p) for p in parts)


def _next_token_start(tokens: list[Token], starts: list[int], at: int) -> int:
    i = bisect.bisect_left(starts, at)
    return tokens[i][0] if i < len(tokens) else at


def _person_for(
    cast: Cast, state: str | None, role: str | None, before: int, mentions: list[Mention]
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
        if cast.person(m).name in candidates:
            return cast.person(m)
    return cast.persons[max(candidates, key=lambda n: cast.counts[n])]


def _role_key(role: str, lex: EventLexicon) -> str:
    """The office a role word names: "Foreign Ministers" is "minister", "heads of state" and
    "Presidents" are "president"; the data file's titles first (any language's forms)."""
    key = role.casefold()
    for title in sorted(lex.role_titles, key=len, reverse=True):
        if title in key:
            return lex.role_titles[title]
    if "head" in key and "state" in key:
        return "president"
    key = key.split()[-1]
    key = key.rstrip("s") if key.endswith(("ers", "nts")) else key
    for office in ("minister", "president"):
        if office in key:
            return office
    return key


def _listed_places(text: str, inside: list[Mention], at: int, lex: EventLexicon) -> list[Mention]:
    """The places listed from `at` on: "of Kyrgyzstan, Belarus, and Russia"."""
    result: list[Mention] = []
    end = at
    for m in inside:
        if m.start < at or m.label == "DATE":
            continue
        gap = text[end : m.start]
        if m.label != "PLACE" or (gap.strip() and not lex.list_gap.search(gap)):
            break
        result.append(m)
        end = m.end
    return result


def _latest_person(cast: Cast, mentions: list[Mention], before: int) -> Mention | None:
    earlier = [(m.start, m) for m in mentions if m.label == "PERSON" and m.start < before]
    earlier += [(at, m) for at, m in cast.referred if at < before]
    return max(earlier, key=lambda item: item[0])[1] if earlier else None


def reference_actors(
    text: str,
    sentence: tuple[int, int],
    inside: list[Mention],
    mentions: list[Mention],
    cast: Cast,
    speaker: tuple[Mention | None, Mention | None],
    meeting: bool,
    previous: tuple[EventActor, ...],
    lex: EventLexicon,
    out: Actors,
) -> None:
    s_start, s_end = sentence
    body = text[s_start:s_end]
    named_people = {cast.person(m).name for m in inside if m.label == "PERSON"}
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
        # "the Russian side", "Tajik and Russian servicemen": the states themselves take part.
        sides = [lex.state_of_demonym(match.group(g) or "") for g in ("dem2", "dem")]
        if sides[1] is None or not free(a, b):
            continue
        covered.append((a, b))
        for state in sides:
            target = cast.state_mention.get(state.name) if state else None
            if target is not None:
                out.add(target, (a, b, match.group()), f"'{match.group()}'")
            elif state is not None:
                out.unresolved(a, b, match.group())
    for match in lex.role_references.finditer(body):
        a, b = s_start + match.start(), s_start + match.end()
        if not free(a, b):
            continue
        if any(m.label == "PERSON" and b <= m.start <= b + 2 for m in inside):
            continue  # the title of a name given right after it
        role = match.group("role")
        role_key = _role_key(role, lex)
        plural = bool(lex.plural_role.search(role))  # "heads of state" is as plural as "leaders"
        states: list[str | None] = []
        places: dict[str, Mention] = {}  # state -> its mention in the list after "of"
        for group in ("dem", "dem2"):
            word = match.group(group)
            st = lex.state_of_demonym(word) if word else None
            if st:
                states.append(st.name)
        if match.group("of") is not None:
            listed = _listed_places(text, inside, b, lex)[: None if plural else 1]
            if not listed:
                continue  # "the president of the company" and the like
            if any(m.label == "PERSON" and 0 <= m.start - listed[0].end <= 2 for m in inside):
                continue  # "the President of Kyrgyzstan Sadyr Japarov": named already
            for place in listed:
                st = lex.state_of_name(place.name) or lex.state_of_name(place.text)
                if st is not None:
                    states.append(st.name)
                    places[st.name] = place
        if not states and plural and any(m.label == "ORG" and m.end <= a for m in inside):
            # "At the CSTO summit, the heads of state signed": the organisation's members, not
            # the article's two parties.
            covered.append((a, b))
            continue
        if not states and plural and cast.pair and role_key in ("minister", "president", "leader"):
            for p in cast.pair:
                out.add(p, (a, b, match.group()), f"'{match.group()}': {p.name}")
            covered.append((a, b))
            continue
        if not states:
            if plural or lex.bare_role.search(match.group()):
                continue
            if not lex.definite_role.search(match.group()):
                continue
            states = [None]
        covered.append((a, b))
        for st_name in states:
            person = _person_for(cast, st_name, role_key, a, mentions)
            if person is None and plural and st_name in places:
                # "the leaders of Kyrgyzstan, Belarus and Russia", none of them named in the
                # article: the states themselves take part.
                place = places[st_name]
                out.add(place, (place.start, place.end, place.text), f"'{match.group()}'")
                continue
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
    if lex.pair_pronoun_start.match(body) and previous:
        for actor in previous:
            out.items.append(actor)
            out.at.append(s_start)
    said, addressee = speaker
    attributed = lex.speaker_attribution.search(body)
    if attributed and any(q in body for q in QUOTES):
        who = attributed.group("who")
        at = s_start + attributed.start("who")
        named = next((m for m in inside if m.start == at), None)
        latest = _latest_person(cast, mentions, at)
        said = named or (latest if lex.person_pronouns.fullmatch(who) else said)
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


def is_place(actor: EventActor, mentions: list[Mention]) -> bool:
    return any(m.start == actor.start and m.label == "PLACE" for m in mentions)


def directed(
    actors: Actors,
    event_type: str,
    mode: str | None,
    hit: Hit,
    text: str,
    hosts: frozenset[str],
    lex: EventLexicon,
) -> tuple[EventActor, ...]:
    """PLOVER's direction where the category has one: the actor named before the trigger acts
    ("Kyrgyzstan thanked Russia"), the one after receives. A visit goes from the visitor to the
    host: the state visited, its people, and whoever invited, welcomed or received the visitor
    ("At the invitation of Lavrov, Kazakbayev paid a visit to Russia")."""
    if event_type not in DIRECTED and mode != "visit":
        return tuple(actors.items)
    result = []
    for a, at in zip(actors.items, actors.at, strict=True):
        if mode == "visit":
            hosting = (
                a.reason == HOST
                or a.name in hosts
                or bool(lex.hosted_by.search(text[max(0, at - 40) : at]))
            )
            role = "recipient" if hosting else "source"
        else:
            role = "source" if at < hit.start else "recipient"
        result.append(EventActor(a.start, a.end, a.text, role, a.reason, a.name))
    return tuple(result)
