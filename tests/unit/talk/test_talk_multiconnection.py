"""
Talk mode signed in twice to one account: the password joins the person,
and what one terminal says shows on the other as the person's own.
"""

from __future__ import annotations

from twisted.conch import telnet
from twisted.internet.defer import maybeDeferred
from twisted.internet.testing import StringTransport

from chatd.talk.format import NICK_PROMPT, PASSWORD_PROMPT
from chatd.talk.protocol import TalkFactory, TalkProtocol
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase

DO_ECHO = telnet.IAC + telnet.DO + telnet.ECHO
DONT_ECHO = telnet.IAC + telnet.DONT + telnet.ECHO


class TalkSeveralConnectionsTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        self.factory = TalkFactory(self.service, self.clock, floodBurst=None)

    def send(self, proto: TalkProtocol, transport: StringTransport, *lines: str) -> bytes:
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        return output(transport, self.clock)

    def signIn(self) -> tuple[TalkProtocol, StringTransport]:
        proto, transport, _ = self.welcomed()
        return proto, transport

    def welcomed(self) -> tuple[TalkProtocol, StringTransport, bytes]:
        """
        A terminal signed in as alice, and what it was told from the
        welcome on.
        """
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TalkProtocol)
        self.assertTrue(output(transport, self.clock).endswith(NICK_PROMPT.encode()))
        self.assertTrue(self.send(proto, transport, "alice").endswith(PASSWORD_PROMPT.encode()))
        proto.dataReceived(DO_ECHO + b"sesame\r\n" + DONT_ECHO)
        seen = output(transport, self.clock)
        self.assertIn(b"*** Welcome, alice!", seen)
        return proto, transport, seen.partition(b"*** Welcome, alice!\r\n")[2]

    def bobJoins(self, *terminals: StringTransport) -> RecordingParticipant:
        """
        Bob logs in (in lobby); what alice's C{terminals} were told of it
        is read and dropped.
        """
        bob = RecordingParticipant()
        self.service.connect(bob)
        self.service.login(bob, "bob")
        self.clock.advance(0)
        for transport in terminals:
            output(transport, self.clock)
        return bob

    def test_ownWordsElsewhere(self) -> None:
        """
        Two terminals signed in as alice are one member of lobby; a line
        said on one shows on the other as C{[lobby] <alice>}, a private message as
        C{*private to bob* <alice>}.
        """
        one, t1 = self.signIn()
        two, t2 = self.signIn()
        self.assertEqual(self.service.members(one, "lobby"), ["alice"])
        self.bobJoins(t1, t2)
        self.send(one, t1, "hello", "/pm bob psst")
        self.assertEqual(
            output(t2, self.clock), b"[lobby] <alice> hello\r\n*private to bob* <alice> psst\r\n"
        )

    def test_currentRoomLeftElsewhere(self) -> None:
        """
        The person leaves, from another terminal, the room this one talks
        in: this terminal is told in the second person and has no current
        room; its next line is refused, not said in another room.
        """
        one, t1 = self.signIn()
        two, t2 = self.signIn()
        self.send(one, t1, "/join den")
        bob = self.bobJoins(t1, t2)
        self.assertEqual(
            self.send(two, t2, "/leave den"), b"*** You left den; now talking in lobby.\r\n"
        )
        self.assertEqual(
            output(t1, self.clock),
            "*** You left den from another connection.\r\n"
            "*** You have no current room: nothing you type is said anywhere until you /join a"
            " room (you are still in Général, lobby).\r\n".encode(),
        )
        self.assertEqual(
            self.send(one, t1, "meant for den"),
            "*** Not sent: you have no current room; /join <room> chooses one"
            " (you are in Général, lobby).\r\n".encode(),
        )
        self.assertEqual(output(t2, self.clock), b"")
        self.assertEqual(bob.events, [])

    def test_joiningPersonKeepsItsRooms(self) -> None:
        """
        A terminal that joins a person who left the default room does not
        put the person back there (nobody sees it enter): it talks in the
        person's room.
        """
        one, t1 = self.signIn()
        self.send(one, t1, "/join den", "/leave lobby")
        bob = self.bobJoins(t1)
        two, t2 = self.signIn()
        output(t1, self.clock)
        self.assertNotIn("lobby", self.service.roomsOf(one))
        self.assertEqual(bob.events, [])  # nobody saw alice enter lobby
        self.send(two, t2, "/join den", "still here")
        self.assertIn(b"[den] <alice> still here", output(t1, self.clock))

    def test_joiningPersonToldWhyNotInDefaultRoom(self) -> None:
        """
        A terminal that joins a person signed in elsewhere (here a TCHAT
        client), who is not in the default room, is told why it is not put
        there, and where it talks instead.
        """
        elsewhere = RecordingParticipant(protocolName="tchat")
        self.service.connect(elsewhere)
        self.successResultOf(maybeDeferred(self.service.login, elsewhere, "alice", "sesame"))
        for room in self.service.roomsOf(elsewhere):
            self.service.leave(elsewhere, room)
        self.service.enter(elsewhere, "Blabla")
        one, t1, seen = self.welcomed()
        self.assertEqual(one.room, "Blabla")
        self.assertTrue(
            seen.startswith(
                b"*** You are not put in lobby: you are signed in elsewhere too, and keep the"
                b" rooms you are in there (/join lobby enters it).\r\n"
                b"*** You are in Blabla; nobody else is here yet.\r\n"
            ),
            seen,
        )
