"""Canonical entities: which mentions name the same person, organisation or place.

Two stages. Within one article, a surname, a name with patronymic, initials or a short form
stand for the full name met in the same article. Across the corpus, names are grouped by the
knowledge base, by acronyms defined in some article ("Long Form (ACR)"), and by transliteration
variants that rapidfuzz finds close enough, with rules that keep two different people apart.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from kyrgyz_ru.extract.knowledge import KnowledgeBase, KnownEntity
from kyrgyz_ru.extract.lexicon import Lexicon
from kyrgyz_ru.normalise import alias_key
from kyrgyz_ru.records import Mention

SURNAME_SCORE = 88  # compared under translit_key: Zhaparov and Japarov are one surname
GIVEN_SCORE = 80  # Sergei/Sergey 83, Vladimir/Valentina 47
NAME_SCORE = 90  # whole-name score for two full names
ORG_PLACE_SCORE = 94  # organisations and places differ by one word and mean another body
_INITIALS = re.compile(r"\A((?:[A-Z]\.\s?){1,3})\s?([A-Z][\w'’-]+)\Z")
_SLUG = re.compile(r"[^a-z0-9]+")
_Y_BETWEEN_VOWELS = re.compile(r"(?<=[aeiou])y(?=[aeiou])")
_DOUBLED = re.compile(r"([a-z])\1")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Cyrillic to Latin as English news of the field romanises names (BGN/PCGN, with GOST 7.79's
# forms folding onto it under translit_key): Казакбаев -> kazakbaev, Жапаров -> zhaparov,
# plus the Kyrgyz letters ң, ө, ү. Word-initial е/ё/ю/я get their y (Yevgeny, Yuri).
_ROMAN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ң": "ng",
    "ө": "o", "ү": "u", "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ә": "a", "ғ": "gh", "қ": "q",
    "ұ": "u", "һ": "h", "ў": "w",
}  # fmt: skip
_INITIAL_Y = {"е": "ye", "ё": "yo", "ю": "yu", "я": "ya"}
_FINAL_IY = re.compile(r"[иы]й\b")


@dataclass(frozen=True)
class AcronymDefinition:
    doc: str
    long: str
    short: str


@dataclass(frozen=True)
class NameForm:
    """A name as documents use it (after in-document resolution), with how often it occurs."""

    label: str
    name: str
    mentions: int = 1


@dataclass(frozen=True)
class Link:
    entity_id: str
    label: str
    display: str
    reason: str
    kb: KnownEntity | None = None


# -- within one document ------------------------------------------------------------------


def has_cyrillic(text: str) -> bool:
    return _CYRILLIC.search(text) is not None


def romanise(text: str) -> str:
    """A Cyrillic name in Latin letters (lower case), the way English news spells it."""
    out: list[str] = []
    previous = " "
    # Дмитрий, Юрий, Горький: English news writes -y where BGN/PCGN writes -iy.
    text = _FINAL_IY.sub("й", text.casefold())
    for ch in text:
        roman = _ROMAN.get(ch)
        if roman is None:
            out.append(ch)
        elif ch in _INITIAL_Y and not previous.isalpha():
            out.append(_INITIAL_Y[ch])
        else:
            out.append(roman)
        previous = ch
    return "".join(out)


# Asked for every pair of names a document's people are compared by: one computation a name.
@lru_cache(maxsize=65536)
def translit_key(text: str) -> str:
    """Romanisations of one Cyrillic name written alike: Zhaparov, Dzhaparov and Japarov;
    Kazakbayev and Kazakbaev; Sergey and Sergei; and the Cyrillic name itself, romanised
    first (Казакбаев, Жапаров)."""
    key = alias_key(romanise(text) if has_cyrillic(text) else text)
    for old, new in (("dzh", "j"), ("zh", "j"), ("dj", "j"), ("kh", "h"), ("ye", "e")):
        key = key.replace(old, new)
    key = _Y_BETWEEN_VOWELS.sub("", key).replace("y", "i")
    return _DOUBLED.sub(r"\1", key)


def _surname(name: str) -> str:
    match = _INITIALS.match(name)
    if match:
        return translit_key(match.group(2))
    words = translit_key(name).split()
    return words[-1] if words else ""


def _given(name: str) -> str:
    words = translit_key(name).split()
    return words[0] if len(words) > 1 else ""


def same_person(a: str, b: str) -> bool:
    """Two full names of one person: close surnames and compatible given names."""
    if fuzz.ratio(_surname(a), _surname(b)) < SURNAME_SCORE:
        return False
    given_a, given_b = _given(a), _given(b)
    if not given_a or not given_b:
        return True
    if len(given_a) == 1 or len(given_b) == 1:  # an initial
        return given_a[0] == given_b[0]
    return (
        fuzz.ratio(given_a, given_b) >= GIVEN_SCORE
        and fuzz.ratio(translit_key(a), translit_key(b)) >= NAME_SCORE - 5
    )


def _is_full(name: str, lexicon: Lexicon) -> bool:
    words = name.split()
    return len(words) >= 2 and not lexicon.is_patronymic(words[-1]) and not _INITIALS.match(name)


def resolve_in_document(
    mentions: Sequence[Mention], lexicon: Lexicon, nominative: Mapping[str, str] | None = None
) -> None:
    """Set each mention's `name`: the fullest name it stands for in its own document.

    `nominative` maps a name as written to its nominative where the language inflects names
    (the Russian analysis gives «Лаврова» -> «Лавров»); names are compared in that form."""
    forms = nominative or {}
    base = {m.text: _nominative(m.text, forms) for m in mentions if m.label != "DATE"}
    # Distinct names with their counts: a long article repeats a few names many times, and
    # each distinct short form is resolved once.
    people = Counter(
        base[m.text] for m in mentions if m.label == "PERSON" and _is_full(base[m.text], lexicon)
    )
    orgs = sorted({base[m.text] for m in mentions if m.label == "ORG"})
    resolved: dict[tuple[str, str], tuple[str, str]] = {}
    for m in mentions:
        m.name, m.name_reason = m.text, ""
        if m.label == "DATE":
            m.name = m.value or m.text
            continue
        written = base[m.text]
        if written != m.text:
            m.name, m.name_reason = written, f"nominative of '{m.text}'"
        key = (m.label, written)
        if key not in resolved:
            resolved[key] = _resolve_short(m.label, written, people, orgs, lexicon)
        name, reason = resolved[key]
        if name:
            m.name, m.name_reason = name, reason


def _nominative(text: str, forms: Mapping[str, str]) -> str:
    if not forms:
        return text
    # A name the analysis saw whole, else a one-word name (a surname the repair found again).
    return forms.get(text) or text


def _resolve_short(
    label: str, text: str, people: Counter[str], orgs: list[str], lexicon: Lexicon
) -> tuple[str, str]:
    if label == "PERSON" and not _is_full(text, lexicon):
        full, how = _full_person(text, people, lexicon)
        if full:
            return full, f"{how} of '{full}' in the same document"
    elif label == "ORG":
        longer = _longer_org(text, orgs)
        if longer:
            return longer, f"short form of '{longer}' in the same document"
    return "", ""


def _full_person(text: str, people: Counter[str], lexicon: Lexicon) -> tuple[str, str]:
    words = text.split()
    initials = _INITIALS.match(text)
    if initials:
        how, first = "initials", initials.group(1)[0].casefold()
        found = [p for p in people if same_person(text, p) and _given(p)[:1] == first]
    elif len(words) == 2 and lexicon.is_patronymic(words[1]):
        how = "name and patronymic"
        found = [p for p in people if _given(p) == translit_key(words[0])]
    elif len(words) == 1:
        how = "surname"
        found = [p for p in people if fuzz.ratio(translit_key(text), _surname(p)) >= SURNAME_SCORE]
    else:
        return "", ""
    if not found:
        return "", ""
    best = max(found, key=lambda p: (people[p], fuzz.ratio(translit_key(text), _surname(p)), p))
    # Two different people with the same surname in one article: the surname alone is ambiguous.
    if any(not same_person(best, other) for other in found):
        return "", ""
    return best, how


def _content(name: str) -> set[str]:
    return {w for w in alias_key(name).split() if w not in ("of", "the", "for", "and", "in", "on")}


def _longer_org(text: str, orgs: list[str]) -> str:
    key = alias_key(text)
    words = _content(text)
    if len(words) < 2 and not key.startswith(("ministry", "government", "committee")):
        return ""
    found = {
        o
        for o in orgs
        if len(alias_key(o)) > len(key)
        and (alias_key(o).startswith(key + " ") or words < _content(o))
        and not re.fullmatch(r"[A-Z0-9&]+", o)
    }
    return found.pop() if len(found) == 1 else ""


def find_acronyms(doc: str, text: str) -> list[AcronymDefinition]:
    """ "Long Form (ACR)" and "Long Form /ACR/" definitions, matched the Schwartz–Hearst way."""
    found = []
    for match in re.finditer(r"[(/]([A-Z][A-Za-z0-9&]{1,9})[)/]", text):
        short = match.group(1)
        if sum(ch.isupper() for ch in short) < 2:
            continue
        before = text[max(0, match.start() - 200) : match.start()].rstrip()
        words = re.split(r"\s+", before)[-min(len(short) + 5, len(short) * 2) :]
        long_form = _best_long_form(short, " ".join(words))
        if long_form:
            found.append(AcronymDefinition(doc, long_form, short))
    return found


def _best_long_form(short: str, candidate: str) -> str:
    s, c = short.casefold(), candidate.casefold()
    si, ci = len(s) - 1, len(c) - 1
    while si >= 0:
        ch = s[si]
        if not ch.isalnum():
            si -= 1
            continue
        while ci >= 0 and (c[ci] != ch or (si == 0 and ci > 0 and c[ci - 1].isalnum())):
            ci -= 1
        if ci < 0:
            return ""
        si -= 1
        ci -= 1
    start = c.rfind(" ", 0, ci + 1) + 1
    long_form = candidate[start:].strip(" ,;:-–—\"'")
    long_form = re.sub(r"^(?:the|The)\s+", "", long_form)
    return long_form if len(long_form) > len(short) and " " in long_form else ""


# -- across the corpus --------------------------------------------------------------------


class _Groups:
    """Union-find over name forms that refuses to join two different known entities."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))
        self.kb: dict[int, str] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ka, kb = self.kb.get(ra), self.kb.get(rb)
        if ka and kb and ka != kb:
            return False
        self.parent[rb] = ra
        if kb:
            self.kb[ra] = kb
        return True


