"""
The real Debian C{irssi}, run headless in C{tmux}, against a real
C{twistd -n chatd}: it connects, joins C{#lobby}, exchanges messages with a
TCHAT client, changes nickname and parts.

Skipped only when C{irssi} or C{tmux} is not installed (CI installs both:
see C{.ci/run}).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater

from tests.support.daemon import startDaemon
from tests.support.e2eclients import untilCommand
from tests.support.lineclient import LineClient, connectLines
from tests.support.terminal import expect

pytestmark = pytest.mark.skipif(
    shutil.which("irssi") is None or shutil.which("tmux") is None,
    reason="needs the irssi and tmux programs (apt-get install irssi tmux)",
)

CONFIG = """
settings = {
  core = { real_name = "Irssi Tester"; user_name = "tester"; nick = "irssiuser"; };
  # irssi's own anti-flood queue spaces commands 2.2 s apart by default.
  "irc/core" = { cmd_queue_speed = "10msec"; cmds_max_at_once = "20"; };
  "fe-common/core" = { autolog = "no"; };
};
"""


class Irssi:
    """
    irssi in a detached tmux session on a private tmux socket.
    """

    def __init__(self, workdir: Path, port: int) -> None:
        home = workdir / "irssi"
        home.mkdir()
        (home / "config").write_text(CONFIG)
        self.socket = str(workdir / "tmux.sock")
        self.env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm")
        command = f"irssi --home={home} -c 127.0.0.1 -p {port} -n irssiuser"
        self.tmux("new-session", "-d", "-s", "chatd", "-x", "160", "-y", "50", command)

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-u", "-S", self.socket, *args],
            env=self.env,
            capture_output=True,
            timeout=10,
            check=True,
        )
        return result.stdout.decode("utf-8", "replace")

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "chatd", "-l", text)
        self.tmux("send-keys", "-t", "chatd", "Enter")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "chatd", "-S", "-200")

    async def waitFor(self, text: str, timeout: float = 15.0) -> None:
        """
        Wait until C{text} shows on irssi's screen.
        """
        for _ in range(int(timeout / 0.1)):
            if text in self.screen():
                return
            await deferLater(reactor, 0.1)
        raise AssertionError(f"{text!r} never appeared on irssi's screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(
            ["tmux", "-S", self.socket, "kill-server"],
            env=self.env,
            capture_output=True,
            timeout=10,
        )


@pytest_twisted.ensureDeferred
async def test_irssi(tmp_path: Path) -> None:
    """
    irssi and a TCHAT user chat in #lobby through a real daemon: each sees
    the other's nickname and text intact; irssi's /nick and /part reach the
    TCHAT user.
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--irc",
        "tcp:0:interface=127.0.0.1",
        "--rooms",
        "lobby",
        "--autojoin",
        "Général",
        factories=("TchatFactory", "IRCFactory"),
    )
    irssi: Irssi | None = None
    carol: LineClient | None = None
    try:
        carol = await connectLines(reactor, daemon.ports["TchatFactory"])
        assert await carol.line() == "srv: TCHAT 1"
        carol.send("clt: LOGIN carol", "clt: ENTER lobby")
        await expect(carol, "srv: OKAY!")  # LOGIN (then perhaps a NOTICE of rooms joined)
        await expect(carol, "srv: OKAY!")  # ENTER

        irssi = Irssi(tmp_path, daemon.ports["IRCFactory"])
        await irssi.waitFor("Welcome to the chatd IRC network")
        # --autojoin puts every login in Général: irssi is shown that JOIN
        # although it never asked, and opens a window for it.
        irssi.type("/window list")
        await irssi.waitFor("#Général")

        irssi.type("/join #lobby")
        await expect(carol, "srv: ENTER lobby irssiuser ")
        await irssi.waitFor("carol")  # the NAMES list

        irssi.type("hello from irssi, café")
        await expect(carol, "srv: SPEAK irssiuser lobby ")
        assert await carol.nextLines(2) == ["srv: hello from irssi, café", "srv: ."]

        carol.send("clt: SPEAK lobby", "clt: hi irssi, Zoë here", "clt: .")
        await expect(carol, "srv: OKAY!")
        await irssi.waitFor("hi irssi, Zoë here")
        assert "carol" in irssi.screen()

        irssi.type("/nick irssi2")
        await expect(carol, "srv: ENTER lobby irssi2 ")
        await irssi.waitFor("You're now known as irssi2")

        irssi.type("/part #lobby")
        await expect(carol, "srv: LEAVE lobby irssi2 ")
        irssi.type("/quit")
    except BaseException:
        if irssi is not None:
            print("irssi's screen:\n" + irssi.screen())
        raise
    finally:
        if irssi is not None:
            irssi.close()
        if carol is not None:
            await carol.close()
        daemon.stop()


