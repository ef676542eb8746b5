# -*- test-case-name: tests.unit.test_bench -*-
"""
The benchmark's four phases against one server: (a) throughput, (b) latency,
(c) login bursts, (d) memory per idle connection; and C{--compare}, which
runs them on two checkouts in turn.  The command line is in C{__main__.py};
the method is in docs/dev/BENCHMARKING.md.

Each phase starts its own C{twistd -n chatd} process pinned to one CPU
(C{taskset -c 0}) while the generator pins itself to another, so the daemon
gets one whole core and the generator's own CPU use shows whether it kept up.
"""

from __future__ import annotations

import socket
import statistics
import sys
import time

from .daemon import (
    busyCores,
    raiseFileLimit,
)
from .harness import LOAD_OPTIONS, Harness, Result, probe
from .layouts import deal, fanouts
from .loadgen import SO_TIMESTAMPNS, Client, Loop
from .pacing import Pace
from .report import percentiles
from .servers import Server

THROUGHPUT = "phase (a), throughput"  # the measured window's label


class Bench(Harness):
    """
    The four phases, on the server and clients of L{Harness}.
    """

    def throughputAndLatency(self, run: list[str]) -> Result:
        """
        Phases (a) and (b) on one daemon and one crowd of N clients.
        """
        with self.daemon(self.loadOptions(), self.args.profile) as daemon:
            loop = Loop(self.adapter, daemon.port)
            try:
                return self.measure(loop, daemon, None, run)
            finally:
                loop.closeAll()

    def measure(
        self, loop: Loop, daemon: Server, ports: list[int] | None, run: list[str]
    ) -> Result:
        """
        Phases (a) and (b) on one crowd of N clients, spread over C{ports}.
        """
        result = {}
        args = self.args
        seats = deal(args.layout, args.clients, len(ports) if ports else 1, args.rooms)
        rooms = [room for _, room in seats]
        started = time.perf_counter()
        clients = self.crowd(loop, args.clients, "u", ports=ports, seats=seats)
        # How long N clients took to register and join, in batches: one
        # join announced to everyone already there makes it O(N^2).
        result["setup"] = {
            "clients": len(clients),
            "rooms": len(set(rooms)),
            "seconds": time.perf_counter() - started,
        }
        [watcher] = self.crowd(loop, 1, "watch", enter=False, ports=ports)
        watcher.watcher = True
        watcher.stamped = True
        watcher.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        for client in clients:  # enabled early: the kernel starts stamping lazily
            client.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        if "throughput" in run:
            nodes = len(ports) if ports else 1
            result["throughput"] = self.throughput(loop, daemon, clients, watcher, rooms, nodes)
        if "latency" in run:
            result["latency"] = self.latency(loop, daemon, clients, rooms)
        return result

    def throughput(
        self,
        loop: Loop,
        daemon: Server,
        clients: list[Client],
        watcher: Client,
        rooms: list[str],
        nodes: int = 1,
    ) -> Result:
        """
        (a) S senders keep W messages each in flight; count deliveries.
        With C{--rate}, they send that many messages per second per node
        in all instead (L{Pace}), W only capping each one's in flight.
        Meanwhile C{watcher}, in no room, asks one request after another
        (L{WireAdapter.probe}): how long a user waits for an answer while
        the daemon is saturated, which a long reactor turn makes long.
        """
        args = self.args
        senders = clients[: args.senders]
        fanout = dict(zip(senders, fanouts(rooms, self.perMessage), strict=False))
        message = {
            sender: self.adapter.message(room, self.body)
            for sender, room in zip(senders, rooms, strict=False)
        }
        # A message is "in flight" until acknowledged; on top of that the
        # deliveries not yet read are capped, so no queue grows without bound.
        cap = 2 * args.window * sum(fanout.values())
        # Deliveries before this phase (history replayed on entering, say)
        # are not the phase's: count from here.  "due": deliveries the
        # messages sent make (each sender's room has its own size).
        state = {"sent": 0, "due": 0, "sending": True, "base": loop.deliveries, "measuring": False}
        blocked: list[Client] = []
        probe = self.adapter.probe("watch0")
        answers: list[int] = []
        asked = [time.time_ns()]
        pace = Pace(args.rate * nodes, senders) if args.rate else None

        def send(client: Client, more: int) -> None:
            client.inflight += more
            state["sent"] += more
            state["due"] += more * fanout[client]
            loop.send(client, message[client] * more)

        def refill(client: Client, acks: int) -> None:
            if client is watcher:
                # From the request's send to its answer's arrival in the
                # kernel: the daemon's wait, not this generator's.
                if state["measuring"]:
                    answers.append((watcher.stamp or time.time_ns()) - asked[0])
                if state["sending"]:
                    asked[0] = time.time_ns()
                    loop.send(watcher, probe)
                return
            client.inflight -= acks
            if not state["sending"] or client.inflight < 0:
                client.inflight = max(client.inflight, 0)
                return
            if pace is not None:  # sent by the clock (tick), not by acks
                return
            if state["due"] - (loop.deliveries - state["base"]) > cap:
                blocked.append(client)
                return
            send(client, args.window - client.inflight)

        def tick() -> None:
            if pace is None or not state["sending"]:
                return
            if state["due"] - (loop.deliveries - state["base"]) > cap:
                return
            for sender in senders:
                more = min(pace.owed(sender), args.window - sender.inflight)
                if more > 0:
                    pace.took(sender, more)
                    send(sender, more)

        def unblock(client: Client, count: int, stamp: int) -> None:
            if blocked and state["due"] - (loop.deliveries - state["base"]) <= cap // 2:
                waiting = blocked[:]
                del blocked[:]
                for sender in waiting:
                    refill(sender, 0)

        loop.onAck, loop.onDelivery, loop.onTick = refill, unblock, tick
        for sender in senders:
            refill(sender, 0)
        loop.send(watcher, probe)
        loop.runUntil(lambda: False, args.warmup)
        daemon.profile(True, THROUGHPUT)
        before = (
            time.perf_counter(),
            loop.deliveries,
            daemon.cpuSeconds(),
            time.process_time(),
            busyCores(),
            daemon.mainThreadSeconds(),
        )
        state["measuring"] = True
        loop.runUntil(lambda: False, args.duration)
        state["measuring"] = False
        after = (
            time.perf_counter(),
            loop.deliveries,
            daemon.cpuSeconds(),
            time.process_time(),
            busyCores(),
            daemon.mainThreadSeconds(),
        )
        daemon.profile(False)
        state["sending"] = False
        drained = loop.runUntil(
            lambda: (
                loop.deliveries - state["base"] >= state["due"]
                and all(sender.inflight == 0 for sender in senders)
            ),
            30,
        )
        loop.onAck = loop.onDelivery = loop.onTick = None
        elapsed = after[0] - before[0]
        daemonCpu = (after[2] - before[2]) / elapsed
        generatorCpu = (after[3] - before[3]) / elapsed
        return {
            "clients": len(clients),
            "senders": len(senders),
            "window": args.window,
            "ratePerNode": args.rate,
            "bodyLines": args.lines,
            "seconds": round(elapsed, 3),
            "deliveriesPerSecond": round((after[1] - before[1]) / elapsed),
            "messagesSent": state["sent"],
            "deliveriesExpected": state["due"],
            "deliveries": loop.deliveries - state["base"],
            "lost": state["due"] - (loop.deliveries - state["base"]),
            "drained": drained,
            "errors": loop.errors,
            "disconnected": loop.lost,
            "daemonCpu": round(daemonCpu, 3),
            "generatorCpu": round(generatorCpu, 3),
            # What one fully used core would deliver: steadier than the raw
            # rate when other work on the machine takes the daemon's core.
            "deliveriesPerDaemonCpuSecond": round((after[1] - before[1]) / (after[2] - before[2])),
            # The main thread alone (chatd's reactor): the rest of the daemon's
            # CPU is its pool threads', chiefly the history writer's.
            "mainThreadCpu": round((after[5] - before[5]) / elapsed, 3),
            "deliveriesPerMainThreadCpuSecond": round(
                (after[1] - before[1]) / max(after[5] - before[5], 0.01)
            ),
            "otherThreadsShare": round(
                max(0.0, 1 - (after[5] - before[5]) / max(after[2] - before[2], 0.01)), 3
            ),
            "otherCpu": round((after[4] - before[4]) / elapsed - daemonCpu - generatorCpu, 3),
            "answersUnderLoad": len(answers),
            "answerUnderLoadMs": percentiles(answers),
        }

    def latency(
        self, loop: Loop, daemon: Server, clients: list[Client], rooms: list[str]
    ) -> Result:
        """
        (b) One message in flight, from the first client to its room: send
        time to each recipient's arrival time (kernel receive timestamps, so
        the generator's own turn does not count).
        """
        args, sender = self.args, clients[0]
        fanout = fanouts(rooms, self.perMessage)[0]
        message = self.adapter.message(rooms[0], self.body)
        for client in clients:
            client.stamped = True
        samples: list[int] = []
        lasts: list[int] = []
        okays: list[int] = []
        sent = [0]

        def arrived(client: Client, count: int, stamp: int) -> None:
            samples.extend([stamp - sent[0]] * count)

        def acked(client: Client, count: int) -> None:
            okays.append(time.time_ns() - sent[0])

        loop.onDelivery, loop.onAck = arrived, acked
        daemon.profile(True, "phase (b), latency")
        started, busy, daemonCpu = time.perf_counter(), busyCores(), daemon.cpuSeconds()
        deadline = time.monotonic() + args.latency_seconds
        count = 0
        while count < args.latency_messages and time.monotonic() < deadline:
            goal = len(samples) + fanout
            sent[0] = time.time_ns()
            loop.send(sender, message)
            if not loop.waitAcks(loop.acks + 1, 10):
                break
            if not loop.runUntil(lambda: len(samples) >= goal, 10):  # noqa: B023 (called here)
                break
            lasts.append(max(samples[-fanout:]))
            count += 1
        loop.onAck = loop.onDelivery = None
        daemon.profile(False)
        elapsed = time.perf_counter() - started
        daemonSeconds = daemon.cpuSeconds() - daemonCpu
        return {
            "messages": count,
            "daemonCpu": round(daemonSeconds / elapsed, 3),
            # The daemon's CPU time per message (reading it, N - 1 writes): on
            # an idle machine, the floor under the last recipient's latency.
            "daemonCpuMsPerMessage": round(daemonSeconds * 1000 / max(count, 1), 3),
            "busyCores": round((busyCores() - busy) / elapsed, 3),
            "deliveries": len(samples),
            "lost": count * fanout - len(samples),
            "deliveryMs": percentiles(samples),
            "lastRecipientMs": percentiles(lasts),
            "okayMs": percentiles(okays),
        }

    def logins(self) -> Result:
        """
        (c) Bursts of connections that log in at once; the best and median rate.
        """
        args, rates = self.args, []
        cpu: list[float] = []
        perCpu: list[float] = []
        with self.daemon(LOAD_OPTIONS, args.profile) as daemon:
            loop = Loop(self.adapter, daemon.port)
            daemon.profile(True, "phase (c), login bursts")
            try:
                for round_ in range(args.burst_rounds):
                    nicks = [f"b{round_}x{i}" for i in range(args.burst)]
                    started, daemonCpu = time.perf_counter(), daemon.cpuSeconds()
                    try:
                        clients = self.connect(loop, nicks, enter=False)
                    except RuntimeError as error:
                        raise RuntimeError(f"burst {round_}: {error}") from None
                    elapsed = time.perf_counter() - started
                    rates.append(args.burst / elapsed)
                    used = daemon.cpuSeconds() - daemonCpu
                    cpu.append(used / elapsed)
                    perCpu.append(args.burst / used if used else 0.0)
                    loop.close(clients)
                    time.sleep(0.5)  # let the daemon see the disconnects
                daemon.profile(False)
            finally:
                loop.closeAll()
        return {
            "connections": args.burst,
            "rounds": len(rates),
            "loginsPerSecond": round(statistics.median(rates)),
            "bestLoginsPerSecond": round(max(rates)),
            "allLoginsPerSecond": [round(rate) for rate in rates],
            "daemonCpu": round(statistics.median(cpu), 3),
            "loginsPerDaemonCpuSecond": round(statistics.median(perCpu)),
            "errors": loop.errors,
        }

    def memory(self) -> Result:
        """
        (d) RSS growth for C{--idle} logged-in, silent connections, spread
        over loopback source addresses; then each is sent one request in
        turn (L{probe}), and the time to its answer is measured.
        """
        args = self.args
        wanted = args.idle
        limit = raiseFileLimit(wanted + 500)
        idle = min(wanted, limit - 500)
        options = ["--max-clients", "0"]
        with self.daemon(options) as daemon:
            loop = Loop(self.adapter, daemon.port)
            loop.sources = 1 + idle // 20_000
            try:
                warm = self.crowd(loop, 200, "w", enter=False)
                loop.close(warm)
                time.sleep(0.5)
                before = daemon.rss()
                clients = self.crowd(loop, idle, "i", enter=False)
                loop.runUntil(lambda: False, 1.0)
                after = daemon.rss()
                answers = probe(loop, clients, "i")
                lost = loop.lost
            finally:
                loop.closeAll()
        return {
            "answered": len(answers),
            "answerMs": percentiles(answers),
            "answeredOver10Ms": sum(1 for ns in answers if ns > 10_000_000),
            "connections": len(clients),
            "requested": wanted,
            "fileLimit": limit,
            "rssBefore": before,
            "rssAfter": after,
            "bytesPerConnection": round((after - before) / len(clients)),
            "disconnected": lost,
            "daemonOptions": options,
        }


def runPhases(bench: Bench, run: list[str]) -> Result:
    """
    The phases in C{run}; one that fails (a server that does not answer in
    time) is reported as failed and the others still run.
    """
    results: Result = {}
    steps = []
    if "throughput" in run or "latency" in run:
        steps.append(("throughput", lambda: results.update(bench.throughputAndLatency(run))))
    if "logins" in run:
        steps.append(("logins", lambda: results.__setitem__("logins", bench.logins())))
    if "memory" in run:
        steps.append(("memory", lambda: results.__setitem__("memory", bench.memory())))
    for name, step in steps:
        try:
            step()
        except RuntimeError as error:
            results.setdefault("failed", {})[name] = str(error)
            print(f"phase {name} failed: {error}", file=sys.stderr)
    return results
