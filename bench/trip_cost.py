#!/usr/bin/env python3
"""What a shared trip's writes cost Django's database thread, counted: the case of many
answers starting at once, which one session (message_cost.py) never shows.

    .venv/bin/python bench/trip_cost.py [--writes 50] [--reps 20] [--root DIR] [--services]
                                        [--profile OUT.prof]

Each repetition sends --writes new messages, each to a thread of its own (a question's row
as a session writes it: `emitter._insert_message`, no check), to the database thread in one
call of `shared_trips.run_all`: one shared trip, as when that many sessions' writes waited
for the same trip. Per write:

  sql          SQL statements (BEGIN, SAVEPOINT and the like included)
  commits      explicit commits (a transaction.atomic ending)
  db_py_calls  Python function calls on the database thread (cProfile, enabled around the
               trip there), nearly deterministic for a given code

`--root DIR` measures another checkout (a before/after) with this venv. The embedded
default (a new SQLite file with the settings' options) unless `--services`: a fresh
PostgreSQL database (`--pg-admin-url`, dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--writes", type=int, default=50)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--root", default=str(HERE.parent))
    ap.add_argument("--services", action="store_true", help="PostgreSQL")
    ap.add_argument("--profile", default=None, help="write the database thread's cProfile here")
    ap.add_argument("--pg-admin-url", default="postgresql://root@127.0.0.1:5432/postgres")
    a = ap.parse_args()

    root = Path(a.root).resolve()
    sys.path.insert(0, str(root))
    os.chdir(root)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="chatproject.settings",
        DEBUG="1",
        CHAT_VAR_DIR=tempfile.mkdtemp(prefix="chat-trip-"),
    )
    for key in ("DATABASE_URL", "REDIS_URL", "CHANNEL_PREFIX"):
        os.environ.pop(key, None)
    database = None
    if a.services:
        import psycopg

        database = "chat_trip_" + uuid.uuid4().hex[:8]
        with psycopg.connect(a.pg_admin_url, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{database}"')
        os.environ["DATABASE_URL"] = f"{a.pg_admin_url.rsplit('/', 1)[0]}/{database}"
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return asyncio.run(run(a))
    finally:
        if database:
            import psycopg
            from django.db import connections

            connections.close_all()
            with psycopg.connect(a.pg_admin_url, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


async def run(a) -> int:
    from asgiref.sync import SyncToAsync, sync_to_async
    from django.contrib.auth import get_user_model
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper

    from chat.engine import emitter, shared_trips
    from chat.models import Message, Thread

    @sync_to_async
    def seed() -> list:
        user = get_user_model().objects.create_user(email="trip@example.com", password="x")  # noqa: S106
        return [Thread.objects.create(owner=user).pk for _ in range(a.writes)]

    thread_ids = await seed()

    counting = [False]
    sql, commits = [0], [0]
    execute, commit = CursorWrapper.execute, BaseDatabaseWrapper.commit

    def counting_execute(self, query, params=None):
        sql[0] += counting[0]
        return execute(self, query, params)

    def counting_commit(self):
        commits[0] += counting[0]
        return commit(self)

    CursorWrapper.execute = counting_execute
    BaseDatabaseWrapper.commit = counting_commit

    profile = cProfile.Profile()
    thread_handler = SyncToAsync.thread_handler

    def profiled_thread_handler(self, *args, **kwargs):
        if not (counting[0] and self._thread_sensitive):
            return thread_handler(self, *args, **kwargs)
        profile.enable()
        try:
            return thread_handler(self, *args, **kwargs)
        finally:
            profile.disable()

    SyncToAsync.thread_handler = profiled_thread_handler

    def trip(n: int) -> list:
        return [
            (
                emitter._insert_message,
                (
                    Message(
                        thread_id=thread_id,
                        author_kind=Message.Author.USER,
                        author_name="Trip",
                        content=f"question {n}",
                        client_id=uuid.uuid4().hex,
                        metadata={},
                    ),
                ),
            )
            for thread_id in thread_ids
        ]

    for n in range(3):  # warm-up: connection, caches
        await shared_trips.run_all(trip(n))
    counting[0] = True
    for n in range(a.reps):
        outcomes = await shared_trips.run_all(trip(n))
        if not all(stored for stored, _ in outcomes):
            print("a write failed:", next(r for ok, r in outcomes if not ok), file=sys.stderr)
            return 1
    counting[0] = False
    writes = a.writes * a.reps
    calls = sum(row[1] for row in pstats.Stats(profile).stats.values())
    print(f"sql: {sql[0] / writes:.4g}")
    print(f"commits: {commits[0] / writes:.4g}")
    print(f"db_py_calls: {calls / writes:.4g}")
    if a.profile:
        profile.dump_stats(a.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
