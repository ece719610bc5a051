"""Which open sockets' sign-ins no longer hold, many at once: exactly those signed out,
expired, of an account deleted or deactivated, or of a password changed since, and staff
held back by two-factor; in the same few queries for one socket or many."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from accounts.session_keys import SESSION_FLAG as SSO_SESSION_FLAG
from chat.engine.sign_in_checks import ended
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@dataclass(eq=False)
class Claim:
    user_id: Any
    session_key: str | None
    proof: Any = None


def signed_in(user, *, by_proxy: bool = False) -> Claim:
    """A socket opened by a fresh session of the user's (one browser signing in)."""
    client = Client()
    client.force_login(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    if by_proxy:
        session = SessionStore(key)
        session[SSO_SESSION_FLAG] = True
        session.save()
    return Claim(user.pk, key)


def test_sessions_still_signed_in_hold():
    ada, ben = make_user("ada@example.com"), make_user("ben@example.com")
    claims = [signed_in(ada), signed_in(ada), signed_in(ben)]

    assert ended(claims) == []


def test_only_the_signed_out_session_ends_not_the_persons_others():
    ada = make_user("ada@example.com")
    leaving, staying = signed_in(ada), signed_in(ada)
    SessionStore(leaving.session_key).delete()  # what a sign-out does

    assert ended([leaving, staying]) == [leaving]


def test_an_expired_session_ends():
    ada = make_user("ada@example.com")
    claim = signed_in(ada)
    Session.objects.filter(pk=claim.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    assert ended([claim]) == [claim]


def test_a_password_change_ends_the_sessions_signed_in_before():
    ada, ben = make_user("ada@example.com"), make_user("ben@example.com")
    before, others = signed_in(ada), signed_in(ben)
    ada.set_password("a-brand-new-password-99")
    ada.save()

    assert ended([before, others]) == [before]


def test_a_deactivated_or_deleted_account_ends_its_sessions_and_tickets():
    ada, ben, cy = (make_user(f"{name}@example.com") for name in ("ada", "ben", "cy"))
    claims = [signed_in(ada), Claim(ada.pk, None), signed_in(ben), signed_in(cy)]
    type(ada).objects.filter(pk=ada.pk).update(is_active=False)  # no signal
    ben.delete()

    assert ended(claims) == claims[:3]


def test_a_ticket_holds_while_its_account_is_active():
    ada = make_user("ada@example.com")

    assert ended([Claim(ada.pk, None)]) == []


def test_a_session_of_someone_else_than_the_socket_ends():
    ada, ben = make_user("ada@example.com"), make_user("ben@example.com")
    bens = signed_in(ben)

    claim = Claim(ada.pk, bens.session_key)

    assert ended([claim]) == [claim]


def test_a_session_signed_in_by_a_backend_no_longer_listed_ends():
    ada = make_user("ada@example.com")
    claim = signed_in(ada)

    with override_settings(
        AUTHENTICATION_BACKENDS=["allauth.account.auth_backends.AuthenticationBackend"]
    ):
        assert ended([claim]) == [claim]


@override_settings(CHAT_MFA_REQUIRED_FOR_STAFF=True)
def test_staff_without_an_authenticator_end_unless_the_sso_proxy_signed_them_in():
    boss = make_user("boss@example.com", is_staff=True)
    enrolled = make_user("root@example.com", is_staff=True)
    TOTP.activate(enrolled, generate_totp_secret())
    by_password, by_proxy, ok = signed_in(boss), signed_in(boss, by_proxy=True), signed_in(enrolled)

    assert ended([by_password, by_proxy, ok]) == [by_password]


@pytest.mark.parametrize("mfa", [False, True])
def test_many_sockets_cost_the_same_few_queries_as_one(mfa):
    people = [make_user(f"p{n}@example.com", is_staff=n % 2 == 0) for n in range(30)]
    one = [signed_in(people[0])]
    many = [signed_in(person) for person in people for _ in range(2)]
    many += [Claim(person.pk, None) for person in people[:5]]  # copilot panels' tickets

    with override_settings(CHAT_MFA_REQUIRED_FOR_STAFF=mfa):
        with CaptureQueriesContext(connection) as for_one:
            ended(one)
        with CaptureQueriesContext(connection) as for_many:
            gone = ended(many)

    # The sessions, the accounts, and (when staff need two-factor) their authenticators.
    assert len(for_many) == len(for_one) == (3 if mfa else 2)
    assert len(gone) == (33 if mfa else 0)  # 15 staff, none with an authenticator: 30 + 3


def test_a_session_checked_before_is_checked_again_in_full_when_it_or_the_account_changed():
    ada = make_user("ada@example.com")
    claim = signed_in(ada)
    assert ended([claim]) == []  # checked once: what held is remembered

    session = SessionStore(claim.session_key)
    session["_auth_user_hash"] = "forged"
    session.save()
    assert ended([claim]) == [claim]


def test_a_password_changed_after_a_check_that_held_ends_the_session():
    ada = make_user("ada@example.com")
    claim = signed_in(ada)
    assert ended([claim]) == []

    ada.set_password("a-brand-new-password-99")
    ada.save()

    assert ended([claim]) == [claim]
