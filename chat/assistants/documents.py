"""Answers from the user's own documents: the best passages quoted, each cited as a source."""

import re

import chat.sdk as cl


def excerpt(text: str, words: list[str], width: int = 320) -> str:
    """The part of a passage around its first match, cut at words, as a quote."""
    lowered = text.lower()
    hits = [lowered.find(w) for w in words if lowered.find(w) != -1]
    at = min(hits) if hits else 0
    start = max(0, at - width // 3)
    end = min(len(text), start + width)
    start = text.rfind(" ", 0, start) + 1 if start else 0
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    quoted = " ".join(text[start:end].split())
    return ("…" if start else "") + quoted + ("…" if end < len(text) else "")


async def answer_from_documents(question: str) -> bool:
    """Answers from the user's documents, if they have any here; False if they have none."""
    documents = await cl.rag.documents()
    if not documents:
        return False
    if not any(d.status == "ready" for d in documents):
        if any(d.status in ("queued", "processing") for d in documents):
            await cl.Message(
                content="Your documents are still being read; ask me again soon."
            ).send()
            return True
        return False
    async with cl.Step(name="search_documents", type="retrieval") as step:
        step.input = question
        passages = await cl.rag.search(question, k=3)
        step.output = "\n".join(f"{p.name}: {p.score:.3f}" for p in passages) or "nothing found"
    if not passages:
        names = ", ".join(f"**{d.name}**" for d in documents if d.status == "ready")
        await cl.Message(content=f"I found nothing about that in {names}.").send()
        return True
    words = [w for w in re.findall(r"\w+", question.lower()) if len(w) > 3]
    parts = ["Here is what your documents say:"]
    for passage in passages:
        parts.append(f"> {excerpt(passage.text, words)}\n\nSource: {passage.name}")
    await cl.Message(
        content="\n\n".join(parts), elements=[p.to_element("side") for p in passages]
    ).send()
    return True
