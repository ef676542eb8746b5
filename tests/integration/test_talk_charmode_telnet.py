"""
Debian's real C{telnet} (netkit) in character mode, run in C{tmux} against a
real C{twistd -n chatd}'s talk mode: a line typed past the length limit is
refused, its notice on a row of its own, nothing of it drawn again, and
what is typed after it is a new line, said at Enter.

CI installs C{telnet} and C{tmux} (C{.ci/run}).
"""

from __future__ import annotations

from pathlib import Path

import pytest_twisted
from twisted.internet import reactor

from tests.support.daemon import startDaemon
from tests.support.lineclient import LineClient, connectLines
from tests.support.terminal import Terminal, expect


@pytest_twisted.ensureDeferred
async def test_tooLongInCharacterMode(tmp_path: Path) -> None:
    """
    In character mode, 178 keys typed without Enter past a limit of 128
    bytes: the notice says the line was ignored, no row after it shows
    the line again, and the 49 keys after the limit, erased with backspaces,
    and C{typed after} make a new line that reaches TCHAT.
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--rooms",
        "lobby",
        "--max-line-length",
        "128",
        factories=("TchatFactory", "TalkFactory"),
    )
    term: Terminal | None = None
    carol: LineClient | None = None
    try:
        carol = await connectLines(reactor, daemon.ports["TchatFactory"])
        assert await carol.line() == "srv: TCHAT 1"
        carol.send("clt: LOGIN carol", "clt: ENTER lobby")
        await expect(carol, "srv: OKAY!")
        await expect(carol, "srv: OKAY!")

        term = Terminal(tmp_path, f"telnet 127.0.0.1 {daemon.ports['TalkFactory']}")
        await term.waitFor("Pick a nickname")
        await term.type("alice")
        await term.waitFor("Welcome, alice!")
        await expect(carol, "srv: ENTER lobby alice ")
        await term.keys("C-]")
        await term.keys("mode character", "Enter")

        await term.keys("-l", "Z" * 178, pause=1.0)
        await term.waitFor("Your line was too long and was ignored")
        rows = term.rows()
        notice = next(i for i, row in enumerate(rows) if "too long" in row)
        assert rows[notice - 1] == "Z" * 128, term.screen()
        assert [row for row in rows[notice + 1 :] if row] == [], term.screen()  # dropped

        await term.keys("Enter")  # the end of the dropped line: nothing said
        await term.keys("-l", "typed after")
        await term.keys("Enter")
        await expect(carol, "srv: SPEAK alice lobby ")
        assert await carol.nextLines(2) == ["srv: typed after", "srv: ."]
        rows = term.rows()
        assert not any("Z" in row for row in rows[notice + 1 :]), term.screen()
        assert "typed after" in rows[notice + 1 :], term.screen()
    except BaseException:
        if term is not None:
            print("telnet's screen:\n" + term.screen())
        raise
    finally:
        if term is not None:
            term.close()
        if carol is not None:
            await carol.close()
        daemon.stop()
