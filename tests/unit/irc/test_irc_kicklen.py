"""
C{KICKLEN}, C{TOPICLEN} and C{AWAYLEN} (L{chatd.core.text.MAX_TEXT_BYTES})
against the longest prefix: a C{KICK} from someone signed in to an account
of 16 characters, with names as long as they go, and a reason as long as
advertised, is one IRC line of at most 512 bytes, its reason whole.
"""

from __future__ import annotations

from chatd.core.hosts import ACCOUNT_PREFIX, CLOAK_DIGITS, CLOAK_PREFIX, CLOAK_SUFFIX
from chatd.core.names import MAX_NAME_LENGTH, MAX_ROOM_NAME_LENGTH
from chatd.core.text import MAX_TEXT_BYTES
from chatd.irc.message import MAX_LINE
from tests.support.helpers import connect
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.protocolcases import plain

ACCOUNT, TARGET, ROOM = "k" * 16, "t" * 16, "c" * 49


class KickLengthTests(IRCStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered(ACCOUNT, "sesame")

    def test_longestKick(self) -> None:
        """
        The longest C{KICK} (nick, ident and account of 16 characters, a
        room of 49, a target of 16) with a reason of C{KICKLEN} bytes is
        512 bytes at most and carries the reason whole; the server
        advertises that C{KICKLEN}, and a longer reason is cut to it.
        """
        kicker, tk = connect(self.factory, self.clock)
        self.send(kicker, tk, "CAP REQ sasl", f"NICK {ACCOUNT}", f"USER {'u' * 16} 0 * :U")
        self.send(kicker, tk, "AUTHENTICATE PLAIN")
        told = self.send(kicker, tk, "AUTHENTICATE " + plain("", ACCOUNT, "sesame"), "CAP END")
        [kicklen] = [p for m in told if m.command == "005" for p in m.params if "KICKLEN" in p]
        self.assertEqual(kicklen, f"KICKLEN={MAX_TEXT_BYTES}")
        self.send(kicker, tk, f"JOIN #{ROOM}")
        for reason, shown in [
            ("r" * MAX_TEXT_BYTES, "r" * MAX_TEXT_BYTES),
            ("s" * 400, "s" * MAX_TEXT_BYTES),
        ]:
            target, tt = connect(self.factory, self.clock, "192.0.2.9")
            self.send(target, tt, f"NICK {TARGET}", "USER t 0 * :T", f"JOIN #{ROOM}")
            tt.clear()
            self.send(kicker, tk, f"KICK #{ROOM} {TARGET} :{reason}")
            [line] = [line for line in tt.value().split(b"\r\n") if b" KICK " in line]
            self.assertTrue(line.startswith(f":{ACCOUNT}!{'u' * 16}@user/{ACCOUNT} ".encode()))
            self.assertLessEqual(len(line) + 2, MAX_LINE)
            self.assertTrue(line.endswith(f" :{shown}".encode()), line[-20:])
            target.connectionLost(None)

    def test_rule(self) -> None:
        """
        C{MAX_TEXT_BYTES} is what IRC's 512 bytes leave of that line:
        the longest host is an account's, not a guest's cloak.
        """
        account = len(ACCOUNT_PREFIX) + MAX_NAME_LENGTH
        cloak = len(CLOAK_PREFIX) + CLOAK_DIGITS + len(CLOAK_SUFFIX)
        prefix = 1 + MAX_NAME_LENGTH + 1 + MAX_NAME_LENGTH + 1 + max(account, cloak)
        overhead = prefix + len(" KICK #") + MAX_ROOM_NAME_LENGTH + 1 + MAX_NAME_LENGTH + 4
        self.assertEqual(MAX_TEXT_BYTES, MAX_LINE - overhead)
