"""Record one collection as the demo's UDD officer, in a process of its own, and time how
long the running server takes to show it on ``/darah/ticker.json``.

Used by ``bench/ticker.sh`` after the load test: the server's processes learn of the
movement only through the database (at most ``ticker.CHECK_SECONDS`` later), so this is
the cross-process freshness bound measured end to end.

Usage: python bench/ticker_change.py http://127.0.0.1:PORT  (environment as the server's)
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
URL = f"{BASE}/darah/ticker.json?unit=udd-pmi-sanggau"
HEADERS = {"X-Forwarded-Proto": "https"}  # what the TLS-terminating nginx sends


def red_cells_o() -> int:
    request = urllib.request.Request(URL, headers=HEADERS)  # noqa: S310 - local bench URL
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return int(json.loads(response.read())["units"][0]["groups"]["O"]["red_cells"])


def main() -> int:
    import django

    django.setup()
    from sinergi.accounts.models import User
    from sinergi.agencies.models import Agency
    from sinergi.blood import services
    from sinergi.blood.models import Product
    from sinergi.core.clock import now

    before = red_cells_o()
    services.stock_record_movement(
        actor=User.objects.get(username="pmi"),
        unit=Agency.objects.get(slug="udd-pmi-sanggau"),
        product=Product.objects.get(code="PRC"),
        abo="O",
        rh="pos",
        kind="collected",
        quantity=1,
        now=now(),
    )
    committed = time.monotonic()
    while time.monotonic() - committed < 30:
        if red_cells_o() == before + 1:
            print(f"stock change visible after {time.monotonic() - committed:.2f} s")
            return 0
        time.sleep(0.02)
    print("stock change NOT visible after 30 s")
    return 1


if __name__ == "__main__":
    sys.exit(main())
