# -*- test-case-name: tests.integration.test_irc_nickserv_e2e -*-
"""
End-to-end NickServ over real loopback sockets, against the real
C{twistd -n chatd} with a store: one IRC client registers its nickname
with NickServ, another signs in to that account with C{IDENTIFY} and sees
C{900}; C{LINKS} shows the services server named by C{--irc-services-name};
no password reaches the daemon's log.
"""

from __future__ import annotations

from pathlib import Path

import pytest_twisted
from twisted.internet import reactor

from chatd.irc.message import Message
from tests.support.daemon import Daemon, startDaemon
from tests.support.e2eclients import untilCommand
from tests.support.lineclient import LineClient, connectLines

SERVICES = "services.example.org"
MASK = f"NickServ!NickServ@{SERVICES}"


async def connected(daemon: Daemon, nick: str) -> LineClient:
    client = await connectLines(reactor, daemon.ports["IRCFactory"])
    client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    await untilCommand(client, "376")
    return client


async def nickServ(client: LineClient, text: str) -> list[Message]:
    """
    Tell NickServ C{text}; its answer, up to and including its first notice.
    """
    client.send(f"PRIVMSG NickServ :{text}")
    got = await untilCommand(client, "NOTICE")
    assert got[-1].prefix == MASK, got
    return got


@pytest_twisted.ensureDeferred
async def test_registerThenIdentify(tmp_path: Path) -> None:
    """
    alice registers with NickServ (C{900}, then its notice) and leaves; a
    guest's C{IDENTIFY} with a wrong password is refused, with the right
    one it gets C{900} for C{alice} and keeps its nickname.
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        "",
        "--web",
        "none",
        "--data-dir",
        str(tmp_path / "data"),
        "--irc-services-name",
        SERVICES,
        factories=("IRCFactory",),
    )
    clients: list[LineClient] = []
    try:
        alice = await connected(daemon, "alice")
        clients.append(alice)
        replies = await nickServ(alice, "REGISTER correct-horse alice@example.org")
        assert [m.command for m in replies] == ["900", "NOTICE"], replies
        assert replies[0].params[2] == "alice"
        alice.send("LINKS")
        links = await untilCommand(alice, "365")
        assert [m.params[1:] for m in links if m.command == "364"] == [
            ["chatd", "chatd", "0 chatd chat server"],
            [SERVICES, "chatd", "1 chatd services"],
        ]
        alice.send("QUIT")
        await untilCommand(alice, "ERROR")

        guest = await connected(daemon, "guest")
        clients.append(guest)
        refused = await nickServ(guest, "IDENTIFY alice wrong-horse")
        assert [m.command for m in refused] == ["NOTICE"], refused
        assert "Invalid password" in refused[0].params[1]
        replies = await nickServ(guest, "IDENTIFY alice correct-horse")
        assert [m.command for m in replies] == ["900", "NOTICE"], replies
        assert replies[0].params[:3] == ["guest", "guest!guest@user/alice", "alice"]
        guest.send("WHOIS guest")
        whois = await untilCommand(guest, "318")
        assert ["guest", "guest", "alice", "is logged in as"] in [m.params for m in whois]
    finally:
        for client in clients:
            await client.close()
        daemon.stop()
    log = daemon.logText()
    assert "bad password for alice" in log
    for password in ("correct-horse", "wrong-horse"):
        assert password not in log
