# -*- test-case-name: tests.unit.irc.test_irc_monitor -*-
"""
C{MONITOR} (IRCv3): a client names people whose coming and going it wants
to hear of, on any protocol; the watch lists are the service's
(L{chatd.core.presence}), this module only speaks IRC's numerics.
"""

from __future__ import annotations

from collections.abc import Iterable

from chatd.core.names import distinct
from chatd.irc import nickserv
from chatd.irc import numerics as N
from chatd.irc.listreply import groups
from chatd.irc.message import Message
from chatd.irc.session import IRCSession

RPL_MONONLINE = "730"
RPL_MONOFFLINE = "731"
RPL_MONLIST = "732"
RPL_ENDOFMONLIST = "733"
ERR_MONLISTFULL = "734"


def onMonitor(irc: IRCSession, message: Message) -> None:
    """
    C{MONITOR + a,b}, C{MONITOR - a,b}, C{MONITOR C} (clear), C{MONITOR L}
    (list), C{MONITOR S} (status of every name watched).
    """
    presence = irc.factory.presence
    if presence is None:
        irc.numeric(N.ERR_UNKNOWNCOMMAND, "MONITOR", "Unknown command")
        return
    action = message.params[0]
    targets = [t for t in (message.params[1] if len(message.params) > 1 else "").split(",") if t]
    watcher = irc
    if action == "+":
        if not targets:
            irc.numeric(N.ERR_NEEDMOREPARAMS, "MONITOR", "Not enough parameters")
            return
        refused = presence.watch(watcher, targets, irc.factory.monitorLimit)
        if refused:
            limit = str(irc.factory.monitorLimit)
            tail = ("Monitor list is full.",)
            for group in groups(
                irc, ERR_MONLISTFULL, limit, items=refused, separator=",", after=tail
            ):
                irc.numeric(ERR_MONLISTFULL, limit, ",".join(group), *tail)
        sendStatus(irc, distinct(t for t in targets if t not in refused))
    elif action == "-":
        presence.unwatch(watcher, targets)
    elif action.upper() == "C":
        presence.clear(watcher)
    elif action.upper() == "L":
        for group in groups(irc, RPL_MONLIST, items=presence.watching(watcher), separator=","):
            irc.numeric(RPL_MONLIST, ",".join(group))
        irc.numeric(RPL_ENDOFMONLIST, "End of MONITOR list")
    elif action.upper() == "S":
        sendStatus(irc, presence.watching(watcher))


def sendStatus(irc: IRCSession, nicks: Iterable[str]) -> None:
    """
    C{730} with the hostmasks of those of C{nicks} who are online, C{731}
    with the others, each split over as many lines as they need.
    """
    online: list[str] = []
    offline: list[str] = []
    for nick in nicks:
        person = irc.service.find(nick)
        if person is not None and person.nick is not None:
            online.append(irc.wire.hostmask(person.nick))
        elif nickserv.isNickServ(irc, nick):  # a service is always there
            online.append(nickserv.hostmask(irc))
        else:
            offline.append(nick)
    for code, names in ((RPL_MONONLINE, online), (RPL_MONOFFLINE, offline)):
        for group in groups(irc, code, items=names, separator=","):
            irc.numeric(code, ",".join(group))


def presenceChanged(irc: IRCSession, nick: str, online: bool) -> None:
    """
    Someone C{irc} watches came online (C{730} with their hostmask) or
    went offline (C{731}).
    """
    if not irc.registered:
        return
    if online:
        irc.numeric(RPL_MONONLINE, irc.wire.hostmask(nick))
    else:
        irc.numeric(RPL_MONOFFLINE, nick)
