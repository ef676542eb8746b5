"""
What several end-to-end modules do with the real daemon over loopback, on
the real reactor: the storage options of a daemon on SQLite or PostgreSQL
(the C{database} fixture), a TCHAT login and command, a talk login, reading
a line client until a line or an IRC command, a web page's socket, and a
JSON page such as C{/healthz}.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.web.websocket import WebSocketClientEndpoint

from chatd.irc.message import Message, parse
from chatd.talk.format import GREETING, NICK_PROMPT
from tests.support.daemon import Daemon
from tests.support.lineclient import LineClient, connectLines
from tests.support.pgserver import createDatabase
from tests.support.websocketclient import TIMEOUT, Client


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    """
    The daemon's storage options: a data directory, or a fresh database on
    the tests' PostgreSQL server.
    """
    if request.param == "sqlite":
        return ["--data-dir", str(tmp_path / "data")]
    return ["--db", createDatabase(request.getfixturevalue("postgresServer"))]


async def command(client: LineClient, *lines: str) -> list[str]:
    """
    Send one command; return every line up to and including its final
    reply (events that arrived before it included).
    """
    client.send(*lines)
    seen = []
    while True:
        line = await client.line()
        seen.append(line)
        if line == "srv: OKAY!" or line.startswith("srv: ERROR "):
            return seen


async def connect(daemon: Daemon) -> LineClient:
    client = await connectLines(reactor, daemon.ports["TchatFactory"])
    assert await client.line() == "srv: TCHAT 1"
    return client


def spoken(lines: list[str]) -> list[str]:
    """
    The first body line of every SPEAK block in C{lines}.
    """
    return [lines[i + 1][len("srv: ") :] for i, line in enumerate(lines) if " SPEAK " in line]


async def talkLogin(port: int, nick: str) -> LineClient:
    client = await connectLines(reactor, port)
    assert await client.nextLines(2) == list(GREETING)
    client.send(nick)
    # The prompt has no line end, so it shares a line with the answer.
    assert await client.line() == f"{NICK_PROMPT}*** Welcome, {nick}!"
    return client


async def until(client: LineClient, fragment: str) -> list[str]:
    """
    The lines C{client} reads up to and including the first holding
    C{fragment}.
    """
    seen = []
    while fragment not in (line := await client.line()):
        seen.append(line)
    return [*seen, line]


async def untilCommand(client: LineClient, command: str) -> list[Message]:
    """
    The IRC messages C{client} reads up to and including the first
    C{command}.
    """
    got = [parse(await client.line())]
    while got[-1].command != command:
        got.append(parse(await client.line()))
    return got


async def webConnect(daemon: Daemon) -> Client:
    """
    A WebSocket client on the daemon's web page socket, past its C{hello}.
    """
    url = f"ws://127.0.0.1:{daemon.ports['GuardedSite']}/ws"
    connecting = Deferred.fromCoroutine(WebSocketClientEndpoint.new(reactor, url).connect(Client()))
    connecting.addTimeout(TIMEOUT, reactor)
    web: Client = await connecting
    await web.next("hello")
    return web


async def webLogin(daemon: Daemon, nick: str, password: str | None = None) -> Client:
    """
    L{webConnect}, logged in as C{nick} (with C{password}, if given).
    """
    web = await webConnect(daemon)
    fields = {} if password is None else {"password": password}
    login = await web.request(type="login", nick=nick, id=1, **fields)
    assert (login["type"], login["nick"]) == ("login", nick), login
    return web


def getJSON(url: str) -> tuple[int, dict[str, Any]]:
    """
    The status and JSON body of C{url} (an error status too).
    """
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
