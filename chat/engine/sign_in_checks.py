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
from typing import Any, NamedTuple, Protocol, TypeVar

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
    holds while the account is active); and what its last check found (`Proof`)."""

    user_id: Any
    session_key: str | None
    proof: Proof | None


Claim = TypeVar("Claim", bound=SignInClaim)


@dataclass(frozen=True)
class _Named:
    """Whom a claim's session (or ticket) names, and how it was signed in."""

    user_pk: Any
    backend_path: str | None  # None: a ticket
    session_hash: str
    by_proxy: bool


class Proof(NamedTuple):
    """What a claim's last check found to hold: the session as stored, what it names, and
    the account's password field. While both are the same, the session need not be decoded
    nor its hash computed again (most of a check's time); the rest is checked every time."""

    session_data: str
    named: _Named
    password: str


def ended(claims: Sequence[Claim]) -> list[Claim]:
    """The claims whose sign-in no longer holds: the session gone (signed out, flushed,
    expired), the account deleted or deactivated, the password changed since, or a staff
    member held back until they set up two-factor. Records a `Proof` on the others."""
    sessions = _sessions({claim.session_key for claim in claims if claim.session_key})
    reader = _SessionReader()
    gone: list[Claim] = []
    named: dict[Claim, _Named] = {}
    for claim in claims:
        found = reader.named_by(claim, sessions)
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
            or (name.backend_path is not None and not _hash_holds(claim, name, user))
            or (user.pk in held_back and not name.by_proxy)
        ):
            gone.append(claim)
            claim.proof = None
        elif claim.session_key is not None and isinstance(
            stored := sessions[claim.session_key], str
        ):
            claim.proof = Proof(stored, name, user.password)
    return gone


def _sessions(keys: set[str]) -> dict[str, str | dict[str, Any]]:
    """Each live session by key, as stored (or, from an engine other than the database,
    decoded); a session signed out, flushed or expired is absent."""
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
    return dict(rows)


class _SessionReader:
    """Whom each claim's session names, decoding only the sessions that changed."""

    def __init__(self) -> None:
        self.decoder = import_module(settings.SESSION_ENGINE).SessionStore()
        self.backends = settings.AUTHENTICATION_BACKENDS
        self.pk_field = get_user_model()._meta.pk

    def named_by(
        self, claim: SignInClaim, sessions: dict[str, str | dict[str, Any]]
    ) -> _Named | None:
        if claim.session_key is None:
            return _Named(claim.user_id, None, "", by_proxy=False)
        stored = sessions.get(claim.session_key)
        if stored is None:
            return None
        proof = claim.proof
        if proof is not None and proof.session_data == stored:
            return proof.named
        data = self.decoder.decode(stored) if isinstance(stored, str) else stored
        try:
            user_id, backend_path = data[SESSION_KEY], data[BACKEND_SESSION_KEY]
        except KeyError:
            return None
        if backend_path not in self.backends:
            return None
        try:
            user_pk = self.pk_field.to_python(user_id)
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


def _hash_holds(claim: SignInClaim, name: _Named, user: Any) -> bool:
    proof = claim.proof
    if proof is not None and proof.named == name and proof.password == user.password:
        return True  # the same session hash, checked against the same password
    if not name.session_hash:
        return False
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(name.session_hash, known) for known in hashes)
