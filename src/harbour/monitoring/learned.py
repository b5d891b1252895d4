"""Weighted words learned from Harbour's labelled texts: the lexicon stage's safety net.

Hand-written lexicons catch what someone thought to write down; pupils paraphrase ("nobody
would even notice if i was gone"). This model reads the same normalised text as the lexicons
and scores its words and word pairs with weights learned from every labelled file in
``tests/monitoring/data`` (``harbour monitor train`` writes ``learned_weights.tsv``; see
:mod:`harbour.monitoring.training`). One multinomial logistic regression reads them, over
``none`` and each risk category twice: as labelled below severity 4 (``bullying``) and at 4
or more (``bullying+``). Whether a text is urgent is thus learned per category — an unkind
word is mild bullying, but "spread her nudes" is urgent bullying — and the probability that
a risky text is urgent is the share of the ``+`` classes in the risk classes' sum.

Besides whole words and pairs, the features include the four-letter fragments of each content
word (``~<kil``, ``~kill``, ``~ill>`` …), so a misspelt, inflected or compounded word the
training texts never had ("unaliving", "shanks", "overdoseing") still carries most of its
weight. Words and fragments are scaled as two blocks, so the many fragments of a long text do
not drown its words.

The classifier asks it only about texts the lexicons gave no urgent risk, and it can raise an
alert of severity 4 at most, never a critical one (see :mod:`harbour.monitoring.classifier`).
It is plain arithmetic over a dictionary — no model files beyond the TSV, nothing downloaded.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

NONE = "none"
URGENT_MARK = "+"
HEADER_DATA = "# data sha256 "


# English function words weigh nothing alone, nor paired with each other: otherwise the model
# learns the writers' style ("what time do you ...") instead of what they wrote about. They
# still count inside a pair with a content word ("kill myself", "miss me").
FUNCTION_WORDS = frozenset(
    """a an the and or but if so to of in on at by for with from up out off over into about
    as is am are was were be been being do does did done have has had having i me my mine
    myself you your yours u ur he him his she her hers it its we us our they them their this
    that these those what which who whom whose when where why how can could will would shall
    should may might must ill im youre dont doesnt didnt cant not no yes just very too also
    then than there here all any some one""".split()
)


# A fragment is marked so it cannot be mistaken for a word; its length and its block's weight
# beside the words' were chosen by leave-one-round-out cross-validation (monitoring/README.md).
FRAGMENT = "~"
FRAGMENT_LENGTH = 4
FRAGMENT_WEIGHT = 0.7
FRAGMENT_CACHE_WORDS = 200_000


def features(form: str) -> set[str]:
    """The words and adjacent word pairs of a normalised text, less function words alone."""
    words = form.split()
    found = {word for word in words if word not in FUNCTION_WORDS}
    for i in range(len(words) - 1):
        first, second = words[i], words[i + 1]
        if first not in FUNCTION_WORDS or second not in FUNCTION_WORDS:
            found.add(first + " " + second)
    return found


def block_scale(count: int, weight: float = 1.0) -> float:
    """What each of ``count`` features of one block is worth: ``weight`` over the square root
    of ``count``, so long chats do not outvote short searches."""
    return weight / math.sqrt(count) if count else 0.0


def fragment_words(form: str) -> set[str]:
    """The distinct content words of a normalised text long enough to have fragments."""
    return {w for w in form.split() if len(w) >= FRAGMENT_LENGTH and w not in FUNCTION_WORDS}


def word_fragments(word: str) -> set[str]:
    """The four-letter fragments of one word, its start and end marked with < and >."""
    marked = "<" + word + ">"
    return {
        FRAGMENT + marked[i : i + FRAGMENT_LENGTH] for i in range(len(marked) - FRAGMENT_LENGTH + 1)
    }


def feature_values(form: str) -> dict[str, float]:
    """Every feature of a normalised text with its value: what the model is trained on.

    Words and pairs share one over the square root of their number (so long chats do not
    outvote short searches). Fragments are counted word by word (a fragment two words share
    counts twice) and share :data:`FRAGMENT_WEIGHT` over the square root of their number.
    :meth:`LearnedModel.judge` computes the same sums with a cache per word.
    """
    found = features(form)
    scale = block_scale(len(found))
    values = {feature: scale for feature in found}
    parts = [part for word in fragment_words(form) for part in word_fragments(word)]
    scale = block_scale(len(parts), FRAGMENT_WEIGHT)
    for part in parts:
        values[part] = values.get(part, 0.0) + scale
    return values


def data_digest(lines: Iterable[str]) -> str:
    """A fingerprint of the training data, stored in the model so a stale model is noticed."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def urgent_class(category: str) -> str:
    """The class of ``category`` at severity 4 or more."""
    return category + URGENT_MARK


def category_of(name: str) -> str:
    """The risk category (or ``none``) a class stands for."""
    return name.removesuffix(URGENT_MARK)


@dataclass(frozen=True)
class Judgement:
    """What the model makes of one text."""

    category: str  # the likeliest risk category (never "none")
    p_none: float  # probability that the text is benign
    p_urgent: float  # probability that it deserves severity 4 or more, if it is a risk


