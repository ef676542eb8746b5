"""
Tests for L{chatd.irc.channels} and L{chatd.irc.modes}: channels are the
service's rooms, shared with every other protocol.
"""

from __future__ import annotations

from typing import Any

from chatd.core.events import Membership, PrivateMessage, RoomMessage
from chatd.core.interfaces import IParticipant
from chatd.core.text import InvalidText
from tests.support.protocolcases import ChannelTestCase


class JoinPartTests(ChannelTestCase):
    def test_join(self) -> None:
        """
        JOIN enters the room: the client sees its JOIN and NAMES (operators
        marked C{@}), the members on other protocols are told.
        """
        bob = self.other("bob")
        self.other("moder")
        self.makeOperator("moder")
        proto, t = self.connect("alice")
        messages = self.messages(self.send(proto, t, "JOIN #LOBBY"))
        self.assertEqual(
            [(m.prefix, m.command, m.params) for m in messages],
            [
                (f"alice!alice@{self.guestHost}", "JOIN", ["#lobby"]),
                ("chatd", "353", ["alice", "=", "#lobby", "bob @moder alice"]),
                ("chatd", "366", ["alice", "#lobby", "End of /NAMES list."]),
            ],
        )
        event = bob.events[-1]
        assert isinstance(event, Membership)
        self.assertEqual((event.room, event.nick, event.joined), ("lobby", "alice", True))
        self.assertEqual(self.send(proto, t, "JOIN #lobby"), "")  # already there: nothing

    def test_joinShowsMissedRoom(self) -> None:
        """
        JOIN of a room the service already put the user in (and the client
        was not yet shown) shows it now, once.
        """
        proto, t = self.connect("alice")
        self.service.enter(proto, "lobby")
        self.assertEqual(self.numerics(self.send(proto, t, "JOIN #lobby")), ["JOIN", "353", "366"])
        self.assertEqual(self.send(proto, t, "JOIN #lobby"), "")

    def test_joinCreates(self) -> None:
        """
        Joining a channel that does not exist creates the room, as on IRC;
        several channels may be joined at once.
        """
        proto, t = self.connect("alice")
        messages = self.messages(self.send(proto, t, "JOIN #new,#Général"))
        self.assertEqual(
            [m.params[0] for m in messages if m.command == "JOIN"], ["#new", "#Général"]
        )
        self.assertEqual([name for name, _ in self.service.rooms()], ["Général", "lobby", "new"])

    def test_joinErrors(self) -> None:
        """
        A name without C{#}, with bad characters or longer than
        C{CHANNELLEN} (50, C{#} included) is 403; a full room is 471.
        """
        proto, t = self.connect("alice")
        self.assertEqual(self.numerics(self.send(proto, t, "JOIN lobby")), ["403"])
        self.assertEqual(self.numerics(self.send(proto, t, "JOIN #bad!name")), ["403"])
        self.assertEqual(self.numerics(self.send(proto, t, "JOIN #" + "x" * 50)), ["403"])
        for mark in ("\u200b", "\u2060", "\ufeff"):  # invisible: not #lobby, nor a new room
            self.assertEqual(self.numerics(self.send(proto, t, f"JOIN #lobby{mark}")), ["403"])
            self.assertEqual(self.numerics(self.send(proto, t, f"TOPIC #lobby{mark} :hi")), ["403"])
        self.assertEqual(self.service.roomsOf(proto), [])
        joined = self.numerics(self.send(proto, t, "JOIN #" + "x" * 49))
        self.assertEqual(joined[0], "JOIN")
        self.send(proto, t, "PART #" + "x" * 49)
        self.assertEqual(self.numerics(self.send(proto, t, "JOIN")), ["461"])
        for nick in ["b", "c", "d", "e"]:
            self.other(nick)
        reply = self.send(proto, t, "JOIN #lobby")
        self.assertEqual(self.messages(reply)[0].params, ["alice", "#lobby", "that room is full"])
        self.assertEqual(self.numerics(reply), ["471"])

    def test_part(self) -> None:
        """
        PART leaves: the client sees its PART (with its reason), others are
        told; not a member is 442, no such channel 403.
        """
        bob = self.other("bob")
        proto, t = self.joined("alice")
        reply = self.send(proto, t, "PART #lobby :see you")
        [message] = self.messages(reply)
        self.assertEqual((message.command, message.params), ("PART", ["#lobby", "see you"]))
        event = bob.events[-1]
        assert isinstance(event, Membership)
        self.assertEqual((event.nick, event.joined), ("alice", False))
        self.assertEqual(self.numerics(self.send(proto, t, "PART #lobby")), ["442"])
        self.assertEqual(self.numerics(self.send(proto, t, "PART #nowhere")), ["403"])
        self.assertEqual(self.numerics(self.send(proto, t, "PART")), ["461"])

    def test_joinZero(self) -> None:
        """
        C{JOIN 0} leaves every channel.
        """
        proto, t = self.joined("alice")
        self.send(proto, t, "JOIN #two")
        reply = self.send(proto, t, "JOIN 0")
        self.assertEqual([m.command for m in self.messages(reply)], ["PART", "PART"])
        self.assertEqual(self.service.roomsOf(proto), [])

    def test_othersComeAndGo(self) -> None:
        """
        Members on other protocols joining, leaving and disconnecting show
        as JOIN, PART and one QUIT (even when several rooms are shared).
        """
        proto, t = self.joined("alice")
        self.send(proto, t, "JOIN #two")
        bob = self.other("bob")
        self.service.enter(bob, "two")
        self.service.leave(bob, "two")
        self.service.enter(bob, "two")
        self.service.disconnect(bob, "connection lost")
        messages = self.messages(self.read(t))
        self.assertEqual(
            [(m.prefix, m.command, m.params) for m in messages],
            [
                (f"bob!bob@{self.guestHost}", "JOIN", ["#lobby"]),
                (f"bob!bob@{self.guestHost}", "JOIN", ["#two"]),
                (f"bob!bob@{self.guestHost}", "PART", ["#two"]),
                (f"bob!bob@{self.guestHost}", "JOIN", ["#two"]),
                (f"bob!bob@{self.guestHost}", "QUIT", ["connection lost"]),
            ],
        )


