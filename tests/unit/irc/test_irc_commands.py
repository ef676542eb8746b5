"""
Tests for L{chatd.irc.commands}: the command table and the checks its
dispatcher makes once for every command (421, 451, 462, 461, 481), over
the wire of a real in-memory connection.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, succeed

from chatd.irc.commands import COMMANDS, Command, commandTable, dispatch
from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from chatd.irc.session import IRCSession
from tests.support.irchelpers import IRCTestCase


class TableTests(IRCTestCase):
    """
    The table itself: each verb once, each handler once.
    """

    def test_verbOnce(self) -> None:
        """
        A verb given twice is refused when the table is built, rather than
        the second silently replacing the first.
        """
        first = Command(lambda irc, message: None)
        second = Command(lambda irc, message: None, 1)
        with self.assertRaises(ValueError) as caught:
            commandTable([("FROB", first), ("OTHER", first), ("FROB", second)])
        self.assertIn("FROB", str(caught.exception))

    def test_handlerOnce(self) -> None:
        """
        No handler serves two verbs, and every verb is upper case as parsed
        commands are.
        """
        handlers = [command.handler for command in COMMANDS.values()]
        self.assertEqual(len(set(handlers)), len(handlers))
        self.assertEqual([verb for verb in COMMANDS if verb != verb.upper()], [])

    def test_everyVerbAnswered(self) -> None:
        """
        Every verb in the table reaches its handler over the wire: none is
        answered 421, unlike a verb not in it.
        """
        for verb in COMMANDS:
            proto, t = self.connect("alice")
            replies = self.send(proto, t, verb)
            self.assertNotIn("421", self.numerics(replies), verb)
            proto.connectionLost(None)
        proto, t = self.connect("alice")
        self.assertEqual(
            self.messages(self.send(proto, t, "FROB x"))[0].params,
            ["alice", "FROB", "Unknown command"],
        )


class CheckTests(IRCTestCase):
    """
    What the dispatcher answers from each verb's entry.
    """

    def test_notRegistered(self) -> None:
        """
        Before registration every command but the registration ones is
        answered 451 alone; the registration ones never are; an unknown
        verb is still 421.
        """
        for verb, command in COMMANDS.items():
            proto, t = self.connect()
            numerics = self.numerics(self.send(proto, t, f"{verb} #lobby x y z"))
            if command.preReg:
                self.assertNotIn("451", numerics, verb)
            else:
                self.assertEqual(numerics, ["451"], verb)
            proto.connectionLost(None)
        proto, t = self.connect()
        self.assertEqual(self.numerics(self.send(proto, t, "FROB")), ["421"])

    def test_needMoreParams(self) -> None:
        """
        A command with fewer parameters than its entry says, or with one of
        them empty, is answered 461 naming the verb, before any other check
        (an operator's command from someone else included).
        """
        checked = 0
        for verb, command in COMMANDS.items():
            if command.minParams == 0:
                continue
            checked += 1
            # A registration command counts only before registration.
            nick = None if command.tooLate is not None else "alice"
            proto, t = self.connect(nick)
            short = " ".join([verb] + ["x"] * (command.minParams - 1))
            empty = " ".join([verb] + ["x"] * (command.minParams - 1) + [":"])
            for line in (short, empty):
                messages = self.messages(self.send(proto, t, line))
                self.assertEqual([m.command for m in messages], ["461"], line)
                self.assertEqual(messages[0].params[1:], [verb, "Not enough parameters"])
            proto.connectionLost(None)
        self.assertGreater(checked, 10)

    def test_tooLate(self) -> None:
        """
        PASS and USER after registration are answered 462 even without
        their parameters; USER is also too late once given.
        """
        late = [verb for verb, command in COMMANDS.items() if command.tooLate is not None]
        self.assertEqual(sorted(late), ["PASS", "USER"])
        proto, t = self.connect("alice")
        for verb in late:
            self.assertEqual(self.numerics(self.send(proto, t, verb)), ["462"], verb)
        fresh, t2 = self.connect()
        self.send(fresh, t2, "CAP LS 302", "USER a 0 * :A")
        self.assertEqual(self.numerics(self.send(fresh, t2, "USER b")), ["462"])
        self.assertEqual(self.numerics(self.send(fresh, t2, "PASS")), ["461"])

    def test_operatorsOnly(self) -> None:
        """
        An operator's command from someone who is not a chatd operator is
        answered 481 and does nothing; from an operator it runs.
        """
        operVerbs = sorted(verb for verb, command in COMMANDS.items() if command.oper)
        self.assertEqual(operVerbs, ["KILL", "WALLOPS"])
        bob, bobT = self.connect("bob")
        alice, t = self.connect("alice")
        for line in ("KILL bob :go away", "WALLOPS :hello"):
            messages = self.messages(self.send(alice, t, line))
            self.assertEqual([m.command for m in messages], ["481"], line)
        self.assertIsNotNone(self.service.find("bob"))
        self.makeOperator("alice")
        self.send(alice, t, "MODE bob +w")
        self.assertNotIn("481", self.numerics(self.send(alice, t, "WALLOPS :hello")))
        self.assertNotIn("481", self.numerics(self.send(alice, t, "KILL bob :go away")))
        self.assertIsNone(self.service.find("bob"))


class DispatchOrderTests(IRCTestCase):
    """
    L{dispatch} over a table of its own, on a real connection: the first
    check that fails answers, and the handler runs only when all pass.
    """

    def setUp(self) -> None:
        super().setUp()
        self.calls: list[Message] = []

        def handler(irc: IRCSession, message: Message) -> Deferred[None]:
            self.calls.append(message)
            irc.numeric("999", "ran")
            return succeed(None)

        self.table = commandTable(
            [
                ("OPEN", Command(handler, preReg=True)),
                ("TWO", Command(handler, 2)),
                ("BOSS", Command(handler, 1, oper=True)),
                ("ONCE", Command(handler, 1, preReg=True, tooLate=lambda irc: irc.registered)),
            ]
        )

    def dispatched(self, proto: IRCProtocol, line: str) -> list[str]:
        """
        The numerics C{line} is answered with when dispatched on C{table}.
        """
        result = dispatch(proto, Message(*_split(line)), self.table)
        if isinstance(result, Deferred):
            self.successResultOf(result)
        return [m.command for m in self.messages(self.read(self.transport))]

    def test_order(self) -> None:
        proto, self.transport = self.connect()
        self.assertEqual(self.dispatched(proto, "FROB"), ["421"])
        self.assertEqual(self.dispatched(proto, "TWO"), ["451"])  # 451 before 461
        self.assertEqual(self.dispatched(proto, "ONCE"), ["461"])
        self.assertEqual(self.dispatched(proto, "OPEN"), ["999"])
        self.assertEqual(len(self.calls), 1)
        self.send(proto, self.transport, "NICK alice", "USER a 0 * :A")
        self.assertEqual(self.dispatched(proto, "ONCE"), ["462"])  # 462 before 461
        self.assertEqual(self.dispatched(proto, "TWO x"), ["461"])
        self.assertEqual(self.dispatched(proto, "BOSS"), ["461"])  # 461 before 481
        self.assertEqual(self.dispatched(proto, "BOSS x"), ["481"])
        self.assertEqual(len(self.calls), 1)
        self.assertEqual(self.dispatched(proto, "TWO x y"), ["999"])
        self.makeOperator("alice")
        self.assertEqual(self.dispatched(proto, "BOSS x"), ["999"])
        self.assertEqual([m.params for m in self.calls[1:]], [["x", "y"], ["x"]])


def _split(line: str) -> tuple[str, list[str]]:
    verb, *params = line.split()
    return verb, params
