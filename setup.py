"""Build: the hot paths compiled to C with mypyc; everything else stays Python.

The modules below decide and answer every proxied request and DNS query, and read every text
the monitoring classifier is given (search terms, page titles, posted texts). mypyc (part of
mypy) compiles them from their own type-annotated source into C extension modules, which run
about 40% faster than the interpreter. Nothing else changes: same source, same answers, and a build
with ``HARBOUR_PURE_PYTHON=1`` (or without a C compiler) runs the plain Python.
"""

import os

from setuptools import setup

COMPILED = [
    "src/harbour/filtering/additions.py",
    "src/harbour/filtering/compiled.py",
    "src/harbour/filtering/engine.py",
    "src/harbour/filtering/matcher.py",
    "src/harbour/filtering/order.py",
    "src/harbour/filtering/safesearch.py",
    "src/harbour/filtering/searchterms.py",
    "src/harbour/filtering/state.py",
    "src/harbour/filtering/urlnorm.py",
    "src/harbour/gateways/dns/decider.py",
    "src/harbour/gateways/dns/edges.py",
    "src/harbour/gateways/dns/events.py",
    "src/harbour/gateways/dns/resolver.py",
    "src/harbour/gateways/dns/wire.py",
    "src/harbour/gateways/squid/blockpage.py",
    "src/harbour/gateways/squid/decisions.py",
    "src/harbour/gateways/squid/events.py",
    "src/harbour/gateways/squid/helper.py",
    "src/harbour/gateways/squid/protocol.py",
    "src/harbour/monitoring/classifier.py",
    "src/harbour/monitoring/learned.py",
    "src/harbour/monitoring/lexicon.py",
    "src/harbour/monitoring/matcher.py",
    "src/harbour/monitoring/misspell.py",
    "src/harbour/monitoring/normalise.py",
]


def native_modules() -> list:
    """The mypyc extensions, or none for a pure-Python build."""
    if os.environ.get("HARBOUR_PURE_PYTHON"):
        return []
    from mypyc.build import mypycify

    modules = mypycify(COMPILED, opt_level="3", group_name="harbour_native")
    for module in modules:
        module.optional = True  # no C compiler here: install the plain Python instead
    return modules


setup(ext_modules=native_modules())
