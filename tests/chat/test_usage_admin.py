"""The admin's usage pages: model calls with their cost (or "unknown"), quotas for a person
or a group, and a day's lift that records who granted it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chat.models import ModelCall, Quota, QuotaLift
from chat.usage import rollup
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


# -- the dashboard --------------------------------------------------------------------------
DASHBOARD = reverse("admin:chat_usageday_changelist")


def seed(people: int, days: int = 3) -> None:
    """`people` people in Sales, each with calls, a question and a rating on each day."""
    from datetime import timedelta

    from chat.models import Feedback, Message
    from tests.factories import make_message, make_thread

    sales, _created = Group.objects.get_or_create(name="Sales")
    today = timezone.localtime().replace(hour=10)
    for number in range(people):
        person = make_user(email=f"p{number}-{timezone.now().timestamp()}@example.com")
        person.groups.add(sales)
        thread = make_thread(person, chat_profile="Research")
        for back in range(days):
            when = today - timedelta(days=back)
            question = make_message(thread, "q")
            answer = make_message(thread, "a", author_kind=Message.Author.ASSISTANT)
            Message.objects.filter(pk__in=[question.pk, answer.pk]).update(created_at=when)
            Feedback.objects.create(message=answer, user=person, value=1, created_at=when)
            ModelCall.objects.create(
                user=person,
                thread=thread,
                chat_profile="Research",
                model="gpt-4o",
                input_tokens=100 * (number + 1),
                output_tokens=10,
                cost=Decimal("0.5"),
                created_at=when,
            )


@pytest.fixture
def analyst(db) -> Client:
    from django.contrib.auth.models import Permission

    person = make_user(email="analyst@example.com", is_staff=True)
    person.user_permissions.add(Permission.objects.get(codename="view_usage_dashboard"))
    client = Client()
    client.force_login(person)
    return client


def test_the_dashboard_is_for_staff_with_its_permission(analyst):
    assert analyst.get(DASHBOARD).status_code == 200
    other = Client()
    other.force_login(make_user(email="staff@example.com", is_staff=True))
    assert other.get(DASHBOARD).status_code == 403


def test_the_dashboard_shows_totals_a_chart_a_breakdown_and_top_people(analyst):
    seed(3)
    page = analyst.get(DASHBOARD, {"by": "group"})
    html = page.content.decode()
    report = page.context["report"]
    assert report.totals["active_users"] == 3
    assert report.totals["messages"] == 9
    assert report.totals["tokens"] == 3 * (110 + 210 + 310)
    assert report.totals["cost"] == Decimal("4.5")
    assert report.totals["rated_good"] == 9
    assert [row["key"] for row in report.breakdown] == ["Sales"]
    assert report.top_users[0]["tokens"] == 3 * 310
    assert html.count('class="usage-chart__bar"') == len(report.series) == 30
    assert "4.50 USD" in html


def test_the_dashboard_filters_by_group_and_groups_by_month(analyst):
    seed(2)
    ModelCall.objects.create(user=make_user(), model="gpt-4o", input_tokens=7)
    everyone = analyst.get(DASHBOARD).context["report"]
    sales = Group.objects.get(name="Sales")
    grouped = analyst.get(DASHBOARD, {"group": sales.pk, "bucket": "month"}).context["report"]
    assert everyone.totals["tokens"] == grouped.totals["tokens"] + 7
    assert len(grouped.series) in (1, 2)  # the last 30 days span one or two months


def test_a_bad_filter_is_said_and_the_default_period_shown(analyst):
    page = analyst.get(DASHBOARD, {"from": "2026-05-10", "to": "2026-05-01"})
    assert "The start of the period comes after its end." in page.content.decode()
    assert page.status_code == 200


def test_the_csv_has_the_tables_numbers_per_period(analyst):
    seed(2, days=1)
    response = analyst.get(DASHBOARD, {"by": "model", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    # Questions belong to no model: they are counted on a row of their own.
    [questions, model] = rows
    assert (questions["key"], questions["messages"], questions["tokens"]) == ("", "2", "0")
    assert (model["key"], model["tokens"], model["active_users"]) == ("gpt-4o", "320", "2")
    assert model["bucket"] == timezone.localdate().isoformat()


def test_the_dashboard_runs_the_same_number_of_queries_however_much_usage_there_is(analyst):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seed(1)
    analyst.get(DASHBOARD)  # the daily rows are built
    with CaptureQueriesContext(connection) as small:
        analyst.get(DASHBOARD)
    seed(12)
    # The new usage reaches the daily rows (as the next rebuild of a stale day would).
    for back in range(3):
        rollup.rebuild(timezone.localdate() - timedelta(days=back))
    with CaptureQueriesContext(connection) as large:
        page = analyst.get(DASHBOARD)
    assert page.context["report"].totals["active_users"] == 13
    assert len(large) == len(small)
    # Session, user, permissions (2), groups, the rollup's freshness, then five report queries.
    assert len(large) == 11, [q["sql"][:80] for q in large.captured_queries]
