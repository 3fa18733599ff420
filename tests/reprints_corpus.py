"""Planted reprints and different stories on one subject, made up for the reprint tests:
the same people in the same place, different events; and copies of each story with another
agency's name, a changed first line, a sentence added or cut."""

from __future__ import annotations

import random

PEOPLE = ("Sadyr Japarov", "Vladimir Putin", "Akylbek Japarov", "Sergei Lavrov")
PLACE = "Moscow"
# One list a distinct event, all about the same subject: gas between Kyrgyzstan and Russia.
EVENTS = [
    ["{a} and {b} signed a gas supply agreement in {p} on Tuesday.",
     "The deal fixes the price of Russian gas for Kyrgyz households until 2030.",
     "Officials said the first deliveries under the new terms would begin in the spring.",
     "{c} called the agreement a guarantee of warm winters for every family.",
     "Critics in parliament asked why the full text had not been published."],
    ["Hundreds of people protested outside the embassy in {p} against rising gas tariffs.",
     "Demonstrators carried banners addressed to {a} and demanded a meeting.",
     "Police detained four activists after the crowd blocked a road for an hour.",
     "{c} said the government would explain the tariff formula next week.",
     "The protest ended peacefully by the evening, organisers said."],
    ["{a} cancelled a planned trip to {p} where he was to discuss gas debts with {b}.",
     "His office gave no reason for the cancellation beyond scheduling problems.",
     "Analysts linked the decision to a dispute over unpaid bills of the state utility.",
     "The debt has grown to about forty million dollars since last autumn.",
     "{c} is expected to travel instead at the end of the month."],
    ["A pipeline explosion near the border cut gas supplies to the capital for two days.",
     "Engineers from {p} arrived to help repair the damaged section of the line.",
     "{a} visited the site and ordered an investigation into the cause of the blast.",
     "Schools and hospitals switched to reserve boilers during the outage.",
     "{b} offered condolences and promised technical assistance."],
    ["{b} told a press conference in {p} that Kyrgyzstan had asked for a discount on gas.",
     "He said the request would be studied together with other members of the union.",
     "{a} had raised the issue in a letter sent earlier this month, according to diplomats.",
     "Energy experts doubt that a discount can be granted before the next budget.",
     "{c} declined to comment on the contents of the letter."],
    ["Students at a university in {p} launched a campaign to save energy during the gas shortage.",
     "The volunteers switch off lights and heating in empty classrooms every evening.",
     "{a} praised the initiative in a short video message to the organisers.",
     "The rector said the campaign had cut the university's bills by a fifth.",
     "Similar groups have since appeared in three other cities, including one led by {c}."],
]  # fmt: skip
AGENCIES = ("TASS", "AKIpress", "24.kg", "Kabar", "Sputnik")
NEW_LEDES = (
    "This story was first published this morning and has been updated.",
    "Breaking news from our correspondent, updated with new details.",
)
EXTRA = "A spokesman added that further details would be announced later, local media reported."


def story_text(event: int, agency: str) -> list[str]:
    a, b, c, _ = PEOPLE
    lines = [s.format(a=a, b=b, c=c, p=PLACE) for s in EVENTS[event]]
    return [f"{PLACE.upper()} ({agency}) - {lines[0]}", *lines[1:]]


def as_text(sentences: list[str]) -> str:
    """Two sentences a paragraph, paragraphs apart by blank lines."""
    paras = [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]
    return "\n\n".join(paras) + "\n"


def reprint(sentences: list[str], rng: random.Random, agency: str) -> list[str]:
    """A copy of a story as another site runs it: its own agency name and at least one of
    a changed first line, an added sentence, a cut sentence."""
    copy = [s.replace(s[s.index("(") + 1 : s.index(")")], agency, 1) if i == 0 else s
            for i, s in enumerate(sentences)]  # fmt: skip
    changes = rng.sample(["lede", "add", "cut"], rng.randint(1, 3))
    if "lede" in changes:
        copy.insert(0, rng.choice(NEW_LEDES))
    if "add" in changes:
        copy.insert(rng.randint(1, len(copy)), EXTRA)
    if "cut" in changes:
        del copy[rng.randint(1, len(copy) - 1)]
    copy.append(f"Source: {agency}.")
    return copy


def planted(copies: int, seed: int) -> tuple[dict[str, str], dict[str, str]]:
    """Texts by id, and for each reprint the id of its first copy: each event's story once,
    then `copies` reprints of each."""
    rng = random.Random(seed)
    texts: dict[str, str] = {}
    truth: dict[str, str] = {}
    for event in range(len(EVENTS)):
        original = story_text(event, AGENCIES[0])
        first = f"e{event}"
        texts[first] = as_text(original)
        for n in range(copies):
            agency = AGENCIES[1 + n % (len(AGENCIES) - 1)]
            texts[f"e{event}-copy{n}"] = as_text(reprint(original, rng, agency))
            truth[f"e{event}-copy{n}"] = first
    return texts, truth
