"""
How much storing history costs the fan-out: the same room traffic through a
C{ChatService} without a store and with the real SQLite store (write-behind
batches in the pool thread), TCHAT-encoded to in-memory transports.

Usage: .venv/bin/python -m scripts.bench.history [--members 100] [--messages 20000]
Prints deliveries per second for each and the storage overhead; docs/STORAGE.md
records a run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.defer import ensureDeferred
from twisted.internet.task import deferLater, react
from twisted.internet.testing import StringTransport

from chatd.core.interfaces import settled
from chatd.core.service import ChatService
from chatd.storage.sqlite import sqliteStore
from chatd.tchat import TchatFactory, TchatProtocol


async def once(
    reactor: Any, members: int, messages: int, withStore: bool
) -> tuple[float, float, float]:
    """
    Seconds to fan C{messages} messages out to C{members} members, seconds
    until they are also all written (the same without a store), and the CPU
    seconds the process (all its threads) spent on it: on a shared machine
    the last is the steadiest measure.
    """
    store = None
    directory = tempfile.TemporaryDirectory()
    if withStore:
        store = sqliteStore(str(Path(directory.name) / "bench.sqlite3"), reactor)
        store.startService()
    service = ChatService(reactor, store=store, historyCount=0)
    service.startService()
    factory = TchatFactory(service, reactor, floodBurst=None, aliveAfter=None)
    people: list[tuple[TchatProtocol, StringTransport]] = []
    for i in range(members):
        proto = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 10000 + i))
        assert isinstance(proto, TchatProtocol)
        transport = StringTransport()
        proto.makeConnection(transport)
        await settled(service.login(proto, f"u{i}")) if withStore else service.login(proto, f"u{i}")
        people.append((proto, transport))
    if withStore:
        await settled(service.createRoom(people[0][0], "bench"))
    if not withStore:
        service.createRoom(people[0][0], "bench")
    for member, _ in people:
        await ensureDeferred(_enter(service, member))
    await deferLater(reactor, 0.2, lambda: None)
    for _, transport in people:
        transport.clear()
    started, startedCPU = time.perf_counter(), time.process_time()
    for n in range(messages):
        service.say(people[n % members][0], "bench", (f"message number {n}",))
        if n % 100 == 99:
            await deferLater(reactor, 0, lambda: None)
            for _, transport in people:
                transport.clear()
    fannedOut = time.perf_counter() - started
    if store is not None:
        await store.flush()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - startedCPU
    if store is not None:
        await store.stopService()
    factory.flusher.cancel()
    directory.cleanup()
    return fannedOut, elapsed, cpu


async def _enter(service: ChatService, proto: Any) -> None:
    result = service.enter(proto, "bench")
    if not isinstance(result, str):
        await result


async def main(reactor: Any, members: int, messages: int, rounds: int) -> None:
    best = {False: [float("inf")] * 3, True: [float("inf")] * 3}
    for _ in range(rounds):
        for withStore in (False, True):
            result = await once(reactor, members, messages, withStore)
            best[withStore] = [min(a, b) for a, b in zip(best[withStore], result, strict=True)]
    deliveries = messages * (members - 1)
    print(f"{members} members, {messages} messages, best of {rounds} (deliveries/s)")
    plain = deliveries / best[False][0]
    print(f"no store:                         {plain:12,.0f}")
    for index, what in enumerate(["reactor thread only", "until all are written"]):
        stored = deliveries / best[True][index]
        print(f"SQLite, {what:24}: {stored:12,.0f}  ({100 * (1 - stored / plain):5.1f} % less)")
    plainCPU, storedCPU = deliveries / best[False][2], deliveries / best[True][2]
    print(f"per CPU second, no store:         {plainCPU:12,.0f}")
    print(
        f"per CPU second, SQLite:           {storedCPU:12,.0f}"
        f"  ({100 * (1 - storedCPU / plainCPU):5.1f} % less)"
    )


def run() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench.history", description=__doc__.splitlines()[1]
    )
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    react(lambda reactor: ensureDeferred(main(reactor, args.members, args.messages, args.rounds)))


if __name__ == "__main__":
    run()
