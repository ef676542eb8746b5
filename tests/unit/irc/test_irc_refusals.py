"""
A refused C{PRIVMSG} is answered with a numeric naming its target first
(C{401}, C{403} or C{404}) and the message, quoted short, so that clients
without C{echo-message}, which showed it as sent, show the refusal in the
channel's or query's window (L{chatd.irc.refusals}); a C{NOTICE} gets no
answer.
"""

from __future__ import annotations

from typing import Any, NoReturn

from chatd.core import errors
from chatd.core.events import PrivateMessage
from chatd.irc.refusals import EXCERPT_BYTES, excerpt
from chatd.testing import RecordingParticipant
from tests.support.irchelpers import IRCTestCase


def refusing(error: errors.ChatError) -> Any:
    """
    A service call that refuses with C{error}, as the cluster's or the
    store's outages make C{tell} and C{say} refuse.
    """

    def refuse(*args: object, **kwargs: object) -> NoReturn:
        raise error

    return refuse


class RefusalTests(IRCTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alice, self.ta = self.connect("alice")
        self.send(self.alice, self.ta, "JOIN #lobby")
        self.bob = RecordingParticipant(protocolName="tchat")
        self.service.connect(self.bob)
        self.service.login(self.bob, "bob")

    def refusal(self, line: str) -> tuple[str, list[str]]:
        """
        The one reply to C{line}: its numeric and its parameters.
        """
        [reply] = self.messages(self.send(self.alice, self.ta, line))
        return reply.command, reply.params

    def test_clusterUnavailableToNick(self) -> None:
        """
        A private message the cluster cannot take now (Redis failing over)
        is answered C{404} naming the recipient and the message, not
        C{263} (which clients show in the server's window) nor C{400}.
        """
        self.patch(self.service, "tell", refusing(errors.ClusterUnavailable()))
        self.assertEqual(
            self.refusal("PRIVMSG bob :see you at five"),
            (
                "404",
                [
                    "alice",
                    "bob",
                    '"see you at five" not delivered: the chat is briefly unreachable,'
                    " try again in a moment",
                ],
            ),
        )

    def test_relayUnavailableToNick(self) -> None:
        """
        The link between servers down (code 3, as a store outage) is
        C{404} naming the recipient too.
        """
        self.patch(self.service, "tell", refusing(errors.RelayUnavailable()))
        command, params = self.refusal("PRIVMSG bob :psst")
        self.assertEqual((command, params[1]), ("404", "bob"))
        self.assertEqual(
            params[2],
            '"psst" not delivered: the other servers are briefly unreachable,'
            " try again in a moment",
        )

    def test_storeUnavailableInChannel(self) -> None:
        """
        A channel message the store or the relay refuses is C{404} naming
        the channel as the room is called (C{#lobby} for C{#Lobby}), as its
        C{JOIN} did.
        """
        self.patch(self.service, "say", refusing(errors.StoreUnavailable()))
        command, params = self.refusal("PRIVMSG #Lobby :hello all")
        self.assertEqual((command, params[1]), ("404", "#lobby"))
        self.assertIn('"hello all" not delivered: service unavailable', params[2])

    def test_inboxFull(self) -> None:
        """
        A full inbox names the recipient and the message.
        """
        self.patch(self.service, "tell", refusing(errors.InboxFull()))
        command, params = self.refusal("PRIVMSG carol :one more")
        self.assertEqual((command, params[1]), ("404", "carol"))
        self.assertTrue(params[2].startswith('"one more" not delivered: their inbox is full'))

    def test_muted(self) -> None:
        """
        A muted sender's private message is C{404} naming the recipient.
        """
        self.service.moderation.mute("alice", 600, "spam", "root")
        command, params = self.refusal("PRIVMSG bob :buy cheap stuff")
        self.assertEqual((command, params[1]), ("404", "bob"))
        self.assertEqual(
            params[2], '"buy cheap stuff" not delivered: you are muted for 10m more: spam'
        )
        self.assertEqual([e for e in self.bob.events if isinstance(e, PrivateMessage)], [])

    def test_recipientGone(self) -> None:
        """
        A private message to someone who left is C{401} naming them and
        the message.
        """
        self.service.disconnect(self.bob)
        self.assertEqual(
            self.refusal("PRIVMSG bob :are you there?"),
            ("401", ["alice", "bob", '"are you there?" not delivered: no such user is connected']),
        )

    def test_noSuchChannel(self) -> None:
        """
        A channel that does not exist is C{403}; one the client is not in,
        C{404}; both name the channel and the message.
        """
        command, params = self.refusal("PRIVMSG #nowhere :hi")
        self.assertEqual((command, params[1]), ("403", "#nowhere"))
        self.assertIn('"hi" not delivered', params[2])
        self.service.createRoom(self.bob, "den")
        command, params = self.refusal("PRIVMSG #den :hi")
        self.assertEqual((command, params[1]), ("404", "#den"))
        self.assertEqual(params[2], '"hi" not delivered: you are not in that room')

    def test_textRefused(self) -> None:
        """
        Text the service refuses (a control character, formatting alone)
        is C{404} naming the target, not a C{FAIL} or a C{461}, which
        clients show in the server's window.
        """
        command, params = self.refusal("PRIVMSG bob :ring \x07 ring")
        self.assertEqual((command, params[1]), ("404", "bob"))
        self.assertIn('"ring  ring" not delivered: the message holds U+0007', params[2])
        command, params = self.refusal("PRIVMSG #lobby :\x02\x02")
        self.assertEqual(
            (command, params[1:]), ("404", ["#lobby", "Message not delivered: empty message"])
        )

    def test_noticeNotAnswered(self) -> None:
        """
        A refused C{NOTICE} (or C{TAGMSG}) is not answered, as IRC requires.
        """
        self.patch(self.service, "tell", refusing(errors.RelayUnavailable()))
        self.assertEqual(self.send(self.alice, self.ta, "NOTICE bob :psst"), "")
        self.assertEqual(self.send(self.alice, self.ta, "NOTICE nobody :psst"), "")

    def test_excerpt(self) -> None:
        """
        The message is quoted as plain text, cut short with C{…} (between
        characters as a reader sees them), an action as C{/me}, and
        marked C{…} when more lines followed.
        """
        self.assertEqual(excerpt(("\x02bold\x02 words",)), "bold words")
        self.assertEqual(excerpt(("\x01ACTION waves\x01",)), "/me waves")
        self.assertEqual(excerpt(("first", "second")), "first…")
        cut = excerpt(("é" * 100,))
        self.assertEqual(cut, "é" * (EXCERPT_BYTES // 2) + "…")
        self.assertEqual(excerpt(("e\u0301" * 40,)), "e\u0301" * (EXCERPT_BYTES // 3) + "…")
        self.assertEqual(excerpt(()), "")
