"""Request bodies are capped before they are read, against a real daphne: a body past
every limit is answered 413 as it arrives, a chunked one is cut off once it passes its
limit, nobody signed out gets an upload parsed, and none of it grows the web process by
more than a fraction of what was sent. Bodies are streamed from the test, never built."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.crypto import get_random_string

from chat.models import Element
from tests.factories import make_thread

from .probes import MB, MULTIPART, Memory, multipart_file, post, repeated
from .web_process import signed_in_headers, web_process

pytestmark = pytest.mark.django_db(transaction=True)

# What a request may add to the web process's peak memory, whatever its size.
MOST_MB = 100


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bodies")
    with django_db_blocker.unblock(), web_process(tmp, MEDIA_ROOT=str(tmp / "media")) as daphne:
        yield daphne


@pytest.fixture
def memory(server) -> Memory:
    return Memory(server.pid)


@pytest.fixture
def browser(user) -> dict[str, str]:
    return signed_in_headers(user)


def upload_path(user) -> str:
    return f"/threads/{make_thread(user).pk}/uploads/"


def test_a_signed_out_upload_of_100_mb_is_refused_from_its_headers_before_it_is_stored(
    server, memory, user
):
    """Without a session cookie an upload path takes a form's body: daphne answers from
    the headers, before spooling a byte of the file to disk."""
    length, pieces = multipart_file("big.bin", 100 * MB)
    path = upload_path(user)
    rise, reply = memory.peak_rise_mb(
        lambda: post(server.port, path, pieces, length=length, headers={"Content-Type": MULTIPART})
    )
    assert reply.status == 413
    assert reply.sent < 50 * MB  # answered from the headers: the client stopped early
    assert rise < MOST_MB, f"the web process grew by {rise:.0f} MB"


def test_a_signed_out_chunked_upload_is_cut_off_past_the_form_limit(server, user, settings):
    reply = post(
        server.port, upload_path(user), repeated(100 * MB), length=None,
        headers={"Content-Type": MULTIPART},
    )  # fmt: skip
    assert reply.status in (413, None)  # answered, or closed while the client still sent
    assert reply.sent < settings.CHAT_MAX_BODY_BYTES + 45 * MB
    assert not Element.objects.exists()


def test_a_signed_out_body_past_the_form_limit_is_refused_on_any_path(server, settings):
    size = settings.CHAT_MAX_BODY_BYTES + 1
    for path in ("/library/upload/", "/no-such-page/", "/accounts/login/"):
        reply = post(server.port, path, repeated(size), length=size)
        assert reply.status == 413, path


def test_an_upload_with_a_stale_session_cookie_is_refused_unparsed_in_bounded_memory(
    server, memory, user
):
    """A session cookie (any value) lets an upload's size in; the sign-in check then
    refuses it before the body is parsed."""
    length, pieces = multipart_file("big.bin", 100 * MB)
    path = upload_path(user)
    headers = {"Content-Type": MULTIPART, "Cookie": "sessionid=not-a-session"}
    rise, reply = memory.peak_rise_mb(
        lambda: post(server.port, path, pieces, length=length, headers=headers)
    )
    assert reply.status == 302
    assert reply.location.startswith("/accounts/login/")
    assert rise < MOST_MB, f"the web process grew by {rise:.0f} MB"


def test_a_body_declared_past_every_limit_is_refused_before_it_is_sent(
    server, memory, user, browser
):
    size = 1024 * MB
    path = upload_path(user)
    headers = {**browser, "Content-Type": MULTIPART}
    rise, reply = memory.peak_rise_mb(
        lambda: post(server.port, path, repeated(size), length=size, headers=headers)
    )
    assert reply.status == 413
    assert reply.sent < 50 * MB  # answered from the headers: the client stopped early
    assert rise < MOST_MB, f"the web process grew by {rise:.0f} MB"


def test_a_chunked_body_without_a_length_is_cut_off_once_past_the_upload_limit(
    server, memory, user, browser, settings
):
    size = settings.CHAT_UPLOAD_MAX_BODY_BYTES + 50 * MB
    path = upload_path(user)
    headers = {**browser, "Content-Type": MULTIPART}
    rise, reply = memory.peak_rise_mb(
        lambda: post(server.port, path, repeated(size), length=None, headers=headers)
    )
    assert reply.status in (413, None)  # answered, or closed while the client still sent
    assert reply.sent < size
    assert rise < MOST_MB, f"the web process grew by {rise:.0f} MB"
    assert not Element.objects.exists()


def test_a_chunked_100_mb_body_to_a_form_is_refused_past_the_form_limit(
    server, memory, user, browser
):
    thread = make_thread(user)
    headers = {**browser, "Content-Type": "application/x-www-form-urlencoded"}
    rise, reply = memory.peak_rise_mb(
        lambda: post(
            server.port, f"/threads/{thread.pk}/rename/", repeated(100 * MB), length=None,
            headers=headers,
        )
    )  # fmt: skip
    assert reply.status == 413
    assert rise < MOST_MB, f"the web process grew by {rise:.0f} MB"
    thread.refresh_from_db()
    assert thread.title != "A" * 10


def test_a_platform_webhook_takes_only_a_small_body(server, settings):
    size = settings.CHAT_WEBHOOK_MAX_BODY_BYTES + 1
    reply = post(
        server.port, "/platforms/slack/events/", repeated(size), length=size,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert reply.status == 413


def test_a_signed_in_file_over_the_file_limit_is_refused_in_bounded_memory(
    server, memory, user, browser
):
    length, pieces = multipart_file("big.bin", 100 * MB)
    path = upload_path(user)
    headers = {**browser, "Content-Type": MULTIPART}
    rise, reply = memory.peak_rise_mb(
        lambda: post(server.port, path, pieces, length=length, headers=headers)
    )
    assert reply.status == 400
    assert b"too large" in reply.body
    assert rise < MOST_MB, f"the web process grew by {rise:.0f} MB"
    assert not Element.objects.exists()


def test_an_upload_within_the_limits_is_still_stored(server, user, browser):
    length, pieces = multipart_file("notes.txt", 3 * MB)
    headers = {**browser, "Content-Type": MULTIPART}
    reply = post(server.port, upload_path(user), pieces, length=length, headers=headers)
    assert reply.status == 200, reply.body[:300]
    element = Element.objects.get()
    assert element.size == 3 * MB


@pytest.mark.parametrize("path", ["/threads/{thread}/uploads/", "/library/upload/"])
def test_signed_out_uploads_are_refused_before_their_body_is_parsed(user, path):
    """More files than Django parses (DATA_UPLOAD_MAX_NUMBER_FILES) fail as soon as the
    body is parsed: a sign-in redirect instead shows that nothing parsed it, not even
    the CSRF check, which looks for its token in the form."""
    thread = make_thread(user)
    client = Client(enforce_csrf_checks=True)
    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    files = "".join(
        f'--b\r\nContent-Disposition: form-data; name="files"; filename="{n}.txt"\r\n\r\nx\r\n'
        for n in range(150)
    )
    response = client.post(
        path.format(thread=thread.pk),
        data=(files + f'--b\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"'
              f"\r\n\r\n{token}\r\n--b--\r\n").encode(),
        content_type="multipart/form-data; boundary=b",
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
