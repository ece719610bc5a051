#!/usr/bin/env python3
"""Benchmark of the history at scale: sidebar, search, admin review, transcript, and
the usage dashboard (after `bench/seed_calls.py --calls 2000000` has added model calls).

    createdb -h 127.0.0.1 chat_scale
    export DATABASE_URL=postgres://root@127.0.0.1:5432/chat_scale
    DEBUG=1 .venv/bin/python manage.py migrate
    DEBUG=1 .venv/bin/python manage.py seed_chat --threads 100000 --messages 1000000
    .venv/bin/python bench/history.py [--reps 7] [--user seed-0000@example.com]

Each page is requested with Django's test Client in this process (no network, no
server), signed in as the seed's heavy user (5% of all threads) or as a reviewer, once
to warm up and then --reps times. One `name: value ms` line per page: the median.
The target is < 300 ms each with 100k threads and 1M messages on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")

HX = {"HTTP_HX_REQUEST": "true"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--user", default="seed-0000@example.com", help="whose history to list")
    ap.add_argument("--reviewer", default="bench-reviewer@example.com")
    ap.add_argument("--queries", action="store_true", help="also print each page's SQL count")
    ap.add_argument("--only", default="", help="only the pages whose name contains this")
    ap.add_argument("--sql", action="store_true", help="print each query of the warm-up, timed")
    a = ap.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core import signals
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from chat.models import Thread
    from chat.threads import history

    # The test Client's host; setup_test_environment() would do it, but it also makes every
    # template render send a signal, which costs pages like these a third of their time.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False
    # One connection for the whole run, as with CONN_MAX_AGE or a pooler: the figures are
    # the pages' own cost, not PostgreSQL's connection set-up.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    if connection.vendor != "postgresql":
        print("warning: the figures that count are PostgreSQL's", file=sys.stderr)

    User = get_user_model()
    user = User.objects.filter(email=a.user).first()
    if user is None:
        print(f"No user {a.user}: run `manage.py seed_chat` first.", file=sys.stderr)
        return 2
    reviewer, _ = User.objects.get_or_create(email=a.reviewer, defaults={"is_staff": True})
    reviewer.groups.add(Group.objects.get(name="Reviewers"))

    mine = Thread.objects.filter(owner=user).exclude(title="")
    long_thread = mine.order_by("-last_order").first()
    typical = mine.order_by("-updated_at")[10]
    deep = list(mine.order_by("-updated_at", "-pk").values_list("updated_at", "pk")[2000:2001])
    deep_cursor = f"{deep[0][0].isoformat()}~{deep[0][1]}" if deep else ""
    shared = history.share(user, typical.pk)
    counts = {
        "threads": Thread.objects.count(),
        "threads of the user": mine.count(),
        "messages in the long thread": long_thread.messages.count(),
    }
    print("# " + ", ".join(f"{k}: {v}" for k, v in counts.items()), flush=True)

    owner = Client()
    owner.force_login(user)
    review = Client()
    review.force_login(reviewer)
    reader = Client()
    reader.force_login(reviewer)
    analyst, _ = User.objects.get_or_create(
        email="bench-analyst@example.com", defaults={"is_staff": True, "is_superuser": True}
    )
    analyst_client = Client()
    analyst_client.force_login(analyst)
    analyst = analyst_client
    dashboard = reverse("admin:chat_usageday_changelist")
    quarter = (timezone.localdate() - timedelta(days=89)).isoformat()
    quarter_by_week = {"from": quarter, "bucket": "week"}
    week_ago = (timezone.now() - timedelta(days=7)).replace(microsecond=0).isoformat()
    changelist = reverse("admin:chat_thread_changelist")
    pages = [
        ("sidebar", owner, reverse("chat:history"), {}, HX),
        ("sidebar, page 41", owner, reverse("chat:history"), {"cursor": deep_cursor}, HX),
        ("search, common word", owner, reverse("chat:history"), {"q": "budget"}, HX),
        ("search, two words", owner, reverse("chat:history"), {"q": "budget report"}, HX),
        ("search, word start", owner, reverse("chat:history"), {"q": "migr"}, HX),
        ("search, rare word", owner, reverse("chat:history"), {"q": "kumquat"}, HX),
        ("search, no match", owner, reverse("chat:history"), {"q": "zzyzx"}, HX),
        ("transcript page, typical", owner, reverse("chat:thread", args=[typical.pk]), {}, {}),
        ("transcript page, long", owner, reverse("chat:thread", args=[long_thread.pk]), {}, {}),
        ("shared page", reader, reverse("chat:shared", args=[shared.share_token]), {}, {}),
        ("admin thread list", review, changelist, {}, {}),
        ("admin, negative feedback", review, changelist, {"feedback": "negative"}, {}),
        ("admin, one user", review, changelist, {"user": user.email}, {}),
        ("admin, last 7 days", review, changelist, {"updated_at__gte": week_ago}, {}),
        (
            "admin, negative + 7 days",
            review,
            changelist,
            {"feedback": "negative", "updated_at__gte": week_ago},
            {},
        ),
        ("admin, search common", review, changelist, {"q": "budget"}, {}),
        ("admin, search rare", review, changelist, {"q": "kumquat"}, {}),
        (
            "admin thread page",
            review,
            reverse("admin:chat_thread_change", args=[long_thread.pk]),
            {},
            {},
        ),
        (
            "admin transcript",
            review,
            reverse("admin:chat_thread_transcript", args=[long_thread.pk]),
            {},
            {},
        ),
        ("admin message list", review, reverse("admin:chat_message_changelist"), {}, {}),
        ("usage dashboard, 30 days", analyst, dashboard, {}, {}),
        ("usage dashboard, by model", analyst, dashboard, {"by": "model"}, {}),
        ("usage dashboard, by group", analyst, dashboard, {"by": "group"}, {}),
        ("usage dashboard, 90 days by week", analyst, dashboard, quarter_by_week, {}),
        ("usage dashboard, CSV", analyst, dashboard, {"format": "csv"}, {}),
    ]
    for name, client, url, params, extra in pages:
        if a.only not in name:
            continue
        timings = []
        executed: list[str] = []

        def count(execute, sql, params, many, context, executed=executed):
            executed.append(sql)
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                if a.sql:
                    took = (time.perf_counter() - started) * 1000
                    print(f"  {took:7.1f} ms  {sql[:400]}", flush=True)

        with connection.execute_wrapper(count):
            response = client.get(url, params, **extra)  # warm-up, and the query count
        if response.status_code != 200:
            print(f"{name}: HTTP {response.status_code}", file=sys.stderr)
            return 1
        for _ in range(a.reps):
            started = time.perf_counter()
            client.get(url, params, **extra)
            timings.append((time.perf_counter() - started) * 1000)
        print(f"{name}: {statistics.median(timings):.1f} ms", flush=True)
        if a.queries:
            print(f"{name} queries: {len(executed)}", flush=True)
    history.revoke(user, typical.pk)
    return 0


if __name__ == "__main__":
    sys.exit(main())
