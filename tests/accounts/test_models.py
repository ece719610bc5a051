"""The custom user model: people sign in with their email address; there is no username."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError

from accounts.models import User
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_the_project_uses_the_custom_user_model():
    assert get_user_model() is User


def test_email_is_the_login_and_there_is_no_username():
    assert User.USERNAME_FIELD == "email"
    assert User.REQUIRED_FIELDS == []
    assert "username" not in {field.name for field in User._meta.get_fields()}


def test_a_user_is_created_with_an_email_and_a_hashed_password():
    user = User.objects.create_user(email="Bob@Example.COM", password=PASSWORD)
    assert user.email == "bob@example.com"
    assert user.password != PASSWORD
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert not user.is_superuser


def test_a_user_without_an_email_is_refused():
    with pytest.raises(ValueError, match="email"):
        User.objects.create_user(email="", password=PASSWORD)


def test_emails_are_unique_whatever_their_case():
    make_user("carol@example.com")
    with pytest.raises(IntegrityError):
        make_user("CAROL@example.com")


def test_a_superuser_is_staff_and_superuser():
    admin = User.objects.create_superuser(email="root@example.com", password=PASSWORD)
    assert admin.is_staff
    assert admin.is_superuser


def test_a_superuser_cannot_be_created_without_superuser_rights():
    with pytest.raises(ValueError, match="superuser"):
        User.objects.create_superuser(email="x@example.com", password=PASSWORD, is_superuser=False)


def test_signing_in_takes_the_email_and_password(rf):
    make_user("dave@example.com")
    assert authenticate(rf.get("/"), email="dave@example.com", password=PASSWORD) is not None
    assert authenticate(rf.get("/"), username="dave@example.com", password=PASSWORD) is not None
    assert authenticate(rf.get("/"), email="dave@example.com", password="wrong") is None


def test_the_shown_name_falls_back_from_display_name_to_full_name_to_email():
    user = make_user("erin.smith@example.com")
    assert user.shown_name == "erin.smith"
    user.first_name, user.last_name = "Erin", "Smith"
    assert user.shown_name == "Erin Smith"
    user.display_name = "E. S."
    assert user.shown_name == "E. S."


def test_the_identifier_chainlit_apps_see_is_the_email():
    user = make_user("frank@example.com")
    assert user.identifier == "frank@example.com"
    assert str(user) == "frank@example.com"
