"""Permission matrix rows of the insights app (see tests/matrix.py)."""

from __future__ import annotations

from tests.matrix import PUBLIC, SIGNED_IN, Case

UI_CASES = [
    Case("insights:dashboard", "get", "/dasbor/", SIGNED_IN),
    Case("insights:agency", "get", "/dasbor/instansi/dinkes-sanggau/", SIGNED_IN),
    Case("insights:pairs", "get", "/dasbor/pasangan/", SIGNED_IN),
    Case("insights:report", "get", "/dasbor/laporan/", SIGNED_IN),
    Case("insights_public:scoreboard", "get", "/publik/skor/", PUBLIC),
]

API_CASES: list[Case] = []
