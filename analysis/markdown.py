"""Small markdown helpers shared by the report sections."""

from __future__ import annotations

import math


def table(headers: list[str], rows: list[list], align: str | None = None) -> str:
    """A GitHub-flavoured markdown table; `align` is one character per column ('l' or 'r')."""
    align = align or "l" * len(headers)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines) + "\n"


def _cell(value) -> str:
    if value is None:
        return "—"
    return str(value).replace("|", "\\|").replace("\n", " ")


def pct(fraction, digits: int = 2) -> str:
    """A fraction as a percentage string: 0.1093 -> '10.93%'; None/NaN -> '—'."""
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)):
        return "—"
    return f"{100.0 * fraction:.{digits}f}%"


def signed_pp(delta_pct, digits: int = 2) -> str:
    """A difference in percentage points with its sign: 9.4 -> '+9.40 pp'."""
    if delta_pct is None or math.isnan(delta_pct):
        return "—"
    return f"{delta_pct:+.{digits}f} pp"


def seconds(value) -> str:
    """A duration: '51.0 s' below two minutes, else '1.9 min'."""
    if value is None or math.isnan(value):
        return "—"
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"
