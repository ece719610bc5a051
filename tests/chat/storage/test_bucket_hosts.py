"""Two web processes as two hosts: each in a working directory of its own, with its own
var/ and media folders (no shared disk), sharing only the database and a bucket on moto's
S3 server, behind a round-robin proxy with no session affinity. A file uploaded through one
is seen and downloaded through the other; a 200 MB upload and its download keep each web
process's memory bounded (its peak resident size, VmHWM, is printed for the record)."""

from __future__ import annotations

import hashlib
import http.client
import secrets
import time
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client

from chat.engine import uploads
from chat.models import Element
from tests.factories import make_message, make_thread
from tests.round_robin import RoundRobinProxy
from tests.services import ROOT, Daphne, free_port, service_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

MB = 1024 * 1024
BIG_MB = 200
BOUNDARY = "----chat-storage-boundary"
# A bounded process holds pieces, never the file: it grows by well under the file's size.
GROWTH_CEILING_MB = 100


@pytest.fixture(scope="module")
def hosts(django_db_setup, django_db_blocker, tmp_path_factory, s3_server):
    tmp = tmp_path_factory.mktemp("hosts")
    bucket = s3_server.new_bucket()
    processes = []
    with django_db_blocker.unblock():
        for number in (1, 2):
            home = tmp / f"host-{number}"
            home.mkdir()
            env = service_env(
                tmp,
                f"chat-test-{uuid.uuid4().hex[:12]}",
                **s3_server.environment(bucket),
                PYTHONPATH=str(ROOT),
                CHAT_VAR_DIR=str(home / "var"),
                MEDIA_ROOT=str(home / "media"),
                CHAT_UPLOAD_MAX_MB=str(BIG_MB + 10),
                CHAT_UPLOAD_MAX_FILES="1",
                LOG_LEVEL="WARNING",
            )
            web = Daphne(f"web-{number}", env, tmp, free_port())
            web.cwd = home
            processes.append(web)
    proxy = RoundRobinProxy([web.port for web in processes]).start()
    try:
        for web in processes:
            web.start()
        yield processes, proxy, bucket, tmp
    finally:
        proxy.stop()
        for web in processes:
            web.stop()


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def signed_in_headers(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    token = secrets.token_hex(16)  # a CSRF secret of our own: cookie and header agree
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={token}",
        "X-CSRFToken": token,
    }


def text_block() -> bytes:
    line = b"The quick brown fox jumps over the lazy dog, line %08d.\n"
    block = b"".join(line % i for i in range(MB // len(line % 0) + 1))
    return block[:MB]


def upload(port: int, thread_id: str, headers: dict[str, str], name: str, size_mb: int) -> tuple:
    """Streams a multipart upload of `size_mb` MB of text; the reply and the content's hash."""
    block = text_block()
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    digest = hashlib.sha256()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.putrequest("POST", f"/threads/{thread_id}/uploads/")
    for key, value in {
        **headers,
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(len(head) + size_mb * MB + len(tail)),
    }.items():
        connection.putheader(key, value)
    connection.endheaders()
    connection.send(head)
    for _ in range(size_mb):
        digest.update(block)
        connection.send(block)
    connection.send(tail)
    response = connection.getresponse()
    reply = response.status, response.read()
    connection.close()
    return reply, digest.hexdigest()


def fetch(port: int, path: str, headers: dict[str, str]) -> Iterator:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    return connection, response


def backend_of(proxy: RoundRobinProxy, connection: http.client.HTTPConnection) -> int:
    return proxy.routes[connection.sock.getsockname()[1]]


def test_a_file_uploaded_on_one_host_is_seen_and_downloaded_on_the_other(hosts, user, s3_server):
    processes, proxy, bucket, _ = hosts
    thread = make_thread(user)
    headers = signed_in_headers(user)
    block = text_block()[: 64 * 1024]

    connection = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=60)
    body = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="memo.txt"\r\n'
            f"Content-Type: text/plain\r\n\r\n"
        ).encode()
        + block
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    connection.request(
        "POST",
        f"/threads/{thread.pk}/uploads/",
        body=body,
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    response = connection.getresponse()
    assert response.status == 200, response.read()
    uploaded_on = backend_of(proxy, connection)
    connection.close()
    element = Element.objects.get(thread=thread)
    uploads.attach([element], make_message(thread, "see the memo").pk)

    page_connection, page = fetch(proxy.port, f"/threads/{thread.pk}/", headers)
    html = page.read().decode()
    seen_on = backend_of(proxy, page_connection)
    page_connection.close()
    file_connection, download = fetch(proxy.port, f"/elements/{element.pk}/file/", headers)
    downloaded = download.read()
    downloaded_on = backend_of(proxy, file_connection)
    file_connection.close()

    assert page.status == 200
    assert f"/elements/{element.pk}/" in html
    assert "memo.txt" in html
    assert download.status == 200
    assert downloaded == block
    assert seen_on != uploaded_on
    assert downloaded_on == uploaded_on  # the third connection is back on the first host
    # The file is in the bucket, and neither host kept it on its own disk.
    assert element.file.name in s3_server.keys(bucket)
    for web in processes:
        assert not list((web.cwd / "media").rglob("*.txt"))


def test_a_200_mb_upload_and_download_keep_each_web_process_bounded(hosts, user, capsys):
    processes, _, _, _ = hosts
    web_1, web_2 = processes
    thread = make_thread(user)
    headers = signed_in_headers(user)
    before = {web.name: peak_rss_mb(web.pid) for web in processes}

    (status, reply), digest = upload(web_1.port, str(thread.pk), headers, "big.txt", BIG_MB)
    assert status == 200, reply
    element = Element.objects.get(thread=thread)
    assert element.size == BIG_MB * MB

    connection, response = fetch(web_2.port, f"/elements/{element.pk}/file/", headers)
    assert response.status == 200
    # A reader slower than the store: what it has not taken yet must not pile up in
    # the web process.
    time.sleep(3)
    received, downloaded = 0, hashlib.sha256()
    while piece := response.read(MB):
        received += len(piece)
        downloaded.update(piece)
    connection.close()
    assert (received, downloaded.hexdigest()) == (BIG_MB * MB, digest)

    after = {web.name: peak_rss_mb(web.pid) for web in processes}
    with capsys.disabled():
        print(
            f"\npeak RSS (VmHWM) before -> after a {BIG_MB} MB upload on web-1 and its "
            f"download (read after a pause) on web-2: "
            + ", ".join(f"{name} {before[name]:.0f} -> {after[name]:.0f} MB" for name in after)
        )
    for name, peak in after.items():
        assert peak - before[name] < GROWTH_CEILING_MB, f"{name} grew to {peak:.0f} MB"
