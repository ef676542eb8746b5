# -*- test-case-name: tests.integration.test_store_window -*-
"""
What a history window asks of a store, shared by every store: which
conversation (L{Conversation}), where a window starts or ends (L{Bound}),
and the SQL both engines run for it.

A window is in the order messages were sent (their milliseconds, then
their ids: the order they were stored in): in a cluster, nodes write their
messages in batches, so ids alone would list a node's batch before what
another node's users said meanwhile.  A bound is either a message (its
time and id: a C{msgid} the client gave) or a moment (milliseconds: a
C{timestamp} it gave), always exclusive but for the one inclusive lower
bound of C{AROUND}.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatd.core.events import PrivateMessage, RoomMessage, Sender
from chatd.core.names import key

#: The columns a window reads, in L{rowToEvent}'s order.
WINDOW_COLUMNS = "room, sender, recipient, body, sent, msgid, sent_ms, notice, sender_userhost"


@dataclass(frozen=True)
class Conversation:
    """
    A room's messages (C{room}), or the private messages between C{nick}
    and C{other} (either way; C{nick} may be C{other}: notes to oneself)
    that are in C{nick}'s history: those sent while C{nick} was registered.
    """

    room: str | None = None
    nick: str | None = None
    other: str | None = None

    @classmethod
    def ofRoom(cls, room: str) -> Conversation:
        return cls(room=room)

    @classmethod
    def between(cls, nick: str, other: str) -> Conversation:
        return cls(nick=nick, other=other)

    def where(self) -> tuple[str, list[object]]:
        """
        The SQL condition selecting this conversation's messages.
        """
        if self.room is not None:
            return "room_key = ?", [key(self.room)]
        assert self.nick is not None and self.other is not None
        mine, theirs = key(self.nick), key(self.other)
        return (
            "room_key IS NULL AND ((sender_account = ? AND recipient_key = ?)"
            " OR (recipient_account = ? AND sender_key = ?))",
            [mine, theirs, mine, theirs],
        )

    def holds(self, event: RoomMessage | PrivateMessage, accounts: tuple[bool, bool]) -> bool:
        """
        Whether C{event}, sent between people of whom C{accounts} says
        who was registered, belongs to this conversation (the memory
        store's L{where}).
        """
        if self.room is not None:
            return isinstance(event, RoomMessage) and key(event.room) == key(self.room)
        if not isinstance(event, PrivateMessage):
            return False
        assert self.nick is not None and self.other is not None
        mine, theirs = key(self.nick), key(self.other)
        sender, recipient = key(event.sender), key(event.recipient)
        return (accounts[0] and sender == mine and recipient == theirs) or (
            accounts[1] and recipient == mine and sender == theirs
        )


@dataclass(frozen=True)
class Bound:
    """
    One end of a window: the message with database id C{id}, or the moment
    C{millis} when C{id} is C{None}.  A message's bound also has its
    C{millis}, so two bounds can be put in order.
    """

    millis: int
    id: int | None = None

    def order(self) -> tuple[int, int]:
        return (self.millis, -1 if self.id is None else self.id)


def windowQuery(
    conversation: Conversation,
    after: Bound | None,
    before: Bound | None,
    limit: int,
    newest: bool,
    inclusive: bool,
) -> tuple[str, list[object]]:
    """
    The SELECT (with C{?} placeholders) of a window's messages, newest
    first if C{newest} (the caller reverses them), else oldest first.
    """
    where, args = conversation.where()
    clauses, values = between(after, before, inclusive)
    clauses.insert(0, where)
    args.extend(values)
    order = "DESC" if newest else "ASC"
    query = (
        f"SELECT {WINDOW_COLUMNS} FROM messages WHERE {' AND '.join(clauses)}"
        f" ORDER BY sent_ms {order}, id {order} LIMIT ?"
    )
    return query, [*args, limit]


def between(
    after: Bound | None, before: Bound | None, inclusive: bool = False
) -> tuple[list[str], list[object]]:
    """
    The SQL conditions (with C{?} placeholders) of the messages between
    C{after} (or at it, if C{inclusive}) and C{before}, and their values.
    """
    clauses: list[str] = []
    args: list[object] = []
    for comparison, bound in ((">=" if inclusive else ">", after), ("<", before)):
        if bound is not None:
            clause, values = _beyond(comparison, bound)
            clauses.append(clause)
            args.extend(values)
    return clauses, args


def _beyond(comparison: str, bound: Bound) -> tuple[str, list[object]]:
    """
    The SQL condition of the messages C{comparison} C{bound}, in the
    window's order (a moment compares times only).
    """
    if bound.id is None:
        return f"sent_ms {comparison} ?", [bound.millis]
    strict = comparison.rstrip("=")
    return (
        f"(sent_ms {strict} ? OR (sent_ms = ? AND id {comparison} ?))",
        [bound.millis, bound.millis, bound.id],
    )


def inWindow(
    id: int, millis: int, after: Bound | None, before: Bound | None, inclusive: bool
) -> bool:
    """
    Whether the message C{id} sent at C{millis} is inside the window's
    bounds (the memory store's L{windowQuery}).
    """
    if after is not None:
        value, low = _place(id, millis, after), after.order()
        if value < low or (value == low and not inclusive):
            return False
    return before is None or _place(id, millis, before) < before.order()


def _place(id: int, millis: int, bound: Bound) -> tuple[int, int]:
    """
    Where the message C{id} sent at C{millis} stands against C{bound}: by
    time and id, or by time alone against a moment.
    """
    return (millis, -1 if bound.id is None else id)


def rowToEvent(
    room: str | None,
    sender: str,
    recipient: str | None,
    body: str,
    sent: int,
    msgid: str | None,
    millis: int | None,
    notice: int = 0,
    userhost: str | None = None,
) -> RoomMessage | PrivateMessage:
    """
    A stored row (L{WINDOW_COLUMNS}) as the event it was, a notice if it
    was one, from its L{Sender} (with the C{user@host} it showed).
    """
    lines, when, ms, shown = tuple(body.split("\n")), int(sent), millis or 0, msgid or ""
    sender = Sender(sender, userhost or "")
    if room is not None:
        return RoomMessage(room, sender, lines, when, bool(notice), msgid=shown, millis=ms)
    return PrivateMessage(
        sender, recipient or "", lines, when, bool(notice), msgid=shown, millis=ms
    )


#: The rooms among C{?...} whose latest message is inside a window
#: (formatted with the placeholders for the rooms).
ROOM_TARGETS = (
    "SELECT MAX(room), MAX(sent_ms) FROM messages WHERE room_key IN ({marks})"
    " GROUP BY room_key HAVING MAX(sent_ms) > ? AND MAX(sent_ms) < ?"
)

#: The people a registered nick (C{?} four times: its key) exchanged
#: private messages with (in its history) whose latest message is inside
#: a window.
PRIVATE_TARGETS = (
    "SELECT MAX(CASE WHEN sender_account = ? THEN recipient ELSE sender END), MAX(sent_ms)"
    " FROM messages WHERE room_key IS NULL AND (sender_account = ? OR recipient_account = ?)"
    " GROUP BY CASE WHEN sender_account = ? THEN recipient_key ELSE sender_key END"
    " HAVING MAX(sent_ms) > ? AND MAX(sent_ms) < ?"
)
