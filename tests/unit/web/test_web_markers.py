"""
The web page's read markers (L{chatd.web.readmarks}): C{markread} moves
the account's marker, C{markers} lists them with unread counts, and the
account's other pages are told with a C{markread} frame.
"""

from __future__ import annotations

from tests.support.webclient import StoredWebTestCase


class WebMarkerTests(StoredWebTestCase):
    def test_markAndList(self) -> None:
        """
        Marking a room's message read stores the end of its second; the
        list gives each marker and how many messages came since; an
        earlier time leaves the marker.
        """
        phone = self.signIn()
        bob = self.web.connect("bob")
        self.request(phone, type="join", room="lobby")
        self.request(bob, type="join", room="lobby")
        self.request(bob, type="say", room="lobby", text="one")
        reply = self.request(phone, type="markread", room="lobby", time=1000)
        self.assertEqual(
            (reply["room"], reply["time"], reply["millis"]), ("lobby", 1000, 1_000_999)
        )
        self.reactor.advance(5)
        self.request(bob, type="say", room="lobby", text="two")
        self.request(bob, type="say", room="lobby", text="three")
        self.assertEqual(self.request(phone, type="markread", room="lobby", time=999)["time"], 1000)
        listed = self.request(phone, type="markers")["markers"]
        self.assertEqual(
            listed, [{"room": "lobby", "time": 1000, "millis": 1_000_999, "unread": 2}]
        )

    def test_markByMillis(self) -> None:
        """
        A page marks by a message's own C{millis} (given with every
        message): a later message of the same second is still unread.
        """
        phone = self.signIn()
        bob = self.web.connect("bob")
        self.request(phone, type="join", room="lobby")
        self.request(bob, type="join", room="lobby")
        said = self.request(bob, type="say", room="lobby", text="one")
        self.reactor.advance(0.25)
        self.request(bob, type="say", room="lobby", text="two, same second")
        reply = self.request(phone, type="markread", room="lobby", millis=said["millis"])
        self.assertEqual((reply["time"], reply["millis"]), (said["time"], said["millis"]))
        self.assertEqual(self.request(phone, type="markers")["markers"][0]["unread"], 1)
        refused = self.request(phone, type="markread", room="lobby", millis=-1)
        self.assertEqual(refused["code"], 10)

    def test_otherPageTold(self) -> None:
        """
        Another page of the account that asked for its markers is told
        when one moves; the page that moved it gets only its reply.
        """
        phone, laptop = self.signIn(), self.signIn()
        self.assertEqual(self.request(laptop, type="markers")["markers"], [])
        self.request(phone, type="markread", to="bob", time=1000)
        self.web.flush()
        self.assertEqual(
            laptop.take(),
            [{"type": "markread", "to": "bob", "time": 1000, "millis": 1_000_999}],
        )
        self.assertEqual(phone.take(), [])

    def test_guestRefused(self) -> None:
        """
        A guest's page is refused the list of markers (code 12: it is an
        account's); its C{markread} holds for its session only.  A request
        without a conversation or time is refused.
        """
        guest = self.web.connect("bob")
        self.assertEqual(self.request(guest, type="markers")["code"], 12)
        self.assertEqual(self.request(guest, type="markread", room="lobby", time=5)["millis"], 5999)
        self.assertEqual(self.successResultOf(self.store.readMarkers("bob")), [])
        alice = self.signIn()
        self.assertEqual(self.request(alice, type="markread", time=5)["code"], 10)
        self.assertEqual(self.request(alice, type="markread", room="lobby", time="x")["code"], 10)

    def test_privateWithoutMarkerListed(self) -> None:
        """
        A private conversation of the account with no marker yet, where
        someone else wrote (received by another connection, which marked
        nothing), is listed as marked at 0, with all they said unread; once
        marked, as any other.  One where only the account wrote is not.
        """
        phone = self.signIn()
        bob = self.web.connect("bob")
        self.web.connect("carol")  # told, never answers
        first = self.request(bob, type="tell", to="alice", text="hi")
        self.request(bob, type="tell", to="alice", text="there")
        self.request(phone, type="tell", to="bob", text="yo")
        self.request(phone, type="tell", to="carol", text="hello")
        laptop = self.signIn()
        self.assertEqual(
            self.request(laptop, type="markers")["markers"],
            [{"to": "bob", "time": 0, "millis": 0, "unread": 2}],
        )
        self.request(phone, type="markread", to="bob", millis=first["millis"])
        self.assertEqual(
            self.request(laptop, type="markers")["markers"],
            [{"to": "bob", "time": first["time"], "millis": first["millis"], "unread": 1}],
        )


class RenamedMarkerTests(StoredWebTestCase):
    """
    A private conversation's marker and unread count are the account's
    (as its history is), whatever nickname either side goes by.
    """

    accountsAtStart = (("alice", "sesame"), ("prof", "chalk99"))

    def test_ownWordsUnderAnotherNickname(self) -> None:
        """
        What the account says under another nickname is its own, not
        unread: a conversation where only it wrote is not listed, and
        after a marker only what the other person said is counted.
        """
        phone = self.signIn()
        self.web.connect("bob")
        self.request(phone, type="nick", nick="ally")
        for text in ("one", "two", "three"):
            self.request(phone, type="tell", to="bob", text=text)
        self.assertEqual(self.request(phone, type="markers")["markers"], [])
        said = self.request(phone, type="tell", to="bob", text="four")
        self.request(phone, type="markread", to="bob", millis=said["millis"])
        self.request(phone, type="nick", nick="al")
        self.request(phone, type="tell", to="bob", text="five")
        self.request(phone, type="tell", to="bob", text="six")
        listed = self.request(phone, type="markers")["markers"]
        self.assertEqual([(m["to"], m["unread"]) for m in listed], [("bob", 0)])

    def test_readUnderTheirNickname(self) -> None:
        """
        Marking read the conversation with someone by the nickname they
        go by moves the marker of their account's conversation: it is
        listed once, under the account, nothing left unread.
        """
        phone = self.signIn()
        prof = self.signIn("prof", "chalk99")
        self.request(prof, type="nick", nick="mentor")
        said = [self.request(prof, type="tell", to="alice", text=t) for t in ("a", "b", "c")]
        reply = self.request(phone, type="markread", to="mentor", millis=said[-1]["millis"])
        self.assertEqual((reply["to"], reply["millis"]), ("mentor", said[-1]["millis"]))
        listed = self.request(phone, type="markers")["markers"]
        self.assertEqual(
            listed,
            [{"to": "prof", "time": said[-1]["time"], "millis": said[-1]["millis"], "unread": 0}],
        )
