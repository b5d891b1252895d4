"""The lexicon stage of the safeguarding classifier: text → risks with severity and evidence.

How a text is judged (the rules and their reasons are in ``monitoring/README.md``):

1. The text is normalised (:mod:`harbour.monitoring.normalise`) and a fast pre-check looks
   for any risk term in it with one Aho-Corasick pass in C; most texts stop there.
2. Risk terms and context phrases are matched word-bounded (:mod:`harbour.monitoring.matcher`).
   ``benign`` idioms ("killing it", "kill a process") hide the risk terms they overlap;
   ``framing`` (homework, history, lyrics, games, health) and ``help_other`` ("how to help a
   friend who...") silence ambiguous terms, laughter ("lol") silences hyperbole and teasing;
   ``help_other`` also caps every risk at severity 2 unless the writer speaks of themself.
   Identity words are context only, never risks.
3. A term flagged ``needs=...`` counts only with those context groups outside itself, or beside
   a different term of its category. Intent, method, secrecy and the like raise severity one
   step each where they mean more danger, and a second distinct term of the same category
   raises it again. Severity never exceeds 5.
4. One risk per category, the strongest, ordered by severity and then by gravity of category.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from harbour.monitoring.learned import LearnedModel, load_shipped
from harbour.monitoring.lexicon import CATEGORIES, Lexicon, LexiconError, Term, load_default
from harbour.monitoring.matcher import Hit, PhraseMatcher, chain
from harbour.monitoring.misspell import misspellings, shipped_real_words
from harbour.monitoring.normalise import Slang, normalise, normalise_fast

if TYPE_CHECKING:
    from harbour.policy import Policy

# Ties between categories go to the graver one.
PRIORITY = (
    "illegal",
    "suicide",
    "grooming",
    "extremism",
    "violence",
    "self_harm",
    "bullying",
    "discrimination",
    "drugs",
    "pornography",
    "gambling",
)

# Built-in context groups: the text contains a number ("take 2 pills"), or one of at least
# eight ("took 30 pills").
NUMBER = "number"
MANY = "many"
MANY_FROM = 8
# Part number of a term matched whole; gapped terms' parts count from 0.
WHOLE = -1

# Context groups that add one severity step each, per category.
BOOSTS: dict[str, tuple[str, ...]] = {
    "suicide": ("intent", "method", "self", "conceal"),
    "self_harm": ("intent", "method", "self"),
    "violence": ("intent", "weapon"),
    "extremism": ("intent", "praise"),
    "drugs": ("amount", NUMBER),
    "grooming": ("secrecy", "sexual"),
    "bullying": ("intent",),
}

# Education, media, games and health framing silence ambiguous terms; laughter does so only
# where hyperbole is common ("my mum will kill me lol") and for mild teasing ("ur so weird
# haha"), never for hate or abuse.
JOKE_CATEGORIES = frozenset({"suicide", "violence"})
# Categories whose ambiguous terms game talk does not silence.
UNGAMED = frozenset({"grooming"})
# Categories whose needy terms corroborate each other: two insults are an insult.
STACKING = frozenset({"bullying"})
# Seeking help for someone else caps severity (unless the writer speaks of themself).
HELP_CAP = 2
EXTRA_TERM_SEVERITY = 3
# The learned weights (learned.py) alert at severity 4 at most; thresholds chosen by
# leave-one-round-out cross-validation on the labelled rounds (monitoring/README.md).
LEARNED_SEVERITY = 4
LEARNED_NONE_BELOW = 0.35  # a text the lexicons missed is risky when P(benign) is below this
LEARNED_URGENT_ABOVE = 0.5  # ... and urgent when P(urgent | risky) is above this
LEARNED_RAISE_ABOVE = 0.5  # a lexicon risk below 4 is raised to 4 when P(urgent | risky) is above
# One- and two-word texts are the lexicons' alone: a bare "overdose" is a health search until
# more words say otherwise, and cross-validation found nothing the model adds there.
LEARNED_MIN_WORDS = 3
EVIDENCE_CHARS = 160
_VOWELS = "aeiou"
_DIGITS = re.compile(r"\d+")


class _Found(NamedTuple):
    category: str
    severity: int
    term: Term
    start: int
    end: int
    form: int = 0


@dataclass(frozen=True)
class Risk:
    """One safeguarding risk found in a text."""

    category: str
    severity: int
    evidence: str
    term_id: str
    language: str


def _variants(term: Term, key: str) -> Iterable[str]:
    """Spellings of a term beyond its own: squashed phrases, a vowel hidden by ``*``."""
    yield key
    words = key.split()
    if len(words) > 1 and len(key) >= 9:
        yield "".join(words)
    elif len(words) == 1 and len(key) >= 3 and not term.stem:
        for i, char in enumerate(key):
            if char in _VOWELS and i > 0:
                yield key[:i] + "*" + key[i + 1 :]


class Classifier:
    """Lexicon-based safeguarding classifier. Build once, then call :meth:`classify`."""

    def __init__(
        self,
        lexicon: Lexicon,
        extra_terms: Mapping[str, Iterable[str]] | None = None,
        ignore_terms: Iterable[str] = (),
        learned: LearnedModel | None = None,
    ) -> None:
        plain = Slang({}, {})
        self._slang = Slang(
            {normalise_fast(k, plain)[0]: v for k, v in lexicon.slang_words.items()},
            {normalise_fast(k, plain)[0]: v for k, v in lexicon.slang_phrases.items()},
        )
        terms = list(lexicon.terms)
        words = self.words(lexicon)
        known = words | set(self._slang.words) | set(self._slang.phrases)
        for variant, word in misspellings(words, known, shipped_real_words()).items():
            self._slang.words.setdefault(variant, word)
        groups = set(lexicon.context) | {NUMBER, MANY}
        for term in terms:
            if unknown := set().union(*term.needs) - groups:
                raise LexiconError(f"{term.term_id}: needs unknown context group {sorted(unknown)}")
        for category, school_words in (extra_terms or {}).items():
            if category not in CATEGORIES:
                raise ValueError(
                    f"extra_terms: unknown category {category!r} (known: {', '.join(CATEGORIES)})"
                )
            for word in school_words:
                terms.append(
                    Term(f"{category}/school:{word}", category, word, EXTRA_TERM_SEVERITY, "school")
                )
        ignored = {self.normal_form(word) for word in ignore_terms}
        ignored.discard("")
        self._learned = learned
        self._ignored_pattern = (
            re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(ignored))) + r")\b")
            if ignored
            else None
        )
        self.terms = terms
        self._risks = PhraseMatcher()
        # What the fast pre-check looks for: whole terms and the last part of gapped ones.
        self._triggers = PhraseMatcher()
        for index, term in enumerate(terms):
            parts = term.parts
            if len(parts) > 1:
                # Each part is matched alone; _judge keeps them only in order and close.
                for number, part in enumerate(parts):
                    stem = term.stem and number == len(parts) - 1
                    self._risks.add(self.normal_form(part), (index, number), stem=stem)
                self._triggers.add(self.normal_form(parts[-1]), index, stem=term.stem)
                continue
            key = self.normal_form(term.text)
            if not key or key in ignored:
                continue
            for variant in _variants(term, key):
                self._risks.add(variant, (index, WHOLE), stem=term.stem)
                self._triggers.add(variant, index, stem=term.stem)
        self._risks.finish()
        self._triggers.finish()
        self._context = PhraseMatcher()
        for group, phrases in lexicon.context.items():
            for phrase in phrases:
                key = self.normal_form(phrase)
                if key:
                    self._context.add(key.rstrip("*"), group, stem=phrase.endswith("*"))
        for key in ignored:
            self._context.add(key, "benign")
        self._context.finish()

    def words(self, lexicon: Lexicon) -> set[str]:
        """Every word of the lexicon's terms and context phrases, normalised."""
        phrases = [term.text for term in lexicon.terms]
        phrases += [phrase for group in lexicon.context.values() for phrase in group]
        words: set[str] = set()
        for phrase in phrases:
            words.update(self.normal_form(phrase.replace("…", " ").replace("*", " ")).split())
        return words

    def normal_form(self, text: str) -> str:
        """A phrase in the normalised spelling the matcher sees."""
        return normalise_fast(text, self._slang)[0]

    @classmethod
    def default(
        cls,
        extra_terms: Mapping[str, Iterable[str]] | None = None,
        ignore_terms: Iterable[str] = (),
    ) -> Classifier:
        """The classifier with Harbour's shipped lexicons, learned weights and a school's terms."""
        return cls(
            load_default(),
            extra_terms=extra_terms,
            ignore_terms=ignore_terms,
            learned=shipped_learned(),
        )

    @classmethod
    def for_policy(cls, policy: Policy) -> Classifier:
        """The default classifier with the policy's ``[monitoring]`` extra and ignore terms."""
        monitoring = policy.monitoring
        return cls.default(extra_terms=monitoring.extra_terms, ignore_terms=monitoring.ignore_terms)

    def classify(self, text: str, learned: bool = True) -> list[Risk]:
        """The risks in ``text``: one per category, strongest first; empty when none.

        ``learned=False`` leaves out the learned weights, for text that is not a sentence
        someone wrote (the words of a web address), unlike everything they learned from.
        """
        forms = normalise_fast(text, self._slang)
        risks = self._lexical(text, forms)
        return self._with_learned(text, forms[0], risks) if learned else risks

    def _lexical(self, text: str, forms: list[str]) -> list[Risk]:
        """The risks the lexicons find in the normalised ``forms`` of ``text``."""
        if not any(self._triggers.any(form, i > 0) for i, form in enumerate(forms)):
            return []
        best: dict[str, _Found] = {}
        for i, form in enumerate(forms):
            for found in self._judge(form, collapsed=i > 0):
                held = best.get(found.category)
                if held is None or found.severity > held.severity:
                    best[found.category] = found._replace(form=i)
        if not best:
            return []
        # Offsets are worked out only now, for texts that carry a risk: the tracked forms
        # have the same text as the fast ones, so the spans carry over.
        tracked = normalise(text, self._slang)
        risks = []
        for found in best.values():
            a, b = tracked[found.form].original_span(found.start, found.end)
            risks.append(
                Risk(
                    found.category,
                    found.severity,
                    text[a:b],
                    found.term.term_id,
                    found.term.language,
                )
            )
        return sorted(risks, key=lambda r: (-r.severity, PRIORITY.index(r.category)))

    def _with_learned(self, text: str, form: str, risks: list[Risk]) -> list[Risk]:
        """``risks`` as the learned weights amend them; the school's ignore terms unread."""
        if self._learned is None:
            return risks
        if self._ignored_pattern is not None:
            form = self._ignored_pattern.sub(" ", form)
        return with_learned(self._learned, text, form, risks, self.has_benign_idiom)

    def has_benign_idiom(self, form: str) -> bool:
        """True if the normalised text holds one of the lexicons' benign idioms."""
        return any(hit.value == "benign" for hit in self._context.hits(form, False))

    def _term_hits(self, text: str, collapsed: bool) -> list[Hit]:
        """Hits whose value is a term index; gapped terms only when all parts line up."""
        whole: list[Hit] = []
        parts: dict[int, list[tuple[int, Hit]]] = {}
        for hit in self._risks.hits(text, collapsed):
            index, number = hit.value
            if number == WHOLE:
                whole.append(Hit(index, hit.start, hit.end))
            else:
                parts.setdefault(index, []).append((number, hit))
        for index, found in parts.items():
            span = chain(text, found, len(self.terms[index].parts))
            if span:
                whole.append(Hit(index, *span))
        return whole

    def _judge(self, form: str, collapsed: bool) -> list[_Found]:
        """The strongest finding per category in one normalised form."""
        context = self._context.hits(form, collapsed)
        for m in _DIGITS.finditer(form):
            context.append(Hit(NUMBER, m.start(), m.end()))
            if int(m.group()) >= MANY_FROM:
                context.append(Hit(MANY, m.start(), m.end()))
        groups = {hit.value for hit in context}
        benign = [(h.start, h.end) for h in context if h.value == "benign"]
        # The writer speaking of themself before or within the risk words means the help
        # they seek is for themself ("i want to die, childline number?"); afterwards it
        # is usually about the helper ("he wants to die, i dont want to make it worse").
        helpable = "help_other" in groups
        first_person = [h.start for h in context if h.value == "first_person"] if helpable else []
        mine = [(h.start, h.end) for h in context if h.value == "self"] if helpable else []
        framed = "framing" in groups
        gaming = "gaming" in groups
        joking = "joke" in groups
        # A trivial cause ("if he spoils the ending", "if i fail this mock") makes hyperbole
        # of death talk without any laughter.
        trivial = "trivial" in groups
        ordeal = joking and (framed or gaming or "ordeal" in groups) or trivial
        per_category: dict[str, list[tuple[Term, Hit]]] = {}
        for hit in self._term_hits(form, collapsed):
            term = self.terms[hit.value]
            # Games frame violence and death talk, but they are where groomers meet children.
            if term.ambiguous and (
                framed
                or (gaming and term.category not in UNGAMED)
                or ((joking or trivial) and _joke_sized(term))
                or (helpable and _helping(hit, first_person, mine))
            ):
                continue
            if term.hyperbole and ordeal:
                continue
            if not _is_benign(hit, benign):
                per_category.setdefault(term.category, []).append((term, hit))
        findings = []
        spans: dict[str, list[tuple[int, int]]] = {}
        for category, found in per_category.items():
            # A term whose needs are unmet still counts beside a different term that stands
            # on its own; two unmet terms prop each other up only where insults stack
            # ("stupid ugly cow"), not elsewhere ("took" and "pills" at a party).
            standing = [
                (term, hit)
                for term, hit in found
                if not term.needs or _supported(hit, term.needs, context)
            ]
            props = found if category in STACKING else standing
            kept = standing + [
                (term, hit)
                for term, hit in found
                if term.needs
                and not _supported(hit, term.needs, context)
                and _corroborated(hit, props)
            ]
            if not kept:
                continue
            spans[category] = [(h.start, h.end) for _, h in kept]
            term, hit = max(kept, key=_strength)
            # Context inside the term itself ("delete" in "delete this chat") adds nothing.
            outside = _outside(hit, context)
            boost = sum(1 for group in BOOSTS.get(category, ()) if group in outside)
            if any(_corroborated(other, kept) for _, other in kept):
                boost += 1
            severity = min(5, term.severity + boost)
            if helpable and _helping(hit, first_person, mine):
                severity = min(severity, HELP_CAP)
            findings.append(_Found(category, severity, term, hit.start, hit.end))
        return _without_overshadowed(findings, spans)