def slug(text: str) -> str:
    return _SLUG.sub("-", alias_key(text)).strip("-") or "x"


def link(
    forms: Sequence[NameForm],
    acronyms: Iterable[AcronymDefinition],
    knowledge: KnowledgeBase,
    lexicon: Lexicon,
) -> dict[tuple[str, str], Link]:
    """Group name forms into canonical entities; every form gets a link with its reason."""
    groups = _Groups(len(forms))
    reasons: dict[int, str] = {}
    index = {(f.label, alias_key(f.name)): i for i, f in enumerate(forms)}
    known: dict[int, KnownEntity] = {}
    romanised = _romanised_names(knowledge)
    for i, form in enumerate(forms):
        entity = knowledge.lookup(form.name, form.label)
        reason = f"knowledge base ({entity.id})" if entity else ""
        if entity is None and form.label != "PERSON" and has_cyrillic(form.name):
            # «Чолпон-Ата» is Cholpon-Ata: a place or body the knowledge base names in Latin.
            ids = romanised.get((form.label, translit_key(form.name)), set())
            entity = knowledge.entities[next(iter(ids))] if len(ids) == 1 else None
            reason = f"transliteration of '{entity.name}' (knowledge base)" if entity else ""
        if entity:
            known[i] = entity
            groups.kb[i] = entity.id
            reasons[i] = reason
    first_of_kb: dict[str, int] = {}
    for i, entity in known.items():
        if entity.id in first_of_kb:
            groups.union(first_of_kb[entity.id], i)
        else:
            first_of_kb[entity.id] = i
    for definition in acronyms:
        a = index.get(("ORG", alias_key(definition.long)))
        b = index.get(("ORG", alias_key(definition.short)))
        if a is not None and b is not None and groups.union(b, a):
            note = f"acronym defined in {definition.doc}: {definition.long} ({definition.short})"
            reasons.setdefault(a, note)
            reasons.setdefault(b, note)
    _link_people(forms, groups, reasons, knowledge, lexicon)
    _link_similar(forms, groups, reasons, "ORG")
    _link_similar(forms, groups, reasons, "PLACE")
    _link_across_scripts(forms, groups, reasons)
    return _links(forms, groups, reasons, knowledge, acronyms)


