"""A customer-support bot written as a Chainlit app: it asks who you are and what about,
answers from a knowledge base with visible tool steps, and offers buttons to escalate
or close the case.

A Chainlit app: only `import chainlit as cl` became `import chat.sdk as cl` (and
`chainlit.types` became `chat.sdk.types`).
"""

import json
import re
import time
import uuid

import chat.sdk as cl
from chat.sdk.types import ThreadDict

KNOWLEDGE_BASE = {
    "refund": "Refunds are paid back to the original card within 5 business days.",
    "invoice": "Invoices are in Settings, Billing, under Past invoices.",
    "password": "Reset your password from the sign-in page with Forgot password.",
    "crash": "Update the app to the latest version, then restart your device.",
}
POLICY = " ".join(f"Clause {n}: we keep your data safe and private." for n in range(1, 201))


class Memory:
    """The conversation as the bot remembers it (a LangChain memory in a real app)."""

    def __init__(self) -> None:
        self.turns: list[tuple[str, str]] = []

    def add(self, role: str, text: str) -> None:
        self.turns.append((role, text))

    def user_said(self) -> list[str]:
        return [text for role, text in self.turns if role == "user"]


def lookup(query: str) -> str:
    """A blocking knowledge-base client (run with cl.make_async)."""
    time.sleep(0.05)
    for keyword, article in KNOWLEDGE_BASE.items():
        if keyword in query.lower():
            return article
    return ""


@cl.step(type="tool")
async def search_knowledge_base(query: str) -> str:
    return await cl.make_async(lookup)(query) or "No article found."


def tokens(text: str) -> list[str]:
    return re.findall(r"\s*\S+", text)


@cl.on_chat_start
async def start():
    cl.user_session.set("memory", Memory())
    cl.user_session.set("stopped", False)
    name = await cl.AskUserMessage(content="Welcome to support! What is your name?").send()
    customer = name["output"] if name else "there"
    cl.user_session.set("customer", customer)

    topic = await cl.AskActionMessage(
        content=f"Hi {customer}! What do you need help with?",
        actions=[
            cl.Action(name="topic", payload={"topic": "billing"}, label="💳 Billing"),
            cl.Action(name="topic", payload={"topic": "technical"}, label="🛠 Technical"),
        ],
    ).send()
    cl.user_session.set("topic", topic["payload"]["topic"] if topic else "general")

    await cl.Message(
        content=f"Tell me about your {cl.user_session.get('topic')} question.",
        actions=[
            cl.Action(name="escalate", payload={"priority": "high"}, label="Talk to a human"),
            cl.Action(name="solved", payload={}, label="My problem is solved"),
        ],
    ).send()


@cl.on_chat_resume
async def resume(thread: ThreadDict):
    memory = Memory()
    for step in thread["steps"]:
        if step["type"] == "user_message":
            memory.add("user", step["output"])
        elif step["type"] == "assistant_message":
            memory.add("assistant", step["output"])
    cl.user_session.set("memory", memory)


@cl.on_stop
def on_stop():
    cl.user_session.set("stopped", True)


@cl.on_chat_end
def on_chat_end():
    print("support session ended:", cl.user_session.get("id"))


@cl.action_callback("escalate")
async def escalate(action: cl.Action):
    ticket = {
        "id": f"T-{uuid.uuid4().hex[:6].upper()}",
        "customer": cl.user_session.get("customer"),
        "topic": cl.user_session.get("topic"),
        "priority": action.payload["priority"],
        "conversation": cl.chat_context.to_openai(),
    }
    await cl.Message(
        content=f"I opened ticket {ticket['id']} for you; a colleague will be in touch.",
        elements=[cl.File(name="ticket.json", content=json.dumps(ticket, indent=2).encode())],
    ).send()
    await action.remove()


@cl.action_callback("solved")
async def solved(action: cl.Action):
    rating = await cl.AskActionMessage(
        content="Glad to hear it! How did we do?",
        actions=[
            cl.Action(name="rate", payload={"stars": 5}, label="⭐⭐⭐⭐⭐"),
            cl.Action(name="rate", payload={"stars": 3}, label="⭐⭐⭐"),
        ],
    ).send()
    stars = rating["payload"]["stars"] if rating else 0
    await cl.Message(content=f"Thank you for the {stars} stars!").send()
    await action.remove()


@cl.on_message
async def on_message(message: cl.Message):
    memory: Memory = cl.user_session.get("memory")
    memory.add("user", message.content)
    text = message.content.lower()

    if cl.user_session.get("stopped"):
        cl.user_session.set("stopped", False)
        await cl.Message(content="(Sorry, I stopped my last answer when you asked.)").send()

    if text == "policy":
        msg = cl.Message(content="")
        for token in tokens(POLICY):
            await msg.stream_token(token)
            await cl.sleep(0.05)
        await msg.send()
        return
    if text == "what did i say?":
        said = "; ".join(memory.user_said()[:-1])
        await cl.Message(content=f"You said: {said}").send()
        return

    async with cl.Step(name="classify", type="tool") as step:
        step.input = message.content
        step.output = "known issue" if any(k in text for k in KNOWLEDGE_BASE) else "other"

    article = await search_knowledge_base(message.content)
    answer = f"{cl.user_session.get('customer')}, here is what I found: {article}"
    msg = cl.Message(content="")
    for token in tokens(answer):
        await msg.stream_token(token)
    await msg.send()
    memory.add("assistant", answer)
