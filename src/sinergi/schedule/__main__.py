"""Run ``python -m sinergi.schedule IN.json``."""

import sys

from .cli import claim_process, exit_process, main

claim_process()
exit_process(main(sys.argv[1:]))