def with_learned(
    model: LearnedModel,
    text: str,
    form: str,
    risks: list[Risk],
    idiomatic: Callable[[str], bool] | None = None,
) -> list[Risk]:
    """``risks`` (sorted, from the lexicons) amended by ``model`` for ``text``.

    ``form`` is the text normalised. A risk the model finds on its own quotes the text itself
    (its words weigh together, so no single phrase is the evidence); the words that weighed
    most are in its ``term_id``.

    The model raises a lexicon risk to severity 4 when the whole text reads as urgent, and
    finds a risk of severity 4 in a text the lexicons found nothing in when it reads as both
    risky and urgent. It never judges a text the lexicons already call urgent, and never
    raises a critical (5) alert: a person reads these first. ``idiomatic`` (the classifier's
    :meth:`Classifier.has_benign_idiom`) vetoes a risk the model would find on its own.
    """
    if risks and risks[0].severity >= LEARNED_SEVERITY:
        return risks
    if not risks and len(form.split()) < LEARNED_MIN_WORDS:
        return []
    judgement = model.judge(form)
    if risks:
        if judgement.p_urgent <= LEARNED_RAISE_ABOVE:
            return risks
        return raise_top(risks, LEARNED_SEVERITY, f"learned:{judgement.p_urgent:.2f}")
    if judgement.p_none >= LEARNED_NONE_BELOW or judgement.p_urgent <= LEARNED_URGENT_ABOVE:
        return []
    # A benign idiom the lexicons know ("jump higher", "killing it") says what the model's
    # words mean there; cross-validation found one in none of the model's own true finds.
    if idiomatic is not None and idiomatic(form):
        return []
    weighed = ", ".join(model.weighed(form, judgement.category))
    term_id = f"learned/{judgement.category}:{1 - judgement.p_none:.2f} ({weighed})"
    return [Risk(judgement.category, LEARNED_SEVERITY, whole_text(text), term_id, "learned")]


