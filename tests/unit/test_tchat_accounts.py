"""
TCHAT's account, approval and history commands (REGIS, LOGIN with a
password, HISTO, ERROR 22 and 37), in memory against a service with a store.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred

from chatd.core.errors import StoreUnavailable
from chatd.core.limits import HISTORY_COUNT
from chatd.tchat import TchatFactory
from tests.support.helpers import connect, output
from tests.support.persistencecase import OutageStoreCase
from tests.support.tchatstorecase import TchatStoreTestCase


class TchatAccountTests(TchatStoreTestCase):
    def test_registerAndLogin(self) -> None:
        """
        REGIS registers the logged-in nickname (a password of 4 characters
        or more, without spaces or control characters); LOGIN then needs
        the password: missing or wrong is ERROR 22, and the name stays free.
        """
        alice, ta = self.connectAs("alice")
        self.assertEqual(self.send(alice, ta, "clt: REGIS"), b"srv: ERROR 10\n")
        self.assertEqual(self.send(alice, ta, "clt: REGIS abc"), b"srv: ERROR 10\n")
        self.assertEqual(self.send(alice, ta, "clt: REGIS open sesame"), b"srv: ERROR 10\n")
        for control in ("\x00", "\x1b", "\x7f", "\x85"):  # SASL PLAIN could not carry NUL
            self.assertEqual(self.send(alice, ta, f"clt: REGIS pa{control}ss"), b"srv: ERROR 10\n")
        # A new account is put in the rooms flagged autojoin, and told so.
        self.assertEqual(
            self.send(alice, ta, "clt: REGIS sesame"),
            "srv: OKAY!\nsrv: NOTICE 1700000000\nsrv: you are in Général\nsrv: .\n".encode(),
        )
        alice.transport.loseConnection()  # type: ignore[union-attr]
        alice.connectionLost(None)
        other, to = connect(self.factory, self.clock)
        output(to, self.clock)
        self.assertEqual(self.send(other, to, "clt: LOGIN alice"), b"srv: ERROR 22\n")
        self.assertEqual(self.send(other, to, "clt: LOGIN Alice wrong"), b"srv: ERROR 22\n")
        self.assertEqual(self.send(other, to, "clt: CREAT x"), b"srv: ERROR 01\n")
        reply = self.send(other, to, "clt: LOGIN alice sesame")
        self.assertTrue(reply.startswith(b"srv: OKAY!\nsrv: NOTICE "), reply)
        self.assertIn("Général".encode(), reply)

    def test_operatorName(self) -> None:
        """
        REGIS of the configured operator name C{moder}, which has no
        account, is refused (ERROR 12): whoever registered it would get
        its rights.
        """
        moder, tm = self.connectAs("moder")
        self.assertEqual(self.send(moder, tm, "clt: REGIS moderpass"), b"srv: ERROR 12\n")
        self.assertFalse(self.successResultOf(self.service.isRegistered("moder")))

    def test_smallLookAlikesAreTheName(self) -> None:
        """
        A name written with small letters of other scripts that read as the
        registered one's (Cyrillic г, Greek σ and ν) needs its password,
        and a look-alike group of an existing one is that group.
        """
        self.registered("teacher", "sesame")
        other, to = connect(self.factory, self.clock)
        output(to, self.clock)
        for lookalike in ("teache\u0433", "te\u03bdcher".replace("\u03bd", "a"), "TEACHE\u0433"):
            self.assertEqual(self.send(other, to, f"clt: LOGIN {lookalike}"), b"srv: ERROR 22\n")
        self.assertTrue(self.send(other, to, "clt: LOGIN pupil").startswith(b"srv: OKAY!"))
        self.assertEqual(self.send(other, to, "clt: CREAT soup"), b"srv: OKAY!\n")
        self.assertEqual(self.send(other, to, "clt: CREAT s\u03c3up"), b"srv: ERROR 33\n")

    def test_mixedScripts(self) -> None:
        """
        A name that mixes scripts (C{gоd}, C{msνance}) is invalid (20) for
        a LOGIN, so REGIS never makes an account of it; an account
        registered so before the rule still logs in with its password.
        """
        persistence = self.service.persistence
        assert persistence is not None
        registering = persistence.accounts.register("ms\u03bdance", "sesame")
        self.successResultOf(Deferred.fromCoroutine(registering))
        self.service = self.makeService()
        self.factory = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)
        other, to = connect(self.factory, self.clock)
        output(to, self.clock)
        self.assertEqual(self.send(other, to, "clt: LOGIN g\u043ed"), b"srv: ERROR 20\n")
        self.assertEqual(self.send(other, to, "clt: LOGIN ms\u03bdance"), b"srv: ERROR 22\n")
        self.assertTrue(self.send(other, to, "clt: LOGIN god").startswith(b"srv: OKAY!"))
        self.assertTrue(self.send(other, to, "clt: REGIS sesame").startswith(b"srv: OKAY!\n"))
        self.connectAs("ms\u03bdance", "sesame")

    def test_ircNicknames(self) -> None:
        """
        IRC's nicknames log in on TCHAT too (C{Tom|away}, C{[Tom]}), and
        its members' list shows them as they are; a group is no such name
        (30).  A new name may not start with a digit or C{-} (20), but an
        account registered so before the rule still logs in with its
        password.
        """
        persistence = self.service.persistence
        assert persistence is not None
        self.successResultOf(
            Deferred.fromCoroutine(persistence.accounts.register("9lives", "pw99"))
        )
        self.service = self.makeService()
        self.factory = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)
        other, to = connect(self.factory, self.clock)
        output(to, self.clock)
        for name in ("7up", "-dash"):
            self.assertEqual(self.send(other, to, f"clt: LOGIN {name}"), b"srv: ERROR 20\n", name)
        self.assertEqual(self.send(other, to, "clt: LOGIN 9lives"), b"srv: ERROR 22\n")
        self.connectAs("9lives", "pw99")
        tom, tt = self.connectAs("Tom|away")
        self.assertEqual(self.send(tom, tt, "clt: CREAT [den]"), b"srv: ERROR 30\n")
        self.send(tom, tt, "clt: CREAT den", "clt: ENTER den")
        brackets, tb = self.connectAs("[Tom]")
        self.send(brackets, tb, "clt: ENTER den")
        listed = self.send(tom, tt, "clt: LSMEM den")
        self.assertIn(b"srv: LSMEM den 2\nsrv: Tom|away\nsrv: [Tom]\nsrv: OKAY!\n", listed)

    def test_registeredSpelling(self) -> None:
        """
        A LOGIN with the password under another spelling of the account
        (C{Regu}, the look-alike C{rêgu}) shows it as registered, C{regu}:
        it is told so after its OKAY!, and the group sees C{regu} enter.
        """
        self.registered("regu", "newpass1")
        bob, tb = self.connectAs("bob")
        self.send(bob, tb, "clt: ENTER G\u00e9n\u00e9ral")
        for typed in ("Regu", "r\u00eagu"):
            other, to = connect(self.factory, self.clock)
            output(to, self.clock)
            output(tb, self.clock)
            reply = self.send(other, to, f"clt: LOGIN {typed} newpass1")
            self.assertTrue(
                reply.startswith(
                    b"srv: OKAY!\nsrv: NOTICE 1700000000\n"
                    b"srv: you are regu (your account's name, as it was registered)\nsrv: .\n"
                ),
                reply,
            )
            self.assertEqual(other.nick, "regu")
            self.assertIn("srv: ENTER Général regu ".encode(), self.send(bob, tb))
            other.transport.loseConnection()
            other.connectionLost(None)

    def test_mixedScriptsSpellingWhileSignedIn(self) -> None:
        """
        A spelling of an account that mixes scripts (Cyrillic C{с} in
        C{sсrip}) is refused (20) with the password, also while the
        account is signed in on another connection.
        """
        self.registered("scrip", "scrippw1")
        other, to = connect(self.factory, self.clock)
        output(to, self.clock)
        self.assertEqual(self.send(other, to, "clt: LOGIN s\u0441rip scrippw1"), b"srv: ERROR 20\n")
        self.connectAs("scrip", "scrippw1")
        self.assertEqual(self.send(other, to, "clt: LOGIN s\u0441rip scrippw1"), b"srv: ERROR 20\n")
        self.assertIsNone(other.nick)

    def test_authorityNames(self) -> None:
        """
        A LOGIN as a service or administrator name (C{ChanServ}, C{admin} or
        its look-alikes C{adm1n}, C{ᴀdmin}) or as the server's own name is invalid
        (20), so REGIS never makes an account of it; an account registered
        so before the rule still logs in with its password.
        """
        persistence = self.service.persistence
        assert persistence is not None
        registering = persistence.accounts.register("root", "rootpw")
        self.successResultOf(Deferred.fromCoroutine(registering))
        self.service = self.makeService()
        self.factory = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)
        other, to = connect(self.factory, self.clock)
        output(to, self.clock)
        for name in ("ChanServ", "CHANSERV", "adm1n", "chatd", "Global", "system", "\u1d00dmin"):
            self.assertEqual(self.send(other, to, f"clt: LOGIN {name}"), b"srv: ERROR 20\n", name)
        self.assertEqual(self.send(other, to, "clt: LOGIN root"), b"srv: ERROR 22\n")
        # Small capitals read as their letters: this is root's account.
        self.assertEqual(self.send(other, to, "clt: LOGIN \u0280oo\u1d1b"), b"srv: ERROR 22\n")
        self.connectAs("root", "rootpw")

    def test_backInAGuestsGroup(self) -> None:
        """
        A registered user who entered a guest's group (never stored) and
        disconnected is back in it at the next login while it exists.
        """
        self.registered("bb", "sesame")
        aa, taa = self.connectAs("aa")
        self.send(aa, taa, "clt: CREAT rr", "clt: ENTER rr")
        bb, tbb = self.connectAs("bb", "sesame")
        self.assertEqual(self.send(bb, tbb, "clt: ENTER rr"), b"srv: OKAY!\n")
        bb.connectionLost(None)
        self.connectAs("bb", "sesame")
        self.assertIn(b"srv: you are in ", self.loginReply)
        self.assertIn(b"rr", self.loginReply)

    def test_regisBeforeLogin(self) -> None:
        """
        REGIS needs a login first (01).
        """
        proto, t = connect(self.factory, self.clock)
        output(t, self.clock)
        self.assertEqual(self.send(proto, t, "clt: REGIS sesame"), b"srv: ERROR 01\n")

    def test_approvalRoom(self) -> None:
        """
        ENTER of an approval room is ERROR 37 until an operator accepts;
        then the user is told with its own ENTER line and a NOTICE.
        """
        alice, ta = self.connectAs("alice")
        self.assertEqual(self.send(alice, ta, "clt: ENTER Marketing"), b"srv: ERROR 37\n")
        self.assertEqual(self.send(alice, ta, "clt: ENTER Blabla"), b"srv: OKAY!\n")
        self.successResultOf(self.service.acceptPending("Marketing", "alice"))
        told = output(ta, self.clock)
        self.assertTrue(told.startswith(b"srv: ENTER Marketing alice "), told)
        self.assertIn(b"srv: NOTICE ", told)
        self.assertIn(b"accepted you in Marketing", told)
        self.assertEqual(self.send(alice, ta, "clt: ENTER Marketing"), b"srv: ERROR 35\n")

    def test_approvalRefused(self) -> None:
        """
        An operator's refusal is told as the acceptance is, with a NOTICE
        naming the group and the reason; the user may ask again (ERROR 37).
        LEAVE of the group one waits for withdraws the request (ERROR 34:
        not in it).
        """
        alice, ta = self.connectAs("alice")
        self.send(alice, ta, "clt: ENTER Marketing")
        self.successResultOf(self.service.refusePending("Marketing", "alice", "full"))
        told = output(ta, self.clock)
        self.assertTrue(told.startswith(b"srv: NOTICE "), told)
        self.assertIn(b"\nsrv: an operator refused your request to enter Marketing: full\n", told)
        self.assertEqual(self.send(alice, ta, "clt: ENTER Marketing"), b"srv: ERROR 37\n")
        self.assertEqual(self.service.pendingRequests(), [("Marketing", "alice")])
        self.assertEqual(self.send(alice, ta, "clt: LEAVE Marketing"), b"srv: ERROR 34\n")
        self.assertEqual(self.service.pendingRequests(), [])

    def test_histoWithoutCount(self) -> None:
        """
        HISTO without a count answers C{--history-count} messages; with
        C{--history-count 0} (no replay on entering) it still answers
        L{HISTORY_COUNT}, not nothing.
        """
        alice, ta = self.connectAs("alice")
        self.send(alice, ta, "clt: ENTER Général")
        for i in range(HISTORY_COUNT + 5):
            self.send(alice, ta, "clt: SPEAK Général", f"clt: m{i}", "clt: .")
        for historyCount, answered in ((5, 5), (0, HISTORY_COUNT), (30, HISTORY_COUNT + 5)):
            self.service.historyCount = historyCount
            got = self.send(alice, ta, "clt: HISTO Général")
            self.assertEqual(got.count(b"srv: SPEAK"), answered, historyCount)
            self.assertIn(f"srv: m{HISTORY_COUNT + 4}\nsrv: .\nsrv: OKAY!\n".encode(), got)

    def test_histo(self) -> None:
        """
        HISTO answers the last n messages as SPEAK blocks, oldest first,
        then OKAY!; 30, 31 and 34 as for LSMEM, 10 for a bad count.  Neither
        LOGIN nor ENTER replays any: history comes only when asked.
        """
        alice, ta = self.connectAs("alice")
        self.assertEqual(self.send(alice, ta, "clt: ENTER Général"), b"srv: OKAY!\n")
        for i in range(3):
            self.send(alice, ta, "clt: SPEAK Général", f"clt: m{i}", "clt: .")
            self.clock.advance(1)
        self.assertEqual(
            self.send(alice, ta, "clt: HISTO Général 2"),
            "srv: SPEAK alice Général 1700000001\nsrv: m1\nsrv: .\n"
            "srv: SPEAK alice Général 1700000002\nsrv: m2\nsrv: .\n"
            "srv: OKAY!\n".encode(),
        )
        self.assertEqual(self.send(alice, ta, "clt: HISTO Général").count(b"srv: SPEAK"), 3)
        self.send(alice, ta, "clt: SPEAK Général", "clt: . ", "clt: .\t", "clt: ..", "clt: .")
        self.assertTrue(  # only a line that is exactly "." would be sent as ".."
            self.send(alice, ta, "clt: HISTO Général 1").endswith(
                b"srv: . \nsrv: .\t\nsrv: ..\nsrv: .\nsrv: OKAY!\n"
            )
        )
        self.assertEqual(self.send(alice, ta, "clt: HISTO nowhere 2"), b"srv: ERROR 31\n")
        self.assertEqual(self.send(alice, ta, "clt: HISTO bad!name 2"), b"srv: ERROR 30\n")
        self.assertEqual(self.send(alice, ta, "clt: HISTO Blabla 2"), b"srv: ERROR 34\n")
        for bad in (
            "Général x",
            "Général 0",
            "Général -1",
            "Général ²",
            "",
            "Général ",
            "Général 2 ",
        ):
            self.assertEqual(self.send(alice, ta, f"clt: HISTO {bad}"), b"srv: ERROR 10\n")
        bob, tb = self.connectAs("bob")
        self.assertEqual(self.loginReply, b"srv: OKAY!\n")
        self.send(alice, ta, "clt: ENTER Blabla", "clt: SPEAK Blabla", "clt: earlier", "clt: .")
        self.assertEqual(self.send(bob, tb, "clt: ENTER Blabla"), b"srv: OKAY!\n")
        self.assertEqual(
            self.send(bob, tb, "clt: HISTO Blabla"),
            b"srv: SPEAK alice Blabla 1700000003\nsrv: earlier\nsrv: .\nsrv: OKAY!\n",
        )

    def test_offlineMessage(self) -> None:
        """
        MSGPV to a registered user who is away is OKAY! and delivered, with
        its original time, right after their next LOGIN's OKAY!; to an
        unregistered absent name it is still ERROR 21.
        """
        self.registered("bob", "sesame")
        alice, ta = self.connectAs("alice")
        self.assertEqual(
            self.send(alice, ta, "clt: MSGPV bob", "clt: hi", "clt: ."), b"srv: OKAY!\n"
        )
        self.assertEqual(
            self.send(alice, ta, "clt: MSGPV carol", "clt: hi", "clt: ."), b"srv: ERROR 21\n"
        )
        self.clock.advance(30)
        bob, tb = connect(self.factory, self.clock)
        output(tb, self.clock)
        reply = self.send(bob, tb, "clt: LOGIN bob sesame")
        self.assertTrue(reply.startswith(b"srv: OKAY!\n"), reply)
        self.assertTrue(reply.endswith(b"srv: MSGPV alice 1700000000\nsrv: hi\nsrv: .\n"), reply)


class TchatRoomNotStoredTests(OutageStoreCase, TchatStoreTestCase):
    def test_createRefused(self) -> None:
        """
        A registered user's CREAT while the store cannot keep rooms is
        ERROR 03 (try again later), and no room is made: entering it is
        ERROR 31, it is not listed, and it counts against nobody's rooms.
        Once the store is back, the same CREAT is OKAY! and the room kept.
        """
        self.registered("alice", "sesame")
        alice, ta = self.connectAs("alice", "sesame")
        output(ta, self.clock)
        self.outage.down.add("saveRoom")
        self.assertEqual(self.send(alice, ta, "clt: CREAT fullroom"), b"srv: ERROR 03\n")
        self.flushLoggedErrors(StoreUnavailable)
        self.assertEqual(self.send(alice, ta, "clt: ENTER fullroom"), b"srv: ERROR 31\n")
        self.assertNotIn("fullroom", [name for name, _ in self.service.rooms()])
        self.assertEqual(self.service.roomLimits.createdBy(alice, "alice"), 0)
        self.outage.down.clear()
        self.assertEqual(self.send(alice, ta, "clt: CREAT fullroom"), b"srv: OKAY!\n")
        stored = self.successResultOf(self.outage.load())
        self.assertIn("fullroom", [room.name for room in stored.rooms])
