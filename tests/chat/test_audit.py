"""The audit log: who opened whose transcript, exported or deleted which threads, turned a
share link on or off, changed a quota or lifted someone's limits; read and exported by
superusers only, never changed, and removed after CHAT_AUDIT_RETENTION_DAYS."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chat import audit
from chat.models import AuditEntry, Quota, Thread
from chat.threads import history
from tests.factories import make_message, make_thread, make_user

pytestmark = pytest.mark.django_db

LOG = reverse("admin:chat_auditentry_changelist")


@pytest.fixture
def boss(db):
    return make_user(email="boss@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def boss_client(boss) -> Client:
    client = Client()
    client.force_login(boss)
    return client


@pytest.fixture
def reviewer_client(db) -> Client:
    person = make_user(email="reviewer@example.com", is_staff=True)
    person.groups.add(Group.objects.get(name="Reviewers"))
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def conversation(user) -> Thread:
    thread = make_thread(user, title="Salary talk")
    make_message(thread, "what is my raise")
    return thread


def entries() -> list[tuple[str, str, str]]:
    return [(e.actor_email, e.action, e.target) for e in AuditEntry.objects.order_by("pk")]


def test_opening_a_transcript_in_the_admin_is_logged_with_whose_it_is(
    reviewer_client, conversation, user
):
    url = reverse("admin:chat_thread_transcript", args=[conversation.pk])
    assert reviewer_client.get(url).status_code == 200
    [entry] = AuditEntry.objects.all()
    assert (entry.actor_email, entry.action) == ("reviewer@example.com", "transcript_viewed")
    assert entry.target == f"thread {conversation.pk}"
    assert entry.detail == f"owner {user.email}"


def test_an_export_names_the_exported_threads(reviewer_client, conversation):
    response = reviewer_client.post(
        reverse("admin:chat_thread_changelist"),
        {"action": "export_csv", "_selected_action": [conversation.pk]},
    )
    b"".join(response.streaming_content)
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.target) == ("threads_exported", "CSV")
    assert entry.detail == f"threads (1): {conversation.pk}"


def test_deleting_threads_in_the_admin_is_logged(boss_client, conversation):
    boss_client.post(
        reverse("admin:chat_thread_changelist"),
        {"action": "delete_selected", "_selected_action": [conversation.pk], "post": "yes"},
    )
    assert not Thread.objects.filter(pk=conversation.pk).exists()
    assert entries() == [("boss@example.com", "threads_deleted", "")]


def test_share_links_turned_on_and_off_are_logged_once_each(user, conversation):
    history.share(user, conversation.pk)
    history.share(user, conversation.pk)  # already on: nothing changes
    history.revoke(user, conversation.pk)
    history.revoke(user, conversation.pk)
    target = f"thread {conversation.pk}"
    assert entries() == [(user.email, "share_on", target), (user.email, "share_off", target)]


def test_quota_changes_and_lifts_are_logged(boss_client, user):
    boss_client.post(
        reverse("admin:chat_quota_add"),
        {"user": user.pk, "period": "day", "metric": "tokens", "limit": 1000},
    )
    quota = Quota.objects.get()
    boss_client.post(
        reverse("admin:chat_quota_change", args=[quota.pk]),
        {"user": user.pk, "period": "day", "metric": "tokens", "limit": 5000},
    )
    boss_client.post(reverse("admin:chat_quota_delete", args=[quota.pk]), {"post": "yes"})
    boss_client.post(
        reverse("admin:chat_quotalift_add"),
        {"user": user.pk, "day": timezone.localdate().isoformat(), "reason": "launch"},
    )
    actions = [(e.action, e.detail) for e in AuditEntry.objects.order_by("pk")]
    assert [a for a, _d in actions] == [
        "quota_changed",
        "quota_changed",
        "quota_deleted",
        "quota_lifted",
    ]
    assert "5000" in actions[1][1]
    assert actions[3][1] == f"{timezone.localdate()}: launch"


def test_the_log_is_for_superusers_only_and_exports_as_csv(boss_client, reviewer_client, user):
    audit.record(user, audit.Action.SHARE_ON, "thread 1")
    assert reviewer_client.get(LOG).status_code == 403
    page = boss_client.get(LOG)
    assert page.status_code == 200
    assert "thread 1" in page.content.decode()
    entry = AuditEntry.objects.get()
    response = boss_client.post(LOG, {"action": "export_csv", "_selected_action": [entry.pk]})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["created_at", "actor_email", "action", "target", "detail"]
    assert rows[1][1:4] == [user.email, "share_on", "thread 1"]


def test_an_entry_is_never_changed_nor_deleted_in_the_admin(boss_client, user):
    entry = audit.record(user, audit.Action.SHARE_ON, "thread 1")
    entry.target = "thread 2"
    with pytest.raises(ValueError, match="never changed"):
        entry.save()
    boss_client.post(reverse("admin:chat_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert AuditEntry.objects.get().target == "thread 1"


def test_entries_older_than_the_retention_are_purged(settings, user):
    old = audit.record(user, audit.Action.SHARE_ON, "old")
    AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    audit.record(user, audit.Action.SHARE_ON, "recent")
    settings.CHAT_AUDIT_RETENTION_DAYS = 0
    out = StringIO()
    call_command("purge_audit", stdout=out)
    assert AuditEntry.objects.count() == 2
    settings.CHAT_AUDIT_RETENTION_DAYS = 30
    call_command("purge_audit", stdout=out)
    assert [e.target for e in AuditEntry.objects.all()] == ["recent"]


def test_the_periodic_work_purges_old_entries_without_a_cron(settings, user):
    from chat.engine import housekeeping

    old = audit.record(user, audit.Action.SHARE_ON, "old")
    AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    audit.record(user, audit.Action.SHARE_ON, "recent")
    settings.CHAT_AUDIT_RETENTION_DAYS = 30
    done = housekeeping.run_round()
    assert done is not None
    assert done.audit_entries_purged == 1
    assert [e.target for e in AuditEntry.objects.all()] == ["recent"]
