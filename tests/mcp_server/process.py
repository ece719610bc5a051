"""Starts the tracker server in a process of its own, as a real deployment would."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = Path(__file__).with_name("server.py")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class McpServerProcess:
    def __init__(self, transport: str, token: str = "") -> None:
        self.transport = transport
        self.port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPT), transport, str(self.port), *([token] if token else [])],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @property
    def url(self) -> str:
        path = "/mcp" if self.transport == "streamable-http" else "/sse"
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, within: float = 30.0) -> McpServerProcess:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the MCP server ended with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the MCP server did not start listening")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(transport: str, token: str = "") -> McpServerProcess:
    return McpServerProcess(transport, token).wait_ready()


STDIO_COMMAND = (sys.executable, str(SCRIPT), "stdio")
