# -*- test-case-name: tests.unit.irc.test_irc_redact -*-
"""
IRC's C{draft/message-redaction} (L{chatd.irc.redact}): the capability,
C{REDACT} by the author, a channel operator or a chatd operator, the
C{REDACT} line to every connection with the capability (none to the
others), C{FAIL REDACT} for each refusal, and chathistory without the
deleted message.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from tests.support.ircstorecase import IRCStoreTestCase

CAPS = "CAP REQ :draft/message-redaction message-tags batch server-time draft/chathistory"


class RedactTests(IRCStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alice, self.ta = self.join("alice", CAPS, "PASS sesame")
        self.bob, self.tb = self.join("bob", CAPS)
        self.carol, self.tc = self.join("carol", "CAP REQ :message-tags")
        self.msgid = self.said(self.alice, self.ta, "PRIVMSG #Blabla :picnic on Sunday")

    def join(self, nick: str, *first: str) -> tuple[IRCProtocol, StringTransport]:
        proto, transport = self.client()
        self.send(
            proto,
            transport,
            "CAP LS 302",
            *first,
            f"NICK {nick}",
            "USER u 0 * :U",
            "CAP END",
            "JOIN #Blabla",
        )
        return proto, transport

    def said(self, proto: IRCProtocol, transport: StringTransport, line: str) -> str:
        """
        Send C{line}; the msgid carol (message-tags) sees it with.
        """
        self.send(proto, transport, line)
        [seen] = [m for m in self.send(self.carol, self.tc) if m.command == "PRIVMSG"]
        return seen.tags["msgid"]

    def redacts(self, messages: list[Message]) -> list[tuple[str | None, list[str]]]:
        return [(m.prefix, m.params) for m in messages if m.command in ("REDACT", "FAIL")]

    def history(self) -> list[str]:
        got = self.send(self.bob, self.tb, "CHATHISTORY LATEST #Blabla * 10")
        return [m.tags["msgid"] for m in got if m.command == "PRIVMSG"]

    def test_capOffered(self) -> None:
        proto, t = self.client()
        offered = self.send(proto, t, "CAP LS 302")[0].params[-1].split()
        self.assertIn("draft/message-redaction", offered)

    def test_authorRedacts(self) -> None:
        """
        The author's REDACT reaches every connection with the capability
        (its own included), with the reason; carol, without it, hears
        nothing; chathistory no longer has the message.
        """
        self.assertIn(self.msgid, self.history())
        mine = self.send(self.alice, self.ta, f"REDACT #Blabla {self.msgid} :wrong day")
        [(prefix, params)] = self.redacts(mine)  # its own echo: the confirmation
        self.assertEqual(params, ["#Blabla", self.msgid, "wrong day"])
        self.assertTrue(prefix and prefix.startswith("alice!"))
        [told] = [m for m in self.send(self.bob, self.tb) if m.command == "REDACT"]
        self.assertEqual(told.params, ["#Blabla", self.msgid, "wrong day"])
        self.assertTrue(told.prefix and told.prefix.startswith("alice!"))
        self.assertIn("time", told.tags)
        self.assertEqual(self.send(self.carol, self.tc), [])
        self.assertNotIn(self.msgid, self.history())

    def test_mutedReasonHeardByNobody(self) -> None:
        """
        A muted author may still delete their message, but the reason
        reaches nobody, as a muted person's reasons for leaving do.
        """
        self.service.moderation.mute("alice", 600, "", "root")
        mine = self.send(self.alice, self.ta, f"REDACT #Blabla {self.msgid} :you are all idiots")
        self.assertEqual(self.redacts(mine)[0][1], ["#Blabla", self.msgid])
        [told] = [m for m in self.send(self.bob, self.tb) if m.command == "REDACT"]
        self.assertEqual(told.params, ["#Blabla", self.msgid])
        self.assertNotIn(self.msgid, self.history())

    def test_timeToTheMillisecond(self) -> None:
        """
        The C{REDACT} line's time is to the millisecond, as messages' are.
        """
        self.clock.advance(0.25)
        self.send(self.alice, self.ta, f"REDACT #Blabla {self.msgid}")
        [told] = [m for m in self.send(self.bob, self.tb) if m.command == "REDACT"]
        self.assertEqual(told.tags["time"], "2023-11-14T22:13:20.250Z")

    def test_labelledEcho(self) -> None:
        """
        With C{labeled-response}, the author's own C{REDACT} line is the
        labelled reply; the others' lines carry no label.
        """
        self.send(self.alice, self.ta, "CAP REQ :labeled-response")
        [echo] = self.send(self.alice, self.ta, f"@label=d1 REDACT #Blabla {self.msgid}")
        self.assertEqual((echo.command, echo.tags.get("label")), ("REDACT", "d1"))
        [told] = [m for m in self.send(self.bob, self.tb) if m.command == "REDACT"]
        self.assertNotIn("label", told.tags)

    def test_noReason(self) -> None:
        """
        Without a reason, the line has two parameters.
        """
        self.send(self.alice, self.ta, f"REDACT #Blabla {self.msgid}")
        [told] = [m for m in self.send(self.bob, self.tb) if m.command == "REDACT"]
        self.assertEqual(told.params, ["#Blabla", self.msgid])

    def test_forbidden(self) -> None:
        """
        bob may not delete alice's message: C{REDACT_FORBIDDEN}, nobody
        told, the message still in history.
        """
        got = self.send(self.bob, self.tb, f"REDACT #Blabla {self.msgid} :mine now")
        self.assertEqual(
            [a[:4] for _, a in self.redacts(got)],
            [["REDACT", "REDACT_FORBIDDEN", "#Blabla", self.msgid]],
        )
        self.assertEqual(self.redacts(self.send(self.alice, self.ta)), [])
        self.assertIn(self.msgid, self.history())

    def test_channelOperator(self) -> None:
        """
        Once a channel operator, bob may.
        """
        self.service.giveRoomOperator("Blabla", "bob", "root")
        self.send(self.bob, self.tb)
        got = self.send(self.bob, self.tb, f"REDACT #Blabla {self.msgid}")
        self.assertEqual([a for _, a in self.redacts(got)], [["#Blabla", self.msgid]])
        self.assertNotIn(self.msgid, self.history())

    def test_unknownAndTwice(self) -> None:
        """
        An unknown msgid, and a message already deleted, are C{UNKNOWN_MSGID}.
        """
        got = self.send(self.alice, self.ta, "REDACT #Blabla nope")
        self.assertEqual(
            [a[:4] for _, a in self.redacts(got)],
            [["REDACT", "UNKNOWN_MSGID", "#Blabla", "nope"]],
        )
        self.send(self.alice, self.ta, f"REDACT #Blabla {self.msgid}")
        again = self.send(self.alice, self.ta, f"REDACT #Blabla {self.msgid}")
        self.assertEqual(
            [a[:4] for _, a in self.redacts(again)],
            [["REDACT", "UNKNOWN_MSGID", "#Blabla", self.msgid]],
        )

    def test_otherChannel(self) -> None:
        """
        The msgid of another channel's message is unknown in this one.
        """
        self.send(self.alice, self.ta, "JOIN #Jeux")
        self.send(self.carol, self.tc, "JOIN #Jeux")
        other = self.said(self.alice, self.ta, "PRIVMSG #Jeux :chess")
        got = self.send(self.alice, self.ta, f"REDACT #Blabla {other}")
        self.assertEqual([a[1] for _, a in self.redacts(got)], ["UNKNOWN_MSGID"])

    def test_invalidTarget(self) -> None:
        """
        A channel that does not exist, or that one is not in, is
        C{INVALID_TARGET}.
        """
        for target in ("#Nowhere", "#Jeux"):
            if target == "#Jeux":
                self.send(self.carol, self.tc, "JOIN #Jeux")
            got = self.send(self.bob, self.tb, f"REDACT {target} {self.msgid}")
            self.assertEqual(
                [a[:3] for _, a in self.redacts(got)], [["REDACT", "INVALID_TARGET", target]]
            )

    def test_needMoreParams(self) -> None:
        got = self.send(self.alice, self.ta, "REDACT #Blabla")
        self.assertEqual(self.codes(got), ["461"])

    def test_private(self) -> None:
        """
        A private message: its recipient may not delete it; its sender
        may, and both see the REDACT with the recipient as its target.
        """
        self.send(self.alice, self.ta, "PRIVMSG bob :secret")
        got = self.send(self.bob, self.tb)
        [pm] = [m for m in got if m.command == "PRIVMSG" and m.params[0] == "bob"]
        msgid = pm.tags["msgid"]
        refused = self.send(self.bob, self.tb, f"REDACT alice {msgid}")
        self.assertEqual([a[1] for _, a in self.redacts(refused)], ["REDACT_FORBIDDEN"])
        stranger = self.send(self.carol, self.tc, f"REDACT bob {msgid}")
        self.assertEqual([a[1] for _, a in self.redacts(stranger)], ["UNKNOWN_MSGID"])
        mine = self.send(self.alice, self.ta, f"REDACT bob {msgid}")
        self.assertEqual([a for _, a in self.redacts(mine)], [["bob", msgid]])
        [told] = [m for m in self.send(self.bob, self.tb) if m.command == "REDACT"]
        self.assertEqual(told.params, ["bob", msgid])
