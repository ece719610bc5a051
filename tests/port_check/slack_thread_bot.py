"""A Slack bot written as a Chainlit app: it answers with what the Slack thread said so
far (Chainlit's `fetch_slack_message_history`), from the event Slack sent (`slack_event`),
and thanks people who react to its answers.

A Chainlit app: only `import chainlit as cl` became `import chat.sdk as cl`.
"""

import chat.sdk as cl


@cl.on_message
async def main(message: cl.Message):
    event = cl.user_session.get("slack_event")
    fetch_history = cl.user_session.get("fetch_slack_message_history")
    history = await fetch_history(limit=10)
    said = [m.get("text", "") for m in history if m.get("ts") != event["ts"]]
    await cl.Message(
        content=f"In {event['channel']} before you asked: {' / '.join(said) or 'nothing'}"
    ).send()


@cl.on_slack_reaction_added
async def thank(event):
    await cl.Message(content=f"Thanks for the :{event['reaction']}:").send()
