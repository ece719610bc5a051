#!/usr/bin/env python3
"""What one message costs the server, counted rather than timed: figures that a busy
machine moves little or not at all.

    .venv/bin/python bench/message_cost.py [--n 200] [--root DIR] [--profile OUT.prof]

(`--profile OUT.prof` also writes the database thread's profile of each workload's counted
pass to OUT.prof.db-WORKLOAD.)

The real ASGI application (consumer, session, emitter, renderers, the in-memory channel
layer, a new SQLite file: the embedded default) runs in this process; a socket is opened
with Channels' WebsocketCommunicator, signed in, on a thread, with `bench/app.py` as the
assistant. After warm-ups, each workload (`echo hi`, `steps`, `stream 200`) is sent --n
times, one at a time, each read until its run ends. Per message:

  *_sql            SQL statements (every connection, the database thread's included)
  *_db_trips       calls into Django's database thread (thread-sensitive sync_to_async)
  *_other_thread_trips  calls into other threads (the cache, when it may wait on I/O)
  *_layer_sends    group sends on the channel layer (each reaches every tab of the thread)
  *_frames         frames sent to the socket, and *_frame_bytes their bytes (uncompressed)
  *_py_calls       Python function calls on the event loop's thread (cProfile), nearly
                   deterministic for a given code
  *_db_py_calls    Python function calls on Django's database thread (a cProfile of its
                   own, enabled around each thread-sensitive sync_to_async call there): the
                   work that holds the GIL against the loop while the statements are built,
                   sent and read back
  *_cpu_ms         CPU time of this process (server and client together; indicative)
  *_sql_ms         wall time inside the statements (the database's round trips)
  *_commits        explicit commits (a transaction.atomic ending), and *_commit_ms the wall
                   time inside them (where a transaction waits for its WAL flush); a
                   statement committed alone has its flush inside *_sql_ms
  *_pg_round_trips (--services) round trips to PostgreSQL: the statements, and a BEGIN and
                   a COMMIT for each explicit commit (psycopg sends each on its own)
  *_layer_send_ms  wall time awaiting the group sends (the channel layer's share)
  *_redis_cmds     (--services) the channel layer's Redis commands other than blocking
                   pops (*_redis_pops), and *_redis_writes its writes to Redis (a
                   pipeline of commands is one write, one round trip);
                   *_redis_cache_cmds, *_redis_cache_ms_per_cmd the same for the cache
  *_jobs           background jobs queued (Celery's apply_async)

`--root DIR` measures another checkout (a before/after) with this venv. `--services` runs
the production stack instead of the embedded default: a fresh PostgreSQL database
(`--pg-admin-url`, dropped afterwards) and the Redis channel layer (`--redis-url`, or
REDIS_URL, with a unique CHANNEL_PREFIX whose keys are deleted afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import cProfile
import json
import os
import pstats
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--root", default=str(HERE.parent))
    ap.add_argument("--workloads", default="echo hi,steps,stream 200")
    ap.add_argument("--profile", default=None, help="write a cProfile of the workloads here")
    ap.add_argument("--services", action="store_true", help="PostgreSQL + Redis")
    ap.add_argument("--pg-admin-url", default="postgresql://root@127.0.0.1:5432/postgres")
    ap.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    a = ap.parse_args()

    root = Path(a.root).resolve()
    sys.path.insert(0, str(root))
    os.chdir(root)
    var = tempfile.mkdtemp(prefix="chat-cost-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="chatproject.settings",
        DEBUG="1",
        CHAT_VAR_DIR=var,
        CHAT_ASSISTANT=str(root / "bench" / "app.py"),
        # Counted as always, but high enough for thousands of messages a minute.
        CHAT_MESSAGE_RATE_LIMIT="1000000/60",
    )
    for key in ("DATABASE_URL", "REDIS_URL", "CHANNEL_PREFIX"):
        os.environ.pop(key, None)
    database = prefix = None
    if a.services:
        import psycopg

        database = prefix = "chat_cost_" + uuid.uuid4().hex[:8]
        with psycopg.connect(a.pg_admin_url, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{database}"')
        base = a.pg_admin_url.rsplit("/", 1)[0]
        os.environ.update(
            DATABASE_URL=f"{base}/{database}",
            REDIS_URL=a.redis_url,
            CHANNEL_PREFIX=prefix,
            CELERY_QUEUE=prefix,
        )
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return asyncio.run(run(a))
    finally:
        if database:
            cleanup_services(a, database, prefix)


def cleanup_services(a, database: str, prefix: str) -> None:
    import psycopg
    import redis
    from django.db import connections

    connections.close_all()
    with psycopg.connect(a.pg_admin_url, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    r = redis.Redis.from_url(a.redis_url)
    keys = [
        *r.scan_iter(match=prefix + "*", count=1000),
        *r.scan_iter(match="_kombu.binding*." + prefix, count=1000),
    ]
    if keys:
        r.delete(*keys)
    r.close()


async def run(a) -> int:
    from asgiref.sync import SyncToAsync
    from channels.db import database_sync_to_async
    from channels.layers import get_channel_layer
    from channels.testing import WebsocketCommunicator
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper
    from django.test import Client

    from chat.models import Thread
    from chatproject.asgi import application

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    @database_sync_to_async
    def seed() -> tuple[str, str]:
        user = get_user_model().objects.create_user(
            email="cost@example.com",
            password="x",  # noqa: S106
        )
        thread = Thread.objects.create(owner=user)
        client = Client()
        client.force_login(user)
        name = settings.SESSION_COOKIE_NAME
        return f"{name}={client.cookies[name].value}", str(thread.id)

    cookie, thread_id = await seed()

    sql: list[str] = []
    lock = threading.Lock()
    execute, executemany = CursorWrapper.execute, CursorWrapper.executemany

    sql_s = [0.0]

    def counting_execute(self, query, params=None):
        t = time.perf_counter()
        try:
            return execute(self, query, params)
        finally:
            with lock:
                sql.append(query)
                sql_s[0] += time.perf_counter() - t

    def counting_executemany(self, query, param_list):
        t = time.perf_counter()
        try:
            return executemany(self, query, param_list)
        finally:
            with lock:
                sql.append(query)
                sql_s[0] += time.perf_counter() - t

    commits, commit_s = [0], [0.0]
    commit = BaseDatabaseWrapper.commit

    def counting_commit(self):
        t = time.perf_counter()
        try:
            return commit(self)
        finally:
            with lock:
                commits[0] += 1
                commit_s[0] += time.perf_counter() - t

    BaseDatabaseWrapper.commit = counting_commit

    trips = [0, 0]  # the database's thread, other threads
    call = SyncToAsync.__call__

    def counting_call(self, *args, **kwargs):
        trips[0 if self._thread_sensitive else 1] += 1
        return call(self, *args, **kwargs)

    SyncToAsync.__call__ = counting_call

    # The database thread's Python calls: a profile per thread that runs thread-sensitive
    # calls, enabled only around them and only in the counted pass below.
    db_profiles: dict[int, cProfile.Profile] = {}
    db_counting, db_busy = [False], threading.local()
    thread_handler = SyncToAsync.thread_handler

    def profiled_thread_handler(self, *args, **kwargs):
        if not (db_counting[0] and self._thread_sensitive) or getattr(db_busy, "on", False):
            return thread_handler(self, *args, **kwargs)
        profile = db_profiles.setdefault(threading.get_ident(), cProfile.Profile())
        db_busy.on = True
        profile.enable()
        try:
            return thread_handler(self, *args, **kwargs)
        finally:
            profile.disable()
            db_busy.on = False

    SyncToAsync.thread_handler = profiled_thread_handler
    CursorWrapper.execute = counting_execute
    CursorWrapper.executemany = counting_executemany

    # The cache's calls made from the event loop (`loop_cache`, where the tree has it): its
    # commands are the cache's, not the layer's, and their time is the cache's.
    cache_cmds, cache_s = [0], [0.0]
    in_loop_cache = contextvars.ContextVar("in_loop_cache", default=False)
    try:
        from chatproject.serving import loop_cache
    except ImportError:
        loop_cache = None
    if loop_cache is not None:

        def timed_loop_cache(function):
            async def timed(*args, **kwargs):
                token, t = in_loop_cache.set(True), time.perf_counter()
                try:
                    return await function(*args, **kwargs)
                finally:
                    in_loop_cache.reset(token)
                    cache_s[0] += time.perf_counter() - t

            return timed

        for name in ("get", "put", "delete_if", "count_one_async"):
            setattr(loop_cache, name, timed_loop_cache(getattr(loop_cache, name)))

    # The channel layer's Redis commands (the async connections: the layer's alone), counted
    # as they are written, one by one in a pipeline too, and its writes to Redis (a
    # pipeline is one); a blocking pop (channels_redis's receive) waits for the next
    # message, so it is counted apart.
    redis_cmds, redis_writes, redis_pops = [0], [0], [0]
    try:
        from redis.asyncio.connection import AbstractConnection
    except ImportError:
        AbstractConnection = None
    if AbstractConnection is not None:
        pack_command = AbstractConnection.pack_command
        send_packed_command = AbstractConnection.send_packed_command

        def counting_pack_command(self, *args):
            name = args[0].decode() if isinstance(args[0], bytes) else str(args[0])
            if in_loop_cache.get():
                cache_cmds[0] += 1
            elif name.upper().startswith("B"):
                redis_pops[0] += 1
            else:
                redis_cmds[0] += 1
            return pack_command(self, *args)

        async def counting_send(self, *args, **kwargs):
            if not in_loop_cache.get():
                redis_writes[0] += 1
            return await send_packed_command(self, *args, **kwargs)

        AbstractConnection.pack_command = counting_pack_command
        AbstractConnection.send_packed_command = counting_send
    # The cache's commands through Django's (synchronous) client, on other threads.
    try:
        from redis.client import Redis as SyncRedis
    except ImportError:
        SyncRedis = None
    if SyncRedis is not None:
        sync_command = SyncRedis.execute_command

        def timed_sync_command(self, *args, **options):
            t = time.perf_counter()
            try:
                return sync_command(self, *args, **options)
            finally:
                with lock:
                    cache_cmds[0] += 1
                    cache_s[0] += time.perf_counter() - t

        SyncRedis.execute_command = timed_sync_command
    jobs = [0]
    from celery.app.task import Task

    apply_async = Task.apply_async

    def counting_apply_async(self, *args, **kwargs):
        jobs[0] += 1
        return apply_async(self, *args, **kwargs)

    Task.apply_async = counting_apply_async

    layer = get_channel_layer()
    sends = [0]
    send_s = [0.0]
    # Group sends only: the in-memory layer's group_send sends to each member in turn.
    for name in ("group_send",):
        original = getattr(layer, name)

        async def counted(*args, _original=original, _name=name, **kwargs):
            sends[0] += 1
            if os.environ.get("COST_DEBUG"):
                print("layer", _name, str(args[-1])[:150], file=sys.stderr)
            t = time.perf_counter()
            try:
                return await _original(*args, **kwargs)
            finally:
                send_s[0] += time.perf_counter() - t

        setattr(layer, name, counted)

    communicator = WebsocketCommunicator(
        application,
        f"/ws/threads/{thread_id}/",
        headers=[
            (b"host", b"localhost"),
            (b"origin", b"http://localhost"),
            (b"cookie", cookie.encode()),
        ],
    )
    connected, _ = await communicator.connect(timeout=10)
    if not connected:
        print("could not connect", file=sys.stderr)
        return 1
    frames: list[str] = []

    async def until_run_ends() -> None:
        started = False
        while True:
            out = await communicator.receive_output(timeout=20)
            if os.environ.get("COST_DEBUG"):
                print(out.get("text", out)[:300], file=sys.stderr)
            if out["type"] != "websocket.send":
                raise RuntimeError(f"socket closed: {out}")
            frames.append(out["text"])
            started = started or 'data-running="true"' in out["text"]
            if started and 'data-running="false"' in out["text"]:
                return

    async def ask(text: str) -> None:
        await communicator.send_to(
            text_data=json.dumps(
                {
                    "type": "message",
                    "content": text,
                    "client_id": uuid.uuid4().hex,
                    "HEADERS": {"HX-Request": "true"},
                }
            )
        )
        await until_run_ends()

    # The snapshot and the start run's frames, until the socket is quiet.
    # (A timed-out receive_output would cancel the application: receive_nothing waits.)
    while not await communicator.receive_nothing(timeout=1):
        frames.append((await communicator.receive_output(timeout=1))["text"])

    workloads = [w.strip() for w in a.workloads.split(",") if w.strip()]
    profile = cProfile.Profile() if a.profile else None
    for text in workloads:
        for _ in range(a.warmup):
            await ask(text)
        # The sidebar's delayed work after the first message.
        await asyncio.sleep(0.5)
        while not await communicator.receive_nothing(timeout=0.1):
            frames.append((await communicator.receive_output(timeout=1))["text"])
        sql.clear()
        frames.clear()
        sends[0] = 0
        trips[:] = [0, 0]
        sql_s[0] = send_s[0] = commit_s[0] = 0.0
        commits[0] = 0
        redis_cmds[0] = redis_pops[0] = redis_writes[0] = jobs[0] = cache_cmds[0] = 0
        cache_s[0] = 0.0
        c0 = time.process_time()
        for _ in range(a.n):
            await ask(text)
        c1 = time.process_time()
        counted_sql, counted_frames, counted_sends = len(sql), list(frames), sends[0]
        counted_trips = list(trips)
        counted_commits, counted_commit_s = commits[0], commit_s[0]
        counted_times = (
            sql_s[0],
            send_s[0],
            redis_cmds[0],
            redis_writes[0],
            jobs[0],
            cache_cmds[0],
            cache_s[0],
            redis_pops[0],
        )
        # A second pass under cProfile, for the calls (it slows the code it counts).
        counter = cProfile.Profile()
        db_profiles.clear()
        db_counting[0] = True
        counter.enable()
        for _ in range(a.n):
            await ask(text)
        counter.disable()
        db_counting[0] = False
        calls = sum(row[1] for row in pstats.Stats(counter).stats.values())
        db_calls = sum(
            row[1] for p in db_profiles.values() for row in pstats.Stats(p).stats.values()
        )
        if a.profile and db_profiles:
            pstats.Stats(*db_profiles.values()).dump_stats(f"{a.profile}.db-{text.split()[0]}")
        name = text.split()[0]
        out = {
            f"{name}_sql": counted_sql / a.n,
            f"{name}_db_trips": counted_trips[0] / a.n,
            f"{name}_other_thread_trips": counted_trips[1] / a.n,
            f"{name}_layer_sends": counted_sends / a.n,
            f"{name}_frames": len(counted_frames) / a.n,
            f"{name}_frame_bytes": sum(len(f.encode()) for f in counted_frames) / a.n,
            f"{name}_py_calls": calls / a.n,
            f"{name}_db_py_calls": db_calls / a.n,
            f"{name}_cpu_ms": (c1 - c0) * 1000 / a.n,
            f"{name}_sql_ms": counted_times[0] * 1000 / a.n,
            f"{name}_commits": counted_commits / a.n,
            f"{name}_commit_ms": counted_commit_s * 1000 / a.n,
            f"{name}_layer_send_ms": counted_times[1] * 1000 / a.n,
            f"{name}_jobs": counted_times[4] / a.n,
        }
        if a.services:
            out[f"{name}_pg_round_trips"] = (counted_sql + 2 * counted_commits) / a.n
            out[f"{name}_redis_cmds"] = counted_times[2] / a.n
            out[f"{name}_redis_writes"] = counted_times[3] / a.n
            out[f"{name}_redis_pops"] = counted_times[7] / a.n
            out[f"{name}_redis_cache_cmds"] = counted_times[5] / a.n
            out[f"{name}_redis_cache_ms_per_cmd"] = (
                counted_times[6] * 1000 / max(counted_times[5], 1)
            )
        for key, value in out.items():
            print(f"{key}: {value:.4g}")
        if profile is not None:
            profile.enable()
            for _ in range(a.n):
                await ask(text)
            profile.disable()
    if profile is not None:
        profile.dump_stats(a.profile)
    await communicator.disconnect(timeout=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
