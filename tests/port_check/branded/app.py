"""A support bot written as a Chainlit project: `app.py` with a `public/` folder beside it
(a logo per theme, a favicon, the bot's avatar), a password check on names, and a
feedback hook that thanks the user. Run it from anywhere with:
    python manage.py runchat tests/port_check/branded/app.py

A Chainlit app: only `chainlit` became `chat.sdk` in its imports.
"""

import chat.sdk as cl
from chat.sdk.config import config

BOT = "Support Bot"


@cl.password_auth_callback
def auth_callback(username: str, password: str):
    if (username, password) == ("admin", "admin"):
        return cl.User(identifier="admin", metadata={"role": "admin", "provider": "credentials"})
    return None


@cl.on_chat_start
async def start():
    user = cl.user_session.get("user")
    await cl.Message(content=f"Welcome to {config.ui.name}, {user.identifier}!", author=BOT).send()


@cl.on_message
async def main(message: cl.Message):
    await cl.Message(content=f"You asked: {message.content}", author=BOT).send()


@cl.on_feedback
async def on_feedback(feedback: cl.types.Feedback):
    thanks = "Glad it helped" if feedback.value == 1 else "Sorry about that"
    await cl.Message(content=f"{thanks}: thanks for the rating.", author=BOT).send()
