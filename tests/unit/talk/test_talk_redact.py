# -*- test-case-name: tests.unit.talk.test_talk_redact -*-
"""
Talk mode's C{/delete [nick]} (L{chatd.talk.commands}) and the line
everyone in talk mode sees when a message is deleted; a TCHAT client in
the same room is told nothing (its protocol has no such line).
"""

from __future__ import annotations

from chatd.admin.commands import Consoles
from chatd.core.allowance import HistoryAllowance
from chatd.tchat import TchatFactory
from tests.support.helpers import connect, output
from tests.support.protocolcases import TalkTestCase
from tests.support.talkstorecase import TalkStoreTestCase


class DeleteCommandTests(TalkStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alice, self.ta = self.talk("alice")
        self.bob, self.tb = self.talk("bob")
        self.carol, self.tc = self.talk("carol")
        self.type(self.bob, self.tb, "first", "second")
        output(self.ta, self.clock)
        output(self.tc, self.clock)

    def history(self) -> bytes:
        return self.type(self.alice, self.ta, "/history")

    def test_deleteOwnLast(self) -> None:
        """
        C{/delete} deletes one's last message in the current room: both
        see the line, and history keeps only the first.
        """
        line = b"*** bob deleted a message in lobby\r\n"
        self.assertEqual(self.type(self.bob, self.tb, "/delete"), line)
        self.assertEqual(output(self.ta, self.clock), line)
        history = self.history()
        self.assertIn(b"first", history)
        self.assertNotIn(b"second", history)
        self.type(self.bob, self.tb, "/delete")
        self.assertNotIn(b"first", self.history())
        self.assertEqual(
            self.type(self.bob, self.tb, "/delete"),
            b"*** No message of bob in lobby to delete.\r\n",
        )

    def test_noHistoryRead(self) -> None:
        """
        Finding one's last message reads no history: C{/delete} is carried
        out with the history allowance spent (here by bob's own
        C{/history}, against an allowance of a few bytes), and spends none
        of it.
        """
        self.service.allowances.history = HistoryAllowance(self.clock, burst=1, rate=1)
        self.assertIn(b"second", self.type(self.bob, self.tb, "/history"))
        deleted = b"*** bob deleted a message in lobby\r\n"
        self.assertEqual(self.type(self.bob, self.tb, "/delete"), deleted)
        self.assertEqual(self.type(self.bob, self.tb, "/delete"), deleted)
        refused = self.type(self.bob, self.tb, "/history")
        self.assertIn(b"you ask for history too fast", refused)
        self.clock.advance(3600)  # paid back: both are gone from it
        later = self.type(self.bob, self.tb, "/history")
        self.assertNotIn(b"too fast", later)
        self.assertNotIn(b"first", later)

    def test_deleteFarBack(self) -> None:
        """
        One's last message is found however many messages came after it:
        here 1500 of carol's.
        """
        first, second = self.successResultOf(self.store.history("lobby", 2))
        self.clock.advance(1)
        for n in range(1500):
            self.store.addMessage(
                "lobby",
                "carol",
                None,
                (f"m{n}",),
                1_700_000_001,
                msgid=f"c{n}",
                millis=1_700_000_001_000 + n,
            )
        self.assertEqual(
            self.type(self.bob, self.tb, "/delete"), b"*** bob deleted a message in lobby\r\n"
        )
        self.assertIsNone(self.successResultOf(self.store.findMessage(second.msgid)))
        self.assertIsNotNone(self.successResultOf(self.store.findMessage(first.msgid)))

    def test_deleteAfterRenamingBack(self) -> None:
        """
        A guest who renamed deletes their last message once back under the
        name they said it with (their own rename is no earlier user).
        """
        self.clock.advance(1)
        self.type(self.bob, self.tb, "/name bob2")
        self.assertEqual(
            self.type(self.bob, self.tb, "/delete"),
            b"*** No message of bob2 in lobby to delete.\r\n",
        )
        self.clock.advance(1)
        self.type(self.bob, self.tb, "/name bob")
        self.assertEqual(
            self.type(self.bob, self.tb, "/delete"), b"*** bob deleted a message in lobby\r\n"
        )
        self.assertNotIn(b"second", self.history())

    def test_othersRefused(self) -> None:
        """
        C{/delete bob} from carol, who runs nothing, is refused; the
        message stays and bob hears nothing.
        """
        self.assertFalse(self.service.isRoomOperator(self.carol.participant, "lobby"))
        self.assertEqual(
            self.type(self.carol, self.tc, "/delete bob"),
            b"*** Sorry, only its author or an operator may delete that message.\r\n",
        )
        self.assertEqual(output(self.tb, self.clock), b"")
        self.assertIn(b"second", self.history())

    def test_roomOperator(self) -> None:
        """
        A room operator's C{/delete bob} deletes bob's last message, and
        the line names whose it was.
        """
        self.service.giveRoomOperator("lobby", "carol", "root")
        for transport in (self.ta, self.tb, self.tc):
            output(transport, self.clock)
        line = b"*** carol deleted bob's message in lobby\r\n"
        self.assertEqual(self.type(self.carol, self.tc, "/delete bob"), line)
        self.assertEqual(output(self.tb, self.clock), line)
        self.assertNotIn(b"second", self.history())

    def audit(self) -> str:
        reply: str = self.successResultOf(Consoles(self.service)("root").execute("audit"))
        return reply

    def test_chatdOperatorAudited(self) -> None:
        """
        A chatd operator's C{/delete bob} is in the console's C{audit}: who
        deleted whose message, in which room; their own C{/delete} is not.
        """
        self.service.grantOperator(self.carol.participant)
        self.assertNotIn("carol", self.service.registry.get("lobby").ops)
        self.type(self.carol, self.tc, "mine")
        self.type(self.carol, self.tc, "/delete")
        self.assertEqual(self.audit(), "no administrator actions recorded")
        line = b"*** carol deleted bob's message in lobby\r\n"
        self.assertEqual(self.type(self.carol, self.tc, "/delete bob"), line)
        [entry] = self.audit().splitlines()
        self.assertRegex(entry, r"  operator carol  delete message \S+ of bob in lobby$")

    def test_roomOperatorNotAudited(self) -> None:
        """
        A room operator's deletion in their room is no server moderation:
        the console's C{audit} has nothing.
        """
        self.service.giveRoomOperator("lobby", "carol", "root")
        self.type(self.carol, self.tc, "/delete bob")
        self.assertNotIn(b"second", self.history())
        self.assertEqual(self.audit(), "no administrator actions recorded")

    def test_usage(self) -> None:
        self.assertEqual(
            self.type(self.alice, self.ta, "/delete bob dave"), b"*** Usage: /delete [nick]\r\n"
        )

    def test_tchatToldNothing(self) -> None:
        """
        A TCHAT client in the room gets no line for a deletion.
        """
        tchat, tt = connect(TchatFactory(self.service, self.clock), self.clock)
        tchat.dataReceived(b"clt: LOGIN dave\nclt: ENTER lobby\n")
        self.clock.advance(0)
        self.assertIn(b"OKAY!", output(tt, self.clock))
        self.type(self.bob, self.tb, "third")
        self.assertIn(b"third", output(tt, self.clock))  # dave is in the room
        self.type(self.bob, self.tb, "/delete")
        self.assertIn(b"deleted", output(self.ta, self.clock))
        self.assertEqual(output(tt, self.clock), b"")


class NoStoreTests(TalkTestCase):
    def test_nothingToDelete(self) -> None:
        """
        A server without a store keeps no message: C{/delete} says so.
        """
        proto, t = self.connect("bob")
        self.assertEqual(
            self.send(proto, t, "hello", "/delete"),
            b"*** Sorry, this server keeps no messages, so none can be deleted.\r\n",
        )
