# -*- test-case-name: tests.integration.test_admin_delete_room_live -*-
"""
A room deleted from the telnet console of a real C{twistd -n chatd}: its
IRC and TCHAT members see it happen (a KICK, a NOTICE and LEAVE), it is
gone from IRC's LIST and the console's C{rooms}, and it stays gone after a
restart on the same SQLite data directory.

These tests block (plain sockets against another process); none uses the
reactor.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

from chatd.admin.credentials import setPassword
from tests.support.blockingclients import LOCAL, PASSWORD, TIMEOUT, LineSocket, TelnetConsole
from tests.support.daemon import Daemon, startDaemon

FACTORIES = ("TchatFactory", "IRCFactory", "AdminTelnetFactory")


def start(tmp_path: Path, dataDir: Path) -> Daemon:
    return startDaemon(
        tmp_path,
        "--port",
        LOCAL,
        "--irc",
        LOCAL,
        "--admin",
        LOCAL,
        "--data-dir",
        str(dataDir),
        factories=FACTORIES,
    )


class IRCSocket:
    """
    A blocking IRC client: lines read until one that matches.
    """

    def __init__(self, port: int, nick: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.file = self.sock.makefile("rb")
        self.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}")
        self.until(" 001 ")

    def send(self, *lines: str) -> None:
        self.sock.sendall("".join(line + "\r\n" for line in lines).encode("utf-8"))

    def until(self, marker: str) -> list[str]:
        """The lines received up to the first containing C{marker}, answering PINGs."""
        lines: list[str] = []
        deadline = time.monotonic() + TIMEOUT
        while not lines or marker not in lines[-1]:
            assert time.monotonic() < deadline, lines
            data = self.file.readline()
            assert data, lines
            line = data.decode("utf-8").rstrip("\r\n")
            if line.startswith("PING "):
                self.send("PONG " + line[5:])
            lines.append(line)
        return lines

    def channels(self) -> list[str]:
        """The channels LIST shows when asked for #Blabla and #Marketing, empty or not."""
        self.send("LIST #Blabla,#Marketing")
        return [line.split()[3] for line in self.until(" 323 ") if " 322 " in line]

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def tchat(port: int, nick: str) -> LineSocket:
    client = LineSocket(port)
    assert client.line() == "srv: TCHAT 1"
    client.send(f"clt: LOGIN {nick}")
    assert client.reply() == "srv: OKAY!"
    return client


def test_deletedRoomGoneForMembersAndAfterRestart(tmp_path: Path) -> None:
    """
    C{delete room} with a reason: the IRC member gets a KICK from the
    administrator with the reason, the TCHAT member a NOTICE saying so then
    its LEAVE; LIST and C{rooms} no longer show it, ENTER finds no such
    group, and after a restart on the same data directory it is still gone.
    """
    dataDir = tmp_path / "data"
    setPassword(dataDir / "admin-passwords", "root", PASSWORD)
    daemon = start(tmp_path, dataDir)
    try:
        irc = IRCSocket(daemon.ports["IRCFactory"], "ircbob")
        irc.send("JOIN #Blabla")
        irc.until(" 366 ")
        alice = tchat(daemon.ports["TchatFactory"], "alice")
        alice.send("clt: ENTER Blabla")
        assert alice.reply() == "srv: OKAY!"
        irc.until("JOIN #Blabla")  # alice's entry: both are in
        console = TelnetConsole(daemon.ports["AdminTelnetFactory"], "root", PASSWORD)
        try:
            reply = console.run("delete room blabla too noisy")
            assert "deleted Blabla: 2 member(s) removed" in reply, reply
            assert "Blabla" not in console.run("rooms")
        finally:
            console.close()
        kick = irc.until(" KICK #Blabla ircbob ")[-1]
        assert kick.startswith(":services.chatd "), kick  # the console, not a user's prefix
        assert kick.endswith(":room deleted: too noisy"), kick
        assert irc.channels() == ["#Marketing"]
        notice = [alice.line() for _ in range(4)]
        if notice[0].startswith("srv: LEAVE Blabla ircbob"):  # removed first
            notice = notice[1:] + [alice.line()]
        assert notice[0].startswith("srv: NOTICE ")
        assert notice[1:3] == [
            "srv: you were removed from Blabla by the administrator root: room deleted: too noisy",
            "srv: .",
        ]
        assert notice[3].startswith("srv: LEAVE Blabla alice ")
        alice.send("clt: ENTER Blabla")
        assert alice.reply() == "srv: ERROR 31"
        irc.close()
        alice.close()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()
    assert "admin root: delete room Blabla too noisy" in daemon.logText()

    daemon = start(tmp_path, dataDir)
    try:
        irc = IRCSocket(daemon.ports["IRCFactory"], "ircbob")
        assert irc.channels() == ["#Marketing"]
        irc.close()
        alice = tchat(daemon.ports["TchatFactory"], "alice")
        alice.send("clt: ENTER Blabla")
        assert alice.reply() == "srv: ERROR 31"
        alice.close()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()
