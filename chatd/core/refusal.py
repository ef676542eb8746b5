# -*- test-case-name: tests.unit.admin.test_admin_refusals,tests.unit.web.test_web_rooms,tests.unit.cluster.test_cluster_approvals -*-  # noqa: E501
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


class RequestEnded(RequestRefused):
    """
    The person's request to enter approval room C{room} ended on another
    node of a cluster, and this node, which serves them, learnt it only from
    the store, without why (an operator refused it, most likely; or the
    account withdrew it on another connection).  Shown as a refusal is: the
    web page drops the room's waiting note and shows the sentence.
    """

    __slots__ = ()

    def __init__(self, room: str, when: float) -> None:
        super().__init__(room, "", when)
        self.text = (
            f"your request to enter {room} is over (refused, or withdrawn on another"
            " connection): ask again to enter it"
        )


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
