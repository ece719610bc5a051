"""Custom elements: drawn from the fork's or the app's template with their props, and what
the page may ask of one, refused clearly when it names something else."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync

import chat.sdk as cl
from chat.engine import custom_elements
from chat.models import Element
from chat.rendering import elements as rendering
from chat.web.events import ElementCall, MalformedFrame, parse_frame
from tests.factories import make_message, make_thread

pytestmark = pytest.mark.django_db


def custom(thread, component: str, props: dict, kind: str = "custom") -> Element:
    message = make_message(thread)
    return Element.objects.create(
        thread=thread,
        message=message,
        kind=kind,
        name=component,
        display="inline",
        content=json.dumps(props),
        mime="application/json",
        metadata={"component": component},
    )


@pytest.fixture
def app_public(settings, tmp_path):
    """An app file next to its public/elements/, as a Chainlit project has them."""
    (tmp_path / "public" / "elements").mkdir(parents=True)
    (tmp_path / "app.py").write_text("import chat.sdk as cl\n")
    settings.CHAT_ASSISTANT = str(tmp_path / "app.py")
    return tmp_path / "public" / "elements"


def test_an_element_is_drawn_from_the_apps_template_with_its_props(thread, app_public):
    (app_public / "Badge.html").write_text('<b class="badge">{{ props.label }}</b>')
    (app_public / "Badge.js").write_text("window.ChatElements.define('Badge', function () {});")
    element = custom(thread, "Badge", {"label": "<VIP>"})
    html = rendering.element(element)
    assert '<b class="badge">&lt;VIP&gt;</b>' in html  # autoescaped
    assert 'data-custom-element="Badge"' in html
    assert 'data-element-script="/public/elements/Badge.js"' in html
    assert '"label": "\\u003CVIP\\u003E"' in html  # the props, for its script, as JSON data


def test_an_element_without_a_template_says_so_instead_of_failing(thread, app_public):
    html = rendering.element(custom(thread, "Missing", {}))
    assert "The element “Missing” cannot be shown here." in html
    html = rendering.element(custom(thread, "../../base", {}))
    assert "cannot be shown here" in html


@pytest.mark.parametrize("name", ["", "../x", "a b", "1st", "x" * 65])
def test_a_component_name_must_be_a_plain_template_name(name):
    with pytest.raises(ValueError, match="templates/elements"):
        cl.CustomElement(name=name, props={})


def test_the_sdk_element_carries_its_props_and_component():
    element = cl.CustomElement(name="Counter", props={"count": 1})
    source = element._source()
    assert source.kind == "custom"
    assert json.loads(source.content) == {"count": 1}
    assert source.metadata == {"component": "Counter"}
    assert element.to_dict()["props"] == {"count": 1}


def test_element_calls_are_parsed_and_checked():
    frame = {"type": "element_call", "element_id": "e", "op": "update", "data": '{"a": 1}'}
    assert parse_frame(json.dumps(frame)) == ElementCall(element_id="e", op="update", data={"a": 1})
    deleted = {"type": "element_call", "element_id": "e", "op": "delete", "data": ""}
    assert parse_frame(json.dumps(deleted)).data is None
    with pytest.raises(MalformedFrame, match="Unknown element call"):
        parse_frame(json.dumps({**frame, "op": "explode"}))
    with pytest.raises(MalformedFrame, match="must be JSON"):
        parse_frame(json.dumps({**frame, "data": "{nope"}))


class Pushes:
    def __init__(self, thread_id):
        self.thread_id = thread_id
        self.html: list[str] = []

    async def push(self, html: str) -> None:
        self.html.append(html)


def test_new_props_are_stored_and_pushed(thread, app_public):
    (app_public / "Counter.html").write_text("<i>{{ props.count }}</i>")
    element = custom(thread, "Counter", {"count": 1})
    emitter = Pushes(thread.pk)
    async_to_sync(custom_elements.update)(emitter, str(element.pk), {"count": 2})
    element.refresh_from_db()
    assert json.loads(element.content) == {"count": 2}
    assert "<i>2</i>" in emitter.html[0]
    assert 'hx-swap-oob="outerHTML"' in emitter.html[0]


def test_calls_naming_another_threads_or_a_plain_element_are_refused(user, thread):
    other = custom(make_thread(user), "Counter", {"count": 1})
    plain = custom(thread, "notes", {}, kind="text")
    emitter = Pushes(thread.pk)
    for element_id in (str(other.pk), str(plain.pk), "not-an-id"):
        with pytest.raises(custom_elements.ElementCallRefused, match="no longer available"):
            async_to_sync(custom_elements.update)(emitter, element_id, {"count": 9})
    with pytest.raises(custom_elements.ElementCallRefused, match="must be an object"):
        async_to_sync(custom_elements.update)(emitter, str(other.pk), [1])
    other.refresh_from_db()
    assert json.loads(other.content) == {"count": 1}
    assert emitter.html == []


def test_an_action_needs_a_name_and_a_payload_object(thread):
    element = custom(thread, "Counter", {})
    found = async_to_sync(custom_elements.action_for)(
        thread.pk, str(element.pk), {"name": "reset", "payload": {"from": 3}}
    )
    assert (found["name"], found["payload"], found["forId"]) == (
        "reset",
        {"from": 3},
        str(element.message_id),
    )
    for bad in ({"payload": {}}, {"name": "reset", "payload": [1]}, "reset"):
        with pytest.raises(custom_elements.ElementCallRefused):
            async_to_sync(custom_elements.action_for)(thread.pk, str(element.pk), bad)
