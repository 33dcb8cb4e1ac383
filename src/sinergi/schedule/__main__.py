"""Run ``python -m sinergi.schedule IN.json``."""

import sys

from .cli import exit_process, main

exit_process(main(sys.argv[1:]))
