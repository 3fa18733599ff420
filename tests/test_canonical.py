"""Canonical names: in-document resolution, acronym definitions, and corpus-wide linking."""

from __future__ import annotations

import pytest

from kyrgyz_ru.extract.canonical import (
    NameForm,
    find_acronyms,
    link,
    resolve_in_document,
    same_person,
)
from kyrgyz_ru.extract.knowledge import KnowledgeBase, KnownEntity
from kyrgyz_ru.extract.lexicon import lexicon
from kyrgyz_ru.normalise import alias_key
from kyrgyz_ru.records import Mention

LEX = lexicon()
EMPTY = KnowledgeBase({})


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Ruslan Kazakbaev", "Ruslan Kazakbayev", True),
        ("Sergei Lavrov", "Sergey Lavrov", True),
        ("Sadyr Japarov", "Sadyr Zhaparov", True),
        ("Sadyr Japarov", "Akylbek Japarov", False),
        ("Vladimir Putin", "Valentina Putin", False),
        ("Almazbek Atambayev", "Almazbek Atambaev", True),
        ("Kurmanbek Bakiyev", "Janysh Bakiyev", False),
        ("R.A.Kazakbayev", "Ruslan Kazakbaev", True),
        ("Sergey Lavrov", "Sergey Shoigu", False),
    ],
)
def test_same_person(a: str, b: str, same: bool) -> None:
    assert same_person(a, b) is same


def _mention(text: str, label: str = "PERSON", start: int = 0) -> Mention:
    return Mention("d", start, start + len(text), text, label, 0, 0)


def test_resolve_in_document() -> None:
    mentions = [
        _mention("Ruslan Kazakbaev"),
        _mention("Ruslan Aitbaevich"),
        _mention("Kazakbayev"),
        _mention("R.A.Kazakbayev"),
        _mention("Putin"),
        _mention("Ministry of Health of the Kyrgyz Republic", "ORG"),
        _mention("Ministry of Health", "ORG"),
    ]
    resolve_in_document(mentions, LEX)
    names = [m.name for m in mentions]
    assert names[:4] == ["Ruslan Kazakbaev"] * 4
    assert names[4] == "Putin"  # no full name in this document: left to corpus linking
    assert names[6] == "Ministry of Health of the Kyrgyz Republic"
    assert "patronymic" in mentions[1].name_reason and "initials" in mentions[3].name_reason


def test_a_surname_shared_by_two_people_stays_unresolved() -> None:
    mentions = [_mention("Sadyr Japarov"), _mention("Akylbek Japarov"), _mention("Japarov")]
    resolve_in_document(mentions, LEX)
    assert mentions[2].name == "Japarov"


@pytest.mark.parametrize(
    ("text", "long", "short"),
    [
        (
            "the Eurasian Fund for Stabilization and Development (EFSD) said",
            "Eurasian Fund for Stabilization and Development",
            "EFSD",
        ),
        (
            "members of the Collective Security Treaty Organization /CSTO/.",
            "Collective Security Treaty Organization",
            "CSTO",
        ),
        (
            "the Organization for Security and Co-operation in Europe (OSCE)",
            "Organization for Security and Co-operation in Europe",
            "OSCE",
        ),
    ],
)
def test_acronym_definitions(text: str, long: str, short: str) -> None:
    found = find_acronyms("d", text)
    assert [(a.long, a.short) for a in found] == [(long, short)]


def test_no_acronym_from_a_bracketed_word() -> None:
    assert find_acronyms("d", "the talks (Moscow) ended") == []


def test_link_groups_variants_and_keeps_people_apart() -> None:
    forms = [
        NameForm("PERSON", "Ruslan Kazakbaev", 5),
        NameForm("PERSON", "Ruslan Kazakbayev", 1),
        NameForm("PERSON", "Sadyr Japarov", 4),
        NameForm("PERSON", "Akylbek Japarov", 2),
        NameForm("PERSON", "Kazakbayev", 1),
        NameForm("ORG", "Eurasian Fund for Stabilization and Development", 2),
        NameForm("ORG", "EFSD", 3),
    ]
    from kyrgyz_ru.extract.canonical import AcronymDefinition

    links = link(
        forms,
        [AcronymDefinition("d", "Eurasian Fund for Stabilization and Development", "EFSD")],
        EMPTY,
        LEX,
    )
    entity = {name: ln.entity_id for (_, name), ln in links.items()}
    assert entity["Ruslan Kazakbaev"] == entity["Ruslan Kazakbayev"] == entity["Kazakbayev"]
    assert entity["Sadyr Japarov"] != entity["Akylbek Japarov"]
    assert entity["EFSD"] == entity["Eurasian Fund for Stabilization and Development"]
    assert links[("ORG", "EFSD")].display == "EFSD"
    assert (
        "acronym defined in d"
        in links[("ORG", "Eurasian Fund for Stabilization and Development")].reason
    )
    assert links[("PERSON", "Ruslan Kazakbayev")].display == "Ruslan Kazakbaev"


def test_link_prefers_the_knowledge_base() -> None:
    kb = KnowledgeBase(
        {
            "sergey-lavrov": KnownEntity(
                "sergey-lavrov", "PERSON", "Sergey Lavrov", ("Sergei Lavrov", "Lavrov"), "Q11"
            )
        }
    )
    forms = [NameForm("PERSON", "Sergei Lavrov", 3), NameForm("PERSON", "Lavrov", 2)]
    links = link(forms, [], kb, LEX)
    assert {ln.entity_id for ln in links.values()} == {"sergey-lavrov"}
    assert all(ln.display == "Sergey Lavrov" for ln in links.values())


def test_ambiguous_knowledge_base_alias_is_not_used() -> None:
    kb = KnowledgeBase(
        {
            "a": KnownEntity("a", "PERSON", "Sadyr Japarov", ("Japarov",)),
            "b": KnownEntity("b", "PERSON", "Akylbek Japarov", ("Japarov",)),
        }
    )
    assert kb.lookup("Japarov") is None
    assert kb.lookup("Sadyr Japarov") is not None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("the Kyrgyz Republic", "Kyrgyz Republic"),
        ("R.A. Kazakbayev", "r a kazakbayev"),
        ("Itar-Tass", "ITAR TASS"),
    ],
)
def test_alias_key(a: str, b: str) -> None:
    assert alias_key(a) == alias_key(b)