_ROMANISED: dict[tuple[str, ...], dict[tuple[str, str], set[str]]] = {}


def _romanised_names(knowledge: KnowledgeBase) -> dict[tuple[str, str], set[str]]:
    """(label, translit key) -> ids of the organisations and places with that Latin name."""
    if knowledge.sources not in _ROMANISED:
        found: dict[tuple[str, str], set[str]] = defaultdict(set)
        for entity in knowledge.entities.values():
            if entity.type in ("ORG", "PLACE"):
                for name in entity.names:
                    if not has_cyrillic(name):
                        found[(entity.type, translit_key(name))].add(entity.id)
        _ROMANISED[knowledge.sources] = dict(found)
    return _ROMANISED[knowledge.sources]


def _link_across_scripts(
    forms: Sequence[NameForm], groups: _Groups, reasons: dict[int, str]
) -> None:
    """An organisation or place written in Cyrillic in one article and in Latin letters in
    another, when the romanised names agree (the same score as two Latin spellings)."""
    for label in ("ORG", "PLACE"):
        items = [i for i, f in enumerate(forms) if f.label == label]
        latin: dict[str, list[int]] = defaultdict(list)
        for i in items:
            if not has_cyrillic(forms[i].name):
                latin[translit_key(forms[i].name)[:2]].append(i)
        for i in items:
            if not has_cyrillic(forms[i].name):
                continue
            a = translit_key(forms[i].name)
            for j in latin.get(a[:2], []):
                b = translit_key(forms[j].name)
                if len(a.split()) != len(b.split()) or groups.find(i) == groups.find(j):
                    continue
                score = fuzz.ratio(a, b)
                if score >= ORG_PLACE_SCORE and groups.union(j, i):
                    reasons.setdefault(i, f"transliteration of '{forms[j].name}'")
                    break


