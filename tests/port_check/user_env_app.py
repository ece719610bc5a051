"""An app where each person brings their own API key, as Chainlit's `user_env` asks for it.

A Chainlit app: only `chainlit` became `chat.sdk` in its imports; its `.chainlit/config.toml`
`user_env = ["OPENAI_API_KEY"]` became `CHAT_USER_ENV=OPENAI_API_KEY`. Run it with:
    CHAT_USER_ENV=OPENAI_API_KEY python manage.py runchat tests/port_check/user_env_app.py
"""

import chat.sdk as cl


@cl.on_chat_start
async def start():
    key = cl.user_session.get("env").get("OPENAI_API_KEY", "")
    await cl.Message(content=f"Your key ends in {key[-4:]}.").send()


@cl.on_message
async def on_message(message: cl.Message):
    env = cl.user_session.get("env")
    await cl.Message(
        content=f"{message.content} (with a key of {len(env['OPENAI_API_KEY'])} characters)"
    ).send()
