"""
The limits on guessing passwords, on registering accounts and on guests' rooms hold for the
whole cluster, not per node: real C{twistd -n chatd --cluster} nodes on a
real C{redis-server}, over TCHAT (the addresses of 127.0.0.0/8 are not
exempt from limits here, as the other tests' are).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import TimeoutError

from tests.support.clusterlive import connectLines, login, nodes, sleep, waitForLog
from tests.support.daemon import Daemon
from tests.support.lineclient import LineClient
from tests.support.redis_server import redisServer

__all__ = ["nodes", "redisServer"]

#: 127.0.0.0/8 limited, as any other address.
LIMITED = ("--limit-exempt", "192.0.2.0/24")


async def started(nodes: Callable[..., Daemon], *extra: str) -> tuple[Daemon, Daemon]:
    a, b = (nodes(name, False, False, False, *LIMITED, *extra) for name in ("a", "b"))
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    return a, b


async def answer(client: LineClient, line: str) -> str:
    client.send(line)
    return await client.line()


async def heardOnEveryNode(daemon: Daemon, nick: str) -> None:
    """
    A login on C{daemon} is answered once every other node has read what
    C{daemon} published before it: what was counted there is counted
    everywhere by then.
    """
    client = await login(daemon, nick)
    await client.close()


async def whenFree(client: LineClient, login: str) -> str:
    """
    The answer to C{login} once no other node holds its name (it was just
    there).
    """
    for _ in range(50):
        if (reply := await answer(client, login)) != "srv: ERROR 23":
            break
        await sleep(0.1)
    return reply


async def register(daemon: Daemon, nick: str) -> str:
    """Register C{nick} on C{daemon}'s own store."""
    client = await connectLines(reactor, daemon.ports["TchatFactory"])
    assert await client.line() == "srv: TCHAT 1"
    assert await whenFree(client, f"clt: LOGIN {nick}") == "srv: OKAY!"
    reply = await answer(client, "clt: REGIS correct-horse")
    await client.close()
    return reply


@pytest_twisted.ensureDeferred
async def test_registrationsCountedOverTheCluster(nodes: Callable[..., Daemon]) -> None:
    """
    With C{--registrations-per-hour 2}, an address that registered two
    accounts on node A may register none on node B.
    """
    a, b = await started(nodes, "--registrations-per-hour", "2")
    assert await register(a, "first") == "srv: OKAY!"
    assert await register(a, "second") == "srv: OKAY!"
    await heardOnEveryNode(a, "watcher")
    assert await register(b, "third") == "srv: ERROR 04"


@pytest_twisted.ensureDeferred
async def test_guessesOnOneNodeSlowTheOthers(nodes: Callable[..., Daemon]) -> None:
    """
    A wrong password for C{kid} on node A, past its free failures, makes
    node B hold its next check of C{kid} for the back-off too (a minute
    here): guesses dealt over the nodes are slowed as on one.  Without
    that, node B answers at once.
    """
    a, b = await started(
        nodes, "--auth-name-free", "1", "--auth-backoff", "60", "--auth-backoff-max", "60"
    )
    for daemon in (a, b):  # the account on each node's own store
        assert await register(daemon, "kid") == "srv: OKAY!"
    guesser = await connectLines(reactor, a.ports["TchatFactory"])
    assert await guesser.line() == "srv: TCHAT 1"
    assert await whenFree(guesser, "clt: LOGIN kid wrong-1") == "srv: ERROR 22"
    await heardOnEveryNode(a, "watcher")
    other = await connectLines(reactor, b.ports["TchatFactory"])
    assert await other.line() == "srv: TCHAT 1"
    other.send("clt: LOGIN kid wrong-2")
    waiting = other.lines.get()
    waiting.addTimeout(3, reactor)
    with pytest.raises(TimeoutError):
        await waiting
    await guesser.close()
    await other.close()


@pytest_twisted.ensureDeferred
async def test_guestRoomsCountedOverTheCluster(nodes: Callable[..., Daemon]) -> None:
    """
    With C{--max-rooms-per-address 2}, guests of one address who made two
    rooms on node A (and stay) may make none on node B: C{ERROR 32}.
    """
    a, b = await started(nodes, "--max-rooms-per-address", "2")
    guests = [await login(a, "g1"), await login(a, "g2")]
    for guest, room in zip(guests, ("r1", "r2"), strict=True):
        assert await answer(guest, f"clt: CREAT {room}") == "srv: OKAY!"
    await heardOnEveryNode(a, "watcher")
    third = await login(b, "g3")
    assert await answer(third, "clt: CREAT r3") == "srv: ERROR 32"
    for client in (*guests, third):
        await client.close()
