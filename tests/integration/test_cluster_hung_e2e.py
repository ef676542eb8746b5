"""
A hung Redis (C{kill -STOP}) under two real nodes (C{twistd chatd
--cluster}): a private message to the other node is refused after 2 s
(TCHAT C{ERROR 03}), the sender's next line answered then; Redis runs it
when it resumes, so it reaches its recipient, and its sender is told by a
notice that it did, late.  The node logs once that Redis is slow.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

import pytest
import pytest_twisted

from tests.support.clusterlive import login, nodes, sleep, waitForLine, waitForLog
from tests.support.daemon import Daemon
from tests.support.redis_server import RedisServer, redisServer

__all__ = ["nodes", "redisServer"]


def answer(line: str) -> bool:
    """Whether a TCHAT line answers a command (others' doings aside)."""
    return line == "srv: OKAY!" or line.startswith("srv: ERROR ")


@pytest.mark.parametrize("hungFor", [3.0, 10.0])
@pytest_twisted.ensureDeferred
async def test_refusedButDeliveredToldLate(
    nodes: Callable[..., Daemon], redisServer: RedisServer, hungFor: float
) -> None:
    """
    Redis hangs for C{hungFor} seconds (less than the link's 5 s watchdog,
    and more): the private message alice sends meanwhile is refused within
    about 2 s, her room message right after it answered then; when Redis
    resumes, bob gets the private message, and alice a notice naming it.
    """
    a = nodes("a", False, False, False, "--alive-after", "0")
    b = nodes("b", False, False, False, "--alive-after", "0")
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    alice = await login(a, "alice", "lobby")
    bob = await login(b, "bob", "lobby")
    assert redisServer.process is not None
    redisServer.process.send_signal(signal.SIGSTOP)
    hung = time.monotonic()
    try:
        alice.send("clt: MSGPV bob", "clt: see you at 5", "clt: .")
        alice.send("clt: SPEAK lobby", "clt: meanwhile", "clt: .")
        assert await waitForLine(alice, answer) == "srv: ERROR 03"
        assert time.monotonic() - hung < 3.0
        assert await waitForLine(alice, answer) == "srv: OKAY!"
        await waitForLog(a, "Redis is slow to answer")
        await sleep(max(0.0, hungFor - (time.monotonic() - hung)))
    finally:
        redisServer.process.send_signal(signal.SIGCONT)
    assert (await waitForLine(bob, lambda line: line.startswith("srv: MSGPV "))).startswith(
        "srv: MSGPV alice "
    )
    assert await bob.nextLines(2) == ["srv: see you at 5", "srv: ."]
    notice = " ".join(await alice.notice())
    assert notice.startswith('your private message ("see you at 5", sent at '), notice
    assert "to bob reached them after all, late" in notice, notice
    await waitForLog(a, "Redis answers again")
    assert a.logText().count("Redis is slow to answer") == 1
    for client in (alice, bob):
        await client.close()
