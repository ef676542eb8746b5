# -*- test-case-name: tests.unit.irc.test_irc_queries -*-
"""
Questions about people: C{WHO}, C{WHOIS}, C{WHOWAS}, C{ISON}, C{USERHOST},
and the client's own C{AWAY} state; and about servers: C{LINKS}, C{TIME},
C{VERSION}, C{INFO}, C{ADMIN}, C{STATS}.  NickServ
answers as a service (L{chatd.irc.nickserv}).

People on other protocols are described as the service knows them: their
host is the service's (L{chatd.core.hosts}: C{user/<account>}, a guest's
cloak) and their real name says where they chat from.
"""

from __future__ import annotations

import time

from twisted.internet.defer import Deferred

from chatd.core.activity import Seen, activityOf
from chatd.core.calls import MaybeDeferred
from chatd.core.errors import ChatError, Muted
from chatd.core.interfaces import IParticipant
from chatd.core.masks import globMatch
from chatd.core.names import key
from chatd.core.status import AWAY, awayOf
from chatd.core.text import checkText, shortened
from chatd.irc import nickserv, notify
from chatd.irc import numerics as N
from chatd.irc.identity import accountOf, realNameOf
from chatd.irc.isupport import VERSION
from chatd.irc.listreply import sendIsupport, sendList
from chatd.irc.message import Message
from chatd.irc.session import IRCSession
from chatd.irc.whox import RPL_WHOSPCRPL, parseWhox, whoxFields
from chatd.irc.wire import channelName

#: C{nick user host * :realname} of someone gone (not in twisted.words).
RPL_WHOWASUSER = "314"
RPL_INFO = "371"
RPL_WHOISBOT = "335"
RPL_ENDOFINFO = "374"
RPL_LINKS = "364"
RPL_ENDOFLINKS = "365"
RPL_ADMINME, RPL_ADMINLOC1, RPL_ADMINLOC2, RPL_ADMINEMAIL = "256", "257", "258", "259"
RPL_STATSUPTIME = "242"
RPL_ENDOFSTATS = "219"


def describe(irc: IRCSession, person: IParticipant) -> tuple[str, str, str]:
    """
    C{(user, host, realname)} for C{person}.
    """
    nick = person.nick or "*"
    user, _, host = irc.wire.hostmask(nick).partition("!")[2].partition("@")
    return user, host, realNameOf(person)


def isBot(person: IParticipant) -> bool:
    """
    Whether C{person} is an IRC client that set user mode C{+B}.
    """
    return "B" in getattr(person, "userModes", ())


def flags(irc: IRCSession, person: IParticipant, channel: str = "*") -> str:
    """
    C{H} (here) or C{G} (gone, away), C{*} for a chatd operator, then
    C{@} or C{+} for their status in C{channel}.
    """
    away = awayOf(person)
    shown = ("G" if away else "H") + ("*" if irc.service.isOperator(person) else "")
    shown += "B" if isBot(person) else ""
    if channel != "*" and person.nick is not None:
        shown += irc.statusPrefix(channel[1:], person.nick)
    return shown


def maskedPeople(irc: IRCSession, mask: str) -> list[tuple[str, IParticipant]]:
    """
    Who C{WHO mask} shows, each with a channel of theirs: those whose
    nickname, host, real name or server the mask matches (RFC 2812 3.6.1;
    C{0} and C{*}: everyone), those of them listed to the asker (the core's
    rule, L{chatd.core.listing}: someone with user mode C{+i} only to
    themselves, to those sharing a room with them and to chatd operators).
    One pass over the people online, each looked at no more than needed:
    their rooms only once they match.
    """
    service = irc.service
    everyone = mask in ("0", "*") or globMatch(mask.casefold(), irc.server.casefold())
    nickPattern, pattern = key(mask), mask.casefold()
    people: list[tuple[str, IParticipant]] = []
    for person in service.users():
        if person.nick is None:
            continue
        if not (everyone or globMatch(nickPattern, key(person.nick))):
            _, host, realName = describe(irc, person)
            if not any(globMatch(pattern, value.casefold()) for value in (host, realName)):
                continue
        if service.isListed(irc.participant, person):
            people.append((shownChannel(irc, service.roomsOf(person)), person))
    return people


