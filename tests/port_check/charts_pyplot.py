"""An app that draws its answers with matplotlib, as Chainlit's `cl.Pyplot` examples do.

A Chainlit app: only `chainlit` became `chat.sdk` in its imports. Run it with:
    python manage.py runchat tests/port_check/charts_pyplot.py
"""

import matplotlib

matplotlib.use("Agg")  # no display on a server

import matplotlib.pyplot as plt

import chat.sdk as cl


@cl.on_message
async def on_message(message: cl.Message):
    values = [int(v) for v in message.content.split() if v.isdigit()] or [1, 3, 2]
    fig, ax = plt.subplots()
    ax.plot(range(len(values)), values)
    ax.set_title("Your numbers")
    elements = [cl.Pyplot(name="plot", figure=fig, display="inline")]
    plt.close(fig)
    await cl.Message(content=f"Here is a chart of {len(values)} numbers.", elements=elements).send()
