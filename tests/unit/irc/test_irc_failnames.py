"""
The IRCv3 standard replies (C{FAIL}) that name a channel or a person name
them as every other reply does (L{chatd.irc.targetnames.shownTarget}): an
existing room by its own name (C{#Général} for C{#general}), a person
signed in by the nickname they go by (C{Zoé} for C{zoe}), and a name that
is no room and nobody's as typed.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import fail
from twisted.internet.testing import StringTransport

from chatd.core import errors
from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from tests.support.irchelpers import IRCTestCase
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.persistencecase import OutageStore, OutageStoreCase

CAPS = "CAP REQ :draft/message-redaction draft/read-marker draft/chathistory batch message-tags"


def fails(messages: list[Message]) -> list[list[str]]:
    """
    The parameters of each C{FAIL} among C{messages}, but the text.
    """
    return [m.params[:-1] for m in messages if m.command == "FAIL"]


class StoredFailNameTests(OutageStoreCase, IRCStoreTestCase):
    """
    The accounts C{alice} and C{Zoé} in the stored room C{Général}, where
    alice said something, and the guest C{carol}, in no room; the store's
    methods named in C{self.store.down} fail as a database outage does.
    """

    store: OutageStore

    clientCaps = CAPS

    def setUp(self) -> None:
        super().setUp()
        self.registered("Zoé", "zozo")
        self.alice, self.ta = self.clientAs("alice", "PASS sesame")
        self.zoe, self.tz = self.clientAs("Zoé", "PASS zozo")
        self.carol, self.tc = self.clientAs("carol")
        self.send(self.alice, self.ta, "JOIN #Général")
        self.send(self.zoe, self.tz, "JOIN #Général")
        self.send(self.alice, self.ta, "PRIVMSG #Général :picnic on Sunday")
        [said] = [m for m in self.send(self.zoe, self.tz) if m.command == "PRIVMSG"]
        self.msgid = said.tags["msgid"]

    def failsFor(self, proto: IRCProtocol, t: StringTransport, line: str) -> list[list[str]]:
        return fails(self.send(proto, t, line))

    def test_chathistoryInvalidTarget(self) -> None:
        """
        C{FAIL CHATHISTORY INVALID_TARGET} names a room one may not read by
        its own name and a person by their nickname; no room and nobody as
        typed.
        """
        for asked, named in [
            ("#general", "#Général"),
            ("zoe", "Zoé"),
            ("#Nowhere", "#Nowhere"),
            ("nobody", "nobody"),
        ]:
            self.assertEqual(
                self.failsFor(self.carol, self.tc, f"CHATHISTORY LATEST {asked} * 10"),
                [["CHATHISTORY", "INVALID_TARGET", "LATEST", named]],
            )

    def test_chathistoryUnavailable(self) -> None:
        """
        C{FAIL CHATHISTORY TEMPORARILY_UNAVAILABLE} (the database down)
        names the room and the person as shown.
        """
        self.store.down = {"window"}
        for asked, named in [("#GENERAL", "#Général"), ("ZOE", "Zoé")]:
            self.assertEqual(
                self.failsFor(self.alice, self.ta, f"CHATHISTORY LATEST {asked} * 10"),
                [["CHATHISTORY", "TEMPORARILY_UNAVAILABLE", "LATEST", named]],
            )

    def test_chathistoryMessageError(self) -> None:
        """
        C{FAIL CHATHISTORY MESSAGE_ERROR}, any other refusal, names them so
        too.
        """

        def refused(*args: Any) -> Any:
            return fail(errors.InternalError("no"))

        self.patch(self.service, "historyWindow", refused)
        for asked, named in [("#general", "#Général"), ("zoe", "Zoé")]:
            self.assertEqual(
                self.failsFor(self.alice, self.ta, f"CHATHISTORY LATEST {asked} * 10"),
                [["CHATHISTORY", "MESSAGE_ERROR", "LATEST", named]],
            )

    def test_markreadInvalidParams(self) -> None:
        """
        C{FAIL MARKREAD INVALID_PARAMS}, for a value that is no timestamp
        or a moment the service refuses, names the room and the person as
        shown.
        """
        for value in ("yesterday", "timestamp=1969-12-31T23:59:59.000Z"):
            for asked, named in [
                ("#general", "#Général"),
                ("zoe", "Zoé"),
                ("#Nowhere", "#Nowhere"),
            ]:
                self.assertEqual(
                    self.failsFor(self.alice, self.ta, f"MARKREAD {asked} {value}"),
                    [["MARKREAD", "INVALID_PARAMS", named]],
                )

    def test_markreadInternalError(self) -> None:
        """
        C{FAIL MARKREAD INTERNAL_ERROR} (the store failed) names them so too.
        """

        def broken(*args: Any) -> Any:
            return fail(RuntimeError("disk on fire"))

        self.patch(self.store, "saveReadMarker", broken)
        for asked, named in [("#GÉNÉRAL", "#Général"), ("zoe", "Zoé")]:
            self.assertEqual(
                self.failsFor(
                    self.alice, self.ta, f"MARKREAD {asked} timestamp=2023-11-14T22:13:20.000Z"
                ),
                [["MARKREAD", "INTERNAL_ERROR", named]],
            )

    def test_redactUnknownMsgid(self) -> None:
        """
        C{FAIL REDACT UNKNOWN_MSGID} names the room and the person as shown.
        """
        for asked, named in [("#general", "#Général"), ("zoe", "Zoé")]:
            self.assertEqual(
                self.failsFor(self.alice, self.ta, f"REDACT {asked} nope"),
                [["REDACT", "UNKNOWN_MSGID", named, "nope"]],
            )

    def test_redactForbidden(self) -> None:
        """
        C{FAIL REDACT REDACT_FORBIDDEN} (not one's message) names the room,
        and the other side of a private conversation, as shown.
        """
        self.assertEqual(
            self.failsFor(self.zoe, self.tz, f"REDACT #GENERAL {self.msgid}"),
            [["REDACT", "REDACT_FORBIDDEN", "#Général", self.msgid]],
        )
        self.send(self.alice, self.ta, "PRIVMSG Zoé :psst")
        [told] = [m for m in self.send(self.zoe, self.tz) if m.command == "PRIVMSG"]
        msgid = told.tags["msgid"]
        self.assertEqual(
            self.failsFor(self.zoe, self.tz, f"REDACT ALICE {msgid}"),
            [["REDACT", "REDACT_FORBIDDEN", "ALICE", msgid]],  # case only: as typed
        )

    def test_redactInvalidTarget(self) -> None:
        """
        C{FAIL REDACT INVALID_TARGET} names a room one is not in by its own
        name, and one that is no room as typed.
        """
        for asked, named in [("#general", "#Général"), ("#Nowhere", "#Nowhere")]:
            self.assertEqual(
                self.failsFor(self.carol, self.tc, f"REDACT {asked} {self.msgid}"),
                [["REDACT", "INVALID_TARGET", named]],
            )

    def test_redactUnavailable(self) -> None:
        """
        C{FAIL REDACT TEMPORARILY_UNAVAILABLE} (the database down) names
        the room as stored.
        """
        self.store.down = {"deleteMessage"}
        self.assertEqual(
            self.failsFor(self.alice, self.ta, f"REDACT #général {self.msgid}"),
            [["REDACT", "TEMPORARILY_UNAVAILABLE", "#Général"]],
        )


class FailNameTests(IRCTestCase):
    """
    Without a store: C{alice} runs the room C{Général}, where C{Zoé} is.
    """

    def setUp(self) -> None:
        super().setUp()
        self.alice, self.ta = self.connect("alice")
        self.zoe, self.tz = self.connect("Zoé")
        self.send(self.alice, self.ta, "JOIN #Général")
        self.send(self.zoe, self.tz, "JOIN #Général")
        self.read(self.ta)

    def failsFor(self, proto: IRCProtocol, t: StringTransport, line: str) -> list[list[str]]:
        return fails(self.messages(self.send(proto, t, line)))

    def test_markreadAccountRequired(self) -> None:
        """
        C{FAIL MARKREAD ACCOUNT_REQUIRED} (no accounts kept) names the room
        and the person as shown, no room and nobody as typed.
        """
        for asked, named in [
            ("#général", "#Général"),
            ("zoe", "Zoé"),
            ("#Nowhere", "#Nowhere"),
            ("nobody", "nobody"),
        ]:
            self.assertEqual(
                self.failsFor(self.alice, self.ta, f"MARKREAD {asked}"),
                [["MARKREAD", "ACCOUNT_REQUIRED", named]],
            )

    def test_kickInvalidText(self) -> None:
        """
        C{FAIL KICK INVALID_TEXT} (a reason with a control character) names
        the member by their nickname; nobody is kicked.
        """
        self.assertEqual(
            self.failsFor(self.alice, self.ta, "KICK #général ZOE :out\x07"),
            [["KICK", "INVALID_TEXT", "Zoé"]],
        )
        self.assertEqual(self.service.roomsOf(self.zoe), ["Général"])

    def test_killInvalidText(self) -> None:
        """
        C{FAIL KILL INVALID_TEXT} names the person by their nickname, and
        nobody's name as typed (C{401}).
        """
        self.makeOperator("alice")
        self.assertEqual(
            self.failsFor(self.alice, self.ta, "KILL ZOE :out\x07"),
            [["KILL", "INVALID_TEXT", "Zoé"]],
        )
        [refused] = self.messages(self.send(self.alice, self.ta, "KILL nobody :out"))
        self.assertEqual((refused.command, refused.params[1]), ("401", "nobody"))