def shownChannel(irc: IRCSession, rooms: list[str]) -> str:
    """
    The channel a C{WHO} line names for someone in C{rooms}: the first the
    asker may see (a secret room only to its members), else C{*}, so that
    neither the room nor the person's status there shows.
    """
    seen = (room for room in rooms if irc.service.canSee(irc.participant, room))
    return next((channelName(room) for room in seen), "*")


def onWho(irc: IRCSession, message: Message) -> None:
    """
    C{WHO mask [o]}: C{352} lines (with C{o}, chatd operators only);
    C{WHO mask [o]%fields[,token]} (WHOX): C{354} lines with the fields
    asked for (L{chatd.irc.whox}).  A nickname shows its holder, invisible
    or not; another mask is L{maskedPeople}.
    """
    mask = message.params[0] if message.params else "*"
    options, percent, fields = (message.params[1] if len(message.params) > 1 else "").partition("%")
    whox = parseWhox(percent + fields) if percent else None
    service = irc.service
    people: list[tuple[str, IParticipant]] = []
    if mask.startswith("#"):
        try:
            nicks = [nick for nick, _ in service.shownMembers(irc.participant, mask[1:])]
        except ChatError:
            nicks = []  # no such room
        channel = channelName(service.storedName(mask[1:]))
        for nick in nicks:
            person = service.find(nick)
            if person is not None:
                people.append((channel, person))
    elif nickserv.isNickServ(irc, mask):
        if "o" not in options:
            nickserv.who(irc, whox)
    elif "*" not in mask and "?" not in mask and (person := service.find(mask)) is not None:
        people.append((shownChannel(irc, service.roomsOf(person)), person))
    else:
        people = maskedPeople(irc, mask)
    if "o" in options:  # operators only: chatd's operators are its IRC operators
        people = [(channel, person) for channel, person in people if service.isOperator(person)]
    for channel, person in people:
        user, host, realName = describe(irc, person)
        if whox is not None:
            shown = flags(irc, person, channel)
            values = whoxFields(irc, whox, channel, person, user, host, realName, shown)
            irc.numeric(RPL_WHOSPCRPL, *values)
            continue
        irc.numeric(
            N.RPL_WHOREPLY,
            channel,
            user,
            host,
            irc.server,
            person.nick or "*",
            flags(irc, person, channel),
            f"0 {realName}",
        )
    irc.numeric(N.RPL_ENDOFWHO, mask, "End of /WHO list.")


def onWhois(irc: IRCSession, message: Message) -> MaybeDeferred[None]:
    if not message.params:
        irc.numeric(N.ERR_NONICKNAMEGIVEN, "No nickname given")
        return None
    nick = message.params[-1]
    if nickserv.isNickServ(irc, nick):
        nickserv.whois(irc)
        return None
    service = irc.service
    person = service.find(nick)
    if person is None or person.nick is None:
        irc.numeric(N.ERR_NOSUCHNICK, nick, "No such nick/channel")
        irc.numeric(N.RPL_ENDOFWHOIS, nick, "End of /WHOIS list.")
        return None
    nick = person.nick
    user, host, realName = describe(irc, person)
    irc.numeric(N.RPL_WHOISUSER, nick, user, host, "*", realName)
    rooms = [room for room in service.roomsOf(person) if service.canSee(irc.participant, room)]
    if rooms:
        shown = [irc.statusPrefix(room, nick) + channelName(room) for room in rooms]
        sendList(irc, N.RPL_WHOISCHANNELS, nick, items=shown)
    irc.numeric(N.RPL_WHOISSERVER, nick, irc.server, f"chatd ({person.protocolName})")
    if service.isOperator(person):
        irc.numeric(N.RPL_WHOISOPERATOR, nick, "is an IRC operator")
    if isBot(person):
        irc.numeric(RPL_WHOISBOT, nick, "is a bot")
    away = awayOf(person)
    if away:
        irc.numeric(N.RPL_AWAY, nick, away)
    account = accountOf(service, person)  # signed in on any protocol, or always on
    if account:
        irc.numeric(N.RPL_WHOISACCOUNT, nick, account, "is logged in as")
    seen = activityOf(
        service.people.activity, service.observer, person, irc.factory.clock.seconds()
    )
    if isinstance(seen, Deferred):
        return seen.addCallback(lambda seen: endWhois(irc, nick, seen))
    endWhois(irc, nick, seen)
    return None


