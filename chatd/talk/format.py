# -*- test-case-name: tests.unit.talk.test_talk,tests.unit.talk.test_talk_accounts,tests.unit.talk.test_talk_search,tests.unit.test_ctcp_frontends -*-  # noqa: E501
"""
What a person in talk mode sees: the text form of every event and notice.

Chat reads C{[lobby] <alice> hello}, private messages C{*private* <bob> hi},
and everything the server itself says starts with C{***}, so it never looks
like something a person typed.  A room's history, offered on entering it,
comes between two marker lines (L{historyPieces}); it and a private message
that waited for its recipient carry the time they were sent, in the
server's local time: C{[lobby 14:02] <alice> hello}.  The service says which
events are replayed: nothing is guessed from an event's age.  Lines
end in C{CR LF} as a telnet terminal expects, and control characters from
other people's text are removed so nobody can send escape sequences to
everyone's screen.

The encoders are module-level functions so that C{event.wire(encoder)} caches
one encoding per event for every talk-mode recipient.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

from chatd.core import errors
from chatd.core.accounts import PasswordRules
from chatd.core.allowance import keep
from chatd.core.events import (
    KICK,
    Administrator,
    Invitation,
    Membership,
    Notice,
    PrivateMessage,
    Redaction,
    Rename,
    RoomChange,
    RoomMessage,
    shownBy,
)
from chatd.core.names import NICK_SPECIALS, key
from chatd.core.search import Found
from chatd.core.text import actionOf, bytesInCharacters, narrowBlanks, plain, plainLine
from chatd.lines.overlong import ENDLESS_LINE

NOTICE = "*** "

#: C{text} without control characters (nor IRC formatting), safe to print
#: on a terminal: the rule every terminal and browser front-end shares.
clean = plain


def lines(*texts: str) -> bytes:
    """
    Encode C{texts} as terminal lines.
    """
    return "".join(text + "\r\n" for text in texts).encode("utf-8")


def serverLine(text: str) -> bytes:
    """
    A line from the server itself.
    """
    return lines(NOTICE + text)


def said(sender: str, texts: tuple[str, ...]) -> list[str]:
    """
    What C{sender} said as terminal lines, before the conversation's mark
    (C{[lobby] }, C{*private* }): C{<nick> text}, one per message line; a
    message that is an action (L{actionOf}: the message's own flag, never
    a guess from its text) C{* nick does something}.  TABs are expanded
    to the next multiple of 8 columns counted from the start of the text,
    so that text lines up the same whatever mark and name come before it;
    a run of blanks wider than 8 columns shows as 8 spaces (L{narrowBlanks}),
    so no line is padded to wrap into what reads as another person's.
    """
    words = actionOf(texts)
    if words is not None:
        return [narrowBlanks(f"* {sender} {plain(words)}".expandtabs(8))]
    return [f"<{sender}> {narrowBlanks(plainLine(sender, line).expandtabs(8))}" for line in texts]


def headed(head: str, sender: str, texts: tuple[str, ...]) -> bytes:
    """
    L{said}, each line after C{head}.
    """
    return lines(*(head + line for line in said(sender, texts)))


def encodeRoomMessage(event: RoomMessage) -> bytes:
    """
    C{[room] <nick> text}, one terminal line per message line; an action
    (L{chatd.core.text.actionLine}) shows as C{[room] * nick does
    something}, and text that only looks like one as C{[room] <nick> * nick
    ...}.
    """
    return headed(f"[{event.room}] ", event.sender, event.lines)


def encodePrivateMessage(event: PrivateMessage) -> bytes:
    """
    C{*private* <nick> text}, one terminal line per message line; an action
    C{*private* * nick does something}.
    """
    return headed("*private* ", event.sender, event.lines)


def encodeOwnPrivateMessage(event: PrivateMessage) -> bytes:
    """
    C{*private to <nick>* <me> text}: what the person said privately from
    another of their connections.
    """
    return headed(f"*private to {event.recipient}* ", event.sender, event.lines)


def stamp(when: int, now: float) -> str:
    """
    C{14:02} in the server's local time; C{Nov 14 22:13} when that is not
    today, so that old history is not mistaken for today's.
    """
    moment, today = time.localtime(when), time.localtime(now)
    if moment[:3] == today[:3]:
        return time.strftime("%H:%M", moment)
    if moment.tm_year == today.tm_year:
        return time.strftime("%b %d %H:%M", moment)
    return time.strftime("%Y-%m-%d %H:%M", moment)


def encodeOldRoomMessage(event: RoomMessage, now: float) -> bytes:
    """
    A room message from history: C{[lobby 14:02] <alice> text}.  Not cached
    with C{event.wire}: the date shown depends on C{now}, and history events
    are built per reader anyway.
    """
    return headed(f"[{event.room} {stamp(event.when, now)}] ", event.sender, event.lines)


#: A live room message said this many seconds ago or more (one read back from
#: a lost cluster node) shows its time, as history does.
LATE = 60


def encodeLiveRoomMessage(event: RoomMessage, now: float) -> bytes:
    """
    A room message as it comes: C{[lobby] <alice> text}, encoded once for
    every reader; one said L{LATE} seconds ago or more with its time.
    """
    if now - event.when >= LATE:
        return encodeOldRoomMessage(event, now)
    return event.wire(encodeRoomMessage)


def historyPieces(
    room: str,
    events: list[RoomMessage],
    now: float,
    paging: Callable[[list[RoomMessage]], Iterable[list[RoomMessage]]],
) -> Iterator[bytes]:
    """
    A room's past messages, each with its time, between two server lines
    no person's line can look like: C{*** History of lobby, the last 2
    messages:} and C{*** End of history.}; in pieces, a page (C{paging})
    each, encoded as they are due (L{chatd.lines.paced}).  Both entering a
    room and C{/history} show history so.
    """
    shown = keep(events, [event for event in events if event.lines])  # IRC's TAGMSG: nothing
    if not shown:
        return
    many = "message" if len(shown) == 1 else f"{len(shown)} messages"
    yield serverLine(f"History of {room}, the last {many}:")
    for page in paging(shown):
        yield b"".join(encodeOldRoomMessage(event, now) for event in page)
    yield serverLine("End of history.")


def encodeOldPrivateMessage(event: PrivateMessage, now: float) -> bytes:
    """
    A private message that waited for its recipient:
    C{*private 14:02* <bob> text}.
    """
    return headed(f"*private {stamp(event.when, now)}* ", event.sender, event.lines)


def searchPieces(
    text: str,
    found: list[Found],
    now: float,
    paging: Callable[[list[Found]], Iterable[list[Found]]],
) -> Iterator[bytes]:
    """
    What C{/search text} found, newest first, each message with its time
    and conversation (C{[lobby 14:02] <alice> ...} or C{*private with bob
    14:02* <bob> ...}), between two server lines, a page (C{paging}) a
    piece as L{historyPieces}; or one line saying that nothing matched.
    """
    quoted = clean(text)
    if len(quoted) > 1 and quoted[0] == quoted[-1] == '"':
        quoted = quoted[1:-1]  # typed quoted already: shown so once
    if not found:
        yield serverLine(f'No message matches "{quoted}".')
        return
    many = "1 message" if len(found) == 1 else f"{len(found)} messages"
    yield serverLine(f'Search for "{quoted}": {many}, newest first:')
    for page in paging(found):
        yield b"".join(_foundLines(result, now) for result in page)
    yield serverLine("End of search.")


def _foundLines(result: Found, now: float) -> bytes:
    event = result.message
    if isinstance(event, RoomMessage):
        return encodeOldRoomMessage(event, now)
    head = f"*private with {result.conversation} {stamp(event.when, now)}* "
    return headed(head, event.sender, event.lines)


def encodeMembership(event: Membership) -> bytes:
    """
    C{*** alice has joined lobby}, C{*** alice has left lobby (reason)}, or
    for a room operator's kick C{*** alice was kicked from lobby by bob
    (reason)}.
    """
    if event.joined:
        return serverLine(f"{event.nick} has joined {event.room}")
    why = f" ({clean(event.reason)})" if event.reason else ""
    if event.kind == KICK:
        return serverLine(f"{event.nick} was kicked from {event.room} by {shownBy(event.by)}{why}")
    return serverLine(f"{event.nick} has left {event.room}{why}")


def encodeRename(event: Rename) -> bytes:
    """
    C{*** alice is now known as alicia}.
    """
    return serverLine(f"{event.old} is now known as {event.new}")


def encodeRedaction(event: Redaction) -> bytes:
    """
    C{*** alice deleted a message in lobby}, C{*** root deleted bob's
    message in lobby (spam)}, C{*** alice deleted a private message}; an
    administrator's deletion names them as such (C{*** the administrator
    root deleted bob's message in lobby}).
    """
    own = not isinstance(event.by, Administrator) and key(event.by) == key(event.sender)
    what = "a message" if own else f"{event.sender}'s message"
    if event.room is None:
        what = "a private message" if own else f"{event.sender}'s private message"
    where = f" in {event.room}" if event.room is not None else ""
    why = f" ({clean(event.reason)})" if event.reason else ""
    return serverLine(f"{shownBy(event.by)} deleted {what}{where}{why}")


def encodeNotice(event: Notice) -> bytes:
    """
    A server announcement, marked as such; a room's change is someone's
    doing, which its text says (C{bob set the topic ...}), and so is an
    invitation (C{ivo invites you to join side: /join side}).
    """
    if isinstance(event, RoomChange):
        return serverLine(clean(event.text))
    if isinstance(event, Invitation):
        return serverLine(f"{event.by} invites you to join {event.room}: /join {event.room}")
    return serverLine(f"Server notice: {clean(event.text)}")


GREETING = (
    "Welcome to chatd talk mode!",
    "Everything you type goes to the room you are in; commands start with /.",
)

NICK_PROMPT = f"Pick a nickname (1-16 letters, digits or {NICK_SPECIALS}): "

PASSWORD_PROMPT = "Password (or just Enter to pick another nickname): "


def newPasswordPrompt(rules: PasswordRules) -> str:
    """
    The prompt for a new password, with the service's rule for it.
    """
    return f"New password ({rules.describe()}; just Enter to cancel): "


AGAIN_PROMPT = "The same password again: "


#: Friendlier words for the refusals the line layer reports.

_INPUT_REFUSALS = {
    "invalid UTF-8": (
        "Your line was not valid UTF-8 and was ignored; please set your terminal to UTF-8."
    ),
    "flooding: too many lines too fast": "You are sending too fast: disconnecting.",
    ENDLESS_LINE: "You sent a line far too long, without end: disconnecting.",
}


def inputRefusal(error: errors.ChatError, maxLine: int) -> str:
    """
    What a person is told of a line the line layer refused; one too long
    says the limit (C{maxLine} bytes, C{--max-line-length}) as a topic's
    refusal does, since a line of Chinese holds a third of the letters.
    """
    if error.text == "line too long":
        return (
            "Your line was too long and was ignored: a line is at most"
            f" {bytesInCharacters(maxLine)}."
        )
    return _INPUT_REFUSALS.get(error.text, f"Sorry, {error.text}.")


def connectionRefusal(error: errors.ChatError) -> str:
    """What a person is told of a connection refused at once, and what to do."""
    if isinstance(error, errors.ServerFull):
        return "Sorry, the chat is full right now. Please try again in a little while."
    if isinstance(error, errors.TooManyNewConnections):
        return "Sorry, too many connections came from your address just now: wait a minute."
    if isinstance(error, errors.TooManyConnections):
        return "Sorry, too many connections are open from your address: close one first."
    return f"Sorry, {error.text}."
