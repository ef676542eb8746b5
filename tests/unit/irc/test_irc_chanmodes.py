"""
Tests for channel keys (C{+k}), ban lists (C{+b}), secret channels
(C{+s}) and grouped MODE lines in L{chatd.irc}, in memory.
"""

from __future__ import annotations

from chatd.core import errors
from chatd.core.events import RoomChange
from chatd.irc.isupport import isupportTokens
from tests.support.protocolcases import ChannelTestCase

#: The text of the C{400} for a change beyond a MODE line's four.
NOT_MADE = (
    "{} not made: at most 4 changes with a parameter per MODE (ISUPPORT MODES=4); send it again"
)


class ModesTestCase(ChannelTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.service.maxGroupSize = None  # no +l in 324


class KeyTests(ModesTestCase):
    def test_joinWithKey(self) -> None:
        """
        A channel with C{+k} refuses JOIN without its key or with a wrong
        one (475); with it, the client joins.  Members see the key in MODE
        and 324, others C{*}.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den")
        reply = self.messages(self.send(alice, ta, "MODE #den +k beer"))
        self.assertEqual([(m.command, m.params) for m in reply], [("MODE", ["#den", "+k", "beer"])])
        bob, tb = self.connect("bob")
        for line in ["JOIN #den", "JOIN #den bees"]:
            [refusal] = self.messages(self.send(bob, tb, line))
            self.assertEqual((refusal.command, refusal.params[:2]), ("475", ["bob", "#den"]))
        self.assertEqual(
            self.messages(self.send(bob, tb, "MODE #den"))[0].params[2:], ["+ntk", "*"]
        )
        self.assertEqual(self.numerics(self.send(bob, tb, "JOIN #den beer"))[0], "JOIN")
        self.assertEqual(
            self.messages(self.send(bob, tb, "MODE #den"))[0].params[2:], ["+ntk", "beer"]
        )

    def test_joinKeys(self) -> None:
        """
        C{JOIN #a,#b k1,k2} gives each channel its key; channels past the
        keys are joined without one.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #one,#two,#three", "MODE #one +k k1", "MODE #two +k k2")
        bob, tb = self.connect("bob")
        reply = self.messages(self.send(bob, tb, "JOIN #one,#two,#three k1,k2"))
        self.assertEqual(
            [m.params[0] for m in reply if m.command == "JOIN"], ["#one", "#two", "#three"]
        )
        carol, tc = self.connect("carol")
        reply = self.messages(self.send(carol, tc, "JOIN #one,#two,#three k1"))
        self.assertEqual(
            [
                (m.command, m.params[-2] if m.command == "475" else m.params[0])
                for m in reply
                if m.command in ("JOIN", "475")
            ],
            [("JOIN", "#one"), ("475", "#two"), ("JOIN", "#three")],
        )

    def test_keyValidationAndRemoval(self) -> None:
        """
        An invalid key is 696 naming C{k} and C{*}; C{-k} clears the key
        (shown as C{-k *}), with or without an argument.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den")
        for key in [":two words", ":", "x" * 24]:
            [refusal] = self.messages(self.send(alice, ta, f"MODE #den +k {key}"))
            self.assertEqual(
                (refusal.command, refusal.params[:4]), ("696", ["alice", "#den", "k", "*"])
            )
        self.send(alice, ta, "MODE #den +k sesame")
        reply = self.messages(self.send(alice, ta, "MODE #den -k"))
        self.assertEqual(reply[0].params, ["#den", "-k", "*"])
        self.assertEqual(self.send(alice, ta, "MODE #den -k whatever"), "")
        self.assertIsNone(self.service.roomKey("den"))

    def test_otherProtocolsSeeKeyChange(self) -> None:
        """
        A member on another protocol is told of the key as a notice.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den")
        bob = self.other("bob", room="den")
        self.send(alice, ta, "MODE #den +k sesame")
        change = bob.events[-1]
        assert isinstance(change, RoomChange)
        self.assertEqual(change.text, "alice set mode +k sesame on den")


class BanTests(ModesTestCase):
    def test_ban(self) -> None:
        """
        C{+b mask} keeps matching clients out (474) until C{-b}; the list
        is 367 lines (mask, setter, time) and 368, for C{MODE #c b} and
        C{MODE #c +b}.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den")
        reply = self.messages(self.send(alice, ta, "MODE #den +b bar!*@*"))
        self.assertEqual(reply[0].params, ["#den", "+b", "bar!*@*"])
        bar, tb = self.connect("Bar")
        [refusal] = self.messages(self.send(bar, tb, "JOIN #den"))
        self.assertEqual((refusal.command, refusal.params[1]), ("474", "#den"))
        for query in ["MODE #den b", "MODE #den +b"]:
            listed = self.messages(self.send(alice, ta, query))
            self.assertEqual(
                [(m.command, m.params[1:]) for m in listed],
                [
                    ("367", ["#den", "bar!*@*", "alice", "1700000000"]),
                    ("368", ["#den", "End of channel ban list"]),
                ],
            )
        self.assertEqual(self.numerics(self.send(bar, tb, "MODE #den +b x")), ["482"])
        self.assertEqual(self.numerics(self.send(alice, ta, "MODE #den -b BAR")), ["MODE"])
        self.assertEqual(self.numerics(self.send(bar, tb, "JOIN #den"))[0], "JOIN")

    def test_bannedMemberCannotSpeak(self) -> None:
        """
        A member who matches a ban gets 404 for PRIVMSG to the channel, as
        a TCHAT user matched by the host IRC shows for it is silenced too.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den")
        bob, tb = self.connect("bob")
        self.send(bob, tb, "JOIN #den")
        self.read(tb)
        carol = self.other("carol", room=None)
        self.service.enter(carol, "den")
        self.send(alice, ta, f"MODE #den +bb bob *!*@{self.guestHost}")
        self.read(tb)
        self.assertEqual(self.numerics(self.send(bob, tb, "PRIVMSG #den :hi")), ["404"])
        self.assertEqual(self.numerics(self.send(bob, tb, "NOTICE #den :hi")), [])
        self.assertRaises(errors.BannedFromRoom, self.service.say, carol, "den", ("hi",))

    def test_listFull(self) -> None:
        """
        Past 50 masks, C{+b} is 478.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den")
        self.send(alice, ta, *[f"MODE #den +bbbb a{n}x b{n}x c{n}x d{n}x" for n in range(13)])
        self.assertEqual(len(self.service.roomBans("den")), 50)
        self.assertEqual(self.numerics(self.send(alice, ta, "MODE #den +b last")), ["478"])


class SecretTests(ModesTestCase):
    def test_secret(self) -> None:
        """
        A C{+s} channel is listed (LIST, WHOIS) only to its members, and
        its NAMES reply has the C{@} symbol.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den", "MODE #den +s")
        names = self.messages(self.send(alice, ta, "NAMES #den"))
        self.assertEqual(names[0].params[:3], ["alice", "@", "#den"])
        listed = [
            m.params[1] for m in self.messages(self.send(alice, ta, "LIST")) if m.command == "322"
        ]
        self.assertEqual(listed, ["#den"])
        bob, tb = self.connect("bob")
        self.send(bob, tb, "JOIN #lobby")
        listed = [
            m.params[1] for m in self.messages(self.send(bob, tb, "LIST")) if m.command == "322"
        ]
        self.assertEqual(listed, ["#lobby"])
        self.assertEqual(self.numerics(self.send(bob, tb, "LIST #den")), ["321", "323"])
        whois = self.messages(self.send(bob, tb, "WHOIS alice"))
        self.assertNotIn("319", [m.command for m in whois])
        self.send(bob, tb, "JOIN #den")
        whois = self.messages(self.send(bob, tb, "WHOIS alice"))
        self.assertEqual([m.params[-1] for m in whois if m.command == "319"], ["@#den"])

    def test_secretToOthers(self) -> None:
        """
        To a non-member a C{+s} channel does not exist: C{MODE}, C{TOPIC},
        C{KICK} and C{INVITE} are answered C{403}, as InspIRCd answers,
        not with its modes, creation time or topic; a member, a chatd
        operator, is answered.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #s1", "MODE #s1 +s", "TOPIC #s1 :plans")
        carol, tc = self.connect("carol")
        for line in ["MODE #s1", "MODE #s1 b", "TOPIC #s1", "TOPIC #s1 :mine", "KICK #s1 alice"]:
            [reply] = self.messages(self.send(carol, tc, line))
            self.assertEqual((reply.command, reply.params[:2]), ("403", ["carol", "#s1"]), line)
        [reply] = self.messages(self.send(carol, tc, "INVITE alice #s1"))
        self.assertEqual(reply.command, "403")
        self.assertEqual(self.numerics(self.send(alice, ta, "MODE #s1")), ["324", "329"])
        self.assertEqual(self.numerics(self.send(alice, ta, "TOPIC #s1")), ["332", "333"])
        self.makeOperator("carol")
        self.assertEqual(self.numerics(self.send(carol, tc, "MODE #s1")), ["324", "329"])


class GroupedModeTests(ModesTestCase):
    def test_oneModeLine(self) -> None:
        """
        C{MODE #c -int} is answered, and shown to every member, as one MODE
        line; 324 then shows C{+}.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den", "MODE #den +i")
        bob = self.other("bob", room=None)
        self.service.invite(alice.participant, "bob", "den")
        self.service.enter(bob, "den")
        self.read(ta)
        reply = self.messages(self.send(alice, ta, "MODE #den -int"))
        self.assertEqual([(m.command, m.params) for m in reply], [("MODE", ["#den", "-int"])])
        self.assertEqual(self.messages(self.send(alice, ta, "MODE #den"))[0].params[2:], ["+"])
        changes = [e.text for e in bob.events if isinstance(e, RoomChange)]
        self.assertEqual(changes, ["alice set mode -int on den"])

    def test_groupsAsWords(self) -> None:
        """
        Mode groups written as words of their own (C{MODE #c +m -b mask},
        RFC 2812's grammar) are all made, in one MODE line: a word after
        the arguments a group took is another group, as ngIRCd reads it.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den", "MODE #den +b tom")
        reply = self.messages(self.send(alice, ta, "MODE #den +m -b tom"))
        self.assertEqual(
            [(m.command, m.params) for m in reply], [("MODE", ["#den", "+m-b", "tom!*@*"])]
        )
        self.assertEqual(self.numerics(self.send(alice, ta, "MODE #den b")), ["368"])
        reply = self.messages(self.send(alice, ta, "MODE #den +k beer -m +b sam -t"))
        self.assertEqual(
            [(m.command, m.params) for m in reply],
            [("MODE", ["#den", "+k-m+b-t", "beer", "sam!*@*"])],
        )
        reply = self.messages(self.send(alice, ta, "MODE #den -k * b"))
        self.assertEqual(
            [(m.command, m.params[1:]) for m in reply],
            [
                ("367", ["#den", "sam!*@*", "alice", "1700000000"]),
                ("368", ["#den", "End of channel ban list"]),
                ("MODE", ["-k", "*"]),
            ],
        )

    def test_refusalsAndLimit(self) -> None:
        """
        Refused changes get their numerics while the others are made in
        one line; at most four changes with a parameter of a MODE are made
        (ISUPPORT C{MODES=4}), and any number of flags (L{test_beyondModes}).
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den")
        reply = self.messages(self.send(alice, ta, "MODE #den +mo-t+l nobody 0"))
        self.assertEqual(
            [(m.command, m.params[1:]) for m in reply],
            [
                ("401", ["nobody", "No such nick/channel"]),
                ("MODE", ["+m-t"]),
                ("696", ["#den", "l", "0", "a room's capacity is a whole number above 0"]),
            ],
        )
        reply = self.messages(self.send(alice, ta, "MODE #den +imtl 10"))
        self.assertEqual(reply[0].params, ["#den", "+itl", "10"])  # +m was set already

    def test_beyondModes(self) -> None:
        """
        C{MODE #c +sbbbbb a b c d e}: the flag and the first four bans are
        made in one MODE line (ISUPPORT C{MODES=4}, as InspIRCd makes its
        first C{MODES}); the fifth is not, and is named in a C{400} (never
        dropped without a word, as ngIRCd and InspIRCd drop it), so that the
        client sends it again, which makes it.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den")
        reply = self.messages(self.send(alice, ta, "MODE #den +sbbbbb a b c d e"))
        masks = ["a!*@*", "b!*@*", "c!*@*", "d!*@*"]
        self.assertEqual(
            [(m.command, m.params[1:]) for m in reply],
            [
                ("400", ["MODE", NOT_MADE.format("#den +b e")]),
                ("MODE", ["+sbbbb", *masks]),
            ],
        )
        listed = self.messages(self.send(alice, ta, "MODE #den b"))
        self.assertEqual([m.params[2] for m in listed if m.command == "367"], masks)
        reply = self.messages(self.send(alice, ta, "MODE #den +lkbbbb 5 beer w x y z"))
        self.assertEqual(
            [(m.command, m.params[1:]) for m in reply],
            [
                ("400", ["MODE", NOT_MADE.format("#den +b y")]),
                ("400", ["MODE", NOT_MADE.format("#den +b z")]),
                ("MODE", ["+lkbb", "5", "beer", "w!*@*", "x!*@*"]),
            ],
        )
        reply = self.messages(self.send(alice, ta, "MODE #den +bb y z"))
        self.assertEqual(
            [(m.command, m.params[1:]) for m in reply], [("MODE", ["+bb", "y!*@*", "z!*@*"])]
        )


class ExceptionListTests(ModesTestCase):
    def test_banExceptionList(self) -> None:
        """
        C{+e} lets a matching client join a channel its ban masks close;
        C{MODE #c e} lists the exceptions as 348 lines and 349.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den")
        reply = self.messages(self.send(alice, ta, "MODE #den +be *!*@* bob"))
        self.assertEqual(reply[0].params, ["#den", "+be", "*!*@*", "bob!*@*"])
        bob, tb = self.connect("bob")
        self.assertEqual(self.numerics(self.send(bob, tb, "JOIN #den"))[0], "JOIN")
        carol, tc = self.connect("carol")
        self.assertEqual(self.numerics(self.send(carol, tc, "JOIN #den")), ["474"])
        self.read(ta)  # bob's JOIN
        listed = self.messages(self.send(alice, ta, "MODE #den e"))
        self.assertEqual(
            [(m.command, m.params[1:]) for m in listed],
            [
                ("348", ["#den", "bob!*@*", "alice", "1700000000"]),
                ("349", ["#den", "End of channel exception list"]),
            ],
        )

    def test_inviteExceptionList(self) -> None:
        """
        C{+I} lets a matching client into a C{+i} channel (others get 473);
        C{MODE #c I} lists it as 346 and 347; the ISUPPORT tokens say so.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den")
        self.send(alice, ta, "MODE #den +iI bob")
        bob, tb = self.connect("bob")
        self.assertEqual(self.numerics(self.send(bob, tb, "JOIN #den"))[0], "JOIN")
        carol, tc = self.connect("carol")
        self.assertEqual(self.numerics(self.send(carol, tc, "JOIN #den")), ["473"])
        self.read(ta)  # bob's JOIN
        self.assertEqual(
            [m.command for m in self.messages(self.send(alice, ta, "MODE #den I"))],
            ["346", "347"],
        )
        tokens = isupportTokens(self.factory)
        for token in ("CHANMODES=beI,k,l,imnst", "EXCEPTS=e", "INVEX=I", "MAXLIST=b:50,e:50,I:50"):
            self.assertIn(token, tokens)
