"""
The real Debian C{irssi}, run headless in C{tmux}, against a real
C{twistd -n chatd}: it connects, joins C{#lobby}, exchanges messages with a
TCHAT client, changes nickname and parts.

Skipped only when C{irssi} or C{tmux} is not installed (CI installs both:
see C{.ci/run}).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor

from tests.support.daemon import Daemon, loopbackDaemon, startDaemon
from tests.support.e2eclients import untilCommand
from tests.support.lineclient import connectLines
from tests.support.teardown import Teardown
from tests.support.terminal import Terminal, expect, startIrssi, tchatUser

pytestmark = pytest.mark.skipif(
    shutil.which("irssi") is None or shutil.which("tmux") is None,
    reason="needs the irssi and tmux programs (apt-get install irssi tmux)",
)


def connectIrssi(tmp_path: Path, daemon: Daemon) -> Terminal:
    """
    irssi, connecting at once to the daemon's IRC port as C{irssiuser}.
    """
    return startIrssi(tmp_path, "-c 127.0.0.1", f"-p {daemon.ports['IRCFactory']}", "-n irssiuser")


@pytest_twisted.ensureDeferred
async def test_irssi(tmp_path: Path) -> None:
    """
    irssi and a TCHAT user chat in #lobby through a real daemon: each sees
    the other's nickname and text intact; irssi's /nick and /part reach the
    TCHAT user.
    """
    daemon = loopbackDaemon(tmp_path, "--rooms", "lobby", "--autojoin", "Général")
    async with Teardown(daemon) as ending:
        # LOGIN may be followed by a NOTICE of the rooms joined.
        carol = ending.keep(
            await tchatUser(daemon.ports["TchatFactory"], "LOGIN carol", "ENTER lobby")
        )

        irssi = ending.keep(connectIrssi(tmp_path, daemon))
        await irssi.waitFor("Welcome to the chatd IRC network")
        # --autojoin puts every login in Général: irssi is shown that JOIN
        # although it never asked, and opens a window for it.
        await irssi.type("/window list")
        await irssi.waitFor("#Général")

        await irssi.type("/join #lobby")
        await expect(carol, "srv: ENTER lobby irssiuser ")
        await irssi.waitFor("carol")  # the NAMES list

        await irssi.type("hello from irssi, café")
        await expect(carol, "srv: SPEAK irssiuser lobby ")
        assert await carol.nextLines(2) == ["srv: hello from irssi, café", "srv: ."]

        carol.send("clt: SPEAK lobby", "clt: hi irssi, Zoë here", "clt: .")
        await expect(carol, "srv: OKAY!")
        await irssi.waitFor("hi irssi, Zoë here")
        assert "carol" in irssi.screen()

        await irssi.type("/nick irssi2")
        await expect(carol, "srv: ENTER lobby irssi2 ")
        await irssi.waitFor("You're now known as irssi2")

        await irssi.type("/part #lobby")
        await expect(carol, "srv: LEAVE lobby irssi2 ")
        await irssi.type("/quit")


@pytest_twisted.ensureDeferred
async def test_irssiHistoryNotReplayedAsNew(tmp_path: Path) -> None:
    """
    What was said in #lobby before irssi joined is not shown to irssi as
    new messages on every join: at most once (in a chathistory batch, if
    irssi negotiated batch and server-time), and not again when it
    reconnects and rejoins.
    """
    daemon = loopbackDaemon(tmp_path, "--rooms", "lobby")
    async with Teardown(daemon) as ending:
        carol = ending.keep(
            await tchatUser(daemon.ports["TchatFactory"], "LOGIN carol", "ENTER lobby")
        )
        carol.send("clt: SPEAK lobby", "clt: said before irssi came", "clt: .")
        await expect(carol, "srv: OKAY!")

        irssi = ending.keep(connectIrssi(tmp_path, daemon))
        await irssi.waitFor("Welcome to the chatd IRC network")
        await irssi.type("/join #lobby")
        await expect(carol, "srv: ENTER lobby irssiuser ")

        async def marker(text: str) -> str:
            """
            carol says C{text} once her HISTO is answered: the store answers
            in order, so what the join offered irssi (if anything) was
            written to it before.  irssi's screen once it shows C{text}.
            """
            carol.send("clt: HISTO lobby 1")
            await expect(carol, "srv: OKAY!")
            carol.send("clt: SPEAK lobby", f"clt: {text}", "clt: .")
            await expect(carol, "srv: OKAY!")
            await irssi.waitFor(text)
            return irssi.screen()

        shown = (await marker("first marker")).count("said before irssi came")
        assert shown <= 1

        await irssi.type("/reconnect")
        await expect(carol, "srv: LEAVE lobby irssiuser ")
        await expect(carol, "srv: ENTER lobby irssiuser ")
        screen = await marker("second marker")
        assert screen.count("said before irssi came") == shown, screen
        assert screen.count("first marker") == 1, screen
        await irssi.type("/quit")


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
    async with Teardown(daemon) as ending:
        owner = ending.keep(await connectLines(reactor, daemon.ports["IRCFactory"]))
        owner.send("NICK irssiuser", "USER o 0 * :Owner")
        await untilCommand(owner, "376")
        owner.send("PRIVMSG NickServ :REGISTER correct-horse")
        await untilCommand(owner, "900")
        owner.send("QUIT")
        await owner.close()

        irssi = ending.keep(connectIrssi(tmp_path, daemon))
        await irssi.waitFor("Welcome to the chatd IRC network")  # under another nickname
        await irssi.type("/nick irssiguest")
        await irssi.waitFor("You're now known as irssiguest")
        await irssi.type("/nick irssiuser")
        await irssi.waitFor("that nickname is registered: log in with its password")
        await irssi.type("/quit")


@pytest_twisted.ensureDeferred
async def test_irssiRefusalInQuery(tmp_path: Path) -> None:
    """
    A private message the server refuses (here formatting codes alone,
    which show nothing) is answered with C{404} naming the recipient, which
    irssi shows in the query window it was typed in, where it showed the
    message as sent: not in the status window (as it would a C{461},
    C{263} or C{FAIL}).
    """
    daemon = loopbackDaemon(tmp_path)
    async with Teardown(daemon) as ending:
        carol = ending.keep(await tchatUser(daemon.ports["TchatFactory"], "LOGIN carol"))

        irssi = ending.keep(connectIrssi(tmp_path, daemon))
        await irssi.waitFor("Welcome to the chatd IRC network")
        await irssi.type("/query carol")
        await irssi.type("hello carol")
        await expect(carol, "srv: MSGPV irssiuser ")
        await irssi.keys("C-b", "C-b", "Enter")  # bold on, bold off
        await irssi.waitFor("carol Message not delivered: empty message")
        await irssi.type("/quit")
