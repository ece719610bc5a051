"""An app that reaches into Chainlit's modules, as many public Chainlit apps do: its
configuration, its logger, the element and user classes, the open steps, the sign-in
providers, `cl.cache` and a password check on names rather than addresses.

A Chainlit app: only `chainlit` became `chat.sdk` in its imports. Run it with:
    python manage.py runchat tests/port_check/module_names.py
"""

import chat.sdk as cl
from chat.sdk.config import config
from chat.sdk.context import local_steps
from chat.sdk.element import Element
from chat.sdk.logger import logger
from chat.sdk.oauth_providers import get_configured_oauth_providers
from chat.sdk.user import PersistedUser, User

# Read at import, as apps do to build their prompts.
APP_NAME = config.ui.name
SYSTEM_PROMPT = f"You are {APP_NAME}. Show your reasoning: {config.ui.cot}."
UPLOADS = config.features.spontaneous_file_upload
LOADS: list[str] = []

logger.info("Starting %s", APP_NAME)


@cl.password_auth_callback
def auth_callback(username: str, password: str):
    if (username, password) == ("admin", "admin"):
        return User(identifier="admin", metadata={"role": "admin", "provider": "credentials"})
    return None


@cl.cache
def load_glossary(language: str) -> dict[str, str]:
    """Slow to build and the same for everyone: once per process."""
    LOADS.append(language)
    return {"RAG": "retrieval-augmented generation", "LLM": "large language model"}


@cl.step(type="tool")
async def look_up(term: str) -> str:
    outer = [step.name for step in local_steps.get() or []]
    return f"{term}: {load_glossary('en').get(term, 'unknown')} (inside {' > '.join(outer)})"


@cl.on_chat_start
async def start():
    user = cl.user_session.get("user")
    kind = "persisted" if isinstance(user, PersistedUser) and user.id else "plain"
    providers = get_configured_oauth_providers()
    await cl.Message(
        content=(
            f"Welcome to {APP_NAME}, {user.identifier} ({kind} user, "
            f"role {user.metadata.get('role', 'none')}). "
            f"Sign-in providers: {', '.join(providers) or 'none'}. "
            f"Uploads: up to {UPLOADS.max_files} files."
        )
    ).send()


@cl.on_message
async def main(message: cl.Message):
    async with cl.Step(name="Research", type="run"):
        answer = await look_up(message.content.strip())
    attachment: Element = cl.Text(name="prompt", content=SYSTEM_PROMPT, display="inline")
    await cl.Message(
        content=f"{answer} [glossary loads: {len(LOADS)}]", elements=[attachment]
    ).send()
