"""
A daemon admits nobody before it knows its sanctions: a login waits until
the stored bans, kicks and mutes are loaded, and is refused (ERROR 03) if
they cannot be.
"""

from __future__ import annotations

from pathlib import Path

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.credentials import setPassword
from chatd.core.service import ChatService
from chatd.modstore import BAN, IPBAN, MemoryModerationStore, Sanction
from chatd.tchat import TchatFactory
from tests.support.blockingclients import PASSWORD, SSH, LineSocket, needsSSH, start, tchatLogin
from tests.support.helpers import connect, output
from tests.support.pgserver import createDatabase, postgresServer

__all__ = ["postgresServer"]


class SlowStore(MemoryModerationStore):
    """
    A moderation store whose sanctions arrive when the test says so.
    """

    def __init__(self) -> None:
        super().__init__()
        self.loading: Deferred[list[Sanction]] = Deferred()

    def loadSanctions(self) -> Deferred[list[Sanction]]:
        return self.loading


class LoginWaitsForSanctionsTests(SynchronousTestCase):
    """
    L{ChatService.login} waits for L{Moderation.restore}, over TCHAT.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock, rooms=["lobby"])
        self.factory = TchatFactory(self.service, self.clock, aliveAfter=None)
        self.store = SlowStore()
        self.restored = Deferred.fromCoroutine(self.service.moderation.restore(self.store))

    def test_bannedNickWaitsThenRefused(self) -> None:
        """
        A banned nickname's LOGIN gets no answer while the sanctions load,
        then C{ERROR 24}; an unbanned user is admitted once they are known.
        """
        eveProto, eve = connect(self.factory, self.clock)
        bobProto, bob = connect(self.factory, self.clock)
        self.assertEqual(b"srv: TCHAT 1\n", output(eve, self.clock))
        self.assertEqual(b"srv: TCHAT 1\n", output(bob, self.clock))
        eveProto.dataReceived(b"clt: LOGIN eve\n")
        bobProto.dataReceived(b"clt: LOGIN bob\n")
        self.assertEqual((b"", b""), (output(eve, self.clock), output(bob, self.clock)))
        self.assertEqual([], self.service.users())
        self.store.loading.callback([Sanction(BAN, "eve", "eve", "troll", "root", 0, None)])
        self.assertEqual(1, self.successResultOf(self.restored))
        self.assertEqual(b"srv: ERROR 24\n", output(eve, self.clock))
        self.assertEqual(b"srv: OKAY!\n", output(bob, self.clock))
        self.assertEqual(["bob"], [user.nick for user in self.service.users()])

    def test_bannedAddressWaitsThenRefused(self) -> None:
        """
        A connection that came from a banned network before the bans were
        known cannot log in once they are.
        """
        proto, transport = connect(self.factory, self.clock, "192.0.2.9")
        output(transport, self.clock)
        proto.dataReceived(b"clt: LOGIN mallory\n")
        self.assertEqual(b"", output(transport, self.clock))
        ban = Sanction(IPBAN, "192.0.2.0/24", "192.0.2.0/24", "bots", "root", 0, None)
        self.store.loading.callback([ban])
        self.assertEqual(b"srv: ERROR 24\n", output(transport, self.clock))
        self.assertEqual([], self.service.users())

    def test_loadFailedRefusesLogins(self) -> None:
        """
        If the sanctions cannot be loaded, logins (waiting or new) get
        C{ERROR 03}: nobody is let in unchecked.
        """
        proto, transport = connect(self.factory, self.clock)
        output(transport, self.clock)
        proto.dataReceived(b"clt: LOGIN bob\n")
        self.store.loading.errback(OSError("disk gone"))
        self.failureResultOf(self.restored, OSError)
        self.assertEqual(b"srv: ERROR 03\n", output(transport, self.clock))
        proto.dataReceived(b"clt: LOGIN bob\n")
        self.assertEqual(b"srv: ERROR 03\n", output(transport, self.clock))
        self.assertEqual([], self.service.users())

    def test_closedWhileWaiting(self) -> None:
        """
        A connection closed while its login waited is not admitted.
        """
        proto, transport = connect(self.factory, self.clock)
        output(transport, self.clock)
        proto.dataReceived(b"clt: LOGIN bob\n")
        proto.connectionLost(None)
        self.store.loading.callback([])
        self.assertEqual([], self.service.users())
        self.assertIsNone(self.service.moderation.whenLoaded())


@needsSSH
def test_bannedRightAfterRestart(tmp_path: Path, postgresServer: str) -> None:
    """
    A real daemon on PostgreSQL whose sanctions are slow to load (the test
    holds a lock on their table): a banned user's LOGIN made right after
    the restart is answered C{ERROR 24} once they load, never C{OKAY!}.
    """
    import psycopg

    url = createDatabase(postgresServer)
    dataDir = tmp_path / "data"
    setPassword(dataDir / "admin-passwords", "root", PASSWORD)
    daemon = start(tmp_path, dataDir, "--db", url)
    try:
        banned = SSH(tmp_path).run(daemon.ports["AdminSSHFactory"], "ban", "eve", "troll")
        assert banned.returncode == 0, banned
    finally:
        daemon.stop()

    lock = psycopg.connect(url)
    try:
        with lock.cursor() as cursor:
            cursor.execute("LOCK TABLE sanctions IN ACCESS EXCLUSIVE MODE")
        daemon = start(tmp_path, dataDir, "--db", url)
        eve = LineSocket(daemon.ports["TchatFactory"])
        assert eve.line() == "srv: TCHAT 1"
        eve.send("clt: LOGIN eve")
        lock.commit()  # the sanctions can load now
        assert eve.line() == "srv: ERROR 24"
        eve.close()
        bob, answer = tchatLogin(daemon.ports["TchatFactory"], "bob")
        assert answer == "srv: OKAY!"
        bob.close()
    finally:
        lock.close()
        daemon.stop()
    assert "Traceback" not in daemon.logText()
