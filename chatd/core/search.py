# -*- test-case-name: tests.unit.core.test_search -*-
"""
Searching the history a person may read: the rooms they are in and, for a
registered name, their own private conversations (the rule of
L{chatd.core.chathistory.ChatHistory.readable}, applied here once for
every front-end).  The store answers with its database's own full-text
search (L{chatd.storage.interfaces.IChatStore.search}).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from twisted.internet.defer import Deferred

from chatd.core import errors
from chatd.core.chathistory import othersWritten
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.interfaces import IChatService, IParticipant
from chatd.core.limits import MAX_SEARCH_LENGTH, MAX_SEARCH_RESULTS, SEARCH_RESULTS
from chatd.core.names import key
from chatd.core.pacing import wireSize
from chatd.core.text import checkText

if TYPE_CHECKING:
    from chatd.core.service import ChatService


@dataclass(frozen=True)
class Found:
    """
    A message a search found: C{message}, said in room C{conversation}
    (C{isRoom}), or in the private conversation with the person
    C{conversation}.
    """

    message: RoomMessage | PrivateMessage
    conversation: str
    isRoom: bool

    def wireSize(self) -> int:
        """Its message's size on any wire, which the pages of a reply add up."""
        return wireSize(self.message)


def search(
    service: IChatService, participant: IParticipant, text: str, limit: int = SEARCH_RESULTS
) -> Deferred[list[Found]]:
    """
    The newest C{limit} messages, newest first, that C{participant} may
    read and whose text holds every word of C{text}.

    @raise NotPermitted: the server keeps no history.
    @raise NotLoggedIn: C{participant} is not logged in.
    @raise InvalidArgument: no word (of letters or digits) to search for,
        a text over L{MAX_SEARCH_LENGTH} characters, or a limit that is not
        1 to L{MAX_SEARCH_RESULTS}.
    """
    persistence = service.persistence
    if persistence is None:
        raise errors.NotPermitted("this server keeps no history")
    words = checkText(text, "search").split()
    if not any(char.isalnum() for word in words for char in word):
        raise errors.InvalidArgument("search for at least one word")
    if len(text) > MAX_SEARCH_LENGTH:
        raise errors.InvalidArgument(f"search for at most {MAX_SEARCH_LENGTH} characters")
    if not 0 < limit <= MAX_SEARCH_RESULTS:
        raise errors.InvalidArgument(f"ask for 1 to {MAX_SEARCH_RESULTS} results")
    nick, rooms, private = persistence.chathistory.readable(participant)

    chat = cast("ChatService", service)

    async def found() -> list[Found]:
        # What another node said a moment ago too, as history requests do.
        await othersWritten(chat)
        messages = await persistence.store.search(nick, rooms, words, limit, private)
        return [_found(message, nick) for message in chat.registry.ownPast(messages)]

    return Deferred.fromCoroutine(found())


def _found(message: RoomMessage | PrivateMessage, nick: str) -> Found:
    if isinstance(message, RoomMessage):
        return Found(message, message.room, True)
    mine = key(message.sender) == key(nick)
    return Found(message, message.recipient if mine else message.sender, False)
