"""
A request to enter an approval room refused while its asker, an account,
is away (L{chatd.core.keptrefusals}): the refusal, with its room and
reason, waits in the store and is told at the account's next login, on
TCHAT, IRC and talk, once; after a restart too.  One refused while the account
is connected is told then, and not again at its next login.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred

from chatd.core import errors
from chatd.core.alwayson import alwaysOnOf
from chatd.core.events import Notice
from chatd.core.refusal import RequestRefused
from chatd.tchat import TchatFactory
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect, output
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.persistencecase import PersistenceTestCase
from tests.support.talkstorecase import TalkStoreTestCase
from tests.support.tchatstorecase import TchatStoreTestCase

#: What the asker is told, as TCHAT's NOTICE line shows it.
TCHAT_REFUSAL = b"srv: an operator refused your request to enter Marketing: staff only\n"


class TchatKeptRefusalTests(TchatStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")

    def askThenLeave(self) -> None:
        """
        alice asks to enter Marketing, an approval room, and disconnects.
        """
        alice, ta = self.connectAs("alice", "sesame")
        self.assertEqual(self.send(alice, ta, "clt: ENTER Marketing"), b"srv: ERROR 37\n")
        alice.connectionLost(None)

    def loginTold(self) -> bytes:
        """
        What alice's next login is told, up to its welcome's end; she
        leaves again.
        """
        alice, ta = self.connectAs("alice", "sesame")
        told = self.loginReply + self.send(alice, ta)
        alice.connectionLost(None)
        return told

    def test_toldAtNextLoginOnce(self) -> None:
        """
        Refused while away, alice is told at her next login, with the room
        and the reason, and not at the login after.
        """
        self.askThenLeave()
        self.successResultOf(self.service.refusePending("Marketing", "alice", "staff only"))
        self.assertEqual(self.service.pendingRequests(), [])
        told = self.loginTold()
        self.assertEqual(1, told.count(TCHAT_REFUSAL), told)
        self.assertIn(b"srv: NOTICE ", told)
        self.assertNotIn(b"refused", self.loginTold())

    def test_afterRestart(self) -> None:
        """
        The refusal is in the store: a service started anew on it tells it
        at her next login.
        """
        self.askThenLeave()
        self.successResultOf(self.service.refusePending("Marketing", "alice", "staff only"))
        self.service.stopService()
        self.service = self.makeService()
        self.factory = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)
        self.assertEqual(1, self.loginTold().count(TCHAT_REFUSAL))

    def test_connectedToldNow(self) -> None:
        """
        Refused while connected, alice is told then, once; her next login is
        told nothing of it.
        """
        alice, ta = self.connectAs("alice", "sesame")
        self.send(alice, ta, "clt: ENTER Marketing")
        self.successResultOf(self.service.refusePending("Marketing", "alice", "staff only"))
        self.assertEqual(1, self.send(alice, ta).count(TCHAT_REFUSAL))
        alice.connectionLost(None)
        self.assertNotIn(b"refused", self.loginTold())


class IRCKeptRefusalTests(IRCStoreTestCase):
    def loginTold(self) -> list[tuple[str, list[str]]]:
        """
        The NOTICEs alice's next login (with her password) is told, up to
        its welcome's end; she leaves again.
        """
        proto, t = self.client()
        told = self.send(proto, t, "PASS sesame", "NICK alice", "USER u 0 * :U")
        told += self.send(proto, t)
        self.assertIn("001", self.codes(told))
        proto.connectionLost(None)
        return [(m.command, m.params) for m in told if m.command == "NOTICE"]

    def test_toldAtNextLoginOnce(self) -> None:
        """
        Refused while away, alice's next IRC login is told with a server
        NOTICE naming the room and the reason; the login after is not.
        """
        proto, t = self.clientAs("alice", "PASS sesame")
        self.assertIn("473", self.codes(self.send(proto, t, "JOIN #Marketing")))
        proto.connectionLost(None)
        self.successResultOf(self.service.refusePending("Marketing", "alice", "staff only"))
        refusal = "an operator refused your request to enter Marketing: staff only"
        self.assertIn(("NOTICE", ["alice", refusal]), self.loginTold())
        self.assertNotIn(refusal, [params[-1] for _, params in self.loginTold()])


class TalkKeptRefusalTests(TalkStoreTestCase):
    def test_toldAtNextLoginOnce(self) -> None:
        """
        Refused while away, alice's next talk login reads it as a server
        notice, and the one after does not.
        """
        self.registered("alice", "sesame")
        alice, ta = self.talk("alice", "sesame")
        self.type(alice, ta, "/join Marketing")
        alice.connectionLost(None)
        self.successResultOf(self.service.refusePending("Marketing", "alice", "staff only"))
        refusal = (
            b"*** Server notice: an operator refused your request to enter Marketing: staff only"
        )
        for count in (1, 0):
            proto, t = connect(self.factory, self.clock)
            self.type(proto, t, "alice")
            told = self.type(proto, t, "sesame") + output(t, self.clock)
            self.assertEqual(count, told.count(refusal), told)
            proto.connectionLost(None)


class KeptRefusalRuleTests(PersistenceTestCase):
    """
    The rule in the service, without a front-end.
    """

    def refusals(self, who: RecordingParticipant) -> list[tuple[str, str]]:
        return [(e.room, e.reason) for e in who.events if isinstance(e, RequestRefused)]

    def test_guestKeepsNothing(self) -> None:
        """
        A guest refused is told at once; nothing is kept for the name.
        """
        guest = self.login("guesty")
        self.assertRaises(errors.PendingApproval, self.service.enter, guest, "Marketing")
        self.successResultOf(self.service.refusePending("Marketing", "guesty", "no"))
        self.assertEqual([("Marketing", "no")], self.refusals(guest))
        self.assertEqual([], self.successResultOf(self.store.takeRefusals("guesty")))

    def test_severalOldestFirst(self) -> None:
        """
        Refusals of several rooms while away are told at the next login,
        each once, the oldest first.
        """
        self.asked()
        alice = self.login("alice", "sesame")
        for room in ("Marketing", "Informatique"):
            self.assertRaises(errors.PendingApproval, self.service.enter, alice, room)
        self.service.disconnect(alice)
        self.successResultOf(self.service.refusePending("Informatique", "alice", "one"))
        self.clock.advance(5)
        self.successResultOf(self.service.refusePending("Marketing", "alice", ""))
        back = self.login("alice", "sesame")
        self.assertEqual([("Informatique", "one"), ("Marketing", "")], self.refusals(back))
        told = [e for e in back.events if isinstance(e, Notice) and "refused" in e.text]
        self.assertEqual(2, len(told))

    def asked(self) -> None:
        """
        alice, an account, asks to enter Marketing and disconnects.
        """
        self.registered("alice", "sesame")
        alice = self.login("alice", "sesame")
        self.assertRaises(errors.PendingApproval, self.service.enter, alice, "Marketing")
        self.service.disconnect(alice)

    def test_loginWhileWritten(self) -> None:
        """
        A login admitted while the refusal is being written, too late for
        its own reading, is told once the write is done, once.
        """
        self.asked()
        keep, writes = self.store.keepRefusal, list[tuple[Deferred[None], tuple[Any, ...]]]()

        def slowKeep(*args: Any) -> Deferred[None]:
            writes.append((Deferred(), args))
            return writes[-1][0]

        self.patch(self.store, "keepRefusal", slowKeep)
        refusing = self.service.refusePending("Marketing", "alice", "late")
        back = self.login("alice", "sesame")
        self.assertEqual([], self.refusals(back))
        written, args = writes[0]
        keep(*args)
        written.callback(None)
        self.successResultOf(refusing)
        self.clock.advance(0)
        self.assertEqual([("Marketing", "late")], self.refusals(back))

    def test_alwaysOnToldWhenBack(self) -> None:
        """
        An always-on account with no connection open is away: a refusal
        meanwhile is told when a connection of it comes back.
        """
        self.asked()
        alice = self.login("alice", "sesame")
        alwaysOn = alwaysOnOf(self.service)
        assert alwaysOn is not None
        self.assertTrue(self.successResultOf(alwaysOn.set(alice, True)))
        self.service.disconnect(alice, "closed")
        self.successResultOf(self.service.refusePending("Marketing", "alice", "staff only"))
        self.assertEqual([], self.refusals(alice))
        back = self.login("alice", "sesame")
        self.clock.advance(0)
        self.assertEqual([("Marketing", "staff only")], self.refusals(back))
