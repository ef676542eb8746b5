# -*- test-case-name: tests.unit.core.test_history,tests.unit.irc.test_irc_accountrights -*-
"""
History windows: a conversation's messages before, after, around or
between a message or a moment, and the conversations a user has history
in (IRC's C{CHATHISTORY}, usable by any front-end).

Every request takes from its person's allowance of history (its
account's, or its address's for a guest: L{whoseHistory}), as much as its
answer holds (L{chatd.core.allowance.HistoryAllowance}): one past it waits,
or is refused, and a large answer goes out at the allowance's pace (an
L{Answer}'s C{release}).  A chatd operator's are not counted.

The rule of who may read what is here, once: a room's history is for its
members; private conversations are kept for registered names only (an
unregistered nickname is anyone's once its user leaves, so its past is
nobody's to read); a connection signed in to an account under another
nickname reads the account's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from twisted.internet.defer import Deferred

from chatd.core import errors
from chatd.core.allowance import Answer, Whose, whoseHistory
from chatd.core.calls import maybeCall
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.interfaces import IParticipant
from chatd.core.limits import HISTORY_COUNT, MAX_HISTORY
from chatd.core.names import isValidName, key, normalize
from chatd.core.signedin import keptAs
from chatd.storage.conversations import Bound, Conversation
from chatd.storage.interfaces import IChatStore

if TYPE_CHECKING:
    from chatd.core.service import ChatService

#: The kinds of window (L{HistoryQuery.kind}).
LATEST, BEFORE, AFTER, AROUND, BETWEEN = "LATEST", "BEFORE", "AFTER", "AROUND", "BETWEEN"
KINDS = (LATEST, BEFORE, AFTER, AROUND, BETWEEN)

Messages = list[RoomMessage | PrivateMessage]
Said = TypeVar("Said", RoomMessage, RoomMessage | PrivateMessage)


@dataclass(frozen=True)
class Selector:
    """
    A point in a conversation: the message C{msgid}, or the moment
    C{millis} (Unix time in milliseconds).
    """

    msgid: str | None = None
    millis: int | None = None


@dataclass(frozen=True)
class HistoryQuery:
    """
    Which messages: C{LATEST} (the newest, after C{first} if given),
    C{BEFORE}/C{AFTER} C{first}, C{AROUND} C{first} (C{first} itself
    included, about half before it), C{BETWEEN} C{first} and C{second}
    (counted from C{first}, either way); at most C{limit}.
    """

    kind: str
    first: Selector | None
    limit: int
    second: Selector | None = None


def historyLimit(historyCount: int, limit: int | None = None) -> int:
    """
    How many messages a history request gets, of a room or a private
    conversation, the latest or earlier ones: C{limit}, or as many as
    entering a room replays (C{historyCount}, C{--history-count}), so
    every page of a conversation is the size of its first; or
    L{HISTORY_COUNT} when the replay is off (0): asking must show something.
    """
    return (historyCount or HISTORY_COUNT) if limit is None else limit


async def othersWritten(service: ChatService) -> None:
    """
    In a cluster sharing one store, wait until every other node has
    written what its store still queues (L{IChatObserver.everyoneStored}),
    so that what was said there a moment ago is found; at once otherwise.
    """
    persistence, observer = service.persistence, service.observer
    if observer is not None and persistence is not None and persistence.sharedStore:
        await maybeCall(observer.everyoneStored)


def roomSince(
    store: IChatStore, room: str, millis: int, limit: int
) -> Deferred[list[RoomMessage | PrivateMessage]]:
    """
    Room C{room}'s stored messages said at C{millis} (Unix milliseconds)
    or later, at most C{limit}: for a clean-up that looks through a span.
    """
    return store.window(Conversation.ofRoom(room), Bound(millis - 1), limit=limit)


class ChatHistory:
    """
    History windows over C{store}, for the users of C{service}.
    """

    def __init__(self, service: ChatService, store: IChatStore) -> None:
        self.service = service
        self.store = store

    def conversation(self, participant: IParticipant, target: str, isRoom: bool) -> Conversation:
        """
        The conversation C{participant} may read: room C{target}, or its
        private conversation with C{target}, whatever name they go by
        (L{keptAs}: the account a nickname is signed in to).

        @raise NotLoggedIn, NoSuchGroup, NotMember: not a room it is in.
        @raise NotPermitted: private history for an unregistered name.
        """
        if isRoom:
            return Conversation.ofRoom(self.service.memberRoom(participant, target).name)
        owner = self.owner(participant)
        if not self._readsPrivate(participant, owner):
            raise errors.NotPermitted("private history is kept for registered names only")
        return Conversation.between(owner, keptAs(self.service.people, target))

    def owner(self, participant: IParticipant) -> str:
        """
        Whose private history C{participant} reads: the account it signed
        in to, whatever nickname it goes by (history is the account's, as
        it is kept, L{chatd.core.messages}); else its nickname.

        @raise NotLoggedIn: it is not logged in.
        """
        nick = self.service.requireLogin(participant)
        return self.service.accountName(participant) or nick

    def _readsPrivate(self, participant: IParticipant, owner: str) -> bool:
        """
        Whether C{participant} reads C{owner}'s private history: the
        account it proved (its password, or registering it), still
        registered; never a guest holding a name registered since.
        """
        persistence = self.service.persistence
        return (
            persistence is not None
            and self.service.provenAccount(participant) == key(owner)
            and persistence.isRegisteredNow(owner)
        )

    def latest(
        self, participant: IParticipant, room: str, count: int
    ) -> Deferred[list[RoomMessage]]:
        """
        The last C{count} messages of C{room}, which C{participant} is in,
        oldest first (TCHAT's C{HISTO}, a welcome's past), what another
        node wrote a moment ago included (L{othersWritten}).
        """
        target = self.service.memberRoom(participant, room)
        if not 0 < count <= MAX_HISTORY:
            raise errors.InvalidArgument(f"ask for 1 to {MAX_HISTORY} messages")
        whose, turn = self._turn(participant)
        return Deferred.fromCoroutine(self._latest(whose, turn, target.name, count))

    def private(self, participant: IParticipant, nick: str, count: int) -> Deferred[Messages]:
        """
        The last C{count} messages of C{participant}'s own private
        conversation with C{nick}, oldest first (TCHAT's C{HISTP}, talk's
        C{/pmhistory}): a L{LATEST} L{window}, under the same rule.

        @raise NotLoggedIn, NotPermitted: as for L{conversation}.
        @raise InvalidNick: nobody can be called C{nick}.
        @raise InvalidArgument: C{count} is not 1 to L{MAX_HISTORY}.
        """
        self.conversation(participant, nick, False)
        if not isValidName(normalize(nick)):
            raise errors.InvalidNick(f"that is not a valid nickname: {errors.InvalidNick.reason}")
        return self.window(participant, nick, False, HistoryQuery(LATEST, None, count))

    def _turn(self, participant: IParticipant) -> tuple[Whose | None, Deferred[None] | None]:
        """
        Whose allowance of history a request of C{participant}'s takes
        (L{whoseHistory}; C{None}: a chatd operator's, not counted), and
        when it may be answered (L{HistoryAllowance.turn}).

        @raise TooFast: not soon.
        """
        if self.service.isOperator(participant):
            return None, None
        person = self.service.people.personOf(participant)
        account = self.service.people.accounts.key(person)
        whose = whoseHistory(person, account, self.service.admission.group(person.address))
        return whose, self.service.allowances.history.turn(whose)

    def _answer(self, whose: Whose | None, found: list[Said]) -> Answer[Said]:
        """
        C{found} as the answer to a request taking C{whose} allowance,
        counted (unless C{None}) and due at the pace of that allowance.
        """
        answer = Answer(found)
        if whose is not None:
            answer.release = self.service.allowances.history.charge(whose, found)
        return answer

    async def _latest(
        self, whose: Whose | None, turn: Deferred[None] | None, room: str, count: int
    ) -> list[RoomMessage]:
        if turn is not None:
            await turn
        await othersWritten(self.service)
        found = self.service.registry.ownPast(await self.store.history(room, count))
        return self._answer(whose, found)

    def window(
        self, participant: IParticipant, target: str, isRoom: bool, query: HistoryQuery
    ) -> Deferred[Messages]:
        """
        The messages of C{target} that C{query} selects, oldest first
        (none if a message it names is not in that conversation).

        @raise InvalidArgument: an unknown kind, a missing selector, or a
            limit that is not 1 to L{MAX_HISTORY}.
        """
        conversation = self.conversation(participant, target, isRoom)
        if query.kind not in KINDS:
            raise errors.InvalidArgument(f"unknown history request {query.kind}")
        if not 0 < query.limit <= MAX_HISTORY:
            raise errors.InvalidArgument(f"ask for 1 to {MAX_HISTORY} messages")
        if query.first is None and query.kind != LATEST:
            raise errors.InvalidArgument(f"{query.kind} needs a message or a time")
        if query.kind == BETWEEN and query.second is None:
            raise errors.InvalidArgument("BETWEEN needs two messages or times")
        whose, turn = self._turn(participant)
        return Deferred.fromCoroutine(self._window(whose, turn, conversation, query))

    async def _bound(self, conversation: Conversation, selector: Selector) -> Bound | None:
        if selector.msgid is not None:
            return await self.store.locate(conversation, selector.msgid)
        return Bound(selector.millis or 0)

    async def _window(
        self,
        whose: Whose | None,
        turn: Deferred[None] | None,
        conversation: Conversation,
        query: HistoryQuery,
    ) -> Messages:
        if turn is not None:
            await turn
        found = self.service.registry.ownPast(await self._windowOf(conversation, query))
        return self._answer(whose, found)

    async def _windowOf(self, conversation: Conversation, query: HistoryQuery) -> Messages:
        await othersWritten(self.service)
        store, limit = self.store, query.limit
        if query.first is None:
            return await store.window(conversation, limit=limit)
        first = await self._bound(conversation, query.first)
        if first is None:
            return []
        if query.kind == LATEST:
            return await store.window(conversation, after=first, limit=limit)
        if query.kind == BEFORE:
            return await store.window(conversation, before=first, limit=limit)
        if query.kind == AFTER:
            return await store.window(conversation, after=first, limit=limit, newest=False)
        if query.kind == AROUND:
            half = limit // 2
            older = await store.window(conversation, before=first, limit=half) if half else []
            newer = await store.window(
                conversation, after=first, limit=limit - half, newest=False, inclusive=True
            )
            return older + newer
        assert query.second is not None
        second = await self._bound(conversation, query.second)
        if second is None:
            return []
        if first.order() <= second.order():
            return await store.window(
                conversation, after=first, before=second, limit=limit, newest=False
            )
        return await store.window(conversation, after=second, before=first, limit=limit)

    def targets(
        self, participant: IParticipant, after: int, before: int, limit: int
    ) -> Deferred[list[tuple[str, bool, int]]]:
        """
        The rooms C{participant} is in, and (for a registered name) the
        people it exchanged private messages with, whose latest message
        was sent between C{after} and C{before} (milliseconds), earliest
        first: C{(name, is a room, latest millis)}.
        """
        nick, rooms, private = self.readable(participant)
        if not 0 < limit <= MAX_HISTORY:
            raise errors.InvalidArgument(f"ask for 1 to {MAX_HISTORY} conversations")
        return self.store.targets(nick, rooms, after, before, limit, private)

    def readable(self, participant: IParticipant) -> tuple[str, list[str], bool]:
        """
        The history C{participant} may read at all: whose private
        history (L{owner}), the rooms it is in, and whether its private
        conversations (kept for a registered name only).

        @raise NotLoggedIn: it is not logged in.
        """
        owner = self.owner(participant)
        return owner, self.service.roomsOf(participant), self._readsPrivate(participant, owner)
