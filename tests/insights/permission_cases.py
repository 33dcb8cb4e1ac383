"""Permission matrix rows of the insights app (see tests/matrix.py)."""

from __future__ import annotations

from tests.matrix import API_READ, PUBLIC, SIGNED_IN, Case

UI_CASES = [
    Case("insights:dashboard", "get", "/dasbor/", SIGNED_IN),
    Case("insights:agency", "get", "/dasbor/instansi/dinkes-sanggau/", SIGNED_IN),
    Case("insights:pairs", "get", "/dasbor/pasangan/", SIGNED_IN),
    Case("insights:report", "get", "/dasbor/laporan/", SIGNED_IN),
    Case("insights_public:scoreboard", "get", "/publik/skor/", PUBLIC),
]

API_CASES = [
    Case("get /api/v1/insights/agencies", "get", "/api/v1/insights/agencies", API_READ),
    Case("get /api/v1/insights/pairs", "get", "/api/v1/insights/pairs", API_READ),
    Case("get /api/v1/insights/programs", "get", "/api/v1/insights/programs", API_READ),
    Case("get /api/v1/insights/summary", "get", "/api/v1/insights/summary", API_READ),
    Case("get /api/v1/public/scoreboard", "get", "/api/v1/public/scoreboard", PUBLIC),
]
