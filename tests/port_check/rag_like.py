"""Chat with a text file, as the Chainlit cookbook's document-QA app does (no LLM needed).

A Chainlit app: only `import chainlit as cl` became `import chat.sdk as cl` (and
`chainlit.types` became `chat.sdk.types`). Run it with:
    python manage.py runchat tests/port_check/rag_like.py
"""

import re

import chat.sdk as cl
from chat.sdk.types import ThreadDict

CHUNK_WORDS = 24
TOP_K = 2


def split_text(text: str) -> list[str]:
    """Chunks of about CHUNK_WORDS words, cut at sentence ends."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    chunks: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        current.append(sentence)
        if sum(len(s.split()) for s in current) >= CHUNK_WORDS:
            chunks.append(" ".join(current))
            current = []
    if current:
        chunks.append(" ".join(current))
    return chunks


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 2}


class Index:
    """A tiny keyword index: what a vector store is to a real app (not JSON-serialisable)."""

    def __init__(self, chunks: list[str]) -> None:
        self.chunks = chunks
        self.terms = [words(c) for c in chunks]

    def search(self, question: str, k: int) -> list[tuple[int, str]]:
        wanted = words(question)
        ranked = sorted(range(len(self.chunks)), key=lambda i: (-len(wanted & self.terms[i]), i))
        return [(i, self.chunks[i]) for i in ranked[:k] if wanted & self.terms[i]]


def read_and_split(path: str) -> list[str]:
    """Blocking file work, as a loader library does it: run with cl.make_async."""
    with open(path, encoding="utf-8") as handle:
        return split_text(handle.read())


def best_sentence(question: str, passage: str) -> str:
    wanted = words(question)
    sentences = re.split(r"(?<=[.!?])\s+", passage)
    return max(sentences, key=lambda s: len(wanted & words(s)))


@cl.step(type="retrieval", name="Retrieve")
async def retrieve(question: str) -> list[dict]:
    index: Index = cl.user_session.get("index")
    return [{"source": f"source_{i}", "text": text} for i, text in index.search(question, TOP_K)]


@cl.on_chat_start
async def on_chat_start():
    files = None
    # Wait for the user to upload a file.
    while files is None:
        files = await cl.AskFileMessage(
            content="Please upload a text file to begin!",
            accept=["text/plain"],
            max_size_mb=2,
            timeout=180,
        ).send()
    file = files[0]

    msg = cl.Message(content=f"Processing `{file.name}`...")
    await msg.send()
    chunks = await cl.make_async(read_and_split)(file.path)
    cl.user_session.set("file_name", file.name)
    cl.user_session.set("chunks", chunks)
    cl.user_session.set("index", Index(chunks))
    cl.user_session.set("questions", [])

    msg.content = f"Processing `{file.name}` done: {len(chunks)} chunks. You can now ask questions!"
    await msg.update()


@cl.on_chat_resume
async def on_chat_resume(thread: ThreadDict):
    # The index is not saved with the thread: build it again, and the memory of questions.
    cl.user_session.set("index", Index(cl.user_session.get("chunks") or []))
    questions = [s["output"] for s in thread["steps"] if s["type"] == "user_message"]
    cl.user_session.set("questions", questions)


@cl.on_message
async def main(message: cl.Message):
    questions = cl.user_session.get("questions")
    questions.append(message.content)
    if message.content.lower() == "what did i ask?":
        listed = "\n".join(f"- {q}" for q in questions[:-1])
        await cl.Message(content=f"You asked:\n{listed}").send()
        return

    passages = await retrieve(message.content)

    async with cl.Step(name="Generate", type="llm") as step:
        step.input = cl.chat_context.to_openai()
        if passages:
            answer = (
                f'According to {cl.user_session.get("file_name")}: "'
                + best_sentence(message.content, passages[0]["text"])
                + '"'
            )
        else:
            answer = "I could not find that in the file."
        for token in re.findall(r"\s*\S+", answer):
            await step.stream_token(token)

    msg = cl.Message(content="")
    for token in re.findall(r"\s*\S+", answer):
        await msg.stream_token(token)
    if passages:
        names = [p["source"] for p in passages]
        await msg.stream_token(f"\n\nSources: {', '.join(names)}")
        msg.elements = [
            cl.Text(content=p["text"], name=p["source"], display="side") for p in passages
        ]
    await msg.send()
