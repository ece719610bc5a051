"""CHAT_UPLOADS and a profile's own switches (`config_overrides`): uploads turned off or
narrowed, sharing turned off, each enforced on the server with a clear refusal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse
from django.utils import timezone

import chat.sdk as cl
from chat import permissions
from chat.engine import profile_config, profiles
from chat.engine.registry import hooks
from chat.models import Element, Message, Thread
from chat.sdk.config import (
    ChainlitConfigOverrides,
    FeaturesSettings,
    SpontaneousFileUploadFeature,
    config,
)
from tests.chat.engine.test_uploads import PDF, PNG, media_root, post, signed_in, stored_files
from tests.factories import make_thread

PORT_CHECK = Path(__file__).resolve().parents[2] / "port_check"
__all__ = ["media_root"]  # the fixture, used by every test here

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def assistant(use_assistant):
    use_assistant("echo")
    return hooks


def with_profile(assistant, thread: Thread, user, overrides) -> Thread:
    """The thread in the assistant's only profile, whose switches are `overrides`."""
    assistant.set_chat_profiles = lambda u: [
        cl.ChatProfile(name="Narrow", markdown_description="", config_overrides=overrides)
    ]
    async_to_sync(profiles.ensure_profile)(thread, user)
    return Thread.objects.get(pk=thread.pk)


def test_chat_uploads_off_refuses_files_and_hides_the_button(user, thread, settings, media_root):
    settings.CHAT_UPLOADS = False
    client = signed_in(user)
    response = post(client, thread, ("notes.txt", b"hello"))
    assert response.status_code == 400
    assert response.json() == {"error": "Files cannot be attached in this chat."}
    assert not Element.objects.exists()
    assert stored_files(media_root) == []
    page = client.get(reverse("chat:thread", args=[thread.pk])).content.decode()
    assert "data-composer-files" not in page
    assert config.features.spontaneous_file_upload.enabled is False

    settings.CHAT_UPLOADS = True
    page = client.get(reverse("chat:thread", args=[thread.pk])).content.decode()
    assert "data-composer-files" in page


def test_a_profile_may_turn_uploads_off_for_its_chats(assistant, user, thread, media_root):
    overrides = ChainlitConfigOverrides(
        features=FeaturesSettings(
            spontaneous_file_upload=SpontaneousFileUploadFeature(enabled=False)
        )
    )
    thread = with_profile(assistant, thread, user, overrides)
    assert thread.metadata[profile_config.KEY] == {"uploads": False}
    response = post(signed_in(user), thread, ("notes.txt", b"hello"))
    assert response.status_code == 400
    assert "cannot be attached" in response.json()["error"]
    page = signed_in(user).get(reverse("chat:thread", args=[thread.pk])).content.decode()
    assert "data-composer-files" not in page


def test_a_profile_narrows_types_count_and_size(assistant, user, thread, media_root):
    thread = with_profile(
        assistant,
        thread,
        user,
        {"features": {"spontaneous_file_upload": {"accept": ["image/*"], "max_files": 1}}},
    )
    client = signed_in(user)
    refused = post(client, thread, ("report.pdf", PDF))
    assert refused.status_code == 400
    assert refused.json()["error"] == (
        "report.pdf: files of type application/pdf are not accepted here."
    )
    two = post(client, thread, ("a.png", PNG), ("b.png", PNG))
    assert two.json() == {"error": "At most 1 files can be sent at once."}
    assert post(client, thread, ("a.png", PNG)).status_code == 200

    thread = with_profile(assistant, thread, user, {"max_size_mb": 0.0001})
    big = post(client, thread, ("notes.txt", b"a" * 500))
    assert big.json()["error"].startswith("notes.txt is too large")


def test_a_profile_cannot_let_in_more_than_the_settings(assistant, user, thread, settings):
    settings.CHAT_UPLOAD_ACCEPT = ["text/*"]
    settings.CHAT_UPLOAD_MAX_FILES = 1
    thread = with_profile(assistant, thread, user, {"accept": ["*/*"], "max_files": 50})
    client = signed_in(user)
    assert post(client, thread, ("a.png", PNG)).status_code == 400
    assert post(client, thread, ("a.txt", b"x"), ("b.txt", b"y")).status_code == 400
    assert post(client, thread, ("a.txt", b"x")).status_code == 200


def test_a_question_asking_for_a_file_still_takes_one_with_uploads_off(user, thread, settings):
    settings.CHAT_UPLOADS = False
    later = (timezone.now() + timedelta(minutes=5)).isoformat()
    Message.objects.create(
        thread=thread,
        author_kind=Message.Author.ASSISTANT,
        order=1,
        content="Upload a file",
        metadata={"ask": {"kind": "file", "status": "pending", "expires_at": later}},
    )
    response = post(signed_in(user), thread, ("notes.txt", b"hello"))
    assert response.status_code == 200, response.content


def test_a_profile_may_turn_sharing_off(assistant, user, thread, settings):
    assert permissions.can_share_thread(user, thread)
    thread = with_profile(assistant, thread, user, {"features": {"allow_thread_sharing": False}})
    assert not permissions.can_share_thread(user, thread)
    response = signed_in(user).post(reverse("chat:share", args=[thread.pk]))
    assert response.status_code in (403, 404)
    thread.refresh_from_db()
    assert not thread.share_token


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        (None, {}),
        (
            {"uploads": False, "sharing": False, "cot": "hidden"},
            {"uploads": False, "sharing": False, "cot": "hidden"},
        ),
        ({"ui": {"cot": "tool_call"}}, {"cot": "tool_call"}),
        ({"accept": {"image/*": [".png"]}}, {"accept": ["image/*"]}),
        # Wrong values are left out: the settings decide.
        ({"uploads": "no", "max_files": 0, "max_size_mb": -1, "cot": "loud", "accept": [3]}, {}),
        ({"max_files": True}, {}),
    ],
)
def test_overrides_are_read_in_both_shapes_and_checked(raw, parsed):
    assert profile_config.parse(raw) == parsed


def test_a_chainlit_app_switching_features_per_profile_runs(use_assistant, user, thread):
    use_assistant(str(PORT_CHECK / "profile_switches.py"))
    client = signed_in(user)
    page = client.get(reverse("chat:thread", args=[thread.pk])).content.decode()
    assert "data-composer-files" in page  # "Pictures", the default, takes images
    thread.refresh_from_db()
    assert thread.chat_profile == "Pictures"
    assert post(client, thread, ("a.png", PNG)).status_code == 200
    assert post(client, thread, ("report.pdf", PDF)).status_code == 400
    assert permissions.can_share_thread(user, thread)

    other = make_thread(user)
    other.chat_profile = "Text only"
    other.save()
    page = client.get(reverse("chat:thread", args=[other.pk])).content.decode()
    assert "data-composer-files" not in page
    other.refresh_from_db()
    assert post(client, other, ("a.png", PNG)).json() == {
        "error": "Files cannot be attached in this chat."
    }
    assert not permissions.can_share_thread(user, other)
