"""Misspellings of lexicon words: "sucide", "overdsoe", "paracetmol", "undrage".

Every lexicon word of five letters or more gets its one-letter deletions and adjacent
transpositions as slang rewrites back to the word. A variant is dropped when it is itself a
word Harbour knows (any lexicon, context or slang word), an English word listed in
``lexicons/real_words.txt``, or the variant of two different words. ``real_words.txt`` holds
only the variants that collide with English words; :func:`collisions` regenerates it from a
system word list (``/usr/share/dict/words``, Debian package ``wbritish``).
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources

MIN_LENGTH = 5


def variants(word: str) -> set[str]:
    """One-letter deletions and adjacent transpositions of ``word``."""
    found = {word[:i] + word[i + 1 :] for i in range(len(word))}
    found |= {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    found.discard(word)
    return found


def misspellings(words: Iterable[str], known: set[str], real: set[str]) -> dict[str, str]:
    """Map from each safe misspelling to the word it stands for."""
    seen: dict[str, str | None] = {}
    for word in sorted(set(words)):
        if len(word) < MIN_LENGTH or not word.isalpha():
            continue
        for variant in variants(word):
            if variant in known or variant in real:
                continue
            # A variant of two different words says nothing about either.
            seen[variant] = word if seen.get(variant, word) == word else None
    return {variant: word for variant, word in seen.items() if word}


def shipped_real_words() -> set[str]:
    """English words that are also variants of lexicon words (``lexicons/real_words.txt``)."""
    text = (resources.files("harbour.monitoring") / "lexicons" / "real_words.txt").read_text()
    return {line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"}


def collisions(words: Iterable[str], dictionary: set[str]) -> set[str]:
    """The variants of ``words`` that are real words in ``dictionary``."""
    return {
        variant
        for word in words
        if len(word) >= MIN_LENGTH and word.isalpha()
        for variant in variants(word)
        if variant in dictionary
    }


def main(argv: list[str] | None = None) -> int:
    """Rewrite ``lexicons/real_words.txt`` from a word list (default ``/usr/share/dict/words``)."""
    import sys
    from pathlib import Path

    from harbour.monitoring.classifier import Classifier
    from harbour.monitoring.lexicon import load_default

    args = sys.argv[1:] if argv is None else argv
    source = Path(args[0] if args else "/usr/share/dict/words")
    dictionary = {w.strip().lower().replace("'", "") for w in source.read_text("utf-8").split()}
    lexicon = load_default()
    found = collisions(Classifier(lexicon).words(lexicon), dictionary)
    target = Path(__file__).parent / "lexicons" / "real_words.txt"
    header = [
        "# English words that are one-letter misspellings of lexicon words; see misspell.py.",
        '# Regenerate: python -c "from harbour.monitoring.misspell import main; main()"',
    ]
    target.write_text("\n".join([*header, *sorted(found)]) + "\n", "utf-8")
    print(f"{target}: {len(found)} words")
    return 0
