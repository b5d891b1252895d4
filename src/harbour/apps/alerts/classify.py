"""What the monitoring reads: the school's classifier, and the words in events' text.

The classifier is built once per policy version and set of ignore rules (building compiles
thousands of terms), then shared by every call in the process.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

if TYPE_CHECKING:
    from harbour.monitoring.classifier import Classifier

# The source of a web address's words: not a sentence anyone wrote (see find_risks).
URL_SOURCE = "url"
CONTEXT_WORDS = 6
MAX_CONTEXT = 300
_WORD = re.compile(r"[^\W_]+")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_NOISE_WORDS = frozenset({"html", "htm", "php", "asp", "aspx", "jsp", "amp", "www"})

_lock = threading.Lock()
_cache: dict[tuple[str, tuple[str, ...]], Classifier] = {}


@dataclass(frozen=True)
class Finding:
    """A risk found in one piece of text, with the words around the match."""

    category: str
    severity: int
    matched: str
    context: str
    source: str


def school_classifier() -> Classifier:
    """The classifier with the active policy's extra and ignore terms and the DSL's rules."""
    from harbour.apps.alerts.models import IgnoreRule
    from harbour.apps.policies.service import NoPolicy, current_policy
    from harbour.monitoring.classifier import Classifier

    try:
        policy = current_policy()
        version = policy.version
        extra = policy.monitoring.extra_terms
        ignore = list(policy.monitoring.ignore_terms)
    except NoPolicy:
        version, extra, ignore = "", {}, []
    rules = tuple(sorted(IgnoreRule.objects.filter(active=True).values_list("term", flat=True)))
    key = (version, rules)
    with _lock:
        found = _cache.get(key)
        if found is None:
            found = Classifier.default(extra_terms=extra, ignore_terms=[*ignore, *rules])
            _cache.clear()  # only the current school set is ever wanted again
            _cache[key] = found
        return found


def in_context(text: str, matched: str) -> str:
    """``matched`` with up to six words either side, as it appears in ``text``."""
    where = text.lower().find(matched.lower()) if matched else -1
    if where < 0:
        return text[:MAX_CONTEXT]
    before = text[:where].split()[-CONTEXT_WORDS:]
    after_start = where + len(matched)
    after = text[after_start:].split()[:CONTEXT_WORDS]
    return " ".join([*before, text[where:after_start], *after])[:MAX_CONTEXT]


def find_risks(classifier: Classifier, text: str, source: str) -> list[Finding]:
    """Every risk in ``text``, with its context, labelled with where the text came from.

    A web address's words are read by the lexicons alone (see :meth:`Classifier.classify`).
    """
    text = (text or "").strip()
    if not text:
        return []
    return [
        Finding(r.category, r.severity, r.evidence, in_context(text, r.evidence), source)
        for r in classifier.classify(text, learned=source != URL_SOURCE)
    ]


@functools.lru_cache(maxsize=65536)  # the same addresses come back all day
def url_words(url: str, with_query: bool = True) -> str:
    """The words in a web address's path (and query values): what a page is about.

    ``/how-to_stay%20safe.html?q=x`` reads as "how to stay safe x"; numbers, hex ids and file
    extensions are dropped because they never carry meaning for the classifier. Plain string
    slicing rather than ``urlsplit``: this runs for every event ingested.
    """
    start = url.find("//")
    rest = url[start + 2 :] if start >= 0 else url
    cuts = [i for i in (rest.find("/"), rest.find("?")) if i >= 0]
    if not cuts:
        return ""
    tail = rest[min(cuts) :].partition("#")[0]
    path, _, query = tail.partition("?")
    if with_query and query:
        path = " ".join([path, *(pair.partition("=")[2] for pair in query.split("&"))])
    if "%" in path or "+" in path:
        path = unquote_plus(path)
    return " ".join(w for w in _WORD.findall(path) if not _is_noise(w))


def _is_noise(word: str) -> bool:
    return (
        word.isdigit()
        or word.lower() in _NOISE_WORDS
        or (len(word) >= 8 and bool(_HEX.match(word)))
    )


def event_texts(event: Any) -> list[tuple[str, str]]:
    """The (source, text) pairs worth classifying in a decision event (a row or a dict)."""
    if isinstance(event, dict):
        return texts_of(event.get("search_terms"), event.get("url"), event.get("title"))
    # A row: its fields read directly (this runs for every event ingested).
    return texts_of(
        getattr(event, "search_terms", None),
        getattr(event, "url", None),
        getattr(event, "title", None),
    )


def texts_of(terms: Any, url: str | None, title: str | None = None) -> list[tuple[str, str]]:
    """The (source, text) pairs worth classifying: each search (a list, or stored one a
    line), the address's words (with its query's only when no search was found in it) and
    the page title."""
    texts: list[tuple[str, str]] = []
    if isinstance(terms, str):  # stored rows keep one search a line
        terms = terms.splitlines()
    for term in terms or ():
        texts.append(("search", str(term)))
    words = url_words(url or "", with_query=not terms)
    if words:
        texts.append((URL_SOURCE, words))
    if title:
        texts.append(("title", str(title)))
    return texts