@pytest_twisted.ensureDeferred
async def test_irssiHistoryNotReplayedAsNew(tmp_path: Path) -> None:
    """
    What was said in #lobby before irssi joined is not shown to irssi as
    new messages on every join: at most once (in a chathistory batch, if
    irssi negotiated batch and server-time), and not again when it
    reconnects and rejoins.
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--irc",
        "tcp:0:interface=127.0.0.1",
        "--rooms",
        "lobby",
        factories=("TchatFactory", "IRCFactory"),
    )
    irssi: Irssi | None = None
    carol: LineClient | None = None
    try:
        carol = await connectLines(reactor, daemon.ports["TchatFactory"])
        assert await carol.line() == "srv: TCHAT 1"
        carol.send("clt: LOGIN carol", "clt: ENTER lobby")
        await expect(carol, "srv: OKAY!")
        await expect(carol, "srv: OKAY!")
        carol.send("clt: SPEAK lobby", "clt: said before irssi came", "clt: .")
        await expect(carol, "srv: OKAY!")

        irssi = Irssi(tmp_path, daemon.ports["IRCFactory"])
        await irssi.waitFor("Welcome to the chatd IRC network")
        irssi.type("/join #lobby")
        await expect(carol, "srv: ENTER lobby irssiuser ")
        # The store answers in order: once carol has her HISTO, what the
        # join offered irssi (if anything) was written to it before what
        # carol says next.
        carol.send("clt: HISTO lobby 1")
        await expect(carol, "srv: OKAY!")
        carol.send("clt: SPEAK lobby", "clt: first marker", "clt: .")
        await expect(carol, "srv: OKAY!")
        await irssi.waitFor("first marker")
        shown = irssi.screen().count("said before irssi came")
        assert shown <= 1

        irssi.type("/reconnect")
        await expect(carol, "srv: LEAVE lobby irssiuser ")
        await expect(carol, "srv: ENTER lobby irssiuser ")
        carol.send("clt: HISTO lobby 1")
        await expect(carol, "srv: OKAY!")
        carol.send("clt: SPEAK lobby", "clt: second marker", "clt: .")
        await expect(carol, "srv: OKAY!")
        await irssi.waitFor("second marker")
        screen = irssi.screen()
        assert screen.count("said before irssi came") == shown, screen
        assert screen.count("first marker") == 1, screen
        irssi.type("/quit")
    except BaseException:
        if irssi is not None:
            print("irssi's screen:\n" + irssi.screen())
        raise
    finally:
        if irssi is not None:
            irssi.close()
        if carol is not None:
            await carol.close()
        daemon.stop()


@pytest_twisted.ensureDeferred
async def test_irssiRegisteredNickname(tmp_path: Path) -> None:
    """
    irssi started with a registered nickname and no password is told the
    name is in use (433), picks another by itself and gets in as a guest
    (the name stays the account's): it is connected, and its C{/nick}
    works, to any name but the account's.
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        "",
        "--web",
        "none",
        "--irc",
        "tcp:0:interface=127.0.0.1",
        "--data-dir",
        str(tmp_path / "data"),
        factories=("IRCFactory",),
    )
    irssi: Irssi | None = None
    owner: LineClient | None = None
    try:
        owner = await connectLines(reactor, daemon.ports["IRCFactory"])
        owner.send("NICK irssiuser", "USER o 0 * :Owner")
        await untilCommand(owner, "376")
        owner.send("PRIVMSG NickServ :REGISTER correct-horse")
        await untilCommand(owner, "900")
        owner.send("QUIT")
        await owner.close()
        owner = None

        irssi = Irssi(tmp_path, daemon.ports["IRCFactory"])
        await irssi.waitFor("Welcome to the chatd IRC network")  # under another nickname
        irssi.type("/nick irssiguest")
        await irssi.waitFor("You're now known as irssiguest")
        irssi.type("/nick irssiuser")
        await irssi.waitFor("that nickname is registered: log in with its password")
        irssi.type("/quit")
    except BaseException:
        if irssi is not None:
            print("irssi's screen:\n" + irssi.screen())
        raise
    finally:
        if irssi is not None:
            irssi.close()
        if owner is not None:
            await owner.close()
        daemon.stop()


@pytest_twisted.ensureDeferred
async def test_irssiRefusalInQuery(tmp_path: Path) -> None:
    """
    A private message the server refuses (here formatting codes alone,
    which show nothing) is answered with C{404} naming the recipient, which
    irssi shows in the query window it was typed in, where it showed the
    message as sent: not in the status window (as it would a C{461},
    C{263} or C{FAIL}).
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--irc",
        "tcp:0:interface=127.0.0.1",
        factories=("TchatFactory", "IRCFactory"),
    )
    irssi: Irssi | None = None
    carol: LineClient | None = None
    try:
        carol = await connectLines(reactor, daemon.ports["TchatFactory"])
        assert await carol.line() == "srv: TCHAT 1"
        carol.send("clt: LOGIN carol")
        await expect(carol, "srv: OKAY!")

        irssi = Irssi(tmp_path, daemon.ports["IRCFactory"])
        await irssi.waitFor("Welcome to the chatd IRC network")
        irssi.type("/query carol")
        irssi.type("hello carol")
        await expect(carol, "srv: MSGPV irssiuser ")
        irssi.tmux("send-keys", "-t", "chatd", "C-b", "C-b", "Enter")  # bold on, bold off
        await irssi.waitFor("carol Message not delivered: empty message")
        irssi.type("/quit")
    except BaseException:
        if irssi is not None:
            print("irssi's screen:\n" + irssi.screen())
        raise
    finally:
        if irssi is not None:
            irssi.close()
        if carol is not None:
            await carol.close()
        daemon.stop()
