"""Web pages: the article's main text and metadata, extracted with trafilatura.

Only ingest imports this module (and so trafilatura, lxml and their start-up cost); queries
read what ingest stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from kyrgyz_ru.errors import InputError
from kyrgyz_ru.normalise import is_iso_date

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# Measured on boilerplate-heavy pages (tests/pages.py; figures in the report of issue #14):
# the three balances kept every article paragraph; none removed an advert block that follows
# a short paragraph, hence PRUNE below. Comments are not the article; tables can be (figures
# in a story), so they are kept.
FAVOR_RECALL = False
FAVOR_PRECISION = False
INCLUDE_COMMENTS = False
INCLUDE_TABLES = True
# Blocks whose class or id names them advertising: trafilatura keeps some of them when they
# sit between two article paragraphs.
PRUNE = [
    f"//*[contains(concat(' ', normalize-space(@{attr}), ' '), ' {word} ')]"
    for attr in ("class", "id")
    for word in ("ad", "ads", "advert", "advertisement", "banner", "promo", "sponsored")
]
# Fewer characters of main text than this is no article: a listing page, a login wall.
MIN_ARTICLE_CHARS = 200
_DATE_PROPERTIES = (
    "article:published_time", "og:published_time", "datepublished", "date", "pubdate",
    "publish-date", "dc.date", "dc.date.issued", "sailthru.date", "parsely-pub-date",
)  # fmt: skip


@dataclass(frozen=True)
class Page:
    """What a web page holds of its article; `text` keeps paragraphs apart by blank lines."""

    text: str
    title: str | None
    date: str | None  # YYYY-MM-DD
    date_source: str | None  # "metadata" (meta tags, JSON-LD, <time>) or "page" (a byline)
    site: str | None  # the site's name, else the host of its URL
    url: str | None  # the canonical URL when the page states one
    language: str | None  # ISO 639-1 as the page declares it


def read_page(
    markup: str, name: str, *, recall: bool = FAVOR_RECALL, precision: bool = FAVOR_PRECISION
) -> Page:
    """The article of an HTML page; InputError when the page holds no article text."""
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(markup)
    if tree is None:
        raise InputError(f"not an HTML page: {name}")
    declared = _declared(tree)  # before trafilatura prunes the tree it is given
    extracted = trafilatura.bare_extraction(
        tree,
        favor_recall=recall,
        favor_precision=precision,
        include_comments=INCLUDE_COMMENTS,
        include_tables=INCLUDE_TABLES,
        with_metadata=True,
        prune_xpath=PRUNE,
        # Dates the page states in its markup only: one guessed from the visible text is no
        # better than krq's own inference, which then runs on the article's text.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if extracted is None or isinstance(extracted, dict):
        raise InputError(f"no article text in the page (a listing page or login wall?): {name}")
    # trafilatura ends each paragraph with one newline: a blank line between them makes them
    # paragraphs for krq (corpus.paragraphs), and offsets index this very text.
    blocks = [" ".join(line.split()) for line in (extracted.text or "").split("\n")]
    text = "\n\n".join(b for b in blocks if b)
    if len(text) < MIN_ARTICLE_CHARS:
        raise InputError(
            f"no article text in the page ({len(text)} characters of main text: a listing "
            f"page or a login wall?): {name}"
        )
    date, date_source = declared.date, "metadata"
    if date is None:
        found = (extracted.date or "")[:10]
        date, date_source = (found, "page") if is_iso_date(found) else (None, "")
    url = declared.url or extracted.url or None
    site = declared.site or extracted.sitename or (urlsplit(url).hostname if url else None)
    return Page(
        text=text + "\n",
        title=declared.title or (" ".join(extracted.title.split()) if extracted.title else None),
        date=date,
        date_source=date_source or None,
        site=site or None,
        url=url,
        language=declared.language,
    )


@dataclass
class _Declared:
    title: str | None = None
    date: str | None = None
    site: str | None = None
    url: str | None = None
    language: str | None = None


def _declared(tree: HtmlElement) -> _Declared:
    """What the page's markup declares of itself: meta tags, JSON-LD, <time>, <html lang>."""
    found = _Declared()
    for item in _json_ld(tree):
        found.title = found.title or _text(item.get("headline"))
        found.date = found.date or _day(item.get("datePublished"))
        found.url = found.url or _text(item.get("url")) or _text(item.get("mainEntityOfPage"))
        publisher = item.get("publisher")
        if isinstance(publisher, dict):
            found.site = found.site or _text(publisher.get("name"))
        found.language = found.language or _language(item.get("inLanguage"))
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = meta.get("content")
        if key in _DATE_PROPERTIES:
            found.date = found.date or _day(content)
        elif key == "og:title":
            found.title = found.title or _text(content)
        elif key == "og:site_name":
            found.site = found.site or _text(content)
        elif key == "og:url":
            found.url = found.url or _text(content)
        elif key in ("og:locale", "language", "content-language", "dc.language"):
            found.language = found.language or _language(content)
    for link in tree.iter("link"):
        if (link.get("rel") or "").lower() == "canonical":
            found.url = _text(link.get("href")) or found.url
    if found.date is None:
        for time in tree.iter("time"):
            found.date = _day(time.get("datetime"))
            if found.date:
                break
    found.language = _language(tree.get("lang")) or found.language
    return found


def _json_ld(tree: HtmlElement) -> Iterator[dict[str, object]]:
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue  # a broken block of JSON-LD is no metadata, not a broken page
        stack = [data]
        while stack:  # objects nest in lists and @graph
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.append(item["@graph"])
                yield item


def _text(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _day(value: object) -> str | None:
    text = _text(value)
    return text[:10] if text and is_iso_date(text[:10]) else None


def _language(value: object) -> str | None:
    text = _text(value)
    code = (text or "").replace("_", "-").split("-")[0].lower()
    return code if 2 <= len(code) <= 3 and code.isalpha() else None
