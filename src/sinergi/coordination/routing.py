"""Routing help: which agency is competent for a request, from mandates and affairs.

A pure function over plain data (no Django), so it is tested and reused directly. The
score of an agency is the sum, over the distinct words of the request, of the word's
weight (rarer words across agencies weigh more) times 2 when it occurs in the agency's
government affairs or name and 1 when it occurs in its mandate text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Words too common in Indonesian government letters to say anything about competence.
_STOP_TEXT = """
    dan atau yang di ke dari untuk dengan pada dalam oleh ini itu sebagai adalah akan
    kami kita mohon permohonan permintaan terkait tentang atas bagi para serta juga agar
    dapat tidak sudah belum bisa ada tahun kabupaten kota provinsi daerah dinas badan
    kantor bidang urusan pemerintahan pelaksanaan penyelenggaraan melaksanakan tugas fungsi
    data informasi the and for of to in on with please request
    sanggau kalimantan barat sesuai nomor tanggal surat hal perihal
    """
STOPWORDS = frozenset(_STOP_TEXT.split())
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> set[str]:
    """Distinct meaningful lower-case words of a text, with a light suffix trim so that
    "pertanahan"/"tanah" and "jalan"/"jalannya" meet."""
    out: set[str] = set()
    for w in _WORD.findall(text.lower()):
        if len(w) < 3 or w in STOPWORDS or w.isdigit():
            continue
        out.add(_stem(w))
    return out


def _stem(w: str) -> str:
    for suffix in ("nya", "kan", "an"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: -len(suffix)]
            break
    for prefix in ("per", "pen", "pem", "pe"):
        if w.startswith(prefix) and len(w) - len(prefix) >= 4:
            return w[len(prefix) :]
    return w


@dataclass(frozen=True)
class AgencyProfile:
    """What routing knows of an agency."""

    slug: str
    name: str
    mandate: str = ""
    affairs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """A candidate agency with its score and the words that matched."""

    slug: str
    name: str
    score: float
    matched: tuple[str, ...]


def suggest_agencies(
    text: str, agencies: Sequence[AgencyProfile], *, limit: int = 3, exclude: Iterable[str] = ()
) -> list[Suggestion]:
    """The agencies whose mandate and affairs best match the text, best first."""
    query = words(text)
    skip = set(exclude)
    if not query:
        return []
    profiles = []
    for a in agencies:
        if a.slug in skip:
            continue
        strong = words(a.name + " " + " ".join(a.affairs))
        weak = words(a.mandate)
        profiles.append((a, strong, weak))
    if not profiles:
        return []
    n = len(profiles)
    doc_freq = {w: sum(1 for _, s, m in profiles if w in s or w in m) for w in query}
    results = []
    for a, strong, weak in profiles:
        score = 0.0
        matched = []
        for w in sorted(query):
            if doc_freq[w] == 0:
                continue
            idf = math.log(1 + n / doc_freq[w])
            if w in strong:
                score += 2 * idf
                matched.append(w)
            elif w in weak:
                score += idf
                matched.append(w)
        if score > 0:
            results.append(Suggestion(a.slug, a.name, round(score, 3), tuple(matched)))
    results.sort(key=lambda s: (-s.score, s.slug))
    return results[:limit]
