"""
Real terminal programs (Debian's C{telnet}, C{irssi}) driven headless in
C{tmux}, for end-to-end tests that type as a person would and read the
screen as they see it; and the raw IRC and TCHAT users they meet.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from twisted.internet import reactor
from twisted.internet.task import deferLater

from tests.support.lineclient import LineClient, connectLines


class Terminal:
    """
    One program in a detached tmux session on a private tmux socket, in a
    UTF-8 terminal of C{width} x C{height}.  C{name} names the program in
    L{report}.
    """

    def __init__(
        self,
        workdir: Path,
        command: str,
        width: int = 160,
        height: int = 50,
        name: str = "the terminal",
    ) -> None:
        self.name = name
        self.socket = str(workdir / f"tmux-{id(self)}.sock")
        self.env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm")
        # The pane outlives the program, so its last screen can still be read.
        held = f"{command}; echo '[program exited]'; exec sleep 600"
        self.tmux("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), held)

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-u", "-S", self.socket, *args],
            env=self.env,
            capture_output=True,
            timeout=10,
            check=True,
        )
        return result.stdout.decode("utf-8", "replace")

    async def type(self, text: str, pause: float = 0.3) -> None:
        """
        Type C{text} literally (UTF-8 as a keyboard sends it), then Enter,
        then wait C{pause} seconds, as a person would before the next line.
        """
        self.tmux("send-keys", "-t", "t", "-l", text)
        self.tmux("send-keys", "-t", "t", "Enter")
        await deferLater(reactor, pause, lambda: None)

    async def keys(self, *keys: str, pause: float = 0.3) -> None:
        """
        Press C{keys}, tmux key names (C{BSpace}, C{C-]}, C{Enter}) or
        literal text, then wait C{pause} seconds.
        """
        self.tmux("send-keys", "-t", "t", *keys)
        await deferLater(reactor, pause, lambda: None)

    async def paste(self, text: str, pause: float = 0.5) -> None:
        """
        Paste C{text} (lines ended by LF) at once, as a terminal's paste
        does, then wait C{pause} seconds.
        """
        self.tmux("set-buffer", "--", text)
        self.tmux("paste-buffer", "-t", "t")
        await deferLater(reactor, pause, lambda: None)

    def screen(self) -> str:
        """
        What the terminal shows, with its scrollback.
        """
        return self.tmux("capture-pane", "-p", "-t", "t", "-S", "-200")

    def report(self) -> str:
        """
        The screen, named, for a failed test's output.
        """
        return f"{self.name}'s screen:\n{self.screen()}"

    def rows(self) -> list[str]:
        """
        The screen's rows, trailing blanks removed.
        """
        return [row.rstrip() for row in self.screen().splitlines()]

    async def waitFor(self, text: str, timeout: float = 15.0) -> None:
        """
        Wait until C{text} shows on the screen.
        """
        for _ in range(int(timeout / 0.1)):
            if text in self.screen():
                return
            await deferLater(reactor, 0.1, lambda: None)
        raise AssertionError(f"{text!r} never appeared on the screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(
            ["tmux", "-S", self.socket, "kill-server"],
            env=self.env,
            capture_output=True,
            timeout=10,
        )


#: irssi's settings for the tests: its nickname, and no anti-flood queue
#: (irssi spaces commands 2.2 s apart by default).
IRSSI_CONFIG = """
settings = {
  core = { real_name = "Irssi Tester"; user_name = "tester"; nick = "irssiuser"; };
  "irc/core" = { cmd_queue_speed = "10msec"; cmds_max_at_once = "20"; };
  "fe-common/core" = { autolog = "no"; };
};
"""


def startIrssi(workdir: Path, *arguments: str) -> Terminal:
    """
    The real C{irssi ARGUMENTS} in a L{Terminal}, with L{IRSSI_CONFIG} in a
    home of its own under C{workdir}: its nickname is C{irssiuser}.
    """
    home = workdir / "irssi"
    home.mkdir()
    (home / "config").write_text(IRSSI_CONFIG)
    return Terminal(workdir, " ".join(["irssi", f"--home={home}", *arguments]), name="irssi")


async def expect(client: LineClient, prefix: str) -> list[str]:
    """
    Lines up to and including the first that starts with C{prefix} (the
    lines before it are other traffic).
    """
    lines = [await client.line()]
    while not lines[-1].startswith(prefix):
        lines.append(await client.line())
    return lines


async def expectIn(client: LineClient, start: str, part: str) -> str:
    """
    The first line that starts with C{start} and holds C{part}; the lines
    before it are other traffic.
    """
    line = await client.line()
    while not (line.startswith(start) and part in line):
        line = await client.line()
    return line


async def tchatUser(port: int, *commands: str) -> LineClient:
    """
    A TCHAT client on C{port} that sent C{commands} (C{"LOGIN carol"},
    C{"ENTER lobby"}), each answered C{OKAY!}.
    """
    client = await connectLines(reactor, port)
    assert await client.line() == "srv: TCHAT 1"
    for command in commands:
        client.send(f"clt: {command}")
        await expect(client, "srv: OKAY!")
    return client


async def ircClient(port: int, nick: str, *channels: str) -> LineClient:
    """
    A raw IRC client registered as C{nick} and in C{channels}.
    """
    client = await connectLines(reactor, port)
    client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    await expect(client, f":chatd 001 {nick} ")
    for channel in channels:
        client.send(f"JOIN {channel}")
        await expect(client, f":chatd 366 {nick} {channel} ")
    return client
