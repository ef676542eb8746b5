# -*- test-case-name: tests.unit.irc.test_irc_alwayson -*-
"""
C{ALWAYSON [ON|OFF]}: read or change whether the account stays in its
channels while none of its connections is open (L{chatd.core.alwayson}).
The answer is an IRCv3 standard reply: C{NOTE ALWAYSON ON|OFF :...}, or
C{FAIL ALWAYSON <code> :...}.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import maybeDeferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core.alwayson import alwaysOnOf
from chatd.core.errors import ChatError, NotLoggedIn, NotPermitted
from chatd.irc.message import Message
from chatd.irc.session import IRCSession

log = Logger()

SAID = {
    True: "You stay in your channels, shown away, while no connection of yours is open",
    False: "You leave your channels when your last connection closes",
}


def fail(irc: IRCSession, code: str, text: str) -> None:
    irc.sendMessage("FAIL", "ALWAYSON", code, text, trailing=True)


def onAlwayson(irc: IRCSession, message: Message) -> Any:
    alwaysOn = alwaysOnOf(irc.service)
    if alwaysOn is None:
        fail(irc, "ACCOUNT_REQUIRED", "This server keeps no accounts")
        return None
    wanted = message.params[0].upper() if message.params else None
    if wanted not in (None, "ON", "OFF"):
        fail(irc, "INVALID_PARAMS", "Use ALWAYSON, ALWAYSON ON or ALWAYSON OFF")
        return None
    if wanted is None:
        d = maybeDeferred(alwaysOn.get, irc.participant)
    else:
        d = maybeDeferred(alwaysOn.set, irc.participant, wanted == "ON")

    def answer(on: bool) -> None:
        irc.sendMessage("NOTE", "ALWAYSON", "ON" if on else "OFF", SAID[on], trailing=True)

    def refused(failure: Failure) -> None:
        if failure.check(NotPermitted, NotLoggedIn):
            fail(irc, "ACCOUNT_REQUIRED", "Only a registered account may stay on: log in first")
        elif failure.check(ChatError):
            fail(irc, "TEMPORARILY_UNAVAILABLE", failure.getErrorMessage())
        else:
            log.failure("ALWAYSON", failure)
            fail(irc, "INTERNAL_ERROR", "Could not save the setting")

    return d.addCallbacks(answer, refused)