class MessageTests(ChannelTestCase):
    def test_channelBothWays(self) -> None:
        """
        PRIVMSG to a channel reaches members on other protocols with the
        sender's nickname and text intact; their messages (one PRIVMSG per
        line) reach the IRC client.
        """
        bob = self.other("bob")
        proto, t = self.joined("alice")
        self.assertEqual(self.send(proto, t, "PRIVMSG #lobby :héllo, wörld"), "")
        event = bob.events[-1]
        assert isinstance(event, RoomMessage)
        self.assertEqual(
            (event.room, event.sender, event.lines), ("lobby", "alice", ("héllo, wörld",))
        )
        self.service.say(bob, "lobby", ("line one", "line two"))
        messages = self.messages(self.read(t))
        self.assertEqual(
            [(m.prefix, m.params) for m in messages],
            [
                (f"bob!bob@{self.guestHost}", ["#lobby", "line one"]),
                (f"bob!bob@{self.guestHost}", ["#lobby", "line two"]),
            ],
        )

    def test_longLinesSplit(self) -> None:
        """
        A line too long for one IRC message is split into several, each at
        most 512 bytes, no character cut.
        """
        bob = self.other("bob")
        proto, t = self.joined("alice")
        text = "é" * 300 + "😀" * 100
        self.service.say(bob, "lobby", (text,))
        raw = self.read(t).encode()
        lines = raw.split(b"\r\n")[:-1]
        self.assertGreater(len(lines), 1)
        self.assertTrue(all(len(line) + 2 <= 512 for line in lines))
        self.assertEqual(
            "".join(self.messages(raw.decode())[i].params[1] for i in range(len(lines))), text
        )

    def test_loneSurrogate(self) -> None:
        """
        Text holding a lone surrogate (JSON allows one) is refused by the
        service; an event that holds one anyway (from another source)
        reaches IRC without it, and the fan-out goes on.
        """
        bob = self.other("bob")
        proto, t = self.joined("alice")
        self.read(t)
        self.assertRaises(InvalidText, self.service.say, bob, "lobby", ("odd \ud800 text",))
        self.assertEqual(self.read(t), "")
        proto.roomMessage(RoomMessage("lobby", "bob", ("odd \ud800 text",), 0))
        self.assertEqual(self.messages(self.read(t))[0].params, ["#lobby", "odd  text"])

    def test_serverTimeAndEcho(self) -> None:
        """
        With server-time, relayed lines carry the event's time; with
        echo-message, the sender sees its own message (said in the same
        millisecond, it is given the next: no two messages share one).
        """
        bob = self.other("bob")
        proto, t = self.joined("alice", caps="server-time echo-message")
        self.clock.advance(5)
        self.service.say(bob, "lobby", ("hi",))
        [message] = self.messages(self.read(t))
        self.assertEqual(message.tags, {"time": "2023-11-14T22:13:25.000Z"})
        [echo] = self.messages(self.send(proto, t, "PRIVMSG #lobby :back"))
        self.assertEqual(
            (echo.prefix, echo.params), (f"alice!alice@{self.guestHost}", ["#lobby", "back"])
        )
        self.assertEqual(echo.tags, {"time": "2023-11-14T22:13:25.001Z"})

    def test_serverTimeOfJoinPartRenameMode(self) -> None:
        """
        A JOIN, a MODE, a NICK and a PART carry their time to the
        millisecond, as messages do: one that follows a message in the same
        second is never stamped before it.
        """
        bob = self.other("bob")
        proto, t = self.joined("alice", caps="server-time")
        self.clock.advance(5.25)
        self.service.say(bob, "lobby", ("before",))
        self.clock.advance(0.5)
        carol = self.other("carol")
        self.service.giveRoomOperator("lobby", "bob", "root")
        self.service.changeRoomMode(bob, "lobby", True, "m")
        self.service.rename(carol, "carla")
        self.service.leave(bob, "lobby")
        times = [(m.command, m.tags["time"]) for m in self.messages(self.read(t))]
        self.assertEqual(
            times,
            [
                ("PRIVMSG", "2023-11-14T22:13:25.250Z"),
                ("JOIN", "2023-11-14T22:13:25.750Z"),
                ("MODE", "2023-11-14T22:13:25.750Z"),
                ("MODE", "2023-11-14T22:13:25.750Z"),
                ("NICK", "2023-11-14T22:13:25.750Z"),
                ("PART", "2023-11-14T22:13:25.750Z"),
            ],
        )

    def test_serverTimeOfNotices(self) -> None:
        """
        A server C{NOTICE} (an announcement, an operator's message, an
        invitation) carries its time to the millisecond too.
        """
        bob = self.other("bob")
        proto, t = self.joined("alice", caps="server-time")
        self.clock.advance(5.25)
        self.service.announce("maintenance tonight")
        self.service.createRoom(bob, "den")
        self.service.enter(bob, "den")
        self.clock.advance(0.5)
        self.service.invite(bob, "alice", "den")
        times = [(m.command, m.tags["time"]) for m in self.messages(self.read(t))]
        self.assertIn(("NOTICE", "2023-11-14T22:13:25.250Z"), times)
        self.assertEqual(times[-1], ("INVITE", "2023-11-14T22:13:25.750Z"))

    def test_private(self) -> None:
        """
        PRIVMSG to a nickname is a private message, both ways; an away
        recipient's message comes back as 301.
        """
        bob = self.other("bob", room=None)
        proto, t = self.connect("alice")
        self.send(proto, t, "PRIVMSG BOB :psst")
        event = bob.events[-1]
        assert isinstance(event, PrivateMessage)
        self.assertEqual((event.sender, event.recipient, event.lines), ("alice", "bob", ("psst",)))
        self.service.tell(bob, "alice", ("yes?",))
        [message] = self.messages(self.read(t))
        self.assertEqual(
            (message.prefix, message.params), (f"bob!bob@{self.guestHost}", ["alice", "yes?"])
        )
        carol, tc = self.connect("carol")
        self.send(carol, tc, "AWAY :lunch")
        reply = self.send(proto, t, "PRIVMSG carol :there?")
        self.assertEqual(self.messages(reply)[0].params, ["alice", "carol", "lunch"])

    def test_errors(self) -> None:
        """
        No recipient 411, no text 412, unknown nick 401 (also one no nick can
        be), unknown channel 403, a channel one is not in 404; NOTICE is never
        answered.
        """
        proto, t = self.connect("alice")
        self.send(proto, t, "JOIN #other")
        cases = [
            ("PRIVMSG", ["411"]),
            ("PRIVMSG #lobby", ["412"]),
            ("PRIVMSG #lobby :", ["412"]),
            ("PRIVMSG nobody :hi", ["401"]),
            ("PRIVMSG b! :hi", ["401"]),
            ("PRIVMSG #nowhere :hi", ["403"]),
            ("PRIVMSG #lobby :hi", ["404"]),
        ]
        for line, codes in cases:
            self.assertEqual(self.numerics(self.send(proto, t, line)), codes, line)
            self.assertEqual(self.send(proto, t, line.replace("PRIVMSG", "NOTICE")), "")

    def test_notice(self) -> None:
        """
        NOTICE delivers like PRIVMSG (chatd has one kind of message), to
        several targets at once.
        """
        bob = self.other("bob")
        proto, t = self.joined("alice")
        carol, tc = self.connect("carol")
        self.send(proto, t, "NOTICE #lobby,carol :hear ye")
        self.assertEqual(bob.events[-1].lines, ("hear ye",))  # type: ignore[attr-defined]
        self.assertEqual(self.messages(self.read(tc))[0].params, ["carol", "hear ye"])


