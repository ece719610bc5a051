"""The test suite's settings: the project's own, for local use (DEBUG=1), said explicitly
rather than left to a default.

DEBUG goes into the environment, so the processes tests start (daphne, Celery, scripts)
inherit it unless they set their own; production settings (DEBUG off) are tried in
processes of their own (tests/security/test_headers.py).
"""

import os

os.environ["DEBUG"] = "1"

from chatproject.settings import *  # noqa: F403
