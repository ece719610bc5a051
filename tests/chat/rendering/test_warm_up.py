"""Start-up compiles the pushed fragments, so the first answer does not wait for them."""

from __future__ import annotations

from django.template import engines

from chat.rendering import fragments
from chat.rendering.warm_up import warm_up


def test_warm_up_compiles_every_fragment_without_touching_the_database():
    # No django_db mark: a query here would fail the test.
    (loader,) = [
        inner
        for outer in engines["django"].engine.template_loaders
        for inner in getattr(outer, "loaders", [outer])
        if hasattr(inner, "get_template_cache")
    ]
    loader.reset()
    warm_up()
    cached = set(loader.get_template_cache)
    assert {n for n in cached if n.startswith(fragments.FRAGMENTS)} >= {
        fragments.FRAGMENTS + "message.html",
        fragments.FRAGMENTS + "message_append.html",
        fragments.FRAGMENTS + "tokens.html",
        fragments.FRAGMENTS + "run_state.html",
        fragments.FRAGMENTS + "step.html",
    }


def test_the_server_warms_up_when_it_loads():
    import chatproject.asgi as asgi

    assert asgi.warm_up is warm_up
