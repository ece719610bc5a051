"""`manage.py create_secret`, as `chainlit create-secret`: a new strong SECRET_KEY each time."""

from __future__ import annotations

import io
import re

from django.core.management import call_command


def created() -> str:
    out = io.StringIO()
    call_command("create_secret", stdout=out)
    match = re.search(r'^SECRET_KEY="([A-Za-z0-9_-]+)"$', out.getvalue(), re.M)
    assert match, out.getvalue()
    assert "signs everyone out" in out.getvalue()
    return match.group(1)


def test_each_secret_is_new_and_long_enough_for_production():
    first, second = created(), created()
    assert first != second
    # Django's deploy check wants 50 characters or more, with 5 different ones at least.
    assert len(first) >= 50
    assert len(set(first)) >= 5
