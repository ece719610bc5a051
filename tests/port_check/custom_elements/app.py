"""An app with custom elements, as in Chainlit's documentation: a counter the page updates,
an action called from the element, a message sent from it, an element that removes
itself, and a form the assistant asks the user to fill (`cl.AskElementMessage`).

A Chainlit app: only `chainlit` became `chat.sdk` in its imports, and its
`public/elements/Counter.jsx` became `Counter.html` (+ `Counter.js`). Run it with:
    python manage.py runchat tests/port_check/custom_elements/app.py
"""

import chat.sdk as cl


@cl.on_chat_start
async def start():
    counter = cl.CustomElement(name="Counter", props={"count": 1}, display="inline")
    cl.user_session.set("counter", counter)
    await cl.Message(content="Here is a counter.", elements=[counter]).send()


@cl.action_callback("reset_counter")
async def reset(action: cl.Action):
    counter = cl.user_session.get("counter")
    counter.props["count"] = 0
    await counter.update()
    await cl.Message(content=f"Reset from {action.payload['from']}.").send()


@cl.on_message
async def on_message(message: cl.Message):
    if message.content == "expense":
        form = cl.CustomElement(name="Expense", props={"amount": 0, "reason": ""})
        res = await cl.AskElementMessage(content="Fill in the expense.", element=form).send()
        if res and res["submitted"]:
            await cl.Message(content=f"Expense of {res['amount']} for {res['reason']}.").send()
        return
    await cl.Message(content=f"Heard: {message.content}").send()
