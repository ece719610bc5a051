"""A tiny OpenAI-compatible embeddings server for tests: deterministic vectors, a hashed
bag of words, where a few synonyms share a word (so "automobile" is near "car")."""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from chat.rag.retrieval import STOPWORDS

DIMENSIONS = 256
SYNONYMS = {"automobile": "car", "vehicle": "car", "auto": "car", "motorcar": "car"}


def word_of(word: str) -> str:
    word = word.lower()
    if len(word) > 3 and word.endswith("s"):
        word = word[:-1]
    return SYNONYMS.get(word, word)


def embedding(text: str, size: int = DIMENSIONS) -> list[float]:
    vector = [0.0] * size
    for raw in re.findall(r"\w+", text):
        if raw.lower() in STOPWORDS:
            continue
        digest = hashlib.md5(word_of(raw).encode(), usedforsecurity=False).digest()
        vector[int.from_bytes(digest[:4], "big") % size] += 1.0
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector] if any(vector) else [1.0 / math.sqrt(size)] * size


class EmbeddingsServer:
    """Serves POST /v1/embeddings on 127.0.0.1; `failing = True` makes it answer 500."""

    def __init__(self) -> None:
        self.requests = 0
        self.failing = False
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                owner.requests += 1
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if owner.failing or self.path != "/v1/embeddings":
                    self.send_response(500 if owner.failing else 404)
                    self.end_headers()
                    return
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                data = [
                    {"object": "embedding", "index": i, "embedding": embedding(t)}
                    for i, t in enumerate(texts)
                ]
                out = json.dumps({"object": "list", "data": data, "model": body["model"]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(out.encode())

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> EmbeddingsServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
