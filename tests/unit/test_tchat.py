"""
Tests for L{chatd.tchat}: every TCHAT command, reply and error code, driven
in memory with L{StringTransport} and a L{Clock}.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from chatd.core.events import Administrator
from chatd.core.interfaces import IParticipant
from chatd.tchatbody import bodyVerb
from chatd.tchatwire import MAX_SENT_LINE
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect, output
from tests.support.protocolcases import TchatTestCase

#: The notice's body line when lines start to wait for a flood rate of 1.
WAITING = (
    b"srv: you are sending faster than 1 line a second: your lines wait and are sent in turn\n"
)


class CommandTests(TchatTestCase):
    def test_participant(self) -> None:
        """
        A TCHAT connection provides IParticipant.
        """
        proto, _ = self.connect()
        self.assertTrue(verifyObject(IParticipant, proto))

    def test_loginRequired(self) -> None:
        """
        Before LOGIN every command but LOGIN and ALIVE gets ERROR 01.
        """
        proto, t = self.connect()
        for line in ["clt: CREAT g", "clt: ENTER g", "clt: LEAVE g", "clt: LSMEM g"]:
            self.assertEqual(self.send(proto, t, line), b"srv: ERROR 01\n")
        self.assertEqual(
            self.send(proto, t, "clt: SPEAK g", "clt: hi", "clt: ."), b"srv: ERROR 01\n"
        )
        self.assertEqual(self.send(proto, t, "clt: ALIVE"), b"")

    def test_login(self) -> None:
        """
        LOGIN answers OKAY!, 20 for a bad name, 23 for a taken one (in any
        case), 10 for a missing field or a second login.
        """
        alice, ta = self.connect("alice")
        other, to = self.connect()
        self.assertEqual(self.send(other, to, "clt: LOGIN ALICE"), b"srv: ERROR 23\n")
        self.assertEqual(self.send(other, to, "clt: LOGIN bad!name"), b"srv: ERROR 20\n")
        self.assertEqual(self.send(other, to, "clt: LOGIN " + "x" * 17), b"srv: ERROR 20\n")
        self.assertEqual(self.send(other, to, "clt: LOGIN"), b"srv: ERROR 10\n")
        self.assertEqual(self.send(other, to, "clt: LOGIN "), b"srv: ERROR 10\n")
        self.assertEqual(self.send(alice, ta, "clt: LOGIN again"), b"srv: ERROR 10\n")
        self.assertEqual(self.send(other, to, "clt: LOGIN Zoé"), b"srv: OKAY!\n")

    def test_unknown(self) -> None:
        """
        A line without C{clt: } or with an unknown verb is ERROR 11: an
        empty line, and an empty verb (a space before it: the verb is not a
        field), before LOGIN too.
        """
        stranger, ts = self.connect()
        self.assertEqual(self.send(stranger, ts, "", "clt:  LSMEM g"), b"srv: ERROR 11\n" * 2)
        proto, t = self.connect("alice")
        self.assertEqual(self.send(proto, t, "LOGIN bob"), b"srv: ERROR 11\n")
        self.assertEqual(self.send(proto, t, "clt: DANCE"), b"srv: ERROR 11\n")
        self.assertEqual(self.send(proto, t, "clt:LOGIN x"), b"srv: ERROR 11\n")
        self.assertEqual(self.send(proto, t, ""), b"srv: ERROR 11\n")
        self.assertEqual(self.send(proto, t, "clt: "), b"srv: ERROR 11\n")
        self.send(proto, t, "clt: CREAT g", "clt: ENTER g")
        self.assertEqual(self.send(proto, t, "clt:  LSMEM g"), b"srv: ERROR 11\n")

    def test_creat(self) -> None:
        """
        CREAT answers OKAY!, 30 for a bad name (TCHAT's 16 characters at
        most, though other protocols' rooms may be longer), 33 when it
        exists, 10 for a missing or extra field.
        """
        proto, t = self.connect("alice")
        self.assertEqual(self.send(proto, t, "clt: CREAT Général"), b"srv: OKAY!\n")
        self.assertEqual(self.send(proto, t, "clt: CREAT général"), b"srv: ERROR 33\n")
        self.assertEqual(self.send(proto, t, "clt: CREAT a.b"), b"srv: ERROR 30\n")
        self.assertEqual(self.send(proto, t, "clt: CREAT " + "x" * 17), b"srv: ERROR 30\n")
        self.assertEqual(self.send(proto, t, "clt: CREAT " + "x" * 16), b"srv: OKAY!\n")
        self.assertEqual(self.send(proto, t, "clt: CREAT"), b"srv: ERROR 10\n")
        self.assertEqual(self.send(proto, t, "clt: CREAT a b"), b"srv: ERROR 10\n")

    def test_enterLeave(self) -> None:
        """
        ENTER and LEAVE answer the sender and tell the other members with a
        timestamp; the errors are 31, 35, 36 and 34.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "clt: CREAT g")
        self.assertEqual(self.send(alice, ta, "clt: ENTER g"), b"srv: OKAY!\n")
        self.assertEqual(self.send(alice, ta, "clt: ENTER G"), b"srv: ERROR 35\n")
        self.assertEqual(self.send(bob, tb, "clt: ENTER nowhere"), b"srv: ERROR 31\n")
        self.assertEqual(self.send(bob, tb, "clt: LEAVE g"), b"srv: ERROR 34\n")
        self.assertEqual(self.send(bob, tb, "clt: LEAVE nowhere"), b"srv: ERROR 31\n")
        self.assertEqual(self.send(bob, tb, "clt: ENTER g"), b"srv: OKAY!\n")
        self.assertEqual(self.read(ta), b"srv: ENTER g bob 1700000000\n")
        self.clock.advance(5)
        self.assertEqual(self.send(bob, tb, "clt: LEAVE g"), b"srv: OKAY!\n")
        self.assertEqual(self.read(ta), b"srv: LEAVE g bob 1700000005\n")

    def test_fieldsOneSpaceApart(self) -> None:
        """
        Fields follow one space each, whatever the command: a trailing,
        leading or doubled space is a missing field (ERROR 10), as an extra
        field is, and changes nothing.
        """
        alice, ta = self.connect()
        for line in ("clt: LOGIN zed ", "clt: LOGIN  zed", "clt: LOGIN zed  pw"):
            self.assertEqual(self.send(alice, ta, line), b"srv: ERROR 10\n")
        self.assertIsNone(self.service.find("zed"))
        self.assertEqual(self.send(alice, ta, "clt: LOGIN zed"), b"srv: OKAY!\n")
        self.send(alice, ta, "clt: CREAT lobby")
        for line in (
            "clt: CREAT new ",
            "clt: ENTER lobby ",
            "clt: ENTER  lobby",
            "clt: ENTER lobby  key",
            "clt: HISTO lobby ",
            "clt: HISTO lobby 3 ",
            "clt: HISTO lobby  3",
            "clt: LSMEM lobby ",
            "clt: LEAVE lobby ",
        ):
            self.assertEqual(self.send(alice, ta, line), b"srv: ERROR 10\n", line)
        self.assertEqual(self.service.roomsOf(alice), [])
        self.assertEqual(self.send(alice, ta, "clt: ENTER lobby"), b"srv: OKAY!\n")
        self.assertEqual(
            self.send(alice, ta, "clt: LSMEM lobby"), b"srv: LSMEM lobby 1\nsrv: zed\nsrv: OKAY!\n"
        )
        for typed in ("LOBBY", "\U0001d425obby"):  # the group's own name, however typed
            self.assertEqual(
                self.send(alice, ta, f"clt: LSMEM {typed}"),
                b"srv: LSMEM lobby 1\nsrv: zed\nsrv: OKAY!\n",
            )

    def test_invisibleInGroupName(self) -> None:
        """
        A group name with an invisible character (a zero-width space, a word
        joiner, a byte order mark) is no valid name (ERROR 30) for ENTER as
        for CREAT, though without it the name is an existing group's.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "clt: CREAT lobby")
        for mark in ("\u200b", "\u2060", "\ufeff"):
            for verb in ("ENTER", "CREAT", "LSMEM", "LEAVE"):
                line = f"clt: {verb} lobby{mark}"
                self.assertEqual(self.send(alice, ta, line), b"srv: ERROR 30\n", line)
        self.assertEqual(self.service.roomsOf(alice), [])
        self.assertEqual(self.send(alice, ta, "clt: ENTER LOBBY"), b"srv: OKAY!\n")

    def test_invalidGroupName(self) -> None:
        """
        Every group command answers 30 for a name the room-name rule refuses,
        31 for a valid name no group has, 17 to 49 characters included
        (other front-ends' rooms may be that long).
        """
        alice, ta = self.connect("alice")
        for name, code in (("bad!name", b"30"), ("x" * 50, b"30"), ("y" * 49, b"31")):
            for verb in ("ENTER", "LEAVE", "LSMEM"):  # HISTO: test_tchat_accounts
                line = f"clt: {verb} {name}"
                self.assertEqual(self.send(alice, ta, line), b"srv: ERROR " + code + b"\n", line)
            said = self.send(alice, ta, f"clt: SPEAK {name}", "clt: hi", "clt: .")
            self.assertEqual(said, b"srv: ERROR " + code + b"\n", name)

    def test_removedFromGroup(self) -> None:
        """
        A member taken out of a group (its deletion by an administrator)
        reads who did it (as the administrator, a form no nickname can
        take) and why in a NOTICE before its LEAVE; the other members get
        the LEAVE alone.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "clt: CREAT g")
        self.send(alice, ta, "clt: ENTER g")
        self.send(bob, tb, "clt: ENTER g")
        self.read(ta)
        self.service.deleteRoom("g", Administrator("root"), "spam")
        self.assertEqual(
            self.read(ta),
            b"srv: NOTICE 1700000000\n"
            b"srv: you were removed from g by the administrator root: room deleted: spam\n"
            b"srv: .\n"
            b"srv: LEAVE g alice 1700000000\n",
        )
        self.assertEqual(
            self.read(tb),
            b"srv: LEAVE g alice 1700000000\n"
            b"srv: NOTICE 1700000000\n"
            b"srv: you were removed from g by the administrator root: room deleted: spam\n"
            b"srv: .\n"
            b"srv: LEAVE g bob 1700000000\n",
        )
        self.assertEqual(self.send(bob, tb, "clt: ENTER g"), b"srv: ERROR 31\n")

    def test_groupFull(self) -> None:
        """
        ENTER into a room at its capacity is ERROR 36.
        """
        clients = [self.connect(f"u{i}") for i in range(4)]
        self.send(*clients[0], "clt: CREAT g")
        for proto, t in clients[:3]:
            self.assertEqual(self.send(proto, t, "clt: ENTER g"), b"srv: OKAY!\n")
        self.assertEqual(self.send(*clients[3], "clt: ENTER g"), b"srv: ERROR 36\n")

    def test_lsmem(self) -> None:
        """
        LSMEM lists the members, counted, then OKAY!; 31 and 34 otherwise.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("Bob")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g")
        self.send(bob, tb, "clt: ENTER g")
        self.read(ta)
        self.assertEqual(
            self.send(alice, ta, "clt: LSMEM g"),
            b"srv: LSMEM g 2\nsrv: alice\nsrv: Bob\nsrv: OKAY!\n",
        )
        carol, tc = self.connect("carol")
        self.assertEqual(self.send(carol, tc, "clt: LSMEM g"), b"srv: ERROR 34\n")
        self.assertEqual(self.send(carol, tc, "clt: LSMEM x"), b"srv: ERROR 31\n")

    def test_speak(self) -> None:
        """
        SPEAK reads the whole body, answers the sender once, and gives the
        other members a SPEAK block; the sender gets no copy.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g")
        self.send(bob, tb, "clt: ENTER g")
        self.read(ta)
        self.assertEqual(self.send(alice, ta, "clt: SPEAK g"), b"")
        self.assertEqual(self.send(alice, ta, "clt: héllo"), b"")
        self.assertEqual(self.send(alice, ta, "clt: "), b"")
        self.assertEqual(self.send(alice, ta, "clt: .."), b"")
        self.assertEqual(self.send(alice, ta, "clt: ."), b"srv: OKAY!\n")
        self.assertEqual(
            self.read(tb),
            "srv: SPEAK alice g 1700000000\nsrv: héllo\nsrv: \nsrv: ..\nsrv: .\n".encode(),
        )

    def test_dotLinesAsTheyAre(self) -> None:
        """
        Only a body line that is exactly C{.} is sent as C{..}; one with
        spaces or a tab around its dot reaches the others as it was sent.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g")
        self.send(bob, tb, "clt: ENTER g")
        self.read(ta)
        dots = (". ", ".  ", ".\t", " .", "..")
        self.send(alice, ta, "clt: SPEAK g", *(f"clt: {dot}" for dot in dots[:3]), "clt: .")
        self.send(alice, ta, "clt: MSGPV bob", *(f"clt: {dot}" for dot in dots[3:]), "clt: .")
        self.service.say(bob, "g", (".",))  # from another front-end
        self.assertEqual(
            self.read(tb),
            b"srv: SPEAK alice g 1700000000\nsrv: . \nsrv: .  \nsrv: .\t\nsrv: .\n"
            b"srv: MSGPV alice 1700000000\nsrv:  .\nsrv: ..\nsrv: .\n",
        )
        self.assertEqual(self.read(ta), b"srv: SPEAK bob g 1700000000\nsrv: ..\nsrv: .\n")

    def test_tagOnlyMessagesIgnored(self) -> None:
        """
        A message of tags only (IRC's TAGMSG) shows nothing in TCHAT; a
        notice arrives as a normal SPEAK or MSGPV.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g")
        self.send(bob, tb, "clt: ENTER g")
        self.read(ta)
        self.service.say(bob, "g", (), tags=(("+typing", "active"),))
        self.service.tell(bob, "alice", (), tags=(("+typing", "active"),))
        self.assertEqual(self.read(ta), b"")
        self.service.say(bob, "g", ("hey",), notice=True)
        self.assertEqual(self.read(ta), b"srv: SPEAK bob g 1700000000\nsrv: hey\nsrv: .\n")

    def test_speakErrors(self) -> None:
        """
        SPEAK's one reply after the body: 31, 34, 10 for an empty body or a
        missing group, 10 for a body over the limits or with a bad line.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "clt: CREAT g")
        self.assertEqual(
            self.send(alice, ta, "clt: SPEAK x", "clt: hi", "clt: ."), b"srv: ERROR 31\n"
        )
        self.assertEqual(
            self.send(alice, ta, "clt: SPEAK g", "clt: hi", "clt: ."), b"srv: ERROR 34\n"
        )
        self.send(alice, ta, "clt: ENTER g")
        self.assertEqual(self.send(alice, ta, "clt: SPEAK g", "clt: ."), b"srv: ERROR 10\n")
        self.assertEqual(
            self.send(alice, ta, "clt: SPEAK", "clt: hi", "clt: ."), b"srv: ERROR 10\n"
        )
        four = ["clt: a"] * 4
        self.assertEqual(self.send(alice, ta, "clt: SPEAK g", *four, "clt: ."), b"srv: ERROR 10\n")
        big = "clt: " + "x" * 51
        self.assertEqual(self.send(alice, ta, "clt: SPEAK g", big, "clt: ."), b"srv: ERROR 10\n")
        self.assertEqual(
            self.send(alice, ta, "clt: SPEAK g", "no prefix", "clt: ."), b"srv: ERROR 10\n"
        )
        self.assertEqual(
            self.send(alice, ta, "clt: SPEAK g", "clt: fine", "clt: ."), b"srv: OKAY!\n"
        )

    def test_msgpv(self) -> None:
        """
        MSGPV delivers the body to the recipient only; 21 for nobody by that
        name, 20 for a name nobody can have, 10 for an empty body.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.assertEqual(
            self.send(alice, ta, "clt: MSGPV BOB", "clt: psst", "clt: ."), b"srv: OKAY!\n"
        )
        self.assertEqual(self.read(tb), b"srv: MSGPV alice 1700000000\nsrv: psst\nsrv: .\n")
        self.assertEqual(
            self.send(alice, ta, "clt: MSGPV nobody", "clt: x", "clt: ."), b"srv: ERROR 21\n"
        )
        for bad in ("b!", "x" * 17):
            self.assertEqual(
                self.send(alice, ta, f"clt: MSGPV {bad}", "clt: x", "clt: ."), b"srv: ERROR 20\n"
            )
        self.assertEqual(self.send(alice, ta, "clt: MSGPV bob", "clt: ."), b"srv: ERROR 10\n")

    def test_msgpvToYourself(self) -> None:
        """
        A MSGPV to yourself, in any case, is delivered to you, its
        recipient, as to anyone: the block comes before the OKAY!.
        """
        alice, ta = self.connect("alice")
        self.assertEqual(
            self.send(alice, ta, "clt: MSGPV ALICE", "clt: note", "clt: ."),
            b"srv: MSGPV alice 1700000000\nsrv: note\nsrv: .\nsrv: OKAY!\n",
        )

    def test_repliesInOrder(self) -> None:
        """
        Many commands in one read get one final line each, in order.
        """
        alice, ta = self.connect("alice")
        self.assertEqual(
            self.send(
                alice,
                ta,
                "clt: CREAT g",
                "clt: CREAT g",
                "clt: ENTER g",
                "clt: LSMEM g",
                "clt: FOO",
            ),
            b"srv: OKAY!\nsrv: ERROR 33\nsrv: OKAY!\n"
            b"srv: LSMEM g 1\nsrv: alice\nsrv: OKAY!\nsrv: ERROR 11\n",
        )

    def test_pendingReplyKeepsOrder(self) -> None:
        """
        While a command's result is pending, later lines wait for it.
        """
        alice, ta = self.connect("alice")
        pending: Deferred[None] = Deferred()
        self.service.createRoom = lambda participant, room: pending  # type: ignore[method-assign, assignment, return-value]
        self.assertEqual(self.send(alice, ta, "clt: CREAT g", "clt: FOO"), b"")
        pending.callback(None)
        self.assertEqual(self.read(ta), b"srv: OKAY!\nsrv: ERROR 11\n")

    def test_splitReads(self) -> None:
        """
        A line may arrive in pieces, with C{\\n} or C{\\r\\n}, and a
        multi-byte character may be split between reads.
        """
        alice, ta = self.connect()
        for piece in [b"clt: LO", b"GIN Zo\xc3", b"\xa9\r", b"\nclt: CREAT g\n"]:
            alice.dataReceived(piece)
        self.assertEqual(self.read(ta), b"srv: OKAY!\nsrv: OKAY!\n")
        self.assertEqual(alice.nick, "Zoé")


class LimitTests(TchatTestCase):
    def test_overlongLine(self) -> None:
        """
        An overlong line gets ERROR 10, the rest of it is discarded, and the
        connection stays usable, even when it arrives in pieces (one that
        opens a body: L{RefusedLineOpensBodyTests}).
        """
        alice, ta = self.connect("alice")
        self.assertEqual(
            self.send(alice, ta, "clt: CREAT " + "x" * 200, "clt: CREAT g"),
            b"srv: ERROR 10\nsrv: OKAY!\n",
        )
        alice.dataReceived(b"clt: LSMEM " + b"y" * 150)
        alice.dataReceived(b"y" * 150)
        alice.dataReceived(b"yyy\nclt: CREAT h\n")
        self.assertEqual(self.read(ta), b"srv: ERROR 10\nsrv: OKAY!\n")
        self.assertFalse(ta.disconnecting)

    def test_lengthLimitExact(self) -> None:
        """
        A line of C{maxLineLength} bytes (100 here) is read, whether its
        C{\\r\\n} comes in one read or two; one of 101 bytes gets ERROR 10.
        """
        alice, ta = self.connect("alice")
        line = b"clt: " + b"X" * 95
        alice.dataReceived(line + b"\r\n")
        self.assertEqual(self.read(ta), b"srv: ERROR 11\n")
        alice.dataReceived(line + b"\r")
        alice.dataReceived(b"\n")
        self.assertEqual(self.read(ta), b"srv: ERROR 11\n")
        alice.dataReceived(line + b"X\r\n" + line + b"X\n")
        self.assertEqual(self.read(ta), b"srv: ERROR 10\n" * 2)

    def test_composedLength(self) -> None:
        """
        A body's characters are counted composed (NFC): C{é} typed as C{e}
        and a combining accent counts once, as typed precomposed, in the
        body TCHAT reads and in the service's rule; one more is ERROR 10.
        """
        self.factory.maxBodyBytes = self.service.messages.body.maxSize = 10
        alice, ta = self.connect("alice")
        alice.dataReceived(b"clt: CREAT g\nclt: ENTER g\n")
        self.read(ta)
        for accents, answer in ((10, b"srv: OKAY!\n"), (11, b"srv: ERROR 10\n")):
            for e in ("\u00e9", "e\u0301"):
                lines = f"clt: {e * (accents - 4)}\nclt: {e * 4}\n".encode()
                alice.dataReceived(b"clt: SPEAK g\n" + lines + b"clt: .\n")
                self.assertEqual(self.read(ta), answer, (accents, ascii(e)))

    def test_invalidUTF8(self) -> None:
        """
        A line that is not UTF-8 gets ERROR 10; inside a body, it spoils the
        body, which is refused once at its end.
        """
        alice, ta = self.connect("alice")
        alice.dataReceived(b"clt: CREAT \xff\xfe\nclt: CREAT g\nclt: ENTER g\n")
        self.assertEqual(self.read(ta), b"srv: ERROR 10\nsrv: OKAY!\nsrv: OKAY!\n")
        alice.dataReceived(b"clt: SPEAK g\nclt: \xc3\nclt: .\n")
        self.assertEqual(self.read(ta), b"srv: ERROR 10\n")

    def test_ctcpRequestRefused(self) -> None:
        """
        A body line that is a CTCP request (\\x01, not an action) gets ERROR
        10: it would be acknowledged, then shown to nobody but IRC users
        and never stored.  An action is a message like any other.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        alice.dataReceived(b"clt: CREAT g\nclt: ENTER g\n")
        bob.dataReceived(b"clt: ENTER g\n")
        self.read(ta)
        self.read(tb)
        alice.dataReceived(b"clt: SPEAK g\nclt: \x01\nclt: .\n")
        alice.dataReceived(b"clt: MSGPV bob\nclt: \x01VERSION\x01\nclt: .\n")
        self.assertEqual(self.read(ta), b"srv: ERROR 10\nsrv: ERROR 10\n")
        for odd in (b"\x01action lower\x01", b"\x01ACTION\x01"):  # no action everywhere
            alice.dataReceived(b"clt: SPEAK g\nclt: " + odd + b"\nclt: .\n")
            self.assertEqual(self.read(ta), b"srv: ERROR 10\n")
        alice.dataReceived(b"clt: SPEAK g\nclt: \x01ACTION waves\x01\nclt: .\n")
        self.assertEqual(self.read(ta), b"srv: OKAY!\n")
        self.assertIn(b"* alice waves", self.read(tb))

    def test_maxClients(self) -> None:
        """
        Past C{maxClients} a newcomer is told ERROR 02 and closed.
        """
        self.service.admission.maxClients = 1
        self.connect()
        proto, t = connect(self.factory, self.clock)
        self.assertEqual(output(t, self.clock), b"srv: ERROR 02\n")
        self.assertTrue(t.disconnecting)

    def test_keepalive(self) -> None:
        """
        After C{aliveAfter} seconds of silence the client gets ALIVE; any line
        resets the timer; 15 more silent seconds close a client that answers
        ALIVE (it sent one once), after a notice saying why, and the user
        leaves its rooms.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g")
        self.send(bob, tb, "clt: ALIVE", "clt: ENTER g")
        self.read(ta)
        self.clock.advance(14)
        self.assertEqual(self.send(alice, ta, "clt: ALIVE"), b"")
        self.clock.advance(1)
        self.assertEqual(self.read(tb), b"srv: ALIVE\n")
        self.clock.advance(14)
        self.assertEqual(self.read(ta), b"srv: ALIVE\n")
        self.send(alice, ta, "clt: ALIVE")
        self.clock.advance(1)
        self.assertTrue(tb.disconnecting)
        self.assertEqual(
            self.read(tb),
            b"srv: NOTICE 1700000030\nsrv: no answer to ALIVE for 15 s: closing the"
            b" connection\nsrv: .\n",
        )
        bob.connectionLost()
        self.assertFalse(ta.disconnecting)
        self.assertEqual(self.read(ta), b"srv: LEAVE g bob 1700000030\n")

    def test_noProbeInsideBody(self) -> None:
        """
        No ALIVE is sent while a body is open (its answer would be read as
        the body's text): the body's lines are the client's signs of life.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g")
        self.send(bob, tb, "clt: ENTER g")
        self.read(ta)
        self.assertEqual(self.send(alice, ta, "clt: SPEAK g", "clt: first line"), b"")
        self.clock.advance(16)
        self.assertEqual(self.read(ta), b"")
        self.send(alice, ta, "clt: second line")
        self.send(bob, tb, "clt: ALIVE")
        self.clock.advance(16)
        self.assertEqual(self.read(ta), b"")
        self.assertEqual(self.read(tb), b"srv: ALIVE\n")  # bob's own silence
        self.assertEqual(self.send(alice, ta, "clt: ."), b"srv: OKAY!\n")
        self.assertEqual(
            self.read(tb),
            b"srv: SPEAK alice g 1700000032\nsrv: first line\nsrv: second line\nsrv: .\n",
        )

    def test_answerCrossingSpeakNotInBody(self) -> None:
        """
        An ALIVE answer that comes inside a body opened as the probe was on
        its way (the two crossed) is taken as the answer, not as body text;
        in any other body, C{ALIVE} is text.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g")
        self.send(bob, tb, "clt: ENTER g")
        self.read(ta)
        self.clock.advance(15)
        self.assertEqual(self.read(ta), b"srv: ALIVE\n")
        self.read(tb)
        self.send(alice, ta, "clt: SPEAK g", "clt: hi", "clt: ALIVE", "clt: ALIVE", "clt: .")
        self.send(alice, ta, "clt: SPEAK g", "clt: ALIVE", "clt: .")
        self.assertEqual(
            self.read(tb),
            b"srv: SPEAK alice g 1700000015\nsrv: hi\nsrv: ALIVE\nsrv: .\n"
            b"srv: SPEAK alice g 1700000015\nsrv: ALIVE\nsrv: .\n",
        )

    def test_silentBodyClosed(self) -> None:
        """
        A body left silent twice C{aliveAfter} (a half-open connection) by a
        client that answers ALIVE is given up: a notice says why and the
        connection closes.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "clt: ALIVE", "clt: CREAT g", "clt: ENTER g")
        self.send(alice, ta, "clt: SPEAK g", "clt: half")
        self.read(ta)
        self.clock.advance(15)
        self.clock.advance(14)
        self.assertFalse(ta.disconnecting)
        self.clock.advance(1)
        self.assertTrue(ta.disconnecting)
        self.assertEqual(
            self.read(ta),
            b"srv: NOTICE 1700000030\nsrv: a message body silent for 30 s: closing the"
            b" connection\nsrv: .\n",
        )

    def test_abruptDisconnect(self) -> None:
        """
        A connection lost mid-body leaves its rooms and frees its name.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g")
        self.send(bob, tb, "clt: ENTER g", "clt: SPEAK g", "clt: half")
        self.read(ta)
        bob.connectionLost()
        self.assertEqual(self.read(ta), b"srv: LEAVE g bob 1700000000\n")
        self.connect("bob")

    def test_slowReader(self) -> None:
        """
        A reader whose pending output passes C{maxOutput} is disconnected and
        its rooms are told; the others are untouched.
        """
        self.factory.maxOutput = 2000
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g")
        self.send(bob, tb, "clt: ENTER g")
        assert tb.producer is not None
        tb.producer.pauseProducing()  # the kernel stopped taking bob's bytes
        for i in range(100):
            self.send(alice, ta, "clt: SPEAK g", f"clt: message {i}", "clt: .")
        self.assertTrue(tb.disconnected)
        bob.connectionLost()
        self.assertIn(b"srv: LEAVE g bob", self.read(ta))
        self.assertFalse(ta.disconnecting)

    def test_flood(self) -> None:
        """
        Past the burst, lines are throttled to the rate, not refused; a client
        that keeps flooding past the backlog is disconnected.
        """
        self.factory.floodBurst, self.factory.floodRate = 3, 1.0
        self.factory.floodBacklog = 200
        alice, ta = self.connect("alice")
        self.assertEqual(
            self.send(alice, ta, *["clt: FOO"] * 5),
            b"srv: ERROR 11\n" * 2 + b"srv: NOTICE 1700000000\n" + WAITING + b"srv: .\n",
        )
        self.clock.advance(1)
        self.assertEqual(self.read(ta), b"srv: ERROR 11\n")
        self.clock.advance(1)
        self.assertEqual(self.read(ta), b"srv: ERROR 11\n")
        self.assertFalse(ta.disconnecting)
        self.send(alice, ta, *["clt: FOO"] * 40)
        self.assertTrue(ta.disconnecting)

    def test_floodInsideBody(self) -> None:
        """
        A client flooding lines inside a SPEAK body gets C{srv: ERROR 10}
        (as for any flood), then is disconnected; the room hears nothing.
        """
        self.factory.floodBurst, self.factory.floodRate = 3, 1.0
        self.factory.floodBacklog = 200
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g")
        self.send(bob, tb, "clt: ENTER g")
        self.clock.advance(10)
        self.read(ta)
        self.assertEqual(
            self.send(alice, ta, "clt: SPEAK g", *["clt: spam"] * 40),
            b"srv: NOTICE 1700000010\n" + WAITING + b"srv: .\nsrv: ERROR 10\n",
        )
        self.assertTrue(ta.disconnecting)
        self.assertNotIn(b"SPEAK", self.read(tb))

    def test_internalError(self) -> None:
        """
        An unexpected exception is logged and answered with ERROR 00; the
        connection and the service go on.
        """
        alice, ta = self.connect("alice")

        def broken(participant: object, room: str) -> None:
            raise RuntimeError("boom")

        self.service.createRoom = broken  # type: ignore[method-assign, assignment]
        self.assertEqual(
            self.send(alice, ta, "clt: CREAT g", "clt: FOO"), b"srv: ERROR 00\nsrv: ERROR 11\n"
        )
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        self.assertFalse(ta.disconnecting)


class FanOutTests(TchatTestCase):
    def test_encodedOnce(self) -> None:
        """
        A room message is encoded once however many members receive it.
        """
        clients = [self.connect(f"u{i}") for i in range(3)]
        self.send(*clients[0], "clt: CREAT g")
        for proto, t in clients:
            self.send(proto, t, "clt: ENTER g")
        for _, t in clients:
            self.read(t)
        self.send(*clients[0], "clt: SPEAK g", "clt: hi", "clt: .")
        first, second = self.read(clients[1][1]), self.read(clients[2][1])
        self.assertEqual(first, second)
        self.assertEqual(first, b"srv: SPEAK u0 g 1700000000\nsrv: hi\nsrv: .\n")

    def test_longLineFromElsewhereInPieces(self) -> None:
        """
        A body line longer than a TCHAT line may be (a web user's 5,000
        characters of C{é}) reaches TCHAT members cut between characters,
        every server line at most L{MAX_SENT_LINE} bytes, the text whole;
        a piece that reads C{.} is sent as C{..}.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g")
        other = RecordingParticipant()
        self.service.connect(other)
        self.service.login(other, "webby")
        self.service.enter(other, "g")
        self.read(ta)
        # Two pieces of 4090 bytes of é (4091 would cut one), then 1820 bytes
        # of é and 2271 x's: a piece of 4091 bytes, a line of 4096; then ".".
        text = "\u00e9" * 5000 + "x" * 2271 + "."
        self.service.say(other, "g", (text, "short"))
        lines = self.read(ta).split(b"\n")[:-1]
        self.assertEqual(lines[0], b"srv: SPEAK webby g 1700000000")
        body = [line.removeprefix(b"srv: ") for line in lines[1:-1]]
        self.assertTrue(all(len(line) <= MAX_SENT_LINE for line in lines))
        self.assertEqual(body[-2:], [b"..", b"short"])
        self.assertEqual(b"".join(body[:-2]).decode() + ".", text)
        self.assertEqual(lines[-1], b"srv: .")
        odd = "a" + "\u20ac" * 3000  # three bytes each, from an odd offset
        self.service.say(other, "g", (odd,))
        pieces = [line.removeprefix(b"srv: ") for line in self.read(ta).split(b"\n")[1:-2]]
        self.assertEqual([len(piece) for piece in pieces], [4090, 4089, 822])
        self.assertEqual("".join(piece.decode() for piece in pieces), odd)
        self.service.say(other, "g", ("y" * 4091, "z" * 4092))  # lines of 4096 bytes fit
        pieces = [line.removeprefix(b"srv: ") for line in self.read(ta).split(b"\n")[1:-2]]
        self.assertEqual([len(piece) for piece in pieces], [4091, 4091, 1])

    def test_notice(self) -> None:
        """
        A server announcement reaches TCHAT users as a NOTICE block.
        """
        alice, ta = self.connect("alice")
        self.service.announce("maintenance at noon")
        self.assertEqual(
            self.read(ta), b"srv: NOTICE 1700000000\nsrv: maintenance at noon\nsrv: .\n"
        )

    def test_kicked(self) -> None:
        """
        A user an operator kicked (no timeout) reads who and why in a
        NOTICE, then is disconnected with ERROR 27 (its last line), as by
        the console's kill, not 26, which promises a refusal until
        a timeout: they may log in again at once.  The audit trail has it.
        """
        moder, tr = self.connect("moder")
        self.service.grantOperator(moder)
        bob, tb = self.connect("bob")
        self.service.kick(moder, "bob", "spam")
        self.assertEqual(
            self.read(tb),
            b"srv: NOTICE 1700000000\nsrv: kicked by moder: spam\nsrv: .\nsrv: ERROR 27\n",
        )
        self.assertTrue(tb.disconnecting)
        bob.connectionLost()
        again, ta = self.connect("bob")
        self.assertEqual(self.service.find("bob"), self.service.people.personOf(again))
        [entry] = self.successResultOf(self.service.moderation.lastAudit(5))
        self.assertEqual((entry.who, entry.what), ("operator moder", "kick bob spam"))

    def test_renameSeenAsLeaveEnter(self) -> None:
        """
        A rename from another front-end reaches TCHAT members as LEAVE + ENTER.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g")
        self.send(bob, tb, "clt: ENTER g")
        self.read(ta)
        self.service.rename(bob, "robert")
        self.assertEqual(
            self.read(ta), b"srv: LEAVE g bob 1700000000\nsrv: ENTER g robert 1700000000\n"
        )


class BigReadTests(TchatTestCase):
    def test_bigReadIsNotAFlood(self) -> None:
        """
        With flood control off, one read of far more than the backlog limit
        of valid lines is simply handled: only held-back lines count.
        """
        self.factory.floodBacklog = 1000
        alice, ta = self.connect("alice")
        alice.dataReceived(b"clt: FOO\n" * 2000)
        self.assertEqual(self.read(ta), b"srv: ERROR 11\n" * 2000)
        self.assertFalse(ta.disconnecting)


class PasswordLoggingTests(TchatTestCase):
    def setUp(self) -> None:
        super().setUp()
        from twisted.logger import LogEvent, globalLogPublisher

        self.events: list[LogEvent] = []
        observer = self.events.append
        globalLogPublisher.addObserver(observer)  # type: ignore[arg-type]
        self.addCleanup(globalLogPublisher.removeObserver, observer)  # type: ignore[arg-type]

    def failures(self) -> list[object]:
        self.flushLoggedErrors(RuntimeError)
        return [e for e in self.events if "log_failure" in e]

    def test_commandBugHidesPassword(self) -> None:
        """
        When a LOGIN with a password meets a bug in the service, the log has
        the traceback but not the password.
        """

        def broken(participant: object, nick: str, password: str | None = None) -> None:
            raise RuntimeError("boom")

        self.service.login = broken  # type: ignore[method-assign, assignment]
        proto, t = self.connect()
        self.assertEqual(self.send(proto, t, "clt: LOGIN alice hunter2"), b"srv: ERROR 00\n")
        failures = self.failures()
        self.assertEqual(len(failures), 1)
        self.assertNotIn("hunter2", repr(failures))

    def test_lineBugNamesOnlyTheVerb(self) -> None:
        """
        When handling a line itself meets a bug, the log names the TCHAT verb
        but not its arguments.
        """
        proto, t = self.connect()

        def broken(text: str) -> None:
            raise RuntimeError("boom")

        proto.textReceived = broken  # type: ignore[method-assign]
        self.assertEqual(self.send(proto, t, "clt: LOGIN alice hunter2"), b"srv: ERROR 00\n")
        [failure] = self.failures()
        self.assertEqual(failure["line"], "'clt: LOGIN'")  # type: ignore[index]
        self.assertNotIn("hunter2", repr(failure))


class RoomKeyTests(TchatTestCase):
    def test_enterWithKey(self) -> None:
        """
        C{ENTER <group> <key>} (a chatd extension) enters a group with a
        key; without the key, or with a wrong one, it is ERROR 38.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g")
        self.service.changeRoomModes(alice, "g", [(True, "k", "sesame")])
        bob, tb = self.connect("bob")
        self.assertEqual(self.send(bob, tb, "clt: ENTER g"), b"srv: ERROR 38\n")
        self.assertEqual(self.send(bob, tb, "clt: ENTER g wrong"), b"srv: ERROR 38\n")
        self.assertEqual(self.send(bob, tb, "clt: ENTER g two words"), b"srv: ERROR 10\n")
        self.assertEqual(self.send(bob, tb, "clt: ENTER g sesame"), b"srv: OKAY!\n")
        self.assertEqual(self.service.members(bob, "g"), ["alice", "bob"])


#: Lines a body holds that, run as commands, would change something.
COMMANDS = b"clt: LEAVE g\nclt: CREAT h\n"
#: Longer than the test factory's C{maxLineLength} (100).
LONG = b"x" * 150


class RefusedLineOpensBodyTests(TchatTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alice, self.ta = self.connect("alice")
        self.bob, self.tb = self.connect("bob")
        self.send(self.alice, self.ta, "clt: CREAT g", "clt: ENTER g")
        self.send(self.bob, self.tb, "clt: ENTER g")
        self.read(self.ta)

    def assertBodyRefused(self, data: bytes) -> None:
        """
        C{data} (a SPEAK or MSGPV command, its body of L{COMMANDS} and a
        line refused somewhere, and C{clt: .}) is answered one ERROR 10,
        after which LSMEM runs: alice is still in C{g}, C{h} was not made,
        and bob was sent nothing.
        """
        self.alice.dataReceived(data + b"clt: LSMEM g\n")
        self.assertEqual(
            self.read(self.ta),
            b"srv: ERROR 10\nsrv: LSMEM g 2\nsrv: alice\nsrv: bob\nsrv: OKAY!\n",
        )
        self.assertEqual(self.send(self.alice, self.ta, "clt: CREAT h"), b"srv: OKAY!\n")
        self.assertEqual(self.read(self.tb), b"")

    def test_invalidUTF8Target(self) -> None:
        """
        A Latin-1 byte in the group or pseudo of SPEAK or MSGPV opens the
        body all the same.
        """
        self.assertBodyRefused(b"clt: SPEAK G\xe9n\xe9ral\n" + COMMANDS + b"clt: .\n")

    def test_invalidUTF8TargetMsgpv(self) -> None:
        self.assertBodyRefused(b"clt: MSGPV Zo\xeb\n" + COMMANDS + b"clt: .\n")

    def test_invalidUTF8BodyLine(self) -> None:
        """
        A body line that is not UTF-8 spoils the body, which is refused once
        at its end.
        """
        self.assertBodyRefused(b"clt: SPEAK g\nclt: caf\xe9\n" + COMMANDS + b"clt: .\n")

    def test_invalidUTF8BodyLineMsgpv(self) -> None:
        self.assertBodyRefused(b"clt: MSGPV bob\n" + COMMANDS + b"clt: caf\xe9\nclt: .\n")

    def test_overlongCommandLine(self) -> None:
        """
        A SPEAK line over the length limit opens its body.
        """
        self.assertBodyRefused(b"clt: SPEAK " + LONG + b"\n" + COMMANDS + b"clt: .\n")

    def test_overlongCommandLineMsgpv(self) -> None:
        self.assertBodyRefused(b"clt: MSGPV " + LONG + b"\n" + COMMANDS + b"clt: .\n")

    def test_overlongCommandLineInPieces(self) -> None:
        """
        So does one refused before its end came, its rest read later.
        """
        self.alice.dataReceived(b"clt: MSGPV " + LONG)
        self.alice.dataReceived(LONG)
        self.assertEqual(self.read(self.ta), b"")
        self.assertBodyRefused(LONG + b"\n" + COMMANDS + b"clt: .\n")

    def test_overlongBodyLine(self) -> None:
        """
        A body line over the length limit spoils the body.
        """
        self.assertBodyRefused(b"clt: SPEAK g\nclt: " + LONG + b"\n" + COMMANDS + b"clt: .\n")

    def test_overlongBodyLineMsgpv(self) -> None:
        self.assertBodyRefused(b"clt: MSGPV bob\n" + COMMANDS + b"clt: " + LONG + b"\nclt: .\n")

    def test_beforeLogin(self) -> None:
        """
        Before LOGIN too, the refused SPEAK's body is read to its end.
        """
        stranger, ts = self.connect()
        stranger.dataReceived(b"clt: SPEAK G\xe9n\nclt: LOGIN eve\nclt: .\nclt: LSMEM g\n")
        self.assertEqual(self.read(ts), b"srv: ERROR 10\nsrv: ERROR 01\n")
        self.assertIsNone(stranger.nick)

    def test_otherRefusedLinesAnsweredAtOnce(self) -> None:
        """
        A refused line of any other command (or none) is answered at once,
        and the next line is a command.
        """
        self.alice.dataReceived(b"clt: LEAVE G\xe9n\nclt: SPEAKER \xe9\nclt: " + LONG + b"\n")
        self.assertEqual(self.read(self.ta), b"srv: ERROR 10\n" * 3)
        self.assertEqual(self.send(self.alice, self.ta, "clt: LEAVE g"), b"srv: OKAY!\n")


class BodyVerbTests(SynchronousTestCase):
    def test_bodyVerb(self) -> None:
        """
        L{bodyVerb} reads SPEAK and MSGPV from a line's first bytes, and
        nothing else.
        """
        self.assertEqual(bodyVerb(b"clt: SPEAK G\xe9n"), "SPEAK")
        self.assertEqual(bodyVerb(b"clt: MSGPV " + LONG), "MSGPV")
        self.assertEqual(bodyVerb(b"clt: MSGPV"), "MSGPV")
        for start in (
            b"",
            b"SPEAK g",
            b"clt: SPEAKx",
            b"clt:SPEAK g",
            b"clt: \xffSPEAK",
            b"clt: LEAVE g",
        ):
            self.assertIsNone(bodyVerb(start), start)


class ClearedTopicTests(TchatTestCase):
    def test_clearedTopic(self) -> None:
        """
        A topic cleared reaches a TCHAT member as one sentence, without a
        trailing colon or space.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "clt: CREAT sroom", "clt: ENTER sroom")
        self.send(bob, tb, "clt: ENTER sroom")
        self.service.setTopic(alice, "sroom", "plans")
        self.read(tb)
        self.service.setTopic(alice, "sroom", "")
        self.assertEqual(
            self.read(tb),
            b"srv: NOTICE 1700000000\nsrv: alice cleared the topic of sroom\nsrv: .\n",
        )
