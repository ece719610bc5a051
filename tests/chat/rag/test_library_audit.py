"""Team libraries and their managers, changed in the admin, are in the audit log: a
manager decides what a whole team's assistant reads."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from chat.models import AuditEntry
from chat.rag.models import TeamLibrary
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def entries() -> list[tuple[str, str, str]]:
    return [(e.action, e.target, e.detail) for e in AuditEntry.objects.order_by("pk")]


def test_adding_changing_and_deleting_a_library_in_the_admin_is_audited():
    boss = make_user("boss@corp.example", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(boss)
    sales = Group.objects.create(name="Sales")
    ann, bob = make_user("ann@corp.example"), make_user("bob@corp.example")

    added = client.post(
        reverse("admin:rag_teamlibrary_add"), {"group": sales.pk, "managers": [ann.pk]}
    )
    assert added.status_code == 302, added.content[:2000]
    change = reverse("admin:rag_teamlibrary_change", args=[sales.pk])
    changed = client.post(change, {"group": sales.pk, "managers": [bob.pk, ann.pk]})
    assert changed.status_code == 302, changed.content[:2000]
    client.post(change, {"group": sales.pk})  # every manager removed
    client.post(reverse("admin:rag_teamlibrary_delete", args=[sales.pk]), {"post": "yes"})

    assert not TeamLibrary.objects.exists()
    assert entries() == [
        ("team_library_changed", "library Sales", "managers (1): ann@corp.example"),
        (
            "team_library_changed",
            "library Sales",
            "managers (2): ann@corp.example, bob@corp.example",
        ),
        ("team_library_changed", "library Sales", "no managers"),
        ("team_library_deleted", "library Sales", "no managers"),
    ]
    assert {e.actor_email for e in AuditEntry.objects.all()} == {"boss@corp.example"}


def test_deleting_libraries_from_the_list_is_audited_one_by_one():
    boss = make_user("boss@corp.example", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(boss)
    ann = make_user("ann@corp.example")
    for name in ("Legal", "Ops"):
        library = TeamLibrary.objects.create(group=Group.objects.create(name=name))
        library.managers.add(ann)
    response = client.post(
        reverse("admin:rag_teamlibrary_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(TeamLibrary.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not TeamLibrary.objects.exists()
    assert sorted(entries()) == [
        ("team_library_deleted", "library Legal", "managers (1): ann@corp.example"),
        ("team_library_deleted", "library Ops", "managers (1): ann@corp.example"),
    ]
