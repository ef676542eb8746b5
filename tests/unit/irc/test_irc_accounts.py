"""
The IRC front-end against a service with a store (issue #4's persistence):
SASL PLAIN and PASS checked against accounts, rooms the service puts a user
in, history replayed with its original time, approval rooms and per-room
capacity.
"""

from __future__ import annotations

from base64 import b64encode

from chatd.admin.commands import Consoles
from chatd.irc.factory import IRCFactory
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.persistencecase import OutageStore


def plain(account: str, password: str) -> str:
    return b64encode(f"\0{account}\0{password}".encode()).decode()


class IRCAccountTests(IRCStoreTestCase):
    def test_saslAccount(self) -> None:
        """
        SASL PLAIN with an account's password logs in as the account: 900,
        903, then 001 on CAP END; the account shows in WHOIS.
        """
        proto, t = self.client()
        self.send(proto, t, "CAP LS 302", "CAP REQ sasl", "NICK alice", "USER a 0 * :A")
        self.send(proto, t, "AUTHENTICATE PLAIN")
        replies = self.send(proto, t, "AUTHENTICATE " + plain("alice", "sesame"))
        # (then the service's notice of the rooms it put alice back in)
        self.assertEqual(self.codes(replies)[:2], ["900", "903"])
        welcome = self.send(proto, t, "CAP END")
        self.assertEqual((welcome[0].command, welcome[0].params[0]), ("001", "alice"))
        whois = self.send(proto, t, "WHOIS alice")
        self.assertIn(["alice", "alice", "alice", "is logged in as"], [m.params for m in whois])

    def test_saslRefused(self) -> None:
        """
        A wrong password, or a name with no account, is 904; the client may
        then register without SASL under another name.
        """
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl", "NICK bob", "USER b 0 * :B")
        self.send(proto, t, "AUTHENTICATE PLAIN")
        self.assertEqual(
            self.codes(self.send(proto, t, "AUTHENTICATE " + plain("alice", "nope"))), ["904"]
        )
        self.send(proto, t, "AUTHENTICATE PLAIN")
        self.assertEqual(
            self.codes(self.send(proto, t, "AUTHENTICATE " + plain("nobody", "x"))), ["904"]
        )
        self.assertEqual(self.send(proto, t, "CAP END")[0].params[0], "bob")

    def test_pass(self) -> None:
        """
        PASS carries a registered nickname's password: missing, the name is
        in use (433, as Ergo says of a name an account reserves); wrong,
        464; the client stays unregistered, and with the right one logs in.
        """
        proto, t = self.client()
        [reserved] = self.send(proto, t, "NICK alice", "USER a 0 * :A")
        self.assertEqual((reserved.command, reserved.params[:2]), ("433", ["*", "alice"]))
        self.assertEqual(self.codes(self.send(proto, t, "PASS wrong", "NICK alice")), ["464"])
        self.clock.advance(60)  # past the back-off a wrong password earns
        self.assertEqual(self.send(proto, t, "PASS sesame", "NICK alice")[0].command, "001")

    def test_registeredNameWithoutPassword(self) -> None:
        """
        A client that asks for a registered nickname without its password
        is told it is in use (433), as a client is on a server that
        reserves the names of accounts: it picks another by itself, as
        irssi and weechat do, and comes in as a guest; the name stays free.
        """
        proto, t = self.client()
        replies = self.send(proto, t, "NICK alice", "USER a 0 * :A")
        self.assertEqual(self.codes(replies), ["433"])
        self.assertIsNone(self.service.find("alice"))
        self.assertEqual(proto.me(), "*")
        welcome = self.send(proto, t, "NICK alice_")
        self.assertEqual((welcome[0].command, welcome[0].params[0]), ("001", "alice_"))
        self.assertIsNone(self.service.find("alice"))

    def test_automaticRooms(self) -> None:
        """
        A guest is put in no channel; a registered user is put back in its
        rooms (Général, joined at registration) and, with the service's
        C{autojoin} rooms, every login is put in them: the client is shown
        JOIN and NAMES for each after the welcome burst.
        """
        proto, t = self.client()
        replies = self.send(proto, t, "NICK dave", "USER d 0 * :D")
        self.assertEqual([m for m in replies if m.command == "JOIN"], [])
        proto, t = self.client()
        replies = self.send(proto, t, "PASS sesame", "NICK alice", "USER a 0 * :A")
        self.assertEqual([m.params[0] for m in replies if m.command == "JOIN"], ["#Général"])
        self.service = self.makeService(autojoin=["Blabla"])
        self.factory = IRCFactory(self.service, self.clock, floodBurst=None)
        proto, t = self.client()
        replies = self.send(proto, t, "NICK carol", "USER c 0 * :C")
        joins = [m.params[0] for m in replies if m.command == "JOIN"]
        self.assertEqual(joins, ["#Blabla"])
        codes = self.codes(replies)
        end = codes.index("376")  # end of the MOTD, the welcome burst's last line
        self.assertEqual(codes[end + 1 : end + 4], ["JOIN", "353", "366"])

    def test_historyTimes(self) -> None:
        """
        Joining a room replays its history to a client with batch and
        server-time, in a chathistory batch, each message with its original
        time (and its msgid, with message-tags).
        """
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        said = self.service.say(bob, "Blabla", ("earlier",))
        self.clock.advance(100)
        proto, t = self.client()
        caps = "CAP REQ :batch server-time message-tags"
        self.send(proto, t, caps, "NICK carol", "USER c 0 * :C", "CAP END")
        replayed = self.send(proto, t, "JOIN #Blabla")
        commands = [m.command for m in replayed]
        start = commands.index("BATCH")
        self.assertEqual(commands[start:], ["BATCH", "PRIVMSG", "BATCH"])
        opened, message, closed = replayed[start:]
        batch = opened.params[0][1:]
        self.assertEqual(opened.params, ["+" + batch, "chathistory", "#Blabla"])
        self.assertEqual(closed.params, ["-" + batch])
        self.assertEqual(message.params, ["#Blabla", "earlier"])
        self.assertEqual(
            message.tags,
            {"batch": batch, "time": "2023-11-14T22:13:20.000Z", "msgid": said.msgid},
        )

    def test_noHistoryOnJoin(self) -> None:
        """
        A client that cannot tell history from live messages (no batch, or
        no server-time) is shown none on joining, nor is one with
        draft/chathistory, which asks for its own.
        """
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        self.service.say(bob, "Blabla", ("earlier",))
        self.clock.advance(100)
        for caps in ["", "server-time", "batch", "batch server-time draft/chathistory"]:
            proto, t = self.client()
            self.send(proto, t, f"CAP REQ :{caps}", "NICK carol", "USER c 0 * :C", "CAP END")
            replayed = self.send(proto, t, "JOIN #Blabla")
            self.assertEqual([m for m in replayed if m.command in ("PRIVMSG", "BATCH")], [])
            self.assertIn("366", self.codes(replayed), caps)
            proto.connectionLost(None)

    def test_joinHistoryOption(self) -> None:
        """
        With C{joinHistory} (C{--irc-join-history}), other clients are shown
        that many past messages on joining, as plain PRIVMSGs.
        """
        self.factory.joinHistory = 2
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        for text in ["one", "two", "three"]:
            self.service.say(bob, "Blabla", (text,))
        self.clock.advance(100)
        proto, t = self.client()
        self.send(proto, t, "NICK carol", "USER c 0 * :C")
        replayed = self.send(proto, t, "JOIN #Blabla")
        shown = [(m.params, m.tags) for m in replayed if m.command == "PRIVMSG"]
        self.assertEqual(shown, [(["#Blabla", "two"], {}), (["#Blabla", "three"], {})])

    def test_approvalAndCapacity(self) -> None:
        """
        An approval room answers JOIN with 473 while the request waits; a
        room's own capacity shows as +l.
        """
        proto, t = self.client()
        self.send(proto, t, "NICK carol", "USER c 0 * :C")
        self.assertEqual(self.codes(self.send(proto, t, "JOIN #Marketing")), ["473"])
        self.successResultOf(self.service.configureRoom("Blabla", capacity=7))
        mode = self.send(proto, t, "MODE #Blabla")
        self.assertEqual(mode[0].params[2:], ["+ntl", "7"])
        self.assertEqual(self.send(proto, t, "MODE #Marketing")[0].params[2:], ["+int"])

    def test_approvalNamesStoredRoom(self) -> None:
        """
        The 473 of an approval room joined in another case names the
        channel as stored.
        """
        proto, t = self.client()
        self.send(proto, t, "NICK carol", "USER c 0 * :C")
        refused = self.send(proto, t, "JOIN #mARKETING")
        self.assertEqual([(m.command, m.params[1]) for m in refused], [("473", "#Marketing")])

    def test_approvalRefused(self) -> None:
        """
        An operator's refusal is a server NOTICE naming the channel's room
        and the reason; PART of a channel one waits for withdraws the
        request, answered 442 in words that say so.
        """
        proto, t = self.client()
        self.send(proto, t, "NICK carol", "USER c 0 * :C", "JOIN #Marketing")
        self.successResultOf(self.service.refusePending("Marketing", "carol", "staff only"))
        told = self.send(proto, t)
        self.assertEqual(
            [(m.command, m.params) for m in told],
            [
                (
                    "NOTICE",
                    ["carol", "an operator refused your request to enter Marketing: staff only"],
                )
            ],
        )
        self.assertEqual(self.codes(self.send(proto, t, "JOIN #Marketing")), ["473"])
        parted = self.send(proto, t, "PART #marketing")
        self.assertEqual(
            [(m.command, m.params[2:]) for m in parted],
            [("442", ["you are not in Marketing: your request to enter it is withdrawn"])],
        )
        self.assertEqual(self.service.pendingRequests(), [])

    def test_guestApprovalGoesWithRename(self) -> None:
        """
        A guest accepted in an approval room who changes nick keeps the
        acceptance (leaves and joins again), and the next guest to take the
        old nick is asked to wait (473), not let in.
        """
        proto, t = self.client()
        self.send(proto, t, "NICK carol", "USER c 0 * :C")
        self.assertEqual(self.codes(self.send(proto, t, "JOIN #Marketing")), ["473"])
        self.successResultOf(self.service.acceptPending("Marketing", "carol"))
        self.send(proto, t, "NICK carla", "PART #Marketing")
        joined = self.send(proto, t, "JOIN #Marketing")
        self.assertEqual(joined[0].command, "JOIN")
        other, to = self.client()
        self.send(other, to, "NICK carol", "USER c 0 * :C")
        self.assertEqual(self.codes(self.send(other, to, "JOIN #Marketing")), ["473"])

    def test_sanctionsReachAnotherNickname(self) -> None:
        """
        A console mute or ban of an account reaches a client signed in to it
        with SASL under another nickname: it may not speak, then it is
        disconnected.
        """
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl", "NICK weeu", "USER w 0 * :W", "AUTHENTICATE PLAIN")
        self.send(proto, t, "AUTHENTICATE " + plain("alice", "sesame"), "CAP END", "JOIN #Blabla")
        console = Consoles(self.service)("root")
        whois = self.successResultOf(console.execute("whois alice"))
        # Signed in, not renamed: no rename clause after it.
        self.assertEqual(
            whois.splitlines()[0], "alice: not connected as alice; signed in to the account as weeu"
        )
        reply = self.successResultOf(console.execute("mute alice 5m be quiet"))
        self.assertNotIn("not connected", reply)
        self.assertIn("404", self.codes(self.send(proto, t, "PRIVMSG #Blabla :still here")))
        self.assertIn("447", self.codes(self.send(proto, t, "NICK weeu2")))  # keeps its name
        reply = self.successResultOf(console.execute("ban alice abusive"))
        self.assertEqual("banned alice", reply)
        self.assertTrue(t.disconnecting)

    def test_operatorSetsTopic(self) -> None:
        """
        A chatd operator (named in C{--operators}, logged in to the account
        with PASS) changes the room's stored topic; others get 482.
        """
        self.registered("moder", "moderpass")
        proto, t = self.client()
        self.send(proto, t, "PASS moderpass", "NICK moder", "USER r 0 * :R", "JOIN #Blabla")
        [change] = self.send(proto, t, "TOPIC #blabla :rules: be kind")
        self.assertEqual((change.command, change.params), ("TOPIC", ["#Blabla", "rules: be kind"]))
        self.assertEqual(self.service.topic("Blabla"), "rules: be kind")
        other, to = self.client()
        self.send(other, to, "NICK carol", "USER c 0 * :C", "JOIN #Blabla")
        self.assertEqual(self.codes(self.send(other, to, "TOPIC #Blabla :mine")), ["482"])


