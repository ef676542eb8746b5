"""
A throw-away Redis Sentinel set-up for tests: one master C{redis-server},
one replica (C{--replicaof}) and three Sentinels (C{redis-server <conf>
--sentinel}, quorum 2, a master down after 1 s, failover timeout 3 s), all
on free 127.0.0.1 ports in the test's temporary directory, nothing on
disk.  The C{sentinels} fixture starts them and waits until every Sentinel
knows the replica and the two other Sentinels, so a failover can happen.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.redis_server import REDIS_SERVER, RedisServer, answers, freePort

REDIS_CLI = shutil.which("redis-cli")
MASTER = "mymaster"

#: Milliseconds without an answer before a Sentinel calls the master down.
DOWN_AFTER_MS = 1000


def command(port: int, *args: str) -> list[str]:
    """
    One command's reply from the server on C{port}, as C{redis-cli}
    prints it without a terminal: one line per value.
    """
    assert REDIS_CLI is not None
    done = subprocess.run(
        [REDIS_CLI, "-h", "127.0.0.1", "-p", str(port), *args],
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    )
    return done.stdout.splitlines()


class Sentinel:
    """
    One Sentinel process watching L{MASTER} in C{workdir}.
    """

    def __init__(self, workdir: Path, masterPort: int) -> None:
        self.workdir, self.port = workdir, freePort()
        self.process: subprocess.Popen[bytes] | None = None
        workdir.mkdir()
        (workdir / "sentinel.conf").write_text(
            f"port {self.port}\nbind 127.0.0.1\nprotected-mode no\ndir {workdir}\n"
            f"sentinel monitor {MASTER} 127.0.0.1 {masterPort} 2\n"
            f"sentinel down-after-milliseconds {MASTER} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {MASTER} 3000\n"
        )

    def start(self, timeout: float = 10.0) -> None:
        assert REDIS_SERVER is not None
        with (self.workdir / "sentinel.log").open("ab") as log:
            self.process = subprocess.Popen(
                [REDIS_SERVER, str(self.workdir / "sentinel.conf"), "--sentinel"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while not answers(self.port):
            assert self.process.poll() is None and time.monotonic() < deadline, self.logText()
            time.sleep(0.02)

    def logText(self) -> str:
        return (self.workdir / "sentinel.log").read_text(errors="replace")

    def masterState(self) -> dict[str, str]:
        """
        What this Sentinel knows of the master (C{SENTINEL master}).
        """
        lines = command(self.port, "SENTINEL", "master", MASTER)
        return dict(zip(lines[::2], lines[1::2], strict=False))

    def masterPort(self) -> int | None:
        """
        The port of the master this Sentinel names, if any.
        """
        reply = command(self.port, "SENTINEL", "get-master-addr-by-name", MASTER)
        return int(reply[1]) if len(reply) == 2 else None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


class Sentinels:
    """
    The master, its replica and three Sentinels.
    """

    def __init__(self, workdir: Path) -> None:
        for name in ("master", "replica"):
            (workdir / name).mkdir(parents=True)
        self.master = RedisServer(workdir / "master")
        self.replica = RedisServer(
            workdir / "replica", None, "--replicaof", "127.0.0.1", str(self.master.port)
        )
        self.sentinels = [Sentinel(workdir / f"sentinel{i}", self.master.port) for i in range(3)]

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{sentinel.port}" for sentinel in self.sentinels)
        return f"redis+sentinel://{hosts}/{MASTER}/0"

    def start(self, timeout: float = 30.0) -> None:
        """
        Start the master and the replica, wait for the replica to be in
        sync, then the Sentinels, and wait until each knows the replica and
        the other two (they find each other through the master).
        """
        self.master.start()
        self.replica.start()
        deadline = time.monotonic() + timeout
        while "master_link_status:up" not in command(self.replica.port, "INFO", "replication"):
            assert time.monotonic() < deadline, "the replica never synchronised"
            time.sleep(0.05)
        for sentinel in self.sentinels:
            sentinel.start()
        for sentinel in self.sentinels:
            while True:
                state = sentinel.masterState()
                if state.get("num-other-sentinels") == "2" and state.get("num-slaves") == "1":
                    break
                assert time.monotonic() < deadline, f"Sentinels not ready: {state}"
                time.sleep(0.1)

    def stop(self) -> None:
        for sentinel in self.sentinels:
            sentinel.stop()
        self.master.stop()
        self.replica.stop()


@pytest.fixture
def sentinels(tmp_path: Path) -> Iterator[Sentinels]:
    """
    A started L{Sentinels} set-up, stopped after the test.
    """
    if REDIS_SERVER is None or REDIS_CLI is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server; CI installs it)")
    servers = Sentinels(tmp_path / "redis")
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()
