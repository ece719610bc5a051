#!/usr/bin/env python3
"""Server time and bytes of rendering long, rich answers.

    .venv/bin/python bench/answers.py [--root DIR] [--messages 200] [--reps 3]

Prints `name: value unit` for:

  answer_render_ms     the final render (markdown to safe HTML) of one 40,000-token answer
                       holding 200 fenced code blocks in several languages and 100 formulas
  answer_html_bytes    the size of that HTML
  page_render_ms       the thread page (the chat view, signed in) of `--messages` such answers,
                       first request (nothing cached) and the median of the next `--reps`
  page_bytes           the size of that page

The database is a new SQLite file in a temporary folder (the embedded default). `--root`
runs another checkout's code (figures before a change) with this venv.
"""

from __future__ import annotations

import argparse
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
    """About `tokens` tokens (a word or a symbol each) of prose, code and math."""
    parts: list[str] = []
    count = 0
    block = 0
    while count < tokens:
        words = " ".join(f"word{(count + i) % 997}" for i in range(60))
        parts.append(f"Paragraph {block} with **bold** and `code`: {words}.\n")
        count += 70
        if block < code_blocks:
            language = LANGUAGES[block % len(LANGUAGES)]
            parts.append(f"```{language}\n{SNIPPETS[language] * 3}```\n")
            count += 90
        if block < formulas:
            parts.append(f"The rule ${FORMULAS[block % len(FORMULAS)]}$ holds, and\n")
            parts.append(f"$$\n{FORMULAS[(block + 1) % len(FORMULAS)]}\n$$\n")
            count += 40
        block += 1
    return "\n".join(parts)


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
    from chat.rendering.markdown import render_markdown
    from tests.factories import make_message, make_thread, make_user

    call_command("migrate", verbosity=0)
    text = answer()
    render_markdown(text[:2000])  # the parser built once, as in a running server
    times = []
    for _ in range(args.reps):
        started = time.perf_counter()
        html = render_markdown(text)
        times.append((time.perf_counter() - started) * 1000)
    print(f"answer_chars: {len(text)} chars")
    print(f"answer_render_ms: {statistics.median(times):.1f} ms")
    print(f"answer_html_bytes: {len(html.encode())} bytes")

    user = make_user()
    thread = make_thread(user)
    for index in range(args.messages):
        # Each answer differs a little, as real ones do (no two render alike).
        make_message(thread, f"Answer {index}\n\n{text}", author_kind=Message.Author.ASSISTANT)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    url = f"/threads/{thread.pk}/"
    page_times = []
    for _ in range(args.reps + 1):
        started = time.perf_counter()
        response = client.get(url)
        page_times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    print(f"page_render_first_ms: {page_times[0]:.0f} ms")
    print(f"page_render_ms: {statistics.median(page_times[1:]):.0f} ms")
    print(f"page_bytes: {len(response.content)} bytes")


if __name__ == "__main__":
    main()
