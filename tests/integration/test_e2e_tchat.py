"""
End-to-end TCHAT over real loopback sockets (pytest-twisted, real reactor).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import reactor

from chatd.core.service import ChatService
from chatd.tchat import TchatFactory
from tests.support.lineclient import LineClient, connectBytes, connectLines


@pytest_twisted.async_yield_fixture
async def port() -> AsyncIterator[Any]:
    """
    A TCHAT listener on a free 127.0.0.1 port, closed after the test.
    """
    service = ChatService(reactor)
    factory = TchatFactory(service, reactor, aliveAfter=None)
    listening = reactor.listenTCP(0, factory, interface="127.0.0.1")
    yield listening
    stopped = listening.stopListening()
    if stopped is not None:
        await stopped
    factory.flusher.cancel()


async def login(port: Any, nick: str) -> LineClient:
    client = await connectLines(reactor, port.getHost().port)
    assert await client.line() == "srv: TCHAT 1"
    client.send(f"clt: LOGIN {nick}")
    assert await client.line() == "srv: OKAY!"
    return client


@pytest_twisted.ensureDeferred
async def test_conversation(port: Any) -> None:
    """
    Three clients create, enter, speak, list, message privately and leave;
    one then disconnects abruptly and the others are told.
    """
    alice, bob, carol = [await login(port, nick) for nick in ("alice", "bob", "carol")]
    alice.send("clt: CREAT lobby", "clt: ENTER lobby")
    assert await alice.nextLines(2) == ["srv: OKAY!", "srv: OKAY!"]
    for client in (bob, carol):
        client.send("clt: ENTER lobby")
        assert await client.line() == "srv: OKAY!"
    assert (await alice.line()).startswith("srv: ENTER lobby bob ")
    assert (await alice.line()).startswith("srv: ENTER lobby carol ")
    assert (await bob.line()).startswith("srv: ENTER lobby carol ")

    bob.send("clt: SPEAK lobby", "clt: hello, world", "clt: second line", "clt: .")
    assert await bob.line() == "srv: OKAY!"
    for client in (alice, carol):
        head, *body = await client.nextLines(4)
        assert head.startswith("srv: SPEAK bob lobby ")
        assert body == ["srv: hello, world", "srv: second line", "srv: ."]

    carol.send("clt: LSMEM lobby")
    assert await carol.nextLines(5) == [
        "srv: LSMEM lobby 3",
        "srv: alice",
        "srv: bob",
        "srv: carol",
        "srv: OKAY!",
    ]
    carol.send("clt: MSGPV alice", "clt: just for you", "clt: .")
    assert await carol.line() == "srv: OKAY!"
    assert (await alice.line()).startswith("srv: MSGPV carol ")
    assert await alice.nextLines(2) == ["srv: just for you", "srv: ."]

    carol.send("clt: LEAVE lobby")
    assert await carol.line() == "srv: OKAY!"
    assert (await alice.line()).startswith("srv: LEAVE lobby carol ")
    assert (await bob.line()).startswith("srv: LEAVE lobby carol ")

    bob.transport.abortConnection()  # type: ignore[union-attr]
    await bob.closed
    assert (await alice.line()).startswith("srv: LEAVE lobby bob ")
    alice.send("clt: LSMEM lobby")
    assert await alice.nextLines(3) == ["srv: LSMEM lobby 1", "srv: alice", "srv: OKAY!"]
    for client in (alice, carol):
        await client.close()


@pytest_twisted.ensureDeferred
async def test_nameFreedAfterAbruptDisconnect(port: Any) -> None:
    """
    A nickname is free again as soon as its connection drops.
    """
    first = await login(port, "dana")
    first.transport.abortConnection()  # type: ignore[union-attr]
    await first.closed
    second = await login(port, "DANA")
    await second.close()


@pytest_twisted.ensureDeferred
async def test_telnetInterrupt(port: Any) -> None:
    """
    The bytes telnet sends for Ctrl-C, C{IAC IP IAC DO TIMING-MARK}, are
    answered C{IAC WILL TIMING-MARK} over a real socket, which ends the
    telnet client's discarding, and the command after them is answered.
    """
    client = await connectBytes(reactor, port.getHost().port)
    client.transport.write(b"clt: LOGIN tel\r\n")  # type: ignore[union-attr]
    assert await client.until(b"srv: OKAY!\n") == b"srv: TCHAT 1\nsrv: OKAY!\n"
    client.transport.write(b"\xff\xf4\xff\xfd\x06")  # type: ignore[union-attr]
    assert await client.until(b"\xff\xfb\x06") == b"\xff\xfb\x06"
    client.transport.write(b"\xff\xf4\xff\xfd\x06clt: CREAT tg\r\n")  # type: ignore[union-attr]
    assert await client.until(b"srv: OKAY!\n") == b"\xff\xfb\x06srv: OKAY!\n"
    await client.close()


@pytest.mark.parametrize(
    "garbage",
    [b"\xfe\xfd\n", b"clt: " + b"x" * 10000 + b"\n", b"clt: LSMEM f " + b"x" * 200_000 + b"\n"],
)
@pytest_twisted.ensureDeferred
async def test_garbageIsRefusedNotFatal(port: Any, garbage: bytes) -> None:
    """
    Invalid UTF-8 and overlong lines get one ERROR 10 over a real socket, and
    the connection stays usable, a line far past the 64 KiB flood backlog too.
    """
    client = await login(port, "eve")
    client.transport.write(garbage)  # type: ignore[union-attr]
    assert await client.line() == "srv: ERROR 10"
    client.send("clt: CREAT fine")
    assert await client.line() == "srv: OKAY!"
    await client.close()


@pytest_twisted.ensureDeferred
async def test_floodInsideBodyGetsError10(port: Any) -> None:
    """
    A client flooding a SPEAK body (far more than the throttled lines a
    client may have waiting) is told its lines wait, then reads C{srv: ERROR
    10} over a real socket before the server closes the connection.
    """
    client = await login(port, "flo")
    client.send("clt: CREAT f", "clt: ENTER f")
    assert await client.nextLines(2) == ["srv: OKAY!", "srv: OKAY!"]
    client.send("clt: SPEAK f", *["clt: " + "y" * 200] * 2000)
    told, waiting, end, refused = await client.nextLines(4)
    assert told.startswith("srv: NOTICE ")  # its lines wait for the flood limit
    assert waiting.startswith("srv: you are sending faster than 20 lines a second")
    assert (end, refused) == ("srv: .", "srv: ERROR 10")
    await client.closed
