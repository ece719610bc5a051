#!/usr/bin/env python3
"""Peak memory of the web process against hostile bodies and documents.

    .venv/bin/python bench/bombs.py [--root DIR] [--only NAME,...]

Starts daphne as the embedded default runs (SQLite and the in-memory layer, documents
read in the web process) in a temporary CHAT_VAR_DIR, signs a user in, then for each case
resets the process's peak resident memory (/proc/PID/clear_refs) and prints
`name: value unit`: the peak's rise above the memory before the case, and what the
client got. Cases:

  signed_out_upload_100mb     a 100 MB upload with no session
  upload_over_limit_1gib      signed in, a body declaring 1 GiB (over the upload limit)
  upload_chunked_250mb        signed in, 250 MB chunked with no Content-Length
  file_over_file_limit_100mb  signed in, one 100 MB file (over the per-file limit)
  docx_bomb_1mb, _2mb         library uploads of .docx files unpacking to gigabytes
  docx_liar_1mb               a .docx bomb that declares its main part tiny (read, cut off)
  pdf_bomb                    a 1.5 MB PDF whose page unpacks to 1 GB
  html_open_tag_2mb           a 2 MB HTML file that is one tag never closed
  docx_one_paragraph          a 223 KB .docx of one paragraph of 4 million runs
  docx_hidden_parts           a .docx of 150,000 parts whose end record declares one
  pdf_repeated_pages          a PDF whose page tree names one page 99,000 times

--root runs another checkout's code (say, for figures before a change); its own venv is
not needed, this one's is used. Only 127.0.0.1 is contacted; the server is stopped by PID.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from tests.chat.rag.bombs import (  # noqa: E402
    MB,
    write_docx_bomb,
    write_docx_hiding_its_parts,
    write_docx_one_paragraph,
    write_html_unfinished_tag,
    write_lying_docx,
    write_pdf_bomb,
    write_pdf_of_repeated_pages,
)
from tests.security.probes import (  # noqa: E402
    MULTIPART,
    Memory,
    multipart_content,
    multipart_file,
    post,
    repeated,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(env: dict[str, str], code_root: Path) -> dict[str, str]:
    """A user with a session and a thread, straight in the database (a subprocess, so
    that this one never loads the code under test)."""
    script = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "from django.conf import settings\n"
        "from django.contrib.auth import get_user_model\n"
        "from chat.models import Thread\n"
        "user = get_user_model().objects.create_user(email='bomber@example.com', password='x-'*8)\n"
        "client = Client(); client.force_login(user)\n"
        "thread = Thread.objects.create(owner=user, title='bench')\n"
        "print(json.dumps({'session': client.cookies[settings.SESSION_COOKIE_NAME].value,"
        " 'thread': str(thread.pk)}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=code_root, env=env, check=True, capture_output=True
    )
    import json

    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def csrf_token(port: int, session: str) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/library/", headers={"Cookie": f"sessionid={session}"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("csrftoken="):
                return header.split(";")[0].split("=", 1)[1]
    raise RuntimeError("no CSRF cookie")


def document_status(env: dict[str, str], code_root: Path, name: str) -> tuple[str, str]:
    script = (
        "import django; django.setup()\n"
        "from chat.rag.models import Document\n"
        f"d = Document.objects.filter(name={name!r}).order_by('-created_at').first()\n"
        "print(d.status if d else 'none'); print(d.error if d else '')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=code_root, env=env, check=True, capture_output=True
    )
    status, _, error = out.stdout.decode().partition("\n")
    return status.strip(), error.strip()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose code runs")
    parser.add_argument("--only", default="", help="comma list of case names")
    args = parser.parse_args()
    code_root = args.root.resolve()
    only = {name for name in args.only.split(",") if name}

    work = Path(tempfile.mkdtemp(prefix="bench-bombs-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {
            "PYTHONPATH": str(code_root),
            "DJANGO_SETTINGS_MODULE": "chatproject.settings",
            "CHAT_VAR_DIR": str(work / "var"),
            "MEDIA_ROOT": str(work / "media"),
            "SECRET_KEY": "bench-bombs-secret-key-0123456789-abcdefghijklmnop",
            "DEBUG": "1",  # as `runchat` runs it (no HTTPS redirect)
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
        }
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=code_root, env=env, check=True
    )
    seeded = seed(env, code_root)
    port = free_port()
    log = (work / "daphne.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
         "chatproject.asgi:application"],
        cwd=code_root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                token = csrf_token(port, seeded["session"])
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    print((work / "daphne.log").read_text()[-3000:])
                    return 1
                time.sleep(0.3)
        memory = Memory(server.pid)
        signed_in = {
            "Cookie": f"sessionid={seeded['session']}; csrftoken={token}",
            "X-CSRFToken": token,
            "Content-Type": MULTIPART,
        }
        upload_path = f"/threads/{seeded['thread']}/uploads/"
        print(f"code: {code_root}")
        print(f"idle_rss: {memory.rss_mb():.0f} MB")

        def upload(size: int, headers: dict[str, str]) -> Callable[[], object]:
            def send() -> object:
                length, pieces = multipart_file("big.bin", size)
                return post(port, upload_path, pieces, length=length, headers=headers)

            return send

        def declared(size: int) -> Callable[[], object]:
            return lambda: post(port, upload_path, repeated(size), length=size, headers=signed_in)

        def chunked(size: int) -> Callable[[], object]:
            return lambda: post(port, upload_path, repeated(size), length=None, headers=signed_in)

        def library(path: Path) -> Callable[[], object]:
            def send() -> object:
                length, pieces = multipart_content(path.name, path.read_bytes())
                headers = {**signed_in, "HX-Request": "true"}  # the refusal in the answer
                reply = post(port, "/library/upload/", pieces, length=length, headers=headers)
                # Then the reading, in this process on the embedded default.
                deadline = time.monotonic() + 600
                status, error = document_status(env, code_root, path.name)
                while status in ("queued", "processing") and time.monotonic() < deadline:
                    time.sleep(0.5)
                    status, error = document_status(env, code_root, path.name)
                if b"cannot be read" in reply.body:
                    return f"HTTP {reply.status}, refused on arrival"
                return f"HTTP {reply.status}, then {status}: {error}"

            return send

        bombs = work / "bombs"
        bombs.mkdir()
        cases: list[tuple[str, Callable[[], Callable[[], object]]]] = [
            ("signed_out_upload_100mb", lambda: upload(100 * MB, {"Content-Type": MULTIPART})),
            ("upload_over_limit_1gib", lambda: declared(1024 * MB)),
            ("upload_chunked_250mb", lambda: chunked(250 * MB)),
            ("file_over_file_limit_100mb", lambda: upload(100 * MB, signed_in)),
            ("docx_bomb_1mb", lambda: library(
                write_docx_bomb(bombs / "bomb-1mb.docx", compressed_bytes=MB))),
            ("docx_bomb_2mb", lambda: library(
                write_docx_bomb(bombs / "bomb-2mb.docx", compressed_bytes=2 * MB))),
            ("docx_liar_1mb", lambda: library(write_lying_docx(
                bombs / "liar.docx", expanded_bytes=340 * MB, declared_bytes=50_000))),
            ("pdf_bomb", lambda: library(write_pdf_bomb(bombs / "bomb.pdf", 1000 * MB))),
            ("html_open_tag_2mb", lambda: library(
                write_html_unfinished_tag(bombs / "open-tag.html", 2 * MB))),
            ("docx_one_paragraph", lambda: library(
                write_docx_one_paragraph(bombs / "paragraph.docx", runs=4_000_000))),
            ("docx_hidden_parts", lambda: library(
                write_docx_hiding_its_parts(bombs / "hidden.docx", parts=150_000))),
            ("pdf_repeated_pages", lambda: library(
                write_pdf_of_repeated_pages(bombs / "pages.pdf", pages=99_000))),
        ]  # fmt: skip
        for name, make in cases:
            if only and name not in only:
                continue
            action = make()  # the files are built before the measure starts
            time.sleep(1)
            rise, outcome = memory.peak_rise_mb(action)
            if hasattr(outcome, "status"):
                outcome = f"HTTP {outcome.status}, {outcome.sent / MB:.0f} MB sent"
            print(f"{name}: {rise:.0f} MB peak above idle ({outcome})", flush=True)
        print(f"final_rss: {memory.rss_mb():.0f} MB")
    finally:
        with contextlib.suppress(ProcessLookupError):
            server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
