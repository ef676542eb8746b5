# -*- test-case-name: tests.unit.irc.test_irc_refusals -*-
"""
How a refused C{PRIVMSG} is answered: a numeric whose first parameter
(after the client's nickname) is the message's target, the nickname it
was typed to or the channel as the room is called (as its C{JOIN} named
it, whatever case or accents the message used), and whose text says which
message was not delivered, and why.

A client that does not ask for C{echo-message} (WeeChat, irssi) shows a
message as sent when it is typed; the refusal must land where it was shown.
Clients put an error numeric that names a channel or a nickname first in
that channel's or query's window (WeeChat's C{generic_error}, for a
nickname since WeeChat 4.1; irssi's C{404} and C{401}), and anything else
(C{263}, C{400}, C{FAIL}) in the server's window, where it says nothing of
which message it was about.  So every refusal of a message is one of
C{401} (nobody is, or can be, called so), C{403} (no such channel) and
C{404} for everything else: the chat briefly unreachable, a store or link
down, an inbox full, muted, not in the channel, text refused.  A
C{NOTICE}'s refusal is not answered, as IRC requires.
"""

from __future__ import annotations

from twisted.python.failure import Failure

from chatd.core.errors import ChatError
from chatd.core.text import isBlank, plain
from chatd.irc import numerics as N
from chatd.irc.message import truncateUTF8
from chatd.irc.session import IRCSession

#: The numeric for the refusals that say the target is no one.
_NUMERICS = {
    20: N.ERR_NOSUCHNICK,  # nobody can be called so (IRC servers' answer for such a target)
    21: N.ERR_NOSUCHNICK,
    30: N.ERR_NOSUCHCHANNEL,
    31: N.ERR_NOSUCHCHANNEL,
}

#: At most this many bytes of UTF-8 of a refused message are quoted.
EXCERPT_BYTES = 48


def excerpt(lines: tuple[str, ...]) -> str:
    """
    The start of the message C{lines}, as plain text (formatting left out,
    an action as C{/me ...}, nothing for what shows nothing), at most
    L{EXCERPT_BYTES} bytes of UTF-8 cut between characters as a reader sees
    them, with C{…} when there was more.
    """
    if not lines:
        return ""
    text = plain(lines[0]).strip()
    if lines[0].startswith("\x01ACTION"):
        text = plain(lines[0][len("\x01ACTION") :].rstrip("\x01")).strip()
        text = "/me " + text if not isBlank(text) else ""
    if isBlank(text):
        return ""
    start = truncateUTF8(text, EXCERPT_BYTES)
    return plain(start) + ("…" if start != text or len(lines) > 1 else "")


def refusalText(error: ChatError, lines: tuple[str, ...]) -> str:
    """
    What a client is told of its message C{lines} that C{error} refused:
    the message, quoted short, and the reason.
    """
    quoted = excerpt(lines)
    if not quoted:
        return f"Message not delivered: {error.text}"
    return f'"{quoted}" not delivered: {error.text}'


def messageRefused(
    failure: Failure, irc: IRCSession, target: str, lines: tuple[str, ...], quiet: bool
) -> None:
    """
    The errback of a message's service call: a refusal (a L{ChatError})
    is answered, unless C{quiet} (a C{NOTICE} or C{TAGMSG}), with the
    numeric that names C{target} first; anything else is a bug, and goes
    on to be logged.
    """
    failure.trap(ChatError)
    error = failure.value
    if quiet or not isinstance(error, ChatError):
        return
    numeric = _NUMERICS.get(error.code, N.ERR_CANNOTSENDTOCHAN)
    irc.numeric(numeric, target, refusalText(error, lines))
