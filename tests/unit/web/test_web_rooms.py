"""
The rooms a page is in, kept in step with the service's, in memory: a room
the user is put in without the page asking (an operator's acceptance, an
account's automatic rooms, another connection of the account) reaches the
page, and so does a kick out of one, with who kicked and why.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.testing import StringTransport

from chatd.irc.factory import IRCFactory
from chatd.irc.protocol import IRCProtocol
from tests.support.helpers import connect, output
from tests.support.webclient import JSONClient, StoredWebTestCase


class RoomsInStepTests(StoredWebTestCase):
    """
    The web front-end and IRC on a service that keeps accounts (with the
    rooms of a fresh data directory: C{Général} automatic, C{Marketing}
    needing approval), and the account C{alice} (password C{sesame}).
    """

    autojoin = ("lobby",)

    def signIn(self, nick: str = "alice", password: str | None = "sesame") -> JSONClient:
        """
        A page logged in as C{nick}, once the login's welcome is sent.
        """
        page = self.web.connect()
        fields: dict[str, Any] = {"nick": nick}
        if password is not None:
            fields["password"] = password
        self.assertEqual(self.request(page, type="login", **fields)["type"], "login")
        self.settle()
        page.take()
        return page

    def settle(self) -> None:
        """Run what the service left for the next turns, and deliver it."""
        self.reactor.advance(0)
        self.web.flush()

    def irc(self, *lines: str) -> tuple[IRCProtocol, StringTransport]:
        """
        An IRC client that sent C{lines} (its registration), and read its
        answers.
        """
        if not hasattr(self, "ircFactory"):
            self.ircFactory = IRCFactory(self.service, self.reactor, floodBurst=None)
        proto, transport = connect(self.ircFactory, self.reactor)
        assert isinstance(proto, IRCProtocol)
        self.ircSend(proto, transport, *lines)
        return proto, transport

    def ircSend(self, proto: IRCProtocol, transport: StringTransport, *lines: str) -> str:
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        self.settle()
        return output(transport, self.reactor).decode("utf-8")

    def test_acceptedIntoApprovalRoom(self) -> None:
        """
        When an operator accepts a page's request to enter an approval room,
        the page gets a C{joined} event naming its own user, then the
        notice, then the end of the room's replay (C{replayed}); the room is
        among its rooms from then on.
        """
        page = self.signIn("pagey", password=None)
        refused = self.request(page, type="join", room="Marketing")
        self.assertEqual((refused["type"], refused["code"]), ("error", 37))
        self.successResultOf(self.service.acceptPending("Marketing", "pagey"))
        self.settle()
        frames = page.take()
        self.assertEqual(
            [(f["type"], f.get("room"), f.get("nick")) for f in frames],
            [
                ("joined", "Marketing", "pagey"),
                ("notice", None, None),
                ("replayed", "Marketing", None),
            ],
        )
        self.assertIn("accepted you in Marketing", frames[1]["text"])
        self.assertIs(frames[2]["earlier"], False)  # an empty room's replay: nothing older
        self.assertIn("Marketing", self.request(page, type="rooms")["joined"])
        members = self.request(page, type="members", room="Marketing")["members"]
        self.assertEqual(members, ["pagey"])

    def test_waitingAfterReload(self) -> None:
        """
        An account's request to enter an approval room is the account's:
        a page signed in later (a reload, another device) reads it in the
        C{rooms} reply's C{waiting}, until it is answered; a guest's other
        page, or another person, reads none.
        """
        page = self.signIn("alice")
        refused = self.request(page, type="join", room="marketing")
        self.assertEqual((refused["type"], refused["code"]), ("error", 37))
        reloaded = self.signIn("alice")
        self.assertEqual(self.request(reloaded, type="rooms")["waiting"], ["Marketing"])
        other = self.signIn("bob", password=None)
        self.assertEqual(self.request(other, type="rooms")["waiting"], [])
        self.successResultOf(self.service.refusePending("Marketing", "alice", "full"))
        self.settle()
        self.assertEqual(self.request(reloaded, type="rooms")["waiting"], [])

    def test_refusedApprovalRoom(self) -> None:
        """
        When an operator refuses a page's request to enter an approval
        room, the page gets one C{notice} naming the room, marked
        C{refused}, with the reason (which drops the room's waiting note);
        the page may ask again (error 37).
        """
        page = self.signIn("pagey", password=None)
        self.request(page, type="join", room="marketing")
        self.successResultOf(self.service.refusePending("Marketing", "pagey", "staff \x02only"))
        self.settle()
        frames = page.take()
        self.assertEqual(
            [
                {
                    "type": "notice",
                    "text": "an operator refused your request to enter Marketing: staff only",
                    "time": frames[0]["time"],
                    "room": "Marketing",
                    "refused": True,
                    "reason": "staff only",
                }
            ],
            frames,
        )
        again = self.request(page, type="join", room="Marketing")
        self.assertEqual((again["type"], again["code"]), ("error", 37))

    def test_tellSomeoneAway(self) -> None:
        """
        A private message to someone connected and marked away (IRC's
        C{AWAY}) is delivered, and its reply says they are away and why,
        as IRC's C{301} does; to someone not away, nothing of the kind.
        """
        ircy, ti = self.irc("NICK ircy", "USER ircy 0 * :I", "AWAY :at lunch \x02now\x02")
        page = self.signIn("pagey", password=None)
        reply = self.request(page, type="tell", to="IRCY", text="hi")
        self.assertEqual((reply["type"], reply["away"]), ("tell", "at lunch now"))
        self.ircSend(ircy, ti, "AWAY")
        self.assertNotIn("away", self.request(page, type="tell", to="ircy", text="back?"))

    def test_kickedFromRoom(self) -> None:
        """
        A room operator's kick (here an IRC operator's C{KICK}) reaches the
        kicked page as a C{left} event naming its own user, of kind C{kick},
        with who kicked (C{by}) and why; the page's user is out of the room.
        """
        op, opOut = self.irc("NICK ircop", "USER ircop 0 * :op", "JOIN #den")
        page = self.signIn("pagey", password=None)
        self.request(page, type="join", room="den")
        self.settle()
        self.assertEqual([f["type"] for f in page.take()], ["replayed"])
        self.ircSend(op, opOut, "KICK #den pagey :out")
        self.web.flush()
        [left] = page.take()
        self.assertEqual(
            left,
            {
                "type": "left",
                "room": "den",
                "nick": "pagey",
                "reason": "out",
                "kind": "kick",
                "by": "ircop",
                "time": left["time"],
            },
        )
        self.assertEqual(self.request(page, type="say", room="den", text="hi")["code"], 34)

    def test_othersKickNamesTheKicker(self) -> None:
        """
        The room's other members' pages see the kick as well: C{left} of
        kind C{kick} with C{by}; a part or a quit has no C{by}.
        """
        op, opOut = self.irc("NICK ircop", "USER ircop 0 * :op", "JOIN #den")
        page, other = self.signIn("pagey", password=None), self.signIn("other", password=None)
        for each in (page, other):
            self.request(each, type="join", room="den")
        page.take()
        self.ircSend(op, opOut, "KICK #den other :enough")
        self.request(page, type="leave", room="den")
        self.web.flush()
        kicked = [f for f in page.take() if f["type"] == "left"]
        self.assertEqual(
            [(f["nick"], f["kind"], f.get("by")) for f in kicked], [("other", "kick", "ircop")]
        )
        self.request(page, type="join", room="den")
        self.ircSend(op, opOut, "PART #den :later")
        self.web.flush()
        [parted] = [f for f in page.take() if f["type"] == "left"]
        self.assertEqual((parted["kind"], parted["reason"]), ("part", "later"))
        self.assertNotIn("by", parted)

    def test_leaveWithReason(self) -> None:
        """
        A page's C{leave} may give a C{reason}: the members left read it,
        IRC users as the C{PART} reason, other pages in the C{left} event;
        a reason that is not a string is refused (10), the page still in.
        """
        irc, out = self.irc("NICK ircy", "USER i 0 * :i", "JOIN #den")
        page, other = self.signIn("pagey", password=None), self.signIn("other", password=None)
        for each in (page, other):
            self.request(each, type="join", room="den")
        self.web.flush()
        other.take()
        refused = self.request(page, type="leave", room="den", reason=5)
        self.assertEqual((refused["type"], refused["code"]), ("error", 10))
        self.assertIn("pagey", self.request(other, type="members", room="den")["members"])
        reply = self.request(page, type="leave", room="den", reason="bye all")
        self.assertEqual((reply["type"], reply["room"]), ("leave", "den"))
        [part] = [line for line in self.ircSend(irc, out).splitlines() if " PART " in line]
        self.assertTrue(part.startswith(":pagey!"), part)
        self.assertTrue(part.endswith(" PART #den :bye all"), part)
        self.web.flush()
        [left] = [f for f in other.take() if f["type"] == "left"]
        self.assertEqual((left["nick"], left["kind"], left["reason"]), ("pagey", "part", "bye all"))

    def test_leaveWithRefusedCharacters(self) -> None:
        """
        A page's C{leave} whose C{reason} holds characters chatd refuses (an
        escape sequence) leaves all the same; the others read the reason
        without them.
        """
        self.irc("NICK ircy", "USER i 0 * :i", "JOIN #den")
        page, other = self.signIn("pagey", password=None), self.signIn("other", password=None)
        for each in (page, other):
            self.request(each, type="join", room="den")
        self.web.flush()
        other.take()
        reply = self.request(page, type="leave", room="den", reason="bye \x1b[2J")
        self.assertEqual((reply["type"], reply["room"]), ("leave", "den"))
        self.web.flush()
        [left] = [f for f in other.take() if f["type"] == "left"]
        self.assertEqual((left["nick"], left["reason"]), ("pagey", "bye [2J"))

    def test_pageOperatorKicks(self) -> None:
        """
        A page whose user runs a room (it created it) takes someone out of
        it with C{kick} and C{room}, as IRC's C{KICK}: the IRC member sees
        the KICK and stays connected; a member who does not run the room
        is refused; a name nobody can have is an invalid nickname (20).
        """
        page = self.signIn("pagey", password=None)
        self.request(page, type="create", room="wroom")
        self.request(page, type="join", room="wroom")
        victim, out = self.irc("NICK victim", "USER v 0 * :v", "JOIN #wroom")
        reply = self.request(page, type="kick", room="wroom", nick="victim", reason="spam")
        self.assertEqual((reply["type"], reply["nick"], reply["room"]), ("kick", "victim", "wroom"))
        self.assertIn("KICK #wroom victim :spam", self.ircSend(victim, out))
        self.assertFalse(out.disconnecting)
        invalid = self.request(page, type="kick", room="wroom", nick="b!")
        self.assertEqual((invalid["type"], invalid["code"]), ("error", 20))
        self.assertEqual(self.request(page, type="kick", room="wroom", nick="gone")["code"], 21)
        other = self.signIn("other", password=None)
        self.request(other, type="join", room="wroom")
        refused = self.request(other, type="kick", room="wroom", nick="pagey")
        self.assertEqual((refused["type"], refused["code"]), ("error", 12))
        self.assertIn("pagey", self.request(page, type="members", room="wroom")["members"])

    def test_registrationRooms(self) -> None:
        """
        Registering puts a new account in the automatic rooms (C{Général}):
        the C{register} reply lists the rooms the user is in then, as the
        C{login} reply does.
        """
        page = self.web.connect()
        self.assertEqual(self.request(page, type="login", nick="carol")["rooms"], ["lobby"])
        reply = self.request(page, type="register", password="carol-pass")
        self.assertEqual(reply["nick"], "carol")
        self.assertEqual((reply["rooms"], reply["operatorIn"]), (["lobby", "Général"], []))

    def test_autojoinAtLogin(self) -> None:
        """
        The operator's automatic rooms (C{--autojoin}) are in the C{login}
        reply's C{rooms}, guest or account.
        """
        page = self.web.connect()
        self.assertEqual(self.request(page, type="login", nick="guest")["rooms"], ["lobby"])

    def test_enteredFromAnotherPage(self) -> None:
        """
        A room the account enters from another page reaches this one as
        C{joined} naming its own user, and one it leaves there as C{left}.
        """
        phone, laptop = self.signIn(), self.signIn()
        self.request(laptop, type="create", room="den")
        self.request(laptop, type="join", room="den")
        self.request(laptop, type="leave", room="lobby")
        self.web.flush()
        told = [(f["type"], f["room"], f["nick"]) for f in phone.take()]
        self.assertEqual(told, [("joined", "den", "alice"), ("left", "lobby", "alice")])

    def test_invitedThenEnteredOverIRC(self) -> None:
        """
        Invited to an invite-only room, the account enters it from an IRC
        connection: the account's page gets C{joined} naming its own user.
        """
        op, opOut = self.irc("NICK ircop", "USER ircop 0 * :op", "JOIN #club", "MODE #club +i")
        page = self.signIn()
        alice, aliceOut = self.irc("PASS sesame", "NICK alice", "USER alice 0 * :alice")
        self.assertIn(" 473 ", self.ircSend(alice, aliceOut, "JOIN #club"))
        self.ircSend(op, opOut, "INVITE alice #club")
        self.assertIn("JOIN #club", self.ircSend(alice, aliceOut, "JOIN #club"))
        self.web.flush()
        told = [(f["type"], f.get("room"), f.get("nick")) for f in page.take()]
        self.assertIn(("joined", "club", "alice"), told)
        self.assertIn("club", self.request(page, type="rooms")["joined"])

    def test_membersSayWhetherYouRunTheRoom(self) -> None:
        """
        The C{members} reply says whether the user runs the room
        (C{operator}), as the C{join} reply does: a page that hears of a mode
        C{o} given or taken (here an IRC operator's C{MODE}) asks it, and
        learns whether it may now delete others' messages there.
        """
        op, opOut = self.irc("NICK ircop", "USER ircop 0 * :op", "JOIN #den")
        page = self.signIn("pagey", password=None)
        self.assertIs(self.request(page, type="join", room="den")["operator"], False)
        self.assertIs(self.request(page, type="members", room="den")["operator"], False)
        for modes, runs in (("+o", True), ("-o", False)):
            self.ircSend(op, opOut, f"MODE #den {modes} pagey")
            self.web.flush()
            [notice] = [f for f in page.take() if f["type"] == "notice"]
            self.assertEqual((notice["modes"], notice["args"]), (modes, ["pagey"]))
            reply = self.request(page, type="members", room="DEN")
            self.assertIs(reply["operator"], runs)
            self.assertEqual(reply["status"].get("pagey"), "o" if runs else None)
