"""A socket's request as the assistant's code sees it (`cl.context.session.environ`)."""

from __future__ import annotations

from chat.web.socket_environ import request_environ


def test_headers_get_wsgi_names_and_repeated_ones_are_joined():
    environ = request_environ(
        {
            "path": "/ws/threads/1/",
            "client": ("10.0.0.7", 50000),
            "headers": [
                (b"user-agent", b"Browser/1.0"),
                (b"x-team", b"a"),
                (b"x-team", b"b"),
            ],
        }
    )

    assert environ["HTTP_USER_AGENT"] == "Browser/1.0"
    assert environ["HTTP_X_TEAM"] == "a,b"
    assert environ["REMOTE_ADDR"] == "10.0.0.7"
    assert environ["PATH_INFO"] == "/ws/threads/1/"


def test_cookies_and_credentials_never_reach_the_assistant():
    environ = request_environ(
        {
            "headers": [
                (b"cookie", b"sessionid=secret"),
                (b"authorization", b"Bearer secret"),
                (b"Proxy-Authorization", b"Basic secret"),
            ]
        }
    )

    assert "secret" not in repr(environ)
