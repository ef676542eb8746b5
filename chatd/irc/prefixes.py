# -*- test-case-name: tests.unit.irc.test_irc_protocol -*-
"""
The status prefixes IRC shows before a member's nickname or a channel
(C{NAMES}, C{WHO}, C{WHOIS}), as C{ISUPPORT PREFIX} announces them.
"""

from __future__ import annotations

#: The NAMES/WHO/WHOIS prefix for each status letter (ISUPPORT PREFIX).
STATUS_PREFIX = {"o": "@", "v": "+"}


def statusPrefix(status: str, multi: bool) -> str:
    """
    The prefix of a member with C{status} letters: the highest (C{@}, C{+}),
    or all of them for a client with the C{multi-prefix} capability.
    """
    return "".join(STATUS_PREFIX[letter] for letter in (status if multi else status[:1]))
