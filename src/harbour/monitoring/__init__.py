"""Safeguarding monitoring engine: text → risks (category, severity 1–5, evidence).

Plain Python; never imports Django. Typical use::

    from harbour.monitoring import Classifier
    classifier = Classifier.default(extra_terms={"drugs": ["wizzle"]}, ignore_terms=["oakbridge"])
    for risk in classifier.classify(text):
        ...  # risk.category, risk.severity, risk.evidence, risk.term_id, risk.language
"""

from harbour.monitoring.classifier import Classifier, Risk
from harbour.monitoring.lexicon import CATEGORIES, LexiconError

__all__ = ["CATEGORIES", "Classifier", "LexiconError", "Risk"]
