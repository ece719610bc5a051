"""A small language-model server on 127.0.0.1 that speaks the OpenAI, Azure OpenAI, Mistral
and Anthropic chat APIs well enough for the real client libraries.

It answers from the request, so a test (or a product started in a subprocess) steers it
with the words of the last user message:

- "rate limit" → 429, "server error" → 500, a wrong key → 401;
- "slow" → waits `slow_seconds` before answering; "stall" → streams a few words, then
  waits `slow_seconds`; "break" → streams a few words, then drops the connection;
- "time" (when a tool whose name holds "time" is offered) → calls that tool; "document" or
  "search" (when a tool whose name holds "search" is offered) → calls it with the question;
  "call NAME" → calls the tool NAME with {};
- after a tool result → "The tool said: RESULT";
- anything else → "You said: TEXT".

Speech: `/audio/transcriptions` takes a WAV upload (multipart, as the OpenAI client sends
it) and "hears" `transcript` in it, or nothing when the recording is silent;
`/audio/speech` answers with a tone as long as the text would take to say (raw 24 kHz
PCM16 for `response_format` "pcm", else a WAV), streamed in chunks.

Every request is kept in `requests` (path, headers, JSON body) for tests to look at.
Streams are chunked HTTP with server-sent events, as the real services send them.
"""

from __future__ import annotations

import email
import email.policy
import io
import json
import math
import re
import socket
import struct
import threading
import time
import uuid
import wave
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY = "test-key"


@dataclass
class Reply:
    """What the model does for one request: words to say, or one tool call."""

    text: str = ""
    tool: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    prompt_tokens: int = 0
    # Of the prompt, how much the provider says it served from its prompt cache.
    cached_tokens: int = 0

    def openai_usage(self) -> dict[str, Any]:
        usage: dict[str, Any] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }
        if self.cached_tokens:
            usage["prompt_tokens_details"] = {"cached_tokens": self.cached_tokens}
        return usage

    def anthropic_input_usage(self) -> dict[str, Any]:
        """Anthropic counts cache reads apart from input_tokens."""
        usage: dict[str, Any] = {"input_tokens": self.prompt_tokens - self.cached_tokens}
        if self.cached_tokens:
            usage["cache_read_input_tokens"] = self.cached_tokens
            usage["cache_creation_input_tokens"] = 0
        return usage

    @property
    def words(self) -> list[str]:
        return re.findall(r"\s*\S+|\s+", self.text)

    @property
    def completion_tokens(self) -> int:
        return len(self.words) if self.tool is None else 5


def _text_of(content: Any) -> str:
    """The text of a message's content: a string, or a list of blocks (OpenAI, Anthropic)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict):
                if block.get("type") == "tool_result":
                    parts.append(_text_of(block.get("content")))
                else:
                    parts.append(str(block.get("text", "")))
            else:
                parts.append(str(block))
        return " ".join(p for p in parts if p)
    return "" if content is None else str(content)


def _tool_names(body: dict) -> list[str]:
    names = []
    for tool in body.get("tools") or []:
        name = tool.get("name") or (tool.get("function") or {}).get("name")
        if name:
            names.append(name)
    return names


def _is_tool_result(message: dict) -> bool:
    if message.get("role") == "tool":
        return True
    content = message.get("content")
    return isinstance(content, list) and any(
        isinstance(b, dict) and b.get("type") == "tool_result" for b in content
    )


def decide(body: dict) -> Reply:
    """The model's answer to a chat request, from its last message and the tools offered."""
    messages = body.get("messages") or []
    prompt_tokens = sum(len(_text_of(m.get("content")).split()) for m in messages)
    prompt_tokens += len(_text_of(body.get("system")).split())
    last = messages[-1] if messages else {}
    if _is_tool_result(last):
        result = _text_of(last.get("content"))
        return Reply(text=f"The tool said: {result[:400]}", prompt_tokens=prompt_tokens)
    text = _text_of(last.get("content"))
    lowered = text.lower()
    tools = _tool_names(body)
    explicit = re.search(r"\bcall (\w+)", text)
    if explicit and explicit.group(1) in tools:
        return Reply(tool=explicit.group(1), prompt_tokens=prompt_tokens)
    for keyword, part in (("time", "time"), ("document", "search"), ("search", "search")):
        if keyword in lowered:
            for name in tools:
                if part in name:
                    arguments = {"query": text} if part == "search" else {}
                    return Reply(tool=name, arguments=arguments, prompt_tokens=prompt_tokens)
    return Reply(text=f"You said: {text}", prompt_tokens=prompt_tokens)