def _link_people(
    forms: Sequence[NameForm],
    groups: _Groups,
    reasons: dict[int, str],
    knowledge: KnowledgeBase,
    lexicon: Lexicon,
) -> None:
    people = [i for i, f in enumerate(forms) if f.label == "PERSON"]
    full = [i for i in people if _is_full(forms[i].name, lexicon)]
    by_surname: dict[str, list[int]] = defaultdict(list)
    for i in full:
        by_surname[_surname(forms[i].name)[:3]].append(i)
    for i in full:  # transliteration variants of full names
        for j in by_surname[_surname(forms[i].name)[:3]]:
            if j <= i or groups.find(i) == groups.find(j):
                continue
            if same_person(forms[i].name, forms[j].name) and groups.union(i, j):
                a, b = forms[i].name, forms[j].name
                if has_cyrillic(a) != has_cyrillic(b):  # Казакбаев and Kazakbaev
                    reasons.setdefault(j, f"transliteration of '{a}'")
                    reasons.setdefault(i, f"transliteration of '{b}'")
                    continue
                score = round(fuzz.ratio(alias_key(a), alias_key(b)))
                reasons.setdefault(j, f"fuzzy match with '{a}' (score {score})")
                reasons.setdefault(i, f"fuzzy match with '{b}' (score {score})")
    for i in full:  # variants the knowledge base knows but the corpus spells otherwise
        if i in groups.kb or groups.kb.get(groups.find(i)):
            continue
        for entity in knowledge.entities.values():
            if entity.type == "PERSON" and any(
                _surname(n)[:3] == _surname(forms[i].name)[:3] and same_person(n, forms[i].name)
                for n in entity.names
                if _is_full(n, lexicon)
            ):
                groups.kb.setdefault(groups.find(i), entity.id)
                reasons.setdefault(i, f"fuzzy match with '{entity.name}' (knowledge base)")
                break
    for i in people:  # a surname or initials alone: the one person the corpus has by that name
        if i in full or groups.kb.get(groups.find(i)):
            continue
        roots = {
            groups.find(j)
            for j in full
            if fuzz.ratio(_surname(forms[i].name), _surname(forms[j].name)) >= SURNAME_SCORE
        }
        if len(roots) == 1:
            root = roots.pop()
            groups.union(root, i)
            reasons.setdefault(i, "the only person of that surname in the corpus")


