"""Search terms carried on decisions, from the engines the DfE log must cover."""

from __future__ import annotations

import pytest

from harbour.filtering.searchterms import search_terms
from harbour.filtering.urlnorm import normalise_url


@pytest.mark.parametrize(
    ("url", "terms"),
    [
        ("https://www.google.co.uk/search?q=how+to+make+friends&hl=en", ["how to make friends"]),
        ("https://www.google.com/search?client=firefox&q=caf%C3%A9%20menu", ["café menu"]),
        ("https://www.bing.com/search?q=volcano%20facts&form=QBLH", ["volcano facts"]),
        ("https://duckduckgo.com/?q=rainforest+animals&ia=web", ["rainforest animals"]),
        ("https://html.duckduckgo.com/html/?q=times+tables", ["times tables"]),
        ("https://uk.search.yahoo.com/search?p=roman+britain", ["roman britain"]),
        ("https://www.ecosia.org/search?method=index&q=solar+system", ["solar system"]),
        ("https://www.youtube.com/results?search_query=minecraft+tutorial", ["minecraft tutorial"]),
        ("https://m.youtube.com/results?search_query=%20%20fractions%20", ["fractions"]),
    ],
)
def test_search_terms_are_extracted_from_search_and_video_sites(url: str, terms: list[str]) -> None:
    assert search_terms(normalise_url(url)) == terms


@pytest.mark.parametrize(
    "url",
    [
        "https://www.google.com/maps?q=london",
        "https://www.youtube.com/watch?v=abc&q=nope",
        "https://example.com/search?q=not+a+search+engine",
        "https://www.bing.com/search?q=",
        "https://www.google.com/",
    ],
)
def test_other_urls_carry_no_search_terms(url: str) -> None:
    assert search_terms(normalise_url(url)) == []
