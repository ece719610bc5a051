"""LangChain runnables driven the ways Chainlit apps drive them, with the callback handlers.

Models are langchain-core's GenericFakeChatModel, so answers and token counts are known.
"""

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import chain
from langchain_core.tools import tool

import chat.sdk as cl

USAGE = {"input_tokens": 12, "output_tokens": 5, "total_tokens": 17}


def model(*replies: AIMessage) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter(replies))


class Handbook(BaseRetriever):
    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [Document(page_content="The boiler is serviced in October.", metadata={"p": 2})]


@tool
def current_time() -> str:
    """The time."""
    return "noon"


@chain
def answer_question(question: str) -> str:
    """Retrieves, calls a tool, asks the model: three kinds of nested runs."""
    documents = Handbook().invoke(question)
    time = current_time.invoke({})
    reply = model(
        AIMessage(content=f"At {time}: {documents[0].page_content}", usage_metadata=USAGE)
    )
    return reply.invoke(f"{question}\n{documents[0].page_content}").content


def simple_chain():
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You answer briefly."), ("human", "{question}")]
    )
    reply = AIMessage(content="Paris.", usage_metadata=USAGE)
    return prompt | model(reply) | StrOutputParser()


async def streamed(question: str, handler) -> None:
    """The answer streamed into a message as it comes, as Chainlit's LangChain cookbook does."""
    reply = AIMessage(content="The capital is Paris.", usage_metadata=USAGE)
    runnable = ChatPromptTemplate.from_messages([("human", "{question}")]) | model(reply)
    answer = cl.Message(content="")
    async for chunk in (runnable | StrOutputParser()).astream(
        {"question": question}, config={"callbacks": [handler]}
    ):
        await answer.stream_token(chunk)
    await answer.send()


@cl.on_message
async def on_message(message: cl.Message) -> None:
    kind, _, question = message.content.partition(": ")
    if kind in ("stream", "stream-sync"):
        sync = kind == "stream-sync"
        handler = cl.LangchainCallbackHandler() if sync else cl.AsyncLangchainCallbackHandler()
        await streamed(question, handler)
        return
    if kind == "chain":
        answer = await simple_chain().ainvoke(
            {"question": question}, config={"callbacks": [cl.AsyncLangchainCallbackHandler()]}
        )
    elif kind == "final-answer":
        # Chainlit's older cookbook: the handler streams the final answer, or the app sends it.
        handler = cl.AsyncLangchainCallbackHandler(
            stream_final_answer=True, answer_prefix_tokens=["FINAL", "ANSWER"]
        )
        handler.answer_reached = True
        answer = await simple_chain().ainvoke(
            {"question": question}, config={"callbacks": [handler]}
        )
        if handler.has_streamed_final_answer:
            handler.final_stream.content = answer
            await handler.final_stream.update()
            return
    elif kind == "chain-sync":
        answer = simple_chain().invoke(
            {"question": question}, config={"callbacks": [cl.LangchainCallbackHandler()]}
        )
    elif kind == "pipeline":
        answer = await answer_question.ainvoke(
            question, config={"callbacks": [cl.AsyncLangchainCallbackHandler()]}
        )
    elif kind == "pipeline-thread":
        handler = cl.LangchainCallbackHandler()
        answer = await cl.make_async(answer_question.invoke)(
            question, config={"callbacks": [handler]}
        )
    elif kind == "failing":
        broken = model()  # no reply left: the model raises
        try:
            answer = await broken.ainvoke(
                question, config={"callbacks": [cl.AsyncLangchainCallbackHandler()]}
            )
        except Exception as error:  # the test reads the failed step; this says it failed
            answer = f"failed: {type(error).__name__}"
    else:
        answer = "unknown"
    await cl.Message(content=answer).send()
