"""A Chainlit app using the settings form's widgets runs with its import changed: the
person's choices reach its hooks typed as in Chainlit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chat.web.test_consumers import connect, path_of  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)

APP = Path(__file__).resolve().parents[2] / "port_check" / "triage_settings.py"


async def test_the_triage_app_plans_from_every_widget_the_person_set(
    use_assistant,
    connect,  # noqa: F811
    thread,
    user,
):
    use_assistant(str(APP))
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await socket.until(lambda f: "Choose the queues" in f)
    await socket.say("what now?")
    await socket.until(lambda f: "Triage billing: unassigned tickets, oldest first" in f)

    await socket.send(
        **{
            "type": "settings",
            "setting:queues": ["access", "hardware"],
            "setting:limit": "5",
            "setting:order": "newest",
            "setting:opened": ["2026-11-01", "2026-11-30"],
            "setting:urgency": "4",
        }
    )

    await socket.until(
        lambda f: (
            "Triage access, hardware: all tickets, newest first, at most 5, urgency 4+, "
            "opened 2026-11-01 to 2026-11-30." in f
        )
    )