class InfoTests(ChannelTestCase):
    def test_names(self) -> None:
        """
        NAMES lists a channel's members, to others too (it is not secret);
        a channel that does not exist gets only the end.
        """
        self.other("bob")
        proto, t = self.joined("alice")
        self.assertEqual(
            self.messages(self.send(proto, t, "NAMES #lobby"))[0].params[-1], "bob alice"
        )
        outsider, to = self.connect("carol")
        self.assertEqual(
            self.messages(self.send(outsider, to, "NAMES #lobby"))[0].params[-1], "bob alice"
        )
        self.assertEqual(self.numerics(self.send(outsider, to, "NAMES #nowhere")), ["366"])
        self.assertEqual(self.numerics(self.send(outsider, to, "NAMES")), ["366"])

    def test_namesSplit(self) -> None:
        """
        A long member list is split across 353 lines within 512 bytes.
        """
        self.service.maxGroupSize = None
        for i in range(60):
            self.other(f"user{i:02}-padding")
        proto, t = self.joined("alice")
        raw = self.send(proto, t, "NAMES #lobby")
        names = [m for m in self.messages(raw) if m.command == "353"]
        self.assertGreater(len(names), 1)
        self.assertEqual(sum(len(m.params[-1].split()) for m in names), 61)
        self.assertTrue(all(len(line.encode()) + 2 <= 512 for line in raw.split("\r\n")))

    def test_listOrder(self) -> None:
        """
        LIST gives rooms in the order people read their names, case aside
        (not by their look-alike keys, in which C{0} reads as C{o}).
        """
        proto, t = self.joined("alice")
        for name in ("bulk0229", "Bulk0100", "bulk0000", "bulk0999", "bulko"):
            self.send(proto, t, f"JOIN #{name}")
        listed = self.messages(self.send(proto, t, "LIST"))
        self.assertEqual(
            [m.params[1] for m in listed if m.command == "322"],
            ["#bulk0000", "#Bulk0100", "#bulk0229", "#bulk0999", "#bulko", "#lobby"],
        )

    def test_list(self) -> None:
        """
        LIST shows every room with members and its member count, the ones
        asked for, or (ELIST U) those with more or fewer members than given.
        """
        self.other("bob")
        proto, t = self.joined("alice")
        self.send(proto, t, "JOIN #two")
        messages = self.messages(self.send(proto, t, "LIST"))
        self.assertEqual([m.command for m in messages], ["321", "322", "322", "323"])
        self.assertEqual([m.params[1:3] for m in messages[1:3]], [["#lobby", "2"], ["#two", "1"]])
        self.assertEqual(self.numerics(self.send(proto, t, "LIST #TWO")), ["321", "322", "323"])
        listed = self.messages(self.send(proto, t, "LIST >1"))
        self.assertEqual([m.params[1] for m in listed if m.command == "322"], ["#lobby"])
        listed = self.messages(self.send(proto, t, "LIST <2"))
        self.assertEqual([m.params[1] for m in listed if m.command == "322"], ["#two"])

    def test_listMask(self) -> None:
        """
        C{LIST #g*} (ELIST M) keeps the channels with members whose name
        the mask matches, case aside; with names, those named too.
        """
        proto, t = self.joined("alice")
        for name in ("games", "Gossip", "go", "ago"):
            self.send(proto, t, f"JOIN #{name}")
        self.service.addRoom("gone")  # nobody in it
        listed = self.messages(self.send(proto, t, "LIST #g*"))
        self.assertEqual(
            [m.params[1] for m in listed if m.command == "322"], ["#games", "#go", "#Gossip"]
        )
        listed = self.messages(self.send(proto, t, "LIST #G?,*SS*,#gone"))
        self.assertEqual(
            [m.params[1] for m in listed if m.command == "322"], ["#go", "#gone", "#Gossip"]
        )

    def test_listEmptyRooms(self) -> None:
        """
        LIST without arguments leaves out the rooms nobody is in (on IRC a
        channel exists while it has members); asked for by name, an empty
        room is listed with 0 users.
        """
        proto, t = self.connect("alice")
        listed = self.messages(self.send(proto, t, "LIST"))
        self.assertEqual([m.command for m in listed], ["321", "323"])
        listed = self.messages(self.send(proto, t, "LIST #lobby"))
        self.assertEqual([m.params[1:3] for m in listed if m.command == "322"], [["#lobby", "0"]])

    def test_lusersCountsWhatListShows(self) -> None:
        """
        LUSERS' 254 counts the channels LIST shows, the rooms in use: none
        while the rooms are empty, one once someone joins one.
        """
        proto, t = self.connect("alice")
        self.service.addRoom("gone")  # nobody in it

        def formed() -> list[str]:
            [line] = [m for m in self.messages(self.send(proto, t, "LUSERS")) if m.command == "254"]
            return line.params[1:]

        def listed() -> list[str]:
            reply = self.messages(self.send(proto, t, "LIST"))
            return [m.params[1] for m in reply if m.command == "322"]

        self.assertEqual((formed(), listed()), (["0", "channels formed"], []))
        self.send(proto, t, "JOIN #lobby")
        self.assertEqual((formed(), listed()), (["1", "channels formed"], ["#lobby"]))

    def test_topic(self) -> None:
        """
        Rooms have no topic: 331; setting one is 482 (+t); errors 403/442.
        """
        proto, t = self.joined("alice")
        self.assertEqual(self.numerics(self.send(proto, t, "TOPIC #lobby")), ["331"])
        self.assertEqual(self.numerics(self.send(proto, t, "TOPIC #lobby :new")), ["482"])
        self.assertEqual(self.numerics(self.send(proto, t, "TOPIC #nowhere")), ["403"])
        self.send(proto, t, "PART #lobby")
        self.assertEqual(self.numerics(self.send(proto, t, "TOPIC #lobby :x")), ["442"])
        self.assertEqual(self.numerics(self.send(proto, t, "TOPIC")), ["461"])

    def test_topicShown(self) -> None:
        """
        A room's topic from the service is 332 on TOPIC and on JOIN, and in
        LIST; under +t a member who does not run the room may not change it
        (482), a chatd operator may, and every member sees TOPIC.
        """
        self.service.registry.get("lobby").settings.topic = "all welcome"
        proto, t = self.connect("alice")
        codes = self.numerics(self.send(proto, t, "JOIN #lobby"))
        self.assertEqual(codes, ["JOIN", "332", "353", "366"])
        reply = self.messages(self.send(proto, t, "TOPIC #LOBBY"))
        self.assertEqual(reply[0].params, ["alice", "#lobby", "all welcome"])
        listed = self.messages(self.send(proto, t, "LIST #lobby"))[1]
        self.assertEqual(listed.params[1:], ["#lobby", "1", "all welcome"])
        self.assertEqual(self.numerics(self.send(proto, t, "TOPIC #lobby :new")), ["482"])
        self.makeOperator("alice", t)
        [line] = self.messages(self.send(proto, t, "TOPIC #lobby :new"))
        self.assertEqual((line.command, line.params), ("TOPIC", ["#lobby", "new"]))
        self.assertEqual(self.service.topic("lobby"), "new")
        joined = self.messages(self.send(proto, t, "PART #lobby", "JOIN #lobby"))
        self.assertEqual(
            [m.params for m in joined if m.command in ("332", "333")],
            [["alice", "#lobby", "new"], ["alice", "#lobby", "alice", "1700000000"]],
        )


