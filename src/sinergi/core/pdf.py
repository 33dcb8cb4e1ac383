"""Text for fpdf2's built-in fonts (Helvetica), shared by every PDF Sinergi draws.

The built-in fonts carry Latin-1 only: that covers Indonesian, and keeps PDFs free of font
files, browsers and external calls (docs/decisions/insights-rakor-report.md).
"""

from __future__ import annotations

import unicodedata

_FOLD = {
    "→": "->",
    "←": "<-",
    "–": "-",
    "—": "-",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "…": "...",
    "✓": "v",
    "•": "-",
}


def latin1(text: str) -> str:
    """Text the built-in PDF fonts can draw: common punctuation folded to ASCII, accents
    kept where Latin-1 has them, anything else reduced to its base letter or '?'."""
    out = []
    for ch in str(text):
        ch = _FOLD.get(ch, ch)
        try:
            ch.encode("latin-1")
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            ch = base or "?"
        out.append(ch)
    return "".join(out)
