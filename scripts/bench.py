#!/usr/bin/env python
"""
Benchmark chatd over real 127.0.0.1 sockets: throughput, latency, login
bursts and memory per idle connection.  See docs/PERFORMANCE.md.

Each phase starts its own C{twistd -n chatd} process pinned to one CPU
(C{taskset -c 0}) while this generator pins itself to another, so the daemon
gets one whole core and the generator's own CPU use shows whether it kept up.
Load phases run the daemon with C{--flood-burst 0 --alive-after 0
--max-clients 0}: flood control and keepalive would throttle or probe the
generator, which is not what is being measured.  Every daemon also gets
only the listener under test (C{--web none}, C{--irc none}, C{--talk ''},
C{--admin off}, TCHAT on a free port when another protocol is tested),
loopback exempt from the per-address limits (C{--limit-exempt 127.0.0.0/8}), a
fresh C{--data-dir} whose seeded autojoin room is switched off
(C{--autojoin} keeps it), and C{--quiet-connections} (C{--log-connections}
keeps the per-login log lines), where the checkout knows those options.

    python scripts/bench.py            # every phase, one or two minutes
    python scripts/bench.py --quick    # a ~30 s smoke run
    python scripts/bench.py --json out.json --phases throughput,latency
    python scripts/bench.py --protocol websocket       # or irc; see adapters.py
    python scripts/bench.py --protocol irc --servers chatd,ngircd,inspircd
    python scripts/bench.py --nodes 1,2,3 --phases throughput,latency   # cluster
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchcluster import cluster
from benchdaemon import (
    Daemon,
    busyCores,
    freePort,
    raiseFileLimit,
    supportedOptions,
    withoutAutojoin,
)
from benchreport import HEADLINES, machine, percentiles, report, reportCluster, reportServers
from benchservers import SERVERS, Server, startServer
from loadgen import ADAPTERS, SO_TIMESTAMPNS, Client, Loop, WireAdapter

ROOT = Path(__file__).resolve().parent.parent
ROOM = "lobby"
LOAD_OPTIONS = ["--flood-burst", "0", "--alive-after", "0", "--max-clients", "0"]
PHASES = ("throughput", "latency", "logins", "memory")
Result = dict[str, Any]


class Bench:
    """
    The phases, sharing the options, the adapter and a scratch directory.
    """

    def __init__(
        self, args: argparse.Namespace, workdir: Path, root: Path = ROOT, server: str = "chatd"
    ) -> None:
        self.args = args
        self.root = root
        self.adapter: WireAdapter = ADAPTERS[args.protocol]()
        self.workdir = workdir
        self.message = self.adapter.message(ROOM, ["x" * args.body] * args.lines)
        # Deliveries one message makes per recipient (IRC: one per line).
        self.perMessage = self.adapter.deliveriesPerMessage(args.lines)
        self.server = server

    def daemonOptions(self, options: list[str]) -> tuple[list[str], Path | None]:
        """
        C{options} plus what every daemon gets: only the listener under test
        on 127.0.0.1 (the others off, or TCHAT on a free port, so several
        nodes can run side by side), its own data directory, quiet
        connections; then C{--daemon-args}.  Also the data directory.
        """
        supported = supportedOptions(self.root)
        options = list(options)
        name = self.adapter.name
        if "web" in supported and name != "websocket":
            options += ["--web", "none"]
        if "irc" in supported and name != "irc":
            options += ["--irc", "none"]
        if name != "tchat":
            options += ["--port", f"tcp:{freePort()}:interface=127.0.0.1"]
        if "talk" in supported:
            options += ["--talk", ""]
        if "admin" in supported:
            options += ["--admin", "off"]
        if "limit-exempt" in supported:  # the generator opens thousands from 127.0.0.1
            options += ["--limit-exempt", "127.0.0.0/8"]
        if "quiet-connections" in supported and not self.args.log_connections:
            options.append("--quiet-connections")
        dataDir = None
        if "data-dir" in supported:
            dataDir = Path(tempfile.mkdtemp(prefix="data-", dir=self.workdir))
            options += ["--data-dir", str(dataDir)]
        options += shlex.split(self.args.daemon_args)
        return options, dataDir

    @contextmanager
    def daemon(self, options: list[str], profile: Path | None = None) -> Iterator[Server]:
        """
        A fresh daemon for one phase (see L{daemonOptions}), with the seeded
        autojoin room switched off unless C{--autojoin}; or, with
        C{--server}, another IRC server.
        """
        if self.server != "chatd":
            foreign = startServer(self.server, self.workdir, self.args.daemon_cpu)
            try:
                yield foreign
            finally:
                foreign.stop()
            return
        options, dataDir = self.daemonOptions(options)
        if dataDir is not None and not self.args.autojoin:
            self.start(options).stop()  # creates and seeds the database
            withoutAutojoin(dataDir)
        daemon = self.start(options, profile)
        try:
            yield daemon
        finally:
            daemon.stop()

    def start(self, options: list[str], profile: Path | None = None, pinned: bool = True) -> Daemon:
        return Daemon(
            self.root,
            self.adapter,
            options,
            self.workdir,
            self.args.daemon_cpu if pinned else None,
            profile=profile,
            nice=self.args.nice,
        )

    def connect(
        self, loop: Loop, nicks: list[str], enter: bool, ports: list[int] | None = None
    ) -> list[Client]:
        """
        Connect one client per nickname, spread over C{ports} in turn, and
        log them in (and enter the room); return once every step is answered.
        """
        adapter = self.adapter
        hello = adapter.handshake()
        together = enter and adapter.pipelined

        def opening(nick: str) -> bytes:
            if hello:
                return hello
            login = adapter.login(nick)
            return login + adapter.enter(ROOM) if together else login

        targets: list[int | None] = list(ports) if ports else [None]
        pairs: list[tuple[Client, str]] = []
        for index, port in enumerate(targets):
            group = nicks[index :: len(targets)]

            def first(i: int, group: list[str] = group) -> bytes:
                return opening(group[i])

            opened = loop.open(len(group), first, port)
            pairs += zip(opened, group, strict=True)
        if hello:
            greeted = loop.greeted + len(pairs)
            if not loop.runUntil(lambda: loop.greeted >= greeted, 120):
                raise RuntimeError(f"only {loop.greeted} of {greeted} handshakes answered")
            for client, nick in pairs:
                login = adapter.login(nick)
                loop.send(client, login + adapter.enter(ROOM) if together else login)
        acks = loop.acks + len(pairs) * (2 if together else 1)
        if not loop.waitAcks(acks, 120):
            raise RuntimeError(f"only {loop.acks} of {acks} logins answered ({loop.errors} errors)")
        if enter and not together:
            for client, _ in pairs:
                loop.send(client, adapter.enter(ROOM))
            acks = loop.acks + len(pairs)
            if not loop.waitAcks(acks, 120):
                raise RuntimeError(
                    f"only {loop.acks} of {acks} entries answered ({loop.errors} errors)"
                )
        order = {nick: index for index, nick in enumerate(nicks)}
        pairs.sort(key=lambda pair: order[pair[1]])  # interleaved over the ports again
        return [client for client, _ in pairs]

    def crowd(
        self,
        loop: Loop,
        count: int,
        prefix: str,
        enter: bool = True,
        ports: list[int] | None = None,
    ) -> list[Client]:
        """
        Connect, log in (and enter the room) C{count} clients, in batches.
        """
        clients: list[Client] = []
        # ngIRCd listens with a backlog of 10: a thousand SYNs at once would
        # wait for the kernel's retransmissions, seconds apart.
        batch = 1000 if self.server == "chatd" else 20
        for base in range(0, count, batch):
            size = min(batch, count - base)
            nicks = [f"{prefix}{base + i}" for i in range(size)]
            clients += self.connect(loop, nicks, enter, ports)
        return clients

    def loadOptions(self) -> list[str]:
        return LOAD_OPTIONS

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
        clients = self.crowd(loop, self.args.clients, "u", ports=ports)
        for client in clients:  # enabled early: the kernel starts stamping lazily
            client.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        if "throughput" in run:
            result["throughput"] = self.throughput(loop, daemon, clients)
        if "latency" in run:
            result["latency"] = self.latency(loop, daemon, clients)
        return result

    def throughput(self, loop: Loop, daemon: Server, clients: list[Client]) -> Result:
        """
        (a) S senders keep W messages each in flight; count deliveries.
        """
        args, message = self.args, self.message
        senders = clients[: args.senders]
        fanout = (len(clients) - 1) * self.perMessage
        # A message is "in flight" until acknowledged; on top of that the
        # deliveries not yet read are capped, so no queue grows without bound.
        cap = 2 * args.senders * args.window * fanout
        # Deliveries before this phase (history replayed on entering, say)
        # are not the phase's: count from here.
        state = {"sent": 0, "sending": True, "base": loop.deliveries}
        blocked: list[Client] = []

        def refill(client: Client, acks: int) -> None:
            client.inflight -= acks
            if not state["sending"] or client.inflight < 0:
                client.inflight = max(client.inflight, 0)
                return
            if state["sent"] * fanout - (loop.deliveries - state["base"]) > cap:
                blocked.append(client)
                return
            more = args.window - client.inflight
            client.inflight = args.window
            state["sent"] += more
            loop.send(client, message * more)

        def unblock(client: Client, count: int, stamp: int) -> None:
            if blocked and state["sent"] * fanout - (loop.deliveries - state["base"]) <= cap // 2:
                waiting = blocked[:]
                del blocked[:]
                for sender in waiting:
                    refill(sender, 0)

        loop.onAck, loop.onDelivery = refill, unblock
        for sender in senders:
            refill(sender, 0)
        loop.runUntil(lambda: False, args.warmup)
        daemon.profile(True, "phase (a), throughput")
        before = (
            time.perf_counter(),
            loop.deliveries,
            daemon.cpuSeconds(),
            time.process_time(),
            busyCores(),
        )
        loop.runUntil(lambda: False, args.duration)
        after = (
            time.perf_counter(),
            loop.deliveries,
            daemon.cpuSeconds(),
            time.process_time(),
            busyCores(),
        )
        daemon.profile(False)
        state["sending"] = False
        drained = loop.runUntil(
            lambda: (
                loop.deliveries - state["base"] >= state["sent"] * fanout
                and all(sender.inflight == 0 for sender in senders)
            ),
            30,
        )
        loop.onAck = loop.onDelivery = None
        elapsed = after[0] - before[0]
        daemonCpu = (after[2] - before[2]) / elapsed
        generatorCpu = (after[3] - before[3]) / elapsed
        return {
            "clients": len(clients),
            "senders": len(senders),
            "window": args.window,
            "bodyLines": args.lines,
            "seconds": round(elapsed, 3),
            "deliveriesPerSecond": round((after[1] - before[1]) / elapsed),
            "messagesSent": state["sent"],
            "deliveriesExpected": state["sent"] * fanout,
            "deliveries": loop.deliveries - state["base"],
            "lost": state["sent"] * fanout - (loop.deliveries - state["base"]),
            "drained": drained,
            "errors": loop.errors,
            "disconnected": loop.lost,
            "daemonCpu": round(daemonCpu, 3),
            "generatorCpu": round(generatorCpu, 3),
            # What one fully used core would deliver: steadier than the raw
            # rate when other work on the machine takes the daemon's core.
            "deliveriesPerDaemonCpuSecond": round((after[1] - before[1]) / (after[2] - before[2])),
            "otherCpu": round((after[4] - before[4]) / elapsed - daemonCpu - generatorCpu, 3),
        }

    def latency(self, loop: Loop, daemon: Server, clients: list[Client]) -> Result:
        """
        (b) One message in flight: send time to each recipient's arrival time
        (kernel receive timestamps, so the generator's own turn does not count).
        """
        args, sender = self.args, clients[0]
        fanout = (len(clients) - 1) * self.perMessage
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
            loop.send(sender, self.message)
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
        (d) RSS growth for C{--idle} logged-in, silent connections.
        """
        args = self.args
        wanted = args.idle
        limit = raiseFileLimit(wanted + 500)
        idle = min(wanted, limit - 500)
        options = ["--max-clients", "0"]
        with self.daemon(options) as daemon:
            loop = Loop(self.adapter, daemon.port)
            try:
                warm = self.crowd(loop, 200, "w", enter=False)
                loop.close(warm)
                time.sleep(0.5)
                before = daemon.rss()
                clients = self.crowd(loop, idle, "i", enter=False)
                loop.runUntil(lambda: False, 1.0)
                after = daemon.rss()
                lost = loop.lost
            finally:
                loop.closeAll()
        return {
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


def compare(args: argparse.Namespace, workdir: Path, run: list[str]) -> Result:
    """
    Run the phases on C{--root} and C{--compare} in alternation, C{--rounds}
    times each, so both see the same machine noise; print the medians and
    their ratio (root / compare).
    """
    roots = {"root": args.root, "compare": args.compare}
    seen: dict[str, dict[str, list[float]]] = {name: {} for name in roots}
    for round_ in range(args.rounds):
        for name, root in roots.items():
            results = runPhases(Bench(args, workdir, root), run)
            print(f"round {round_ + 1}, {name} ({root}):")
            report(results)
            for headline, path in HEADLINES.items():
                value: Any = results
                for step in path:
                    value = value.get(step) if isinstance(value, dict) else None
                if value is not None:
                    seen[name].setdefault(headline, []).append(float(value))
    summary: Result = {}
    for headline in HEADLINES:
        mine, theirs = seen["root"].get(headline), seen["compare"].get(headline)
        if mine and theirs:
            a, b = statistics.median(mine), statistics.median(theirs)
            summary[headline] = {"root": a, "compare": b, "ratio": round(a / b, 3)}
            print(f"{headline}: {a:,.3f} vs {b:,.3f} (median of {args.rounds}): ratio {a / b:.3f}")
    return {"roots": {name: str(root) for name, root in roots.items()}, "medians": summary}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--protocol", choices=sorted(ADAPTERS), default="tchat")
    add("--phases", default=",".join(PHASES), help="comma-separated subset of " + ",".join(PHASES))
    add("--clients", type=int, default=500, help="N: clients in the one room")
    add("--senders", type=int, default=50, help="S: clients that send in phase (a)")
    add("--window", type=int, default=32, help="W: messages in flight per sender")
    add("--lines", type=int, default=1, help="body lines per message")
    add("--body", type=int, default=20, help="characters per body line")
    add("--warmup", type=float, default=2.0, help="seconds of load before measuring")
    add("--duration", type=float, default=20.0, help="seconds measured in phase (a)")
    add("--latency-messages", type=int, default=1000)
    add("--latency-seconds", type=float, default=30.0, help="time bound of phase (b)")
    add("--burst", type=int, default=1000, help="connections in one login burst")
    add("--burst-rounds", type=int, default=5)
    add("--idle", type=int, default=10000, help="idle connections in phase (d)")
    add("--daemon-cpu", type=int, default=0, help="CPU the daemon is pinned to")
    add("--generator-cpu", type=int, default=1, help="CPU this generator is pinned to")
    add("--no-pin", action="store_true", help="pin neither process")
    add(
        "--nice",
        type=int,
        default=0,
        help="run the daemon and the generator at this nice level (negative, as root: "
        "less noise from other work on a shared machine)",
    )
    add(
        "--profile",
        type=Path,
        help="run the daemon under pyinstrument; each measured phase's text report is "
        "appended here",
    )
    add("--json", type=Path, help="also write the results as JSON here ('-': stdout)")
    add("--quick", action="store_true", help="a ~30 s smoke run")
    add("--root", type=Path, default=ROOT, help="checkout whose chatd runs (default: this one)")
    add(
        "--daemon-args",
        default="",
        help="more options for every daemon, e.g. '--history-count 0'",
    )
    add(
        "--autojoin",
        action="store_true",
        help="keep the autojoin room a fresh data directory is seeded with (each login "
        "then enters it, notifying every member)",
    )
    add(
        "--log-connections",
        action="store_true",
        help="keep the daemon's log line per login and disconnect (by default the bench "
        "passes --quiet-connections: the text formatting costs ~40%% of a login)",
    )
    add(
        "--servers",
        default="chatd",
        help="with --protocol irc: comma-separated IRC servers loaded in turn in one run, "
        f"of {','.join(SERVERS)} (Debian packages ngircd, inspircd)",
    )
    add(
        "--nodes",
        default="",
        help="cluster mode: comma-separated node counts, e.g. 1,2,3: phases (a) and (b) "
        "with the N clients spread over that many --cluster nodes on one redis-server",
    )
    add("--compare", type=Path, help="another checkout: run both in turn, report the ratios")
    add("--rounds", type=int, default=3, help="turns per checkout with --compare")
    args = parser.parse_args(argv)
    servers = [name for name in args.servers.split(",") if name]
    if set(servers) - set(SERVERS) or (servers != ["chatd"] and args.protocol != "irc"):
        parser.error(f"--servers takes {','.join(SERVERS)}, with --protocol irc")
    args.servers = servers
    args.nodes = [int(count) for count in args.nodes.split(",") if count]
    if args.quick:  # shorter phases, unless given explicitly
        quick = {
            "warmup": 1.0,
            "duration": 4.0,
            "latency_messages": 200,
            "latency_seconds": 5.0,
            "burst_rounds": 2,
            "idle": 2000,
        }
        for name, value in quick.items():
            if getattr(args, name) == parser.get_default(name):
                setattr(args, name, value)
    if args.no_pin or shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        if not args.no_pin:
            print("not pinning: needs taskset (util-linux) and two CPUs", file=sys.stderr)
        args.daemon_cpu = args.generator_cpu = None
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    run = [phase for phase in args.phases.split(",") if phase]
    unknown = set(run) - set(PHASES)
    if unknown:
        sys.exit(f"unknown phases: {', '.join(sorted(unknown))}")
    if args.generator_cpu is not None:
        os.sched_setaffinity(0, {args.generator_cpu})
    if args.nice:
        os.nice(args.nice)  # the generator too: the closed loop needs both
    raiseFileLimit(max(args.clients, args.burst, args.idle) + 500)
    if args.profile is not None:
        args.profile.write_text("")  # each phase appends its report
    results: Result = {"machine": machine(), "protocol": args.protocol, "options": dict(vars(args))}
    for key in ("profile", "json", "root", "compare"):
        results["options"][key] = str(results["options"][key])
    with tempfile.TemporaryDirectory(prefix="chatd-bench-") as scratch:
        if args.nodes:
            report(results)
            results["cluster"] = cluster(Bench(args, Path(scratch), args.root), args.nodes, run)
            reportCluster(results["cluster"])
        elif args.servers != ["chatd"]:
            report(results)
            results["servers"] = {}
            for name in args.servers:
                print(f"server {name}:")
                found = runPhases(Bench(args, Path(scratch), args.root, name), run)
                report(found)
                results["servers"][name] = found
            reportServers(results["servers"])
        elif args.compare is None:
            results.update(runPhases(Bench(args, Path(scratch), args.root), run))
            report(results)
        else:
            report(results)
            results["compare"] = compare(args, Path(scratch), run)
    if args.json is not None:
        text = json.dumps(results, indent=2)
        if str(args.json) == "-":
            print(text)
        else:
            args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
