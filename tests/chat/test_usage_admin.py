"""The admin's usage pages: model calls with their cost (or "unknown"), quotas for a person
or a group, and a day's lift that records who granted it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chat.models import ModelCall, Quota, QuotaLift
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return make_user(email="boss@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def staff(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_model_calls_are_listed_with_their_cost_and_an_unpriced_one_says_unknown(staff, user):
    ModelCall.objects.create(
        user=user, model="gpt-4o", input_tokens=1000, output_tokens=10, cost=Decimal("0.0026")
    )
    ModelCall.objects.create(user=user, model="llama-3", input_tokens=5, output_tokens=5)
    page = staff.get(reverse("admin:chat_modelcall_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "0.002600 USD" in html
    assert "unknown (no price for this model)" in html


def test_a_quota_is_for_a_person_or_a_group_not_both_nor_neither(staff, user):
    group = Group.objects.create(name="Sales")
    url = reverse("admin:chat_quota_add")
    both = {"user": user.pk, "group": group.pk, "period": "day", "metric": "tokens", "limit": 10}
    page = staff.post(url, both)
    assert "for one person or for one group" in page.content.decode()
    neither = {"period": "day", "metric": "tokens", "limit": 10}
    assert "for one person or for one group" in staff.post(url, neither).content.decode()
    assert not Quota.objects.exists()
    staff.post(url, {**neither, "group": group.pk})
    assert Quota.objects.get().group == group


def test_lifting_a_persons_limits_for_today_records_who_lifted_them(staff, admin_user, user):
    page = staff.post(
        reverse("admin:chat_quotalift_add"),
        {"user": user.pk, "day": timezone.localdate().isoformat(), "reason": "Board deck due"},
    )
    assert page.status_code == 302
    lift = QuotaLift.objects.get()
    assert (lift.user, lift.granted_by, lift.day) == (user, admin_user, timezone.localdate())
