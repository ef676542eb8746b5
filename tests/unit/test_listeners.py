"""
Tests for L{chatd.listeners.Listener}'s warning when a listener is open
beyond this host: one rule for every listener, louder for an admin console;
and for the listeners local by default (L{chatd.optionvalues.localEndpoint}).
"""

from __future__ import annotations

from typing import Any, cast

from twisted.internet.address import IPv4Address
from twisted.internet.interfaces import IListeningPort
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import MemoryReactor
from twisted.logger import LogLevel, capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from chatd.listeners import CHAT, MANHOLE, SSH_CONSOLE, TELNET_CONSOLE, Exposure, Listener
from chatd.options import Options


class FakePort:
    """
    A listening port at C{host}.
    """

    def __init__(self, host: str) -> None:
        self.host = host

    def getHost(self) -> IPv4Address:
        return IPv4Address("TCP", self.host, 24655)


class OpenListenerTests(SynchronousTestCase):
    def warnings(
        self, label: str, description: str, exposure: Exposure | None, host: str = "0.0.0.0"
    ) -> list[tuple[LogLevel, str]]:
        """
        What a listener logs, beyond where it is reachable, once it listens at C{host}.
        """
        factory: Factory[Any] = Factory.forProtocol(Protocol)
        listener = Listener(label, description, factory, MemoryReactor(), exposure)
        with capturedLogs() as events:
            listener.listened(cast(IListeningPort, FakePort(host)))
        return [(e["log_level"], formatEvent(e)) for e in events if "warning:" in formatEvent(e)]

    def test_adminConsolesWarnedLouder(self) -> None:
        """
        The telnet console, the SSH console and the manhole on every
        interface are each warned of at error level, saying what anyone
        who reaches them gets: the telnet console's passwords in clear
        text, the manhole's Python shell.
        """
        [(level, text)] = self.warnings("admin console (telnet)", "tcp:24655", TELNET_CONSOLE)
        self.assertEqual(level, LogLevel.error)
        self.assertIn("admin console (telnet) at 0.0.0.0:24655 is open beyond this host", text)
        self.assertIn("passwords cross the network in clear text", text)
        [(level, text)] = self.warnings("admin console (SSH)", "tcp:24655", SSH_CONSOLE)
        self.assertEqual(level, LogLevel.error)
        self.assertIn("try the administrators' passwords", text)
        self.assertNotIn("clear text", text)
        [(level, text)] = self.warnings("manhole (SSH)", "tcp:24655", MANHOLE)
        self.assertEqual(level, LogLevel.error)
        self.assertIn("a Python shell with the daemon's powers", text)

    def test_telnetConsoleWithTLS(self) -> None:
        """
        The telnet console over TLS is still warned of, without the clear text.
        """
        listener = Listener(
            "admin console (telnet)", "tcp:24655", Factory(), MemoryReactor(), TELNET_CONSOLE
        )
        listener.description = "ssl:24655"  # as if it had a certificate
        with capturedLogs() as events:
            listener.listened(cast(IListeningPort, FakePort("0.0.0.0")))
        [text] = [formatEvent(e) for e in events if "warning:" in formatEvent(e)]
        self.assertNotIn("clear text", text)

    def test_chatWarnedAsBefore(self) -> None:
        """
        A chat listener anyone may use is warned of at warning level.
        """
        [(level, text)] = self.warnings("TCHAT", "tcp:0", CHAT)
        self.assertEqual(level, LogLevel.warn)
        self.assertIn("anyone who can reach it may chat without a password", text)

    def test_localNotWarned(self) -> None:
        """
        A console on 127.0.0.1, or a chat listener a password guards, is not warned of.
        """
        self.assertEqual(self.warnings("manhole (SSH)", "tcp:0", MANHOLE, "127.0.0.1"), [])
        self.assertEqual(self.warnings("IRC", "tcp:0", None), [])


class LocalByDefaultTests(SynchronousTestCase):
    def test_barePortIsLocal(self) -> None:
        """
        A bare port for C{--metrics} listens on 127.0.0.1, as one for the
        consoles and the manhole does; an endpoint string chooses freely,
        and C{off} switches it off.
        """
        for name in ("metrics", "admin", "admin-ssh", "manhole"):
            options = Options()
            options.parseOptions([f"--{name}", "21735"])
            self.assertEqual(options[name], "tcp:21735:interface=127.0.0.1:backlog=1024")
            options = Options()
            options.parseOptions([f"--{name}", "tcp:21735"])
            self.assertEqual(options[name], "tcp:21735:backlog=1024")
            options = Options()
            options.parseOptions([f"--{name}", "off"])
            self.assertEqual(options[name], "")
