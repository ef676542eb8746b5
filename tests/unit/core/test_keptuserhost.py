"""
A person's C{user@host} (L{chatd.core.hosts.Hosts.userhostOf}), kept with
it between its messages and worked out again when what it shows changes.
"""

from __future__ import annotations

from chatd.core.interfaces import IParticipant
from chatd.core.person import Person
from chatd.testing import settled
from tests.support.persistencecase import PersistenceTestCase


class KeptUserhostTests(PersistenceTestCase):
    def userhost(self, nick: str) -> str:
        person = self.service.find(nick)
        assert isinstance(person, Person)
        return self.service.people.hosts.userhostOf(person)

    def test_keptWhileUnchanged(self) -> None:
        """
        Asked again, a person's C{user@host} is not worked out again.
        """
        self.login("bob")
        hosts = self.service.people.hosts
        asked: list[IParticipant] = []
        of = hosts.of

        def counted(participant: IParticipant) -> str:
            asked.append(participant)
            return of(participant)

        self.patch(hosts, "of", counted)
        first = self.userhost("bob")
        self.assertEqual(self.userhost("bob"), first)
        self.assertEqual(len(asked), 1)

    def test_followsChanges(self) -> None:
        """
        A person's C{user@host} follows its nickname, the account it signed
        in to or left, the cloak secret, and the connection that stands for
        it.
        """
        bob = self.login("bob", address="192.0.2.1")
        hosts = self.service.people.hosts
        cloak = hosts.cloak("192.0.2.1")
        self.assertEqual(self.userhost("bob"), f"bob@{cloak}")
        self.successResultOf(settled(self.service.rename(bob, "robert")))
        self.assertEqual(self.userhost("robert"), f"robert@{cloak}")
        self.service.people.accounts.prove(bob, "Robert")
        self.assertEqual(self.userhost("robert"), "robert@user/Robert")
        self.service.people.accounts.forget(bob)
        self.assertEqual(self.userhost("robert"), f"robert@{cloak}")
        hosts.secret = b"s" * 32
        self.assertNotEqual(hosts.cloak("192.0.2.1"), cloak)
        self.assertEqual(self.userhost("robert"), f"robert@{hosts.cloak('192.0.2.1')}")

    def test_followsConnections(self) -> None:
        """
        The user name of a person's mask is its first connection's user
        name: once a first connection without one (TCHAT) goes, that of the
        next (IRC's C{USER}).
        """
        self.registered("alice", "sesame")
        phone = self.login("alice", "sesame")
        self.assertEqual(self.userhost("alice"), "alice@user/alice")
        laptop = self.login("alice", "sesame", address="192.0.2.9")
        laptop.ident = "laptop"  # type: ignore[attr-defined]
        self.assertEqual(self.userhost("alice"), "alice@user/alice")
        self.assertTrue(self.service.people.part(phone))  # (its account is forgotten after)
        self.assertEqual(self.userhost("alice"), "laptop@user/alice")
