#!/usr/bin/env python3
"""What PostgreSQL's round trips and commits cost on this machine, from Python (psycopg 3):
the floor under every statement the product sends.

    .venv/bin/python bench/pg_round_trips.py [--url postgresql://HOST/DB] [--n 200]

--url defaults to postgresql://root@127.0.0.1:5432/postgres. Works in a table of its own
(dropped afterwards). Prints the mean milliseconds of:
  select_1                a round trip
  insert_autocommit       an INSERT committed alone: a round trip, and the commit's WAL flush
                          (fsync), as synchronous_commit = on does for every commit
  insert_sync_commit_off  the same with synchronous_commit = off (no wait for the flush)
  transaction_2_inserts   BEGIN, two INSERTs, COMMIT: what Django's transaction.atomic sends
                          (psycopg 3 sends BEGIN and COMMIT as round trips of their own)
"""

from __future__ import annotations

import argparse
import time
import uuid

import psycopg


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--url", default="postgresql://root@127.0.0.1:5432/postgres")
    ap.add_argument("--n", type=int, default=200)
    a = ap.parse_args()
    table = "bench_round_trips_" + uuid.uuid4().hex[:8]
    with psycopg.connect(a.url, autocommit=True) as c:
        c.execute(f"CREATE TABLE {table} (id serial PRIMARY KEY, v text)")
        try:
            insert = f"INSERT INTO {table} (v) VALUES ('x')"  # noqa: S608

            def transaction() -> None:
                with c.transaction():
                    c.execute(insert)
                    c.execute(insert)

            def timed(name: str, call) -> None:
                call()
                t = time.perf_counter()
                for _ in range(a.n):
                    call()
                print(f"{name}: {(time.perf_counter() - t) * 1000 / a.n:.3f} ms")

            timed("select_1", lambda: c.execute("SELECT 1").fetchall())
            timed("insert_autocommit", lambda: c.execute(insert))
            c.execute("SET synchronous_commit = off")
            timed("insert_sync_commit_off", lambda: c.execute(insert))
            c.execute("SET synchronous_commit = on")
            timed("transaction_2_inserts", transaction)
        finally:
            c.execute(f"DROP TABLE {table}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
