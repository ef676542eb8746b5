"""
A stored message read back over IRC (C{CHATHISTORY}, the history played
on C{JOIN}, a private message that waited) comes from the mask its live
line had, C{nick!ident@host} (L{chatd.core.hosts}): C{user/<account>}
for a person signed in to an account, the cloak for a guest, kept by the
store with the message (L{chatd.core.storing}), after a restart too; and
with the C{account} tag that mask names.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from chatd.irc.factory import IRCFactory
from chatd.irc.message import Message
from tests.support.inlinesqlite import inlineSQLiteStore
from tests.support.ircstorecase import IRCStoreTestCase


def privmsgPrefixes(replies: list[Message]) -> list[str | None]:
    return [m.prefix for m in replies if m.command == "PRIVMSG"]


class HistoryHostTests(IRCStoreTestCase):
    """
    Over the daemon's SQL store, on an SQLite file that a restart opens
    again.
    """

    def makeStore(self, path: str | None = None) -> Any:
        """The daemon's SQL store on the database C{path} (a new one without)."""
        self.path = path or self.mktemp()
        return inlineSQLiteStore(self.clock, self.path)

    def restart(self) -> None:
        """
        Stop the service and its store, and start new ones (with a new
        cloak secret, as a daemon without one kept) on the same database,
        with a new IRC front-end.
        """
        self.clock.advance(1)  # the writer's batch
        self.service.stopService()
        self.store.stopService()
        self.clock.advance(1)
        self.store = self.makeStore(self.path)
        self.service = self.makeService()
        self.factory = IRCFactory(self.service, self.clock, floodBurst=None)

    def said(self, nick: str, password: str | None, ident: str) -> str:
        """
        C{nick} (signed in with C{password}, or a guest) says C{hello} in
        C{#Blabla} from an IRC client that gave C{ident}: the prefix a
        member saw it from live.
        """
        watch, tw = self.client()
        self.send(watch, tw, "NICK watch", "USER w 0 * :W", "JOIN #Blabla")
        speaker, ts = self.client()
        login = [f"PASS {password}"] if password is not None else []
        self.send(speaker, ts, *login, f"NICK {nick}", f"USER {ident} 0 * :S", "JOIN #Blabla")
        self.send(speaker, ts, "PRIVMSG #Blabla :hello")
        [live] = privmsgPrefixes(self.send(watch, tw))
        assert live is not None
        return live

    def history(self) -> tuple[list[str | None], list[str | None]]:
        """
        What a new client is shown: C{CHATHISTORY} of C{#Blabla}, and the
        history played as it joins.
        """
        reader, tr = self.client()
        caps = "CAP REQ :batch server-time draft/chathistory"
        self.send(reader, tr, caps, "NICK reader", "USER r 0 * :R", "CAP END", "JOIN #Blabla")
        asked = privmsgPrefixes(self.send(reader, tr, "CHATHISTORY LATEST #Blabla * 10"))
        joiner, tj = self.client()  # without chathistory: the history comes with the JOIN
        self.send(joiner, tj, "CAP REQ :batch server-time", "NICK joiner", "USER j 0 * :J")
        joined = privmsgPrefixes(self.send(joiner, tj, "CAP END", "JOIN #Blabla"))
        for proto in (reader, joiner):
            proto.connectionLost(Exception("done"))  # type: ignore[arg-type]
        self.clock.advance(1)
        return asked, joined

    def test_accountAfterRestart(self) -> None:
        """
        A person signed in to an account said it as C{nick!ident@user/<account>};
        history shows it so, after a restart too.
        """
        live = self.said("alice", "sesame", "alicia")
        self.assertEqual(live, "alice!alicia@user/alice")
        self.assertEqual(self.history(), ([live], [live]))
        self.restart()
        self.assertEqual(self.history(), ([live], [live]))

    def test_guest(self) -> None:
        """
        A guest said it from its cloak, which the store keeps (never its
        address): history shows that mask, after a restart too, whatever
        cloak the address has now.
        """
        live = self.said("bob", None, "bobby")
        self.assertEqual(live, f"bob!bobby@{self.guestHost}")
        self.assertEqual(self.history(), ([live], [live]))
        self.restart()
        self.assertEqual(self.history(), ([live], [live]))
        connection = sqlite3.connect(self.path)
        self.addCleanup(connection.close)
        kept = connection.execute("SELECT sender_userhost FROM messages").fetchall()
        self.assertEqual(kept, [(f"bobby@{self.guestHost}",)])

    def test_keptPrivateMessage(self) -> None:
        """
        A private message kept for an account while it was away is handed
        over, at its sign-in after a restart, from its sender's mask.
        """
        self.registered("bob", "bobpass")
        bob, tb = self.client()
        self.send(bob, tb, "PASS bobpass", "NICK bob", "USER bobby 0 * :B")
        self.send(bob, tb, "PRIVMSG alice :while you were out")
        self.restart()
        alice, ta = self.client()
        told = self.send(alice, ta, "PASS sesame", "NICK alice", "USER a 0 * :A")
        self.assertEqual(privmsgPrefixes(told), ["bob!bobby@user/bob"])

    def test_privateHistory(self) -> None:
        """
        A private message delivered live comes back from a private
        conversation's C{CHATHISTORY} from the mask its live line had.
        """
        self.registered("bob", "bobpass")
        bob, tb = self.client()
        self.send(bob, tb, "PASS bobpass", "NICK bob", "USER bobby 0 * :B")
        alice, ta = self.client()
        caps = "CAP REQ :batch server-time draft/chathistory"
        self.send(alice, ta, caps, "PASS sesame", "NICK alice", "USER a 0 * :A", "CAP END")
        self.send(bob, tb, "PRIVMSG alice :hi there")
        [live] = privmsgPrefixes(self.send(alice, ta))
        self.assertEqual(live, "bob!bobby@user/bob")
        self.clock.advance(1)
        asked = privmsgPrefixes(self.send(alice, ta, "CHATHISTORY LATEST bob * 10"))
        self.assertEqual(asked, [live])

    def test_storedBefore(self) -> None:
        """
        A message stored before the store kept senders' masks comes from
        C{nick!nick@chatd}.
        """
        self.said("alice", "sesame", "alicia")
        self.clock.advance(1)
        connection = sqlite3.connect(self.path)
        self.addCleanup(connection.close)
        connection.execute("UPDATE messages SET sender_userhost = NULL")
        connection.commit()
        self.assertEqual(self.history(), (["alice!alice@chatd"], ["alice!alice@chatd"]))


