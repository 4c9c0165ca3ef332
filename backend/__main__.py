"""`python -m backend ...`: run the backend in the foreground (the CLI's `quantdesk backend`)."""

import logging
import os
import sys

from backend.cli import main

code = main()
# main() has closed the store, removed backend.json and released the home lock; the interpreter's
# own teardown of a large heap (numpy, pandas, solders) only delays the exit a SIGTERM asked for
logging.shutdown()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
