"""
History larger than C{--max-output}, through the real C{twistd -n chatd}
over loopback sockets: a guest fills lobby with 40 messages of 8 KB
(about five times a 64 KiB limit); each front-end's reader then gets the
whole replay on entering and the whole answer to its "last 1000" request,
and stays connected.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest_twisted
from twisted.internet import reactor

from chatd.irc.message import parse
from tests.support.daemon import Daemon, startDaemon
from tests.support.e2eclients import command, connect, spoken, talkLogin, until, webLogin
from tests.support.lineclient import connectLines

LINE = "\N{GRINNING FACE}" * 1000  # 4000 bytes
COUNT = 40


def numbered(i: int) -> str:
    return f"{i:04}" + LINE[4:]


async def fill(daemon: Daemon) -> None:
    guest = await connect(daemon)
    assert (await command(guest, "clt: LOGIN guest"))[-1] == "srv: OKAY!"
    assert (await command(guest, "clt: ENTER lobby"))[-1] == "srv: OKAY!"
    for i in range(COUNT):
        body = ["clt: SPEAK lobby", f"clt: {numbered(i)}", f"clt: {LINE}", "clt: ."]
        assert (await command(guest, *body))[-1] == "srv: OKAY!"
    await guest.close()


async def tchat(daemon: Daemon) -> None:
    reader = await connect(daemon)
    await command(reader, "clt: LOGIN reader")
    await command(reader, "clt: ENTER lobby")
    reply = await command(reader, "clt: HISTO lobby 1000")
    assert reply[-1] == "srv: OKAY!"
    assert [text[:4] for text in spoken(reply)] == [f"{i:04}" for i in range(COUNT)]
    assert (await command(reader, "clt: LSMEM lobby"))[-1] == "srv: OKAY!"  # still there
    await reader.close()


async def talk(daemon: Daemon) -> None:
    newbie = await talkLogin(daemon.ports["TalkFactory"], "newbie")
    replay = await until(newbie, "*** End of history.")
    assert "*** History of lobby, the last 20 messages:" in replay
    assert sum("<guest> " in line for line in replay) == 2 * 20
    newbie.send("/history 1000")
    shown = await until(newbie, "*** End of history.")
    assert sum("<guest> " in line for line in shown) == 2 * COUNT
    await newbie.close()


async def irc(daemon: Daemon) -> None:
    client = await connectLines(reactor, daemon.ports["IRCFactory"])
    client.send("CAP REQ :batch server-time", "NICK ircreader", "USER r 0 * :R", "CAP END")
    while " 376 " not in await client.line():
        pass
    for request, count in (("JOIN #lobby", 20), ("CHATHISTORY LATEST #lobby * 1000", COUNT)):
        client.send(request)
        while not (start := parse(await client.line())).command == "BATCH":
            pass
        batch, inside = start.params[0][1:], []
        while (message := parse(await client.line())).command != "BATCH":
            inside.append(message)
        assert message.params == ["-" + batch]
        assert [m.params[1][:4] for m in inside if m.params[1][:4].isdigit()] == [
            f"{i:04}" for i in range(COUNT - count, COUNT)
        ]
    client.send("PING :still")
    while "still" not in await client.line():
        pass
    await client.close()


async def web(daemon: Daemon) -> None:
    page = await webLogin(daemon, "webreader")
    page.transport.sendTextMessage('{"type": "join", "room": "lobby", "id": 2}')
    await page.next("join")
    replayed = [await page.next("message") for _ in range(20)]
    assert all(frame["history"] for frame in replayed)
    page.transport.sendTextMessage('{"type": "history", "room": "lobby", "limit": 1000, "id": 3}')
    frames = [await page.next("history")]
    while frames[-1].get("more"):
        frames.append(await page.next("history"))
    texts = [m["text"][:4] for frame in frames for m in frame["messages"]]
    assert texts == [f"{i:04}" for i in range(COUNT)]
    assert (await page.request(type="ping", id=4))["type"] == "ping"
    page.transport.loseConnection()
    await page.closed


@pytest_twisted.ensureDeferred
async def test_replaysLargerThanTheOutputLimit(tmp_path: Path) -> None:
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--data-dir",
        str(tmp_path / "data"),
        "--max-output",
        "65536",
        factories=("TchatFactory", "TalkFactory"),
    )
    try:
        await fill(daemon)
        await tchat(daemon)
        await talk(daemon)
        await irc(daemon)
        await web(daemon)
    finally:
        status = daemon.stop(signal.SIGTERM)
    log = daemon.logText()
    assert status in (0, -signal.SIGTERM), log
    assert "Traceback" not in log
    assert "output limit exceeded" not in log and "slow reader" not in log
