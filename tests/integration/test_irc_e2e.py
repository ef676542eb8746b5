"""
End-to-end: the PyPI C{irc} client library and a raw TCHAT socket talk to
chatd's IRC and TCHAT listeners over 127.0.0.1.

The C{irc} library is blocking, so the clients run in a worker thread while
the reactor serves them; the scenario asserts there and its failure fails
the test.
"""

from __future__ import annotations

import functools
import re
import socket
import ssl
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import irc.client
import irc.connection
import pytest_twisted
from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.task import deferLater
from twisted.internet.threads import deferToThread

from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.tchat import TchatFactory
from tests.support.daemon import startDaemon
from tests.support.tls import makeCertificate

DEADLINE = 10.0

#: A guest's host: a cloak of their address (chatd.core.hosts).
GUEST = r"guest-[0-9a-f]{8}\.chatd"


class Client:
    """
    One C{irc} library connection with every event it receives recorded.
    """

    def __init__(self, port: int, nick: str, **kwargs: Any) -> None:
        self.reactor = irc.client.Reactor()
        self.events: list[irc.client.Event] = []
        self.reactor.add_global_handler("all_events", lambda c, e: self.events.append(e), -20)
        self.connection = self.reactor.server().connect("127.0.0.1", port, nick, **kwargs)

    def waitFor(
        self, kind: str, test: Callable[[irc.client.Event], bool] = lambda e: True
    ) -> irc.client.Event:
        """
        Pump until an event of type C{kind} passing C{test} arrives; it and
        everything before it are consumed.
        """
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            for index, event in enumerate(self.events):
                if event.type == kind and test(event):
                    del self.events[: index + 1]
                    return event
            self.reactor.process_once(0.05)
        raise AssertionError(f"no {kind} event; got {[(e.type, e.arguments) for e in self.events]}")

    def close(self) -> None:
        self.connection.close()


class Tchat:
    """
    A blocking TCHAT client on a plain socket.
    """

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
        self.buffer = b""
        assert self.line() == "srv: TCHAT 1"

    def send(self, *lines: str) -> None:
        self.sock.sendall("".join(f"clt: {line}\n" for line in lines).encode())

    def line(self) -> str:
        while b"\n" not in self.buffer:
            data = self.sock.recv(4096)
            assert data, "TCHAT connection closed"
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def until(self, prefix: str) -> list[str]:
        lines = [self.line()]
        while not lines[-1].startswith(prefix):
            lines.append(self.line())
        return lines

    def close(self) -> None:
        self.sock.close()


def scenario(ircPort: int, tchatPort: int) -> None:
    alice = Client(ircPort, "alice", username="al", ircname="Alice L")
    bob = Client(ircPort, "bob")
    carol = Tchat(tchatPort)
    try:
        welcome = alice.waitFor("welcome")
        assert welcome.target == "alice"
        alice.waitFor("endofmotd")
        bob.waitFor("endofmotd")
        carol.send("LOGIN carol", "ENTER lobby")
        assert carol.until("srv: OKAY!")[-1] == "srv: OKAY!"
        assert carol.line() == "srv: OKAY!"

        # JOIN, NAMES across protocols
        alice.connection.join("#lobby")
        names = alice.waitFor("namreply")
        assert names.arguments[-1].split() == ["carol", "alice"], names.arguments
        alice.waitFor("endofnames")
        assert carol.line().startswith("srv: ENTER lobby alice ")
        bob.connection.join("#lobby")
        bob.waitFor("endofnames")
        alice.waitFor("join", lambda e: e.source.nick == "bob")
        carol.line()

        # Messages: IRC -> IRC + TCHAT, TCHAT multi-line -> IRC
        alice.connection.privmsg("#lobby", "hello from IRC, é😀")
        said = bob.waitFor("pubmsg")
        assert (said.source.nick, said.target, said.arguments) == (
            "alice",
            "#lobby",
            ["hello from IRC, é😀"],
        )
        speak = carol.until("srv: .")
        assert speak[0].startswith("srv: SPEAK alice lobby ")
        assert speak[1:] == ["srv: hello from IRC, é😀", "srv: ."]
        carol.send("SPEAK lobby", "first line", "second line", ".")
        assert carol.line() == "srv: OKAY!"
        lines = [alice.waitFor("pubmsg").arguments[0] for _ in range(2)]
        assert lines == ["first line", "second line"]

        # Private messages both ways
        alice.connection.privmsg("carol", "psst")
        assert carol.until("srv: .")[1] == "srv: psst"
        carol.send("MSGPV alice", "hi alice", ".")
        assert carol.line() == "srv: OKAY!"
        private = alice.waitFor("privmsg")
        assert (private.source.nick, private.arguments) == ("carol", ["hi alice"])

        # Queries
        alice.connection.who("#lobby")
        who = [alice.waitFor("whoreply").arguments[4] for _ in range(3)]
        assert sorted(who) == ["alice", "bob", "carol"]
        alice.connection.whois(["carol"])
        user = alice.waitFor("whoisuser")
        assert user.arguments[:2] == ["carol", "carol"]
        assert re.fullmatch(GUEST, user.arguments[2]), user.arguments
        alice.waitFor("endofwhois")
        alice.connection.ison(["bob", "nobody", "CAROL"])
        assert alice.waitFor("ison").arguments == ["bob carol"]
        alice.connection.userhost(["alice"])
        [userhost] = alice.waitFor("userhost").arguments
        assert re.fullmatch("alice=\\+al@" + GUEST, userhost), userhost
        alice.connection.list()
        listed = alice.waitFor("list")
        assert listed.arguments[:2] == ["#lobby", "3"]
        alice.waitFor("listend")
        alice.connection.topic("#lobby")
        alice.waitFor("notopic")
        alice.connection.mode("#lobby", "")
        assert alice.waitFor("channelmodeis").arguments == ["#lobby", "+nt"]
        alice.connection.lusers()
        alice.waitFor("luserme")
        alice.connection.motd()
        alice.waitFor("endofmotd")
        bob.connection.send_raw("AWAY :lunch")
        bob.waitFor("nowaway")
        alice.connection.privmsg("bob", "there?")
        assert alice.waitFor("away").arguments == ["bob", "lunch"]
        alice.connection.invite("bob", "#elsewhere")
        alice.waitFor("nosuchchannel")

        # Errors
        alice.connection.send_raw("FROBNICATE")
        assert alice.waitFor("unknowncommand").arguments[0] == "FROBNICATE"
        alice.connection.privmsg("nobody", "x")
        alice.waitFor("nosuchnick")
        alice.connection.part("#nowhere")
        alice.waitFor("nosuchchannel")
        alice.connection.kick("#lobby", "carol")
        alice.waitFor("chanoprivsneeded")

        # NICK renames everywhere; PART; QUIT
        alice.connection.nick("bob")
        alice.waitFor("nicknameinuse")
        alice.connection.nick("alicia")
        renamed = bob.waitFor("nick")
        assert (renamed.source.nick, renamed.target) == ("alice", "alicia")
        alice.waitFor("nick")
        carol.send("LSMEM lobby")
        assert "srv: alicia" in carol.until("srv: OKAY!")
        alice.connection.part("#lobby", "bye")
        bob.waitFor("part", lambda e: e.source.nick == "alicia")
        assert carol.line().startswith("srv: LEAVE lobby alicia ")
        alice.connection.quit("done")
        alice.waitFor("error")
        bob.connection.quit("later")
        assert carol.line().startswith("srv: LEAVE lobby bob ")
    finally:
        alice.close()
        bob.close()
        carol.close()


