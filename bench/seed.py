#!/usr/bin/env python3
"""Bench helper: creates signed-in users and empty threads straight in the database.

Run by bench/run.py with the product's environment (DATABASE_URL, CHAT_VAR_DIR, ...),
after `migrate` and before the server starts, so that it costs the server nothing.
Logging in 1,000 users through the allauth form would spend ~1,000 password hashes
(PBKDF2) on the 2-core machine; instead each user gets a session row that is
exactly what `django.contrib.auth.login()` would have stored (user id, backend,
session auth hash), so the websocket's AuthMiddlewareStack accepts its cookie.
The two users the bench signs in through the real login form (one for the websocket
client, one for Chromium) are created here too, with a usable password.

Prints one JSON object: {"login": {...}, "users": [{"sessionid", "email"}],
"threads": {"<group>": [{"thread": uuid, "sessionid": ...}, ...]}}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, required=True)
    ap.add_argument("--groups", required=True,
                    help="comma list name=count: threads to create, one per user round robin")
    ap.add_argument("--login-email", default="bench-login@example.com")
    ap.add_argument("--browser-email", default="bench-browser@example.com")
    ap.add_argument("--login-password", default="bench-password-123")
    a = ap.parse_args()

    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from chat.models import Thread

    User = get_user_model()
    backend = "django.contrib.auth.backends.ModelBackend"
    with transaction.atomic():
        login = User(email=a.login_email)
        login.set_password(a.login_password)
        login.save()
        browser = User(email=a.browser_email, password=login.password)  # same password
        browser.save()
        # Confirmed addresses: email verification is mandatory by default.
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, primary=True, verified=True)
             for u in (login, browser)]
        )
        users = [User(email=f"bench-{i}@example.com") for i in range(a.users)]
        for u in users:
            u.set_unusable_password()
        User.objects.bulk_create(users, batch_size=500)
        users = list(User.objects.filter(email__startswith="bench-")
                     .exclude(pk__in=[login.pk, browser.pk]).order_by("pk"))
        store = SessionStore()
        expire = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
        rows, out_users = [], []
        for u in users:
            key = store._get_new_session_key()
            data = store.encode({SESSION_KEY: str(u.pk), BACKEND_SESSION_KEY: backend,
                                 HASH_SESSION_KEY: u.get_session_auth_hash()})
            rows.append(Session(session_key=key, session_data=data, expire_date=expire))
            out_users.append({"sessionid": key, "email": u.email, "pk": u.pk})
        Session.objects.bulk_create(rows, batch_size=500)
        groups: dict[str, list[dict]] = {}
        k = 0
        for spec in a.groups.split(","):
            name, _, count = spec.partition("=")
            made = []
            for _ in range(int(count)):
                u = out_users[k % len(out_users)]
                k += 1
                made.append((Thread(owner_id=u["pk"]), u["sessionid"]))
            Thread.objects.bulk_create([t for t, _ in made], batch_size=500)
            groups[name] = [{"thread": str(t.id), "sessionid": s} for t, s in made]
    json.dump({"login": {"email": a.login_email, "password": a.login_password},
               "browser_login": {"email": a.browser_email, "password": a.login_password},
               "users": out_users, "threads": groups}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
