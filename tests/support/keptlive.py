"""
For the end-to-end tests of kept private messages on a shared PostgreSQL
(tests/integration/test_cluster_kept_e2e.py): a TCHAT client's private
messages read one by one, and how many still wait in the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread

from chatd.core.names import key
from tests.support.clusterlive import ClusterClient, sleep
from tests.support.lineclient import TIMEOUT

#: Seconds after a login by which what waited for it has certainly come
#: (it comes on the node's turn after the C{OKAY!}, after one round with
#: the other nodes): a copy that did not come by then would not come.
SETTLE = 1.0


class MessageReader:
    """
    The text of each one-line C{MSGPV} block C{client} receives, in order;
    other lines are skipped.
    """

    def __init__(self, client: ClusterClient) -> None:
        self.client = client
        self._pending: list[str] = []

    def _take(self, line: str) -> None:
        """
        One line received: the start of a block, its text, or its end.
        """
        if line.startswith("srv: MSGPV "):
            self._pending.append("")
        elif self._pending and self._pending[-1] == "" and line != "srv: .":
            self._pending[-1] = line.removeprefix("srv: ")

    async def _next(self) -> str:
        line = await self.client.line()
        self._take(line)
        return line

    def _done(self) -> list[str]:
        """
        The texts of the blocks read so far (the last one maybe still
        without its text), then forgotten.
        """
        texts, self._pending = self._pending, []
        return texts

    async def until(self, enough: Callable[[list[str]], bool]) -> list[str]:
        """
        Read blocks until the texts read pass C{enough}; a deadline bounds
        the whole wait.
        """
        deadline = time.monotonic() + TIMEOUT
        while not enough([text for text in self._pending if text]):
            assert time.monotonic() < deadline, f"only {self._pending}"
            while (await self._next()) != "srv: .":
                pass
        return self._done()

    async def messages(self, count: int) -> list[str]:
        """
        The next C{count} messages.
        """
        return await self.until(lambda texts: len(texts) >= count)

    async def settled(self) -> list[str]:
        """
        The messages that come within L{SETTLE} seconds, and up to the
        answer of a command sent then (C{HISTO} of no group: C{ERROR 31}).
        """
        await sleep(SETTLE)
        self.client.send("clt: HISTO nosuchgroup")
        while (await self._next()) != "srv: ERROR 31":
            pass
        return [text for text in self._done() if text]

    async def untilClosed(self) -> list[str]:
        """
        The messages received until the server closed the connection.
        """
        closed: Deferred[None] = self.client.closed
        closed.addTimeout(TIMEOUT, reactor)
        await closed
        for line in self.client.lines.pending:
            self._take(line)
        self.client.lines.pending.clear()
        return [text for text in self._done() if text]


def _pending(url: str, nick: str) -> int:
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT COUNT(*) FROM messages WHERE recipient_key = %s AND pending = 1", (key(nick),)
        ).fetchone()
    assert row is not None
    return int(row[0])


async def pendingFor(url: str, nick: str, expected: int = 0) -> int:
    """
    How many private messages wait for C{nick} in the database at C{url}:
    C{expected} as soon as it is (the last page is marked delivered just
    after it was handed over), or what it is at a deadline.
    """
    deadline = time.monotonic() + TIMEOUT
    while True:
        count: int = await deferToThread(_pending, url, nick)
        if count == expected or time.monotonic() > deadline:
            return count
        await sleep(0.02)


#: A database whose marking of a waiting message as delivered takes a
#: while: C{seconds} per message.
SLOW_MARK = """
CREATE FUNCTION chatd_test_slow_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep({seconds}); RETURN NEW; END $$;
CREATE TRIGGER chatd_test_slow_mark BEFORE UPDATE OF pending ON messages FOR EACH ROW
WHEN (OLD.pending = 1 AND NEW.pending = 0) EXECUTE FUNCTION chatd_test_slow_mark();
"""


def slowMarks(url: str, seconds: float) -> None:
    """
    Make the database at C{url} take C{seconds} to mark each waiting
    message delivered (a trigger), as a loaded server may.
    """
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(SLOW_MARK.format(seconds=float(seconds)))