#: What a client that sees every tag asks for.
TAGGED = "CAP REQ :batch server-time message-tags account-tag draft/chathistory"


def privmsgAccounts(replies: list[Message]) -> list[tuple[str | None, str | None]]:
    """Each C{PRIVMSG}'s C{msgid} and C{account} tags."""
    return [(m.tags.get("msgid"), m.tags.get("account")) for m in replies if m.command == "PRIVMSG"]


class HistoryAccountTagTests(IRCStoreTestCase):
    """
    The C{account} tag (IRCv3 C{account-tag}) of a stored message read
    back is the one its live line had: the account its sender's stored
    mask names (L{chatd.core.hosts.accountNamed}), none for a guest.
    """

    def said(self, nick: str, password: str | None) -> list[tuple[str | None, str | None]]:
        """
        C{nick} (signed in with C{password}, or a guest) says C{hello} in
        C{#Blabla}, then leaves: the C{msgid} and C{account} a member saw
        it with live.
        """
        watch, tw = self.client()
        self.send(watch, tw, TAGGED, "NICK watch", "USER w 0 * :W", "CAP END", "JOIN #Blabla")
        speaker, ts = self.client()
        login = [f"PASS {password}"] if password is not None else []
        self.send(speaker, ts, *login, f"NICK {nick}", "USER s 0 * :S", "JOIN #Blabla")
        self.send(speaker, ts, "PRIVMSG #Blabla :hello")
        live = privmsgAccounts(self.send(watch, tw))
        speaker.connectionLost(Exception("gone"))  # type: ignore[arg-type]
        self.clock.advance(1)
        return live

    def history(self) -> tuple[list[tuple[str | None, str | None]], ...]:
        """
        The C{msgid} and C{account} of the C{#Blabla} messages a new client
        is shown: by C{CHATHISTORY}, and as it joins (without chathistory).
        """
        reader, tr = self.client()
        self.send(reader, tr, TAGGED, "NICK reader", "USER r 0 * :R", "CAP END", "JOIN #Blabla")
        asked = privmsgAccounts(self.send(reader, tr, "CHATHISTORY LATEST #Blabla * 10"))
        joiner, tj = self.client()
        caps = "CAP REQ :batch server-time message-tags account-tag"
        self.send(joiner, tj, caps, "NICK joiner", "USER j 0 * :J")
        joined = privmsgAccounts(self.send(joiner, tj, "CAP END", "JOIN #Blabla"))
        return asked, joined

    def test_account(self) -> None:
        """
        A message of a person signed in to an account comes back, by
        C{CHATHISTORY} and on joining, with the C{account} tag and C{msgid}
        it had live, after its sender left.
        """
        [live] = self.said("alice", "sesame")
        self.assertEqual(live[1], "alice")
        self.assertIsNotNone(live[0])
        self.assertEqual(self.history(), ([live], [live]))

    def test_guest(self) -> None:
        """
        A guest's message has no C{account} tag, live or read back, even
        once its name belongs to someone signed in to an account.
        """
        [live] = self.said("bob", None)
        self.assertIsNone(live[1])
        self.registered("bob", "bobpass")
        bob, tb = self.client()
        self.send(bob, tb, "PASS bobpass", "NICK bob", "USER b 0 * :B", "JOIN #Blabla")
        self.assertEqual(self.history(), ([live], [live]))

    def test_privateHistory(self) -> None:
        """
        A private conversation's C{CHATHISTORY} gives its messages the
        C{account} tag they had live.
        """
        self.registered("bob", "bobpass")
        bob, tb = self.client()
        self.send(bob, tb, "PASS bobpass", "NICK bob", "USER bobby 0 * :B")
        alice, ta = self.client()
        self.send(alice, ta, TAGGED, "PASS sesame", "NICK alice", "USER a 0 * :A", "CAP END")
        self.send(bob, tb, "PRIVMSG alice :hi there")
        [live] = privmsgAccounts(self.send(alice, ta))
        self.assertEqual(live[1], "bob")
        bob.connectionLost(Exception("gone"))  # type: ignore[arg-type]
        self.clock.advance(1)
        asked = privmsgAccounts(self.send(alice, ta, "CHATHISTORY LATEST bob * 10"))
        self.assertEqual(asked, [live])

    def test_keptPrivateMessage(self) -> None:
        """
        A private message kept for an account while it was away is handed
        over with its sender's C{account} tag, its sender gone meanwhile.
        """
        self.registered("bob", "bobpass")
        bob, tb = self.client()
        self.send(bob, tb, "PASS bobpass", "NICK bob", "USER bobby 0 * :B")
        self.send(bob, tb, "PRIVMSG alice :while you were out")
        bob.connectionLost(Exception("gone"))  # type: ignore[arg-type]
        self.clock.advance(1)
        alice, ta = self.client()
        told = self.send(alice, ta, TAGGED, "PASS sesame", "NICK alice", "USER a 0 * :A", "CAP END")
        self.assertEqual([account for _, account in privmsgAccounts(told)], ["bob"])
