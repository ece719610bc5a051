#!/usr/bin/env python3
"""Server time and bytes of rendering long, rich answers.

    .venv/bin/python bench/answers.py [--root DIR] [--messages 200] [--reps 3]

Prints `name: value unit` for:

  answer_render_ms     the final render (markdown to safe HTML) of one 40,000-token answer
                       holding 200 fenced code blocks in several languages and 100 formulas
  answer_html_bytes    the size of that HTML
  page_render_ms       the thread page (the chat view, signed in) of `--messages` such answers,
                       first request (nothing cached) and the median of the next `--reps`
  page_bytes           the size of that page, and page_gzip_bytes compressed as it is sent
  stream_first_us_per_token, stream_last_us_per_token
                       the server's work to turn the answer's streamed tokens into frames
                       (blocks rendered as they finish, the open one as text), over its
                       first and its last 10 % of tokens, and their ratio (flat is 1.0)

The database is a new SQLite file in a temporary folder (the embedded default). `--root`
runs another checkout's code (figures before a change) with this venv.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

LANGUAGES = ("python", "javascript", "sql", "bash", "rust")
SNIPPETS = {
    "python": "def total(items):\n    # the prices' sum\n    return sum(i.price for i in items)\n",
    "javascript": "function total(items) {\n  return items.reduce((a, i) => a + i.price, 0);\n}\n",
    "sql": "SELECT customer, SUM(price) AS total\nFROM orders\nGROUP BY customer;\n",
    "bash": 'for f in *.log; do\n  gzip -9 "$f"\ndone\n',
    "rust": "fn total(items: &[Item]) -> u64 {\n    items.iter().map(|i| i.price).sum()\n}\n",
}
FORMULAS = (r"E = mc^2", r"\frac{a}{b} + \sqrt{x^2 + y^2}", r"\sum_{i=1}^{n} i = \frac{n(n+1)}{2}")


def answer(tokens: int = 40_000, code_blocks: int = 200, formulas: int = 100) -> str:
    """About `tokens` tokens (a word or a symbol each) of prose, code and math, the code
    and formulas spread evenly (so that its start and its end cost alike)."""
    paragraphs = max(1, (tokens - 90 * code_blocks - 40 * formulas) // 70)
    parts: list[str] = []
    for block in range(paragraphs):
        words = " ".join(f"word{(block * 60 + i) % 997}" for i in range(60))
        parts.append(f"Paragraph {block} with **bold** and `code`: {words}.\n")
        for _ in range((block + 1) * code_blocks // paragraphs - block * code_blocks // paragraphs):
            language = LANGUAGES[block % len(LANGUAGES)]
            parts.append(f"```{language}\n{SNIPPETS[language] * 3}```\n")
        for _ in range((block + 1) * formulas // paragraphs - block * formulas // paragraphs):
            parts.append(f"The rule ${FORMULAS[block % len(FORMULAS)]}$ holds, and\n")
            parts.append(f"$$\n{FORMULAS[(block + 1) % len(FORMULAS)]}\n$$\n")
    return "\n".join(parts)


def stream_costs(text: str) -> None:
    """Frames for the answer as a model streams it, a few characters per token, in frames
    of 30 tokens (a fast model coalesced into 30 ms frames)."""
    try:
        from chat.rendering.frames import MessageStreamFrames
    except ImportError:  # a checkout from before formatted streaming
        from chat.rendering.frames import token_frames

        class MessageStreamFrames:  # type: ignore[no-redef]
            def __init__(self, message_id: str) -> None:
                self.dom_id = f"m-{message_id}-text"

            def appended(self, chunk: str) -> list[str]:
                return token_frames(self.dom_id, chunk)

    tokens = [text[i : i + 4] for i in range(0, len(text), 4)]
    frames = ["".join(tokens[i : i + 30]) for i in range(0, len(tokens), 30)]
    # Each frame's least time over a few passes, then the mean over each tenth: what the
    # work costs, not what the shared machine's other jobs cost.
    costs = [float("inf")] * len(frames)
    for _ in range(5):
        view = MessageStreamFrames("bench")
        for index, chunk in enumerate(frames):
            started = time.perf_counter()
            view.appended(chunk)
            costs[index] = min(costs[index], time.perf_counter() - started)
    tenth = len(costs) // 10
    per_token = 1e6 / 30
    first = statistics.fmean(costs[:tenth]) * per_token
    last = statistics.fmean(costs[-tenth:]) * per_token
    total = sum(costs) * 1000
    print(f"stream_tokens: {len(tokens)} tokens")
    print(f"stream_server_ms: {total:.0f} ms")
    print(f"stream_first_us_per_token: {first:.2f} us")
    print(f"stream_last_us_per_token: {last:.2f} us")
    print(f"stream_last_over_first: {last / first:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    root = Path(args.root).resolve()
    sys.path.insert(0, str(root))
    os.chdir(root)
    os.environ["CHAT_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-answers-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "chatproject.settings"
    os.environ.setdefault("DEBUG", "1")  # how a user first runs it (no SECRET_KEY)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from chat.models import Message
    from chat.rendering import markdown
    from chat.rendering.markdown import render_markdown
    from tests.factories import make_message, make_thread, make_user

    call_command("migrate", verbosity=0)
    text = answer()
    render_markdown(text[:2000])  # the parser built once, as in a running server
    stream_costs(text)
    clear = getattr(markdown, "clear_caches", lambda: None)
    times, cached = [], []
    for _ in range(args.reps):
        clear()
        started = time.perf_counter()
        html = render_markdown(text)
        times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        render_markdown(text)
        cached.append((time.perf_counter() - started) * 1000)
    print(f"answer_chars: {len(text)} chars")
    print(f"answer_render_ms: {statistics.median(times):.1f} ms")
    print(f"answer_render_again_ms: {statistics.median(cached):.1f} ms")
    print(f"answer_html_bytes: {len(html.encode())} bytes")

    user = make_user()
    thread = make_thread(user)
    for index in range(args.messages):
        # Each answer differs a little, as real ones do (no two render alike).
        make_message(thread, f"Answer {index}\n\n{text}", author_kind=Message.Author.ASSISTANT)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    url = f"/threads/{thread.pk}/"
    clear()
    page_times = []
    for _ in range(args.reps + 1):
        started = time.perf_counter()
        response = client.get(url)
        page_times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    print(f"page_render_first_ms: {page_times[0]:.0f} ms")
    print(f"page_render_ms: {statistics.median(page_times[1:]):.0f} ms")
    print(f"page_bytes: {len(response.content)} bytes")
    # What goes on the wire: pages are sent gzip-compressed.
    print(f"page_gzip_bytes: {len(gzip.compress(response.content, 6))} bytes")


if __name__ == "__main__":
    main()
