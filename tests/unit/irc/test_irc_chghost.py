"""
IRCv3 C{chghost}: a guest's host changing with the cloak secret (a node
that could not ask the database at start takes the database's secret once
it answers, L{chatd.storage.cloakkey.CloakSecret}), or to its account's
when it signs in during the session, is told as C{CHGHOST} to the guest
and to the members of its channels whose clients asked.
"""

from __future__ import annotations

from pathlib import Path

from twisted.internet.defer import maybeDeferred
from twisted.internet.testing import StringTransport

from chatd.irc.protocol import IRCProtocol
from chatd.storage.cloakkey import (
    ASK_AGAIN,
    CLOAK_KEY,
    CloakSecret,
    DatabaseAway,
    writeCloakSecret,
)
from tests.support.helpers import guestHost
from tests.support.irchelpers import IRCTestCase
from tests.support.ircstorecase import IRCStoreTestCase

#: The secret in the node's C{cloak.key}, and the database's.
OWN, DATABASE = bytes(range(32)), bytes(range(32, 64))


class InterimCloakTests(IRCTestCase):
    def setUp(self) -> None:
        super().setUp()
        dataDir = Path(self.mktemp())
        dataDir.mkdir()
        writeCloakSecret(dataDir / CLOAK_KEY, OWN)
        asked: list[bytes] = []

        def stored(offered: bytes) -> bytes:
            asked.append(offered)
            if len(asked) == 1:
                raise DatabaseAway("the database could not be asked (refused)")
            return DATABASE

        hosts = self.service.people.hosts
        self.cloaks = CloakSecret(
            dataDir, hosts, stored, clock=self.clock, runInThread=maybeDeferred
        )
        self.cloaks.startService()  # the database away: this node's own secret meanwhile
        self.addCleanup(self.cloaks.stopService)

    def test_guestsToldOfTheDatabasesCloak(self) -> None:
        """
        Guests cloaked with the interim secret: once the database answers,
        each whose client asked for C{chghost} gets C{CHGHOST} for itself
        and for those sharing a channel with it, from the old mask to the
        new host; a client that did not ask gets none, and sees the new
        host on the next line.
        """
        old = guestHost(self.service)
        alice, ta = self.connect("alice", caps="chghost")
        bob, tb = self.connect("bob", caps="chghost")
        carol, tc = self.connect("carol")
        dave, td = self.connect("dave", caps="chghost")
        for proto, transport in ((alice, ta), (bob, tb), (carol, tc)):
            self.send(proto, transport, "JOIN #lobby")
        for transport in (ta, tb, tc, td):
            self.read(transport)
        self.clock.advance(ASK_AGAIN)
        new = guestHost(self.service)
        self.assertNotEqual(old, new)
        change = {
            nick: f":{nick}!{nick}@{old} CHGHOST {nick} {new}\r\n"
            for nick in "alice bob carol dave".split()
        }
        self.assertEqual(
            sorted(self.read(ta).splitlines(True)),
            sorted([change["alice"], change["bob"], change["carol"]]),
        )
        self.assertEqual(
            sorted(self.read(tb).splitlines(True)),
            sorted([change["alice"], change["bob"], change["carol"]]),
        )
        self.assertEqual(self.read(tc), "")
        self.assertEqual(self.read(td), change["dave"])
        self.send(alice, ta, "PRIVMSG #lobby :hi")
        self.assertEqual(self.read(tc), f":alice!alice@{new} PRIVMSG #lobby :hi\r\n")


class SignInTests(IRCStoreTestCase):
    accountRegistration = True

    def changes(self, proto: IRCProtocol, transport: StringTransport, *lines: str) -> list[str]:
        """
        The C{CHGHOST}s C{proto}'s client is sent (after sending C{lines}).
        """
        return [
            f"{m.prefix} {' '.join(m.params)}"
            for m in self.send(proto, transport, *lines)
            if m.command == "CHGHOST"
        ]

    def test_signingInChangesTheHost(self) -> None:
        """
        A guest who signs in during the session (C{REGISTER}, NickServ's
        C{IDENTIFY}) has the account's host from then on: C{CHGHOST} from
        the guest's cloak, to the guest and to the C{chghost} clients
        sharing a channel; nothing to a client that did not ask.  A login
        with the password at connection is no change.
        """
        watcher, tw = self.joinedBlabla("watcher", "chghost")
        plain, tp = self.joinedBlabla("plain", "")
        bob, tb = self.joinedBlabla("bob", "chghost")
        ally, ta = self.joinedBlabla("ally", "chghost")
        for proto, transport in ((watcher, tw), (plain, tp), (bob, tb), (ally, ta)):
            self.send(proto, transport)
        registered = f"bob!bob@{self.guestHost} bob user/bob"
        self.assertEqual(self.changes(bob, tb, "REGISTER * * passphrase"), [registered])
        self.assertEqual(self.changes(watcher, tw), [registered])
        self.assertEqual(self.changes(ally, ta), [registered])
        identified = f"ally!ally@{self.guestHost} ally user/alice"
        identify = "PRIVMSG NickServ :IDENTIFY alice sesame"
        self.assertEqual(self.changes(ally, ta, identify), [identified])
        self.assertEqual(self.changes(watcher, tw), [identified])
        self.assertEqual(self.changes(plain, tp), [])
        self.registered("carol", "sesame")
        carol, tc, _ = self.saslAs("carol", "sesame", "carol")
        self.send(carol, tc, "JOIN #Blabla")
        seen = [(m.prefix, m.command) for m in self.send(watcher, tw)]
        self.assertEqual(seen, [("carol!u@user/carol", "JOIN")])
