#!/usr/bin/env python3
"""One big thread: the server's time, bytes and SQL for the ways it is shown.

    .venv/bin/python bench/big_thread.py [--messages 1000] [--steps 2000] [--elements 200]
                                         [--reps 3] [--root DIR]

A new SQLite file (the embedded default) gets one thread of --messages messages (questions
and markdown answers in turn), --steps steps (each answer's steps: a top-level step with a
nested one, in pairs) and --elements text elements on answers. Then, with Django's test
Client in this process (no network), signed in as its owner or as a superuser:

  page_*          the thread's chat page (GET /threads/<id>/)
  fresh_connect_* what the socket of that page, just drawn, is sent as it first connects
                  (nothing when the thread did not change in between)
  snapshot_*      what a socket is sent when it reconnects: the snapshot's frames
  shared_page_*   the thread's shared read-only link, opened by another signed-in user
  transcript_*    the admin's transcript of the thread
  admin_page_*    the admin's change page of the thread

each as `_ms` (median server time of --reps after a warm-up; in-process, so it includes
no network), `_cpu_ms` (the median of the process's CPU time for it: steadier than the
wall time on a busy machine), `_bytes` (body), `_gzip_bytes` and `_sql` (statements). The
issue's target is under 300 ms each. `--root DIR` measures another checkout with this venv
(one from before the fresh connect and the shared page were paged: the connect is then
sent the whole snapshot, as it was).
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

ANSWER = (
    "Here is what I found about **item {i}**:\n\n"
    "- the first point, with `code`\n- the second point\n\n"
    "```python\ndef item_{i}():\n    return {i}\n```\n\nAnd a closing sentence for {i}."
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--elements", type=int, default=200)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--root", default=str(HERE.parent))
    a = ap.parse_args()

    root = Path(a.root).resolve()
    sys.path.insert(0, str(root))
    os.chdir(root)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="chatproject.settings",
        DEBUG="1",
        CHAT_VAR_DIR=tempfile.mkdtemp(prefix="chat-big-thread-"),
    )
    for key in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(key, None)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    thread, owner, admin = seed(a)
    measure(a, thread, owner, admin)
    return 0


def seed(a):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from chat.models import Element, Message, Step, Thread

    users = get_user_model().objects
    owner = users.create_user(email="owner@example.com", password="x")  # noqa: S106
    admin = users.create_superuser(email="admin@example.com", password="x")  # noqa: S106
    thread = Thread.objects.create(owner=owner, title="A long conversation")
    now = timezone.now()
    order = 0
    messages, steps = [], []
    answers = a.messages // 2
    steps_per_answer = max(0, a.steps // max(1, answers))
    for i in range(answers):
        order += 1
        messages.append(
            Message(
                thread=thread, order=order, author_kind=Message.Author.USER,
                author_name="Owner", content=f"Question {i}: what about item {i}?",
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
        parent = None
        for s in range(steps_per_answer):
            order += 1
            step = Step(
                thread=thread, order=order, type="tool", name=f"tool_{s}",
                parent=parent if s % 2 else None, input=f'{{"item": {i}}}',
                output=f"Result {s} for item {i}", started_at=now, ended_at=now,
            )  # fmt: skip
            parent = step if s % 2 == 0 else None
            steps.append(step)
        order += 1
        messages.append(
            Message(
                thread=thread, order=order, author_kind=Message.Author.ASSISTANT,
                author_name="Assistant", content=ANSWER.format(i=i),
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
    Message.objects.bulk_create(messages, batch_size=500)
    Step.objects.bulk_create(steps, batch_size=500)
    answers_rows = [m for m in messages if m.author_kind == Message.Author.ASSISTANT]
    every = max(1, len(answers_rows) // max(1, a.elements))
    Element.objects.bulk_create(
        [
            Element(
                thread=thread, message=answers_rows[(n * every) % len(answers_rows)],
                kind="text", name=f"notes_{n}", content=f"Notes {n}", display="inline",
                mime="text/plain", size=8,
            )
            for n in range(a.elements)
        ],
        batch_size=500,
    )  # fmt: skip
    Thread.objects.filter(pk=thread.pk).update(last_order=order)
    thread.refresh_from_db()
    print(
        f"# thread {thread.pk}: {len(messages)} messages, {len(steps)} steps, {a.elements} elements"
    )
    return thread, owner, admin


def measure(a, thread, owner, admin) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from chat.threads import history, store

    executed: list[str] = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    def timed(name: str, make) -> None:
        with connection.execute_wrapper(count):
            executed.clear()
            body = make()  # warm-up, and the statements
        statements = len(executed)
        times, cpu = [], []
        for _ in range(a.reps):
            started, started_cpu = time.perf_counter(), time.process_time()
            make()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        print(f"{name}_ms: {statistics.median(times):.1f} ms")
        print(f"{name}_cpu_ms: {statistics.median(cpu):.1f} ms")
        print(f"{name}_bytes: {len(body)} bytes")
        print(f"{name}_gzip_bytes: {len(gzip.compress(body, 6))} bytes")
        print(f"{name}_sql: {statements}")

    reader, reviewer = Client(), Client()
    reader.force_login(owner)
    reviewer.force_login(admin)

    def get(client, url):
        def make() -> bytes:
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code}")
            return response.content

        return make

    page_url = reverse("chat:thread", args=[thread.pk])
    timed("page", get(reader, page_url))
    try:
        from chat.threads import snapshot
    except ImportError:  # a checkout from before: every connect got the whole snapshot
        snapshot = None
    if snapshot is not None:
        found = re.search(rb'data-snapshot="([0-9a-f]+)"', get(reader, page_url)())
        marker = found.group(1).decode() if found else ""
        timed(
            "fresh_connect",
            lambda: "".join(snapshot.connect_frames(thread, owner, marker)).encode(),
        )
        timed("snapshot", lambda: "".join(snapshot.snapshot_frames(thread, owner)).encode())
        frames = snapshot.snapshot_frames(thread, owner)
    else:
        timed("fresh_connect", lambda: "".join(store.snapshot_frames(thread)).encode())
        timed("snapshot", lambda: "".join(store.snapshot_frames(thread)).encode())
        frames = store.snapshot_frames(thread)
    print(f"snapshot_frames: {len(frames)} frames")
    history.share(owner, thread.pk)
    thread.refresh_from_db()
    colleague = Client()
    colleague.force_login(get_user_model().objects.create_user(email="colleague@example.com"))
    timed("shared_page", get(colleague, reverse("chat:shared", args=[thread.share_token])))
    timed("transcript", get(reviewer, reverse("admin:chat_thread_transcript", args=[thread.pk])))
    timed("admin_page", get(reviewer, reverse("admin:chat_thread_change", args=[thread.pk])))


if __name__ == "__main__":
    sys.exit(main())
