"""
A web page's message sent again through another node is said once, end to
end: two real C{twistd -n chatd --cluster} nodes on a real
C{redis-server}; the node that said it is killed, and the page, back
through the other node, is told it was said and its resend is a repeat.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any

import pytest_twisted

from tests.support.clusterlive import ClusterClient, exited, login, nodes, waitForLine, waitForLog
from tests.support.daemon import Daemon
from tests.support.e2eclients import webLogin
from tests.support.redis_server import RedisServer, redisServer
from tests.support.websocketclient import Client

__all__ = ["nodes", "redisServer"]

CID = "cidtest0123456789abcdefX"


async def gusInLobby(a: Daemon, b: Daemon) -> tuple[ClusterClient, Client]:
    """obs, logged in on C{b}, and gus's page on C{a}, once obs saw gus enter lobby."""
    obs = await login(b, "obs", "lobby")
    page = await webLogin(a, "gus")
    await page.request(type="join", room="lobby")
    await waitForLine(obs, lambda line: line.startswith("srv: ENTER lobby gus "))
    return obs, page


async def saidOnce(page: Client) -> dict[str, Any]:
    """gus's page says C{once} in lobby with C{CID}: the answer."""
    first = await page.request(type="say", room="lobby", text="once", cid=CID)
    assert first["type"] == "say", first
    return first


async def saidWhileRedisAway(
    a: Daemon, b: Daemon, redisServer: RedisServer
) -> tuple[ClusterClient, Client, dict[str, Any]]:
    """
    obs on C{b}, gus's page on C{a}, and the answer to the page saying
    C{once} while Redis is away.
    """
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    obs, page = await gusInLobby(a, b)
    redisServer.stop()
    await waitForLog(a, "lost Redis")
    return obs, page, await saidOnce(page)


async def heardSaid(obs: ClusterClient) -> None:
    """obs hears gus say C{once} in lobby."""
    await waitForLine(obs, lambda line: line.startswith("srv: SPEAK gus lobby "))
    assert await obs.nextLines(2) == ["srv: once", "srv: ."]


async def backOn(b: Daemon, obs: ClusterClient) -> Client:
    """gus's page, back through C{b} once obs saw gus leave lobby."""
    await waitForLine(obs, lambda line: line.startswith("srv: LEAVE lobby gus "))
    return await webLogin(b, "gus")


async def resentIsRepeat(page: Client, first: dict[str, Any]) -> None:
    """gus's page, back, joins lobby: its resend is a repeat of C{first}."""
    await page.request(type="join", room="lobby")
    again = await page.request(type="say", room="lobby", text="once", cid=CID)
    assert (again.get("repeat"), again["msgid"]) == (True, first["msgid"]), again


async def heardNoSecondSpeak(obs: ClusterClient) -> None:
    """obs, asking for lobby's members, heard no SPEAK before the answer."""
    obs.send("clt: LSMEM lobby")
    heard = []
    while (line := await obs.line()) != "srv: OKAY!":
        heard.append(line)
    assert not [line for line in heard if line.startswith("srv: SPEAK")], heard


@pytest_twisted.ensureDeferred
async def test_resendThroughAnotherNode(nodes: Callable[..., Daemon]) -> None:
    """
    gus's page says something with a C{cid} through node A, which is then
    killed; back as gus through node B, C{sent} says it was said, as which
    message, and the resend is answered as a repeat with the same
    C{msgid}: obs, on B, heard it once.
    """
    a, b = nodes("a", web=True), nodes("b", web=True)
    obs, page = await gusInLobby(a, b)
    first = await saidOnce(page)
    await heardSaid(obs)
    a.stop(signal.SIGKILL)
    page = await backOn(b, obs)
    sent = await page.request(type="sent", cid=CID)
    assert (sent["said"], sent["room"], sent["msgid"]) == (True, "lobby", first["msgid"]), sent
    await resentIsRepeat(page, first)
    await heardNoSecondSpeak(obs)


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
    obs, page, first = await saidWhileRedisAway(a, b, redisServer)
    redisServer.start()
    await waitForLog(a, "is back; resynchronising")
    await heardSaid(obs)
    page.transport.loseConnection()
    page = await backOn(b, obs)
    await resentIsRepeat(page, first)
    await heardNoSecondSpeak(obs)


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
    obs, _, first = await saidWhileRedisAway(a, b, redisServer)
    a.process.send_signal(signal.SIGTERM)
    await waitForLog(a, "events wait for Redis")
    redisServer.start()
    assert await exited(a) in (0, -signal.SIGTERM)
    page = await backOn(b, obs)
    await resentIsRepeat(page, first)
