"""One template per report, rendered into the web page and into the PDF alike."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

PDF_STYLE = """
@page { size: A4; margin: 16mm 14mm; @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; color: #1d2733; }
h1 { font-size: 16pt; margin: 0 0 4pt; } h2 { font-size: 12pt; margin: 14pt 0 4pt; }
table { border-collapse: collapse; width: 100%; margin-bottom: 8pt; }
th, td { border: 0.5pt solid #b9c2cc; padding: 2pt 4pt; text-align: left; vertical-align: top; }
th { background: #eaf0f6; } .muted { color: #5b6673; } svg { max-width: 100%; height: auto; }
"""


def _context(kind: str, report: Any) -> dict[str, Any]:
    return {"report": report, "charts": {k: mark_safe(v) for k, v in report.charts.items()}, "kind": kind}  # noqa: S308 - our own SVG


def body_html(kind: str, report: Any) -> str:
    """The report's content (no page chrome)."""
    return render_to_string(f"harbour/reports/{kind}_body.html", _context(kind, report))


def document_html(kind: str, report: Any) -> str:
    """A standalone HTML document of the report (for the PDF and for ``-o report.html``)."""
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{kind} report</title><style>{PDF_STYLE}</style></head><body>"
        f"{body_html(kind, report)}</body></html>"
    )


def pdf_bytes(kind: str, report: Any) -> bytes:
    """The report as a PDF (WeasyPrint)."""
    from weasyprint import HTML

    return HTML(string=document_html(kind, report)).write_pdf()


def write_report(kind: str, report: Any, path: Path) -> str:
    """Write HTML or PDF by the file's extension; return the file's SHA-256."""
    data = pdf_bytes(kind, report) if path.suffix.lower() == ".pdf" else document_html(kind, report).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()
