"""WSGI entry point, served by granian in production (each worker imports this module).

- The URLconf (every view module, the API routers) is loaded here rather than by the first
  requests, which otherwise waited over a second behind it on a busy machine.
- What is loaded by then lives as long as the process: ``gc.freeze()`` takes it out of the
  cyclic garbage collector's sight, so a full collection no longer scans ~200,000 objects
  while every thread of the worker waits (100–200 ms pauses measured under load).
- ``TickerFastPath`` answers the public ticker JSON that news sites poll from the cache
  checked in the last second, before Django builds a request; every other request (and
  that one when the cache is due for a check) goes to Django unchanged.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sinergi.settings")
django_application = get_wsgi_application()

from django.urls import reverse  # noqa: E402 - needs Django set up

from sinergi.blood.middleware import TickerFastPath  # noqa: E402

reverse("blood:ticker_json")  # imports every URLconf and view, builds the reverse map
application = TickerFastPath(django_application)
gc.freeze()