class IRCOutageTests(IRCStoreTestCase):
    """
    IRC while the chat database is unavailable: "try again later", not an
    internal error.
    """

    def setUp(self) -> None:
        super().setUp()
        self.outage = OutageStore()
        self.outage.startService()
        self.store = self.outage
        self.service = self.makeService()
        self.factory = IRCFactory(self.service, self.clock, floodBurst=None)
        self.registered("alice", "sesame")
        self.keptNothing()

    def test_registrationTryAgain(self) -> None:
        """
        Registering as an account (none of whose credentials this node
        kept) while the database is unavailable is answered C{263
        RPL_TRYAGAIN}; the same lines work once it is back.
        """
        self.outage.down = {"accountHash"}
        proto, t = self.client()
        [reply] = self.send(proto, t, "PASS sesame", "NICK alice", "USER a 0 * :A")
        self.assertEqual(reply.command, "263")
        self.assertEqual(reply.params[-1], "service unavailable, try again later")
        self.outage.down = set()
        self.assertIn("001", self.codes(self.send(proto, t, "NICK alice")))

    def test_registrationAfterUncheckedSASL(self) -> None:
        """
        SASL PLAIN for an account whose password cannot be checked while
        the database is unavailable is C{FAIL AUTHENTICATE
        TEMPORARILY_UNAVAILABLE} and C{904}; registration with that
        nickname then is C{263} (try again later), not C{433} (a wrong or
        missing password), once: a retry with no password is C{433}.
        """
        self.outage.down = {"accountHash"}
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl", "NICK alice", "USER u 0 * :U", "AUTHENTICATE PLAIN")
        told = self.send(proto, t, "AUTHENTICATE " + plain("alice", "sesame"))
        self.assertEqual(self.codes(told), ["FAIL", "904"])
        [reply] = self.send(proto, t, "CAP END")
        self.assertEqual(reply.command, "263")
        self.assertEqual(reply.params[-1], "service unavailable, try again later")
        self.outage.down = set()
        [reply] = self.send(proto, t, "NICK alice")
        self.assertEqual(reply.command, "433")

    def test_historyTryAgain(self) -> None:
        """
        CHATHISTORY while the database is unavailable is C{FAIL CHATHISTORY
        TEMPORARILY_UNAVAILABLE}.
        """
        proto, t = self.client()
        self.send(proto, t, "NICK carol", "USER c 0 * :C", "JOIN #Blabla")
        self.outage.down = {"window"}
        [reply] = self.send(proto, t, "CHATHISTORY LATEST #Blabla * 5")
        self.assertEqual(reply.command, "FAIL")
        self.assertEqual(reply.params[:2], ["CHATHISTORY", "TEMPORARILY_UNAVAILABLE"])