class ModeTests(ChannelTestCase):
    def test_channelModes(self) -> None:
        """
        Channels are +nt; ban, exception and invite lists are empty; only
        operators may try changes, and unknown modes are 472.  The changes
        of one MODE line are shown in one MODE line.
        """
        proto, t = self.joined("alice")
        self.assertEqual(
            self.messages(self.send(proto, t, "MODE #lobby"))[0].params,
            ["alice", "#lobby", "+ntl", "4"],
        )
        self.service.maxGroupSize = None
        self.assertEqual(
            self.messages(self.send(proto, t, "MODE #lobby"))[0].params, ["alice", "#lobby", "+nt"]
        )
        self.assertEqual(self.numerics(self.send(proto, t, "MODE #lobby b")), ["368"])
        self.assertEqual(
            self.numerics(self.send(proto, t, "MODE #lobby +beI")), ["368", "349", "347"]
        )
        self.assertEqual(self.numerics(self.send(proto, t, "MODE #lobby +m")), ["482"])
        self.assertEqual(self.numerics(self.send(proto, t, "MODE #nowhere")), ["403"])
        moder, tr = self.joined("moder")
        self.makeOperator("moder", tr)
        self.read(t)
        self.assertEqual(self.send(moder, tr, "MODE #lobby +nt"), "")  # no change, no line
        reply = self.send(moder, tr, "MODE #lobby +m-t+l 9")
        self.assertEqual(
            [(m.command, m.params[1:]) for m in self.messages(reply)],
            [("MODE", ["+m-t+l", "9"])],
        )
        self.assertEqual(
            [m.params for m in self.messages(self.read(t))], [["#lobby", "+m-t+l", "9"]]
        )
        self.assertEqual(self.service.capacity("lobby"), 9)
        refusal = self.messages(self.send(moder, tr, "MODE #lobby +l 0"))[0]
        self.assertEqual((refusal.command, refusal.params[1:4]), ("696", ["#lobby", "l", "0"]))
        self.assertEqual(self.messages(self.send(moder, tr, "MODE #lobby +X"))[0].command, "472")
        self.assertEqual(
            self.messages(self.send(moder, tr, "MODE #lobby"))[0].params[2:], ["+mnl", "9"]
        )
        self.send(moder, tr, "MODE #lobby -l")
        self.assertIsNone(self.service.capacity("lobby"))

    def test_operatorsAndVoice(self) -> None:
        """
        The creator of a channel is its operator (@ in NAMES and WHO); it
        gives +o and +v, which every member sees as MODE and NAMES shows;
        errors are 401, 441 and 482.
        """
        alice, ta = self.connect("alice")
        joined = self.messages(self.send(alice, ta, "JOIN #den"))
        self.assertEqual(joined[-2].params[-1], "@alice")
        modes = self.messages(self.send(alice, ta, "MODE #den"))
        self.assertEqual(
            [(m.command, m.params[2]) for m in modes], [("324", "+ntl"), ("329", "1700000000")]
        )
        bob, tb = self.connect("bob")
        self.send(bob, tb, "JOIN #den")
        self.read(ta)
        reply = self.messages(self.send(alice, ta, "MODE #den +v bob"))
        self.assertEqual([(m.command, m.params) for m in reply], [("MODE", ["#den", "+v", "bob"])])
        self.assertEqual(reply[0].prefix, f"alice!alice@{self.guestHost}")
        self.assertEqual(self.messages(self.read(tb))[0].params, ["#den", "+v", "bob"])
        names = self.messages(self.send(bob, tb, "NAMES #den"))
        self.assertEqual(names[0].params[-1], "@alice +bob")
        who = self.messages(self.send(bob, tb, "WHO #den"))
        self.assertEqual([m.params[6] for m in who[:2]], ["H@", "H+"])
        self.assertEqual(self.numerics(self.send(bob, tb, "MODE #den +o bob")), ["482"])
        self.assertEqual(self.numerics(self.send(alice, ta, "MODE #den +o nobody")), ["401"])
        self.connect("carol")
        self.assertEqual(self.numerics(self.send(alice, ta, "MODE #den +o carol")), ["441"])
        self.send(alice, ta, "MODE #den +o-v bob bob")
        self.assertEqual(self.service.memberStatus("den", "bob"), "o")
        self.read(tb)
        self.assertEqual(self.numerics(self.send(bob, tb, "MODE #den -o alice")), ["MODE"])
        self.assertFalse(self.service.isRoomOperator(alice.participant, "den"))

    def test_multiPrefixAndWhois(self) -> None:
        """
        With multi-prefix, NAMES and WHO show every status (@+); without,
        the highest; WHOIS prefixes each channel.
        """
        alice, ta = self.connect("alice", caps="multi-prefix")
        self.send(alice, ta, "JOIN #den", "MODE #den +v alice")
        bob, tb = self.connect("bob")
        self.send(bob, tb, "JOIN #den")
        self.read(ta)
        self.assertEqual(
            self.messages(self.send(alice, ta, "NAMES #den"))[0].params[-1], "@+alice bob"
        )
        self.assertEqual(
            self.messages(self.send(bob, tb, "NAMES #den"))[0].params[-1], "@alice bob"
        )
        self.assertEqual(self.messages(self.send(alice, ta, "WHO #den"))[0].params[6], "H@+")
        whois = self.messages(self.send(bob, tb, "WHOIS alice"))
        self.assertEqual([m.params[-1] for m in whois if m.command == "319"], ["@#den"])

    def test_inviteOnly(self) -> None:
        """
        Under +i, JOIN is 473 until an operator INVITEs; a member who does
        not run the channel may not invite (482).
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den")
        self.assertEqual(
            self.messages(self.send(alice, ta, "MODE #den +i"))[0].params, ["#den", "+i"]
        )
        bob, tb = self.connect("bob")
        self.assertEqual(self.numerics(self.send(bob, tb, "JOIN #den")), ["473"])
        self.assertEqual(self.numerics(self.send(alice, ta, "INVITE bob #den")), ["341"])
        self.assertEqual(self.numerics(self.send(bob, tb, "JOIN #den"))[:2], ["INVITE", "JOIN"])
        carol, tc = self.connect("carol")
        [refusal] = self.messages(self.send(bob, tb, "INVITE carol #den"))
        self.assertEqual((refusal.command, refusal.params[1]), ("482", "#den"))

    def test_moderatedChannel(self) -> None:
        """
        Under +m an unvoiced member's PRIVMSG is 404; voiced, it goes.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den")
        bob, tb = self.connect("bob")
        self.send(bob, tb, "JOIN #den")
        self.send(alice, ta, "MODE #den +m")
        self.read(tb)
        self.assertEqual(self.numerics(self.send(bob, tb, "PRIVMSG #den :hi")), ["404"])
        self.send(alice, ta, "MODE #den +v bob")
        self.read(ta)
        self.send(bob, tb, "PRIVMSG #den :hi")
        self.assertEqual(self.messages(self.read(ta))[0].params, ["#den", "hi"])

    def test_userModes(self) -> None:
        """
        A client may set +i on itself; other flags are 501, other users 502,
        unknown users 401.
        """
        proto, t = self.connect("alice")
        self.connect("bob")
        self.assertEqual(
            self.messages(self.send(proto, t, "MODE alice +i"))[0].params, ["alice", "+i"]
        )
        self.assertEqual(
            self.messages(self.send(proto, t, "MODE alice"))[0].params, ["alice", "+i"]
        )
        self.assertEqual(self.send(proto, t, "MODE alice +i"), "")
        self.assertEqual(self.numerics(self.send(proto, t, "MODE alice +x")), ["501"])
        self.assertEqual(self.numerics(self.send(proto, t, "MODE bob +i")), ["502"])
        self.assertEqual(self.numerics(self.send(proto, t, "MODE nobody")), ["401"])
        self.assertEqual(self.numerics(self.send(proto, t, "MODE")), ["461"])

    def test_userModeWords(self) -> None:
        """
        Mode groups written as words of their own (C{MODE alice +i -w})
        are all applied, as ngIRCd applies them; an unknown one among them
        is still 501.
        """
        proto, t = self.connect("alice")
        self.send(proto, t, "MODE alice +w")
        reply = self.messages(self.send(proto, t, "MODE alice +i -w"))
        self.assertEqual([(m.command, m.params) for m in reply], [("MODE", ["alice", "+i-w"])])
        self.assertEqual(self.numerics(self.send(proto, t, "MODE alice -i +x")), ["501", "MODE"])
        self.assertEqual(self.messages(self.send(proto, t, "MODE alice"))[0].params[1], "+")

    def test_userModesPerConnection(self) -> None:
        """
        Connections without modes share one empty set of them: setting and
        clearing modes on one leaves every other connection's as they were.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "MODE alice +iw")
        self.assertEqual(self.messages(self.send(alice, ta, "MODE alice"))[0].params[1], "+iw")
        self.assertEqual(self.messages(self.send(bob, tb, "MODE bob"))[0].params[1], "+")
        self.send(alice, ta, "MODE alice -i")
        self.assertEqual(self.messages(self.send(alice, ta, "MODE alice"))[0].params[1], "+w")
        carol, tc = self.connect("carol")
        self.assertEqual(self.messages(self.send(carol, tc, "MODE carol"))[0].params[1], "+")


class ModerationTests(ChannelTestCase):
    def test_kick(self) -> None:
        """
        A channel operator's KICK removes the target from the channel only:
        every member, the target too, sees KICK with the reason.
        """
        bob = self.other("bob")
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #den")
        carol, tc = self.connect("carol")
        self.send(carol, tc, "JOIN #den")
        self.service.enter(bob, "den")
        self.read(ta)
        self.read(tc)
        reply = self.messages(self.send(alice, ta, "KICK #den carol :spamming"))
        self.assertEqual(
            [(m.prefix, m.command, m.params) for m in reply],
            [(f"alice!alice@{self.guestHost}", "KICK", ["#den", "carol", "spamming"])],
        )
        self.assertEqual(self.messages(self.read(tc))[0].command, "KICK")
        self.assertEqual(self.service.roomsOf(carol.participant), [])
        self.assertIsNotNone(self.service.find("carol"))
        self.assertEqual(self.numerics(self.send(carol, tc, "PRIVMSG #den :back?")), ["404"])
        self.send(alice, ta, "KICK #den bob")
        [event] = [e for e in bob.events if isinstance(e, Membership)][-1:]
        self.assertEqual((event.kind, event.nick, event.by), ("kick", "bob", "alice"))
        self.assertIsNone(bob.disconnectedWith)

    def test_partReasonAndNotice(self) -> None:
        """
        PART's reason reaches the others; a NOTICE arrives as NOTICE.
        """
        alice, ta = self.joined("alice")
        bob, tb = self.joined("bob")
        self.read(ta)
        self.send(bob, tb, "NOTICE #lobby :heads up")
        self.send(bob, tb, "NOTICE alice :psst")
        self.send(bob, tb, "PART #lobby :see you")
        self.assertEqual(
            [(m.command, m.params) for m in self.messages(self.read(ta))],
            [
                ("NOTICE", ["#lobby", "heads up"]),
                ("NOTICE", ["alice", "psst"]),
                ("PART", ["#lobby", "see you"]),
            ],
        )

    def test_longPartReason(self) -> None:
        """
        A PART reason over 379 bytes (C{KICKLEN}) is cut to 379, as IRC
        servers do, as TOPIC and KICK are: the user leaves, and the others
        read the first 379 bytes, whole characters.
        """
        alice, ta = self.joined("alice")
        bob, tb = self.joined("bob")
        self.read(ta)
        replies = self.messages(self.send(bob, tb, "PART #lobby :" + "p" * 380))
        self.assertEqual(
            [(m.command, m.params) for m in replies], [("PART", ["#lobby", "p" * 379])]
        )
        self.assertEqual(
            [(m.command, m.params) for m in self.messages(self.read(ta))],
            [("PART", ["#lobby", "p" * 379])],
        )
        self.assertEqual(self.service.members(alice, "lobby"), ["alice"])
        self.send(bob, tb, "JOIN #lobby")
        self.read(ta)
        self.send(bob, tb, "PART #lobby :" + "話" * 140)
        [part] = self.messages(self.read(ta))
        self.assertEqual(part.params, ["#lobby", "話" * 126])

    def test_partReasonScrubbed(self) -> None:
        """
        A PART reason holding characters chatd refuses (an escape sequence)
        does not keep the user in: they leave, as with QUIT, and the others
        read the reason without them, as the leaver's own PART shows it.
        """
        alice, ta = self.joined("alice")
        bob, tb = self.joined("bob")
        self.read(ta)
        replies = self.messages(self.send(bob, tb, "PART #lobby :\u202ebye \x1b[2J\x00x"))
        self.assertEqual([m.command for m in replies], ["PART"])
        others = [(m.command, m.params) for m in self.messages(self.read(ta))]
        self.assertEqual(others, [("PART", ["#lobby", "\u202ebye [2Jx\u202c"])])
        self.assertEqual(replies[0].params, others[0][1])  # the leaver reads what they read
        self.assertEqual(self.service.members(alice, "lobby"), ["alice"])

    def test_mutedPartReason(self) -> None:
        """
        A muted member's PART reason is heard by nobody, and their own PART
        says so: it carries none, as the others' does.
        """
        alice, ta = self.joined("alice")
        bob, tb = self.joined("bob")
        self.read(ta)
        self.service.moderation.mute("bob", 300, "shush", "root")
        replies = self.messages(self.send(bob, tb, "PART #lobby :bye all"))
        others = [(m.command, m.params) for m in self.messages(self.read(ta))]
        self.assertEqual(others, [("PART", ["#lobby"])])
        self.assertEqual([(m.command, m.params) for m in replies], others)

    def test_kickErrors(self) -> None:
        """
        Non-operators get 482, a nick not in the channel 441, a nick nobody
        has (or can have) 401 as on other servers, a channel one is not in
        442, a missing channel 403.
        """
        self.other("bob")
        self.other("carol", room=None)
        alice, ta = self.joined("alice")
        self.assertEqual(self.numerics(self.send(alice, ta, "KICK #lobby bob")), ["482"])
        self.assertEqual(self.numerics(self.send(alice, ta, "KICK #lobby root")), ["482"])
        self.makeOperator("alice", ta)
        self.assertEqual(self.numerics(self.send(alice, ta, "KICK #lobby carol")), ["441"])
        self.assertEqual(self.numerics(self.send(alice, ta, "KICK #lobby nobody")), ["401"])
        self.assertEqual(self.numerics(self.send(alice, ta, "KICK #lobby b!")), ["401"])
        self.assertEqual(self.numerics(self.send(alice, ta, "KICK #nowhere bob")), ["403"])
        self.assertEqual(self.numerics(self.send(alice, ta, "KICK #lobby")), ["461"])
        dave, td = self.connect("dave")
        self.send(dave, td, "JOIN #two")
        self.assertEqual(self.numerics(self.send(dave, td, "KICK #lobby bob")), ["442"])

    def test_operatorKicksFromOutside(self) -> None:
        """
        A chatd operator runs every room, even one they are not in: their
        C{KICK} from outside takes the person out (the members see it) and
        is answered with the C{KICK} itself; one naming someone not there
        is C{441}, naming the channel.
        """
        bob = self.other("bob")
        carol = self.other("carol")
        alice, ta = self.connect("alice")
        self.makeOperator("alice")
        self.read(ta)
        reply = self.send(alice, ta, "KICK #lobby bob :enough")
        self.assertEqual(
            [(m.command, m.params) for m in self.messages(reply)],
            [("KICK", ["#lobby", "bob", "enough"])],
        )
        self.assertNotIn("bob", self.service.members(carol, "lobby"))
        self.assertEqual(bob.events[-1].kind, "kick")  # type: ignore[attr-defined]
        again = self.messages(self.send(alice, ta, "KICK #lobby bob"))
        refused = [m.params for m in again if m.command == "441"]
        self.assertEqual(refused, [["alice", "bob", "#lobby", "They aren't on that channel"]])

    def test_invite(self) -> None:
        """
        INVITE tells the invitee (on any protocol) and answers 341; errors
        401, 442, 443, 403.
        """
        bob = self.other("bob", room=None)
        alice, ta = self.joined("alice")
        reply = self.send(alice, ta, "INVITE bob #lobby")
        self.assertEqual(self.messages(reply)[0].params, ["alice", "bob", "#lobby"])
        self.assertEqual(bob.events[-1].text, "alice invites you to join lobby")  # type: ignore[attr-defined]
        carol, tc = self.connect("carol")
        self.send(alice, ta, "INVITE carol #lobby")
        self.assertEqual(self.read(tc), f":alice!alice@{self.guestHost} INVITE carol #lobby\r\n")
        self.assertEqual(self.numerics(self.send(alice, ta, "INVITE nobody #lobby")), ["401"])
        self.assertEqual(self.numerics(self.send(alice, ta, "INVITE b! #lobby")), ["401"])
        self.assertEqual(self.numerics(self.send(alice, ta, "INVITE bob #nowhere")), ["403"])
        self.assertEqual(self.numerics(self.send(carol, tc, "INVITE bob #lobby")), ["442"])
        self.service.enter(bob, "lobby")
        self.read(ta)
        self.assertEqual(self.numerics(self.send(alice, ta, "INVITE bob #lobby")), ["443"])
        self.assertEqual(self.numerics(self.send(alice, ta, "INVITE bob")), ["461"])


class SyncTests(ChannelTestCase):
    def test_serviceJoinsUs(self) -> None:
        """
        When the service puts the user in a room on its own (restored
        memberships, approvals), the IRC client is shown JOIN and NAMES
        before the first event from that room, once.
        """
        bob = self.other("bob")
        proto, t = self.connect("alice")
        self.service.enter(proto, "lobby")
        self.service.say(bob, "lobby", ("welcome back",))
        self.service.say(bob, "lobby", ("again",))
        messages = self.messages(self.read(t))
        self.assertEqual(
            [m.command for m in messages], ["JOIN", "353", "366", "PRIVMSG", "PRIVMSG"]
        )
        self.assertEqual(self.send(proto, t, "JOIN #lobby"), "")

    def test_noticeSyncs(self) -> None:
        """
        A notice (the service's way of saying it moved the user) brings the
        client's channels in line first: JOIN for new rooms, PART for rooms
        it is no longer in.
        """
        proto, t = self.joined("alice")
        self.read(t)
        self.service.createRoom(proto, "two")
        self.service.enter(proto, "two")
        self.service.leave(proto, "lobby")
        self.service.announce("an operator moved you")
        messages = self.messages(self.read(t))
        self.assertEqual(
            [(m.command, m.params[0]) for m in messages],
            [
                ("JOIN", "#two"),
                ("353", "alice"),
                ("366", "alice"),
                ("PART", "#lobby"),
                ("NOTICE", "alice"),
            ],
        )

    def test_registrationSyncs(self) -> None:
        """
        Rooms the service put the user in during login are shown right
        after the welcome burst.
        """
        original = self.service.login

        def login(participant: IParticipant, nick: str, password: str | None = None) -> Any:
            name = original(participant, nick, password)
            self.service.enter(participant, "lobby")
            return name

        self.service.login = login  # type: ignore[method-assign,assignment]
        proto, t = self.connect()
        codes = self.numerics(self.send(proto, t, "NICK alice", "USER a 0 * :A"))
        self.assertEqual(codes[-4:], ["376", "JOIN", "353", "366"])


class MessageTagTests(ChannelTestCase):
    def test_clientTagsAndMsgid(self) -> None:
        """
        Client-only tags and a msgid reach message-tags clients (the echo
        has the same msgid); other tags are dropped; clients without the
        capability get no tags.
        """
        alice, ta = self.joined("alice", caps="message-tags")
        bob, tb = self.joined("bob", caps="message-tags echo-message")
        carol, tc = self.joined("carol")
        self.read(ta)
        self.read(tb)
        self.send(alice, ta, "@+baz=bat;fizz=buzz PRIVMSG #lobby hi")
        [relayed] = self.messages(self.read(tb))
        self.assertEqual(relayed.tags["+baz"], "bat")
        self.assertNotIn("fizz", relayed.tags)
        self.assertTrue(relayed.tags["msgid"])
        self.assertEqual(self.read(tc), f":alice!alice@{self.guestHost} PRIVMSG #lobby :hi\r\n")
        [echo] = self.messages(self.send(bob, tb, "@+x=y PRIVMSG alice :psst"))
        [got] = self.messages(self.read(ta))
        self.assertEqual(echo.tags, got.tags)
        self.assertEqual(got.tags["+x"], "y")

    def test_tagCannotForgeALine(self) -> None:
        """
        A NUL in a client tag's value (or name) cannot become the space that
        ends the tag section: the member gets one line, the sender's, not
        a message forged in someone else's name after the tags.
        """
        alice, ta = self.joined("alice", caps="message-tags")
        bob, tb = self.joined("bob", caps="message-tags")
        self.read(ta)
        forged = f":teacher!teacher@{self.guestHost} PRIVMSG #lobby :Class is cancelled".replace(
            " ", "\0"
        )
        self.send(bob, tb, f"@+t=a\0{forged};+k\0ey=v TAGMSG #lobby")
        self.send(bob, tb, "@+draft/reply=a\0b PRIVMSG #lobby :hello")
        lines = self.read(ta).splitlines()
        self.assertEqual(len(lines), 2)
        tagged, said = self.messages("\r\n".join(lines) + "\r\n")
        self.assertEqual((tagged.prefix or "").split("!")[0], "bob")
        self.assertEqual((tagged.command, tagged.params), ("TAGMSG", ["#lobby"]))
        self.assertNotIn("+k\0ey", tagged.tags)
        self.assertNotIn("\0", lines[0])
        self.assertEqual((said.command, said.params), ("PRIVMSG", ["#lobby", "hello"]))
        self.assertEqual(said.tags["+draft/reply"], "ab")

    def test_tagmsg(self) -> None:
        """
        TAGMSG reaches message-tags clients only, with the sender's echo;
        other protocols see nothing; without client tags it is ignored.
        """
        alice, ta = self.joined("alice", caps="message-tags")
        bob, tb = self.joined("bob", caps="message-tags echo-message")
        carol, tc = self.joined("carol", caps="server-time")
        other = self.other("dave")
        self.read(ta)
        self.read(tb)
        self.read(tc)
        [echo] = self.messages(self.send(bob, tb, r"@+buzz=fizz\:buzz;cat=dog TAGMSG #lobby"))
        [got] = self.messages(self.read(ta))
        self.assertEqual((got.command, got.params), ("TAGMSG", ["#lobby"]))
        self.assertEqual(got.tags["+buzz"], "fizz;buzz")
        self.assertNotIn("cat", got.tags)
        self.assertEqual(echo.tags["msgid"], got.tags["msgid"])
        self.assertEqual(self.read(tc), "")
        self.assertIsInstance(other.events[-1], RoomMessage)  # delivered, empty
        self.assertEqual(self.send(bob, tb, "TAGMSG #lobby"), "")
