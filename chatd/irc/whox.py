# -*- test-case-name: tests.unit.irc.test_irc_whox -*-
"""
WHOX (C{WHO <mask> %<fields>[,<token>]}): the C{354 RPL_WHOSPCRPL} reply
with the fields a client asks for, in the standard order
C{t c u i h s n f d l a o r}.

People are described as plain WHO describes them (L{describe}): an address
is never shown (C{i} is C{255.255.255.255}), hop count is 0 (one server to
its users), the account is C{0} for a guest.
"""

from __future__ import annotations

from chatd.core.interfaces import IParticipant
from chatd.irc.identity import accountOf
from chatd.irc.session import IRCSession

RPL_WHOSPCRPL = "354"

#: The fields, in the order they are answered whatever the order asked.
FIELDS = "tcuihsnfdlaor"


def parseWhox(argument: str) -> tuple[str, str] | None:
    """
    The fields and the token of a WHO's second parameter (C{%tn,42}), or
    C{None} if it is not a WHOX request.
    """
    if not argument.startswith("%"):
        return None
    fields, _, token = argument[1:].partition(",")
    return "".join(f for f in FIELDS if f in fields), token[:3] or "0"


def whoxFields(
    irc: IRCSession,
    request: tuple[str, str],
    channel: str,
    person: IParticipant,
    user: str,
    host: str,
    realName: str,
    flags: str,
) -> list[str]:
    """
    The parameters of a C{354} for C{person}, seen in C{channel}.
    """
    # Another node's user shows 0: asking every node for a WHO's every user costs too much.
    seen = irc.service.people.activity.of(person, irc.factory.clock.seconds())
    values = {
        "c": channel,
        "u": user,
        "i": "255.255.255.255",
        "h": host,
        "s": irc.server,
        "n": person.nick or "*",
        "f": flags,
        "d": "0",
        "l": str(0 if seen is None else seen.idle),
        "a": accountOf(irc.service, person) or "0",
        "o": "n/a",
        "r": realName,
    }
    return pick(request, values)


def pick(request: tuple[str, str], values: dict[str, str]) -> list[str]:
    """
    The fields of C{request} from C{values} (every field but the token, C{t},
    which the request gives), in the standard order.
    """
    fields, token = request
    chosen = {**values, "t": token}
    return [chosen[f] for f in fields]
