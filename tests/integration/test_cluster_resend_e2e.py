"""
A web page's message sent again through another node is said once, end to
end: two real C{twistd -n chatd --cluster} nodes on a real
C{redis-server}; the node that said it is killed, and the page, back
through the other node, is told it was said and its resend is a repeat.
"""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest_twisted

from tests.support.clusterlive import exited, login, nodes, waitForLine, waitForLog
from tests.support.daemon import Daemon
from tests.support.e2eclients import webLogin
from tests.support.redis_server import RedisServer, redisServer

__all__ = ["nodes", "redisServer"]

CID = "cidtest0123456789abcdefX"


@pytest_twisted.ensureDeferred
async def test_resendThroughAnotherNode(nodes: Callable[..., Daemon]) -> None:
    """
    gus's page says something with a C{cid} through node A, which is then
    killed; back as gus through node B, C{sent} says it was said, as which
    message, and the resend is answered as a repeat with the same
    C{msgid}: obs, on B, heard it once.
    """
    a, b = nodes("a", web=True), nodes("b", web=True)
    obs = await login(b, "obs", "lobby")
    page = await webLogin(a, "gus")
    await page.request(type="join", room="lobby")
    await waitForLine(obs, lambda line: line.startswith("srv: ENTER lobby gus "))
    first = await page.request(type="say", room="lobby", text="once", cid=CID)
    assert first["type"] == "say", first
    await waitForLine(obs, lambda line: line.startswith("srv: SPEAK gus lobby "))
    assert await obs.nextLines(2) == ["srv: once", "srv: ."]
    a.stop(signal.SIGKILL)
    await waitForLine(obs, lambda line: line.startswith("srv: LEAVE lobby gus "))
    page = await webLogin(b, "gus")
    sent = await page.request(type="sent", cid=CID)
    assert (sent["said"], sent["room"], sent["msgid"]) == (True, "lobby", first["msgid"]), sent
    await page.request(type="join", room="lobby")
    again = await page.request(type="say", room="lobby", text="once", cid=CID)
    assert (again.get("repeat"), again["msgid"]) == (True, first["msgid"]), again
    obs.send("clt: LSMEM lobby")  # what obs heard before its answer: no second SPEAK
    heard = []
    while (line := await obs.line()) != "srv: OKAY!":
        heard.append(line)
    assert not [line for line in heard if line.startswith("srv: SPEAK")], heard


@pytest_twisted.ensureDeferred
async def test_sentDuringOutageResentElsewhere(
    nodes: Callable[..., Daemon], redisServer: RedisServer
) -> None:
    """
    gus's page says something with a C{cid} through node A while Redis is
    away (A's memory decides); Redis comes back, the page's connection
    is lost, and back as gus through node B its resend is a repeat with
    the same C{msgid}: obs, on B, heard it once.
    """
    a, b = nodes("a", web=True), nodes("b", web=True)
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    obs = await login(b, "obs", "lobby")
    page = await webLogin(a, "gus")
    await page.request(type="join", room="lobby")
    await waitForLine(obs, lambda line: line.startswith("srv: ENTER lobby gus "))
    redisServer.stop()
    await waitForLog(a, "lost Redis")
    first = await page.request(type="say", room="lobby", text="once", cid=CID)
    assert first["type"] == "say", first
    redisServer.start()
    await waitForLog(a, "is back; resynchronising")
    await waitForLine(obs, lambda line: line.startswith("srv: SPEAK gus lobby "))
    assert await obs.nextLines(2) == ["srv: once", "srv: ."]
    page.transport.loseConnection()
    await waitForLine(obs, lambda line: line.startswith("srv: LEAVE lobby gus "))
    page = await webLogin(b, "gus")
    await page.request(type="join", room="lobby")
    again = await page.request(type="say", room="lobby", text="once", cid=CID)
    assert (again.get("repeat"), again["msgid"]) == (True, first["msgid"]), again
    obs.send("clt: LSMEM lobby")  # what obs heard before its answer: no second SPEAK
    heard = []
    while (line := await obs.line()) != "srv: OKAY!":
        heard.append(line)
    assert not [line for line in heard if line.startswith("srv: SPEAK")], heard


@pytest_twisted.ensureDeferred
async def test_sentDuringOutageThenNodeStopped(
    nodes: Callable[..., Daemon], redisServer: RedisServer
) -> None:
    """
    gus's page says something with a C{cid} through node A while Redis is
    away, and A is stopped (C{SIGTERM}) before it is back: as it sends
    what waited, A records the message too, and gus's resend through
    node B is a repeat with the same C{msgid}.
    """
    a, b = nodes("a", web=True), nodes("b", web=True)
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    obs = await login(b, "obs", "lobby")
    page = await webLogin(a, "gus")
    await page.request(type="join", room="lobby")
    await waitForLine(obs, lambda line: line.startswith("srv: ENTER lobby gus "))
    redisServer.stop()
    await waitForLog(a, "lost Redis")
    first = await page.request(type="say", room="lobby", text="once", cid=CID)
    assert first["type"] == "say", first
    a.process.send_signal(signal.SIGTERM)
    await waitForLog(a, "events wait for Redis")
    redisServer.start()
    assert await exited(a) in (0, -signal.SIGTERM)
    await waitForLine(obs, lambda line: line.startswith("srv: LEAVE lobby gus "))
    page = await webLogin(b, "gus")
    await page.request(type="join", room="lobby")
    again = await page.request(type="say", room="lobby", text="once", cid=CID)
    assert (again.get("repeat"), again["msgid"]) == (True, first["msgid"]), again
