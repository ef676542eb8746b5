# -*- test-case-name: tests.unit.admin.test_admin_refusals,tests.unit.web.test_web_rooms -*-
"""
A request to enter an approval room that ends unaccepted: an operator
refuses it (the console's C{refuse pending}), or the person withdraws it by
leaving the room they wait for.  L{RequestRefused} is what the person is
told; the rule itself is L{chatd.core.approvals.Approvals}'.
"""

from __future__ import annotations

from chatd.core.events import Notice


def refusalText(room: str, reason: str) -> str:
    """
    What the person refused is told, in words.
    """
    return f"an operator refused your request to enter {room}" + (f": {reason}" if reason else "")


class RequestRefused(Notice):
    """
    An operator refused the person's request to enter approval room
    C{room}, for C{reason} (C{""}: none given).

    It is a L{Notice}, so front-ends that know nothing of requests show its
    C{text}, a sentence naming the room and the reason; the web page also
    drops the room's waiting note.
    """

    __slots__ = ("room", "reason")

    def __init__(self, room: str, reason: str, when: float) -> None:
        super().__init__(refusalText(room, reason), when)
        self.room = room
        self.reason = reason


def operatorsText(
    nick: str, room: str, reason: str = "", withdrawn: bool = False, left: bool = False
) -> str:
    """
    What a room's operators and founder are told when C{nick}'s request to
    enter C{room} ends unaccepted: refused (C{reason}), C{withdrawn}, or a
    guest who C{left} the chat.
    """
    if withdrawn:
        return f"{nick} no longer asks to enter {room}: they withdrew their request"
    if left:
        return (
            f"{nick} no longer asks to enter {room}: they left the chat"
            " (a guest's request ends with them)"
        )
    return f"an operator refused {nick}'s request to enter {room}" + (
        f": {reason}" if reason else ""
    )
