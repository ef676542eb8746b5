"""
A store whose new rooms are stored only when the test says so: a client's
commands after its C{JOIN} of a new room wait, as on a database, so the
client can close meanwhile.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred

from chatd.storage.memory import MemoryChatStore


class SlowRoomStore(MemoryChatStore):
    """
    L{MemoryChatStore} whose C{saveRoom} answers once L{store} is called.
    """

    def __init__(self) -> None:
        super().__init__()
        self.waiting: list[Deferred[None]] = []

    def saveRoom(self, settings: Any, when: int) -> Deferred[None]:
        saved = super().saveRoom(settings, when)
        waiting: Deferred[None] = Deferred()
        self.waiting.append(waiting)
        return waiting.addCallback(lambda _: saved)

    def store(self) -> None:
        """The rooms waiting are stored now."""
        waiting, self.waiting = self.waiting, []
        for each in waiting:
            each.callback(None)


class SlowRoomsCase:
    """
    A mixin for the test cases that build their service's store with
    C{makeStore}: theirs is a L{SlowRoomStore} (C{slow}), started.
    """

    slow: SlowRoomStore

    def makeStore(self) -> MemoryChatStore:
        self.slow = SlowRoomStore()
        self.slow.startService()
        return self.slow