def _link_similar(
    forms: Sequence[NameForm],
    groups: _Groups,
    reasons: dict[int, str],
    label: str,
) -> None:
    items = [i for i, f in enumerate(forms) if f.label == label]
    by_start: dict[str, list[int]] = defaultdict(list)
    for i in items:
        by_start[alias_key(forms[i].name)[:2]].append(i)
    for bucket in by_start.values():
        for x, i in enumerate(bucket):
            for j in bucket[x + 1 :]:
                a, b = alias_key(forms[i].name), alias_key(forms[j].name)
                if len(a.split()) != len(b.split()) or groups.find(i) == groups.find(j):
                    continue
                score = fuzz.ratio(a, b)
                if score >= ORG_PLACE_SCORE and groups.union(i, j):
                    note = f"fuzzy match with '{forms[i].name}' (score {round(score)})"
                    reasons.setdefault(j, note)


def _links(
    forms: Sequence[NameForm],
    groups: _Groups,
    reasons: dict[int, str],
    knowledge: KnowledgeBase,
    acronyms: Iterable[AcronymDefinition],
) -> dict[tuple[str, str], Link]:
    shorts = {alias_key(a.short) for a in acronyms}
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(forms)):
        members[groups.find(i)].append(i)
    result: dict[tuple[str, str], Link] = {}
    used: Counter[str] = Counter()
    for root, items in sorted(members.items(), key=lambda kv: min(kv[1])):
        label = forms[root].label
        kb_id = groups.kb.get(root)
        entity = knowledge.entities.get(kb_id) if kb_id else None
        if entity:
            display, entity_id = entity.name, entity.id
        else:
            display = _display(forms, items, shorts)
            entity_id = f"{label.lower()}:{slug(display)}"
            used[entity_id] += 1
            if used[entity_id] > 1:
                entity_id += f"-{used[entity_id]}"
        for i in items:
            reason = reasons.get(i) or ("canonical name" if forms[i].name == display else "")
            if not reason and entity:
                reason = f"fuzzy match with '{entity.name}' (knowledge base)"
            result[(forms[i].label, forms[i].name)] = Link(
                entity_id, label, display, reason or "same entity", entity
            )
    return result


def _display(forms: Sequence[NameForm], items: list[int], shorts: set[str]) -> str:
    names = [forms[i] for i in items]
    label = names[0].label
    # Canonical names are English: a Latin spelling the corpus uses, else for a person or
    # place the romanised Cyrillic name; the Cyrillic forms stay among the aliases.
    latin = [f for f in names if not has_cyrillic(f.name)]
    if not latin and label in ("PERSON", "PLACE"):
        return _roman_title(_pick(names, label, shorts))
    return _pick(latin or names, label, shorts)


def _roman_title(name: str) -> str:
    words = romanise(name).split()
    return " ".join("-".join(p[:1].upper() + p[1:] for p in w.split("-")) for w in words)


def _pick(names: list[NameForm], label: str, shorts: set[str]) -> str:
    if label == "ORG":
        acronyms = [f for f in names if alias_key(f.name) in shorts]
        if acronyms:
            return max(acronyms, key=lambda f: f.mentions).name
    if label == "PERSON":
        full = [f for f in names if len(f.name.split()) >= 2 and "." not in f.name]
        names = full or names
    return max(names, key=lambda f: (f.mentions, len(f.name))).name
