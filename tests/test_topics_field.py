"""Topic scoring of hand-written paragraphs of the field (not from the seeds): each gets its
topic, and the terms that triggered it highlight its text."""

from __future__ import annotations

from collections import Counter

import pytest

from kyrgyz_ru.extract.taxonomy import phrase_keys
from kyrgyz_ru.extract.topics import Taxonomy, assign_topics

from .helpers import SPEC_IDS, ids

# --- hand-written paragraphs of the field (not from the seeds) -----------------------

FIELD = [
    # security
    (
        "security",
        "The CSTO Collective Rapid Reaction Forces will hold joint military exercises in the "
        "Issyk-Kul region in September, the Kyrgyz Defence Ministry said.",
    ),
    (
        "security",
        "Russia will deliver additional drones and armoured vehicles to the Kyrgyz armed forces "
        "under the agreement on military-technical cooperation, the defence minister said.",
    ),
    (
        "security",
        "Security services of the two countries agreed to step up the fight against terrorism, "
        "religious extremism and drug trafficking from Afghanistan.",
    ),
    (
        "security",
        "Heavy fighting broke out again on the Kyrgyz-Tajik border, with both sides using mortars; "
        "dozens of servicemen were killed in the border clashes.",
    ),
    (
        "security",
        "The Russian air base in Kant will receive new attack aircraft and helicopters, "
        "strengthening the air component of the collective forces in Central Asia.",
    ),
    # migration
    (
        "migration",
        "More than 800,000 Kyrgyz citizens work in Russia, and remittances from labour migrants "
        "account for nearly a third of the country's GDP.",
    ),
    (
        "migration",
        "From January, foreign citizens arriving in Russia will have to undergo fingerprinting "
        "within 30 days, a rule that will affect hundreds of thousands of Kyrgyz migrant workers.",
    ),
    (
        "migration",
        "The Kyrgyz embassy asked the Russian Interior Ministry to remove about 40,000 "
        "Kyrgyzstanis from the entry ban list; many were blacklisted for minor offences.",
    ),
    (
        "migration",
        "Kyrgyz citizens, as nationals of an EAEU member state, do not need a work patent in "
        "Russia, but they must still register within 30 days.",
    ),
    (
        "migration",
        "Raids on migrant hostels in Moscow have intensified, and human rights groups report "
        "Central Asian workers being detained and deported without a court hearing.",
    ),
    # trade
    (
        "trade",
        "Trade turnover between Kyrgyzstan and Russia grew by 30 percent last year to $3.3 "
        "billion, with Russian exports of fuel, grain and metals accounting for most of it.",
    ),
    (
        "trade",
        "The Russian-Kyrgyz Development Fund has financed more than 3,000 projects of small and "
        "medium-sized businesses, mostly in agriculture and light industry.",
    ),
    (
        "trade",
        "Kyrgyz garment factories ship most of their output to Russia, but exporters complain "
        "that customs checks on the Kazakh border slow deliveries.",
    ),
    (
        "trade",
        "The Eurasian Economic Commission approved new common customs tariffs, and Kyrgyzstan "
        "asked for a transition period for imported cars.",
    ),
    # energy
    (
        "energy",
        "Gazprom Kyrgyzstan plans to bring gas to another 40 villages next year as part of its "
        "gasification programme, investing in new pipelines.",
    ),
    (
        "energy",
        "Kyrgyzstan will import electricity from Russia and Kazakhstan this winter because water "
        "levels in the Toktogul reservoir have fallen to a record low.",
    ),
    (
        "energy",
        "Russia agreed to supply Kyrgyzstan with one million tonnes of petroleum products "
        "duty-free, which should keep petrol and diesel prices stable.",
    ),
    (
        "energy",
        "Construction of the Kambarata-1 hydropower plant, with a capacity of 1,860 megawatts, "
        "could begin in 2024 if investors are found.",
    ),
    # finance_aid
    (
        "finance_aid",
        "Russia has written off Kyrgyzstan's debt of $240 million, the finance ministry said, "
        "freeing up funds in the state budget.",
    ),
    (
        "finance_aid",
        "The Eurasian Development Bank approved a concessional loan of $50 million to Kyrgyzstan "
        "for budget support.",
    ),
    (
        "finance_aid",
        "The first tranche of the EFSD credit, $50 million, has been transferred to the Kyrgyz "
        "treasury.",
    ),
    # health
    (
        "health",
        "Kyrgyzstan registered 120 new cases of coronavirus infection over the past day, the "
        "Health Ministry said.",
    ),
    (
        "health",
        "A second batch of the Sputnik V vaccine arrived in Bishkek on Saturday, and vaccination "
        "of medical workers will start next week.",
    ),
    (
        "health",
        "Rospotrebnadzor specialists will help Kyrgyz epidemiologists monitor plague and anthrax "
        "outbreaks in the mountain regions.",
    ),
    (
        "health",
        "The number of measles cases in Kyrgyzstan has doubled, and the health ministry asked "
        "Russia for vaccines.",
    ),
    # transport
    (
        "transport",
        "Aeroflot will resume direct flights from Moscow to Osh in June, and S7 Airlines plans to "
        "open a route from Novosibirsk to Bishkek.",
    ),
    (
        "transport",
        "The China-Kyrgyzstan-Uzbekistan railway will shorten the route for cargo between China "
        "and Europe by 900 kilometres, officials said.",
    ),
    (
        "transport",
        "Hundreds of trucks are queuing at the Ak-Jol checkpoint on the Kazakh border, where "
        "drivers wait up to three days to cross.",
    ),
    (
        "transport",
        "A new road connecting Bishkek and Osh through Kazarman will cut travel time by four "
        "hours.",
    ),
    # culture
    (
        "culture",
        "Russia will build nine Russian-language schools in Kyrgyzstan, and teachers from Russian "
        "regions will work in them.",
    ),
    (
        "culture",
        "The Kyrgyz-Russian Slavic University celebrated its anniversary with a concert and an "
        "exhibition of works by Kyrgyz and Russian artists.",
    ),
    (
        "culture",
        "Students from Kyrgyzstan received more than 1,000 scholarships to study at Russian "
        "universities this year, Rossotrudnichestvo said.",
    ),
    (
        "culture",
        "A festival of Russian cinema opened in Bishkek, with screenings of new films and "
        "meetings with actors and directors.",
    ),
    # diplomacy
    (
        "diplomacy",
        "Vladimir Putin and Sadyr Japarov held a telephone conversation on Monday and "
        "congratulated each other on the upcoming holidays, the Kremlin press service said.",
    ),
    (
        "diplomacy",
        "Kyrgyz Foreign Minister Jeenbek Kulubaev arrived in Moscow for talks with his Russian "
        "counterpart Sergei Lavrov; the ministers will sign a plan of consultations.",
    ),
    (
        "diplomacy",
        "The new Russian ambassador to Kyrgyzstan presented his credentials to President Japarov "
        "at a ceremony in the state residence.",
    ),
    (
        "diplomacy",
        "Putin's visit to Bishkek in October will be the first state visit in five years; the "
        "sides are expected to sign about 20 documents.",
    ),
    # history
    (
        "history",
        "Thousands of people marched in the Immortal Regiment in Bishkek on May 9, carrying "
        "portraits of relatives who fought in the Great Patriotic War.",
    ),
    (
        "history",
        "Historians from the two countries will publish a collection of archive documents on the "
        "contribution of Kyrgyz soldiers to the victory over Nazi Germany.",
    ),
    (
        "history",
        "The ministers condemned attempts to rewrite history and glorify Nazi collaborators, and "
        "called for preserving the memory of the Soviet soldiers who liberated Europe.",
    ),
    # domestic_politics
    (
        "domestic_politics",
        "The Central Election Commission announced that turnout at the parliamentary elections "
        "was 34 percent, and opposition parties refused to recognise the results.",
    ),
    (
        "domestic_politics",
        "Protesters seized the government building in Bishkek on the night after the vote, and "
        "the prime minister resigned the next morning.",
    ),
    (
        "domestic_politics",
        "The referendum on the new constitution, which expands the powers of the president, "
        "will be held on April 11, the Jogorku Kenesh decided.",
    ),
    (
        "domestic_politics",
        "The anti-corruption service detained a former customs official accused of taking "
        "bribes worth millions of soms.",
    ),
]


@pytest.mark.parametrize(("topic", "text"), FIELD)
def test_field_paragraphs_get_their_topic(topic: str, text: str, taxonomy: Taxonomy) -> None:
    assert topic in ids(text, taxonomy)


def test_every_topic_has_field_paragraphs() -> None:
    counts = Counter(topic for topic, _ in FIELD)
    assert set(counts) == set(SPEC_IDS)
    assert min(counts.values()) >= 3


@pytest.mark.parametrize("text", [text for _, text in FIELD])
def test_terms_highlight_their_text(text: str, taxonomy: Taxonomy) -> None:
    configured = {
        key for t in taxonomy.topics for term in t.terms for key in phrase_keys(term.phrase)
    }
    hits = assign_topics(text, taxonomy)
    assert hits
    for hit in hits:
        assert hit.terms, hit.id
        for term in hit.terms:
            assert term.term and text[term.start : term.end] == term.term
            # The highlighted stretch is, once normalised, one of the configured phrases.
            assert phrase_keys(term.term)[0] in configured, term.term
