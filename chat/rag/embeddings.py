"""Embeddings from an OpenAI-compatible endpoint (CHAT_RAG_EMBEDDINGS_URL), optional.

POST {url}/embeddings {"model": ..., "input": [...]} -> {"data": [{"index", "embedding"}]},
as OpenAI, Azure OpenAI, vLLM, Ollama, LM Studio and most gateways answer it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings

BATCH = 64
TIMEOUT_SECONDS = 60


class EmbeddingError(Exception):
    """The embeddings endpoint did not give usable vectors."""


def configured() -> bool:
    return bool(settings.CHAT_RAG_EMBEDDINGS_URL)


def _post(texts: list[str]) -> list[list[float]]:
    url = settings.CHAT_RAG_EMBEDDINGS_URL.rstrip("/") + "/embeddings"
    if urlsplit(url).scheme not in ("http", "https"):
        raise EmbeddingError(f"CHAT_RAG_EMBEDDINGS_URL must be http(s), not {url!r}")
    body = json.dumps({"model": settings.CHAT_RAG_EMBEDDINGS_MODEL, "input": texts}).encode()
    headers = {"Content-Type": "application/json"}
    if settings.CHAT_RAG_EMBEDDINGS_KEY:
        headers["Authorization"] = f"Bearer {settings.CHAT_RAG_EMBEDDINGS_KEY}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            payload = json.load(response)
        rows = sorted(payload["data"], key=lambda row: row.get("index", 0))
        vectors = [[float(x) for x in row["embedding"]] for row in rows]
    except (OSError, urllib.error.URLError, ValueError, KeyError, TypeError) as error:
        raise EmbeddingError(f"the embeddings endpoint failed: {error}") from error
    if len(vectors) != len(texts):
        raise EmbeddingError(f"asked for {len(texts)} embeddings, got {len(vectors)}")
    size = settings.CHAT_RAG_EMBEDDINGS_DIMENSIONS
    if any(len(vector) != size for vector in vectors):
        raise EmbeddingError(
            f"the embeddings have {len(vectors[0])} dimensions, not {size} "
            "(CHAT_RAG_EMBEDDINGS_DIMENSIONS)"
        )
    return vectors


def embed(texts: list[str]) -> list[list[float]]:
    """One vector per text, in order. Raises EmbeddingError."""
    vectors: list[list[float]] = []
    for start in range(0, len(texts), BATCH):
        vectors += _post(texts[start : start + BATCH])
    return vectors
