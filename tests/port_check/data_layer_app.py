"""A Chainlit app that brings its own data layer (the Django models are the store here):
it must stop at start with a message that says what to do instead.

A Chainlit app: only `import chainlit as cl` became `import chat.sdk as cl`.
"""

import chat.sdk as cl


@cl.data_layer
def get_data_layer():
    return object()


@cl.on_message
async def main(message: cl.Message):
    await cl.Message(content="unreachable").send()
