"""Groups from the identity provider: the OpenID Connect groups claim and the SSO proxy's
groups header set a person's groups at sign-in, through the mapping kept in the admin."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from accounts.models import GroupMapping
from chat.models import AuditEntry
from chat.permissions import can_review_threads
from chatproject import settings as project_settings
from tests.accounts.conftest import sign_in_with_oidc
from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.factories import make_user

pytestmark = pytest.mark.django_db
User = get_user_model()
OLIVIA = "olivia@corp.example"


def groups_of(email: str) -> set[str]:
    return set(User.objects.get(email=email).groups.values_list("name", flat=True))


def sign_in_as_member_of(client, oidc: OidcProvider, *names: object) -> None:
    oidc.next_user = {**oidc.next_user, "groups": list(names)}
    client.logout()
    response = sign_in_with_oidc(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("chat:home")


def test_the_groups_claim_creates_and_joins_the_groups(client, oidc):
    oidc.next_user["groups"] = ["support", "sales"]
    sign_in_with_oidc(client)
    assert groups_of(OLIVIA) == {"support", "sales"}
    assert set(GroupMapping.objects.values_list("name", flat=True)) == {"support", "sales"}


def test_a_group_the_claim_drops_is_left_at_the_next_sign_in(client, oidc):
    sign_in_as_member_of(client, oidc, "support", "sales")
    sign_in_as_member_of(client, oidc, "sales")
    assert groups_of(OLIVIA) == {"sales"}
    assert Group.objects.filter(name="support").exists()  # others may still be in it


def test_groups_given_by_hand_stay(client, oidc):
    sign_in_as_member_of(client, oidc, "support")
    user = User.objects.get(email=OLIVIA)
    user.groups.add(Group.objects.create(name="Board"))
    sign_in_as_member_of(client, oidc)
    assert groups_of(OLIVIA) == {"Board"}


def test_the_mapping_renames_and_ignores(client, oidc):
    GroupMapping.objects.create(name="cn=support,ou=groups", group_name="Support")
    GroupMapping.objects.create(name="Domain Users", ignored=True)
    sign_in_as_member_of(client, oidc, "cn=support,ou=groups", "Domain Users")
    assert groups_of(OLIVIA) == {"Support"}
    assert not Group.objects.filter(name="Domain Users").exists()


def test_a_mapped_group_makes_staff_and_reviewers_until_the_claim_drops_it(client, oidc):
    GroupMapping.objects.create(name="auditors", reviewer=True)
    sign_in_as_member_of(client, oidc, "auditors")
    user = User.objects.get(email=OLIVIA)
    assert user.is_staff
    assert can_review_threads(user)
    assert groups_of(OLIVIA) == {"auditors", "Reviewers"}

    sign_in_as_member_of(client, oidc, "support")
    user = User.objects.get(email=OLIVIA)
    assert not user.is_staff
    assert not can_review_threads(user)
    assert groups_of(OLIVIA) == {"support"}


def test_staff_made_by_hand_stay_staff_when_the_claim_names_no_staff_group(client, oidc):
    make_user(OLIVIA, is_staff=True)
    GroupMapping.objects.create(name="admins", staff=True)
    sign_in_as_member_of(client, oidc, "admins")
    sign_in_as_member_of(client, oidc, "support")
    assert User.objects.get(email=OLIVIA).is_staff


def test_a_sign_in_without_the_claim_leaves_the_groups_alone(client, oidc):
    sign_in_as_member_of(client, oidc, "support")
    del oidc.next_user["groups"]
    client.logout()
    sign_in_with_oidc(client)
    assert groups_of(OLIVIA) == {"support"}


def test_the_claim_is_named_per_provider_and_may_be_nested(client, providers_from_env):
    provider = OidcProvider().start()
    try:
        providers_from_env(
            OAUTH_OIDC_CLIENT_ID=CLIENT_ID,
            OAUTH_OIDC_CLIENT_SECRET=CLIENT_SECRET,
            OAUTH_OIDC_SERVER_URL=provider.url,
        )
        provider.next_user["realm_access"] = {"roles": ["editor", "viewer"]}
        with override_settings(CHAT_GROUPS_CLAIMS={"oidc": "realm_access.roles"}):
            sign_in_with_oidc(client)
    finally:
        provider.stop()
    assert groups_of(OLIVIA) == {"editor", "viewer"}


def test_the_claims_name_comes_from_the_providers_variable(monkeypatch):
    monkeypatch.setenv("OAUTH_KEYCLOAK_GROUPS_CLAIM", "realm_access.roles")
    reloaded = importlib.reload(project_settings)
    try:
        assert reloaded.CHAT_GROUPS_CLAIMS == {"keycloak": "realm_access.roles"}
    finally:
        monkeypatch.delenv("OAUTH_KEYCLOAK_GROUPS_CLAIM")
        importlib.reload(project_settings)


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        (["x", "x", " x "], {"x"}),
        ("support, sales", {"support", "sales"}),
        ([{"name": "support"}, 7, None, ""], {"support", "7"}),
    ],
)
def test_claim_shapes(client, oidc, claim, expected):
    oidc.next_user["groups"] = claim
    sign_in_with_oidc(client)
    assert groups_of(OLIVIA) == expected


PROXY = "10.0.0.5"
HEADER = override_settings(
    CHAT_SSO_HEADER="X-Forwarded-Email",
    CHAT_SSO_GROUPS_HEADER="X-Forwarded-Groups",
    CHAT_TRUSTED_PROXIES=[],
    CHAT_SSO_TRUSTED_PROXIES=[PROXY],
)


def through_proxy(client, email: str, groups: str | None) -> None:
    headers = {"x_forwarded_email": email}
    if groups is not None:
        headers["x_forwarded_groups"] = groups
    client.get("/", REMOTE_ADDR=PROXY, headers=headers)


@HEADER
def test_the_groups_header_sets_groups_and_a_change_counts_at_the_next_request(client):
    through_proxy(client, "pat@corp.example", "support,sales")
    assert groups_of("pat@corp.example") == {"support", "sales"}
    through_proxy(client, "pat@corp.example", "sales")
    assert groups_of("pat@corp.example") == {"sales"}
    through_proxy(client, "pat@corp.example", None)  # no header: left as they are
    assert groups_of("pat@corp.example") == {"sales"}


@HEADER
def test_the_groups_header_goes_through_the_mapping(client):
    GroupMapping.objects.create(name="ops", group_name="Operations", staff=True)
    through_proxy(client, "pat@corp.example", "ops")
    user = User.objects.get(email="pat@corp.example")
    assert groups_of(user.email) == {"Operations"}
    assert user.is_staff


@override_settings(
    CHAT_SSO_HEADER="X-Forwarded-Email",
    CHAT_SSO_GROUPS_HEADER="X-Forwarded-Groups",
    CHAT_TRUSTED_PROXIES=[],
    CHAT_SSO_TRUSTED_PROXIES=[PROXY],
)
def test_the_groups_header_from_elsewhere_is_ignored(client, user):
    client.force_login(user)
    client.get("/", REMOTE_ADDR="192.0.2.9", headers={"x_forwarded_groups": "admins"})
    assert groups_of(user.email) == set()


@pytest.fixture
def boss_client(db) -> Client:
    client = Client()
    client.force_login(make_user("boss@corp.example", is_staff=True, is_superuser=True))
    return client


def test_changes_to_the_mapping_in_the_admin_are_audited(boss_client):
    add = reverse("admin:accounts_groupmapping_add")
    response = boss_client.post(
        add, {"name": "admins", "group_name": "Admins", "staff": "on", "reviewer": ""}
    )
    assert response.status_code == 302, response.content[:2000]
    mapping = GroupMapping.objects.get(name="admins")
    change = reverse("admin:accounts_groupmapping_change", args=[mapping.pk])
    boss_client.post(change, {"name": "admins", "group_name": "Admins", "ignored": "on"})
    delete = reverse("admin:accounts_groupmapping_delete", args=[mapping.pk])
    boss_client.post(delete, {"post": "yes"})
    assert [(e.action, e.target, e.detail) for e in AuditEntry.objects.order_by("pk")] == [
        ("group_mapping_changed", "group admins", "as Admins (staff)"),
        ("group_mapping_changed", "group admins", "as Admins (ignored)"),
        ("group_mapping_deleted", "group admins", ""),
    ]
    assert all(e.actor_email == "boss@corp.example" for e in AuditEntry.objects.all())


def test_staff_without_the_permission_cannot_change_the_mapping(db):
    client = Client()
    client.force_login(make_user("clerk@corp.example", is_staff=True))
    response = client.get(reverse("admin:accounts_groupmapping_changelist"))
    assert response.status_code == 403
