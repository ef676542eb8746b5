# -*- test-case-name: tests.unit.test_tchat_extensions,tests.unit.test_listing_frontends,tests.unit.test_tchat_histp -*-  # noqa: E501
"""
chatd's TCHAT extension commands, beyond the course's seed: C{LSGRP} (the
groups one may see), C{LSUSR} (who is online), C{TOPIC} (a group's topic,
as a one-line body), C{KICK} (a group's operator takes a member out) and
C{HISTP} (one's private conversation with someone, as C{HISTO} a group's).
Verbs the seed does not use, answered in its shapes (C{LSGRP}'s list as a
body ended by C{srv: .}, C{LSUSR}'s as C{LSMEM}'s, C{HISTP}'s as the MSGPV
blocks a recipient gets, then C{OKAY!}; else C{OKAY!} or C{ERROR nn}), each
asking the service the same thing talk's C{/rooms}, C{/list}, C{/topic},
C{/kick} and C{/pmhistory} ask: no rule of its own.
"""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred, maybeDeferred

from chatd.core import errors
from chatd.core.allowance import keep
from chatd.core.ctcp import hasText
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.text import plain
from chatd.lines.paced import paced, pagesFor
from chatd.tchatwire import ANSWERED, OKAY, encodePrivate

if TYPE_CHECKING:
    from chatd.lines.outbox import Outbox
    from chatd.tchat import TchatFactory


class TchatExtensions:
    """
    The extension commands of L{chatd.tchat.TchatProtocol}.
    """

    factory: TchatFactory
    outbox: Outbox | None

    def cmd_LSGRP(self, argument: str) -> bytes:
        """
        C{LSGRP}: C{srv: LSGRP <n>}, then a line per group one may see
        (secret ones only to their members), C{<group> <members> [<topic>]},
        then C{srv: .}.
        """
        if argument:
            raise errors.InvalidArgument()
        service = self.factory.service
        rooms = service.roomsVisibleTo(self)  # type: ignore[arg-type]
        lines = [f"srv: LSGRP {len(rooms)}\n"]
        for room, count in rooms:
            topic = plain(service.topic(room))
            lines.append(f"srv: {room} {count} {topic}\n" if topic else f"srv: {room} {count}\n")
        lines.append("srv: .\n")
        return "".join(lines).encode("utf-8")

    def cmd_LSUSR(self, argument: str) -> bytes:
        """
        C{LSUSR}: C{srv: LSUSR <n>}, then C{srv: <pseudo>} for each person
        online one is shown (L{chatd.core.listing}: someone hidden with
        IRC's C{+i} only to those sharing a group with them and to chatd
        operators), in the order they logged in; as C{LSMEM} lists a group.
        """
        if argument:
            raise errors.InvalidArgument()
        listed = self.factory.service.listedPeople(self)  # type: ignore[arg-type]
        names = [person.nick for person in listed if person.nick is not None]
        lines = [f"srv: LSUSR {len(names)}\n"] + [f"srv: {name}\n" for name in names]
        return "".join(lines).encode("utf-8")

    def cmd_TOPIC(self, argument: str, lines: tuple[str, ...]) -> Any:
        """
        C{TOPIC <group>} and a body of one line: that line is the group's
        topic; an empty body (or an empty line) clears it.
        """
        if not argument or " " in argument or len(lines) > 1:
            raise errors.InvalidArgument()
        topic = lines[0] if lines else ""
        return self.factory.service.setTopic(self, argument, topic)  # type: ignore[arg-type]

    def cmd_KICK(self, argument: str) -> Any:
        """
        C{KICK <group> <pseudo> [<reason>]}: take C{pseudo} out of the group.
        """
        room, _, rest = argument.partition(" ")
        nick, _, reason = rest.partition(" ")
        if not room or not nick:
            raise errors.InvalidArgument()
        service = self.factory.service
        return service.kickFromRoom(self, room, nick, reason)  # type: ignore[arg-type]

    def cmd_HISTP(self, argument: str) -> Any:
        """
        C{HISTP <pseudo> [<n>]}: the last n messages of one's private
        conversation with C{pseudo}, oldest first, as C{HISTO} a group's.
        """
        nick, _, count = argument.partition(" ")
        if not nick or (count and not (count.isascii() and count.isdigit())):
            raise errors.InvalidArgument()
        service = self.factory.service
        asked = int(count) if count else None
        d = maybeDeferred(service.privateHistory, self, nick, asked)  # type: ignore[call-overload]
        return d.addCallback(self._privateHistory)

    def _privateHistory(self, events: list[RoomMessage | PrivateMessage]) -> Deferred[object]:
        """
        The MSGPV blocks of C{events} (those with text, as they came live)
        and C{OKAY!}, a page at a time as the reader takes them, as
        C{HISTO}'s SPEAK blocks.
        """
        said = [e for e in events if isinstance(e, PrivateMessage) and hasText(e)]
        shown: list[PrivateMessage] = keep(events, said)  # type: ignore[arg-type]
        pages = (
            b"".join(e.wire(encodePrivate) for e in page) for page in pagesFor(self.outbox, shown)
        )
        return paced(self.outbox, chain(pages, [OKAY])).addCallback(lambda _: ANSWERED)
