"""
IRC's C{draft/read-marker} (L{chatd.irc.markread}): the capability,
C{MARKREAD} to read and move the account's marker, the marker after a
JOIN, and another connection of the account told when it moves.
"""

from __future__ import annotations

from twisted.internet.defer import fail
from twisted.internet.testing import StringTransport

from chatd.core import errors
from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from tests.support.ircstorecase import IRCStoreTestCase

CAPS = "CAP REQ :draft/read-marker server-time"


#: A moment after those the tests mark read (a marker never goes past now).
LATER = 1_797_000_000  # 2026-12-11


class MarkreadTests(IRCStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.clock.advance(LATER - self.clock.seconds())
        self.laptop, self.tl = self.client()
        self.signIn(self.laptop, self.tl)
        self.phone, self.tp = self.client()
        self.signIn(self.phone, self.tp)

    def signIn(self, proto: IRCProtocol, transport: StringTransport) -> list[Message]:
        return self.send(
            proto,
            transport,
            "CAP LS 302",
            CAPS,
            "PASS sesame",
            "NICK alice",
            "USER a 0 * :A",
            "CAP END",
        )

    def markreads(self, messages: list[Message]) -> list[list[str]]:
        return [m.params for m in messages if m.command in ("MARKREAD", "FAIL")]

    def test_capOffered(self) -> None:
        """
        C{CAP LS} offers C{draft/read-marker}.
        """
        proto, t = self.client()
        offered = self.send(proto, t, "CAP LS 302")[0].params[-1].split()
        self.assertIn("draft/read-marker", offered)

    def test_getAndSet(self) -> None:
        """
        A marker not yet set is C{*}; setting answers with the marker, an
        earlier one leaves it (the answer says where it is), and reading
        gives it back, to the millisecond.
        """
        self.assertEqual(
            self.markreads(self.send(self.laptop, self.tl, "MARKREAD #Blabla")),
            [["#Blabla", "*"]],
        )
        moved = self.send(
            self.laptop, self.tl, "MARKREAD #Blabla timestamp=2026-12-04T10:00:00.250Z"
        )
        self.assertEqual(self.markreads(moved), [["#Blabla", "timestamp=2026-12-04T10:00:00.250Z"]])
        back = self.send(
            self.laptop, self.tl, "MARKREAD #Blabla timestamp=2026-12-04T09:00:00.000Z"
        )
        self.assertEqual(self.markreads(back), [["#Blabla", "timestamp=2026-12-04T10:00:00.250Z"]])
        self.assertEqual(
            self.markreads(self.send(self.laptop, self.tl, "MARKREAD bob")), [["bob", "*"]]
        )

    def test_futureIsNow(self) -> None:
        """
        A marker in the future is set to the end of the current second: it
        would otherwise hide every message until then, for good.
        """
        ahead = self.send(
            self.laptop, self.tl, "MARKREAD #Blabla timestamp=2099-01-01T00:00:00.000Z"
        )
        self.assertEqual(self.markreads(ahead), [["#Blabla", "timestamp=2026-12-11T14:40:00.999Z"]])

    def test_otherConnectionTold(self) -> None:
        """
        When one connection moves the marker, the account's other
        connection with the capability gets C{MARKREAD}; when it does not
        move, nobody else hears of it.
        """
        self.send(self.phone, self.tp, "MARKREAD bob")  # the phone follows
        self.send(self.laptop, self.tl, "MARKREAD bob timestamp=2026-12-04T10:00:00.000Z")
        told = self.send(self.phone, self.tp)
        self.assertEqual(self.markreads(told), [["bob", "timestamp=2026-12-04T10:00:00.000Z"]])
        self.send(self.laptop, self.tl, "MARKREAD bob timestamp=2026-12-04T09:00:00.000Z")
        self.assertEqual(self.markreads(self.send(self.phone, self.tp)), [])

    def test_afterJoin(self) -> None:
        """
        A JOIN is followed by the channel's marker, before the end of NAMES,
        on each connection shown the JOIN (the other one was also told
        when the marker moved).
        """
        self.send(self.laptop, self.tl, "MARKREAD #Blabla timestamp=2026-12-04T10:00:00.000Z")
        joined = self.send(self.laptop, self.tl, "JOIN #Blabla")
        commands = [m.command for m in joined]
        self.assertIn("MARKREAD", commands)
        self.assertLess(commands.index("JOIN"), commands.index("MARKREAD"))
        self.assertLess(commands.index("MARKREAD"), commands.index("366"))
        self.assertEqual(
            self.markreads(joined), [["#Blabla", "timestamp=2026-12-04T10:00:00.000Z"]]
        )
        self.assertEqual(
            self.markreads(self.send(self.phone, self.tp)),
            [["#Blabla", "timestamp=2026-12-04T10:00:00.000Z"]] * 2,
        )

    def test_guestAndErrors(self) -> None:
        """
        A guest's marker lasts for its session (set and read back, nothing
        stored); a missing target or a bad timestamp is a FAIL.
        """
        guest, t = self.client()
        self.send(guest, t, "CAP LS 302", CAPS, "NICK bob", "USER b 0 * :B", "CAP END")
        self.assertEqual(
            self.markreads(
                self.send(guest, t, "MARKREAD #Blabla timestamp=2026-12-04T10:00:00.000Z")
            ),
            [["#Blabla", "timestamp=2026-12-04T10:00:00.000Z"]],
        )
        self.assertEqual(
            self.markreads(self.send(guest, t, "MARKREAD #Blabla")),
            [["#Blabla", "timestamp=2026-12-04T10:00:00.000Z"]],
        )
        self.assertEqual(self.successResultOf(self.store.readMarkers("bob")), [])
        self.assertEqual(
            [p[:2] for p in self.markreads(self.send(guest, t, "MARKREAD"))],
            [["MARKREAD", "NEED_MORE_PARAMS"]],
        )
        self.assertEqual(
            [
                p[:3]
                for p in self.markreads(self.send(self.laptop, self.tl, "MARKREAD #x yesterday"))
            ],
            [["MARKREAD", "INVALID_PARAMS", "#x"]],
        )
        joined = self.send(guest, t, "JOIN #Blabla")
        self.assertEqual(
            self.markreads(joined), [["#Blabla", "timestamp=2026-12-04T10:00:00.000Z"]]
        )
        joined = self.send(guest, t, "JOIN #Other")
        self.assertEqual(self.markreads(joined), [["#Other", "*"]])

    def test_storeUnavailable(self) -> None:
        """
        A marker the database cannot read or save while it is away is
        C{FAIL MARKREAD TEMPORARILY_UNAVAILABLE}, naming the channel: the
        client's parameters were right, and it may try again.
        """
        self.patch(self.store, "saveReadMarker", lambda *a: fail(errors.StoreUnavailable()))
        self.patch(self.store, "readMarker", lambda *a: fail(errors.StoreUnavailable()))
        for line in ("MARKREAD #Blabla timestamp=2026-12-04T10:00:00.000Z", "MARKREAD #Blabla"):
            [refusal] = self.markreads(self.send(self.laptop, self.tl, line))
            self.assertEqual(refusal[:3], ["MARKREAD", "TEMPORARILY_UNAVAILABLE", "#Blabla"])
            self.assertIn("try again later", refusal[-1])

    def test_privateUnderTheirNickname(self) -> None:
        """
        The marker of a private conversation with someone signed in to an
        account under another nickname is the account's conversation's:
        set by either name, read back by either, and the account's name
        is what the other connection is told.
        """
        self.registered("prof", "chalk99")
        prof, tp, _ = self.saslAs("prof", "chalk99", "mentor")
        self.send(prof, tp, "PRIVMSG alice :lesson one", "PRIVMSG alice :lesson two")
        self.send(self.phone, self.tp, "MARKREAD prof")  # the phone follows
        moved = self.send(
            self.laptop, self.tl, "MARKREAD mentor timestamp=2026-12-11T14:40:00.000Z"
        )
        self.assertEqual(self.markreads(moved), [["mentor", "timestamp=2026-12-11T14:40:00.000Z"]])
        self.assertEqual(
            self.markreads(self.send(self.phone, self.tp)),
            [["prof", "timestamp=2026-12-11T14:40:00.000Z"]],
        )
        self.assertEqual(
            self.markreads(self.send(self.phone, self.tp, "MARKREAD prof")),
            [["prof", "timestamp=2026-12-11T14:40:00.000Z"]],
        )
        self.assertEqual(
            self.successResultOf(self.store.readMarkers("alice")),
            [("prof", False, LATER * 1000)],
        )
