"""A ticket-triage app whose chat settings use Chainlit's form widgets: a number, a
checkbox, radio buttons, a multiple choice, a date range and a slider.

A Chainlit app: only `chainlit` became `chat.sdk` in its imports. Run it with:
    python manage.py runchat tests/port_check/triage_settings.py
"""

import chat.sdk as cl
from chat.sdk.input_widget import (
    Checkbox,
    DatePicker,
    MultiSelect,
    NumberInput,
    RadioGroup,
    Slider,
)


@cl.on_chat_start
async def start():
    await cl.ChatSettings(
        [
            MultiSelect(
                id="queues",
                label="Queues",
                items={"Billing": "billing", "Access": "access", "Hardware": "hardware"},
                initial=["billing"],
            ),
            NumberInput(id="limit", label="Tickets at most", initial=20),
            Checkbox(id="unassigned", label="Unassigned only", initial=True),
            RadioGroup(
                id="order", label="Order", values=["oldest", "newest"], initial_value="oldest"
            ),
            DatePicker(id="opened", label="Opened", mode="range"),
            Slider(id="urgency", label="Urgency at least", initial=2, min=1, max=5, step=1),
        ]
    ).send()
    await cl.Message(content="Choose the queues to triage in the settings.").send()


@cl.on_settings_update
async def settings_changed(settings: dict):
    await cl.Message(content=plan(settings)).send()


@cl.on_message
async def main(message: cl.Message):
    await cl.Message(content=plan(cl.user_session.get("chat_settings"))).send()


def plan(settings: dict) -> str:
    who = "unassigned" if settings["unassigned"] else "all"
    opened = settings.get("opened") or ["any", "any"]
    return (
        f"Triage {', '.join(settings['queues'])}: {who} tickets, {settings['order']} first, "
        f"at most {settings['limit']}, urgency {settings['urgency']}+, "
        f"opened {opened[0]} to {opened[1]}."
    )
