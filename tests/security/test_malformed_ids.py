"""Every URL that captures an id answers a malformed one with "not found", never with a
server error (which, with DEBUG on, would be a debug page showing the settings)."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from tests.factories import make_user

pytestmark = pytest.mark.django_db

MALFORMED = ["not-an-id", "123", "ffffffff-ffff-ffff-ffff-fffffffffffff", "'%22"]
# Our own pages answer 404; admin and allauth pages may send the visitor elsewhere.
OURS = ("chat:", "platforms:")


def routes(resolvers=None, prefix: str = "", namespace: str = ""):
    """(route, name) of every URL pattern, with its parameters as `<converter:name>`."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = str(entry.pattern) if isinstance(entry.pattern, RoutePattern) else None
        if route is None:
            continue  # regex patterns (none of ours capture ids)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry.url_patterns, prefix + route, inner)
        elif isinstance(entry, URLPattern):
            yield prefix + route, f"{namespace}{entry.name or ''}"


def with_ids(route: str) -> bool:
    converters = RoutePattern(route).converters
    return any(
        name in ("id", "pk", "uuid", "key", "token") or name.endswith(("_id", "_pk", "uidb36"))
        for name in converters
    )


def fill(route: str, value: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?\w+>", value, route)


CAPTURING = sorted({(route, name) for route, name in routes() if with_ids(route)})


def test_the_walk_finds_the_urls_that_take_ids():
    names = {name for _, name in CAPTURING}
    assert {"chat:thread", "chat:library_delete", "chat:element_file", "chat:feedback"} <= names


@pytest.mark.parametrize(("route", "name"), CAPTURING)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_malformed_id_is_not_found_not_a_server_error(client, route, name, method):
    client.force_login(make_user("walker@corp.example", is_staff=True, is_superuser=True))
    client.raise_request_exception = False
    for value in MALFORMED:
        response = getattr(client, method)(fill(route, value))
        assert response.status_code < 500, (route, value, response.status_code)
        if name.startswith(OURS):
            assert response.status_code in (404, 405), (route, value, response.status_code)
