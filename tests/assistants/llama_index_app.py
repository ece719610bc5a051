"""A LlamaIndex query engine (mock LLM and embeddings, so nothing leaves the machine) with
the callback handler, queried the ways Chainlit apps query it."""

from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.callbacks import CallbackManager
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms import MockLLM

import chat.sdk as cl

FACTS = "The boiler is serviced every October by Heatwell."


def query_engine(streaming: bool = False):
    index = VectorStoreIndex.from_documents(
        [Document(text=FACTS)], embed_model=MockEmbedding(embed_dim=8)
    )
    return index.as_query_engine(llm=MockLLM(max_tokens=8), streaming=streaming)


async def streamed(kind: str, question: str) -> None:
    """The answer streamed into the message token by token, as Chainlit's cookbook does."""
    engine = query_engine(streaming=True)
    message = cl.Message(content="")
    if kind == "astream":
        response = await engine.aquery(question)
        async for token in response.async_response_gen():
            await message.stream_token(token)
    else:
        response = await cl.make_async(engine.query)(question)
        for token in response.response_gen:
            await message.stream_token(token)
    await message.send()


@cl.on_message
async def on_message(message: cl.Message) -> None:
    kind, _, question = message.content.partition(": ")
    # As Chainlit's documentation has it: the handler in LlamaIndex's global settings.
    Settings.callback_manager = CallbackManager([cl.LlamaIndexCallbackHandler()])
    if kind in ("stream", "astream"):
        await streamed(kind, question)
        Settings.callback_manager = CallbackManager([])
        return
    engine = query_engine()
    if kind == "aquery":
        response = await engine.aquery(question)
    else:
        response = await cl.make_async(engine.query)(question)
    Settings.callback_manager = CallbackManager([])
    await cl.Message(content=str(response)).send()
