"""
A Redis outage under two real nodes (C{twistd chatd --cluster}) and a real
C{redis-server}, stopped for 5 s and for 30 s mid-conversation, with TCHAT
and IRC users on both nodes: every message a sender was told was sent
arrives, and a private message that could not be sent is refused (TCHAT
C{ERROR 03}, IRC C{404} naming the recipient), never dropped in silence.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

import pytest
import pytest_twisted

from tests.support.clusterlive import (
    DEADLINE,
    apartWhileRedisAway,
    exited,
    ircUser,
    login,
    nodes,
    sleep,
    waitForLine,
    waitForLog,
    waitForMembers,
)
from tests.support.daemon import Daemon
from tests.support.lineclient import LineClient
from tests.support.redis_server import RedisServer, redisServer

__all__ = ["nodes", "redisServer"]

#: TCHAT clients here stay silent through the outage: no ALIVE probes.
QUIET = ("--alive-after", "0")


async def reply(client: LineClient) -> str:
    """
    The next TCHAT reply to a command, past what others did meanwhile.
    """
    return await waitForLine(
        client, lambda line: line == "srv: OKAY!" or line.startswith("srv: ERROR ")
    )


async def speak(client: LineClient, room: str, text: str) -> None:
    client.send(f"clt: SPEAK {room}", f"clt: {text}", "clt: .")
    assert await reply(client) == "srv: OKAY!"


def relayed(sender: str, text: str) -> Callable[[str], bool]:
    """
    Whether an IRC line is C{sender}'s message C{text}.
    """
    return lambda line: line.startswith(f":{sender}!") and line.endswith(f" :{text}")


async def spoken(client: LineClient, count: int) -> list[tuple[str, str]]:
    """
    The next C{count} room messages C{client} hears, as (sender, text),
    skipping arrivals and departures.
    """
    heard: list[tuple[str, str]] = []
    deadline = time.monotonic() + DEADLINE
    while len(heard) < count:
        line = await client.line()
        if line.startswith("srv: SPEAK "):
            text, end = await client.nextLines(2)
            assert end == "srv: .", end
            heard.append((line.split()[2], text.removeprefix("srv: ")))
        assert time.monotonic() < deadline, f"heard only {heard}"
    return heard


async def ircJoin(client: LineClient, nick: str, channel: str) -> None:
    client.send(f"JOIN {channel}")
    await waitForLine(client, lambda line: f" 366 {nick} {channel} " in line)


@pytest.mark.parametrize("downFor", [5.0, 30.0])
@pytest_twisted.ensureDeferred
async def test_noAcknowledgedMessageLost(
    nodes: Callable[..., Daemon], redisServer: RedisServer, downFor: float
) -> None:
    """
    Redis is stopped for C{downFor} seconds mid-conversation, then started
    again on the same port (empty).  Room messages sent meanwhile, over
    TCHAT and IRC, are acknowledged, wait on their node and reach the other
    node's TCHAT and IRC users, in order, once Redis is back; private
    messages to the other node are refused meanwhile (TCHAT C{ERROR 03},
    IRC C{404} naming the recipient) and go through afterwards.
    """
    a = nodes("a", False, False, True, *QUIET)
    b = nodes("b", False, False, True, *QUIET)
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    alice = await login(a, "alice", "lobby")
    bob = await login(b, "bob", "lobby")
    dan = await ircUser(a, "dan")
    erin = await ircUser(b, "erin")
    await ircJoin(dan, "dan", "#lobby")
    await ircJoin(erin, "erin", "#lobby")
    await waitForMembers(bob, "lobby", ["alice", "bob", "dan", "erin"])
    await speak(alice, "lobby", "before")
    assert await spoken(bob, 1) == [("alice", "before")]

    redisServer.stop()
    stopped = time.monotonic()
    await waitForLog(a, "lost Redis")
    await waitForLog(b, "lost Redis")
    for i in range(3):
        await speak(alice, "lobby", f"during {i}")
    dan.send("PRIVMSG #lobby :dan during")
    alice.send("clt: MSGPV bob", "clt: psst", "clt: .")
    assert await reply(alice) == "srv: ERROR 03"
    dan.send("PRIVMSG erin :psst")
    await waitForLine(dan, lambda line: ' 404 dan erin :"psst" not delivered: ' in line)
    await sleep(max(0.0, downFor - (time.monotonic() - stopped)))

    redisServer.start()
    await waitForLog(a, "is back; resynchronising")
    await waitForLog(b, "is back; resynchronising")
    expected = [("alice", f"during {i}") for i in range(3)] + [("dan", "dan during")]
    assert await spoken(bob, 4) == expected
    for sender, text in [("alice", "before"), *expected]:
        await waitForLine(erin, relayed(sender, text))
    alice.send("clt: MSGPV bob", "clt: after", "clt: .")
    assert await reply(alice) == "srv: OKAY!"
    assert (await waitForLine(bob, lambda line: line.startswith("srv: MSGPV "))).startswith(
        "srv: MSGPV alice "
    )
    assert await bob.nextLines(2) == ["srv: after", "srv: ."]
    dan.send("PRIVMSG erin :after")
    await waitForLine(
        erin, lambda line: line.startswith(":dan!") and " PRIVMSG erin :after" in line
    )
    for client in (alice, bob, dan, erin):
        await client.close()


async def stoppedWhileAway(
    nodes: Callable[..., Daemon], redisServer: RedisServer, *extra: str
) -> tuple[Daemon, LineClient]:
    """
    Nodes a (alice) and b (bob) share lobby; Redis stops, bob says three
    room messages (acknowledged, queued), and b is sent C{SIGTERM}.
    """
    a = nodes("a", False, False, False, *QUIET)
    b = nodes("b", False, False, False, *QUIET, *extra)
    alice, bob = await apartWhileRedisAway(a, b, redisServer)
    for i in range(3):
        await speak(bob, "lobby", f"during {i}")
    b.process.send_signal(signal.SIGTERM)
    await waitForLog(b, "events wait for Redis")
    return b, alice


@pytest_twisted.ensureDeferred
async def test_stoppedNodeSendsWhatWaited(
    nodes: Callable[..., Daemon], redisServer: RedisServer
) -> None:
    """
    A node stopped (C{SIGTERM}) while Redis is away waits for it: Redis
    back (empty) 2 s later, the room messages its user was told were sent
    reach the other node's members, in order, and then its users leave.
    """
    b, alice = await stoppedWhileAway(nodes, redisServer)
    await sleep(2)
    redisServer.start()
    assert await spoken(alice, 3) == [("bob", f"during {i}") for i in range(3)]
    await waitForLine(alice, lambda line: line.startswith("srv: LEAVE lobby bob"))
    assert await exited(b) in (0, -signal.SIGTERM)  # twistd ends as the signal asked
    assert "sent the 3 events that waited" in b.logText()
    await alice.close()


@pytest_twisted.ensureDeferred
async def test_stoppedNodeSaysWhatItCouldNotSend(
    nodes: Callable[..., Daemon], redisServer: RedisServer
) -> None:
    """
    Redis not back within the stop's grace (C{--close-grace 2}): the node
    stops all the same, and its log says how many events were not sent.
    """
    b, alice = await stoppedWhileAway(nodes, redisServer, "--close-grace", "2")
    assert await exited(b) in (0, -signal.SIGTERM)
    # bob's three messages, his leaving, the node's goodbye
    assert "stopped with 5 events for the other nodes not sent, 3 of them room" in b.logText()
    await alice.close()