class LearnedModel:
    """Weights per feature for each class; see the module docstring."""

    def __init__(
        self,
        classes: list[str],
        bias: list[float],
        weights: dict[str, list[float]],
        digest: str = "",
    ) -> None:
        if NONE not in classes or not any(c.endswith(URGENT_MARK) for c in classes):
            raise ValueError(
                f"learned model: classes must include '{NONE}' and an urgent ('{URGENT_MARK}') one"
            )
        self.classes = classes
        self.bias = bias
        self.weights = weights
        self.digest = digest
        self._none = classes.index(NONE)
        self._urgent = [k for k, c in enumerate(classes) if c.endswith(URGENT_MARK)]
        # Each risk category with the columns of its mild and urgent classes.
        self._columns: dict[str, list[int]] = {}
        for k, name in enumerate(classes):
            if k != self._none:
                self._columns.setdefault(category_of(name), []).append(k)
        # Per word: how many fragments it has and the sum of their weights. Texts repeat
        # words far more than they bring new ones, so this saves most of the fragment work.
        self._fragment_rows: dict[str, tuple[int, list[float]]] = {}

    def judge(self, form: str) -> Judgement:
        """Score one normalised text (as :func:`normalise_fast` returns it)."""
        logits = list(self.bias)
        width = len(logits)
        found = features(form)
        scale = block_scale(len(found))
        for feature in found:
            row = self.weights.get(feature)
            if row is not None:
                for k in range(width):
                    logits[k] += scale * row[k]
        count = 0
        sums = [0.0] * width
        for word in fragment_words(form):
            parts, row = self._fragment_row(word)
            count += parts
            for k in range(width):
                sums[k] += row[k]
        scale = block_scale(count, FRAGMENT_WEIGHT)
        for k in range(width):
            logits[k] += scale * sums[k]
        return self.judgement(logits)

    def judgement(self, logits: list[float]) -> Judgement:
        """The judgement the class scores ``logits`` (one per class, before softmax) make."""
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        risky = total - exps[self._none]
        urgent = sum(exps[k] for k in self._urgent)
        best, best_sum = "", -1.0
        for category, columns in self._columns.items():
            mass = sum(exps[k] for k in columns)
            if mass > best_sum:
                best, best_sum = category, mass
        return Judgement(best, exps[self._none] / total, urgent / risky if risky > 0 else 0.0)

    def _fragment_row(self, word: str) -> tuple[int, list[float]]:
        """How many fragments ``word`` has, and the sum of their weight rows (cached)."""
        cached = self._fragment_rows.get(word)
        if cached is not None:
            return cached
        parts = word_fragments(word)
        total = [0.0] * len(self.classes)
        for part in parts:
            row = self.weights.get(part)
            if row is not None:
                for k in range(len(total)):
                    total[k] += row[k]
        if len(self._fragment_rows) >= FRAGMENT_CACHE_WORDS:
            self._fragment_rows.clear()  # bounded memory in a long-running worker
        result = (len(parts), total)
        self._fragment_rows[word] = result
        return result

    def weighed(self, form: str, category: str) -> list[str]:
        """The (up to three) words or pairs of ``form`` that pushed hardest from benign to
        ``category`` (fragments are left out: they mean little to a reader).

        Worked out only for a text that becomes an alert, not for every text judged.
        """
        columns, none = self._columns[category], self._none
        pushes = []
        for feature in features(form):
            row = self.weights.get(feature)
            if row is not None:
                push = max(row[k] for k in columns) - row[none]
                if push > 0:
                    pushes.append((push, feature))
        return [feature for _, feature in sorted(pushes, reverse=True)[:3]]

    def dump(self) -> str:
        """The model as TSV text (the format :func:`parse` reads)."""
        lines = [
            "# Learned weights for the monitoring classifier; written by `harbour monitor train`.",
            HEADER_DATA + self.digest,
            "\t".join(["classes", *self.classes]),
            "\t".join(["bias", *(_number(v) for v in self.bias)]),
        ]
        for feature in sorted(self.weights):
            lines.append("\t".join([feature, *(_number(v) for v in self.weights[feature])]))
        return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    """A weight rounded to what matters, without a trailing ``.0`` or a negative zero."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def parse(text: str, source: str) -> LearnedModel:
    """Read a model written by :meth:`LearnedModel.dump`; errors name ``source`` and line."""
    classes: list[str] = []
    bias: list[float] = []
    weights: dict[str, list[float]] = {}
    digest = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(HEADER_DATA):
            digest = line[len(HEADER_DATA) :].strip()
            continue
        if not line.strip() or line.startswith("#"):
            continue
        name, *values = line.split("\t")
        # The header rows come first, so a word such as "classes" can be a feature too.
        if not classes:
            if name != "classes":
                raise ValueError(f"{source}:{number}: the 'classes' line must come first")
            classes = values
            continue
        if len(values) != len(classes):
            raise ValueError(
                f"{source}:{number}: {name!r} has {len(values)} weights, expected {len(classes)}"
            )
        try:
            row = [float(v) for v in values]
        except ValueError:
            raise ValueError(
                f"{source}:{number}: {name!r} has a weight that is not a number"
            ) from None
        if not bias:
            if name != "bias":
                raise ValueError(f"{source}:{number}: the 'bias' line must follow 'classes'")
            bias = row
        else:
            weights[name] = row
    if not bias:
        raise ValueError(f"{source}: no 'bias' line")
    return LearnedModel(classes, bias, weights, digest)


def shipped_path() -> Path:
    """Where the shipped model lives in the source tree (for ``harbour monitor train``)."""
    return Path(__file__).parent / "learned_weights.tsv"


def load_shipped() -> LearnedModel:
    """The model shipped with Harbour."""
    resource = resources.files("harbour.monitoring") / "learned_weights.tsv"
    return parse(resource.read_text("utf-8"), "learned_weights.tsv")
