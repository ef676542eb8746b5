"""
The password gate seen through TCHAT (and its translations on talk and
IRC): a guess never keeps the owner of a name out, a school behind one
address is not kept waiting once someone logs in right, and a full gate
answers ERROR 29.  In memory, with a L{Clock}.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.irc.factory import IRCFactory
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase


class TchatGateTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.factory = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)
        self.registered("alice", "sesame")
        self.registered("bob", "bobpw")
        self.registered("carol", "carolpw")
        assert self.service.persistence is not None
        self.gate = self.service.persistence.accounts.gate

    def client(self, host: str) -> tuple[TchatProtocol, StringTransport]:
        proto, transport = connect(self.factory, self.clock, host)
        self.assertEqual(output(transport, self.clock), b"srv: TCHAT 1\n")
        return proto, transport

    def attempt(self, host: str, nick: str, password: str) -> tuple[TchatProtocol, StringTransport]:
        """
        Connect from C{host} and send LOGIN; the answer is left unread.
        """
        proto, transport = self.client(host)
        proto.dataReceived(f"clt: LOGIN {nick} {password}\r\n".encode())
        return proto, transport

    def answer(self, transport: StringTransport) -> bytes:
        return output(transport, self.clock).split(b"\n")[0]

    def test_ownerNotKeptOutByPendingGuess(self) -> None:
        """
        While an attacker's wrong LOGIN for alice waits for its back-off,
        alice's own LOGIN with the right password is not refused as taken
        (23): it is checked at the name's next turn and gets OKAY!.
        """
        for _ in range(3):
            _, t = self.attempt("10.6.6.6", "alice", "guess")
            self.assertEqual(self.answer(t), b"srv: ERROR 22")
        _, attacker = self.attempt("10.6.6.6", "alice", "guess")
        _, owner = self.attempt("10.1.1.1", "alice", "sesame")
        self.assertEqual(output(attacker, self.clock), b"")
        self.assertEqual(output(owner, self.clock), b"")
        self.clock.advance(1)
        self.assertEqual(self.answer(attacker), b"srv: ERROR 22")
        self.assertEqual(output(owner, self.clock), b"")
        self.clock.advance(2)
        self.assertEqual(self.answer(owner), b"srv: OKAY!")
        self.assertIsNotNone(self.service.find("alice"))

    def test_rightAfterWrong(self) -> None:
        """
        A right password just after a wrong one, on the same connection, is
        accepted: the wrong attempt held nothing.
        """
        proto, t = self.client("10.2.2.2")
        proto.dataReceived(b"clt: LOGIN alice wrong\r\nclt: LOGIN alice sesame\r\n")
        self.assertEqual(output(t, self.clock).split(b"\n")[:2], [b"srv: ERROR 22", b"srv: OKAY!"])

    def test_schoolBehindOneAddress(self) -> None:
        """
        After 10 failures from one address, the next LOGIN from there (a
        right one) is answered after the current back-off (1 s), and clears
        it: the following pupils log in at once.
        """
        for i in range(10):
            _, t = self.attempt("10.3.3.3", f"pupil{i}", "typo")
            self.assertEqual(self.answer(t), b"srv: ERROR 22")
        _, bob = self.attempt("10.3.3.3", "bob", "bobpw")
        self.assertEqual(output(bob, self.clock), b"")
        self.clock.advance(1)
        self.assertEqual(self.answer(bob), b"srv: OKAY!")
        self.assertEqual(self.gate.backoff(address="10.3.3.3"), 0)
        _, carol = self.attempt("10.3.3.3", "carol", "carolpw")
        self.assertEqual(self.answer(carol), b"srv: OKAY!")

    def test_gateFull(self) -> None:
        """
        When too many checks wait from an address, a LOGIN needing a
        password is refused at once with ERROR 29; a guest login needs no
        check and still works.
        """
        self.gate.maxPerAddress = 1
        for _ in range(3):
            _, t = self.attempt("10.4.4.4", "alice", "guess")
            self.assertEqual(self.answer(t), b"srv: ERROR 22")
        _, waiting = self.attempt("10.4.4.4", "alice", "guess")
        _, refused = self.attempt("10.4.4.4", "bob", "bobpw")
        self.assertEqual(self.answer(refused), b"srv: ERROR 29")
        proto, guest = self.client("10.4.4.4")
        proto.dataReceived(b"clt: LOGIN dave\r\n")
        self.assertEqual(self.answer(guest), b"srv: OKAY!")
        self.clock.advance(1)
        self.assertEqual(self.answer(waiting), b"srv: ERROR 22")

    def test_gateFullOnTalkAndIRC(self) -> None:
        """
        The same refusal on talk ("try again later") and on IRC (SASL 904
        with the reason; NICK of a registered name with PASS: 263).
        """
        self.gate.maxPending = 0
        talk, tt = connect(TalkFactory(self.service, self.clock, floodBurst=None), self.clock)
        output(tt, self.clock)
        talk.dataReceived(b"alice\r\n")
        output(tt, self.clock)
        talk.dataReceived(b"sesame\r\n")
        self.assertIn(b"try again later", output(tt, self.clock))
        irc = IRCFactory(self.service, self.clock, floodBurst=None, aliveAfter=60)
        proto, t = connect(irc, self.clock)
        proto.dataReceived(b"CAP REQ :sasl\r\nAUTHENTICATE PLAIN\r\n")
        output(t, self.clock)
        proto.dataReceived(b"AUTHENTICATE YWxpY2UAYWxpY2UAc2VzYW1l\r\n")  # alice/sesame
        reply = output(t, self.clock)
        self.assertIn(b" 904 ", reply)
        self.assertIn(b"try again later", reply)
        proto, t = connect(irc, self.clock)
        proto.dataReceived(b"PASS sesame\r\nNICK alice\r\nUSER a 0 * :A\r\n")
        reply = output(t, self.clock)
        self.assertIn(b" 263 ", reply)
        self.assertNotIn(b" 001 ", reply)
