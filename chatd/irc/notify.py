# -*- test-case-name: tests.unit.irc.test_irc_notify -*-
"""
IRCv3 C{away-notify}, C{account-notify}, C{setname} and C{chghost}: the
service's L{StatusChange}s of people sharing a channel, as C{AWAY},
C{ACCOUNT}, C{SETNAME} and C{CHGHOST} lines for the clients that asked;
C{SETNAME} itself; and C{invite-notify}: invitations to a channel, shown
to its members who could have invited too.
"""

from __future__ import annotations

from collections.abc import Callable

from chatd.core.calls import MaybeDeferred, afterHeard
from chatd.core.errors import Muted
from chatd.core.events import Invitation, Membership
from chatd.core.person import setRealName
from chatd.core.speaking import checkHeard
from chatd.core.status import ACCOUNT, AWAY, HOST, REALNAME, StatusChange, announce, awayOf
from chatd.core.text import InvalidText, checkText, ircText
from chatd.irc.identity import accountTags
from chatd.irc.message import Message
from chatd.irc.servertime import serverTime
from chatd.irc.session import IRCSession
from chatd.irc.wire import channelName

#: The capability each kind of change is shown with.
CAPABILITY = {
    AWAY: "away-notify",
    ACCOUNT: "account-notify",
    REALNAME: "setname",
    HOST: "chghost",
}

#: Longest real name C{SETNAME} takes, in characters (as C{NAMELEN}).
NAME_LENGTH = 100


def statusLine(irc: IRCSession, event: StatusChange) -> None:
    """
    Show C{irc} C{event} if it has the capability for its kind.
    """
    if CAPABILITY[event.kind] not in irc.caps:
        return
    prefix = irc.wire.hostmask(event.nick)
    tags = momentTags(irc, event.moment)
    if event.kind == ACCOUNT:
        irc.sendMessage("ACCOUNT", event.value or "*", prefix=prefix, tags=tags)
    elif event.kind == HOST:  # from the mask last seen, to the one from now on
        nickUser = prefix.rpartition("@")[0]
        user = nickUser.partition("!")[2]
        old = f"{nickUser}@{event.before}"
        irc.sendMessage("CHGHOST", user, event.value or "*", prefix=old, tags=tags)
    elif event.kind == AWAY and event.value is None:
        irc.sendMessage("AWAY", prefix=prefix, tags=tags)
    else:
        command = "AWAY" if event.kind == AWAY else "SETNAME"
        text = ircText(event.value or "")
        irc.sendMessage(command, text, prefix=prefix, trailing=True, tags=tags)


def momentTags(irc: IRCSession, moment: float) -> dict[str, str] | None:
    """
    The C{time} tag of what happened at C{moment}, for a C{server-time}
    client: the event's own time, as a message's is.
    """
    return {"time": serverTime(moment)} if "server-time" in irc.caps else None


def invitationLine(irc: IRCSession, event: Invitation) -> None:
    """
    Show an C{invite-notify} client that C{event.by} invited C{event.nick}.
    """
    if "invite-notify" not in irc.caps:
        return
    tags = {**(momentTags(irc, event.moment) or {}), **(accountTags(irc, event.by) or {})}
    irc.sendMessage(
        "INVITE",
        event.nick,
        channelName(event.room),
        prefix=irc.wire.hostmask(event.by),
        tags=tags or None,
    )


def awayAfterJoin(irc: IRCSession, event: Membership) -> None:
    """
    After someone else's C{JOIN}, an C{away-notify} client is told they are
    away, if they are.
    """
    if not event.joined or "away-notify" not in irc.caps.enabled:  # per member of a join
        return
    away = awayOf(irc.service.find(event.nick))
    if away:
        prefix, tags = irc.wire.hostmask(event.nick), momentTags(irc, event.moment)
        irc.sendMessage("AWAY", ircText(away), prefix=prefix, trailing=True, tags=tags)


def heard(irc: IRCSession) -> None:
    """
    @raise Muted: what IRC would show others as the client's words (its
        away message, its real name) may not be: it is muted (the core's
        rule, L{chatd.core.speaking.checkHeard}).
    """
    checkHeard(irc.service.moderation, irc.service.people, irc.participant)


def refusedChange(irc: IRCSession, command: str, code: str, text: str) -> None:
    """
    A change of what others are shown of the client refused (a muted
    person's C{AWAY} text): the IRCv3 standard reply C{FAIL} to a client
    that negotiated C{standard-replies}, else a server C{NOTICE}, which
    every client shows as the server's; never a numeric that names a
    channel (irssi and WeeChat would show a channel called C{AWAY}).
    """
    if "standard-replies" in irc.caps:
        irc.sendMessage("FAIL", command, code, text, trailing=True)
    else:
        irc.sendMessage("NOTICE", irc.me(), f"{command}: {text}", trailing=True)


def changed(
    irc: IRCSession,
    kind: str,
    value: str | None,
    reply: Callable[[], None] = lambda: None,
    when: float | None = None,
) -> MaybeDeferred[None]:
    """
    Tell the people sharing a channel with C{irc}, and those who C{MONITOR}
    it (through the service), that it changed at C{when} (now, by default,
    to the millisecond), then C{reply} to C{irc} once every other cluster
    node has heard, as a login is answered: a C{WHOIS} or C{USERHOST} sent
    on another node after the reply sees the change.
    """
    when = irc.factory.clock.seconds() if when is None else when
    announce(irc.service, irc.participant, kind, value, when, irc.factory.presence)
    return afterHeard(irc.service.observer, reply)


def onSetname(irc: IRCSession, message: Message) -> MaybeDeferred[None]:
    """
    C{SETNAME :realname}: the new real name, confirmed with C{SETNAME} to
    the client and shown to those in its channels, if they have C{setname}.
    """
    text = message.params[0] if message.params else ""
    if not text or len(text) > NAME_LENGTH:
        irc.sendMessage("FAIL", "SETNAME", "INVALID_REALNAME", "Invalid realname", trailing=True)
        return None
    try:
        checkText(text, "real name")
    except InvalidText:
        irc.sendMessage("FAIL", "SETNAME", "INVALID_REALNAME", "Invalid realname", trailing=True)
        return None
    try:
        heard(irc)
    except Muted as error:
        irc.sendMessage("FAIL", "SETNAME", "CANNOT_CHANGE_REALNAME", error.text, trailing=True)
        return None
    irc.realName = text
    setRealName(irc.service.people.personOf(irc.participant), text)
    when = irc.factory.clock.seconds()

    def confirm() -> None:
        if "setname" in irc.caps:  # the spec sends SETNAME to its clients only
            tags = momentTags(irc, when)  # the time the others are shown
            irc.sendMessage("SETNAME", text, prefix=irc.hostmask(), trailing=True, tags=tags)

    return changed(irc, REALNAME, text, confirm, when)
