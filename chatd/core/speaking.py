# -*- test-case-name: tests.unit.test_tchat,tests.unit.core.test_service -*-
"""
Whether a participant may say something, before anything is said: its
lines (L{BodyRule}: how many, how long, the text rule, and CTCP only from clients
that speak it) and its speaker (a mute, of the nickname or of the account
it signed in to), the room it may speak in (L{speakingRoom}), and what
others hear of a muted person's reasons (L{heardReason}).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

from chatd.core import errors
from chatd.core.ctcp import ctcpOf, takesCtcp
from chatd.core.limits import MAX_BODY_BYTES, MAX_BODY_LINES
from chatd.core.names import key
from chatd.core.renaming import quietedByBan
from chatd.core.text import checkLines, isBlank, plain, scrub, shortened

if TYPE_CHECKING:
    from chatd.core.interfaces import IChatService, IParticipant
    from chatd.core.moderation import Moderation
    from chatd.core.people import People
    from chatd.core.room import Room


class BodyRule:
    """
    What one message's lines may be, whichever front-end sent them: every
    message passes here, so none reaches others' screens as more lines than
    C{maxLines} (C{--max-body-lines}) or more characters than C{maxSize}
    (C{--max-body-bytes}, line breaks not counted, as TCHAT counts a body:
    L{bodySize}), however its protocol carries them.
    """

    def __init__(self, maxLines: int = MAX_BODY_LINES, maxSize: int = MAX_BODY_BYTES) -> None:
        self.maxLines = maxLines
        self.maxSize = maxSize

    def check(
        self, participant: IParticipant, lines: tuple[str, ...], notice: bool = False
    ) -> None:
        """
        @raise InvalidArgument: C{lines} are too many or too long, break the text rule
            (L{chatd.core.text.checkLines}: a CTCP line, as an action, is a whole
            message of one line), are blank, or are a CTCP request (a line starting with
            C{\\x01}, not an action) from a client that does not speak CTCP:
            it would be acknowledged, then shown to nobody but IRC users and
            never stored.  A notice may be a CTCP answer, which the service
            sends for such clients.
        """
        if len(lines) > self.maxLines:
            raise errors.InvalidArgument(f"too many lines: a message has at most {self.maxLines}")
        text = "".join(lines)
        if text.isascii() and text.isprintable():
            # Printable ASCII, the common case, settles the rest at once: no
            # character the text rule refuses, no CTCP mark, as many
            # characters as composed, and nothing that shows nothing but spaces.
            if len(text) > self.maxSize:
                raise self._tooLong()
            if not text or text.isspace():
                raise _empty()
            return
        if sum(map(len, lines)) > self.maxSize and bodySize(lines) > self.maxSize:
            raise self._tooLong()
        checkLines(lines)
        if not any(_shows(line) for line in lines):  # formatting alone shows nothing
            raise _empty()
        if not notice and not takesCtcp(participant) and ctcpOf(lines) is not None:
            raise errors.InvalidArgument(
                "a line may not start with \\x01 (CTCP is for IRC clients)"
            )

    def _tooLong(self) -> errors.InvalidArgument:
        return errors.InvalidArgument(
            f"message too long: a message has at most {self.maxSize} characters"
        )


def _empty() -> errors.InvalidArgument:
    return errors.InvalidArgument("empty message")


def bodySize(lines: Iterable[str]) -> int:
    """
    The characters C{lines} count towards a message's length: each line's
    L{composedLength}.
    """
    return sum(map(composedLength, lines))


def composedLength(line: str) -> int:
    """
    The characters C{line} counts: as many as typed, or as composed (NFC)
    if fewer, so that C{é} typed as C{e} and a combining accent counts
    once, as typed precomposed.  ASCII, the common case, is its length.
    """
    if line.isascii() or unicodedata.is_normalized("NFC", line):
        return len(line)
    return min(len(line), len(unicodedata.normalize("NFC", line)))


def _shows(line: str) -> bool:
    """
    Whether C{line} shows anything: not blank (L{isBlank}: zero-width
    characters are no more than spaces), formatting codes aside, nor an
    action without words.
    """
    if line.startswith("\x01ACTION"):  # an action's words must show (with or without a space)
        line = line[len("\x01ACTION") :].strip("\x01")
    return not isBlank(plain(line))


def checkHeard(moderation: Moderation, people: People, participant: IParticipant) -> None:
    """
    What reaches others as a muted person's words besides messages (an away
    message, a real name): refused while its nickname, or the account it
    signed in to, is muted.

    @raise errors.Muted: it is.
    """
    if participant.nick is not None:
        moderation.checkNotMuted(participant.nick)
    account = people.accounts.key(participant)
    if account is not None:
        moderation.checkNotMuted(account)


def partingWords(text: str) -> str:
    """
    The words a person leaves a room or the chat with (IRC C{PART} and
    C{QUIT}, talk C{/leave}, TCHAT C{LEAVE}, the web page's C{leave}): a
    person asking to leave must leave, so they are never refused, only
    L{scrub}bed of what L{chatd.core.text.checkText} refuses and
    L{shortened} to a reason's length.
    """
    return shortened(scrub(text))


def heardReason(service: IChatService, participant: IParticipant, reason: str) -> str:
    """
    C{reason} (for leaving a room or the chat, removing someone, deleting
    a message) as others may read it from C{participant}: nothing while its
    nickname, or the account it signed in to, is muted (the act itself
    still happens).
    """
    try:
        for name in (participant.nick, service.provenAccount(participant)):
            if name is not None:
                service.moderation.checkNotMuted(name)
    except errors.Muted:
        return ""
    return reason


def checkSpeaker(
    moderation: Moderation, people: People, participant: IParticipant, nick: str
) -> None:
    """
    Count one message of C{nick}'s (L{Moderation.checkSpeak}).

    @raise errors.Muted: C{nick} is muted, or the account C{participant}
        signed in to under another nickname (IRC's SASL) is.
    """
    moderation.checkSpeak(nick)
    account = people.accounts.key(participant)
    if account is not None and account != key(nick):
        moderation.checkNotMuted(account)


def speakingRoom(room: Room, people: People, participant: IParticipant, nick: str) -> Room:
    """
    C{room}, if C{nick} may speak in it: a member's, or any room without
    C{n}; in a C{m} room only voiced members and operators speak, and a
    ban quiets all but those.
    """
    if key(nick) not in room.members and "n" in room.modes:
        raise errors.NotMember()
    if "m" in room.modes and not (room.hasVoice(nick) or people.isOperator(participant)):
        raise errors.Moderated()
    if room.bans.entries and quietedByBan(
        room, people, participant, people.isOperator(participant)
    ):
        raise errors.BannedFromRoom("you are banned from that room: only voiced members speak")
    return room
