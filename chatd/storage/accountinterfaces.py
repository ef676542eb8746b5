# -*- test-case-name: tests.integration.test_store -*-
"""
L{IAccountData}: what a store keeps of each registered account beside its
password and its rooms (read markers, ignore list, admin flag, the refusals
waiting for its next login), part of L{chatd.storage.interfaces.IChatStore}.
Its own module so that the store's interface stays one readable file each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zope.interface import Interface

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred


class IAccountData(Interface):
    """
    Per-account state of a chat store.  Names are given as displayed; the
    store compares them with L{chatd.core.names.key}.
    """

    def readMarkers(nick: str) -> Deferred[list[tuple[str, bool, int]]]:
        """
        Registered C{nick}'s read markers, as C{(conversation's name, is a
        room, milliseconds)}: rooms and private conversations (by the other
        nickname) it has read up to that moment.
        """

    def ignoreList(nick: str) -> Deferred[list[str]]:
        """
        The masks registered C{nick} ignores (L{chatd.core.ignores}), by key.
        """

    def saveIgnore(nick: str, mask: str, ignored: bool) -> Deferred[None]:
        """
        Registered C{nick} ignores C{mask} from now on (C{ignored}), or no
        longer; a mask of the same key is one mask.
        """

    def readMarker(nick: str, target: str, isRoom: bool) -> Deferred[int | None]:
        """
        Registered C{nick}'s read marker in room C{target} (C{isRoom}) or in
        its private conversation with C{target}, or C{None}: none yet.
        """

    def saveReadMarker(nick: str, target: str, isRoom: bool, millis: int) -> Deferred[int]:
        """
        Move registered C{nick}'s read marker in C{target} to C{millis} if
        that is later than where it is (a marker never moves back); fires
        with the marker as stored after the call.
        """

    def adminHash(nick: str) -> Deferred[str | None]:
        """
        The argon2 hash of C{nick}'s password if C{nick} is registered and
        flagged admin, else C{None}: what the admin login checks, in one
        query.
        """

    def setAdmin(nick: str, admin: bool) -> Deferred[bool | None]:
        """
        Flag registered C{nick} as an administrator, or no longer.  Fires
        with the flag as it was before, or C{None} (and nothing changes)
        when C{nick} is not registered.  Changing the password keeps the
        flag.
        """

    def admins() -> Deferred[list[str]]:
        """
        The display names of the accounts flagged admin, sorted by key.
        """

    def keepRefusal(nick: str, room: str, reason: str, when: int) -> Deferred[None]:
        """
        Keep, for registered C{nick}'s next login, that an operator refused
        its request to enter approval room C{room} for C{reason} (C{""}:
        none given) at C{when} (Unix time): one per room, the latest.  A
        name nobody registered keeps none.
        """

    def takeRefusals(nick: str) -> Deferred[list[tuple[str, str, int]]]:
        """
        The refusals kept for C{nick} (L{keepRefusal}), as C{(room, reason,
        when)}, the oldest first, no longer kept: each is given once, to
        one caller, whichever process of those sharing the database asks.
        """
