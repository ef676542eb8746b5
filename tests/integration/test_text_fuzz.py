"""
Random text, all of Unicode with lone surrogates and controls, through
every front-end (TCHAT, IRC, talk, web) into a real store (SQLite; once
PostgreSQL): what was acknowledged is stored exactly, what was refused is
not, the store's writer never stalls, and a TCHAT listener in the room
hears exactly what was stored, as safe TCHAT lines.

Hypothesis runs in a worker thread and drives each example on the reactor
thread (L{blockingCallFromThread}): the store needs the running reactor;
the protocols run on StringTransports and a L{MemoryReactorClock}, the web
front-end in memory (L{tests.support.webclient.WebHarness}).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest_twisted
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.internet.threads import blockingCallFromThread, deferToThread

from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.ctcp import ctcpOf
from chatd.core.service import ChatService
from chatd.core.text import plainLine, refusedCharacter
from chatd.irc.factory import IRCFactory
from chatd.storage.postgres import postgresStore
from chatd.storage.sql import SQLChatStore
from chatd.storage.sqlite import sqliteStore
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory
from chatd.tchatwire import bodyLine
from chatd.web.wire import splitText
from tests.support.helpers import connect
from tests.support.persistencecase import FAST, inline
from tests.support.pgserver import createDatabase, postgresServer
from tests.support.storefixtures import stop
from tests.support.webclient import WebHarness

__all__ = ["postgresServer"]

#: Bytes a TCHAT client must never be sent (LF ends its lines).
UNSAFE = set(range(0x00, 0x09)) | set(range(0x0B, 0x20)) | {0x7F}

FRONT_ENDS = ["tchat", "irc", "talk", "web"]

#: Text every front-end must refuse, whatever the random examples hold.
HOSTILE = [
    "x\ud800",
    "nul\0",
    "esc\x1b[2J",
    "bell\x07",
    "fine",
    "cr\rsrv: MSGPV root 1",
    "\x01",
    "\x01VERSION\x01",
]

anyText = st.text(alphabet=st.characters(exclude_categories=()), max_size=40)
operations = st.lists(st.tuples(st.sampled_from(FRONT_ENDS), anyText), min_size=1, max_size=6)


def _reactor() -> Any:
    from twisted.internet import reactor

    return reactor


def raw(text: str) -> bytes:
    """
    C{text} as a client's bytes: UTF-8, a lone surrogate as the (invalid)
    bytes UTF-8 would give it.
    """
    return text.encode("utf-8", "surrogatepass")


class World:
    """
    One service with a real store, a room C{lobby}, a sender on each
    front-end and a TCHAT listener; what was acknowledged, in order.
    """

    def __init__(self, store: SQLChatStore) -> None:
        self.store = store
        self.clock = MemoryReactorClock()
        self.clock.advance(1_700_000_000)
        checker = PasswordChecker(FAST, runInThread=inline)
        self.service = ChatService(
            self.clock, store=store, accounts=Accounts(store, self.clock, checker)
        )
        kw: dict[str, Any] = {"floodBurst": None, "aliveAfter": None}
        self.tchat = TchatFactory(self.service, self.clock, **kw)
        self.irc = IRCFactory(self.service, self.clock, **kw)
        self.talk = TalkFactory(self.service, self.clock, **kw)
        # No request rate: the memory clock never refills a bucket, and an
        # example may hold more web requests than a burst.
        self.web = WebHarness(self.service, self.clock, burst=None)
        #: (front-end, accepted) -> how many messages.
        self.counts: dict[tuple[str, bool], int] = {}
        #: (sender, lines) of every message acknowledged, in order.
        self.acknowledged: list[tuple[str, tuple[str, ...]]] = []
        self.heard = b""
        self.storedBefore = 0

    async def settle(self, *transports: StringTransport, until: bytes = b"") -> None:
        """
        Let the store answer (real reactor turns) and the protocols write
        (memory clock), until every transport shows C{until}.
        """
        for _ in range(500):
            self.clock.advance(0)
            self.web.flush()
            if all(until in t.value() for t in transports):
                return
            await deferLater(_reactor(), 0.005, lambda: None)
        raise AssertionError(f"no {until!r} in {[t.value() for t in transports]!r}")

    def take(self, transport: StringTransport) -> bytes:
        self.clock.advance(0)
        data: bytes = transport.value()
        transport.clear()
        return data

    async def start(self) -> None:
        self.service.startService()
        self.service.addRoom("lobby")
        self.listener, self.tl = connect(self.tchat, self.clock)
        self.listener.dataReceived(b"clt: LOGIN listen\nclt: ENTER lobby\n")
        await self.settle(self.tl, until=b"srv: OKAY!\nsrv: OKAY!\n")
        self.sender, self.tt = connect(self.tchat, self.clock)
        self.sender.dataReceived(b"clt: LOGIN t\nclt: ENTER lobby\n")
        await self.settle(self.tt, until=b"srv: OKAY!\nsrv: OKAY!\n")
        self.ircUser, self.ti = connect(self.irc, self.clock)
        self.ircUser.dataReceived(
            b"CAP REQ :echo-message\r\nNICK i\r\nUSER i 0 * :i\r\nCAP END\r\nJOIN #lobby\r\n"
        )
        await self.settle(self.ti, until=b" 366 ")
        self.talkUser, self.tk = connect(self.talk, self.clock)
        self.talkUser.dataReceived(b"k\r\n")
        await self.settle(self.tk, until=b"Welcome, k!")
        self.talkUser.dataReceived(b"/join lobby\r\n")
        self.webUser = self.web.connect()
        for request in ({"type": "login", "nick": "w"}, {"type": "join", "room": "lobby"}):
            requestId = self.webUser.send(**request)
            await self.answered(requestId)  # the store answers from its thread
        for transport in (self.tt, self.ti, self.tk):
            self.take(transport)
        self.webUser.take()
        self.listen()

    async def answered(self, requestId: object) -> None:
        """
        Wait (on the reactor) until the web user has the reply to
        C{requestId}; the frames before it stay unread.
        """
        for _ in range(2000):
            self.web.flush()
            if any(frame.get("id") == requestId for frame in self.webUser.received):
                return
            await deferLater(_reactor(), 0.005, lambda: None)
        raise AssertionError(f"no reply to web request {requestId}")

    def listen(self) -> list[tuple[str, list[str]]]:
        """
        The SPEAK blocks the listener got since last asked, checked: only
        C{srv: } lines, no control character, every block ended.
        """
        self.heard += self.take(self.tl)
        assert not UNSAFE & set(self.heard), self.heard
        *lines, self.heard = self.heard.split(b"\n")
        blocks: list[tuple[str, list[str]]] = []
        body: list[str] | None = None
        for line in lines:
            text = line.decode("utf-8")
            assert text.startswith("srv: "), text
            text = text[5:]
            if body is not None:
                if text == ".":
                    body = None
                else:
                    body.append(text)
            elif text.startswith(("SPEAK ", "MSGPV ", "NOTICE ")):
                body = []
                if text.startswith("SPEAK "):
                    _, sender, room, _ = text.split(" ")
                    assert room == "lobby", text
                    blocks.append((sender, body))
        assert body is None, "a body did not end"
        return blocks

    def tchatSay(self, text: str) -> None:
        pieces = [raw(piece) for piece in text.split("\n")]
        pieces = [p for p in pieces if p.rstrip(b"\r") != b"."]  # "." ends a body
        body = b"".join(b"clt: " + piece + b"\n" for piece in pieces)
        self.sender.dataReceived(b"clt: SPEAK lobby\n" + body + b"clt: .\n")
        reply = self.take(self.tt)
        assert reply in (b"srv: OKAY!\n", b"srv: ERROR 10\n"), reply
        if reply == b"srv: OKAY!\n":
            lines = [p[:-1] if p.endswith(b"\r") else p for p in pieces]
            self.acknowledged.append(("t", tuple(line.decode("utf-8") for line in lines)))

    def ircSay(self, text: str) -> None:
        # A bare CR or LF would end the line (see test_text_protocols).
        payload = raw(text).replace(b"\r", b"").replace(b"\n", b"")
        self.ircUser.dataReceived(b"PRIVMSG #lobby :" + payload + b"\r\n")
        reply = self.take(self.ti).decode("utf-8")
        if reply.startswith(":chatd FAIL PRIVMSG INVALID_UTF8 "):  # read as Windows-1252
            reply = reply.split("\r\n", 1)[1]
        assert reply.endswith("\r\n") and reply.count("\r\n") == 1, reply
        sender = self.service.find("i")
        assert sender is not None
        echo = f":i!i@{self.service.hostOf(sender)} PRIVMSG #lobby :"
        if reply.startswith(echo):
            echoed = reply[len(echo) : -2]
            if ctcpOf((echoed,)) is None:  # a CTCP request is for IRC only: never stored
                self.acknowledged.append(("i", (echoed,)))
        else:
            assert " 404 i #lobby :" in reply or " 412 " in reply

    def talkSay(self, text: str) -> None:
        # Never a command, never empty: no line end, no editing key (^H, DEL,
        # ^U edit the line before it is used; see test_telnetfilter).
        typed = "x" + "".join(c for c in text if c not in "\r\n\x08\x7f\x15")
        self.talkUser.dataReceived(raw(typed) + b"\r\n")
        reply = self.take(self.tk)
        if reply == b"":
            self.acknowledged.append(("k", ()))  # lines as talk edited them: from the store
        else:
            # refused by the service, or as bytes that are not UTF-8
            assert reply.startswith((b"*** Sorry, ", b"*** Your line was not valid")), reply

    def webSay(self, text: str) -> None:
        requestId = self.webUser.send(type="say", room="lobby", text=text)
        self.web.flush()
        [reply] = [r for r in self.webUser.take() if r.get("id") == requestId]
        if reply["type"] == "say":
            lines = splitText(text)
            assert reply["text"] == "\n".join(plainLine("w", line) for line in lines)
            self.acknowledged.append(("w", lines))
        else:
            assert (reply["type"], reply["code"]) == ("error", 10), reply

    async def run(self, ops: list[tuple[str, str]]) -> None:
        for frontEnd, text in ops:
            for transport in (self.tt, self.ti, self.tk):
                self.take(transport)  # others' messages: only the reply is read
            self.webUser.take()
            before = len(self.acknowledged)
            getattr(self, frontEnd + "Say")(text)
            accepted = (frontEnd, len(self.acknowledged) > before)
            self.counts[accepted] = self.counts.get(accepted, 0) + 1
        flushed = self.store.flush()
        flushed.addTimeout(10, _reactor())
        await flushed  # the writer keeps up: it never stalls
        stored = await self.store.history("lobby", 100_000)
        rows = [(event.sender, event.lines) for event in stored][self.storedBefore :]
        acknowledged, self.acknowledged = self.acknowledged, []
        self.storedBefore += len(rows)
        assert len(rows) == len(acknowledged), (ops, rows, acknowledged)
        for (sender, lines), (ackSender, ackLines) in zip(rows, acknowledged, strict=True):
            assert sender == ackSender
            assert sender == "k" or lines == ackLines, (lines, ackLines)
            assert all(refusedCharacter(line) is None for line in lines)
        shown = [
            (sender, [bodyLine(plainLine(sender, line)) for line in lines])
            for sender, lines in rows
        ]
        heard = self.listen()
        assert heard == shown, (heard, shown)


def fuzz(store: SQLChatStore, examples: int) -> Deferred[None]:
    """
    Run C{examples} random examples against C{store}, then one message
    that must still be stored.
    """
    reactor = _reactor()
    world = World(store)

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(operations)
    @example([(frontEnd, text) for frontEnd in FRONT_ENDS for text in HOSTILE])
    def check(ops: list[tuple[str, str]]) -> None:
        def once() -> Deferred[None]:
            return Deferred.fromCoroutine(world.run(ops))

        blockingCallFromThread(reactor, once)  # type: ignore[arg-type]

    async def run() -> None:
        await world.start()
        await deferToThread(check)
        before = world.storedBefore
        await world.run([("tchat", "still here"), ("web", "and here")])
        assert world.storedBefore == before + 2
        for frontEnd in FRONT_ENDS:  # the run was not vacuous
            assert world.counts.get((frontEnd, True)) and world.counts.get((frontEnd, False))

    return Deferred.fromCoroutine(run())


@pytest_twisted.ensureDeferred
async def test_fuzzSQLite(tmp_path: Path) -> None:
    """
    Random text through every front-end into SQLite.
    """
    store = sqliteStore(str(tmp_path / "chatd.sqlite"), _reactor(), flushInterval=0.01)
    store.startService()
    try:
        await fuzz(store, 60)
    finally:
        await stop(store)


@pytest_twisted.ensureDeferred
async def test_fuzzPostgres(postgresServer: str) -> None:
    """
    Random text through every front-end into PostgreSQL, which refuses a
    NUL that SQLite would take.
    """
    store = postgresStore(createDatabase(postgresServer), _reactor(), flushInterval=0.01)
    store.startService()
    try:
        await fuzz(store, 25)
    finally:
        await stop(store)
