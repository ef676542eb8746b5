# -*- test-case-name: tests.unit.irc.test_irc_multiline -*-
"""
IRCv3 C{draft/multiline} (L{chatd.irc.multiline}, L{chatd.irc.wire}) over
the IRC wire in memory: the capability and its limits, a client's batch
becoming one message of the service, its relay as one batch (or separate
lines without the capability), the limits, every refusal, labels, and
multi-line messages from other front-ends.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.core.events import PrivateMessage, RoomMessage
from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from chatd.testing import RecordingParticipant
from tests.support.irchelpers import IRCTestCase
from tests.support.ircstorecase import IRCStoreTestCase

CAPS = "batch draft/multiline message-tags server-time echo-message labeled-response"
FALLBACK = "batch message-tags server-time"
CONCAT = "draft/multiline-concat"


class MultilineTestCase(IRCTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.tom = RecordingParticipant(protocolName="tchat")
        self.service.connect(self.tom)
        self.service.login(self.tom, "tom")
        self.service.enter(self.tom, "lobby")

    def member(self, nick: str, caps: str) -> tuple[IRCProtocol, StringTransport]:
        proto, transport = self.connect(nick, caps)
        self.send(proto, transport, "JOIN #lobby")
        return proto, transport

    def heard(self) -> list[RoomMessage | PrivateMessage]:
        """
        The messages the TCHAT-like member C{tom} was given, then forgotten.
        """
        events = [e for e in self.tom.events if isinstance(e, RoomMessage | PrivateMessage)]
        self.tom.events.clear()
        return events

    def batch(self, *lines: str, target: str = "#lobby", opening: str = "") -> list[str]:
        """
        A client's multiline batch C{m1} to C{target}: each line is
        C{[@tags ]PRIVMSG text} with the batch tag added.
        """
        out = [f"{opening}BATCH +m1 draft/multiline {target}"]
        for line in lines:
            tags, _, rest = line.rpartition("|")
            command, _, text = rest.partition(" ")
            prefix = f"@batch=m1{';' + tags if tags else ''}"
            out.append(f"{prefix} {command} {target} :{text}")
        return [*out, "BATCH -m1"]

    def fails(self, text: str) -> list[list[str]]:
        return [m.params for m in self.messages(text) if m.command == "FAIL"]


class CapabilityTests(MultilineTestCase):
    def test_advertisedWithBodyLimits(self) -> None:
        """
        C{CAP LS 302} offers C{draft/multiline} with C{max-bytes} and
        C{max-lines} from the body limits (C{--max-body-bytes}, 16384, and
        C{--max-body-lines}, 100, by default); changed limits are offered to
        the open connections, those that sent C{CAP} and those that did not
        yet, and to connections opened afterwards.
        """
        proto, t = self.connect()
        silent, ts = self.connect()
        [ls] = self.messages(self.send(proto, t, "CAP LS 302"))
        self.assertIn("draft/multiline=max-bytes=16384,max-lines=100", ls.params[-1].split())
        self.factory.setBodyLimits(7, 300)
        self.read(t)
        for client, transport in ((proto, t), (silent, ts), self.connect()):
            [ls] = self.messages(self.send(client, transport, "CAP LS 302"))
            self.assertIn("draft/multiline=max-bytes=300,max-lines=7", ls.params[-1].split())

    def test_changedLimitsAnnounced(self) -> None:
        """
        Changed body limits (a reload) are announced to the clients with
        C{cap-notify} (which C{CAP LS 302} implies) with C{CAP NEW} and the
        new values, and batches are held to them; a client without
        C{cap-notify} is not told, and limits set again unchanged tell
        nobody.
        """
        alice, ta = self.connect()
        self.send(alice, ta, "CAP LS 302", f"CAP REQ :{CAPS}", "NICK alice", "USER a 0 * :A")
        self.assertIn(" 001 ", self.send(alice, ta, "CAP END", "JOIN #lobby"))
        bob, tb = self.member("bob", CAPS)
        self.read(ta), self.read(tb)
        self.factory.setBodyLimits(3, 16384)
        [new] = self.messages(self.read(ta))
        self.assertEqual(
            (new.command, new.params),
            ("CAP", ["alice", "NEW", "draft/multiline=max-bytes=16384,max-lines=3"]),
        )
        self.assertEqual(self.read(tb), "")
        self.factory.setBodyLimits(3, 16384)
        self.assertEqual((self.read(ta), self.read(tb)), ("", ""))
        self.factory.setBodyLimits(3, 500)
        [new] = self.messages(self.read(ta))
        self.assertEqual(new.params[-1], "draft/multiline=max-bytes=500,max-lines=3")
        lines = self.batch("PRIVMSG a", "PRIVMSG b", "PRIVMSG c", "PRIVMSG d")
        [fail] = self.fails(self.send(alice, ta, *lines))
        self.assertEqual(fail[:3], ["BATCH", "MULTILINE_MAX_LINES", "3"])

    def test_withoutCapability(self) -> None:
        """
        Without the capability, C{BATCH} is refused with C{FAIL BATCH
        MULTILINE_INVALID}, and a C{PRIVMSG} with a C{batch} tag is an
        ordinary message, as before.
        """
        alice, ta = self.member("alice", "batch message-tags")
        self.read(ta)
        [fail] = self.fails(self.send(alice, ta, "BATCH +x draft/multiline #lobby"))
        self.assertEqual(fail[:2], ["BATCH", "MULTILINE_INVALID"])
        self.send(alice, ta, "@batch=x PRIVMSG #lobby :plain")
        self.assertEqual([e.lines for e in self.heard()], [("plain",)])


class InboundTests(MultilineTestCase):
    def test_oneServiceCall(self) -> None:
        """
        A batch to a channel is one message of the service: its lines
        joined by line feeds, a C{draft/multiline-concat} line joined to the
        previous one without, blank lines kept; nothing before C{BATCH -}.
        """
        alice, ta = self.member("alice", CAPS)
        lines = self.batch(
            "PRIVMSG hello", "PRIVMSG ", "PRIVMSG how is ", f"{CONCAT}|PRIVMSG everyone?"
        )
        self.send(alice, ta, *lines[:-1])
        self.assertEqual(self.heard(), [])
        self.send(alice, ta, lines[-1])
        [event] = self.heard()
        self.assertIsInstance(event, RoomMessage)
        self.assertEqual(event.lines, ("hello", "", "how is everyone?"))
        self.assertEqual((event.sender, event.notice), ("alice", False))

    def test_privateMessage(self) -> None:
        """
        A batch to a nickname is one private message to that person.
        """
        alice, ta = self.connect("alice", CAPS)
        self.send(alice, ta, *self.batch("PRIVMSG one", "PRIVMSG two", target="tom"))
        [event] = self.heard()
        assert isinstance(event, PrivateMessage)
        self.assertEqual((event.recipient, event.lines), ("tom", ("one", "two")))

    def test_noticeBatch(self) -> None:
        """
        A batch of C{NOTICE} lines is one notice; its refusals, as a
        notice's, are not answered.
        """
        alice, ta = self.member("alice", CAPS)
        bob, tb = self.member("bob", CAPS)
        self.read(ta)
        self.read(tb)
        self.send(alice, ta, *self.batch("NOTICE a", "NOTICE b"))
        [event] = self.heard()
        self.assertEqual((event.lines, event.notice), (("a", "b"), True))
        relayed = self.messages(self.read(tb))
        self.assertEqual([m.command for m in relayed], ["BATCH", "NOTICE", "NOTICE", "BATCH"])
        self.read(ta)
        self.assertEqual(self.send(alice, ta, *self.batch("NOTICE a", target="#nowhere")), "")

    def test_refusedLikePrivmsg(self) -> None:
        """
        The service's refusal of the message is answered as a C{PRIVMSG}'s:
        a channel that does not exist is C{403}.
        """
        alice, ta = self.connect("alice", CAPS)
        replies = self.messages(self.send(alice, ta, *self.batch("PRIVMSG a", target="#nowhere")))
        self.assertEqual([m.command for m in replies], ["403"])

    def test_longLineAccepted(self) -> None:
        """
        A line of the batch is not refused for being too long to relay in
        one IRC line (C{417} is for a lone C{PRIVMSG}): it is relayed cut
        in pieces joined by C{draft/multiline-concat}.
        """
        alice, ta = self.member("alice", CAPS)
        bob, tb = self.member("bob", CAPS)
        self.read(tb)
        text = "é" * 240  # a line of 507 bytes sent, too long relayed
        self.send(alice, ta, *self.batch(f"PRIVMSG {text}", "PRIVMSG end"))
        [event] = self.heard()
        self.assertEqual(event.lines, (text, "end"))
        start, *inner, end = self.messages(self.read(tb))
        self.assertEqual(len(inner), 3)
        self.assertEqual(inner[0].params[1] + inner[1].params[1], text)
        self.assertNotIn(CONCAT, inner[0].tags)
        self.assertIn(CONCAT, inner[1].tags)
        self.assertNotIn(CONCAT, inner[2].tags)
        self.assertTrue(all(len(m.params[1].encode()) < 512 for m in inner))


class RefusalTests(MultilineTestCase):
    def assertRefused(self, lines: list[str], expected: list[str], nick: str = "alice") -> None:
        """
        C{lines} are answered with one C{FAIL BATCH} starting with
        C{expected}, nothing reaches anyone, and the client is not left
        with a batch open: its next message is an ordinary one.
        """
        alice, ta = self.member(nick, CAPS)
        self.read(ta)
        [fail] = self.fails(self.send(alice, ta, *lines))
        self.assertEqual(fail[: len(expected) + 1], ["BATCH", *expected])
        self.assertEqual(self.heard(), [])
        self.assertIsNone(alice.multiline)
        self.send(alice, ta, "PRIVMSG #lobby :after")
        self.assertEqual([e.lines for e in self.heard()], [("after",)])

    def test_tooManyLines(self) -> None:
        """
        One PRIVMSG line more than C{max-lines} (concatenated ones count) is
        C{MULTILINE_MAX_LINES <limit>}; the batch's other lines and its end
        are then dropped without a word.
        """
        self.factory.setBodyLimits(3, 1000)
        lines = self.batch(
            "PRIVMSG a", f"{CONCAT}|PRIVMSG b", "PRIVMSG c", "PRIVMSG d", "PRIVMSG e"
        )
        self.assertRefused(lines, ["MULTILINE_MAX_LINES", "3"])

    def test_linesAtTheLimit(self) -> None:
        """
        Exactly C{max-lines} lines are accepted.
        """
        self.factory.setBodyLimits(3, 1000)
        alice, ta = self.member("alice", CAPS)
        self.send(alice, ta, *self.batch("PRIVMSG a", f"{CONCAT}|PRIVMSG b", "PRIVMSG c"))
        self.assertEqual([e.lines for e in self.heard()], [("ab", "c")])

    def test_bytesCounted(self) -> None:
        """
        C{max-bytes} counts the message's UTF-8 bytes with one per line feed
        and none for a concatenation: C{é}, C{ab} and C{c} joined as
        C{éab\\nc} are 6 bytes, accepted at 6 and refused at 5 with
        C{MULTILINE_MAX_BYTES 5}.
        """
        lines = self.batch("PRIVMSG é", f"{CONCAT}|PRIVMSG ab", "PRIVMSG c")
        self.factory.setBodyLimits(100, 6)
        alice, ta = self.member("alice", CAPS)
        self.send(alice, ta, *lines)
        self.assertEqual([e.lines for e in self.heard()], [("éab", "c")])
        self.factory.setBodyLimits(100, 5)
        self.assertRefused(lines, ["MULTILINE_MAX_BYTES", "5"], nick="bob")

    def test_overlongBatch(self) -> None:
        """
        A batch far over C{max-bytes} (the default 16384) is refused as soon
        as a line goes over, not when it ends.
        """
        alice, ta = self.member("alice", CAPS)
        self.read(ta)
        self.send(alice, ta, "BATCH +big draft/multiline #lobby")
        for _ in range(40):
            self.assertEqual(self.send(alice, ta, "@batch=big PRIVMSG #lobby :" + "x" * 400), "")
        [fail] = self.fails(self.send(alice, ta, "@batch=big PRIVMSG #lobby :" + "x" * 400))
        self.assertEqual(fail[:3], ["BATCH", "MULTILINE_MAX_BYTES", "16384"])
        self.assertEqual(self.send(alice, ta, "@batch=big PRIVMSG #lobby :more", "BATCH -big"), "")
        self.assertEqual(self.heard(), [])

    def test_unterminatedThenDisconnect(self) -> None:
        """
        A batch never closed holds at most the limits (the lines past them
        are not kept) and is forgotten, undelivered, when the client goes.
        """
        self.factory.setBodyLimits(5, 1000)
        alice, ta = self.member("alice", CAPS)
        self.send(alice, ta, "BATCH +open draft/multiline #lobby")
        self.send(alice, ta, *["@batch=open PRIVMSG #lobby :line"] * 4)
        batch = alice.multiline
        assert batch is not None
        self.assertEqual((batch.count, batch.size), (4, 19))
        self.send(alice, ta, *["@batch=open PRIVMSG #lobby :line"] * 200)
        self.assertIsNone(alice.multiline)
        self.send(
            alice, ta, "BATCH +again draft/multiline #lobby", "@batch=again PRIVMSG #lobby :x"
        )
        alice.connectionLost(None)
        self.clock.advance(0)
        self.assertEqual(self.heard(), [])
        self.assertIsNone(self.service.find("alice"))

    def test_invalidTarget(self) -> None:
        """
        A line to another target than the batch's is
        C{MULTILINE_INVALID_TARGET <batch target> <line's target>}.
        """
        lines = self.batch("PRIVMSG a")
        lines.insert(2, "@batch=m1 PRIVMSG #other :b")
        self.assertRefused(lines, ["MULTILINE_INVALID_TARGET", "#lobby", "#other"])

    def test_targetSpelling(self) -> None:
        """
        Another spelling of the same channel is the same target.
        """
        alice, ta = self.member("alice", CAPS)
        lines = self.batch("PRIVMSG a")
        lines.insert(2, "@batch=m1 PRIVMSG #LOBBY :b")
        self.send(alice, ta, *lines)
        self.assertEqual([e.lines for e in self.heard()], [("a", "b")])

    def test_mixedCommands(self) -> None:
        """
        C{PRIVMSG} and C{NOTICE} in one batch are C{MULTILINE_INVALID}.
        """
        self.assertRefused(self.batch("PRIVMSG a", "NOTICE b"), ["MULTILINE_INVALID"])

    def test_otherCommandInBatch(self) -> None:
        """
        A C{TAGMSG} tagged with the batch is C{MULTILINE_INVALID}.
        """
        lines = self.batch("PRIVMSG a")
        lines.insert(2, "@batch=m1;+typing=active TAGMSG #lobby")
        self.assertRefused(lines, ["MULTILINE_INVALID"])

    def test_concatOnFirstLine(self) -> None:
        """
        C{draft/multiline-concat} on the first line has nothing to go on:
        C{MULTILINE_INVALID}.
        """
        self.assertRefused(self.batch(f"{CONCAT}|PRIVMSG a", "PRIVMSG b"), ["MULTILINE_INVALID"])

    def test_concatOnBlankLine(self) -> None:
        """
        C{draft/multiline-concat} on a blank line is C{MULTILINE_INVALID}.
        """
        self.assertRefused(self.batch("PRIVMSG a", f"{CONCAT}|PRIVMSG "), ["MULTILINE_INVALID"])

    def test_otherBatchTag(self) -> None:
        """
        A line tagged with another batch while one is open is
        C{MULTILINE_INVALID}.
        """
        lines = self.batch("PRIVMSG a")
        lines.insert(2, "@batch=zz PRIVMSG #lobby :b")
        self.assertRefused(lines, ["MULTILINE_INVALID"])

    def test_secondBatchOpened(self) -> None:
        """
        Opening a batch while one is open is C{MULTILINE_INVALID}.
        """
        lines = self.batch("PRIVMSG a")
        lines.insert(2, "BATCH +m2 draft/multiline #lobby")
        self.assertRefused(lines, ["MULTILINE_INVALID"])

    def test_otherBatchEnded(self) -> None:
        """
        Ending another batch than the one open is C{MULTILINE_INVALID}.
        """
        lines = self.batch("PRIVMSG a")
        lines[-1] = "BATCH -m2"
        self.assertRefused(lines, ["MULTILINE_INVALID"])

    def test_capabilityRemoved(self) -> None:
        """
        A client that removes C{draft/multiline} with a batch open has it
        forgotten: its end is refused as the capability is not negotiated,
        and nothing is sent.
        """
        alice, ta = self.member("alice", CAPS)
        self.send(alice, ta, "BATCH +m1 draft/multiline #lobby", "@batch=m1 PRIVMSG #lobby :a")
        self.send(alice, ta, "CAP REQ :-draft/multiline")
        [fail] = self.fails(self.send(alice, ta, "BATCH -m1"))
        self.assertEqual(fail[:2], ["BATCH", "MULTILINE_INVALID"])
        self.assertIsNone(alice.multiline)
        self.assertEqual(self.heard(), [])

    def test_emptyBatch(self) -> None:
        """
        A batch without lines is C{MULTILINE_INVALID}.
        """
        self.assertRefused(self.batch(), ["MULTILINE_INVALID"])

    def test_badOpenings(self) -> None:
        """
        Another batch type, no target, several targets or a reference
        without C{+} are refused and open nothing.
        """
        alice, ta = self.member("alice", CAPS)
        self.read(ta)
        for line, code in [
            ("BATCH +a chathistory #lobby", "MULTILINE_INVALID"),
            ("BATCH +a draft/multiline", "MULTILINE_INVALID"),
            ("BATCH +a draft/multiline #lobby,tom", "MULTILINE_INVALID_TARGET"),
            ("BATCH a draft/multiline #lobby", "MULTILINE_INVALID"),
        ]:
            [fail] = self.fails(self.send(alice, ta, line))
            self.assertEqual(fail[:2], ["BATCH", code], line)
            self.assertIsNone(alice.multiline)

    def test_allBlank(self) -> None:
        """
        A message of blank lines only is the service's to refuse, as it
        refuses a lone blank C{PRIVMSG} (C{404 #lobby :Message not delivered:
        empty message}), or one
        of formatting codes alone;
        blank lines among others are kept (L{InboundTests.test_oneServiceCall}).
        """
        alice, ta = self.member("alice", CAPS)
        self.read(ta)
        batch = self.messages(self.send(alice, ta, *self.batch("PRIVMSG ", "PRIVMSG ")))
        lone = self.messages(self.send(alice, ta, "PRIVMSG #lobby : "))
        self.assertEqual(
            [(m.command, m.params[1:]) for m in batch],
            [("404", ["#lobby", "Message not delivered: empty message"])],
        )
        self.assertEqual(batch, lone)
        formatting = self.messages(self.send(alice, ta, "PRIVMSG #lobby :\x02\x02"))
        self.assertEqual(formatting, lone)  # formatting alone shows nothing either
        for empty in ("\x01ACTION\x01", "\x01ACTION \x02\x02\x01"):  # nor an action without words
            self.assertEqual(self.messages(self.send(alice, ta, f"PRIVMSG #lobby :{empty}")), lone)
        self.assertEqual(self.heard(), [])


class LabelTests(MultilineTestCase):
    def test_echoLabelled(self) -> None:
        """
        The label of the opening C{BATCH} is on the start of the echo's
        batch, only there.
        """
        alice, ta = self.member("alice", CAPS)
        self.read(ta)
        lines = self.batch("PRIVMSG a", "PRIVMSG b", opening="@label=L1 ")
        start, *inner, end = self.messages(self.send(alice, ta, *lines))
        self.assertEqual((start.command, start.tags["label"]), ("BATCH", "L1"))
        self.assertEqual([m.params[1] for m in inner], ["a", "b"])
        self.assertTrue(all("label" not in m.tags for m in [*inner, end]))

    def test_ackWithoutEcho(self) -> None:
        """
        Without C{echo-message}, the labelled batch is answered by one
        C{ACK} with the label, at its end.
        """
        alice, ta = self.member("alice", "batch draft/multiline labeled-response")
        self.read(ta)
        lines = self.batch("PRIVMSG a", "PRIVMSG b", opening="@label=L2 ")
        self.assertEqual(self.send(alice, ta, *lines[:-1]), "")
        [ack] = self.messages(self.send(alice, ta, lines[-1]))
        self.assertEqual((ack.command, ack.tags), ("ACK", {"label": "L2"}))

    def test_linesNotAnsweredOneByOne(self) -> None:
        """
        A label on a line inside the batch (which clients should not send)
        is not answered with an C{ACK} of its own: only the batch is.
        """
        alice, ta = self.member("alice", "batch draft/multiline labeled-response")
        self.read(ta)
        lines = self.batch("PRIVMSG a", "label=in|PRIVMSG b", opening="@label=out ")
        [ack] = self.messages(self.send(alice, ta, *lines))
        self.assertEqual((ack.command, ack.tags), ("ACK", {"label": "out"}))

    def test_failLabelled(self) -> None:
        """
        A refusal of a labelled batch carries the label.
        """
        alice, ta = self.member("alice", CAPS)
        self.read(ta)
        lines = self.batch("PRIVMSG a", "NOTICE b", opening="@label=L3 ")
        [fail] = self.messages(self.send(alice, ta, *lines))
        self.assertEqual((fail.command, fail.tags.get("label")), ("FAIL", "L3"))


class OutboundTests(MultilineTestCase):
    def relayed(self, caps: str) -> tuple[list[Message], list[Message]]:
        """
        Alice's batch C{hello}, blank, C{#how is } + C{everyone?} as alice's
        echo and as bob (with C{caps}) sees it.
        """
        alice, ta = self.member("alice", CAPS + " account-tag")
        bob, tb = self.member("bob", caps)
        self.read(ta)
        self.read(tb)
        lines = self.batch(
            "PRIVMSG hello", "PRIVMSG ", "PRIVMSG #how is ", f"{CONCAT}|PRIVMSG everyone?"
        )
        echo = self.messages(self.send(alice, ta, *lines))
        return echo, self.messages(self.read(tb))

    def test_oneBatch(self) -> None:
        """
        A client with the capability gets one C{draft/multiline} batch, its
        C{msgid} and C{time} on the C{BATCH} start from the sender, the
        lines (blank ones too) as sent, with only the batch and concat
        tags, its end from the same source as its start; the echo is the
        same.
        """
        echo, relay = self.relayed(CAPS)
        for lines in (echo, relay):
            start, *inner, end = lines
            reference = start.params[0][1:]
            self.assertEqual(start.params, ["+" + reference, "draft/multiline", "#lobby"])
            self.assertEqual(start.prefix, f"alice!alice@{self.guestHost}")
            self.assertEqual(set(start.tags), {"msgid", "time"})
            self.assertEqual((end.command, end.params), ("BATCH", ["-" + reference]))
            self.assertEqual(end.prefix, f"alice!alice@{self.guestHost}")
            self.assertEqual(
                [m.params for m in inner],
                [["#lobby", t] for t in ("hello", "", "#how is ", "everyone?")],
            )
            tags = [m.tags for m in inner]
            self.assertEqual(tags[:3], [{"batch": reference}] * 3)
            self.assertEqual(tags[3], {"batch": reference, CONCAT: ""})
        self.assertEqual(echo[0].tags, relay[0].tags)

    def test_fallback(self) -> None:
        """
        A client without the capability gets the lines as separate
        C{PRIVMSG}s as composed, without blank lines or concat tags, the
        C{msgid} on the first only and the C{time} on each.
        """
        echo, relay = self.relayed(FALLBACK)
        self.assertEqual([m.command for m in relay], ["PRIVMSG"] * 3)
        self.assertEqual([m.params[1] for m in relay], ["hello", "#how is ", "everyone?"])
        self.assertEqual(relay[0].tags["msgid"], echo[0].tags["msgid"])
        self.assertEqual([set(m.tags) for m in relay[1:]], [{"time"}] * 2)
        self.assertTrue(all(m.tags["time"] == echo[0].tags["time"] for m in relay))

    def test_clientTagsOnBatchStart(self) -> None:
        """
        Client-only tags of the opening C{BATCH} go on the relayed batch's
        start (and on each fallback line).
        """
        alice, ta = self.member("alice", CAPS)
        bob, tb = self.member("bob", CAPS)
        carol, tc = self.member("carol", FALLBACK)
        self.read(tb)
        self.read(tc)
        lines = self.batch("PRIVMSG a", "PRIVMSG b", opening="@+draft/reply=x1 ")
        self.send(alice, ta, *lines)
        start = self.messages(self.read(tb))[0]
        self.assertEqual(start.tags.get("+draft/reply"), "x1")
        self.assertEqual(
            [m.tags.get("+draft/reply") for m in self.messages(self.read(tc))], ["x1", "x1"]
        )

    def test_fromTchat(self) -> None:
        """
        A multi-line message from another front-end reaches a client with
        the capability as one batch (a line too long for IRC cut with
        C{draft/multiline-concat}), others as separate lines; a one-line
        message is one C{PRIVMSG} for both.
        """
        alice, ta = self.member("alice", CAPS)
        carol, tc = self.member("carol", FALLBACK)
        self.read(ta)
        self.read(tc)
        long = "word " * 150
        self.service.say(self.tom, "lobby", ("first", long, "", "last"))
        start, *inner, end = self.messages(self.read(ta))
        self.assertEqual(
            (start.command, start.params[1:]), ("BATCH", ["draft/multiline", "#lobby"])
        )
        self.assertEqual(start.prefix, f"tom!tom@{self.guestHost}")
        texts = [m.params[1] for m in inner]
        self.assertEqual(texts[0], "first")
        self.assertEqual(texts[-2:], ["", "last"])
        self.assertEqual("".join(texts[1:-2]), long)
        concat = [CONCAT in m.tags for m in inner]
        self.assertEqual(concat, [False, False] + [True] * (len(inner) - 4) + [False, False])
        self.assertEqual((end.params, end.prefix), (["-" + start.params[0][1:]], start.prefix))
        fallback = self.messages(self.read(tc))
        self.assertEqual([m.params[1] for m in fallback][0], "first")
        self.assertEqual([m.params[1] for m in fallback][-1], "last")
        self.assertNotIn("", [m.params[1] for m in fallback])
        self.service.say(self.tom, "lobby", ("one line",))
        for transport in (ta, tc):
            [line] = self.messages(self.read(transport))
            self.assertEqual((line.command, line.params), ("PRIVMSG", ["#lobby", "one line"]))

    def test_privateFromTchat(self) -> None:
        """
        A multi-line private message from another front-end is one batch
        addressed to the recipient.
        """
        alice, ta = self.connect("alice", CAPS)
        self.service.tell(self.tom, "alice", ("a", "b"))
        start, first, second, end = self.messages(self.read(ta))
        self.assertEqual(start.params[1:], ["draft/multiline", "alice"])
        self.assertEqual([first.params, second.params], [["alice", "a"], ["alice", "b"]])


class HistoryTests(IRCStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        self.service.say(bob, "Blabla", ("past one", "past two"))
        self.clock.advance(1)
        self.service.say(bob, "Blabla", ("single",))
        self.clock.advance(1)

    def history(self, caps: str, *lines: str) -> list[Message]:
        proto, t = self.client()
        self.send(proto, t, f"CAP REQ :{caps}", "NICK carol", "USER c 0 * :C", "CAP END")
        replies = self.send(proto, t, *lines)
        return [m for m in replies if m.command in ("BATCH", "PRIVMSG")]

    def assertNested(self, history: list[Message]) -> None:
        """
        C{history} is a C{chathistory} batch holding the two-line message
        as a C{draft/multiline} batch (its C{msgid} and C{time} on the
        inner start), then the one-line message as a C{PRIVMSG}.
        """
        shape = ["BATCH", "BATCH", "PRIVMSG", "PRIVMSG", "BATCH", "PRIVMSG", "BATCH"]
        self.assertEqual([m.command for m in history], shape)
        outer = history[0].params[0][1:]
        self.assertEqual(history[0].params[1:], ["chathistory", "#Blabla"])
        start = history[1]
        inner = start.params[0][1:]
        self.assertEqual(start.params[1:], ["draft/multiline", "#Blabla"])
        bobHost = self.service.people.hosts.cloak("10.0.0.1")  # as bob's live lines showed
        self.assertEqual((start.tags["batch"], start.prefix), (outer, f"bob!bob@{bobHost}"))
        self.assertIn("time", start.tags)
        self.assertIn("msgid", start.tags)
        self.assertEqual([m.tags for m in history[2:4]], [{"batch": inner}] * 2)
        self.assertEqual([m.params[1] for m in history[2:4]], ["past one", "past two"])
        self.assertEqual((history[4].params, history[4].tags), (["-" + inner], {"batch": outer}))
        self.assertEqual((history[5].params[1], history[5].tags["batch"]), ("single", outer))
        self.assertEqual(history[6].params, ["-" + outer])

    def test_chathistoryNested(self) -> None:
        """
        C{CHATHISTORY} gives a client with C{draft/multiline} a multi-line
        message as a multiline batch nested in the C{chathistory} batch.
        """
        caps = "batch server-time message-tags draft/chathistory draft/multiline"
        self.assertNested(self.history(caps, "JOIN #Blabla", "CHATHISTORY LATEST #Blabla * 10"))

    def test_joinHistoryNested(self) -> None:
        """
        The past offered on C{JOIN} (C{batch} and C{server-time}) is nested
        the same way.
        """
        caps = "batch server-time message-tags draft/multiline"
        self.assertNested(self.history(caps, "JOIN #Blabla"))

    def test_historyFallback(self) -> None:
        """
        Without C{draft/multiline}, history shows the lines as separate
        C{PRIVMSG}s in the C{chathistory} batch, the C{msgid} on the first.
        """
        caps = "batch server-time message-tags draft/chathistory"
        history = self.history(caps, "JOIN #Blabla", "CHATHISTORY LATEST #Blabla * 10")
        self.assertEqual(
            [m.command for m in history], ["BATCH", "PRIVMSG", "PRIVMSG", "PRIVMSG", "BATCH"]
        )
        outer = history[0].params[0][1:]
        self.assertTrue(all(m.tags["batch"] == outer for m in history[1:4]))
        self.assertEqual(["msgid" in m.tags for m in history[1:4]], [True, False, True])


class FloodTests(MultilineTestCase):
    def test_eachLineCounted(self) -> None:
        """
        A batch's every line takes from the flood limit (C{--irc-flood-burst}
        40, C{--irc-flood-rate} 5): a 60-line message is 62 lines, its last
        22 read at the rate, and it reaches the room once they are.
        """
        self.factory.floodBurst, self.factory.floodRate = 40, 5.0
        proto, t = self.member("alice", CAPS)
        self.clock.advance(10)  # the allowance full again
        self.send(proto, t, *self.batch(*(f"PRIVMSG line {n}" for n in range(60))))
        for _ in range(42):  # 4.2 s: 21 lines more
            self.clock.advance(0.1)
        self.assertEqual(self.heard(), [])
        for _ in range(3):
            self.clock.advance(0.1)
        [message] = self.heard()
        self.assertEqual(len(message.lines), 60)
