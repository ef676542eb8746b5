"""
Run a real, throw-away C{redis-server} for tests.

It listens on a free 127.0.0.1 port, keeps nothing on disk (C{--save ""},
C{--appendonly no}) and lives in a temporary directory; L{RedisServer.restart}
stops it and starts a fresh one on the same port, as an operator's restart
would, and L{RedisServer.kill} kills it (C{SIGKILL}), as a crash would;
L{RedisServer.save} writes a snapshot, which the next start loads.
Extra arguments (C{--replicaof ...}) make a replica.  Tests skip with a
clear reason when the Debian package is missing.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REDIS_SERVER = shutil.which("redis-server")

requiresRedis = pytest.mark.skipif(
    REDIS_SERVER is None,
    reason="redis-server is not installed (apt-get install redis-server; CI installs it)",
)


def freePort() -> int:
    """
    A TCP port on 127.0.0.1 nobody listens on right now.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """
    One C{redis-server} process in C{workdir}.
    """

    def __init__(self, workdir: Path, port: int | None = None, *extra: str) -> None:
        self.workdir = workdir
        self.port = port or freePort()
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def clients(self) -> int:
        """
        How many connections Redis has open, besides the one asking.
        """
        with socket.create_connection(("127.0.0.1", self.port), timeout=5.0) as conn:
            conn.sendall(b"CLIENT LIST\r\n")
            reply = b""
            while not reply.endswith(b"\r\n") or reply.count(b"\r\n") < 2:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                reply += chunk
        return reply.count(b"id=") - 1

    def flushAll(self) -> None:
        """
        Empty every database of the running server (C{FLUSHALL}).
        """
        with socket.create_connection(("127.0.0.1", self.port), timeout=5.0) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            assert conn.recv(16).startswith(b"+OK")

    def save(self) -> None:
        """
        Write a snapshot (C{SAVE}) to C{dump.rdb} in L{workdir}: the next
        L{start} loads it, as a Redis restarted after a C{BGSAVE}, or a
        replica's full sync, would.
        """
        with socket.create_connection(("127.0.0.1", self.port), timeout=10.0) as conn:
            conn.sendall(b"SAVE\r\n")
            assert conn.recv(16).startswith(b"+OK")

    def start(self, timeout: float = 10.0) -> None:
        assert REDIS_SERVER is not None, "redis-server is not installed"
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                *self.extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while not answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                text = (self.workdir / "redis.log").read_text(errors="replace")
                raise RuntimeError(f"redis-server did not start:\n{text}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """
        Kill the server at once (C{SIGKILL}): no goodbye to its clients.
        """
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self, downFor: float = 0.0) -> None:
        """
        Stop, wait C{downFor} seconds, start again on the same port with
        every key forgotten.
        """
        self.stop()
        time.sleep(downFor)
        self.start()


@pytest.fixture
def redisServer(tmp_path: Path) -> Iterator[RedisServer]:
    """
    A started L{RedisServer}, stopped after the test.
    """
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server; CI installs it)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
