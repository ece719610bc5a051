"""A person's own data from their account page: all of it as one zip, or the account
deleted with everything in it (rows and files counted: none left)."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse

from accounts import my_data
from chat.engine import uploads
from chat.models import Feedback, Message
from chat.rag import library
from chat.rag.models import Document, TeamLibrary
from tests.factories import make_message, make_thread, make_user

pytestmark = pytest.mark.django_db
User = get_user_model()
LIMITS = uploads.Limits(accept=("*/*",), max_bytes=20 * 1024 * 1024, max_files=10)
PAGE = reverse("my_data")
DOWNLOAD = reverse("download_my_data")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CHAT_JOBS_IN_PROCESS = True


def kept_by(person, title: str, file_data: bytes) -> dict:
    """A conversation with a question, an answer, a rating and a file; a library document."""
    thread = make_thread(person, title=title)
    question = make_message(thread, f"{title}: what is the plan?")
    answer = make_message(thread, f"{title}: the plan", author_kind=Message.Author.ASSISTANT)
    Feedback.objects.create(thread=thread, message=answer, user=person, value=1, comment="good")
    [element] = uploads.store(thread, person, [SimpleUploadedFile("notes.txt", file_data)], LIMITS)
    element.message = question
    element.save(update_fields=["message"])
    [document] = library.store(person, [SimpleUploadedFile("handbook.md", b"# Handbook")], LIMITS)
    return {"thread": thread, "element": element, "document": document}


def stored_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_the_account_page_offers_both_with_labels(client, user):
    client.force_login(user)
    page = client.get(PAGE).content.decode()
    assert f'href="{DOWNLOAD}"' in page
    assert f"To confirm, type your email address ({user.email})" in page
    assert 'aria-describedby="delete-warning"' in page
    assert reverse("my_data") in client.get("/", follow=True).content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in (PAGE, DOWNLOAD):
        assert client.get(url)["Location"].startswith(reverse("account_login"))


def test_download_my_data_holds_every_conversation_and_file_and_nobody_elses(client, user):
    mine = kept_by(user, "Budget", b"my own notes")
    second = make_thread(user, title="Second")
    make_message(second, "another question")
    kept_by(make_user("other@example.com"), "Secret", b"not yours")
    client.force_login(user)

    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    names = set(archive.namelist())
    account = json.loads(archive.read("account.json"))
    assert account["email"] == user.email
    thread_id = str(mine["thread"].pk)
    conversation = json.loads(archive.read(f"conversations/{thread_id}.json"))
    assert conversation["title"] == "Budget"
    assert [m["content"] for m in conversation["messages"]] == [
        "Budget: what is the plan?",
        "Budget: the plan",
    ]
    assert conversation["messages"][1]["feedback"][0]["comment"] == "good"
    assert f"conversations/{second.pk}.json" in names
    element = mine["element"]
    assert archive.read(f"files/{thread_id}/{element.pk}/notes.txt") == b"my own notes"
    [entry] = json.loads(archive.read("library.json"))
    assert entry["name"] == "handbook.md"
    assert archive.read(entry["file"]) == b"# Handbook"
    everything = b"".join(archive.read(name) for name in names)
    assert b"Secret" not in everything
    assert b"not yours" not in everything
    assert len([n for n in names if n.startswith("conversations/")]) == 2


def test_the_download_streams_in_pieces_however_big_the_files(user):
    thread = make_thread(user)
    big = os.urandom(6 * 1024 * 1024)  # incompressible: the zip is as big as the file
    uploads.store(thread, user, [SimpleUploadedFile("big.bin", big)], LIMITS)
    pieces = list(my_data.zip_chunks(user))
    assert sum(len(p) for p in pieces) > len(big)
    # Never more than a block or so at once: the file is copied, not held.
    assert max(len(p) for p in pieces) < 512 * 1024
    archive = zipfile.ZipFile(io.BytesIO(b"".join(pieces)))
    [name] = [n for n in archive.namelist() if n.startswith("files/")]
    assert archive.read(name) == big


def test_a_file_missing_from_storage_leaves_it_out_not_the_download(client, user):
    mine = kept_by(user, "Budget", b"gone soon")
    default_storage.delete(mine["element"].file.name)
    client.force_login(user)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(client.get(DOWNLOAD).streaming_content)))
    assert f"conversations/{mine['thread'].pk}.json" in archive.namelist()
    assert not [n for n in archive.namelist() if n.startswith("files/")]


def rows_of(pk) -> dict[str, int]:
    """Rows in any table that point at this account, by model."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            related = getattr(field, "related_model", None)
            if related is User and isinstance(field, models.ForeignKey):
                count = model._default_manager.filter(**{field.name: pk}).count()
                if count:
                    counts[f"{model._meta.label}.{field.name}"] = count
    return counts


def test_deleting_the_account_leaves_no_row_and_no_file_of_theirs(
    client, user, settings, django_capture_on_commit_callbacks
):
    root = Path(settings.MEDIA_ROOT)
    other = make_user("other@example.com")
    kept_by(other, "Theirs", b"their notes")
    others_files = stored_files(root)
    kept_by(user, "Budget", b"my notes")
    second = make_thread(user)
    make_message(second, "more")
    user.groups.add(Group.objects.create(name="support"))
    assert rows_of(user.pk)
    assert stored_files(root) - others_files

    client.force_login(user)
    # Files go once the deletion is committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, {"email": user.email.upper()})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")

    assert not User.objects.filter(pk=user.pk).exists()
    assert rows_of(user.pk) == {}
    assert stored_files(root) == others_files
    # Signed out, and nobody else's data touched.
    assert client.get("/")["Location"].startswith(reverse("account_login"))
    assert other.threads.count() == 1
    assert Document.objects.filter(owner=other).count() == 1


def test_a_wrong_address_deletes_nothing_and_says_why(client, user):
    kept_by(user, "Budget", b"my notes")
    client.force_login(user)
    for typed in ("", "someone@example.com"):
        response = client.post(PAGE, {"email": typed})
        assert response.status_code == 400
        assert 'role="alert"' in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()
    assert user.threads.count() == 1
    assert client.get(PAGE).status_code == 200  # still signed in


def test_a_team_document_they_uploaded_stays_with_the_team(user):
    team = TeamLibrary.objects.create(group=Group.objects.create(name="support"))
    colleague = make_user("colleague@example.com")
    team.managers.add(user, colleague)
    [shared] = library.store(user, [SimpleUploadedFile("rota.txt", b"rota")], LIMITS, team=team)
    my_data.delete_account(user)
    shared.refresh_from_db()
    assert shared.owner == colleague
    assert default_storage.exists(shared.file.name)
