"""Small charts as inline SVG (matplotlib, no display needed)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

_COLOUR = "#0b5cad"


def _svg(fig: plt.Figure) -> str:
    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = out.getvalue()
    return text[text.find("<svg"):]


def bar_chart(labels: Sequence[str], values: Sequence[int], title: str) -> str:
    """Horizontal bars, largest first at the top; empty string when there is nothing."""
    if not values:
        return ""
    height = 0.6 + 0.32 * len(labels)
    fig, ax = plt.subplots(figsize=(7, height))
    ax.barh(list(reversed(labels)), list(reversed(values)), color=_COLOUR)
    ax.set_title(title, fontsize=10, loc="left")
    ax.tick_params(labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def day_chart(days: Sequence[str], series: dict[str, Sequence[int]], title: str) -> str:
    """One line per series over the days of the period."""
    if not days or not any(any(v) for v in series.values()):
        return ""
    fig, ax = plt.subplots(figsize=(7, 2.6))
    for name, values in series.items():
        ax.plot(days, values, marker="o", label=name)
    ax.set_title(title, fontsize=10, loc="left")
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)