def raise_top(risks: Sequence[Risk], severity: int, reason: str) -> list[Risk]:
    """``risks`` with the first (gravest) raised to ``severity``, ``reason`` added to its rule."""
    top = risks[0]
    raised = Risk(top.category, severity, top.evidence, f"{top.term_id}+{reason}", top.language)
    return [raised, *risks[1:]]


def whole_text(text: str) -> str:
    """A whole text as a risk's evidence (a model's finding has no single phrase), shortened."""
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1] + "…"


@cache
def shipped_learned() -> LearnedModel:
    """Harbour's shipped learned weights, read once per process."""
    return load_shipped()


def _helping(hit: Hit, first_person: list[int], mine: list[tuple[int, int]]) -> bool:
    """In a text seeking help for someone else: True if the writer is not the one at risk.

    The writer is at risk when they speak of themself before or within the risk words, or
    the risk words are about their own body or life ("the marks on my thighs").
    """
    if any(start < hit.end for start in first_person):
        return False
    return not any(hit.start <= a and b <= hit.end for a, b in mine)


def _without_overshadowed(
    findings: list[_Found], spans: dict[str, list[tuple[int, int]]]
) -> list[_Found]:
    """Drop a finding whose words lie inside a longer phrase of another category found too,
    when that category's finding is no less grave.

    The longer phrase says what the words mean: "jump" is not a fall in "jump him", even when
    "bring the blades" is that category's evidence; but a graver reading is never dropped
    ("nude" of a child inside "nude pics").
    """
    return [
        found
        for found in findings
        if not any(
            other.category != found.category
            and other.severity >= found.severity
            and any(
                a <= found.start and found.end <= b and b - a > found.end - found.start
                for a, b in spans[other.category]
            )
            for other in findings
        )
    ]


