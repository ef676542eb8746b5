# -*- test-case-name: tests.integration.test_irc_multiline_e2e -*-
"""
End-to-end IRCv3 C{draft/multiline} over real loopback sockets
(pytest-twisted, the real reactor): an IRC client's multiline batch reaches
a TCHAT client as one multi-line body, and a TCHAT body of several lines
reaches a multiline IRC client as one batch and an IRC client without the
capability as separate lines.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest_twisted
from twisted.internet import reactor

from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.irc.message import Message, parse
from chatd.tchat import TchatFactory
from tests.support.lineclient import LineClient, connectLines


@pytest_twisted.async_yield_fixture
async def ports() -> AsyncIterator[tuple[int, int]]:
    """
    One service with a room C{lobby}, its IRC and TCHAT listeners on free
    127.0.0.1 ports (IRC's, TCHAT's), closed after the test.
    """
    service = ChatService(reactor, rooms=["lobby"])
    irc = IRCFactory(service, reactor, floodBurst=None, aliveAfter=None)
    tchat = TchatFactory(service, reactor, aliveAfter=None)
    listening = [reactor.listenTCP(0, factory, interface="127.0.0.1") for factory in (irc, tchat)]
    numbers: list[int] = [port.getHost().port for port in listening]  # type: ignore[attr-defined]
    yield numbers[0], numbers[1]
    for port in listening:
        stopped = port.stopListening()
        if stopped is not None:
            await stopped


async def until(client: LineClient, test: Any) -> list[str]:
    """
    The lines received up to the first one passing C{test}, included.
    """
    lines = [await client.line()]
    while not test(lines[-1]):
        lines.append(await client.line())
    return lines


async def ircClient(port: int, nick: str, caps: str) -> LineClient:
    """
    An IRC client registered with C{caps}, in C{#lobby}.
    """
    client = await connectLines(reactor, port)
    client.send(f"CAP REQ :{caps}", f"NICK {nick}", f"USER {nick} 0 * :{nick}", "CAP END")
    await until(client, lambda line: " 376 " in line or " 422 " in line)
    client.send("JOIN #lobby")
    await until(client, lambda line: " 366 " in line)
    return client


async def messages(client: LineClient, count: int) -> list[Message]:
    return [parse(line) for line in await client.nextLines(count)]


@pytest_twisted.ensureDeferred
async def test_multilineAcrossProtocols(ports: tuple[int, int]) -> None:
    """
    alice (IRC, C{draft/multiline}) sends a batch with a concatenated
    line: carol (TCHAT) gets one SPEAK body of two lines, bob (IRC without
    the capability) three PRIVMSGs.  carol's three-line SPEAK reaches alice
    as one batch of three PRIVMSGs, bob as three PRIVMSGs.
    """
    ircPort, tchatPort = ports
    alice = await ircClient(ircPort, "alice", "batch draft/multiline message-tags echo-message")
    bob = await ircClient(ircPort, "bob", "message-tags")
    carol = await connectLines(reactor, tchatPort)
    try:
        assert await carol.line() == "srv: TCHAT 1"
        carol.send("clt: LOGIN carol", "clt: ENTER lobby")
        assert await carol.nextLines(2) == ["srv: OKAY!", "srv: OKAY!"]
        # alice saw bob join, then carol: both are read here
        await until(alice, lambda line: " JOIN " in line and "carol" in line)
        await until(bob, lambda line: " JOIN " in line and "carol" in line)

        alice.send(
            "BATCH +e2e draft/multiline #lobby",
            "@batch=e2e PRIVMSG #lobby :first line",
            "@batch=e2e PRIVMSG #lobby :second ",
            "@batch=e2e;draft/multiline-concat PRIVMSG #lobby :half",
            "BATCH -e2e",
        )
        head, *body = await carol.nextLines(4)
        assert head.startswith("srv: SPEAK alice lobby ")
        assert body == ["srv: first line", "srv: second half", "srv: ."]
        echo = await messages(alice, 5)
        assert [m.command for m in echo] == ["BATCH", "PRIVMSG", "PRIVMSG", "PRIVMSG", "BATCH"]
        assert "draft/multiline-concat" in echo[3].tags
        plain = await messages(bob, 3)
        assert [(m.command, m.params[1]) for m in plain] == [
            ("PRIVMSG", "first line"),
            ("PRIVMSG", "second "),
            ("PRIVMSG", "half"),
        ]
        assert "msgid" in plain[0].tags and "msgid" not in plain[1].tags

        carol.send("clt: SPEAK lobby", "clt: one", "clt: two", "clt: three", "clt: .")
        assert await carol.line() == "srv: OKAY!"
        start, *inner, end = await messages(alice, 5)
        reference = start.params[0][1:]
        assert (start.command, start.params[1:]) == ("BATCH", ["draft/multiline", "#lobby"])
        assert re.fullmatch(r"carol!carol@guest-[0-9a-f]{8}\.chatd", start.prefix or ""), start
        assert [(m.params, m.tags["batch"]) for m in inner] == [
            (["#lobby", text], reference) for text in ("one", "two", "three")
        ]
        assert (end.command, end.params) == ("BATCH", ["-" + reference])
        plain = await messages(bob, 3)
        assert [m.params[1] for m in plain] == ["one", "two", "three"]
        assert all(m.command == "PRIVMSG" and "batch" not in m.tags for m in plain)
    finally:
        for client in (alice, bob, carol):
            await client.close()
