# -*- test-case-name: tests.unit.core.test_presence -*-
"""
Who watches whose presence: a person asks to hear when given nicknames come
online or go offline (IRC's C{MONITOR}), whatever protocol those people use.

L{People} tells L{Presence} of every arrival and departure of a name (a
login, a rename, a logout, on this node or another), so presence is the
service's, not one front-end's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from twisted.logger import Logger

from chatd.core.names import key


class IPresenceWatcher(Protocol):
    """
    Someone told when a nickname they watch comes online or goes offline.
    """

    def presenceChanged(self, nick: str, online: bool) -> None:
        """
        C{nick} (as its holder spells it) came online, or went offline.
        """


class Presence:
    """
    The watch lists: for each watched name's key, who watches it, and for
    each watcher, the names it watches (as it gave them).
    """

    log = Logger()

    def __init__(self) -> None:
        self._watchers: dict[str, set[IPresenceWatcher]] = {}
        self._lists: dict[IPresenceWatcher, dict[str, str]] = {}

    def watch(self, watcher: IPresenceWatcher, nicks: Iterable[str], limit: int) -> list[str]:
        """
        Add C{nicks} to C{watcher}'s list, which holds at most C{limit}
        names (0: no limit).

        @return: the names that did not fit, in order (none: all were added
            or already there).
        """
        watched = self._lists.setdefault(watcher, {})
        refused: list[str] = []
        for nick in nicks:
            k = key(nick)
            if k in watched:
                continue
            if limit and len(watched) >= limit:
                refused.append(nick)
                continue
            watched[k] = nick
            self._watchers.setdefault(k, set()).add(watcher)
        return refused

    def unwatch(self, watcher: IPresenceWatcher, nicks: Iterable[str]) -> None:
        """
        Take C{nicks} off C{watcher}'s list.
        """
        watched = self._lists.get(watcher, {})
        for nick in nicks:
            k = key(nick)
            if watched.pop(k, None) is not None:
                self._forget(k, watcher)
        if not watched:
            self._lists.pop(watcher, None)

    def clear(self, watcher: IPresenceWatcher) -> None:
        """
        Empty C{watcher}'s list (a C{MONITOR C}, or its connection closed).
        """
        for k in self._lists.pop(watcher, {}):
            self._forget(k, watcher)

    def watching(self, watcher: IPresenceWatcher) -> list[str]:
        """
        The names C{watcher} watches, as it gave them, in the order added.
        """
        return list(self._lists.get(watcher, {}).values())

    def watchersOf(self, nick: str) -> list[IPresenceWatcher]:
        """
        Who watches C{nick} (IRCv3 C{extended-monitor} tells them more).
        """
        return list(self._watchers.get(key(nick), ()))

    def arrived(self, nick: str) -> None:
        """
        Someone is now online as C{nick}: its watchers are told.
        """
        self._tell(nick, True)

    def departed(self, nick: str) -> None:
        """
        Nobody is online as C{nick} any more: its watchers are told.
        """
        self._tell(nick, False)

    def _tell(self, nick: str, online: bool) -> None:
        for watcher in list(self._watchers.get(key(nick), ())):
            try:
                watcher.presenceChanged(nick, online)
            except Exception:
                self.log.failure("telling a watcher of {nick}", nick=nick)

    def _forget(self, k: str, watcher: IPresenceWatcher) -> None:
        watchers = self._watchers.get(k)
        if watchers is not None:
            watchers.discard(watcher)
            if not watchers:
                del self._watchers[k]
