# -*- test-case-name: tests.unit.irc.test_irc_inbox,tests.unit.irc.test_irc_chathistory -*-
"""
When something happened, as IRC shows it: the IRCv3 C{server-time} tag,
and a stamp in the text of a message that waited: always for a client
without the tag, and for one with it when the message waited longer than
L{STAMPED_AFTER}, since irssi, which asks for C{server-time}, shows the
moment a line arrived unless its user sets C{show_server_time}.
"""

from __future__ import annotations

import time

from chatd.core.events import PrivateMessage
from chatd.core.text import action, actionLine

#: A message that waited longer than this many seconds says when it was
#: sent in its text, C{server-time} or not.
STAMPED_AFTER = 300


def serverTime(when: float) -> str:
    """
    The IRCv3 C{server-time} tag value for Unix time C{when}, to the
    millisecond as a message's C{millis} is taken (cut, not rounded), so
    that what happened in one instant has one time, whatever it was.
    """
    return serverTimeMillis(int(when * 1000))


def serverTimeMillis(millis: int) -> str:
    """
    The C{server-time} tag value for Unix time C{millis} in milliseconds,
    exactly (a message's time, which C{CHATHISTORY} selectors give back).
    """
    whole, rest = divmod(millis, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{rest:03d}Z"


def stamped(event: PrivateMessage, tagged: bool, now: float) -> bool:
    """
    Whether C{event}, a private message that waited for its recipient,
    says when it was sent in its text (L{sentEarlier}): for a client
    without C{server-time} (not C{tagged}), always; for one with it, once
    it waited longer than L{STAMPED_AFTER}, as a client may show the
    moment it arrived rather than its C{time} tag.
    """
    return not tagged or now - event.when > STAMPED_AFTER


def sentEarlier(event: PrivateMessage) -> tuple[str, ...]:
    """
    The lines of C{event}, a private message that waited for its recipient,
    for a client without C{server-time}: the first begins with when it was
    sent, C{[sent 2023-11-14 22:13 UTC] text} (inside an action: C{\x01ACTION
    [sent ...] waves\x01}), so it is not taken for a live message.
    """
    if not event.lines:
        return event.lines
    stamp = time.strftime("[sent %Y-%m-%d %H:%M UTC]", time.gmtime(event.when))
    first, *rest = event.lines
    words = action(first)
    first = actionLine(f"{stamp} {words}") if words is not None else f"{stamp} {first}"
    return (first, *rest)
