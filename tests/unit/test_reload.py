"""
Tests for L{chatd.reload} and L{chatd.live}: what a reload applies to the
service tree C{makeService} built (limits, the log level, rooms, the web
front-end's limits), what it leaves for a restart, and a configuration
that does not parse.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any, cast

from twisted.application.service import IServiceCollection
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import (
    ILogObserver,
    LogEvent,
    LogLevel,
    PredicateResult,
    formatEvent,
    globalLogPublisher,
)
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.admission import parseNetworks
from chatd.core.names import key
from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.irc.listener import DEFAULT_MOTD
from chatd.live import LIVE, liveChat, liveRooms, readMotd
from chatd.options import Options
from chatd.reload import Reloader
from chatd.storage.memory import MemoryChatStore
from chatd.talk.protocol import TalkFactory
from chatd.tap import makeService
from chatd.tchat import TchatFactory
from chatd.testing import RecordingParticipant
from chatd.web.guard import GuardedSite
from tests.support.helpers import connect, output

LISTENERS = [
    "--port",
    "tcp:0:interface=127.0.0.1",
    "--irc",
    "tcp:0:interface=127.0.0.1",
    "--talk",
    "tcp:0:interface=127.0.0.1",
    "--web",
    "tcp:0:interface=127.0.0.1",
    "--admin",
    "off",
    "--metrics",
    "off",
]


def find(top: Any, kind: type) -> Any:
    for service in top:
        if isinstance(service, kind):
            return service
        if IServiceCollection.providedBy(service):
            found = find(service, kind)
            if found is not None:
                return found
    return None


class ReloadCase(SynchronousTestCase):
    """
    The daemon's service tree from a config file, on a memory reactor.
    """

    #: What the message-of-the-day file holds at start.
    motdAtStart = b"welcome\n"

    def setUp(self) -> None:
        self.dir = Path(self.mktemp())
        self.dir.mkdir()
        self.config = self.dir / "chatd.toml"
        self.motd = self.dir / "motd.txt"
        self.motd.write_bytes(self.motdAtStart)
        self.config.write_text(f'max-clients = 5\nmotd = "{self.motd}"\n')
        options = Options()
        options.parseOptions(
            ["--config", str(self.config), "--data-dir", str(self.dir / "data"), *LISTENERS]
        )
        self.reactor = MemoryReactorClock()
        self.top = makeService(options, self.reactor)
        self.reloader = find(self.top, Reloader)
        self.chat = find(self.top, ChatService)
        self.events: list[LogEvent] = []
        observer = cast(ILogObserver, self.events.append)
        globalLogPublisher.addObserver(observer)
        self.addCleanup(globalLogPublisher.removeObserver, observer)

    def factory(self, kind: type) -> Any:
        [found] = [f for _, f, _, _ in self.reactor.tcpServers if isinstance(f, kind)]
        return found

    def logged(self) -> str:
        return "\n".join(formatEvent(event) for event in self.events)


class ReloadTests(ReloadCase):
    def test_appliesWhatCanChange(self) -> None:
        """
        After the file changed, a reload applies limits, operators, sizes,
        the landing room and the message of the day to the running objects;
        a new password-check limit is logged as needing a restart and not
        applied; the file's new port does not count, the command line's wins.
        """
        self.top.startService()
        self.addCleanup(self.top.stopService)
        irc = self.factory(IRCFactory)
        self.assertEqual(irc.motd, ("welcome",))
        self.motd.write_text("new rules\nbe kind\n")
        self.config.write_text(
            f'max-clients = 9\nmotd = "{self.motd}"\noperators = ["alice"]\n'
            "max-line-length = 200\nmax-body-lines = 3\nconnects-per-minute = 0\n"
            'default-room = "hall"\nirc-flood-rate = 1.5\nhistory-count = 2\n'
            'limit-exempt = ["10.0.0.0/8"]\nport = 4000\nmax-rooms = 3\nauth-hashes = 3\n'
            "max-rooms-per-address = 7\npassword-changes-per-hour = 2\nlogin-timeout = 0\n"
        )
        self.assertEqual(self.chat.loginDeadlines.timeout, 60)
        restart = self.reloader.reload()
        self.assertEqual(restart, ["auth-hashes"])  # the command line's port still wins
        self.assertEqual(self.chat.admission.maxClients, 9)
        self.assertIsNone(self.chat.admission.perMinute)
        self.assertEqual([str(n) for n in self.chat.admission.exempt], ["10.0.0.0/8"])
        self.assertEqual(self.chat.people.operatorNames, ["alice"])
        self.assertIn(key("alice"), self.chat.people.operatorKeys)
        self.assertEqual(self.chat.historyCount, 2)
        tchat = self.factory(TchatFactory)
        self.assertEqual((tchat.maxLineLength, tchat.maxBodyLines), (200, 3))
        talk = self.factory(TalkFactory)
        self.assertEqual((talk.maxLineLength, talk.defaultRoom), (200, "hall"))
        self.assertEqual((irc.floodRate, irc.motd), (1.5, ("new rules", "be kind")))
        self.assertEqual(irc.maxBodyLines, 3)  # IRC's draft/multiline max-lines
        self.assertEqual(self.chat.messages.body.maxLines, 3)  # every front-end's
        self.assertEqual(irc.offeredCaps["draft/multiline"], "max-bytes=16384,max-lines=3")
        self.assertEqual(self.chat.roomLimits.maxRooms, 3)
        self.assertEqual(self.chat.roomLimits.maxPerAddress, 7)
        self.assertIsNone(self.chat.loginDeadlines.timeout)
        assert self.chat.persistence is not None and self.chat.persistence.accounts.changes
        self.assertEqual(self.chat.persistence.accounts.changes.perHour, 2)
        self.assertIn("changed but needs a restart: auth-hashes", self.logged())
        self.assertEqual(self.reloader.options["auth-hashes"], 2)  # still what runs

        # Taking a name out of the file takes its rights away.
        self.config.write_text("max-clients = 9\n")
        self.assertEqual(self.reloader.reload(), [])  # auth-hashes is back to what runs
        self.assertNotIn(key("alice"), self.chat.people.operatorKeys)
        self.assertEqual(irc.motd, DEFAULT_MOTD)  # no file: the built-in one

    def test_guests(self) -> None:
        """
        C{guests = "off"} in the file: from the reload on, logins without
        an account's password are refused; taken out, guests log in again.
        """
        self.top.startService()
        self.addCleanup(self.top.stopService)
        self.assertTrue(self.chat.logins.guests)
        self.config.write_text('guests = "off"\n')
        self.reloader.reload()
        self.assertFalse(self.chat.logins.guests)
        self.assertIn("changed: guests", self.logged())
        self.config.write_text("")
        self.reloader.reload()
        self.assertTrue(self.chat.logins.guests)

    def test_bodyLimitsAnnouncedToIRC(self) -> None:
        """
        A reload that changes the body limits tells the open IRC clients
        with C{cap-notify} (C{CAP LS 302}) C{draft/multiline}'s new values
        with C{CAP NEW}.
        """
        self.top.startService()
        self.addCleanup(self.top.stopService)
        irc, transport = connect(self.factory(IRCFactory), self.reactor)
        irc.dataReceived(b"CAP LS 302\r\n")
        self.assertIn(
            b"draft/multiline=max-bytes=16384,max-lines=100", output(transport, self.reactor)
        )
        self.config.write_text("max-body-lines = 3\n")
        self.reloader.reload()
        self.assertEqual(
            output(transport, self.reactor),
            b":chatd CAP * NEW :draft/multiline=max-bytes=16384,max-lines=3\r\n",
        )

    def test_reloadKeepsConsoleGrants(self) -> None:
        """
        The configured list and the console's C{op} are two sources: a
        reload that takes a name out of the list leaves a console grant.
        """
        self.top.startService()
        self.addCleanup(self.top.stopService)
        self.chat.moderation.op("olga", "root")
        self.config.write_text('max-clients = 5\noperators = ["olga"]\n')
        self.reloader.reload()
        self.config.write_text("max-clients = 5\noperators = []\n")
        self.reloader.reload()
        self.assertIn(key("olga"), self.chat.people.operatorKeys)

    def test_badFileKeepsSettings(self) -> None:
        """
        A file that no longer parses, or with an unknown key, changes
        nothing and the log says why.
        """
        for text in ("max-clients = \n", "max-clientz = 1\n", "max-clients = -1\n"):
            self.config.write_text(text)
            running = self.reloader.options
            self.assertEqual(self.reloader.reload(), [])
            self.assertIs(self.reloader.options, running)
            self.assertEqual(self.chat.admission.maxClients, 5)
        self.assertEqual(self.logged().count("reload failed, the running settings stay"), 3)
        self.assertIn("unknown key 'max-clientz'", self.logged())

    def test_missingMotdKeepsIt(self) -> None:
        """
        A message-of-the-day file that went away leaves the one shown.
        """
        self.top.startService()
        self.addCleanup(self.top.stopService)
        irc = self.factory(IRCFactory)
        self.motd.unlink()
        self.reloader.reload()
        self.assertEqual(irc.motd, ("welcome",))
        self.assertIn("the message of the day kept", self.logged())

    def test_motdMovedToAMissingFile(self) -> None:
        """
        C{motd} changed to a file that cannot be read: the one shown stays,
        the log does not call the option changed, and the options in force
        keep the old path (a later reload that finds the file applies it).
        """
        self.top.startService()
        self.addCleanup(self.top.stopService)
        irc = self.factory(IRCFactory)
        old = self.reloader.options["motd"]
        missing = self.motd.with_name("missing-motd")
        self.config.write_text(f'max-clients = 5\nmotd = "{missing}"\n')
        self.reloader.reload()
        self.assertEqual(irc.motd, ("welcome",))
        self.assertEqual(self.reloader.options["motd"], old)
        self.assertIn("changed: nothing", self.logged())
        missing.write_text("moved\n")
        self.reloader.reload()
        self.assertEqual(irc.motd, ("moved",))

    def test_everyLiveOptionIsApplied(self) -> None:
        """
        The options the reference calls live are the ones something applies.
        """
        self.assertEqual(self.reloader.live(), LIVE)
        self.assertTrue(LIVE <= set(self.reloader.options.keys()))

    def test_signalHandler(self) -> None:
        """
        Starting installs the SIGHUP handler, stopping restores the one
        before; the handler reloads from the reactor's loop.
        """
        before = signal.getsignal(signal.SIGHUP)
        self.top.startService()
        self.assertEqual(signal.getsignal(signal.SIGHUP), self.reloader.hangUp)
        self.config.write_text("max-clients = 11\n")
        calls: list[Any] = []
        self.reactor.callFromThread = lambda f, *a: calls.append(f)  # type: ignore[attr-defined]
        self.reloader.hangUp(signal.SIGHUP, None)
        self.assertEqual(calls, [self.reloader.reload])
        self.assertEqual(self.chat.admission.maxClients, 5)  # not from the handler itself
        calls[0]()
        self.assertEqual(self.chat.admission.maxClients, 11)
        self.top.stopService()
        self.assertEqual(signal.getsignal(signal.SIGHUP), before)


def levelOf(options: Options, level: LogLevel) -> PredicateResult:
    event = {"log_level": level, "log_namespace": "chatd.test"}
    return cast(PredicateResult, options.logSetup.predicate(event))


class ReloadLogRoomsWebTests(ReloadCase):
    """
    The log level, the rooms and the web front-end's limits, on the same
    service tree.
    """

    def test_logLevel(self) -> None:
        """
        The level the file gives is the one the log's filter lets through
        from the next reload on; the filter is the one twistd's observer
        was made with, so a level back to info lets info through again.
        """
        options = self.reloader.options
        self.assertEqual(levelOf(options, LogLevel.info), PredicateResult.maybe)
        self.config.write_text('log-level = "warn"\n')
        self.assertEqual(self.reloader.reload(), [])
        self.assertEqual(levelOf(options, LogLevel.info), PredicateResult.no)
        self.assertEqual(levelOf(options, LogLevel.warn), PredicateResult.maybe)
        self.config.write_text('log-level = "debug"\n')
        self.reloader.reload()
        self.assertEqual(levelOf(options, LogLevel.debug), PredicateResult.maybe)
        self.config.write_text('log-level = "loud"\n')
        self.reloader.reload()  # refused: the level stays
        self.assertEqual(levelOf(options, LogLevel.debug), PredicateResult.maybe)
        self.assertIn("reload failed", self.logged())

    def test_webLineLengthAtStart(self) -> None:
        """
        The web front-end counts a long line's cost by C{--max-line-length}
        as given at start, as the line front-ends read lines.
        """
        options = Options()
        options.parseOptions(
            ["--data-dir", str(self.dir / "other"), "--max-line-length", "1024", *LISTENERS]
        )
        reactor = MemoryReactorClock()
        top = makeService(options, reactor)
        top.startService()
        self.addCleanup(top.stopService)
        [web] = [f for _, f, _, _ in reactor.tcpServers if isinstance(f, GuardedSite)]
        self.assertEqual(web.site.resource.getStaticEntity(b"ws").wrapped.factory.lineBytes, 1024)

    def test_webLimits(self) -> None:
        """
        A reload gives the web front-end the new request rate, line length
        (what a long line costs), unread-output bound, header deadline,
        origins (and so the hosts a loopback listener answers) and trusted
        proxies; what connects next reads them.
        """
        self.top.startService()
        self.addCleanup(self.top.stopService)
        web = self.factory(GuardedSite)
        self.assertEqual(web.site.resource.getStaticEntity(b"ws").wrapped.factory.lineBytes, 4096)
        self.config.write_text(
            "flood-rate = 2.5\nflood-burst = 7\nmax-output = 5000\nhttp-header-timeout = 0\n"
            "max-line-length = 2048\n"
            'web-origins = ["https://Chat.example.org/"]\n'
            'web-trusted-proxies = ["127.0.0.1", "10.0.0.0/8"]\n'
        )
        self.assertEqual(self.reloader.reload(), [])
        check = web.site.resource.getStaticEntity(b"ws")
        self.assertEqual(check.allowed, frozenset({"https://chat.example.org"}))
        self.assertEqual((check.wrapped.factory.rate, check.wrapped.factory.burst), (2.5, 7))
        self.assertEqual(check.wrapped.factory.lineBytes, 2048)  # what a long line costs
        self.assertEqual(web.maxPendingOutput, 5000)
        self.assertIsNone(web.site.headerTimeout)
        self.assertIsNone(web.site.buildProtocol(None).headerTimeout)
        self.assertEqual(web.site.trustedProxies.networks, parseNetworks("127.0.0.1,10.0.0.0/8"))
        self.assertEqual(web.site.hosts.names, {"chat.example.org"})  # a loopback listener's

    def test_webBodyLimits(self) -> None:
        """
        The web's largest request leaves room for a message at the body
        limits, as they start and after a reload that raises or lowers
        them (never below 16 KiB), for open connections too; the input a
        message may take before it is complete follows.
        """
        self.top.startService()
        self.addCleanup(self.top.stopService)
        web = self.factory(GuardedSite)
        factory = web.site.resource.getStaticEntity(b"ws").wrapped.factory
        self.assertEqual(factory.maxMessageBytes, 12 * (16384 + 100) + 1024)
        self.config.write_text("max-body-bytes = 40000\nmax-body-lines = 3\n")
        self.assertEqual(self.reloader.reload(), [])
        self.assertEqual(self.chat.messages.body.maxSize, 40000)  # every front-end's
        self.assertEqual(factory.maxMessageBytes, 12 * (40000 + 3) + 1024)
        self.assertEqual(web.maxPendingInput, 4 * factory.maxMessageBytes + 65536)
        self.config.write_text("max-body-bytes = 100\n")
        self.reloader.reload()
        self.assertEqual(self.chat.messages.body.maxSize, 100)
        self.assertEqual(factory.maxMessageBytes, 16384)

    def test_roomsWithoutStore(self) -> None:
        """
        Without a store, the rooms added to C{rooms} are made as the admin
        console makes them; a room taken out of the list stays, and one
        that exists already is left as it is.
        """
        chat = ChatService(self.reactor, rooms=["lobby", "hall"])
        chat.registry.get("hall").settings.topic = "kept"
        reloader = Reloader(self.reloader.options, self.reactor)
        liveRooms(reloader, chat)
        self.config.write_text('rooms = ["lobby", "hall", "Café"]\n')
        reloader.reload()
        self.assertEqual([name for name, _ in chat.rooms()], ["Café", "hall", "lobby"])
        self.assertEqual(chat.registry.get("hall").settings.topic, "kept")
        self.config.write_text('rooms = ["hall"]\n')
        reloader.reload()
        self.assertEqual([name for name, _ in chat.rooms()], ["Café", "hall", "lobby"])
        self.assertIn("reload: room Café created", self.logged())

    def test_roomsKeepGuestsRoom(self) -> None:
        """
        A guest's room of a name added to C{rooms} is made to last: it no
        longer vanishes with its last member.
        """
        chat = ChatService(self.reactor, rooms=["lobby"])
        guest = RecordingParticipant()
        chat.connect(guest)
        chat.login(guest, "guesty")
        chat.createRoom(guest, "club2")
        chat.enter(guest, "club2")
        reloader = Reloader(self.reloader.options, self.reactor)
        liveRooms(reloader, chat)
        self.config.write_text('rooms = ["lobby", "club2"]\n')
        reloader.reload()
        chat.disconnect(guest, "bye")
        self.assertIn("club2", [name for name, _ in chat.rooms()])
        self.assertFalse(chat.roomVanishes("club2"))

    def test_roomsWithStore(self) -> None:
        """
        With a store, a room added to C{rooms} is stored, so it outlives a
        restart, and lasts when emptied; a name that is not a room name
        leaves the running list as it was.
        """
        store = MemoryChatStore()
        store.startService()
        chat = ChatService(self.reactor, rooms=["lobby"], store=store)
        chat.startService()
        reloader = Reloader(self.reloader.options, self.reactor)
        liveRooms(reloader, chat)
        self.config.write_text('rooms = ["lobby", "garden"]\n')
        reloader.reload()
        self.assertIn("garden", [name for name, _ in chat.rooms()])
        snapshot = self.successResultOf(store.load())
        self.assertIn("garden", [room.name for room in snapshot.rooms])
        self.assertFalse(chat.roomVanishes("garden"))
        self.config.write_text('rooms = ["lobby", "two words"]\n')
        self.assertEqual(reloader.reload(), [])
        self.assertIn("reload failed", self.logged())
        self.assertEqual(reloader.options["rooms"], ["lobby", "garden"])

    def test_newOperatorWithoutAccount(self) -> None:
        """
        A reload that lists an operator name without an account warns of
        it as the start does (create it on the console), once: not of a
        name that has one, nor of a name listed already.
        """
        store = MemoryChatStore()
        store.startService()
        self.successResultOf(store.saveAccount("alice", "hash", 0))
        chat = ChatService(self.reactor, store=store, operators=["alice"])
        chat.startService()
        reloader = Reloader(self.reloader.options, self.reactor)
        liveChat(reloader, chat, chat.admission)
        self.config.write_text('operators = ["alice", "eve"]\n')
        reloader.reload()
        self.config.write_text('operators = ["eve", "alice"]\n')
        reloader.reload()
        warned = [e for e in self.events if "has no registered account" in e.get("log_format", "")]
        self.assertEqual([e["name"] for e in warned], ["eve"])
        self.assertIn(
            "nobody gets its rights until an administrator creates it", formatEvent(warned[0])
        )
        self.assertIn("add account eve", formatEvent(warned[0]))


class ByteOrderMarkTests(ReloadCase):
    """
    A message-of-the-day file saved with a UTF-8 byte-order mark, as some
    Windows editors save one.
    """

    motdAtStart = "\ufeffBienvenue à tous\r\n".encode()

    def test_markDropped(self) -> None:
        """
        The message of the day is read without the mark, at start and at a
        reload.
        """
        self.top.startService()
        self.addCleanup(self.top.stopService)
        irc = self.factory(IRCFactory)
        self.assertEqual(irc.motd, ("Bienvenue à tous",))
        self.motd.write_bytes("\ufeffÀ demain\n".encode())
        self.reloader.reload()
        self.assertEqual(irc.motd, ("À demain",))

    def test_shownWithoutMark(self) -> None:
        """
        An IRC client registering is shown the lines of such a file
        without the mark.
        """
        clock = Clock()
        service = ChatService(clock)
        factory = IRCFactory(service, clock, motd=readMotd(str(self.motd)))
        irc, transport = connect(factory, clock)
        irc.dataReceived(b"NICK zoe\r\nUSER zoe 0 * :Zoe\r\n")
        welcome = output(transport, clock).decode()
        self.assertIn(":chatd 372 zoe :- Bienvenue à tous\r\n", welcome)
        self.assertNotIn("\ufeff", welcome)
