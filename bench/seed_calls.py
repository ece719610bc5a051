#!/usr/bin/env python3
"""Adds model calls to a seeded database (after `manage.py seed_chat`), for the usage
dashboard's figures at scale, then builds the dashboard's daily rows.

    DATABASE_URL=postgres://... .venv/bin/python bench/seed_calls.py --calls 2000000

PostgreSQL only: the rows are made in the database (generate_series), spread over the
seed's threads and their owners and over the last --days days, with four models.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")

# The threads the calls spread over are read once into arrays, each call picking one by
# its number: a LATERAL subquery with an OFFSET per row reads thousands of rows per call.
INSERT = """
INSERT INTO chat_modelcall (user_id, thread_id, chat_profile, provider, model, input_tokens,
    output_tokens, cached_tokens, cost, is_error, created_at)
SELECT t.owners[1 + (g * 7) %% t.n], t.ids[1 + (g * 7) %% t.n], t.profiles[1 + (g * 7) %% t.n],
    'openai',
    (ARRAY['gpt-4o-mini', 'gpt-4o', 'claude-sonnet', 'llama-3'])[1 + g %% 4],
    200 + (g * 7919) %% 3000, 20 + (g * 104729) %% 600, (g * 31) %% 200,
    CASE WHEN g %% 4 = 3 THEN NULL ELSE ((g %% 997) / 100000.0)::numeric(14, 6) END,
    g %% 250 = 0,
    now() - ((g * 2654435761) %% (%(days)s * 86400)) * interval '1 second'
FROM generate_series(1::bigint, %(calls)s) AS g,
    (SELECT array_agg(id) AS ids, array_agg(owner_id) AS owners,
            array_agg(chat_profile) AS profiles, count(*) AS n
     FROM (SELECT id, owner_id, chat_profile FROM chat_thread LIMIT %(threads)s) AS s) AS t
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--calls", type=int, default=2_000_000)
    ap.add_argument("--days", type=int, default=90)
    a = ap.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from chat.models import Thread
    from chat.usage import rollup

    if connection.vendor != "postgresql":
        print("PostgreSQL only", file=sys.stderr)
        return 2
    threads = min(Thread.objects.count(), 5000)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        sql = INSERT.replace("%(days)s", str(a.days)).replace("%(calls)s", str(a.calls))
        cursor.execute(sql.replace("%(threads)s", str(threads)).replace("%%", "%"))
    print(f"{a.calls} calls in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    today = timezone.localdate()
    for back in range(a.days + 1):
        rollup.rebuild(today - timedelta(days=back))
    print(f"{a.days + 1} days rolled up in {time.perf_counter() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
