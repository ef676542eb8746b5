"""
Fake Sentinels and Redis servers for unit tests of
L{chatd.cluster.sentinel} and L{chatd.cluster.masterwatch}: an C{ask}
(L{chatd.cluster.sentinel.Ask}) that answers from a table.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.error import ConnectionRefusedError


class FakeServers:
    """
    Sentinels and Redis servers by (host, port): each answers commands
    from a table; one not in the table refuses the connection.
    """

    def __init__(self) -> None:
        self.replies: dict[tuple[str, int], dict[str, Any]] = {}
        self.asked: list[tuple[str, int, str | None, str]] = []

    def sentinel(self, port: int, master: tuple[str, int] | None) -> None:
        named = [master[0], str(master[1])] if master else None
        self.replies[("127.0.0.1", port)] = {"SENTINEL": named}

    def redis(self, port: int, role: str) -> None:
        self.replies[("127.0.0.1", port)] = {"ROLE": [role, 0, []]}

    def ask(self, host: str, port: int, password: str | None, *command: str) -> Deferred[Any]:
        self.asked.append((host, port, password, command[0]))
        server = self.replies.get((host, port))
        if server is None:
            return fail(ConnectionRefusedError())
        return succeed(server[command[0]])
