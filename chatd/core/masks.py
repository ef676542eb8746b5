# -*- test-case-name: tests.unit.core.test_masks -*-
"""
A room's keys, mask lists and mode strings, the values behind IRC's C{+k},
C{+b}, C{+e} and C{+I}, kept protocol-neutral; L{chatd.core.room.Room}
applies them.

A room keeps three mask lists: ban masks (C{b}: who may not enter, nor
speak unless voiced), ban exceptions (C{e}: who passes the ban masks all
the same) and invite exceptions (C{I}: who enters an invite-only room
without an invitation).

A ban mask is C{nick!user@host} with C{*} and C{?} wildcards, compared
without regard to case (L{chatd.core.names.key}).  Every participant, whatever
its protocol, is matched as C{nick!user@host} twice
(L{chatd.core.hosts.Hosts.masksOf}): with its host, the one every front-end
shows (C{user/alice} for an account, a guest's cloak), and with its real
address, so a mask copied from an IRC prefix works and so does a network
ban such as C{*!*@192.0.2.*}.  The user part is the participant's C{ident}
when its protocol has one (IRC's USER), otherwise its nickname.

The room keeps these in memory, like its other modes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from chatd.core import errors
from chatd.core.limits import MAX_BANS, MAX_KEY_LENGTH, MAX_MASK_LENGTH
from chatd.core.names import key

#: Room modes the service enforces: C{t} only operators set the topic, C{n}
#: only members speak, C{m} only voiced members and operators speak, C{i}
#: only those invited enter, C{s} only members see the room in room lists.
ROOM_MODES = "imnst"
#: A room's mask lists by mode letter: the L{Room} attribute and the
#: list's name in refusals.
MASK_LISTS = {
    "b": ("bans", "ban"),
    "e": ("exceptions", "ban exception"),
    "I": ("invex", "invite exception"),
}


def checkKey(roomKey: str) -> str:
    """
    C{roomKey} if it can be a room key: 1 to L{MAX_KEY_LENGTH} printable
    characters without spaces or commas (which separate keys in IRC's JOIN);
    in NFC (L{sameKey}).

    @raise errors.InvalidArgument: it cannot.
    """
    if not 0 < len(roomKey) <= MAX_KEY_LENGTH or any(
        ch.isspace() or ch == "," or not ch.isprintable() for ch in roomKey
    ):
        raise errors.InvalidArgument(
            f"a room key is 1 to {MAX_KEY_LENGTH} characters without spaces or commas"
        )
    return unicodedata.normalize("NFC", roomKey)


def sameKey(given: str | None, roomKey: str) -> bool:
    """
    Whether C{given} opens a room whose key is C{roomKey}: the same text
    however a keyboard composed it (C{Clé} as one character or as C{e} and
    an accent), as passwords are compared.
    """
    return given is not None and (
        unicodedata.normalize("NFC", given) == unicodedata.normalize("NFC", roomKey)
    )


def normalizeMask(mask: str) -> str:
    """
    C{mask} in full C{nick!user@host} form: C{bob} is C{bob!*@*},
    C{bob!x} is C{bob!x@*}, C{*@host} is C{*!*@host}.

    @raise errors.InvalidArgument: an empty, overlong or spaced mask.
    """
    if not 0 < len(mask) <= MAX_MASK_LENGTH or any(ch.isspace() for ch in mask):
        raise errors.InvalidArgument(
            f"a ban mask is nick!user@host, at most {MAX_MASK_LENGTH} characters"
        )
    nick, bang, rest = mask.partition("!")
    if not bang:
        if "@" in mask:
            nick, rest = "*", mask
        else:
            rest = "*"
    user, at, host = rest.partition("@")
    return f"{nick or '*'}!{user or '*'}@{host if at and host else '*'}"


@lru_cache(maxsize=1024)
def _pattern(mask: str) -> re.Pattern[str]:
    return wildcards(key(mask))


@lru_cache(maxsize=1024)
def wildcards(mask: str) -> re.Pattern[str]:
    """
    IRC's wildcard C{mask} as a pattern to match whole: C{*} any run of
    characters, C{?} any one; every other character stands for itself,
    C{[} and C{]} too (they are in nicknames: C{[Tom]}), unlike
    L{fnmatch}'s.  Case counts: callers fold both sides.
    """
    parts = ("." if ch == "?" else ".*" if ch == "*" else re.escape(ch) for ch in mask)
    return re.compile("".join(parts), re.DOTALL)


def globMatch(mask: str, text: str) -> bool:
    """Whether IRC wildcard C{mask} (L{wildcards}) matches all of C{text}."""
    return wildcards(mask).fullmatch(text) is not None


def matches(mask: str, seenAs: tuple[str, ...]) -> bool:
    """
    Whether ban mask C{mask} (normalized) matches a participant seen as
    C{seenAs}, its C{nick!user@host} forms (L{chatd.core.hosts.Hosts.masksOf}).
    """
    pattern = _pattern(mask)
    return any(pattern.fullmatch(key(form)) for form in seenAs)


class BanList:
    """
    A room's ban masks, each with who set it and when, in the order set.
    """

    __slots__ = ("entries", "name")

    def __init__(self, name: str = "ban") -> None:
        self.entries: list[tuple[str, str, int]] = []
        self.name = name

    def find(self, mask: str) -> int | None:
        wanted = key(mask)
        for index, (existing, _, _) in enumerate(self.entries):
            if key(existing) == wanted:
                return index
        return None

    def add(self, mask: str, by: str, when: int) -> bool:
        """
        Add C{mask} (normalized); C{False} if it is there already.

        @raise errors.ListFull: the list is full.
        """
        if self.find(mask) is not None:
            return False
        if len(self.entries) >= MAX_BANS:
            raise errors.ListFull(f"the {self.name} list is full ({MAX_BANS} masks)")
        self.entries.append((mask, by, when))
        return True

    def remove(self, mask: str) -> str | None:
        """
        Remove C{mask} (any case); the mask as it was set, or C{None}.
        """
        index = self.find(mask)
        if index is None:
            return None
        return self.entries.pop(index)[0]

    def matches(self, seenAs: tuple[str, ...]) -> bool:
        """
        Whether one of the masks matches a participant seen as C{seenAs}.
        """
        return any(matches(mask, seenAs) for mask, _, _ in self.entries)


def modeString(applied: list[tuple[str, str | None]]) -> tuple[str, tuple[str, ...]]:
    """
    One IRC-style mode string and its arguments for C{applied} changes:
    C{[("-i", None), ("-n", None), ("+k", "x")]} is C{("-in+k", ("x",))}.
    """
    modes, sign = "", ""
    args: list[str] = []
    for change, argument in applied:
        if change[0] != sign:
            sign = change[0]
            modes += sign
        modes += change[1:]
        if argument is not None:
            args.append(argument)
    return modes, tuple(args)


#: Modes whose change carries an argument both ways (C{l} only when set).
ARGUMENT_MODES = "ovbeIk"


def parseModes(modes: str, args: tuple[str, ...] | list[str]) -> list[tuple[bool, str, str | None]]:
    """
    The changes in C{modes} and C{args} as L{modeString} wrote them:
    C{("+m-o", ("bob",))} is C{[(True, "m", None), (False, "o", "bob")]}.
    A change whose argument is missing gets C{None}.
    """
    changes: list[tuple[bool, str, str | None]] = []
    rest = list(args)
    adding = True
    for mode in modes:
        if mode in "+-":
            adding = mode == "+"
            continue
        takes = mode in ARGUMENT_MODES or (mode == "l" and adding)
        changes.append((adding, mode, rest.pop(0) if takes and rest else None))
    return changes
