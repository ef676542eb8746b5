# -*- test-case-name: tests.unit.irc.test_irc_lusers,tests.unit.irc.test_irc_protocol -*-
"""
What the server says about itself: C{LUSERS} and C{MOTD}, asked by a
client or sent as part of every welcome.
"""

from __future__ import annotations

from chatd.core.roomqueries import inUse
from chatd.irc import numerics as N
from chatd.irc.message import Message
from chatd.irc.session import IRCSession


def onLusers(irc: IRCSession, message: Message) -> None:
    """
    C{LUSERS}, also part of every welcome: counted from running totals and
    the few invisible (the core's count) or operator people, never by
    looking at everyone online, so a login costs the same however many are
    here.  C{254} counts the rooms in use (L{inUse}), the channels that
    C{LIST} shows (and secret ones, as IRC servers count them).
    """
    service = irc.service
    people = service.people
    online = people.count()
    operators = people.operatorsOnline()
    rooms = sum(1 for _, members in service.rooms() if inUse(members))  # as LIST shows them
    invisible = service.invisibleCount()  # the core's rule
    visible = online - invisible
    irc.numeric(
        N.RPL_LUSERCLIENT, f"There are {visible} users and {invisible} invisible on 1 servers"
    )
    irc.numeric(N.RPL_LUSEROP, str(operators), "operator(s) online")
    irc.numeric(N.RPL_LUSERCHANNELS, str(rooms), "channels formed")
    irc.numeric(N.RPL_LUSERME, f"I have {online} clients and 0 servers")
    count, most = str(online), str(people.peak)
    irc.numeric(N.RPL_LOCALUSERS, count, most, f"Current local users {count}, max {most}")
    irc.numeric(N.RPL_GLOBALUSERS, count, most, f"Current global users {count}, max {most}")


def onMotd(irc: IRCSession, message: Message) -> None:
    motd = irc.factory.motd
    if not motd:
        irc.numeric(N.ERR_NOMOTD, "MOTD File is missing")
        return
    irc.numeric(N.RPL_MOTDSTART, f"- {irc.server} Message of the day - ")
    for line in motd:
        irc.numeric(N.RPL_MOTD, f"- {line}")
    irc.numeric(N.RPL_ENDOFMOTD, "End of /MOTD command.")
