"""Elements end to end: sent by an assistant, stored, pushed, shown after a reload, and
served only to who may see the thread."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.core.files.storage import default_storage
from django.test import Client

from chat.models import Element, Message
from chat.threads import snapshot as snapshots
from chat.threads import store as threads
from tests.assistants.elements import PDF, PNG, REMOTE_IMAGE
from tests.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)

KINDS = ["text", "text", "image", "file", "pdf", "audio", "video", "plotly", "dataframe"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user):
    use_assistant("elements")
    return await open_chat(thread, user)


@sync_to_async
def page_of(user, url: str, **headers):
    client = Client()
    client.force_login(user)
    return client.get(url, **headers)


def rows_of(element_id) -> list[Element]:
    return list(Element.objects.filter(pk=element_id))


async def elements_of(message: Message) -> list[Element]:
    return [e async for e in Element.objects.filter(message=message).order_by("created_at")]


# -- every kind is stored and shown ------------------------------------------------------------
async def test_every_kind_is_stored_with_its_message_and_pushed_under_it(chat):
    await chat.send("all")
    reply = await chat.last_reply()
    stored = await elements_of(reply)
    assert [e.kind for e in stored] == KINDS
    by_name = {e.name: e for e in stored}
    assert by_name["notes"].content == "Some **markdown** text"
    assert by_name["pixel"].mime == "image/png"
    assert by_name["pixel"].size == len(PNG)
    assert by_name["paper"].mime == "application/pdf"
    assert by_name["paper"].metadata["page"] == 2
    assert by_name["report.txt"].file.read() == b"plain report"
    assert by_name["table"].mime == "text/csv"
    assert json.loads(by_name["chart"].content)["data"][0]["type"] == "bar"
    frame = await chat.tab.until(lambda f: f'id="m-{reply.id}"' in f and "el-" in f)
    for element in stored:
        assert f'id="el-{element.id}"' in frame


async def test_every_kind_is_shown_on_the_page_after_a_reload(chat, user):
    await chat.send("all")
    reply = await chat.last_reply()
    stored = await elements_of(reply)
    html = (await page_of(user, f"/threads/{chat.thread.id}/")).content.decode()
    for element in stored:
        assert f'id="el-{element.id}"' in html
    by_kind = {e.kind: e for e in stored}
    # Highlighted on the server, as code in answers is: nothing to load.
    assert re.search(
        r'<div class="element__text markdown element__code"><div class="code-block">.*'
        r'<code class="language-python"><span class="',
        html,
    )
    assert "highlight" not in html
    assert "<strong>markdown</strong>" in html
    assert f'src="/elements/{by_kind["image"].id}/file/"' in html
    assert f'src="/elements/{by_kind["pdf"].id}/file/#page=2"' in html
    assert f'<source src="/elements/{by_kind["audio"].id}/file/" type="audio/mpeg">' in html
    assert f'<source src="/elements/{by_kind["video"].id}/file/" type="video/mp4">' in html
    assert 'data-plotly-src="/static/vendor/plotly-4.1.1.min.js"' in html
    assert "<td>Oslo</td>" in html
    assert f'href="/elements/{by_kind["file"].id}/file/?download=1"' in html


async def test_a_reconnecting_tab_gets_the_elements_in_its_snapshot(chat):
    await chat.send("all")
    reply = await chat.last_reply()
    snapshot = await snapshots.asnapshot_html(chat.thread)
    for element in await elements_of(reply):
        assert f'id="el-{element.id}"' in snapshot


async def test_an_element_sent_later_for_a_message_is_shown_under_it(chat):
    await chat.send("later")
    reply = await chat.last_reply()
    [late] = await elements_of(reply)
    assert late.name == "later.txt"
    frame = await chat.tab.until(lambda f: f'id="el-{late.id}"' in f)
    assert f'id="m-{reply.id}"' in frame
    assert 'hx-swap-oob="outerHTML"' in frame


async def test_elements_of_a_streamed_message_do_not_replace_its_text(chat):
    await chat.send("stream")
    reply = await chat.last_reply()
    assert reply.content == "streaming "
    [element] = await elements_of(reply)
    assert element.name == "streamed.txt"


async def test_a_steps_elements_are_stored_under_it_and_shown_in_it(chat, user):
    await chat.send("step")
    element = await Element.objects.select_related("step").aget(name="step note")
    assert element.step.name == "draw"
    await chat.tab.until(
        lambda f: f'id="s-{element.step_id}-elements"' in f and "inside the step" in f
    )
    html = (await page_of(user, f"/threads/{chat.thread.id}/")).content.decode()
    assert f'id="el-{element.id}"' in html


async def test_a_removed_element_leaves_the_page_and_the_database(chat):
    gate = asyncio.Event()
    chat.session.user_session["gate"] = gate
    await chat.send("remove", wait=False)
    element = await _wait_for_row(name="gone.txt")
    stored = element.file.name
    assert await sync_to_async(default_storage.exists)(stored)
    gate.set()
    await chat.idle()
    assert not await Element.objects.filter(pk=element.pk).aexists()
    assert not await sync_to_async(default_storage.exists)(stored)
    await chat.tab.until(lambda f: f'id="m-{element.message_id}"' in f and "gone.txt" not in f)


# -- where the content comes from --------------------------------------------------------------
async def test_a_path_is_read_once_when_the_element_is_first_sent(chat, tmp_path, monkeypatch):
    source = tmp_path / "cat.png"
    source.write_bytes(PNG)
    opened: list[str] = []
    real_open = Path.open

    def spy(self, *args, **kwargs):
        if self == source:
            opened.append(str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy)
    gate = asyncio.Event()
    chat.session.user_session.update(path=str(source), gate=gate)
    await chat.send("path", wait=False)
    element = await _wait_for_row(name="from disk")
    # The copy is what is shown: the source may change or go away.
    source.unlink()
    gate.set()
    await chat.idle()

    assert opened == [str(source)]
    reply = await chat.last_reply()
    assert reply.content == "from a path, updated"
    assert not reply.is_error
    element = await Element.objects.aget(pk=element.pk)
    assert element.file.read() == PNG
    assert await Element.objects.filter(name="from disk").acount() == 1


async def test_a_url_is_given_to_the_browser_and_never_fetched(chat, user, monkeypatch):
    looked_up: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def spy(host, *args, **kwargs):
        looked_up.append(str(host))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", spy)
    await chat.send("url")
    [element] = await elements_of(await chat.last_reply())
    assert (element.url, bool(element.file), element.size) == (REMOTE_IMAGE, False, 0)
    html = (await page_of(user, f"/threads/{chat.thread.id}/")).content.decode()
    assert f'src="{REMOTE_IMAGE}"' in html
    response = await page_of(user, f"/elements/{element.id}/file/")
    assert response.status_code == 404
    assert not [host for host in looked_up if "example.org" in host]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi", "//evil.example/x"])
def test_only_http_urls_and_site_paths_are_accepted(url):
    import chat.sdk as cl

    with pytest.raises(ValueError, match="http"):
        cl.Image(name="bad", url=url)


def test_an_element_needs_a_path_content_or_url():
    import chat.sdk as cl

    with pytest.raises(ValueError, match="url, path or content"):
        cl.File(name="nothing")
    with pytest.raises(ValueError, match="display"):
        cl.File(name="x", content=b"x", display="floating")


# -- side and page display ---------------------------------------------------------------------
async def test_a_side_elements_name_in_the_text_opens_it_in_the_side_panel(chat, user):
    await chat.send("side")
    reply = await chat.last_reply()
    elements = {e.name: e for e in await elements_of(reply)}
    cat, aside, paper = elements["cat image"], elements["unmentioned"], elements["the paper"]
    html = (await page_of(user, f"/threads/{chat.thread.id}/")).content.decode()
    # Named in the text: the name is the link; not named: a link of its own under the text.
    assert re.search(rf'<a href="/elements/{cat.id}/\?display=side"[^>]*>cat image</a>', html)
    assert f'href="/elements/{aside.id}/?display=side" data-element-display="side"' in html
    assert f'href="/elements/{paper.id}/" data-element-display="page"' in html
    # Side and page elements are not shown inline.
    assert f'id="el-{cat.id}"' not in html
    assert 'id="element-panel"' in html

    panel = await page_of(user, f"/elements/{cat.id}/", HTTP_HX_REQUEST="true")
    body = panel.content.decode()
    assert 'id="element-panel-title"' in body
    assert "<html" not in body
    assert f'id="el-{cat.id}-panel"' in body

    full = await page_of(user, f"/elements/{paper.id}/")
    assert full.status_code == 200
    assert "<html" in full.content.decode()
    assert f'id="el-{paper.id}-page"' in full.content.decode()


# -- serving files -----------------------------------------------------------------------------
async def test_files_are_served_to_the_owner_with_safe_headers(chat, user):
    await chat.send("all")
    by_kind = {e.kind: e for e in await elements_of(await chat.last_reply())}

    image = await page_of(user, f"/elements/{by_kind['image'].id}/file/")
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert image["Content-Disposition"].startswith("inline")
    assert image["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in image["Content-Security-Policy"]
    assert b"".join(image.streaming_content) == PNG

    pdf = await page_of(user, f"/elements/{by_kind['pdf'].id}/file/")
    assert (pdf["Content-Type"], pdf["Content-Disposition"].split(";")[0]) == (
        "application/pdf",
        "inline",
    )
    assert pdf["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(pdf.streaming_content) == PDF

    file = await page_of(user, f"/elements/{by_kind['file'].id}/file/")
    assert file["Content-Disposition"] == 'attachment; filename="report.txt"'

    download = await page_of(user, f"/elements/{by_kind['image'].id}/file/?download=1")
    assert download["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<!doctype html><script>alert(1)</script>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ],
)
async def test_html_and_svg_are_never_served_inline_as_documents(thread, user, name, content):
    from chat.engine.elements import ElementSource, _store

    message = await sync_to_async(make_message)(thread, "files", author_kind="assistant")
    source = ElementSource(
        id=str(uuid.uuid4()), kind="image", name=name, content=content,
        for_id=str(message.id),
    )  # fmt: skip
    element, _ = await sync_to_async(_store)(thread.id, source)
    response = await page_of(user, f"/elements/{element.id}/file/")
    assert response["Content-Disposition"].startswith("attachment")
    assert not response["Content-Type"].startswith("text/html")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


async def test_another_users_element_is_not_found(chat, other_user):
    await chat.send("all")
    stored = await elements_of(await chat.last_reply())
    for element in stored:
        for url in (
            f"/elements/{element.id}/",
            f"/elements/{element.id}/file/",
            f"/elements/{element.id}/rows/?page=2",
        ):
            response = await page_of(other_user, url, HTTP_HX_REQUEST="true")
            assert response.status_code == 404, url
    assert (await page_of(other_user, "/elements/not-a-uuid/file/")).status_code == 404


async def test_a_signed_out_visitor_is_sent_to_sign_in(chat):
    await chat.send("later")
    [element] = await elements_of(await chat.last_reply())
    response = await sync_to_async(Client().get)(f"/elements/{element.id}/file/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# -- task lists --------------------------------------------------------------------------------
async def test_a_task_list_sent_again_is_re_rendered_in_place(chat, user):
    gate = asyncio.Event()
    chat.session.user_session["gate"] = gate
    await chat.send("tasks", wait=False)
    element = await _wait_for_row(kind="tasklist")
    appended = await chat.tab.until(lambda f: 'id="task-lists"' in f and "Running..." in f)
    assert 'hx-swap-oob="outerHTML"' in appended
    assert f'id="el-{element.id}"' in appended
    assert "Running..." in appended
    assert "task--running" in appended
    assert "0 of 2 done" in appended
    gate.set()
    await chat.idle()

    update = await chat.tab.until(lambda f: "Failed" in f and f'id="el-{element.id}"' in f)
    assert 'hx-swap-oob="outerHTML"' in update
    assert "beforeend" not in update
    assert "task--done" in update
    assert "task--failed" in update
    assert await Element.objects.filter(kind="tasklist").acount() == 1
    stored = json.loads((await Element.objects.aget(pk=element.pk)).content)
    assert [t["status"] for t in stored["tasks"]] == ["done", "failed"]

    html = (await page_of(user, f"/threads/{chat.thread.id}/")).content.decode()
    panel = html[html.index('id="task-lists"') :]
    assert f'id="el-{element.id}"' in panel
    assert "Failed" in panel
    assert 'id="task-lists"' in await snapshots.asnapshot_html(chat.thread)


# -- tables ------------------------------------------------------------------------------------
async def test_a_big_dataframe_is_paginated_on_the_server(chat, user):
    await chat.send("table 123")
    [element] = await elements_of(await chat.last_reply())
    assert element.metadata["rows"] == 123
    assert element.metadata["columns"] == ["n", "square"]
    assert len(element.metadata["head"]) == 10

    html = (await page_of(user, f"/threads/{chat.thread.id}/")).content.decode()
    assert _cells(html, element.id, "n") == [str(i) for i in range(1, 11)]
    assert "Rows 1\u201310 of 123" in html
    assert "Page 1 of 13" in html

    second = await page_of(
        user, f"/elements/{element.id}/rows/?page=2&place=inline", HTTP_HX_REQUEST="true"
    )
    body = second.content.decode()
    assert body.lstrip().startswith(f'<figure id="el-{element.id}"')
    assert _cells(body, element.id, "n") == [str(i) for i in range(11, 21)]
    assert '<td class="num">400</td>' in body  # 20 squared, a number column aligned right

    last = await page_of(user, f"/elements/{element.id}/rows/?page=99", HTTP_HX_REQUEST="true")
    assert _cells(last.content.decode(), element.id, "n") == ["121", "122", "123"]

    page = await page_of(user, f"/elements/{element.id}/?page=2")
    assert _cells(page.content.decode(), element.id, "n") == [str(i) for i in range(51, 101)]

    plain = await page_of(user, f"/elements/{element.id}/rows/?page=3")
    assert plain.status_code == 302
    assert plain["Location"] == f"/elements/{element.id}/?page=3"


def test_the_dataframe_class_imports_without_pandas():
    """pandas is an optional extra: without it the SDK imports, and only a Dataframe fails."""
    script = (
        "import sys; sys.modules['pandas'] = None\n"
        "import django; django.setup()\n"
        "import chat.sdk as cl\n"
        "try:\n"
        "    cl.Dataframe(name='x', data=[1, 2])\n"
        "except TypeError as error:\n"
        "    print('refused:', error)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "chatproject.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60,
        cwd=Path(__file__).resolve().parents[3], check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "refused: data must be a pandas.DataFrame" in done.stdout


# -- a user's uploads --------------------------------------------------------------------------
async def test_a_users_upload_is_shown_under_their_message_and_copied_into_an_answer(chat, user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    @sync_to_async
    def upload():
        client = Client()
        client.force_login(user)
        image = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
        return client.post(f"/threads/{chat.thread.id}/uploads/", {"files": [image]}).json()

    [uploaded] = (await upload())["files"]
    await chat.session.receive_message("echo-files", uuid.uuid4().hex, (uploaded["id"],))
    await chat.idle()
    original = await Element.objects.aget(pk=uploaded["id"])
    reply = await chat.last_reply()
    [copy] = await elements_of(reply)
    assert original.message_id != reply.id
    assert original.metadata["upload"] == "attached"
    assert (copy.name, copy.kind, copy.mime) == ("photo.png", "image", "image/png")
    assert copy.file.name != original.file.name
    assert copy.file.read() == PNG

    html = (await page_of(user, f"/threads/{chat.thread.id}/")).content.decode()
    mine = html[html.index(f'id="m-{original.message_id}"') :]
    assert f'id="el-{original.id}"' in mine
    assert f'src="/elements/{original.id}/file/"' in mine
    assert f'id="el-{copy.id}"' in html


async def test_on_chat_resume_gets_the_threads_elements(chat):
    await chat.send("later")
    [element] = await elements_of(await chat.last_reply())
    thread = await threads.load_thread(chat.thread.id)
    [entry] = (await threads.thread_dict(thread))["elements"]
    assert entry == {
        "id": str(element.id),
        "threadId": str(chat.thread.id),
        "type": "file",
        "name": "later.txt",
        "display": "inline",
        "url": f"/elements/{element.id}/file/",
        "mime": "text/plain",
        "forId": str(element.message_id),
        "size": None,
        "language": None,
        "page": None,
    }


# -- helpers -----------------------------------------------------------------------------------
async def _wait_for_row(**lookup) -> Element:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10.0
    while loop.time() < deadline:
        found = await Element.objects.filter(**lookup).afirst()
        if found is not None:
            return found
        await asyncio.sleep(0.02)
    pytest.fail(f"No element with {lookup} within 10 s")


def _cells(html: str, element_id, column: str) -> list[str]:
    """The first column's cells of the element's table in this HTML."""
    start = html.index(f'id="el-{element_id}')
    table = html[start : html.index("</table>", start)]
    return re.findall(r"<tr><td[^>]*>([^<]*)</td>", table)
