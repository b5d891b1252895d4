"""The filtering engine: URL normalisation, compiled category lists, matching and decisions.

Plain Python; never imports Django. Gateways (the Squid helper, the DNS resolver) use::

    engine = FilterEngine.open(data_dir)
    who = engine.who_for_ip("10.10.1.5")
    decision = engine.decide(who, "http://example.com/", datetime.now(UTC))
    engine.maybe_reload()   # cheap; picks up a new snapshot or lists within a second
"""

from harbour.filtering.decision import ALLOW, BLOCK, Decision, Reason, Who
from harbour.filtering.engine import EngineError, FilterEngine, compile_policy
from harbour.filtering.entries import ListImportError
from harbour.filtering.lists import ListStore
from harbour.filtering.matcher import Match, Matcher
from harbour.filtering.urlnorm import NormalURL, UrlError, normalise_host, normalise_url

__all__ = [
    "ALLOW",
    "BLOCK",
    "Decision",
    "EngineError",
    "FilterEngine",
    "ListImportError",
    "ListStore",
    "Match",
    "Matcher",
    "NormalURL",
    "Reason",
    "UrlError",
    "Who",
    "compile_policy",
    "normalise_host",
    "normalise_url",
]
