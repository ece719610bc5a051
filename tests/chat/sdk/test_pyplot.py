"""`cl.Pyplot`: a matplotlib figure shown as a PNG image, as in Chainlit."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

import chat.sdk as cl
from chat.models import Element, Message

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from tests.chat.web.test_consumers import connect  # noqa: F401 (a fixture)

PORT_CHECK = Path(__file__).resolve().parents[2] / "port_check"


def test_a_figure_becomes_a_png_image():
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [1, 4, 2])
    plot = cl.Pyplot(name="plot", figure=fig)
    plt.close(fig)
    assert isinstance(plot, cl.Image)
    assert plot.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert (plot.mime, plot.display, plot.size) == ("image/png", "inline", "medium")


@pytest.mark.parametrize("figure", [None, "a chart", {"data": []}])
def test_anything_but_a_figure_is_refused_clearly(figure):
    with pytest.raises(TypeError, match=r"matplotlib\.figure\.Figure"):
        cl.Pyplot(name="plot", figure=figure)


@pytest.mark.django_db(transaction=True)
async def test_a_chainlit_app_drawing_with_matplotlib_runs(
    use_assistant,
    connect,  # noqa: F811
    thread,
    user,
):
    from tests.chat.web.test_consumers import path_of

    use_assistant(str(PORT_CHECK / "charts_pyplot.py"))
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await socket.until(lambda f: 'id="messages"' in f)
    await socket.say("4 8 15 16 23 42")
    frame = await socket.until(lambda f: "Here is a chart of 6 numbers." in f and "<img" in f)
    assert 'alt="plot"' in frame or "plot" in frame
    answer = await Message.objects.aget(thread=thread, content__startswith="Here is a chart")
    image = await Element.objects.aget(message=answer)
    assert (image.kind, image.mime, image.name) == ("image", "image/png", "plot")
    with image.file.open("rb") as stored:
        assert stored.read(8) == b"\x89PNG\r\n\x1a\n"
