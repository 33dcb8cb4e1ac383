"""Permission matrix rows of the insights app (see tests/matrix.py)."""

from __future__ import annotations

from tests.matrix import API_READ, PUBLIC, Case, managers

DASHBOARD = managers(200, 403, 302)

UI_CASES = [
    # Leader dashboard: leaders, the owning agency's head and admins; others 403.
    Case("insights:dashboard", "get", "/dasbor/", DASHBOARD),
    Case("insights:agency", "get", "/dasbor/instansi/dinkes-sanggau/", DASHBOARD),
    Case("insights:pairs", "get", "/dasbor/pasangan/", DASHBOARD),
    Case("insights:report", "get", "/dasbor/laporan/", DASHBOARD),
    Case("insights_public:scoreboard", "get", "/publik/skor/", PUBLIC),
]

API_CASES = [
    Case("get /api/v1/insights/agencies", "get", "/api/v1/insights/agencies", API_READ),
    Case("get /api/v1/insights/pairs", "get", "/api/v1/insights/pairs", API_READ),
    Case("get /api/v1/insights/programs", "get", "/api/v1/insights/programs", API_READ),
    Case("get /api/v1/insights/summary", "get", "/api/v1/insights/summary", API_READ),
    Case("get /api/v1/public/scoreboard", "get", "/api/v1/public/scoreboard", PUBLIC),
]