def endWhois(irc: IRCSession, nick: str, seen: Seen | None) -> None:
    """
    The end of a C{WHOIS}: C{nick}'s idle time and sign-on, when known
    (another node's user: once their node said, or could not).
    """
    if seen is not None:
        irc.numeric(
            N.RPL_WHOISIDLE, nick, str(seen.idle), str(seen.signedOn), "seconds idle, signon time"
        )
    irc.numeric(N.RPL_ENDOFWHOIS, nick, "End of /WHOIS list.")


def onIson(irc: IRCSession, message: Message) -> None:
    online: list[str] = []
    for word in " ".join(message.params).split():
        person = irc.service.find(word)
        if person is not None and person.nick is not None:
            online.append(person.nick)
        elif nickserv.isNickServ(irc, word):
            online.append(nickserv.NICK)
    sendList(irc, N.RPL_ISON, items=online)


def onUserhost(irc: IRCSession, message: Message) -> None:
    replies: list[str] = []
    for word in " ".join(message.params).split()[:5]:
        person = irc.service.find(word)
        if person is None or person.nick is None:
            continue
        user, host, _ = describe(irc, person)
        oper = "*" if irc.service.isOperator(person) else ""
        away = "-" if awayOf(person) else "+"
        replies.append(f"{person.nick}{oper}={away}{user}@{host}")
    sendList(irc, N.RPL_USERHOST, items=replies)


def onAway(irc: IRCSession, message: Message) -> MaybeDeferred[None]:
    text = message.params[0] if message.params else ""
    if text:
        try:
            checkText(text, "away message")  # shown to other users
            notify.heard(irc)  # a muted person's away text is its words too
        except Muted as error:
            notify.refusedChange(irc, "AWAY", "CANNOT_SET_AWAY", error.text)
            return None
        except ChatError as error:
            irc.refused(error, "AWAY")
            return None
    irc.awayMessage = shortened(text) or None

    def reply() -> None:
        if text:
            irc.numeric(N.RPL_NOWAWAY, "You have been marked as being away")
        else:
            irc.numeric(N.RPL_UNAWAY, "You are no longer marked as being away")

    return notify.changed(irc, AWAY, irc.awayMessage, reply)


