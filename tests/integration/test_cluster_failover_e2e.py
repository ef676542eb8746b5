"""
Redis Sentinel failovers under two real nodes (C{twistd chatd --cluster
redis+sentinel://...}): a real master, its replica and three real
Sentinels (L{tests.support.sentinels}); the master is killed (C{SIGKILL})
mid-conversation between TCHAT users on both nodes.  Both nodes reconnect
to the promoted replica; every room message acknowledged before, around
and during the failover arrives on the other node, private messages sent
while there is no master are refused (C{ERROR 03}), and messages after it
cross nodes.  And a manual C{SENTINEL FAILOVER}, whose old master stays a
writable master for a while: both nodes move to the new one as soon as
the Sentinels name it, together, and neither counts the other dead, even
with the first Sentinel of the URL hung (C{SIGSTOP}) meanwhile.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

import pytest
import pytest_twisted

from tests.support.clusterlive import (
    DEADLINE,
    login,
    sentinelNodes,
    sleep,
    waitForLog,
    waitForMembers,
)
from tests.support.daemon import Daemon
from tests.support.lineclient import LineClient
from tests.support.sentinels import MASTER, Sentinel, Sentinels, command, sentinels

__all__ = ["sentinelNodes", "sentinels"]

#: TCHAT clients here stay silent through the failover: no ALIVE probes.
QUIET = ("--alive-after", "0")

#: Seconds from killing the master to both nodes being back, at most.
FAILOVER_BOUND = 20.0

#: Seconds from the Sentinels naming a new master to both nodes being on it,
#: at most (the link's first back-off is 0.2 s plus up to 1 s of jitter).
MOVE_BOUND = 4.0


class User:
    """
    A TCHAT user whose room and private messages are kept as they come,
    whichever wait reads them.
    """

    def __init__(self, client: LineClient) -> None:
        self.client = client
        self.said: list[str] = []
        self.told: list[str] = []

    async def _next(self) -> str:
        """
        The next line; a message's text is kept in L{said} or L{told}.
        """
        line = await self.client.line()
        if line.startswith(("srv: SPEAK ", "srv: MSGPV ")):
            text, end = await self.client.nextLines(2)
            assert end == "srv: .", end
            if line.startswith("srv: SPEAK "):
                assert line.split()[3] == "lobby", line
                self.said.append(text.removeprefix("srv: "))
            else:
                self.told.append(text.removeprefix("srv: "))
        return line

    async def reply(self) -> str:
        """
        The reply to this user's command, past what others did meanwhile.
        """
        deadline = time.monotonic() + DEADLINE
        while True:
            line = await self._next()
            if line == "srv: OKAY!" or line.startswith("srv: ERROR "):
                return line
            assert time.monotonic() < deadline, "no reply"

    async def speak(self, text: str) -> None:
        self.client.send("clt: SPEAK lobby", f"clt: {text}", "clt: .")
        assert await self.reply() == "srv: OKAY!"

    async def tell(self, to: str, text: str) -> str:
        self.client.send(f"clt: MSGPV {to}", f"clt: {text}", "clt: .")
        return await self.reply()

    async def heard(self, count: int, private: bool = False) -> list[str]:
        """
        The next C{count} room (or private) messages, as they are kept.
        """
        kept = self.told if private else self.said
        deadline = time.monotonic() + DEADLINE
        while len(kept) < count:
            assert time.monotonic() < deadline, f"heard only {kept}"
            await self._next()
        texts, kept[:count] = kept[:count], []
        return texts


async def _inLobby(a: Daemon, b: Daemon) -> tuple[User, User]:
    """
    Once nodes C{a} and C{b} are connected to Redis: alice on C{a} and bob
    on C{b}, both in lobby and each seeing the other there.
    """
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    alice = User(await login(a, "alice", "lobby"))
    bob = User(await login(b, "bob", "lobby"))
    await waitForMembers(alice.client, "lobby", ["alice", "bob"])
    await waitForMembers(bob.client, "lobby", ["alice", "bob"])
    return alice, bob


async def _bothWays(alice: User, bob: User) -> None:
    """
    Room messages cross the nodes both ways, and a private message from
    alice reaches bob.
    """
    await alice.speak("after")
    assert await bob.heard(1) == ["after"]
    await bob.speak("bob after")
    assert await alice.heard(1) == ["bob after"]
    assert await alice.tell("bob", "pv after") == "srv: OKAY!"
    assert await bob.heard(1, private=True) == ["pv after"]


@pytest_twisted.ensureDeferred
async def test_masterKilled(sentinelNodes: Callable[..., Daemon], sentinels: Sentinels) -> None:
    """
    The master is killed with messages in flight.  While the Sentinels
    fail over to the replica, room messages are acknowledged and wait, and
    a private message to the other node is refused; once both nodes have
    found the new master, everything acknowledged arrives, in order, and
    new messages cross nodes both ways.
    """
    a = sentinelNodes("a", False, False, False, *QUIET)
    b = sentinelNodes("b", False, False, False, *QUIET)
    master = f"127.0.0.1:{sentinels.master.port} as master"
    await waitForLog(a, master)
    await waitForLog(b, master)
    alice, bob = await _inLobby(a, b)
    await alice.speak("before")
    assert await bob.heard(1) == ["before"]
    assert await alice.tell("bob", "pv before") == "srv: OKAY!"
    assert await bob.heard(1, private=True) == ["pv before"]

    for i in range(5):  # acknowledged just before the kill, some maybe unsent
        await alice.speak(f"around {i}")
    sentinels.master.kill()
    killed = time.monotonic()
    await waitForLog(a, "lost Redis")
    await waitForLog(b, "lost Redis")
    for i in range(3):
        await alice.speak(f"during {i}")
    await bob.speak("bob during")
    assert await alice.tell("bob", "psst") == "srv: ERROR 03"

    promoted = f"127.0.0.1:{sentinels.replica.port} as master"
    await waitForLog(a, promoted, timeout=FAILOVER_BOUND)
    await waitForLog(b, promoted, timeout=FAILOVER_BOUND)
    await waitForLog(a, "is back; resynchronising", timeout=FAILOVER_BOUND)
    await waitForLog(b, "is back; resynchronising", timeout=FAILOVER_BOUND)
    print(f"both nodes back {time.monotonic() - killed:.1f} s after the master was killed")
    expected = [f"around {i}" for i in range(5)] + [f"during {i}" for i in range(3)]
    assert await bob.heard(8) == expected
    assert await alice.heard(1) == ["bob during"]

    await _bothWays(alice, bob)
    assert await bob.tell("alice", "pv back") == "srv: OKAY!"
    assert await alice.heard(1, private=True) == ["pv back"]
    assert (alice.said, alice.told, bob.said, bob.told) == ([], [], [], []), "heard twice"
    for user in (alice, bob):
        await user.client.close()


@pytest.mark.parametrize("hung", [False, True], ids=["allSentinels", "firstSentinelHung"])
@pytest_twisted.ensureDeferred
async def test_manualFailover(
    sentinelNodes: Callable[..., Daemon], sentinels: Sentinels, hung: bool
) -> None:
    """
    A manual C{SENTINEL FAILOVER}: the old master stays a writable master
    for a while, its clients connected, but each node hears the Sentinels'
    C{+switch-master} and moves to the new master within L{MOVE_BOUND}
    of its being named, not when the old one is demoted.  Neither node
    counts the other dead, and messages cross both ways afterwards.  With
    C{hung}, the first Sentinel of the URL is stopped (C{SIGSTOP}: its
    connections open, nothing answered) before the failover: the others'
    announcements are heard all the same, and each node logs once that it
    does not answer.
    """
    a = sentinelNodes("a", False, False, False, *QUIET)
    b = sentinelNodes("b", False, False, False, *QUIET)
    alice, bob = await _inLobby(a, b)
    await sleep(1.0)  # the nodes' watches have subscribed
    frozen = sentinels.sentinels[0]
    if hung:
        assert frozen.process is not None
        frozen.process.send_signal(signal.SIGSTOP)
    try:
        await _failover(a, b, alice, bob, sentinels, sentinels.sentinels[1 if hung else 0])
        if hung:
            for node in (a, b):
                await waitForLog(node, f"Sentinel 127.0.0.1:{frozen.port} does not answer")
                assert node.logText().count(f"127.0.0.1:{frozen.port} does not answer") == 1
    finally:
        if hung and frozen.process is not None:
            frozen.process.send_signal(signal.SIGCONT)


async def _failover(
    a: Daemon, b: Daemon, alice: User, bob: User, sentinels: Sentinels, via: Sentinel
) -> None:
    """
    The rest of L{test_manualFailover}: a failover asked of C{via}.
    """
    assert command(via.port, "SENTINEL", "FAILOVER", MASTER) == ["OK"]
    deadline = time.monotonic() + FAILOVER_BOUND
    while via.masterPort() != sentinels.replica.port:
        assert time.monotonic() < deadline, "the Sentinels never named the replica"
        await sleep(0.02)
    named = time.monotonic()
    promoted = f"127.0.0.1:{sentinels.replica.port} as master"
    await waitForLog(a, promoted, timeout=MOVE_BOUND)
    await waitForLog(b, promoted, timeout=MOVE_BOUND)
    await waitForLog(a, "is back; resynchronising", timeout=MOVE_BOUND)
    await waitForLog(b, "is back; resynchronising", timeout=MOVE_BOUND)
    moved = time.monotonic() - named
    role = command(sentinels.master.port, "ROLE")[:1]
    print(f"both nodes moved {moved:.1f} s after the Sentinels named the new master; old: {role}")
    assert moved < MOVE_BOUND

    await _bothWays(alice, bob)
    await sleep(6.0)  # past the TTL: a node cut off from the other would count it dead
    for node in (a, b):
        assert "stopped beating" not in node.logText()
    assert await bob.tell("alice", "pv later") == "srv: OKAY!"
    assert await alice.heard(1, private=True) == ["pv later"]
    assert (alice.said, alice.told, bob.said, bob.told) == ([], [], [], []), "heard twice"
    for user in (alice, bob):
        await user.client.close()
