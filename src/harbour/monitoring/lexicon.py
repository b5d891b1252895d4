"""Lexicon data files: risk terms per category, context words, slang.

Every file is plain UTF-8 text in ``monitoring/lexicons/``; ``#`` starts a comment and
``@lang xx`` sets the language of the lines that follow (``en`` at the top of a file).

``<category>.tsv`` — one risk term per line, tab-separated::

    term<TAB>severity[<TAB>flags]

``flags`` is a comma-separated list of:

* ``ambiguous`` — the word has common benign senses ("suicide", "porn"): it alerts on its own,
  but not inside educational framing, gaming talk or help for someone else.
* ``needs=a+b`` — alerts only when a context group ``a`` or ``b`` is present too ("die" needs
  ``intent`` or ``method``; "disgusting" needs ``identity``). Implies ``ambiguous``. Several
  ``needs=`` flags must all hold ("took" needs ``method`` and ``many``).
* ``hyperbole`` — a plain statement that pupils also say in jest about a test or a game
  ("i want to die, that maths test lol"): it alerts on its own and beside laughter, but not
  when laughter *and* a school or game ordeal (``framing`` or ``ordeal``) are both there, or
  when the cause named is trivial (``trivial``: a spoiled ending, failing a mock).
* a term ending in ``*`` is a stem: it also matches longer words ("suicid*" → "suicidal").
* ``…`` (or ``...``) inside a term allows up to three other words between its parts
  ("send … pics" matches "send me some nice pics").

``context.tsv`` — ``phrase<TAB>group``: the words that make up each context group (``intent``,
``method``, ``framing``, ``help_other``, ``benign``, ``identity``, ``target``, ...).

``slang.tsv`` — ``word<TAB>replacement``: rewrites applied during normalisation ("wanna" →
"want to"). A key with a space is a phrase rewrite ("my self" → "myself").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

CATEGORIES = (
    "illegal",
    "suicide",
    "self_harm",
    "bullying",
    "grooming",
    "discrimination",
    "drugs",
    "extremism",
    "gambling",
    "pornography",
    "violence",
)


_COMMENT = re.compile(r"(?:^|\s)#")


class LexiconError(ValueError):
    """A malformed lexicon line; the message names the file and line."""


@dataclass(frozen=True)
class Term:
    """One risk term as written in a lexicon file."""

    term_id: str
    category: str
    text: str
    severity: int
    language: str
    ambiguous: bool = False
    needs: tuple[frozenset[str], ...] = ()
    stem: bool = False
    hyperbole: bool = False

    @property
    def parts(self) -> list[str]:
        """The pieces of a term with gaps ("send … pics" → ["send", "pics"])."""
        return [p.strip() for p in re.split(r"…|\.\.\.", self.text) if p.strip()]


@dataclass
class Lexicon:
    """Everything the classifier matches: risk terms, context phrases and slang rewrites."""

    terms: list[Term] = field(default_factory=list)
    context: dict[str, list[str]] = field(default_factory=dict)
    slang_words: dict[str, str] = field(default_factory=dict)
    slang_phrases: dict[str, str] = field(default_factory=dict)


def _rows(path: Path | str, text: str) -> list[tuple[int, str, list[str]]]:
    """(line number, language, tab-separated fields) for each meaningful line."""
    rows = []
    language = "en"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT.split(raw, maxsplit=1)[0].rstrip()
        if not line.strip():
            continue
        if line.startswith("@lang"):
            parts = line.split()
            if len(parts) != 2:
                raise LexiconError(f"{path}:{number}: '@lang' needs one language code")
            language = parts[1]
            continue
        fields = [f.strip() for f in line.split("\t") if f.strip()]
        rows.append((number, language, fields))
    return rows


def parse_terms(path: Path | str, category: str, text: str) -> list[Term]:
    """Parse a category lexicon; raise :class:`LexiconError` naming ``path:line``."""
    terms = []
    for number, language, fields in _rows(path, text):
        where = f"{path}:{number}"
        if len(fields) not in (2, 3):
            raise LexiconError(f"{where}: expected 'term<TAB>severity[<TAB>flags]'")
        term, severity_text = fields[0], fields[1]
        if not severity_text.isdigit() or not 1 <= int(severity_text) <= 5:
            raise LexiconError(f"{where}: severity must be 1-5, not {severity_text!r}")
        ambiguous, hyperbole, needs = False, False, list[frozenset[str]]()
        for flag in fields[2].split(",") if len(fields) == 3 else []:
            flag = flag.strip()
            if flag == "ambiguous":
                ambiguous = True
            elif flag == "hyperbole":
                hyperbole = True
            elif flag.startswith("needs="):
                needs.append(frozenset(g for g in flag[6:].split("+") if g))
                ambiguous = True
            else:
                raise LexiconError(f"{where}: unknown flag {flag!r}")
        stem = term.endswith("*")
        terms.append(
            Term(
                term_id=f"{category}/{term}",
                category=category,
                text=term.rstrip("*"),
                severity=int(severity_text),
                language=language,
                ambiguous=ambiguous,
                needs=tuple(needs),
                stem=stem,
                hyperbole=hyperbole,
            )
        )
    return terms


def parse_pairs(path: Path | str, text: str) -> list[tuple[str, str]]:
    """Parse a two-column file (context or slang); raise :class:`LexiconError` on bad lines."""
    pairs = []
    for number, _language, fields in _rows(path, text):
        if len(fields) != 2:
            raise LexiconError(f"{path}:{number}: expected two tab-separated fields")
        pairs.append((fields[0], fields[1]))
    return pairs


def load_default() -> Lexicon:
    """The lexicons shipped with Harbour."""
    folder = resources.files("harbour.monitoring") / "lexicons"
    lexicon = Lexicon()
    for category in CATEGORIES:
        name = f"{category}.tsv"
        lexicon.terms.extend(parse_terms(name, category, (folder / name).read_text("utf-8")))
    known = set(CATEGORIES) | {"context", "slang"}
    for entry in folder.iterdir():
        if entry.name.endswith(".tsv") and entry.name[:-4] not in known:
            raise LexiconError(f"{entry.name}: not a risk category ({', '.join(CATEGORIES)})")
    for phrase, group in parse_pairs("context.tsv", (folder / "context.tsv").read_text("utf-8")):
        lexicon.context.setdefault(group, []).append(phrase)
    for word, replacement in parse_pairs("slang.tsv", (folder / "slang.tsv").read_text("utf-8")):
        if " " in word:
            lexicon.slang_phrases[word] = replacement
        else:
            lexicon.slang_words[word] = replacement
    return lexicon
