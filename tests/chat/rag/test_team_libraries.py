"""Team libraries: a group's documents, kept by its managers, searched by its members and
nobody else; a private library never reaches anyone but its owner (through retrieval,
`cl.rag.search` and the default assistant). Runs on both backends; the pgvector path has
its own case in pgvector_cases.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import AsyncClient

from chat.rag.index import index_document
from chat.rag.models import Document, TeamLibrary
from chat.rag.retrieval import search
from tests.drivers import wait_for
from tests.factories import make_thread, make_user

pytestmark = pytest.mark.django_db(transaction=True)
DEFAULT = str(Path(__file__).resolve().parents[3] / "chat" / "assistants" / "default.py")
SEARCHER = "rag_search"

PRIVATE = b"Alice's salary review: the raise is eleven percent from March."
TEAM = b"Support rota: the weekend pager is held by the Lisbon office in December."
QUESTION_PRIVATE = "What is the salary raise?"
QUESTION_TEAM = "Who holds the weekend pager?"


@sync_to_async
def setup_people() -> dict:
    support = Group.objects.create(name="support")
    team = TeamLibrary.objects.create(group=support)
    alice, bob, carol = (make_user(f"{n}@corp.example") for n in ("alice", "bob", "carol"))
    for person in (alice, bob):
        person.groups.add(support)
    team.managers.add(alice)
    return {"alice": alice, "bob": bob, "carol": carol, "team": team, "group": support}


async def ready(owner, name: str, data: bytes, *, team: TeamLibrary | None = None) -> Document:
    """A library document (personal, or the team's), read and indexed."""

    @sync_to_async
    def create() -> Document:
        return Document.objects.create(
            owner=owner,
            library=team,
            name=name,
            mime="text/plain",
            file=SimpleUploadedFile(name, data),
            size=len(data),
        )

    document = await create()
    result = await index_document(document)
    await document.aset(status=Document.Status.READY, chunk_count=result.chunks)
    return document


async def found(person, question: str, thread=None) -> list[str]:
    hits = await sync_to_async(search)(
        question, owner_id=person.pk, thread_id=getattr(thread, "pk", None), k=5
    )
    return [h.chunk.document.name for h in hits]


async def test_members_search_the_team_library_and_nobody_else_does():
    people = await setup_people()
    await ready(people["alice"], "rota.txt", TEAM, team=people["team"])
    bob_thread = await sync_to_async(make_thread)(people["bob"])
    assert await found(people["bob"], QUESTION_TEAM) == ["rota.txt"]
    assert await found(people["bob"], QUESTION_TEAM, bob_thread) == ["rota.txt"]
    assert await found(people["alice"], QUESTION_TEAM) == ["rota.txt"]
    assert await found(people["carol"], QUESTION_TEAM) == []
    carol_thread = await sync_to_async(make_thread)(people["carol"])
    assert await found(people["carol"], QUESTION_TEAM, carol_thread) == []


async def test_a_private_library_stays_private_inside_the_same_group():
    people = await setup_people()
    await ready(people["alice"], "salary.txt", PRIVATE)
    assert await found(people["alice"], QUESTION_PRIVATE) == ["salary.txt"]
    for other in ("bob", "carol"):
        assert await found(people[other], QUESTION_PRIVATE) == []
        thread = await sync_to_async(make_thread)(people[other])
        assert await found(people[other], QUESTION_PRIVATE, thread) == []


async def test_leaving_the_group_takes_the_library_out_of_the_next_search():
    people = await setup_people()
    await ready(people["alice"], "rota.txt", TEAM, team=people["team"])
    assert await found(people["bob"], QUESTION_TEAM) == ["rota.txt"]
    await sync_to_async(people["bob"].groups.remove)(people["group"])
    assert await found(people["bob"], QUESTION_TEAM) == []
    # Its uploader reads it as a member only: out of the group, out of the library.
    await sync_to_async(people["alice"].groups.remove)(people["group"])
    assert await found(people["alice"], QUESTION_TEAM) == []


async def test_cl_rag_search_and_the_default_assistant_never_leak(use_assistant, open_chat):
    people = await setup_people()
    await ready(people["alice"], "salary.txt", PRIVATE)
    await ready(people["alice"], "rota.txt", TEAM, team=people["team"])

    async def ask(assistant: str, person: str, question: str) -> str:
        use_assistant(assistant)
        thread = await sync_to_async(make_thread)(people[person])
        chat = await open_chat(thread, people[person])
        await chat.send(question)
        return (await chat.last_reply()).content

    # cl.rag.search, as an assistant of a fork calls it.
    assert "salary.txt" in await ask(SEARCHER, "alice", QUESTION_PRIVATE)
    assert "salary.txt" not in await ask(SEARCHER, "bob", QUESTION_PRIVATE)
    assert "rota.txt" in await ask(SEARCHER, "bob", QUESTION_TEAM)
    carol_says = await ask(SEARCHER, "carol", QUESTION_TEAM + " " + QUESTION_PRIVATE)
    assert "rota.txt" not in carol_says
    assert "salary.txt" not in carol_says
    # The default assistant answers from documents and cites them.
    bob_says = await ask(DEFAULT, "bob", QUESTION_TEAM)
    assert "Lisbon" in bob_says
    assert "Source: rota.txt" in bob_says
    carol_says = await ask(DEFAULT, "carol", QUESTION_TEAM)
    assert "Lisbon" not in carol_says
    assert "rota.txt" not in carol_says
    assert "eleven percent" not in await ask(DEFAULT, "bob", QUESTION_PRIVATE)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


async def client_for(person) -> AsyncClient:
    client = AsyncClient()
    await client.aforce_login(person)
    return client


async def test_a_manager_uploads_from_the_library_page_and_members_see_it(settings):
    settings.CHAT_JOBS_IN_PROCESS = True
    people = await setup_people()
    team_id = people["group"].pk
    alice = await client_for(people["alice"])
    page = (await alice.get("/library/")).content.decode()
    assert "Team library: support" in page
    assert f'action="/library/team/{team_id}/upload/"' in page
    response = await alice.post(
        f"/library/team/{team_id}/upload/",
        {"files": [SimpleUploadedFile("rota.txt", TEAM)]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "rota.txt" in response.content.decode()

    async def read() -> bool:
        return await Document.objects.filter(library=people["team"], status="ready").aexists()

    await wait_for(read, within=30, what="the team document read")
    document = await Document.objects.aget(library=people["team"])
    # Not in Alice's own list: it is the team's.
    assert "rota.txt" not in (await alice.get("/library/list/")).content.decode()
    assert await found(people["bob"], QUESTION_TEAM) == ["rota.txt"]

    bob = await client_for(people["bob"])
    page = (await bob.get("/library/")).content.decode()
    assert "Team library: support" in page
    assert "rota.txt" in page
    assert "/upload/" not in page.split("Team library: support")[1]
    assert f"/library/team/{team_id}/{document.pk}/delete/" not in page
    for url in (
        f"/library/team/{team_id}/upload/",
        f"/library/team/{team_id}/{document.pk}/delete/",
        f"/library/team/{team_id}/{document.pk}/retry/",
    ):
        assert (await bob.post(url)).status_code == 404

    carol = await client_for(people["carol"])
    assert "Team library" not in (await carol.get("/library/")).content.decode()
    assert (await carol.get(f"/library/team/{team_id}/list/")).status_code == 404
    # Carol's own library has no way to it either.
    assert (await carol.post(f"/library/{document.pk}/delete/")).status_code == 404

    deleted = await alice.post(
        f"/library/team/{team_id}/{document.pk}/delete/", headers={"HX-Request": "true"}
    )
    assert deleted.status_code == 200
    assert not await Document.objects.filter(pk=document.pk).aexists()
    assert await found(people["bob"], QUESTION_TEAM) == []


async def test_a_manager_taken_out_of_the_group_manages_it_no_more():
    people = await setup_people()
    await sync_to_async(people["alice"].groups.remove)(people["group"])
    alice = await client_for(people["alice"])
    assert "Team library" not in (await alice.get("/library/")).content.decode()
    response = await alice.post(
        f"/library/team/{people['group'].pk}/upload/",
        {"files": [SimpleUploadedFile("rota.txt", TEAM)]},
    )
    assert response.status_code == 404
    assert not await Document.objects.aexists()


async def test_a_team_librarys_files_go_with_its_group():
    from django.core.files.storage import default_storage

    people = await setup_people()
    document = await ready(people["alice"], "rota.txt", TEAM, team=people["team"])
    name = document.file.name
    assert await sync_to_async(default_storage.exists)(name)
    await people["group"].adelete()
    assert not await Document.objects.filter(pk=document.pk).aexists()
    assert not await sync_to_async(default_storage.exists)(name)
