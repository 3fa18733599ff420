"""Options shared by commands, declared once; the selection options become a typed Selection."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from kyrgyz_ru.output.formats import Format

if TYPE_CHECKING:
    from kyrgyz_ru.query.entities import EntityRow
    from kyrgyz_ru.query.selection import Scope, Selection
    from kyrgyz_ru.store.index import Index

# typer reads these annotations at run time: Optional[...] rather than `X | None` (UP045).
DbOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--db", help="Index file. [default: $KRQ_DB or $XDG_CACHE_HOME/krq/index.db]"),
]
ModelOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--model",
        help="spaCy pipeline for extraction. [default: $KRQ_MODEL or en_core_web_sm]",
    ),
]
FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
]
JsonOption = Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")]
# Counts beyond any index's size; a bound keeps huge numbers out of SQLite's 64-bit integers.
MAX_COUNT = 1_000_000_000
LimitOption = Annotated[
    int,
    typer.Option(
        "--limit", "-n", min=0, max=MAX_COUNT, help="Show at most this many rows; 0 shows all."
    ),
]
DEFAULT_LIMIT = 100  # a listing of a large corpus is a screenful, not the corpus: see export
TypeOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--type", "-t", help="Only this type: person, org, place or date."),
]
DocOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--doc", "-d", help="Only this document (its id, the file stem)."),
]
EntityArgument = Annotated[str, typer.Argument(help="An entity's name, alias or id (fuzzy).")]

# -- the selection: which paragraphs or sentences a topic or timeline query looks at --------

OrgOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--org", help="Only where this organisation is named (fuzzy)."),
]
PersonOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--person", help="Only where this person is named (fuzzy)."),
]
PlaceOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--place", help="Only where this place is named (fuzzy)."),
]
EntityOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--entity", help="Only where this entity of any type is named (fuzzy)."),
]
SinceOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--since", help="From this date on (YYYY[-MM[-DD]])."),
]
UntilOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--until", help="Up to and including this date (YYYY[-MM[-DD]])."),
]


SourceOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--source", help="Only articles of this source (site or agency)."),
]
LangOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--lang", help="Only articles in this language (ISO 639-1 code as krq docs shows: en, ru)."
    ),
]
AllCopiesOption = Annotated[
    bool,
    typer.Option("--all-copies", help="Count every copy of a reprinted story, not only the first."),
]


def scope(index: Index, source: str | None, all_copies: bool, lang: str | None = None) -> Scope:
    """The documents a listing counts; a source or language no document has is an error, not
    silence."""
    from kyrgyz_ru.query.documents import check_language, check_source
    from kyrgyz_ru.query.selection import Scope

    check_source(index.db, source)
    language = check_language(index.db, lang)
    return Scope(source.strip() if source else None, all_copies, language)


def named(
    index: Index,
    *,
    org: list[str] | None,
    person: list[str] | None,
    place: list[str] | None,
    entity: list[str] | None,
) -> list[EntityRow]:
    """The entities --org, --person, --place and --entity name, each resolved by its type."""
    from kyrgyz_ru.query.entities import resolve

    wanted: list[tuple[str | None, str]] = [("ORG", n) for n in org or ()]
    wanted += [("PERSON", n) for n in person or ()]
    wanted += [("PLACE", n) for n in place or ()] + [(None, n) for n in entity or ()]
    return [resolve(index.db, name, label) for label, name in wanted]


def involved(
    index: Index,
    *,
    org: list[str] | None,
    person: list[str] | None,
    place: list[str] | None,
    entity: list[str] | None,
) -> tuple[str, ...]:
    """The ids of the entities named (see `named`)."""
    return tuple(e.id for e in named(index, org=org, person=person, place=place, entity=entity))


def selection(
    index: Index,
    *,
    org: list[str] | None,
    person: list[str] | None,
    place: list[str] | None,
    entity: list[str] | None,
    doc: str | None,
    since: str | None,
    until: str | None,
    source: str | None = None,
    all_copies: bool = False,
    lang: str | None = None,
) -> Selection:
    """The Selection the options name: each name resolved to its entity, dates checked."""
    from kyrgyz_ru.query.documents import check_doc
    from kyrgyz_ru.query.selection import Selection, check_date, check_range

    found = named(index, org=org, person=person, place=place, entity=entity)
    if doc is not None:
        check_doc(index.db, doc)
    check_range(check_date(since, "--since"), check_date(until, "--until"))
    return Selection(
        entities=tuple(e.id for e in found),
        doc=doc,
        since=since,
        until=until,
        described=tuple(e.name for e in found),
        scope=scope(index, source, all_copies, lang),
    )
