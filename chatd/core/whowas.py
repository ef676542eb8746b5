# -*- test-case-name: tests.unit.core.test_service,tests.unit.core.test_redaction -*-
"""
A bounded, in-memory record of who recently left chatd or changed nickname.

IRC's C{WHOWAS} is its reader today, but the record is protocol-neutral: it
keeps what the service knows of a person (nickname, user name, protocol,
real name, node), not any front-end's rendering of it.  Nothing is stored
on disk: like IRC servers' WHOWAS history, it is forgotten on restart, and
its size is bounded so that a stream of short connections cannot grow it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from weakref import ReferenceType, ref

from chatd.core.interfaces import IParticipant
from chatd.core.masks import globMatch
from chatd.core.names import key

#: How many departures are remembered, across all nicknames.
MAX_ENTRIES = 1024

#: The most renames L{renameTrail} follows from one name.
MAX_TRAIL = 16


@dataclass(frozen=True)
class PastUser:
    """
    Someone who used nickname C{nick} until C{when}.

    @ivar user: the user name they gave (IRC's C{USER}), else their nickname.
    @ivar protocolName: the front-end they used (C{irc}, C{tchat}, ...).
    @ivar host: their host then (L{chatd.core.hosts}).
    @ivar realName: the real name they gave, or C{""}.
    @ivar when: when they left or were renamed (Unix time).
    @ivar node: the cluster node that served them; C{""} for this one.
    @ivar renamedTo: their new nickname if they were renamed, else C{None}
        (they left).
    @ivar holder: who they were (weakly: a record keeps no session alive),
        to tell a person's own renames from someone else's use of the name.
    """

    nick: str
    user: str
    protocolName: str
    host: str
    realName: str
    when: int
    node: str = ""
    renamedTo: str | None = None
    holder: ReferenceType[object] | None = field(default=None, compare=False, repr=False)

    def heldBy(self, member: object) -> bool:
        """
        Whether C{member}, still signed in, is the one who stopped using the name.
        """
        return self.holder is not None and self.holder() is member


class NickHistory:
    """
    The last L{MAX_ENTRIES} departures and renames, most recent last.
    """

    def __init__(self, hostOf: Callable[[IParticipant], str], size: int = MAX_ENTRIES) -> None:
        #: The host of someone leaving a name (L{chatd.core.hosts.Hosts.of}).
        self.hostOf = hostOf
        self._entries: deque[PastUser] = deque(maxlen=size)

    def remember(
        self, participant: IParticipant, nick: str, when: int, renamedTo: str | None = None
    ) -> None:
        """
        Record that C{participant} stopped using C{nick} at C{when}.
        """
        self._entries.append(
            PastUser(
                nick=nick,
                user=getattr(participant, "ident", None) or nick,
                protocolName=participant.protocolName,
                host=self.hostOf(participant),
                realName=getattr(participant, "realName", "") or "",
                when=when,
                node=getattr(participant, "node", "") or "",
                renamedTo=renamedTo,
                holder=_weakly(participant),
            )
        )

    def lookup(self, nick: str, count: int | None = None) -> list[PastUser]:
        """
        The entries for C{nick} (case-insensitive; C{*} and C{?} are
        wildcards), most recent first, at most C{count} of them (C{None}
        or a non-positive count: all).
        """
        wanted = key(nick)
        wild = "*" in wanted or "?" in wanted
        found: list[PastUser] = []
        for entry in reversed(self._entries):
            name = key(entry.nick)
            if name == wanted or (wild and globMatch(wanted, name)):
                found.append(entry)
                if count is not None and 0 < count <= len(found):
                    break
        return found


def renameTrail(
    whowas: Callable[[str, int], list[PastUser]], nick: str, since: float
) -> list[PastUser]:
    """
    Where the person last called C{nick} went by renaming, since C{since}:
    the renames that took them from C{nick} to their name now, in order
    (the last one's C{renamedTo} is that name), or C{[]} if the last to
    use C{nick} left instead, or renamed before C{since}.  A rename from a
    later name counts only if the same person made it (a guest name is
    anyone's once free), and at most L{MAX_TRAIL} are followed.

    @param whowas: L{NickHistory.lookup} or what gives the same, as
        C{IChatService.whowas}.
    """
    trail: list[PastUser] = []
    seen = {key(nick)}
    found = whowas(nick, 1)
    while found and len(trail) < MAX_TRAIL:
        entry, went = found[0], found[0].renamedTo
        if went is None or entry.when < since or (trail and not _samePerson(trail[-1], entry)):
            break
        trail.append(entry)
        if key(went) in seen:  # back to a name already passed
            break
        seen.add(key(went))
        since = entry.when
        found = whowas(went, 1)
    return trail


def _samePerson(one: PastUser, other: PastUser) -> bool:
    """
    Whether C{one} and C{other} are known to be the same person's.
    """
    holder = None if one.holder is None else one.holder()
    return holder is not None and other.heldBy(holder)


def _weakly(participant: IParticipant) -> ReferenceType[object] | None:
    """
    A weak reference to C{participant}, or C{None} if it takes none.
    """
    try:
        return ref(participant)
    except TypeError:
        return None
