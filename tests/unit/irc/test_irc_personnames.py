"""
The replies that name a person name them as every reply does
(L{chatd.irc.targetnames.shownTarget}): someone signed in by the nickname
they go by (C{Zoé} for C{zoe} or C{ZOE}), so a client matching a reply to a
query window by name finds the one the person's messages opened; a
registered person not signed in as typed, unless the service's answer
names their account (a message kept for them); nobody as typed (C{401}).
"""

from __future__ import annotations

from chatd.irc.message import Message
from tests.support.ircstorecase import IRCStoreTestCase

CAPS = "CAP REQ :draft/read-marker draft/chathistory batch message-tags server-time"


class PersonNameTests(IRCStoreTestCase):
    """
    The accounts C{alice} and C{Zoé}, signed in, who wrote to each other;
    alice runs the room C{#Atelier}, which Zoé is not in.
    """

    clientCaps = CAPS

    def setUp(self) -> None:
        super().setUp()
        self.registered("Zoé", "zozo")
        self.alice, self.ta = self.clientAs("alice", "PASS sesame")
        self.zoe, self.tz = self.clientAs("Zoé", "PASS zozo")
        self.send(self.alice, self.ta, "JOIN #Atelier", "PRIVMSG Zoé :hello")
        [said] = [m for m in self.send(self.zoe, self.tz) if m.command == "PRIVMSG"]
        self.msgid = said.tags["msgid"]

    def aliceSends(self, line: str) -> list[Message]:
        return self.send(self.alice, self.ta, line)

    def numeric(self, code: str, line: str) -> list[list[str]]:
        """
        The parameters of each numeric C{code} alice is answered to C{line}
        (her own nickname first, the text last left out).
        """
        return [m.params[1:-1] for m in self.aliceSends(line) if m.command == code]

    def batchNames(self, line: str) -> list[list[str]]:
        return [
            m.params[1:]
            for m in self.aliceSends(line)
            if m.command == "BATCH" and m.params[0][0] == "+"
        ]

    def test_markread(self) -> None:
        """
        C{MARKREAD} about a person, read or moved, is answered with the
        nickname they go by when what was typed differs from it beyond
        case (accents); as typed when the client's C{CASEMAPPING} takes it
        for that nickname already.
        """
        for line, named in (
            ("MARKREAD zoe", "Zoé"),
            ("MARKREAD ZOE timestamp=2023-11-14T22:13:20.000Z", "Zoé"),
            ("MARKREAD ZOÉ timestamp=2023-11-14T22:13:20.000Z", "ZOÉ"),
        ):
            answers = [m.params for m in self.aliceSends(line) if m.command == "MARKREAD"]
            self.assertEqual([a[0] for a in answers], [named], line)

    def test_markreadChannel(self) -> None:
        """
        C{MARKREAD} about a channel names it by its own name.
        """
        answers = [
            m.params for m in self.aliceSends("MARKREAD #atelier") if m.command == "MARKREAD"
        ]
        self.assertEqual([a[0] for a in answers], ["#Atelier"])

    def test_chathistory(self) -> None:
        """
        Every kind of C{CHATHISTORY} about a person is a batch named by the
        nickname they go by when what was typed differs from it beyond
        case; one that differs only in case (C{zoé}, C{ZOÉ}) is echoed as
        typed, as Ergo does and irctest expects.
        """
        early, late = "timestamp=2000-01-01T00:00:00.000Z", "timestamp=2100-01-01T00:00:00.000Z"
        for line, named in (
            ("CHATHISTORY LATEST zoe * 3", "Zoé"),
            (f"CHATHISTORY BEFORE ZOE {late} 3", "Zoé"),
            (f"CHATHISTORY AFTER zoé {early} 3", "zoé"),
            (f"CHATHISTORY AROUND ZOÉ msgid={self.msgid} 3", "ZOÉ"),
            (f"CHATHISTORY BETWEEN zoe {early} {late} 3", "Zoé"),
        ):
            self.assertEqual(self.batchNames(line), [["chathistory", named]], line)

    def test_chathistoryOffline(self) -> None:
        """
        A registered person not signed in is named as typed (by C{CHATHISTORY}
        and C{MARKREAD}): how their account is spelled is the store's to say.
        """
        self.send(self.zoe, self.tz, "QUIT")
        self.assertEqual(self.batchNames("CHATHISTORY LATEST zoe * 3"), [["chathistory", "zoe"]])
        answers = [m.params for m in self.aliceSends("MARKREAD zoe") if m.command == "MARKREAD"]
        self.assertEqual([a[0] for a in answers], ["zoe"])

    def test_kickNotInChannel(self) -> None:
        """
        C{441} for a person signed in but not in the channel names them by
        their nickname; C{401} names nobody as typed.
        """
        self.assertEqual(self.numeric("441", "KICK #atelier ZOE :x"), [["Zoé", "#Atelier"]])
        self.assertEqual(self.numeric("401", "KICK #atelier Nobody :x"), [["Nobody"]])

    def test_modeNotInChannel(self) -> None:
        """
        C{441} for a channel mode given to a person not in the channel
        names them by their nickname.
        """
        self.assertEqual(self.numeric("441", "MODE #atelier +o ZOE"), [["Zoé", "#Atelier"]])

    def test_invite(self) -> None:
        """
        C{341} (invited) and C{443} (already there) name the person by
        their nickname; C{401} names nobody as typed.
        """
        self.assertEqual(self.numeric("341", "INVITE ZOE #atelier"), [["Zoé"]])
        self.send(self.zoe, self.tz, "JOIN #Atelier")
        self.assertEqual(self.numeric("443", "INVITE zoe #atelier"), [["Zoé", "#Atelier"]])
        self.assertEqual(self.numeric("401", "INVITE Nobody #atelier"), [["Nobody"]])

    def test_away(self) -> None:
        """
        C{301} for a private message to someone away names them by their
        nickname.
        """
        self.send(self.zoe, self.tz, "AWAY :lunch")
        self.assertEqual(self.numeric("301", "PRIVMSG ZOE :hi"), [["Zoé"]])

    def test_keptForLater(self) -> None:
        """
        C{301} for a private message kept for a registered person not
        signed in names their account as registered.
        """
        self.send(self.zoe, self.tz, "QUIT")
        self.assertEqual(self.numeric("301", "PRIVMSG ZOE :hi"), [["Zoé"]])