def onWhowas(irc: IRCSession, message: Message) -> None:
    """
    C{WHOWAS nick [count]}: who recently used C{nick} (they left chatd
    or were renamed), most recent first, from the service's bounded
    memory: C{314 RPL_WHOWASUSER} and C{312} (when they stopped) for
    each, or C{406 ERR_WASNOSUCHNICK}; then C{369 RPL_ENDOFWHOWAS}.  A
    missing or non-positive count means all; a server argument is
    ignored (the record is the whole network's).
    """
    if not message.params or not message.params[0]:
        irc.numeric(N.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    nick = message.params[0]
    count: int | None = None
    if len(message.params) > 1:
        try:
            count = int(message.params[1])
        except ValueError:
            count = None
    entries = irc.service.whowas(nick, count)
    if not entries:
        irc.numeric(N.ERR_WASNOSUCHNICK, nick, "There was no such nickname")
    for entry in entries:
        # The host as the relay showed it (chatd.irc.wire.WireFormat.hostmask).
        host = entry.host
        realName = entry.realName or f"chatd {entry.protocolName} user"
        irc.numeric(RPL_WHOWASUSER, entry.nick, entry.user, host, "*", realName)
        when = time.strftime("%a %b %d %H:%M:%S %Y UTC", time.gmtime(entry.when))
        irc.numeric(N.RPL_WHOISSERVER, entry.nick, irc.server, when)
    irc.numeric(N.RPL_ENDOFWHOWAS, nick, "End of WHOWAS")


def onLinks(irc: IRCSession, message: Message) -> None:
    """
    C{364 RPL_LINKS} for this server, then for the services server linked
    to it (NickServ's), then C{365}: cluster nodes are one server to their
    users, so there is never more to show.
    """
    irc.numeric(RPL_LINKS, irc.server, irc.server, f"0 {irc.factory.serverInfo}")
    services = irc.factory.servicesName
    irc.numeric(RPL_LINKS, services, irc.server, f"1 {nickserv.SERVER_INFO}")
    irc.numeric(RPL_ENDOFLINKS, "*", "End of /LINKS list")


def onTime(irc: IRCSession, message: Message) -> None:
    now = irc.factory.clock.seconds()
    text = time.strftime("%A %B %d %Y -- %H:%M:%S +00:00", time.gmtime(now))
    irc.numeric(N.RPL_TIME, irc.server, text)


def onVersion(irc: IRCSession, message: Message) -> None:
    irc.numeric(N.RPL_VERSION, VERSION, irc.server, "chatd IRC front-end")
    sendIsupport(irc)


def onInfo(irc: IRCSession, message: Message) -> None:
    """
    C{371 RPL_INFO} lines about the server, then C{374 RPL_ENDOFINFO}.
    """
    for line in (
        f"{VERSION}: the chatd IRC front-end",
        "One chat shared by TCHAT, telnet, IRC and web users.",
        f"Server started {irc.factory.created}.",
    ):
        irc.numeric(RPL_INFO, line)
    irc.numeric(RPL_ENDOFINFO, "End of INFO list")


def onAdmin(irc: IRCSession, message: Message) -> None:
    """
    C{256}-C{259}: who runs this server, as far as it knows: the chat
    operators online (the people to ask), since no postal address is kept.
    C{402} for another server (a nickname here names this one).
    """
    target = message.params[0] if message.params else irc.server
    if key(target) != key(irc.server) and irc.service.find(target) is None:
        irc.numeric(N.ERR_NOSUCHSERVER, target, "No such server")
        return
    operators = irc.service.people.operatorsOnline()
    irc.numeric(RPL_ADMINME, irc.server, "Administrative info")
    irc.numeric(RPL_ADMINLOC1, f"{irc.factory.networkName}, run with {VERSION}")
    irc.numeric(RPL_ADMINLOC2, f"{operators} chat operator(s) online now")
    irc.numeric(RPL_ADMINEMAIL, "Ask a chat operator: they are marked as such in WHOIS")


def onStats(irc: IRCSession, message: Message) -> None:
    """
    C{STATS u}: how long the server has been up (C{242}); every query ends
    with C{219}, which is all the others get: the rest is the operators'
    console's (C{chatd-admin}), not shown to IRC users.
    """
    query = message.params[0][:1] if message.params else "*"
    if query == "u":
        up = int(irc.factory.clock.seconds() - irc.factory.startedAt)
        days, rest = divmod(up, 86400)
        clock = time.strftime("%H:%M:%S", time.gmtime(rest))
        irc.numeric(RPL_STATSUPTIME, f"Server Up {days} days {clock}")
    irc.numeric(RPL_ENDOFSTATS, query, "End of STATS report")
