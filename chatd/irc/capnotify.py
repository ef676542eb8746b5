# -*- test-case-name: tests.unit.irc.test_irc_multiline,tests.unit.irc.test_irc_advertised -*-
"""
IRCv3 C{cap-notify}: a capability whose value changes while clients are
connected (a reload's body limits: C{draft/multiline}'s C{max-lines} and
C{max-bytes}) is offered again, with C{CAP NEW} and its new value, to the
clients that asked to be told (C{cap-notify}, which C{CAP LS 302} implies).
Every open connection is offered the new values from then on (C{CAP LS}),
as the limits it is held to are the new ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from chatd.irc.caps import CAP_NOTIFY, Unnegotiated

if TYPE_CHECKING:
    from chatd.irc.session import IRCSession


def offerAgain(
    sessions: Iterable[IRCSession],
    offered: dict[str, str],
    unnegotiated: Unnegotiated,
    changed: Iterable[str],
) -> None:
    """
    The listener now offers C{offered}, in which the values of C{changed}
    are new: every connection in C{sessions} is offered it (those that have
    not sent C{CAP} share C{unnegotiated}), and those with C{cap-notify}
    are sent C{CAP NEW} with the changed capabilities, and their values
    if they negotiated version 302 (an earlier client that requested
    C{cap-notify} gets the names alone, as in its C{CAP LS}).
    """
    changed = list(changed)
    words = " ".join(f"{name}={offered[name]}" if offered[name] else name for name in changed)
    names = " ".join(changed)
    for irc in sessions:
        if isinstance(irc.caps, Unnegotiated):
            irc.caps = unnegotiated
            continue
        irc.caps.supported = offered
        if CAP_NOTIFY in irc.caps and words:
            shown = words if irc.caps.version >= 302 else names
            irc.sendMessage("CAP", irc.me(), "NEW", shown, trailing=True)
