"""
Debian's real C{telnet} (netkit), run in C{tmux} against a real
C{twistd -n chatd}'s talk mode: a person types Cyrillic, Greek, CJK, curly
quotes and emoji with modifiers; a TCHAT and an IRC user receive exactly
that text, the telnet session is never dropped to the C{telnet>} prompt,
each typed line stays at the start of a screen row, and C{/me} and IRC
actions cross between the two as actions.

CI installs C{telnet} and C{tmux} (C{.ci/run}).
"""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from tests.support.daemon import Daemon, loopbackDaemon
from tests.support.teardown import Teardown
from tests.support.terminal import Terminal, expect, expectIn, ircClient, tchatUser

#: What people type: U+201D's UTF-8 (E2 80 9D) holds 0x9D, which is telnet's
#: escape character ^] once stripped to 7 bits; emoji with a skin tone and a
#: ZWJ sequence; Ü, я, σ and 中文 have bytes that are telnet commands or
#: control characters when stripped too.
TYPED = [
    "Ü я σ \u201d 中文",
    "\u201cquoted\u201d Grüße, привет, γειά σου, 你好",
    "👍🏽 👩🏽\u200d💻 thumbs",
]


def telnet(tmp_path: Path, daemon: Daemon) -> Terminal:
    """
    The real telnet on the daemon's talk port.
    """
    return Terminal(tmp_path, f"telnet 127.0.0.1 {daemon.ports['TalkFactory']}", name="telnet")


async def pickNickname(term: Terminal, nick: str) -> None:
    """
    Answer talk mode's first question with C{nick}, and see it welcomed.
    """
    await term.waitFor("Pick a nickname")
    await term.type(nick)
    await term.waitFor(f"Welcome, {nick}!")


@pytest_twisted.ensureDeferred
async def test_telnetUTF8(tmp_path: Path) -> None:
    """
    Every line typed in the real telnet reaches TCHAT and IRC byte for byte;
    the screen shows each typed line at the start of its row and never the
    C{telnet>} prompt; C{/me} reaches IRC as a CTCP ACTION and TCHAT as
    C{* alice ...}; an IRC action shows in telnet as C{[lobby] * dave ...};
    C{/quit} ends the session at once.
    """
    daemon = loopbackDaemon(tmp_path, "--rooms", "lobby")
    async with Teardown(daemon) as ending:
        carol = ending.keep(
            await tchatUser(daemon.ports["TchatFactory"], "LOGIN carol", "ENTER lobby")
        )
        dave = ending.keep(await ircClient(daemon.ports["IRCFactory"], "dave", "#lobby"))
        term = ending.keep(telnet(tmp_path, daemon))
        await pickNickname(term, "alice")
        await expect(carol, "srv: ENTER lobby alice ")

        for text in TYPED:
            await term.type(text)
            await expect(carol, "srv: SPEAK alice lobby ")
            assert await carol.nextLines(2) == [f"srv: {text}", "srv: ."]
            line = await expectIn(dave, ":alice!", " PRIVMSG #lobby :")
            assert line.endswith(f" PRIVMSG #lobby :{text}"), line
        await term.type("/me waves \u201dhi\u201d")
        await expect(carol, "srv: SPEAK alice lobby ")
        assert await carol.nextLines(2) == ["srv: * alice waves \u201dhi\u201d", "srv: ."]
        line = await expectIn(dave, ":alice!", " PRIVMSG #lobby :")
        assert line.endswith(" PRIVMSG #lobby :\x01ACTION waves \u201dhi\u201d\x01"), line

        dave.send("PRIVMSG #lobby :\x01ACTION dances \u201dtoo\u201d\x01")
        await term.waitFor("[lobby] * dave dances \u201dtoo\u201d")
        rows = term.rows()
        assert not any("telnet>" in row for row in rows), term.screen()
        # Each line as typed, echoed by the terminal, at the start of a row.
        assert TYPED[0] in rows, term.screen()
        assert TYPED[1] in rows, term.screen()

        await term.type("/quit bye")
        assert (await expect(carol, "srv: LEAVE lobby alice "))[-1]
        await term.waitFor("Connection closed by foreign host")


@pytest_twisted.ensureDeferred
async def test_telnetPasteAndCharacterMode(tmp_path: Path) -> None:
    """
    Lines pasted into the real telnet each show at the start of their row
    (no staircase) and reach TCHAT; no blank row follows the nickname.  In
    telnet's character mode (C{mode character}) what is typed shows once,
    edited (no C{^M} or C{^?}), the edited line reaches TCHAT, and
    C{/quit} acts at once, without another key.
    """
    daemon = loopbackDaemon(tmp_path, "--rooms", "lobby")
    async with Teardown(daemon) as ending:
        carol = ending.keep(
            await tchatUser(daemon.ports["TchatFactory"], "LOGIN carol", "ENTER lobby")
        )
        term = ending.keep(telnet(tmp_path, daemon))
        await pickNickname(term, "alice")
        rows = term.rows()
        nick = next(i for i, row in enumerate(rows) if row.endswith(": alice"))
        assert rows[nick + 1] == "*** Welcome, alice!", term.screen()
        await expect(carol, "srv: ENTER lobby alice ")

        pasted = [f"pasted line {n}" for n in range(6)]
        await term.paste("".join(line + "\n" for line in pasted))
        for line in pasted:
            await expect(carol, "srv: SPEAK alice lobby ")
            assert await carol.nextLines(2) == [f"srv: {line}", "srv: ."]
        rows = term.rows()
        for line in pasted:
            assert line in rows, term.screen()

        await term.keys("C-]")
        await term.keys("mode character", "Enter")
        await term.keys("oold", "BSpace", "BSpace", "BSpace", "ld", pause=0.5)
        await term.keys("Enter")
        await expect(carol, "srv: SPEAK alice lobby ")
        assert await carol.nextLines(2) == [
            "srv: old",
            "srv: .",
        ]
        rows = term.rows()
        assert "old" in rows, term.screen()
        assert not any("^?" in row or "^M" in row for row in rows), term.screen()

        await term.keys("/quit", "Enter")
        await expect(carol, "srv: LEAVE lobby alice ")
        await term.waitFor("Connection closed by foreign host", timeout=5)
