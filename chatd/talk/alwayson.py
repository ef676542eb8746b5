# -*- test-case-name: tests.unit.talk.test_talk_alwayson -*-
"""
C{/alwayson [on|off]} in talk mode: see or choose whether the account stays
in its rooms while none of its connections is open
(L{chatd.core.alwayson}).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import maybeDeferred

from chatd.core.alwayson import alwaysOnOf
from chatd.talk.format import serverLine
from chatd.talk.session import UsageError

if TYPE_CHECKING:
    from chatd.talk.session import TalkSession

SAID = {
    True: "Always on: you stay in your rooms, shown away, while you are not connected;"
    " what you miss waits for you.",
    False: "Always on is off: you leave your rooms when your last connection closes.",
}


async def alwaysonCommand(session: TalkSession, rest: str) -> None:
    alwaysOn = alwaysOnOf(session.factory.service)
    if alwaysOn is None:
        raise UsageError("This server keeps no accounts.")
    wanted = rest.strip().lower()
    if wanted not in ("", "on", "off"):
        raise UsageError("Usage: /alwayson [on|off]")
    if wanted:
        on = await maybeDeferred(alwaysOn.set, session.participant, wanted == "on")
    else:
        on = alwaysOn.get(session.participant)
    session.send(serverLine(SAID[on]))
