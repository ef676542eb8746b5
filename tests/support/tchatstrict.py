"""
A strict TCHAT 1 client, written from the protocol's specification alone
(C{shared/seeds/000}): it knows exactly which lines answer each command and
which lines are events caused by other members, and fails on any other.

  - C{LOGIN}, C{CREAT}, C{ENTER}, C{LEAVE}, C{SPEAK}, C{MSGPV}: one line,
    C{srv: OKAY!} (or C{srv: ERROR NN});
  - C{LSMEM}: C{srv: LSMEM <group> <n>}, n names, then the final line;
  - C{HISTO}: SPEAK blocks, then the final line;
  - events, only ever read where the test says another member caused one:
    C{srv: ENTER|LEAVE <group> <pseudo> <ts>}, a SPEAK or MSGPV block.

Every line is checked in the order it arrives, so an unrequested line (a
notice after LOGIN, history after ENTER, an ENTER of a stranger) lands where
the client expects something else and fails the test; L{StrictTchat.closed}
checks that nothing at all came after the last expected line, and
L{StrictTchat.goodbye} that a stopping daemon says only its documented
goodbye (a NOTICE block, then C{srv: ERROR 03}: see docs/PROTOCOL.md).
"""

from __future__ import annotations

import re
from typing import Any

from tests.support.lineclient import LineClient, connectLines

_FINAL = re.compile(r"srv: (OKAY!|ERROR \d\d)")
_MEMBERSHIP = re.compile(r"srv: (ENTER|LEAVE) (\S+) (\S+) (\d+)")
_SPEAK = re.compile(r"srv: SPEAK (\S+) (\S+) (\d+)")
_MSGPV = re.compile(r"srv: MSGPV (\S+) (\d+)")
_NOTICE = re.compile(r"srv: NOTICE \d+")


class Unexpected(AssertionError):
    """
    The server sent a line the specification does not allow here.
    """


class StrictTchat:
    """
    One strict client on a real connection.
    """

    def __init__(self, client: LineClient) -> None:
        self.client = client

    @classmethod
    async def connect(cls, reactor: Any, port: int) -> StrictTchat:
        strict = cls(await connectLines(reactor, port))
        await strict.expect("srv: TCHAT 1")
        return strict

    async def expect(self, wanted: str) -> None:
        line = await self.client.line()
        if line != wanted:
            raise Unexpected(f"expected {wanted!r}, got {line!r}")

    async def final(self) -> str:
        """
        The final line of a command: OKAY! or ERROR NN, nothing else.
        """
        line = await self.client.line()
        if not _FINAL.fullmatch(line):
            raise Unexpected(f"expected a command's final line, got {line!r}")
        return line[len("srv: ") :]

    async def command(self, *lines: str) -> str:
        """
        Send a command that is answered with one line; return it (C{OKAY!}
        or C{ERROR NN}).
        """
        self.client.send(*lines)
        return await self.final()

    async def ok(self, *lines: str) -> None:
        reply = await self.command(*lines)
        if reply != "OKAY!":
            raise Unexpected(f"{lines[0]!r} answered {reply!r}")

    async def login(self, nick: str, password: str | None = None) -> None:
        await self.ok(f"clt: LOGIN {nick}" + ("" if password is None else f" {password}"))

    async def speak(self, group: str, *text: str) -> None:
        await self.ok(f"clt: SPEAK {group}", *(f"clt: {line}" for line in text), "clt: .")

    async def msgpv(self, nick: str, *text: str) -> None:
        await self.ok(f"clt: MSGPV {nick}", *(f"clt: {line}" for line in text), "clt: .")

    async def lsmem(self, group: str) -> list[str]:
        self.client.send(f"clt: LSMEM {group}")
        head = await self.client.line()
        match = re.fullmatch(rf"srv: LSMEM {re.escape(group)} (\d+)", head)
        if match is None:
            raise Unexpected(f"expected the LSMEM header, got {head!r}")
        names = [(await self.client.line())[len("srv: ") :] for _ in range(int(match[1]))]
        await self.expect("srv: OKAY!")
        return names

    async def histo(
        self, group: str, count: int | None = None
    ) -> list[tuple[str, str, int, list[str]]]:
        """
        HISTO: the SPEAK blocks as (sender, group, ts, lines), oldest first.
        """
        self.client.send(f"clt: HISTO {group}" + ("" if count is None else f" {count}"))
        blocks: list[tuple[str, str, int, list[str]]] = []
        while True:
            line = await self.client.line()
            if line == "srv: OKAY!":
                return blocks
            match = _SPEAK.fullmatch(line)
            if match is None:
                raise Unexpected(f"expected a SPEAK block or OKAY!, got {line!r}")
            blocks.append((match[1], match[2], int(match[3]), await self._body()))

    async def _body(self) -> list[str]:
        body = []
        while (line := await self.client.line()) != "srv: .":
            if not line.startswith("srv: "):
                raise Unexpected(f"expected a body line, got {line!r}")
            body.append(line[len("srv: ") :])
        return body

    async def event(self) -> tuple[Any, ...]:
        """
        The next line, which must start an event another member caused:
        C{("ENTER"|"LEAVE", group, pseudo, ts)}, C{("SPEAK", sender, group,
        ts, lines)} or C{("MSGPV", sender, ts, lines)}.
        """
        line = await self.client.line()
        if match := _MEMBERSHIP.fullmatch(line):
            return (match[1], match[2], match[3], int(match[4]))
        if match := _SPEAK.fullmatch(line):
            return ("SPEAK", match[1], match[2], int(match[3]), await self._body())
        if match := _MSGPV.fullmatch(line):
            return ("MSGPV", match[1], int(match[2]), await self._body())
        raise Unexpected(f"expected an event, got {line!r}")

    async def closed(self) -> None:
        """
        Wait until the connection closes (the test stops the daemon or
        disconnects): nothing may have come after the last line read.
        """
        await self.client.closed
        left = list(self.client.lines.pending)
        if left:
            raise Unexpected(f"unrequested lines: {left!r}")

    async def goodbye(self) -> None:
        """
        The daemon is stopping: exactly one NOTICE block (its reason, any
        text), then C{srv: ERROR 03}, then the connection closes with
        nothing after.
        """
        line = await self.client.line()
        if not _NOTICE.fullmatch(line):
            raise Unexpected(f"expected the shutdown notice, got {line!r}")
        await self._body()
        await self.expect("srv: ERROR 03")
        await self.closed()

    async def close(self) -> None:
        await self.client.close()
        left = list(self.client.lines.pending)
        if left:
            raise Unexpected(f"unrequested lines: {left!r}")
