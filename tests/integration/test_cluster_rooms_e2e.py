"""
Room operators across real cluster nodes: two C{twistd -n chatd --cluster}
processes on one real C{redis-server}, driven over IRC on loopback sockets.
An operator on node A sets a mode that node B enforces and kicks a user of
node B from the room.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest_twisted
from twisted.internet import reactor
from twisted.internet.threads import deferToThread

from tests.support.blockingclients import addAccount
from tests.support.clusterlive import DEADLINE, GUEST_HOST, ircUser, nodes, waitForLine, waitForLog
from tests.support.daemon import Daemon
from tests.support.lineclient import LineClient, connectLines
from tests.support.redis_server import redisServer

__all__ = ["nodes", "redisServer"]


async def names(client: LineClient) -> list[str]:
    """
    Who NAMES lists in #lobby (read up to its end, 366).
    """
    client.send("NAMES #lobby")
    listed: list[str] = []
    while True:
        line = await waitForLine(client, lambda line: any(f" {n} " in line for n in (353, 366)))
        if " 366 " in line:
            return listed
        listed += line.split(" #lobby ", 1)[1].removeprefix(":").split()


@pytest_twisted.ensureDeferred
async def test_operatorOnOtherNode(nodes: Callable[..., Daemon], tmp_path: Path) -> None:
    """
    op (IRC, node A) sets C{+m} on #lobby: bob (IRC, node B) sees the MODE
    line and may no longer speak there.  op kicks bob: bob sees the KICK,
    is out of the room on both nodes, and op's NAMES no longer lists him.
    """
    a, b = nodes("a", irc=True, console=True), nodes("b", irc=True)
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    bob = await ircUser(b, "bob")
    # op's account, which no user may register: made on node A's console.
    await deferToThread(addAccount, a, tmp_path / "a" / "chatd-data", "op", "op-secret")
    op = await ircUser(a, "op", "op-secret")
    try:
        bob.send("JOIN #lobby")
        await waitForLine(bob, lambda line: " 366 bob #lobby " in line)
        op.send("JOIN #lobby")
        await waitForLine(op, lambda line: " 366 op #lobby " in line)
        await waitForLine(bob, lambda line: line.startswith(":op!") and " JOIN " in line)
        deadline = time.monotonic() + DEADLINE
        while "bob" not in await names(op):  # until node A has bob in the room
            assert time.monotonic() < deadline, "node A never saw bob enter"

        op.send("MODE #lobby +m")
        mode = await waitForLine(bob, lambda line: " MODE " in line)
        assert mode.startswith(":op!") and mode.endswith("MODE #lobby +m"), mode
        bob.send("PRIVMSG #lobby :can I?")
        refused = await waitForLine(bob, lambda line: " 404 " in line)
        assert "#lobby" in refused

        op.send("KICK #lobby bob :enough")
        kick = await waitForLine(bob, lambda line: " KICK " in line)
        assert kick.startswith(":op!") and kick.endswith("KICK #lobby bob :enough"), kick
        assert await names(op) == ["@op"]
        bob.send("PRIVMSG #lobby :still here?")
        refused = await waitForLine(bob, lambda line: " 404 " in line or " 442 " in line)
        assert "#lobby" in refused, refused
    finally:
        for client in (bob, op):
            client.send("QUIT :bye")
            await client.closed


def containing(text: str) -> Callable[[str], bool]:
    return lambda line: text in line


@pytest_twisted.ensureDeferred
async def test_keyHoldsAtOnceOnOtherNode(nodes: Callable[..., Daemon]) -> None:
    """
    A channel's founder on node A sets a key; as soon as their own MODE line
    arrives, a user of node B tries to JOIN without it: refused (475) every
    time, and let in with it.  (About one try in seven got in while nodes
    checked an entry before catching up with the others.)
    """
    a, b = nodes("a", irc=True), nodes("b", irc=True)
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    founder = await ircUser(a, "founder")
    eve = await ircUser(b, "eve")
    for trial in range(8):  # a user may found 10 channels (--max-rooms-per-user)
        channel = f"#locked{trial}"
        founder.send(f"JOIN {channel}")
        await waitForLine(founder, containing(f" 366 founder {channel} "))
        founder.send(f"MODE {channel} +k sesame")
        await waitForLine(founder, containing(f"MODE {channel} +k"))
        eve.send(f"JOIN {channel}")
        refused = await waitForLine(eve, lambda line: " 475 " in line or " JOIN " in line)
        assert " 475 eve " in refused, refused
        eve.send(f"JOIN {channel} sesame")
        await waitForLine(eve, containing(f" 366 eve {channel} "))
    for client in (founder, eve):
        await client.close()


@pytest_twisted.ensureDeferred
async def test_profileOnOtherNode(nodes: Callable[..., Daemon]) -> None:
    """
    What bob (IRC, node B) sees of alice (IRC, node A) is what alice's own
    node shows: her ident, host and real name in C{WHOIS} (with her idle
    time, asked of her node) and in her messages' prefix; once she is
    away, C{301} to a private message and C{G} in C{WHO}; an C{AWAY} line
    for his C{away-notify}; and none of it once she is back.
    """
    a, b = nodes("a", irc=True), nodes("b", irc=True)
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    alice = await connectLines(reactor, a.ports["IRCFactory"])
    alice.send("NICK alice", "USER wonder 0 * :Alice Liddell")
    await waitForLine(alice, lambda line: " 001 alice " in line)
    bob = await connectLines(reactor, b.ports["IRCFactory"])
    bob.send("CAP REQ :away-notify", "NICK bob", "USER bob 0 * :Bob", "CAP END")
    await waitForLine(bob, lambda line: " 001 bob " in line)
    for client in (alice, bob):
        client.send("JOIN #lobby")
        await waitForLine(client, lambda line: " 366 " in line)
    bob.send("WHOIS alice")
    await waitForLine(
        bob, lambda line: f" 311 bob alice wonder {GUEST_HOST} * :Alice Liddell" in line
    )
    idle = await waitForLine(bob, lambda line: " 317 bob alice " in line or " 318 " in line)
    assert idle.endswith(" :seconds idle, signon time"), idle  # asked of her node
    alice.send("PRIVMSG #lobby :hello", "AWAY :at lunch")
    await waitForLine(bob, lambda line: line == f":alice!wonder@{GUEST_HOST} PRIVMSG #lobby :hello")
    await waitForLine(bob, lambda line: line == f":alice!wonder@{GUEST_HOST} AWAY :at lunch")
    bob.send("PRIVMSG alice :there?", "WHO #lobby")
    await waitForLine(bob, lambda line: " 301 bob alice :at lunch" in line)
    await waitForLine(
        bob, lambda line: f" 352 bob #lobby wonder {GUEST_HOST} chatd alice G" in line
    )
    alice.send("AWAY")
    await waitForLine(bob, lambda line: line == f":alice!wonder@{GUEST_HOST} AWAY")
    bob.send("WHO #lobby")
    await waitForLine(
        bob, lambda line: f" 352 bob #lobby wonder {GUEST_HOST} chatd alice H" in line
    )
    for client in (alice, bob):
        await client.close()


@pytest_twisted.ensureDeferred
async def test_messageKindsOnOtherNode(nodes: Callable[..., Daemon]) -> None:
    """
    Between two real nodes: a message to #ops's operators from node B
    reaches op (node A, who created #ops) as C{PRIVMSG @#ops}, and pal, a
    plain member beside op, never; a channel C{NOTICE} stays a C{NOTICE}.
    """
    a, b = nodes("a", irc=True), nodes("b", irc=True)
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    op, pal, far = await ircUser(a, "op"), await ircUser(a, "pal"), await ircUser(b, "far")
    for client in (op, pal, far):
        client.send("JOIN #ops")
        await waitForLine(client, lambda line: " 366 " in line)
    far.send("PRIVMSG @#ops :for ops only", "NOTICE #ops :heads up")
    await waitForLine(op, lambda line: line == f":far!far@{GUEST_HOST} PRIVMSG @#ops :for ops only")
    await waitForLine(op, lambda line: line == f":far!far@{GUEST_HOST} NOTICE #ops :heads up")
    seen = await waitForLine(pal, lambda line: "heads up" in line or "for ops only" in line)
    assert seen == f":far!far@{GUEST_HOST} NOTICE #ops :heads up"
    for client in (op, pal, far):
        await client.close()