class FakeLLMServer:
    """Serves on a free port in a daemon thread; `stop()` closes it."""

    def __init__(self, *, key: str = KEY, slow_seconds: float = 3.0, token_delay: float = 0.005):
        self.key = key
        self.slow_seconds = slow_seconds
        self.token_delay = token_delay
        self.requests: list[dict[str, Any]] = []
        # Prompt tokens to report as read from the provider's cache (OpenAI, Anthropic).
        self.cached_tokens = 0
        # What /audio/transcriptions hears in a recording that is not silent.
        self.transcript = "What time is it?"
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_url(self) -> str:
        return f"{self.url}/v1"

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def chat_requests(self) -> list[dict[str, Any]]:
        return [
            r["body"]
            for r in self.requests
            if r["path"].split("?")[0].endswith(("/chat/completions", "/messages"))
        ]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeLLMServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- plumbing ----------------------------------------------------------------------
    def _json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _chunk(self, text: str) -> None:
        data = text.encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _drop(self) -> None:
        """Drops the connection mid-body, as a crashed upstream or proxy does."""
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def _authorised(self) -> bool:
        key = self.headers.get("x-api-key") or self.headers.get("api-key") or ""
        bearer = self.headers.get("Authorization", "")
        if bearer.startswith("Bearer "):
            key = bearer[len("Bearer ") :]
        return key == self.fake.key

    # -- requests ----------------------------------------------------------------------
    def do_GET(self) -> None:
        self._json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        path = self.path.split("?")[0]
        self.fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if path.endswith(("/audio/transcriptions", "/audio/speech")):
            if not self._authorised():
                self._error(False, 401, "authentication_error", "Incorrect API key provided.")
            elif path.endswith("/audio/speech"):
                self._speech(body)
            else:
                self._transcription(raw)
            return
        anthropic = path.endswith("/messages")
        if not path.endswith("/chat/completions") and not anthropic:
            self._json(404, {"error": {"message": f"no route {path}"}})
            return
        if not self._authorised():
            self._error(anthropic, 401, "authentication_error", "Incorrect API key provided.")
            return
        reply = decide(body)
        reply.cached_tokens = min(self.fake.cached_tokens, reply.prompt_tokens)
        last = _text_of((body.get("messages") or [{}])[-1].get("content")).lower()
        if "rate limit" in last:
            self._error(anthropic, 429, "rate_limit_error", "Rate limit reached.", retry=True)
            return
        if "server error" in last:
            self._error(anthropic, 500, "api_error", "The server had an error.")
            return
        if "slow" in last:
            time.sleep(self.fake.slow_seconds)
        mode = "break" if "break" in last else "stall" if "stall" in last else ""
        model = body.get("model") or "fake-model"
        if anthropic:
            if body.get("stream"):
                self._anthropic_stream(reply, model, mode)
            else:
                self._json(200, _anthropic_message(reply, model))
        elif body.get("stream"):
            self._openai_stream(reply, model, mode, body)
        else:
            self._json(200, _openai_completion(reply, model))

    # -- speech ------------------------------------------------------------------------
    def _transcription(self, raw: bytes) -> None:
        fields = _multipart(self.headers.get("Content-Type", ""), raw)
        upload = fields.get("file", b"")
        try:
            with wave.open(io.BytesIO(upload)) as wav:
                rate, width = wav.getframerate(), wav.getsampwidth()
                frames = wav.readframes(wav.getnframes())
        except (wave.Error, EOFError):
            self._error(False, 400, "invalid_request_error", "The file is not a WAV recording.")
            return
        self.fake.requests[-1]["body"] = {
            "model": fields.get("model", b"").decode(),
            "seconds": len(frames) / width / rate,
            "rate": rate,
        }
        heard = self.fake.transcript if width == 2 and _loudest(frames) > 500 else ""
        self._json(200, {"text": heard})

    def _speech(self, body: dict) -> None:
        text = str(body.get("input") or "")
        # About 15 characters a second, as a voice speaks.
        count = int(24000 * max(0.2, len(text) / 15))
        pcm = struct.pack(
            f"<{count}h",
            *(int(6000 * math.sin(2 * math.pi * 330 * i / 24000)) for i in range(count)),
        )
        if body.get("response_format") != "pcm":
            out = io.BytesIO()
            with wave.open(out, "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(24000)
                wav.writeframes(pcm)
            pcm = out.getvalue()
        self.send_response(200)
        self.send_header(
            "Content-Type", "audio/pcm" if body.get("response_format") == "pcm" else "audio/wav"
        )
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for start in range(0, len(pcm), 9600):
            piece = pcm[start : start + 9600]
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.flush()
        self._end_stream()

    def _error(
        self, anthropic: bool, status: int, kind: str, text: str, retry: bool = False
    ) -> None:
        headers = {"retry-after": "0"} if retry else {}
        if anthropic:
            payload = {"type": "error", "error": {"type": kind, "message": text}}
        else:
            payload = {"error": {"message": text, "type": kind, "code": kind, "param": None}}
        self._json(status, payload, headers)

    def _words(self, reply: Reply, mode: str) -> tuple[list[str], bool]:
        """The words to stream, and whether to cut the stream after them."""
        words = reply.words
        if mode and reply.tool is None:
            return words[: max(2, len(words) // 2)], True
        return words, False

    def _pause_or_drop(self, mode: str) -> None:
        if mode == "stall":
            time.sleep(self.fake.slow_seconds)
        self._drop()

    # -- OpenAI and Mistral ------------------------------------------------------------
    def _openai_stream(self, reply: Reply, model: str, mode: str, body: dict) -> None:
        ident = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        created = int(time.time())

        def event(delta: dict, finish: str | None = None, usage: dict | None = None) -> None:
            chunk: dict[str, Any] = {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            if usage is not None:
                chunk["usage"] = usage
            self._chunk(f"data: {json.dumps(chunk)}\n\n")

        self._start_stream()
        event({"role": "assistant", "content": ""})
        words, cut = self._words(reply, mode)
        if reply.tool is not None:
            call = {
                "index": 0,
                "id": f"call_{uuid.uuid4().hex[:9]}",
                "type": "function",
                "function": {"name": reply.tool, "arguments": ""},
            }
            arguments = json.dumps(reply.arguments)
            if "mistral" in self.headers.get("User-Agent", "").lower():
                # Mistral sends a tool call whole, in one chunk.
                call["function"]["arguments"] = arguments
                event({"tool_calls": [call]})
            else:
                # OpenAI sends the name first, then the arguments in pieces.
                event({"tool_calls": [call]})
                half = len(arguments) // 2
                for part in (arguments[:half], arguments[half:]):
                    event({"tool_calls": [{"index": 0, "function": {"arguments": part}}]})
        for word in words:
            event({"content": word})
            time.sleep(self.fake.token_delay)
        if cut:
            self._pause_or_drop(mode)
            return
        usage = reply.openai_usage()
        finish = "tool_calls" if reply.tool else "stop"
        if (body.get("stream_options") or {}).get("include_usage"):
            event({}, finish)
            final = {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [],
                "usage": usage,
            }
            self._chunk(f"data: {json.dumps(final)}\n\n")
        else:
            event({}, finish, usage)
        self._chunk("data: [DONE]\n\n")
        self._end_stream()

    # -- Anthropic ---------------------------------------------------------------------
    def _anthropic_stream(self, reply: Reply, model: str, mode: str) -> None:
        def event(kind: str, payload: dict) -> None:
            self._chunk(f"event: {kind}\ndata: {json.dumps({'type': kind, **payload})}\n\n")

        self._start_stream()
        event(
            "message_start",
            {
                "message": {
                    "id": f"msg_{uuid.uuid4().hex[:12]}",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": model,
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {**reply.anthropic_input_usage(), "output_tokens": 1},
                }
            },
        )
        words, cut = self._words(reply, mode)
        if reply.tool is not None:
            block = {
                "type": "tool_use",
                "id": f"toolu_{uuid.uuid4().hex[:12]}",
                "name": reply.tool,
                "input": {},
            }
            event("content_block_start", {"index": 0, "content_block": block})
            arguments = json.dumps(reply.arguments)
            delta = {"type": "input_json_delta", "partial_json": arguments}
            event("content_block_delta", {"index": 0, "delta": delta})
            event("content_block_stop", {"index": 0})
        else:
            event(
                "content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}
            )
            for word in words:
                event(
                    "content_block_delta",
                    {"index": 0, "delta": {"type": "text_delta", "text": word}},
                )
                time.sleep(self.fake.token_delay)
            if cut:
                self._pause_or_drop(mode)
                return
            event("content_block_stop", {"index": 0})
        stop = "tool_use" if reply.tool else "end_turn"
        event(
            "message_delta",
            {
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": reply.completion_tokens},
            },
        )
        event("message_stop", {})
        self._end_stream()


def _openai_completion(reply: Reply, model: str) -> dict:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.tool is not None:
        message["tool_calls"] = [
            {
                "id": f"call_{uuid.uuid4().hex[:9]}",
                "type": "function",
                "function": {"name": reply.tool, "arguments": json.dumps(reply.arguments)},
            }
        ]
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool else "stop",
            }
        ],
        "usage": reply.openai_usage(),
    }


def _multipart(content_type: str, raw: bytes) -> dict[str, bytes]:
    """A multipart/form-data body's fields, by name."""
    message = email.message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw, policy=email.policy.HTTP
    )
    fields: dict[str, bytes] = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[str(name)] = part.get_payload(decode=True) or b""
    return fields


def _loudest(frames: bytes) -> int:
    count = len(frames) // 2
    return max((abs(s) for s in struct.unpack(f"<{count}h", frames[: count * 2])), default=0)


def _anthropic_message(reply: Reply, model: str) -> dict:
    if reply.tool is not None:
        content = [
            {
                "type": "tool_use",
                "id": f"toolu_{uuid.uuid4().hex[:12]}",
                "name": reply.tool,
                "input": reply.arguments,
            }
        ]
    else:
        content = [{"type": "text", "text": reply.text}]
    return {
        "id": f"msg_{uuid.uuid4().hex[:12]}",
        "type": "message",
        "role": "assistant",
        "content": content,
        "model": model,
        "stop_reason": "tool_use" if reply.tool else "end_turn",
        "stop_sequence": None,
        "usage": {**reply.anthropic_input_usage(), "output_tokens": reply.completion_tokens},
    }
