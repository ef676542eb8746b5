# -*- test-case-name: tests.unit.test_bench -*-
"""
What every phase stands on: the server under test (a fresh chatd with only
the listener under test, or another IRC server) and crowds of generator
clients logged in and entered in the benchmark's rooms (one, or those of
C{--layout}: C{layouts.py}).  The phases
themselves are in C{phases.py}.

Load phases run the daemon with C{--flood-burst 0 --alive-after 0
--max-clients 0}: flood control and keepalive would throttle or probe the
generator, which is not what is being measured.  Every daemon also gets
only the listener under test (C{--web none}, C{--irc none}, C{--talk ''},
C{--admin off}, TCHAT on a free port when another protocol is tested),
loopback exempt from the per-address limits (C{--limit-exempt 127.0.0.0/8}), a
fresh C{--data-dir} whose seeded autojoin room is switched off
(C{--autojoin} keeps it), and C{--quiet-connections} (C{--log-connections}
keeps the per-login log lines), where the checkout knows those options.
"""

from __future__ import annotations

import argparse
import shlex
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .daemon import Daemon, freePort, supportedOptions, withoutAutojoin
from .layouts import ROOM, Seat, roomName
from .loadgen import ADAPTERS, Client, Loop, WireAdapter
from .servers import Server, startServer

ROOT = Path(__file__).resolve().parents[2]  # the checkout this package is in
LOAD_OPTIONS = ["--flood-burst", "0", "--alive-after", "0", "--max-clients", "0"]
PHASES = ("throughput", "latency", "logins", "memory")
Result = dict[str, Any]


class Harness:
    """
    The server and the clients for the phases, sharing the options, the
    adapter and a scratch directory.
    """

    def __init__(
        self,
        args: argparse.Namespace,
        workdir: Path,
        root: Path = ROOT,
        server: str = "chatd",
        unstored: bool = False,
    ) -> None:
        self.args = args
        self.root = root
        self.unstored = unstored
        self.adapter: WireAdapter = ADAPTERS[args.protocol]()
        self.workdir = workdir
        self.body = ["x" * args.body] * args.lines
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
        if "metrics" in supported:  # its fixed port would collide with any other daemon's
            options += ["--metrics", "off"]
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
            unstored=self.unstored,
        )

    def connect(
        self,
        loop: Loop,
        nicks: list[str],
        enter: bool,
        ports: list[int] | None = None,
        seats: list[Seat] | None = None,
    ) -> list[Client]:
        """
        Connect one client per nickname, to C{ports} by C{seats} (a node
        index and a room each; by default the ports in turn and the one
        room), and log them in (and enter their rooms); return them in
        C{nicks}' order once every step is answered.
        """
        adapter = self.adapter
        hello = adapter.handshake()
        together = enter and adapter.pipelined
        targets: list[int | None] = list(ports) if ports else [None]
        if seats is None:
            seats = [(i % len(targets), ROOM) for i in range(len(nicks))]
        rooms = dict(zip(nicks, (room for _, room in seats), strict=True))

        def opening(nick: str) -> bytes:
            if hello:
                return hello
            login = adapter.login(nick)
            return login + adapter.enter(rooms[nick]) if together else login

        pairs: list[tuple[Client, str]] = []
        for index, port in enumerate(targets):
            group = [nick for nick, (node, _) in zip(nicks, seats, strict=True) if node == index]

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
                loop.send(client, login + adapter.enter(rooms[nick]) if together else login)
        acks = loop.acks + len(pairs) * (2 if together else 1)
        if not loop.waitAcks(acks, 120):
            raise RuntimeError(f"only {loop.acks} of {acks} logins answered ({loop.errors} errors)")
        if enter and not together:
            for client, nick in pairs:
                loop.send(client, adapter.enter(rooms[nick]))
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
        seats: list[Seat] | None = None,
    ) -> list[Client]:
        """
        Connect, log in (and enter their rooms) C{count} clients, in
        batches; C{seats}, one per client, as for L{connect}.
        """
        clients: list[Client] = []
        # ngIRCd listens with a backlog of 10: a thousand SYNs at once would
        # wait for the kernel's retransmissions, seconds apart.
        batch = 1000 if self.server == "chatd" else 20
        for base in range(0, count, batch):
            size = min(batch, count - base)
            nicks = [f"{prefix}{base + i}" for i in range(size)]
            some = None if seats is None else seats[base : base + size]
            clients += self.connect(loop, nicks, enter, ports, some)
        return clients

    def loadOptions(self) -> list[str]:
        """
        L{LOAD_OPTIONS}, and with C{--layout} the rooms that exist at start.
        """
        rooms = [roomName(index) for index in range(self.args.rooms)]
        if self.args.layout == "one-room" or "rooms" not in supportedOptions(self.root):
            return LOAD_OPTIONS
        return LOAD_OPTIONS + ["--rooms", ",".join([ROOM, *rooms])]


def answered(client: Client) -> Callable[[], bool]:
    """
    Whether C{client} has had one more answer since this was called.
    """
    acks = client.acks
    return lambda: client.acks > acks


def probe(loop: Loop, clients: list[Client], prefix: str) -> list[int]:
    """
    Send each client's L{WireAdapter.probe} in turn, one in flight, and
    return how long each took to be answered, in ns (a client not answered
    within 5 s is left out, and counts as lost if it was dropped).
    """
    adapter = loop.adapter
    answers = []
    for index, client in enumerate(clients):
        if client.closed:
            continue
        started = time.perf_counter_ns()
        loop.send(client, adapter.probe(f"{prefix}{index}"))
        if loop.runUntil(answered(client), 5.0):
            answers.append(time.perf_counter_ns() - started)
    return answers