def _is_benign(hit: Hit, benign: list[tuple[int, int]]) -> bool:
    """A term overlapping a benign idiom is hidden ("want to die" in "want to die my hair")."""
    return any(a < hit.end and hit.start < b for a, b in benign)


def _strength(found: tuple[Term, Hit]) -> tuple[int, bool, bool, int]:
    """Which of a category's hits is the evidence: gravest, then plainest, then longest."""
    term, hit = found
    return term.severity, not term.ambiguous, not term.stem, hit.end - hit.start


def _joke_sized(term: Term) -> bool:
    """True if laughter makes this ambiguous term harmless: hyperbole, or mild teasing."""
    return term.category in JOKE_CATEGORIES or term.severity <= 2


def _outside(hit: Hit, context: list[Hit]) -> set[object]:
    """The context groups found outside the span of ``hit``."""
    return {c.value for c in context if c.end <= hit.start or hit.end <= c.start}


def _supported(hit: Hit, needs: tuple[frozenset[str], ...], context: list[Hit]) -> bool:
    """True if, for every need, a phrase of one of its groups occurs outside the term itself."""
    outside = _outside(hit, context)
    return all(groups & outside for groups in needs)


def _corroborated(hit: Hit, found: list[tuple[Term, Hit]]) -> bool:
    """True if a different term of the category matched elsewhere in the text (not overlapping)."""
    return any(
        other.value != hit.value and (other.end <= hit.start or hit.end <= other.start)
        for _, other in found
    )
