# -*- test-case-name: tests.unit.test_bench -*-
"""
Cluster mode (C{--nodes 1,2,3}): a real C{redis-server}
on a free 127.0.0.1 port and that many C{twistd chatd --cluster} nodes, the
same N clients spread over them in turn, and phases (a) and (b) measured on
the whole.  The nodes are not pinned: on a two-core machine they, Redis and
the generator share both cores, which is the point being measured.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .daemon import (
    Daemon,
    freePort,
    procCpuSeconds,
    supportedOptions,
    unpinned,
    withoutAutojoin,
)
from .layouts import ROOM, Seat, spread
from .loadgen import Client, Loop
from .phases import THROUGHPUT, Bench

Result = dict[str, Any]


class Redis:
    """
    A throw-away C{redis-server}: nothing on disk, loopback only.
    """

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("cluster mode needs redis-server (apt-get install redis-server)")
        self.port = freePort()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        log = (workdir / f"redis-{self.port}.log").open("ab")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(workdir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=unpinned,
        )
        log.close()
        self.pid = self.process.pid
        deadline = time.monotonic() + 20
        while not self.command(b"PING\r\n").startswith(b"+PONG"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def command(self, line: bytes) -> bytes:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
                conn.sendall(line)
                return conn.recv(64)
        except OSError:
            return b""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


class Nodes:
    """
    The nodes and Redis, read by the phases as one server: CPU time is
    theirs together.
    """

    def __init__(self, nodes: list[Daemon], redis: Redis) -> None:
        self.nodes, self.redis = nodes, redis
        self.port = nodes[0].port
        self.pid = nodes[0].pid
        self.label, self.started = "", [0.0]
        self.windows: dict[str, dict[str, Any]] = {}

    def cpuSeconds(self) -> float:
        return sum(node.cpuSeconds() for node in self.nodes) + procCpuSeconds(self.redis.pid)

    def mainThreadSeconds(self) -> float:
        return sum(node.mainThreadSeconds() for node in self.nodes) + procCpuSeconds(
            self.redis.pid, self.redis.pid
        )

    def rss(self) -> int:
        return sum(node.rss() for node in self.nodes)

    def profile(self, start: bool, label: str = "") -> None:
        """
        Not profiled: several processes.  But a phase calls this at the start
        and end of its measured window: each node's and Redis's CPU seconds
        in that window go to C{windows[label]}.
        """
        now = [node.cpuSeconds() for node in self.nodes] + [procCpuSeconds(self.redis.pid)]
        if start:
            self.label, self.started = label, now
        else:
            used = [round(b - a, 2) for a, b in zip(self.started, now, strict=True)]
            self.windows[self.label] = {"nodes": used[:-1], "redis": used[-1]}

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def waitLinked(node: Daemon, timeout: float = 20.0) -> None:
    """
    Wait until C{node} has logged that its link to Redis is up, so that the
    phases measure a working cluster rather than its start.  (A node takes
    logins before that too: their nickname claims wait for the link, up to
    a few seconds; see docs/CLUSTER.md.)
    """
    deadline = time.monotonic() + timeout
    while "connected to Redis" not in node.logfile.read_text(errors="replace"):
        if node.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"node never reached Redis: see {node.logfile}")
        time.sleep(0.05)


def listed(port: int, name: str, room: str) -> int:
    """
    How many members other than probes node C{port} lists in C{room}, asked
    over TCHAT by a probe user C{name} (LSMEM is for members: it enters too,
    and leaves when it disconnects).
    """
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(f"clt: LOGIN {name}\nclt: ENTER {room}\nclt: LSMEM {room}\n".encode())
        lines = conn.makefile("rb")
        answers, names, listing = 0, 0, False
        while answers < 3:
            line = lines.readline()
            if not line:
                raise RuntimeError(f"node {port} closed the probe connection")
            if line.startswith((b"srv: OKAY!", b"srv: ERROR")):
                answers += 1
                listing = False
            elif line.startswith(f"srv: LSMEM {room} ".encode()):
                listing = True
            elif listing and not line.startswith(b"srv: probe"):
                names += 1
        return names


def waitMembers(ports: list[int], seats: list[Seat], timeout: float = 60.0) -> None:
    """
    Wait until, for each room of C{seats}, every node with members of it
    lists all of them.  A node publishes a local user's room message only
    if it knows members of the room on other nodes, so a phase that starts
    before every entry has crossed Redis loses its first messages to the
    other nodes: hundreds of thousands of "lost" deliveries in 2-node runs
    (docs/dev/BENCHMARKING.md).  A node without members is not asked.
    """
    deadline = time.monotonic() + timeout
    for room, (nodes, count) in spread(seats).items():
        for index in nodes:
            port = ports[index]
            while (seen := listed(port, f"probe{index}", room)) < count:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"node {port} lists {seen} of {count} in {room}")
                time.sleep(0.1)


def settledCrowd(bench: Bench) -> Callable[..., list[Client]]:
    """
    C{bench.crowd}, then L{waitMembers} (TCHAT only: the probe speaks it).
    """
    crowd = bench.crowd

    def settled(
        loop: Loop,
        count: int,
        prefix: str,
        enter: bool = True,
        ports: list[int] | None = None,
        seats: list[Seat] | None = None,
    ) -> list[Client]:
        clients = crowd(loop, count, prefix, enter, ports, seats)
        if enter and ports and bench.adapter.name == "tchat":
            if seats is None:
                seats = [(i % len(ports), ROOM) for i in range(len(clients))]
            waitMembers(ports, seats)
        return clients

    return settled


def startNodes(bench: Bench, count: int, url: str) -> list[Daemon]:
    nodes: list[Daemon] = []
    options = list(bench.loadOptions()) + ["--cluster", url]
    try:
        for _ in range(count):
            nodeOptions, dataDir = bench.daemonOptions(options)
            if dataDir is not None and not bench.args.autojoin:
                bench.start(nodeOptions, pinned=False).stop()
                withoutAutojoin(dataDir)
            nodes.append(bench.start(nodeOptions, pinned=False))
        for node in nodes:
            waitLinked(node)
    except BaseException:
        for node in nodes:
            node.stop()
        raise
    return nodes


def cluster(bench: Bench, counts: list[int], run: list[str]) -> Result:
    """
    Phases (a) and (b) for each node count, on one Redis flushed in between.
    """
    if "cluster" not in supportedOptions(bench.root):
        raise RuntimeError(f"{bench.root} has no --cluster option")
    results: Result = {}
    redis = Redis(bench.workdir)
    bench.crowd = settledCrowd(bench)  # type: ignore[method-assign]
    try:
        for count in counts:
            redis.command(b"FLUSHALL\r\n")
            nodes = startNodes(bench, count, redis.url)
            group = Nodes(nodes, redis)
            loop = Loop(bench.adapter, group.port)
            redisBefore = procCpuSeconds(redis.pid)
            try:
                result = bench.measure(loop, group, [node.port for node in nodes], run)
                window = group.windows.get(THROUGHPUT)
                if "throughput" in result and window is not None:
                    result["throughput"]["nodeCpuSeconds"] = window["nodes"]
                    result["throughput"]["redisCpuSecondsMeasured"] = window["redis"]
            except RuntimeError as error:  # nodes that stop answering: record, go on
                # ERROR replies are not acks: say how many came, or a refusal
                # looks like silence.
                result = {"failed": {"crowd": str(error), "errorReplies": loop.errors}}
            finally:
                loop.closeAll()
                group.stop()
            result["nodes"] = count
            result["layout"] = bench.args.layout
            result["redisCpuSeconds"] = round(procCpuSeconds(redis.pid) - redisBefore, 2)
            results[str(count)] = result
    finally:
        del bench.crowd  # the class's own again
        redis.stop()
    return results
