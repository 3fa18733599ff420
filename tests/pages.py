"""Web pages and exports the format tests build themselves (never third-party text): articles
in heavy boilerplate, with their metadata in meta tags, in JSON-LD, or only in visible text."""

from __future__ import annotations

import html
import json
import random

from tests.helpers import ORGS, PEOPLE, PLACES, SUBJECTS

NAV = ["Home", "Politics", "Economy", "Central Asia", "World", "Sport", "Culture", "Opinion"]
TICKER = ["USD/KGS 87.45", "EUR/KGS 94.12", "Gold 2,345.10", "Brent 81.20"]
BOILERPLATE = [
    "Subscribe to our newsletter",
    "All rights reserved",
    "Advertisement",
    "Read also",
    "Most read",
    "Comments",
    "Cookie",
    "USD/KGS",
    "Log in to comment",
]


def story(rng: random.Random, paragraphs: int = 5) -> list[str]:
    """Paragraphs of one made-up news story, each two or three sentences long."""
    result = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(rng.randint(2, 3)):
            a, b = rng.sample(PEOPLE, 2)
            sentences.append(
                f"{a} told reporters in {rng.choice(PLACES)} that talks with {b} about "
                f"{rng.choice(SUBJECTS)} had made progress, and that {rng.choice(ORGS)} "
                f"would review the plan within {rng.randint(2, 40)} days."
            )
        result.append(" ".join(sentences))
    return result


def page(
    title: str,
    paragraphs: list[str],
    *,
    date: str = "2021-03-15",
    site: str = "Ala-Too Daily",
    url: str = "https://alatoo.example/news/2021/03/15/talks",
    metadata: str = "meta",  # "meta", "jsonld" or "visible"
    lang: str = "en",
) -> str:
    """A news page: navigation, a ticker, adverts between paragraphs, related articles,
    comments and a footer around the article."""
    e = html.escape
    head = [f"<title>{e(title)} | {e(site)}</title>"]
    if metadata == "meta":
        head += [
            f'<meta property="og:title" content="{e(title)}">',
            f'<meta property="og:site_name" content="{e(site)}">',
            f'<meta property="article:published_time" content="{date}T09:30:00+06:00">',
            f'<link rel="canonical" href="{e(url)}">',
        ]
    elif metadata == "jsonld":
        ld = {
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
            "datePublished": f"{date}T09:30:00+06:00", "url": url,
            "publisher": {"@type": "Organization", "name": site}, "inLanguage": lang,
        }  # fmt: skip
        head.append(f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    nav = "".join(f'<li><a href="/{n.lower()}">{n}</a></li>' for n in NAV)
    ticker = " | ".join(TICKER)
    body = []
    for i, text in enumerate(paragraphs):
        body.append(f"<p>{e(text)}</p>")
        if i % 2 == 1:
            body.append(
                '<div class="ad advertisement"><span>Advertisement</span>'
                '<a href="/promo">Cheap flights to Dubai from 199 dollars, book now</a></div>'
            )
    related = "".join(
        f'<li><a href="/news/{i}">Read also: {e(p)} visits {e(q)} for the summit</a></li>'
        for i, (p, q) in enumerate(zip(PEOPLE, PLACES, strict=False))
    )
    comments = "".join(
        f'<div class="comment"><b>user{i}</b><p>Comments like this one are not the '
        f"article, reader number {i} says.</p></div>"
        for i in range(4)
    )
    visible_meta = (
        f'<div class="byline">By Staff Reporter, {e(site)}, {date}</div>'
        if metadata == "visible" else ""
    )  # fmt: skip
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">{"".join(head)}</head>
<body>
<header><div class="logo">{e(site)}</div><nav><ul>{nav}</ul></nav>
<div class="ticker">{ticker}</div>
<div class="cookie">Cookie notice: we use cookies to improve the site.
<button>Accept</button></div></header>
<main><article><h1>{e(title)}</h1>{visible_meta}
{"".join(body)}
</article>
<aside class="related"><h3>Most read</h3><ul>{related}</ul></aside>
<section class="comments"><h3>Comments</h3>{comments}
<a href="/login">Log in to comment</a></section></main>
<footer><p>Subscribe to our newsletter for the news of the day.</p>
<p>&copy; 2021 {e(site)}. All rights reserved. Reproduction only with a link.</p>
<ul><li><a href="/about">About us</a></li><li><a href="/ads">Advertising</a></li></ul>
</footer></body></html>
"""
