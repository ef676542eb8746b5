"""
Talk mode's C{/search words} (L{chatd.talk.commands}): the messages of the
person's rooms and own private conversations that hold the words, newest
first, each with its time and conversation; a line when nothing matches,
the usage line without a word.
"""

from __future__ import annotations

import time

from twisted.internet.testing import StringTransport

from chatd.talk.protocol import TalkFactory, TalkProtocol
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase


def hhmm(when: int) -> str:
    return time.strftime("%H:%M", time.localtime(when))


class SearchCommandTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.factory = TalkFactory(self.service, self.clock, floodBurst=None)

    def talk(self, nick: str) -> tuple[TalkProtocol, StringTransport]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TalkProtocol)
        self.send(proto, transport, nick)
        self.assertIn(b"now registered", self.send(proto, transport, "/register sesame"))
        return proto, transport

    def send(self, proto: TalkProtocol, transport: StringTransport, *lines: str) -> bytes:
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        self.clock.advance(0)
        return output(transport, self.clock)

    def test_search(self) -> None:
        """
        C{/search} lists the matches newest first: a private message as
        C{*private with bob HH:MM*}, a room message as C{[lobby HH:MM]}; not
        a room alice is not in, nor others' private talk.
        """
        alice, ta = self.talk("alice")
        bob, tb = self.talk("bob")
        carol, tc = self.talk("carol")
        start = int(self.clock.seconds())
        self.send(bob, tb, "Picnic on sunday?")
        self.clock.advance(60)
        self.send(carol, tc, "/join Jeux", "picnic games", "/pm bob picnic secret")
        self.clock.advance(60)
        self.send(bob, tb, "/pm alice bring the picnic basket")
        output(ta, self.clock)
        self.assertEqual(
            self.send(alice, ta, "/search PICNIC"),
            '*** Search for "PICNIC": 2 messages, newest first:\r\n'
            f"*private with bob {hhmm(start + 120)}* <bob> bring the picnic basket\r\n"
            f"[lobby {hhmm(start)}] <bob> Picnic on sunday?\r\n"
            "*** End of search.\r\n".encode(),
        )
        self.assertIn(b"1 message,", self.send(alice, ta, "/search sunday picnic"))

    def test_noMatchAndUsage(self) -> None:
        """
        Nothing found is said in one line; no word gets the usage line.
        """
        alice, ta = self.talk("alice")
        self.assertEqual(
            self.send(alice, ta, "/search nothing here"),
            b'*** No message matches "nothing here".\r\n',
        )
        for bad in ("/search", "/search   ", "/search ?!"):
            self.assertEqual(self.send(alice, ta, bad), b"*** Usage: /search <words>\r\n")
