# -*- test-case-name: tests.unit.irc.test_irc_protocol -*-
"""
Service events as IRC lines, encoded once per event and wire format.

A message to a room of N IRC members is formatted once for the members that
asked for C{server-time} tags and once for those that did not, through
C{event.wire(encoder)}; the encoders are bound methods of a L{WireFormat}
kept on the factory, so they are stable cache keys.

A message of several lines (or of a line too long for one IRC line) reaches
a client with C{draft/multiline} (and C{batch}) as one C{draft/multiline}
batch (L{multilineLines}), others as separate lines (L{messageLines}).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count

from chatd.core.events import (
    KICK,
    QUIT,
    Administrator,
    Membership,
    PrivateMessage,
    Rename,
    RoomChange,
    RoomMessage,
    Sender,
)
from chatd.core.hosts import accountNamed
from chatd.core.interfaces import IChatService
from chatd.core.names import CHANNEL_PREFIX
from chatd.core.text import actionLine, actionOf, ircText
from chatd.core.whowas import PastUser
from chatd.irc.identity import accountOf, realNameOf
from chatd.irc.message import formatLine, splitUTF8, textBudget
from chatd.irc.servertime import sentEarlier, serverTime, serverTimeMillis, stamped

#: C{text} without what would end or corrupt an IRC line or read as a line
#: end (CR, LF, NUL, U+2028 and the other separators become spaces, other
#: controls but IRC's formatting go): other protocols, an administrator or
#: an old stored row may carry them.  The rule every line gets
#: (L{formatLine}), applied before text is measured and split.
cleanText = ircText


def channelName(room: str) -> str:
    """
    The IRC channel for service room C{room} (the core's L{roomOfChannel}
    reads it back).
    """
    return CHANNEL_PREFIX + room


_batchIds = count(1)

#: The batch type, and the tag that joins a line to the previous one.
MULTILINE = "draft/multiline"
CONCAT = "draft/multiline-concat"


def storedHostmask(nick: str) -> str:
    """
    The prefix of a stored message of C{nick} (history, a private message
    that waited): its live lines' mask, with the C{user@host} the store kept
    (L{chatd.core.events.Sender}), else C{nick!nick@chatd} (none kept), one
    prefix at every reading, never that of whoever holds the name now.
    """
    return f"{nick}!{getattr(nick, 'userhost', '') or nick + '@chatd'}"


def newBatchId() -> str:
    """
    A batch reference tag, unique in this process.
    """
    return f"b{next(_batchIds)}"


def ircLines(
    command: str, prefix: str, target: str, lines: tuple[str, ...]
) -> Iterator[tuple[bool, str]]:
    """
    The IRC lines of C{lines}, as (joined to the previous one, text): each
    line's pieces (its sender's composition, or the line itself), each cut
    at the 512-byte limit on character boundaries.
    """
    budget = textBudget(command, prefix, target)
    pieces = getattr(lines, "pieces", None)
    composed = pieces if pieces is not None else tuple((line,) for line in lines)
    for line in composed:
        first = True
        for piece in line:
            for cut in splitUTF8(cleanText(piece), budget):
                if cut or first:
                    yield not first, cut
                first = False


def messageLines(
    command: str, prefix: str, target: str, lines: tuple[str, ...], tags: dict[str, str] | None
) -> bytes:
    """
    One C{command} line per line of text (per piece of its sender's
    composition), each split at the 512-byte limit on character
    boundaries, as bytes ready to send: what a client without
    C{draft/multiline} is sent.  Blank lines are left out and only the
    first line carries the C{msgid}, as C{draft/multiline}'s fallback says.
    """
    out: list[bytes] = []
    for text in _fallbackTexts(command, prefix, target, lines):
        if text:
            formatted = formatLine(command, target, text, prefix=prefix, tags=tags, trailing=True)
            out.append(formatted.encode("utf-8") + b"\r\n")
            if tags and "msgid" in tags:
                tags = {name: value for name, value in tags.items() if name != "msgid"} or None
    return b"".join(out)


def _fallbackTexts(command: str, prefix: str, target: str, lines: tuple[str, ...]) -> list[str]:
    """
    The texts of L{messageLines}: an action too long for one line is
    several actions, each piece wrapped in its own C{\\x01ACTION ...\\x01}
    (a client shows each as an action, none as text with a stray
    C{\\x01}); any other message's lines as L{ircLines} cuts them.
    """
    texts = [text for _, text in ircLines(command, prefix, target, lines)]
    words = actionOf(lines)
    if words is None or len(texts) < 2:
        return texts
    budget = textBudget(command, prefix, target) - len(actionLine("").encode())
    return [actionLine(piece) for piece in splitUTF8(cleanText(words), budget)]


def multilineLines(
    command: str, prefix: str, target: str, lines: tuple[str, ...], tags: dict[str, str] | None
) -> bytes:
    """
    C{lines} for a client with C{draft/multiline}: one line as usual when
    it fits in one, otherwise one C{draft/multiline} batch carrying
    C{tags} (C{time}, C{msgid}, C{account}, client tags, and the C{batch}
    it is itself in), its lines (blank ones too) tagged only with the batch
    and C{draft/multiline-concat} where a line goes on.  The closing
    C{BATCH} has the same source as the opening one, as the spec's example.
    """
    pieces = list(ircLines(command, prefix, target, lines))
    if not pieces:
        return b""
    if len(pieces) == 1:
        line = formatLine(command, target, pieces[0][1], prefix=prefix, tags=tags, trailing=True)
        return line.encode("utf-8") + b"\r\n"
    reference = newBatchId()
    out = [formatLine("BATCH", "+" + reference, MULTILINE, target, prefix=prefix, tags=tags)]
    for concat, text in pieces:
        inner = {"batch": reference, CONCAT: ""} if concat else {"batch": reference}
        out.append(formatLine(command, target, text, prefix=prefix, tags=inner, trailing=True))
    outer = tags.get("batch") if tags else None
    close = formatLine(
        "BATCH", "-" + reference, prefix=prefix, tags={"batch": outer} if outer else None
    )
    out.append(close)
    return b"".join(line.encode("utf-8") + b"\r\n" for line in out)


class WireFormat:
    """
    Encoders from service events to IRC bytes, with or without
    C{server-time} tags.

    @ivar service: where hostmasks are looked up.
    @ivar tagged: whether lines carry a C{time} tag.
    @ivar accountTag: whether what a person does carries their C{account}
        tag (IRCv3 C{account-tag}).
    @ivar extendedJoin: whether C{JOIN} carries the account and real name
        (IRCv3 C{extended-join}).
    @ivar multiline: whether a message of several IRC lines comes as one
        C{draft/multiline} batch.
    """

    #: The prefix of what an administrator did from the console (the
    #: listener's services name).
    servicesName = "services.chatd"

    def __init__(
        self,
        service: IChatService,
        tagged: bool,
        messageTags: bool = False,
        accountTag: bool = False,
        extendedJoin: bool = False,
        multiline: bool = False,
    ) -> None:
        self.service = service
        self.tagged = tagged
        self.messageTags = messageTags
        self.accountTag = accountTag
        self.extendedJoin = extendedJoin
        self.multiline = multiline
        #: L{roomMessage} and L{membership}, bound once: the fan-out's keys
        #: in C{event.encoded}.
        self.roomEncoder = self.roomMessage
        self.membershipEncoder = self.membership

    def textLines(
        self,
        command: str,
        prefix: str,
        target: str,
        lines: tuple[str, ...],
        tags: dict[str, str] | None,
    ) -> bytes:
        """
        C{lines} from C{prefix} to C{target}: a C{draft/multiline} batch
        for a client with the capability when they take several IRC lines,
        separate lines otherwise.
        """
        if self.multiline:
            return multilineLines(command, prefix, target, lines, tags)
        return messageLines(command, prefix, target, lines, tags)

    def hostmask(self, nick: str, current: str | None = None) -> str:
        """
        C{nick!user@host} for C{nick}.  The host is the service's
        (L{chatd.core.hosts}): C{user/<account>}, or a guest's cloak,
        never their address, which other users have no business knowing.

        @param current: the nickname to look the person up by, when C{nick}
            is a former name.
        """
        if isinstance(nick, Administrator):  # the console: never a user's prefix
            return self.servicesName
        if current is None and isinstance(nick, Sender) and nick.userhost:
            return f"{nick}!{nick.userhost}"  # the mask the service gave its message
        person = self.service.find(current or nick)
        if person is None:  # gone or renamed just now (a message relayed after its sender's NICK)
            past = self._justNow(nick)
            if past is None:
                return storedHostmask(nick)
            renamed = past.renamedTo and self.service.find(past.renamedTo)
            if not renamed:
                return f"{nick}!{past.user}@{past.host}"
            person, current = renamed, past.renamedTo
        # Without an ident (other protocols) the user part is the name shown.
        user = getattr(person, "ident", None) or (nick if current else person.nick) or nick
        return f"{nick}!{user}@{self.service.hostOf(person)}"

    def _justNow(self, nick: str) -> PastUser | None:
        """
        Who had C{nick} until a moment ago (in this reactor turn's second or
        the one before): what was said under it then is theirs.  Older
        history is not: the name may have passed to someone else since.
        """
        past = self.service.whowas(nick, 1)
        return past[0] if past and past[0].when >= self.service.now() - 1 else None

    def _tags(self, when: float, nick: str | None = None) -> dict[str, str] | None:
        tags = {"time": serverTime(when)} if self.tagged else None
        return self.withAccount(tags, nick)

    def withAccount(self, tags: dict[str, str] | None, nick: str | None) -> dict[str, str] | None:
        """
        C{tags}, with the C{account} tag of C{nick} (who did it) for an
        C{account-tag} client when they are logged in to an account: for a
        message's sender (live or stored), the account its mask names.
        """
        if not self.accountTag or nick is None or isinstance(nick, Administrator):
            return tags
        if isinstance(nick, Sender):  # (a message stored before masks were kept: none)
            account = accountNamed(nick.userhost)
        else:
            person = self.service.find(nick)
            if person is None and (past := self._justNow(nick)) is not None and past.renamedTo:
                person = self.service.find(past.renamedTo)  # said just before a rename
            account = accountOf(self.service, person)
        if account is None:
            return tags
        return {**(tags or {}), "account": account}

    def _messageTags(self, event: RoomMessage | PrivateMessage) -> dict[str, str] | None:
        """
        The tags of a relayed message: C{time} with C{server-time}; with
        C{message-tags}, also the sender's client-only tags and C{msgid}.
        """
        tags = {"time": serverTimeMillis(event.millis)} if self.tagged else None
        tags = self.withAccount(tags, event.sender)
        if not self.messageTags:
            return tags
        tags = dict(tags or {})
        tags.update(event.tags)
        if event.msgid:
            tags["msgid"] = event.msgid
        return tags or None

    def _message(
        self,
        event: RoomMessage | PrivateMessage,
        target: str,
        lines: tuple[str, ...] | None = None,
    ) -> bytes:
        tags = self._messageTags(event)
        waited = isinstance(event, PrivateMessage) and event.waited
        prefix = storedHostmask(event.sender) if waited else self.hostmask(event.sender)
        if not event.lines:  # IRC's TAGMSG: only for clients that see tags
            if not self.messageTags:
                return b""
            return formatLine("TAGMSG", target, prefix=prefix, tags=tags).encode("utf-8") + b"\r\n"
        command = "NOTICE" if event.notice else "PRIVMSG"
        return self.textLines(command, prefix, target, lines or event.lines, tags)

    def roomMessage(self, event: RoomMessage) -> bytes:
        return self._message(event, event.status + channelName(event.room))

    def privateMessage(self, event: PrivateMessage) -> bytes:
        """
        C{event} to its recipient; one that waited for them says when it
        was sent, in its C{time} tag and, without C{server-time} or after
        a long wait, in its text (L{stamped}).
        """
        return self.privateMessageTo(event, event.recipient)

    def privateMessageTo(self, event: PrivateMessage, target: str) -> bytes:
        """
        C{event}, shown as sent to C{target}: the name its recipient goes
        by now, when it was told under another (SASL's, before the welcome).
        """
        if event.waited and stamped(event, self.tagged, self.service.now()):
            return self._message(event, target, sentEarlier(event))
        return self._message(event, target)

    def membership(self, event: Membership) -> bytes:
        prefix = self.hostmask(event.nick)
        channel = channelName(event.room)
        if event.kind == KICK:
            tags = self._tags(event.moment, event.by)
        else:
            tags = self._tags(event.moment, event.nick)
        if event.joined and self.extendedJoin:
            person = self.service.find(event.nick)
            account = accountOf(self.service, person) or "*"
            realName = cleanText(realNameOf(person)) if person is not None else ""
            line = formatLine(
                "JOIN", channel, account, realName, prefix=prefix, tags=tags, trailing=True
            )
        elif event.joined:
            line = formatLine("JOIN", channel, prefix=prefix, tags=tags)
        elif event.kind == KICK:
            line = formatLine(
                "KICK",
                channel,
                event.nick,
                cleanText(event.reason or event.by),
                prefix=self.hostmask(event.by),
                tags=tags,
                trailing=True,
            )
        elif event.kind == QUIT:
            # The person left chatd altogether (a disconnect, a server kick).
            line = formatLine(
                "QUIT", cleanText(event.reason), prefix=prefix, tags=tags, trailing=True
            )
        elif event.reason:
            line = formatLine(
                "PART", channel, cleanText(event.reason), prefix=prefix, tags=tags, trailing=True
            )
        else:
            line = formatLine("PART", channel, prefix=prefix, tags=tags)
        return line.encode("utf-8") + b"\r\n"

    def roomChange(self, event: RoomChange) -> bytes:
        """
        C{MODE} or C{TOPIC} from the operator who changed the room.
        """
        prefix = self.hostmask(event.by)
        tags = self._tags(event.moment, event.by)
        channel = channelName(event.room)
        if event.topic is not None:
            line = formatLine(
                "TOPIC", channel, cleanText(event.topic), prefix=prefix, tags=tags, trailing=True
            )
        else:
            line = formatLine("MODE", channel, event.modes, *event.args, prefix=prefix, tags=tags)
        return line.encode("utf-8") + b"\r\n"

    def rename(self, event: Rename) -> bytes:
        prefix = self.hostmask(event.old, event.new)
        line = formatLine(
            "NICK",
            event.new,
            prefix=prefix,
            tags=self._tags(event.moment, event.new),
            trailing=True,
        )
        return line.encode("utf-8") + b"\r\n"
