# -*- test-case-name: tests.unit.web.test_web_msgid -*-
"""
What a page already has of a room's past: a page that comes back (a
reconnect) names the last message it shows of each room (C{after} in
C{join} and C{login}), and the history the service replays on entering
the room starts after that message.  So the page is sent only what is
newer, and nothing is shown or counted unread twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chatd.core.errors import InvalidArgument
from chatd.core.events import RoomMessage
from chatd.core.names import key

if TYPE_CHECKING:
    from chatd.web.socket import WebParticipant


class ReplayMarks:
    """
    For each room, the id of the last message the page has of it, until the
    service replays the room's history (once, on entering).
    """

    __slots__ = ("_after",)

    def __init__(self) -> None:
        self._after: dict[str, str] = {}

    def expect(self, room: str, msgid: str | None) -> None:
        """
        The page is entering C{room} and has its messages up to C{msgid}
        (C{None}: none of them).
        """
        if msgid:
            self._after[key(room)] = msgid
        else:
            self._after.pop(key(room), None)

    def expectAll(self, marks: dict[str, str]) -> None:
        """
        The page is logging in again, with C{marks}: room to last msgid (the
        service may put it back in those rooms); earlier marks are forgotten.
        """
        self._after.clear()
        for room, msgid in marks.items():
            self.expect(room, msgid)

    def newer(self, room: str, events: list[RoomMessage]) -> list[RoomMessage]:
        """
        Of the history replayed on entering C{room}, what comes after the
        page's last message; everything if the page named none, or one the
        replay does not hold (older than the replay, or never stored).
        """
        msgid = self._after.pop(key(room), None)
        if msgid is not None:
            for index, event in enumerate(events):
                if event.msgid == msgid:
                    return events[index + 1 :]
        return events


def noteJoin(web: WebParticipant, room: str, request: dict[str, Any]) -> None:
    """
    A C{join} request's C{after} (a message id, optional): where the
    replay of C{room}'s history is to start.
    """
    after = request.get("after")
    if after is not None and not isinstance(after, str):
        raise InvalidArgument("'after' must be a message id (a string)")
    if after:
        web.replay = web.replay or ReplayMarks()
    if web.replay is not None:
        web.replay.expect(room, after)


def noteLogin(web: WebParticipant, request: dict[str, Any]) -> None:
    """
    A C{login} request's C{after} (optional): an object of room names to
    message ids, for the rooms the service may put the user back in.
    """
    after = request.get("after", {})
    if not isinstance(after, dict) or not all(
        isinstance(room, str) and isinstance(msgid, str) for room, msgid in after.items()
    ):
        raise InvalidArgument("'after' must be an object of room names to message ids")
    if after:
        web.replay = web.replay or ReplayMarks()
    if web.replay is not None:
        web.replay.expectAll(after)
