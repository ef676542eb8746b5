"""
Real terminal programs (Debian's C{telnet}, C{irssi}) driven headless in
C{tmux}, for end-to-end tests that type as a person would and read the
screen as they see it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from twisted.internet import reactor
from twisted.internet.task import deferLater

from tests.support.lineclient import LineClient


class Terminal:
    """
    One program in a detached tmux session on a private tmux socket, in a
    UTF-8 terminal of C{width} x C{height}.
    """

    def __init__(self, workdir: Path, command: str, width: int = 160, height: int = 50) -> None:
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


async def ircClient(port: int, nick: str, *channels: str) -> LineClient:
    """
    A raw IRC client registered as C{nick} and in C{channels}.
    """
    from tests.support.lineclient import connectLines

    client = await connectLines(reactor, port)
    client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    await expect(client, f":chatd 001 {nick} ")
    for channel in channels:
        client.send(f"JOIN {channel}")
        await expect(client, f":chatd 366 {nick} {channel} ")
    return client
