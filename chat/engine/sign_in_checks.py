"""Whether open sockets' sign-ins still hold, many at once.

What Django's `get_user` checks for one request (the session, its backend, the account,
the session's password hash), and staff two-factor, read in a bounded number of queries
however many sockets ask: the sessions in one, the accounts in one, the authenticators in
at most one. Read-only, unlike `get_user`: a socket cannot hand a new cookie to the
browser, so it must not flush or cycle the session.

Sync: run it on the database thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts import staff_mfa
from accounts.session_keys import SESSION_FLAG as SSO_SESSION_FLAG

# What the checks read of an account: the session hash (the password), whether it may sign
# in (Django's backends: is_active), whether it is staff (two-factor).
ACCOUNT_FIELDS = ("password", "is_active", "is_staff")


class SignInClaim(Protocol):
    """Who a socket was opened for, and by which session (None: by a signed ticket, which
    holds while the account is active)."""

    user_id: Any
    session_key: str | None


Claim = TypeVar("Claim", bound=SignInClaim)


@dataclass(frozen=True)
class _Named:
    """Whom a claim's session (or ticket) names, and how it was signed in."""

    user_pk: Any
    backend_path: str | None  # None: a ticket
    session_hash: str
    by_proxy: bool


def ended(claims: Sequence[Claim]) -> list[Claim]:
    """The claims whose sign-in no longer holds: the session gone (signed out, flushed,
    expired), the account deleted or deactivated, the password changed since, or a staff
    member held back until they set up two-factor."""
    sessions = _sessions({claim.session_key for claim in claims if claim.session_key})
    gone: list[Claim] = []
    named: dict[Claim, _Named] = {}
    for claim in claims:
        found = _named_by(claim, sessions)
        if found is None:
            gone.append(claim)
        else:
            named[claim] = found
    accounts = _accounts(set(named.values()))
    held_back = staff_mfa.held_back(
        (accounts[name], name.by_proxy) for name in named.values() if accounts.get(name)
    )
    for claim, name in named.items():
        user = accounts.get(name)
        if (
            user is None
            or user.pk != claim.user_id
            or (name.backend_path is not None and not _hash_holds(user, name.session_hash))
            or (user.pk in held_back and not name.by_proxy)
        ):
            gone.append(claim)
    return gone


def _sessions(keys: set[str]) -> dict[str, dict[str, Any]]:
    """Each live session's data by key; a session signed out, flushed or expired is absent."""
    if not keys:
        return {}
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store_class, DatabaseSessionStore):
        # Another engine (the cache, signed cookies): each session read on its own.
        return {key: data for key in keys if (data := store_class(key).load())}
    # The database (also behind cached_db, whose cache a sign-out clears with the row).
    rows = (
        store_class.get_model_class()
        .objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
    )
    decoder = store_class()
    return {key: decoder.decode(data) for key, data in rows}


def _named_by(claim: SignInClaim, sessions: dict[str, dict[str, Any]]) -> _Named | None:
    if claim.session_key is None:
        return _Named(claim.user_id, None, "", by_proxy=False)
    data = sessions.get(claim.session_key, {})
    try:
        user_id, backend_path = data[SESSION_KEY], data[BACKEND_SESSION_KEY]
    except KeyError:
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    try:
        user_pk = get_user_model()._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    return _Named(
        user_pk,
        backend_path,
        data.get(HASH_SESSION_KEY) or "",
        by_proxy=bool(data.get(SSO_SESSION_FLAG)),
    )


def _accounts(names: set[_Named]) -> dict[_Named, Any]:
    """The account each name signs in, as its backend's `get_user` would answer (None for
    one deleted or refused); the backends that use Django's own `get_user` in one query."""
    backends = {path: load_backend(path) for path in {n.backend_path for n in names} if path}
    batched: list[_Named] = []
    found: dict[_Named, Any] = {}
    for name in names:
        backend = backends.get(name.backend_path) if name.backend_path else None
        if backend is None or _uses_model_backend(backend):
            batched.append(name)
        else:
            found[name] = backend.get_user(name.user_pk)
    if batched:
        # Only what the checks read: a whole account costs twice the time to build.
        users = (
            get_user_model()
            ._default_manager.only(*ACCOUNT_FIELDS)
            .in_bulk({name.user_pk for name in batched})
        )
        for name in batched:
            user = users.get(name.user_pk)
            backend = backends.get(name.backend_path) if name.backend_path else None
            found[name] = user if user is not None and _may_sign_in(user, backend) else None
    return found


def _uses_model_backend(backend: Any) -> bool:
    return getattr(type(backend), "get_user", None) is ModelBackend.get_user


def _may_sign_in(user: Any, backend: Any) -> bool:
    if backend is None:
        return bool(user.is_active)  # a ticket: any active account
    return bool(backend.user_can_authenticate(user))


def _hash_holds(user: Any, session_hash: str) -> bool:
    if not session_hash:
        return False
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(session_hash, known) for known in hashes)
