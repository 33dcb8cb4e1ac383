"""Run ``python -m sinergi.schedule IN.json``."""

import sys

from .cli import main

sys.exit(main(sys.argv[1:]))
