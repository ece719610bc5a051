"""The headless session: the same hooks answer a platform conversation, and everything is
still stored and pushed to the thread's open tabs."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings

from chat.models import Message, Thread
from chat.platforms import headless
from chat.platforms.sink import OutMessage, PlatformSink
from tests.drivers import GroupListener, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


class RecordingSink(PlatformSink):
    """A platform that keeps what it was asked to show."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[str, OutMessage | str]] = []

    async def post(self, message: OutMessage) -> str:
        self.log.append(("post", message))
        return message.id

    async def edit(self, ref: str, message: OutMessage) -> None:
        self.log.append(("edit", message))

    async def delete(self, ref: str) -> None:
        self.log.append(("delete", ref))

    async def notice(self, text: str) -> None:
        self.log.append(("notice", text))

    def final(self) -> OutMessage | None:
        shown = [m for kind, m in self.log if kind in ("post", "edit")]
        return shown[-1] if shown and not shown[-1].streaming else None


async def deliver(user, text: str, sink: RecordingSink, source: str = "slack") -> None:
    await headless.deliver_message(
        source=source,
        external_id="C1:1.0",
        person=user,
        text=text,
        client_id=uuid.uuid4().hex,
        make_sink=lambda: sink,
    )


async def test_a_platform_message_runs_the_hooks_and_is_stored_and_pushed(conversations, user):
    sink = RecordingSink()
    await deliver(user, "hi", sink)
    thread = await Thread.objects.aget(source="slack", external_id="C1:1.0")
    thread_tab = GroupListener(thread.id)
    await thread_tab.start()
    await deliver(user, "again", sink)
    await wait_for(lambda: sink.final() and "again" in sink.final().content, what="the answer")
    assert sink.final().content.strip() == "echo from slack: again"
    # An open browser tab of the thread sees the answer too.
    await thread_tab.until(lambda html: "again" in html)
    await thread_tab.stop()
    stored = [m async for m in Message.objects.filter(thread=thread).order_by("order")]
    assert [m.content for m in stored if m.author_kind == "user"] == ["hi", "again"]
    # The person's own messages are not posted back to the platform.
    assert all(m.author == "Assistant" for kind, m in sink.log if kind == "post")


async def test_hooks_read_the_client_type_as_chainlit_names_it(conversations, user):
    for source in ("slack", "discord", "teams"):
        sink = RecordingSink()
        await headless.deliver_message(
            source=source,
            external_id=f"{source}-conversation",
            person=user,
            text="who",
            client_id=uuid.uuid4().hex,
            make_sink=lambda sink=sink: sink,
        )
        await wait_for(lambda sink=sink: sink.final(), what="the answer")
        assert sink.final().content.strip() == f"echo from {source}: who"
        thread = await Thread.objects.aget(source=source)
        session = headless.conversations().sessions[str(thread.id)]
        assert session.user_session["client_type_at_start"] == source


async def test_a_streamed_answer_is_edited_at_a_calm_rate_then_finally(conversations, user):
    sink = RecordingSink()
    with override_settings(CHAT_PLATFORM_EDIT_SECONDS=0.2):
        await deliver(user, "stream 20", sink)
        await wait_for(lambda: sink.final() and "t19" in sink.final().content, what="the end")
    edits = [m for kind, m in sink.log if kind == "edit"]
    streaming = [m for m in edits if m.streaming]
    assert streaming, "no edit while streaming"
    assert len(edits) < 20
    assert [len(m.content) for m in streaming] == sorted(len(m.content) for m in streaming)
    assert sink.final().content == "".join(f"t{i} " for i in range(20))


async def test_buttons_reach_the_platform_and_a_click_runs_the_callback(conversations, user):
    sink = RecordingSink()
    await deliver(user, "buttons", sink)
    await wait_for(lambda: sink.final() and sink.final().buttons, what="the buttons")
    value = sink.final().buttons[0].value
    await headless.deliver_click(
        source="slack", external_id="C1:1.0", value=value, make_sink=lambda: sink
    )
    await wait_for(lambda: sink.final() and sink.final().content == "picked 1", what="a click")


async def test_a_forged_or_foreign_button_value_does_nothing(conversations, user):
    sink = RecordingSink()
    await deliver(user, "buttons", sink)
    await wait_for(lambda: sink.final() and sink.final().buttons, what="the buttons")
    before = len(sink.log)
    assert (
        await headless.deliver_click(
            source="slack", external_id="C1:1.0", value="junk", make_sink=lambda: sink
        )
        is None
    )
    await headless.deliver_click(
        source="slack",
        external_id="C1:1.0",
        value=f"a:{uuid.uuid4()}:{uuid.uuid4()}",
        make_sink=lambda: sink,
    )
    assert sink.log[before:] == [("notice", "This button is no longer available.")]


async def test_elements_become_named_links_under_the_message(conversations, user):
    sink = RecordingSink()
    with override_settings(CHAT_PUBLIC_URL="https://chat.example.com"):
        await deliver(user, "file", sink)
        await wait_for(lambda: sink.final() and sink.final().elements, what="the element")
    element = sink.final().elements[0]
    assert element.name == "note.txt"
    assert element.url.startswith("https://chat.example.com/elements/")
    assert element.text == "a line of the note"


async def test_an_idle_conversation_closes_and_the_next_event_resumes_it(conversations, user):
    sink = RecordingSink()
    with override_settings(CHAT_PLATFORM_IDLE_SECONDS=0.1):
        await deliver(user, "one", sink)
        await wait_for(lambda: sink.final(), what="the first answer")
        await wait_for(lambda: not headless.conversations().sessions, what="the session closed")
    await deliver(user, "two", sink)
    await wait_for(lambda: sink.final() and "two" in sink.final().content, what="the answer")
    assert await Thread.objects.acount() == 1