def saslScenario(ircPort: int) -> None:
    client = Client(ircPort, "dave", sasl_login="dave", password="secret")
    try:
        assert client.waitFor("loggedin").arguments[1] == "dave"
        assert client.waitFor("welcome").target == "dave"
    finally:
        client.close()


@pytest_twisted.ensureDeferred
async def test_ircLibrary() -> None:
    """
    Two C{irc} library clients and a TCHAT client share C{#lobby}: joins,
    messages (multi-line TCHAT bodies as one PRIVMSG per line), private
    messages, queries, errors, a rename and a part, over real sockets; SASL
    PLAIN logs in.
    """
    from twisted.internet import reactor

    service = ChatService(reactor, rooms=["lobby"])
    ircFactory = IRCFactory(service, reactor)
    tchatFactory = TchatFactory(service, reactor)
    ircPort = reactor.listenTCP(0, ircFactory, interface="127.0.0.1")
    tchatPort = reactor.listenTCP(0, tchatFactory, interface="127.0.0.1")
    ircNumber: int = ircPort.getHost().port  # type: ignore[attr-defined]
    tchatNumber: int = tchatPort.getHost().port  # type: ignore[attr-defined]
    try:
        d: Deferred[None] = deferToThread(scenario, ircNumber, tchatNumber)
        await d.addTimeout(30, reactor)
        await deferToThread(saslScenario, ircNumber).addTimeout(15, reactor)
    finally:
        # The clients have closed their sockets; wait until the server has
        # seen every connection go (and cancelled its timers).
        for _ in range(200):
            if not service.connections():
                break
            await deferLater(reactor, 0.02)
        await maybeDeferred(ircPort.stopListening)
        await maybeDeferred(tchatPort.stopListening)
    assert not service.connections()


def tlsScenario(port: int, certPath: Path) -> None:
    context = ssl.create_default_context(cafile=str(certPath))
    factory = irc.connection.Factory(
        wrapper=functools.partial(context.wrap_socket, server_hostname="localhost")
    )
    client = Client(port, "secure", connect_factory=factory)
    try:
        assert client.waitFor("welcome").target == "secure"
    finally:
        client.close()


@pytest_twisted.ensureDeferred
async def test_tls(tmp_path: Path) -> None:
    """
    C{--irc ssl:...} serves IRC over TLS with no code of ours: the C{irc}
    library connects with certificate checking and registers, against the
    real daemon.
    """
    from twisted.internet import reactor

    keyPath, certPath = makeCertificate(tmp_path)
    daemon = startDaemon(
        tmp_path,
        "--irc",
        f"ssl:0:interface=127.0.0.1:privateKey={keyPath}:certKey={certPath}",
        "--port",
        "tcp:0:interface=127.0.0.1",
        factories=("TchatFactory", "IRCFactory"),
    )
    try:
        d: Deferred[None] = deferToThread(tlsScenario, daemon.ports["IRCFactory"], certPath)
        await d.addTimeout(20, reactor)
    finally:
        daemon.stop()
