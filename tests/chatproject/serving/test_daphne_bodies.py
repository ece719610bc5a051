"""The daphne patch that caps request bodies refuses to start on a daphne or Twisted it
was not written for, instead of leaving bodies uncapped without a word."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.services import ROOT

SERVER = """
import daphne.server
{tamper}
from chatproject.serving.daphne_bodies import limit_daphne_bodies
limit_daphne_bodies(lambda path, has_session: 1024, "sessionid")
print("patched")
"""


def patch_in_a_process(tamper: str = "") -> subprocess.CompletedProcess:
    """The patch applied in a process of its own, as daphne's start applies it (importing
    daphne.server installs Twisted's reactor: not in the test process)."""
    return subprocess.run(
        [sys.executable, "-c", SERVER.format(tamper=tamper)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_patch_applies_on_the_installed_daphne():
    result = patch_in_a_process()
    assert result.returncode == 0, result.stderr[-2000:]
    assert "patched" in result.stdout


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        ("daphne.__version__ = '4.3.0'", "daphne 4.3.0"),
        ("daphne.__version__ = '3.0.2'", "daphne 3.0.2"),
        ("del daphne.server.Server.create_application", "Server.create_application"),
        ("daphne.server.Server.run = lambda self: None", "Server.connections"),
        (
            "import twisted.web.http as h\nh.Request.gotLength = lambda self, length, extra: None",
            "Request.gotLength",
        ),
        (
            "import twisted.web.http as h\n"
            "h.Request.requestReceived = lambda self, command, path, version: None",
            "Request._parsePOSTFormSubmission",
        ),
        (
            "import twisted.web.http as h\nh.HTTPChannel.lineReceived = lambda self, line: None",
            "HTTPChannel._path",
        ),
    ],
)
def test_a_daphne_or_twisted_that_does_not_match_stops_the_start(tamper, named):
    result = patch_in_a_process(tamper)
    assert result.returncode != 0
    assert "DaphneMismatch: Request bodies cannot be capped" in result.stderr
    assert named in result.stderr
    assert "patched" not in result.stdout
