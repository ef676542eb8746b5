# -*- test-case-name: tests.unit.core.test_moderation -*-
"""
The moderation rules every front-end obeys: kicks with an expiry, bans of
nicknames and of addresses (single IPs or CIDR networks), mutes, operators,
and the audit trail of the administrators who set them.

L{ChatService} owns one L{Moderation} and asks it at each gate (a new
connection, a login, a message); the admin console changes it.  Sanctions
lapse lazily (a check compares C{until} with the clock: no timer runs), and
lapsed ones are dropped from the store the next time they are listed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any
from weakref import WeakKeyDictionary

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatd.core import errors
from chatd.core.admission import Network, addressOf, parseNetwork
from chatd.core.banreach import sweepingBan
from chatd.core.delivery import connectionsOf
from chatd.core.interfaces import IParticipant
from chatd.core.names import key
from chatd.core.operators import OperatorKeys
from chatd.core.opgrants import OperatorGrants
from chatd.core.refusallog import RefusalLog
from chatd.core.sanctionstart import LoadWait, RenamedSource, inForce
from chatd.core.sanctiontext import describe
from chatd.core.writes import PendingWrites
from chatd.modstore import (
    BAN,
    IPBAN,
    KICK,
    MUTE,
    OPERATOR,
    AuditEntry,
    IModerationStore,
    MemoryModerationStore,
    Sanction,
)

#: Seconds of message history kept for L{Moderation.messagesPerSecond}.
RATE_WINDOW = 60


class Moderation(OperatorGrants):
    """
    Who may not connect, log in or speak, and who may moderate (the
    console's grants: L{OperatorGrants}).

    @ivar operators: the names allowed to moderate; the same object as the
        service's, so L{op} and L{deop} take effect everywhere.
    @ivar store: where sanctions and the audit trail are kept.
    """

    log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        operators: OperatorKeys | None = None,
        store: IModerationStore | None = None,
    ) -> None:
        self.clock = clock
        self.operators = operators if operators is not None else OperatorKeys()
        self.store: IModerationStore = store if store is not None else MemoryModerationStore()
        self.writes = PendingWrites("moderation store failed")  # settled(): stored
        self._sanctions: dict[tuple[str, str], Sanction] = {}
        self._connectedAt: WeakKeyDictionary[IParticipant, float] = WeakKeyDictionary()
        self._recent: deque[list[int]] = deque()  # [second, messages], oldest first
        self.loading = LoadWait()
        self.refusals = RefusalLog(clock, self.log)  # a reconnect loop is not a flood of lines
        self.changingRights = lambda by: nullcontext()  # (the service shows them)

    # Start-up

    async def restore(self, store: IModerationStore, renamed: RenamedSource | None = None) -> int:
        """
        Use C{store} from now on and take over the sanctions it holds that
        are still in force; return how many.  Until they are known,
        L{whenLoaded} makes logins wait; if they cannot be loaded, logins
        are refused (nobody banned may slip in).  C{renamed}: the names
        whose keys the chat database changed, which the sanctions follow
        (L{inForce}), once.
        """
        return await self.loading.during(self._take(store, renamed))

    def whenLoaded(self) -> Deferred[None] | None:
        """C{None} if the sanctions are known, else a L{Deferred} of when (L{LoadWait})."""
        return self.loading.whenLoaded()

    async def _take(self, store: IModerationStore, renamed: RenamedSource | None) -> int:
        self.store = store
        now = self.clock.seconds()
        renames = None if renamed is None else await renamed.load()
        kept = await inForce(
            store, now, self._key, self._persist, self.log, OPERATOR, renames, IPBAN
        )
        if renamed is not None and renames and await self.writes.settled():
            self._persist(renamed.forget())  # followed: a later start keeps them as they are
        for sanction in kept:
            self._sanctions[(sanction.kind, sanction.target)] = sanction
            if sanction.kind == OPERATOR:
                self.operators.grant(sanction.target)
        return len(kept)

    # Gates the service calls

    def admit(self, participant: IParticipant) -> None:
        """
        A new connection: note when it came, refuse it if its address is banned.

        @raise errors.Banned: the address is in a banned network (logged
            as a refused login is: L{refusedLogin}).
        """
        ban = self.addressBan(participant.address)
        if ban is not None:
            address = participant.address or "?"
            what = f"address banned ({ban.name}) {describe(ban, self.clock.seconds())}"
            if self.refusals.shows("connection", address, f": {what}"):
                self.log.info(
                    "connection from {address} refused: {what}", address=address, what=what
                )
        self.checkAddress(participant.address)
        self._connectedAt[participant] = self.clock.seconds()

    def checkAddress(self, address: str) -> None:
        """@raise errors.Banned: C{address} is in a banned network."""
        ban = self.addressBan(address)
        if ban is not None:
            raise errors.Banned(f"your address is banned {describe(ban, self.clock.seconds())}")

    def checkLogin(self, nick: str) -> None:
        """
        @raise errors.Banned: C{nick} is banned.
        @raise errors.Kicked: C{nick} was kicked and the timeout has not passed.
        """
        now = self.clock.seconds()
        ban = self.active(BAN, nick)
        if ban is not None:
            raise errors.Banned(f"you are banned {describe(ban, now)}")
        kick = self.active(KICK, nick)
        if kick is not None:
            raise errors.Kicked(f"you were kicked, come back {describe(kick, now)}")

    def checkSpeak(self, nick: str) -> None:
        """
        Count one message for L{messagesPerSecond}, unless C{nick} is muted.

        @raise errors.Muted: C{nick} is muted.
        """
        self.checkNotMuted(nick)
        now = int(self.clock.seconds())
        if self._recent and self._recent[-1][0] == now:
            self._recent[-1][1] += 1
        else:
            self._recent.append([now, 1])
        while self._recent[0][0] <= now - RATE_WINDOW:
            self._recent.popleft()

    def checkNotMuted(self, nick: str) -> None:
        """
        What a muted person may not do besides speaking: set a topic,
        invite someone (both reach others as words of theirs).

        @raise errors.Muted: C{nick} is muted.
        """
        mute = self.active(MUTE, nick)
        if mute is not None:
            raise errors.Muted(f"you are muted {describe(mute, self.clock.seconds())}")

    def refusedLogin(self, nick: str, address: str, refused: errors.ChatError) -> None:
        """
        Log a login that L{checkLogin} or L{checkAddress} C{refused}, with
        who, from where and which sanction (whatever C{--quiet-connections}
        says): the first few from an address at once, a count of the rest
        (L{RefusalLog}).
        """
        if isinstance(refused, errors.Kicked):
            sanction, what = self.active(KICK, nick), "kicked"
        elif (sanction := self.active(BAN, nick)) is not None:
            what = "banned"
        else:
            sanction = self.addressBan(address)
            what = "address banned" if sanction is None else f"address banned ({sanction.name})"
        what += " " + (
            refused.text if sanction is None else describe(sanction, self.clock.seconds())
        )
        address = address or "?"
        if self.refusals.shows("login", address, f", the last as {nick}: {what}"):
            self.log.info(
                "login of {nick} from {address} refused: {what}",
                nick=nick,
                address=address,
                what=what,
            )

    # Queries

    def active(self, kind: str, target: str) -> Sanction | None:
        """
        The sanction of C{kind} on C{target} (a nickname, or a network for
        L{IPBAN}) if it is in force now.
        """
        sanction = self._sanctions.get((kind, self._key(kind, target)))
        if sanction is None or not sanction.activeAt(self.clock.seconds()):
            return None
        return sanction

    def addressBan(self, address: str) -> Sanction | None:
        """The ban in force on a network that contains C{address}, if any."""
        bans = self.sanctions(IPBAN)
        if not bans:
            return None  # the usual case: no address to parse for every connection
        parsed = addressOf(address)
        if parsed is None:
            return None
        for sanction in bans:
            if parsed in parseNetwork(sanction.target):
                return sanction
        return None

    def sanctions(self, kind: str | None = None) -> list[Sanction]:
        """
        Sanctions in force, of C{kind} or all, oldest first; lapsed ones are
        forgotten here (and in the store).
        """
        now = self.clock.seconds()
        for lapsed in [s for s in self._sanctions.values() if not s.activeAt(now)]:
            self._drop(lapsed.kind, lapsed.target)
        found = [s for s in self._sanctions.values() if kind is None or s.kind == kind]
        return sorted(found, key=lambda s: s.at)

    def connectedAt(self, participant: IParticipant) -> float | None:
        """
        When C{participant} connected (Unix time), if it was admitted here
        (a person: its first connection, L{connectionsOf}).
        """
        return self._connectedAt.get(connectionsOf(participant)[0])

    def messagesPerSecond(self) -> float:
        """
        The average rate of accepted messages over the last minute.
        """
        now = int(self.clock.seconds())
        recent = (count for when, count in self._recent if when > now - RATE_WINDOW)
        return sum(recent) / RATE_WINDOW

    # Changes (the console audits them; see L{audit})

    def kick(self, nick: str, seconds: float, reason: str, by: str) -> Sanction:
        """
        Refuse C{nick} at login for C{seconds}.
        """
        return self._add(KICK, nick, reason, by, seconds)

    def ban(self, nick: str, reason: str, by: str) -> Sanction:
        """
        Refuse C{nick} at login until unbanned.
        """
        return self._add(BAN, nick, reason, by, None)

    def banAddress(
        self,
        network: Network,
        reason: str,
        by: str,
        seconds: float | None = None,
        force: bool = False,
        own: str | None = None,
    ) -> Sanction:
        """
        Refuse connections from C{network} for C{seconds} (C{None}: until
        unbanned).

        @param force: ban it even if it reaches far (L{sweepingBan}).
        @param own: the address of whoever bans, if known.
        @raise Unconfirmed: C{network} reaches far and C{force} is false.
        """
        why = None if force else sweepingBan(network, own)
        if why is not None:
            raise errors.Unconfirmed(f"{why}: repeat with --force to ban it all the same")
        return self._add(IPBAN, str(network), reason, by, seconds)

    def mute(self, nick: str, seconds: float | None, reason: str, by: str) -> Sanction:
        """
        Refuse C{nick}'s messages for C{seconds} (C{None}: until unmuted).
        """
        return self._add(MUTE, nick, reason, by, seconds)

    def lift(self, kind: str, target: str) -> bool:
        """
        End the sanction of C{kind} on C{target}; C{False} if none was in force.
        """
        found = self.active(kind, target) is not None
        self._drop(kind, self._key(kind, target))
        return found

    def audit(self, who: str, what: str, role: str = "admin") -> None:
        """
        Record that C{who} did C{what}: in the log and the store.  C{role}:
        an administrator at a console, or a chat C{"operator"} (kept as
        C{"operator moder"}, which no administrator's name can be).
        """
        self.log.info("{role} {who}: {what}", role=role, who=who, what=what)
        by = who if role == "admin" else f"{role} {who}"
        self._persist(self.store.addAudit(AuditEntry(self.clock.seconds(), by, what)))

    def lastAudit(self, limit: int) -> Deferred[list[AuditEntry]]:
        """
        The last C{limit} audit entries, oldest first.
        """
        return self.store.lastAudit(limit)

    # Internals

    @staticmethod
    def _key(kind: str, target: str) -> str:
        return str(parseNetwork(target)) if kind == IPBAN else key(target)

    def _add(self, kind: str, target: str, reason: str, by: str, seconds: float | None) -> Sanction:
        now = self.clock.seconds()
        until = None if seconds is None else now + seconds
        sanction = Sanction(kind, self._key(kind, target), target, reason, by, now, until)
        self._sanctions[(kind, sanction.target)] = sanction
        self._persist(self.store.saveSanction(sanction))
        if self.onChange is not None:
            self.onChange(kind, sanction.target, sanction)
        return sanction

    def _drop(self, kind: str, target: str, always: bool = False) -> None:
        if dropped := self._sanctions.pop((kind, target), None) is not None:
            self._persist(self.store.deleteSanction(kind, target))
        if (dropped or always) and self.onChange is not None:
            self.onChange(kind, target, None)

    def _persist(self, d: Deferred[Any]) -> None:
        self.writes.keep(d)

    # Replication (optional: cluster mode sets onChange)

    #: Called as C{onChange(kind, target, sanction)} after a sanction is
    #: added here, or with C{None} after one is lifted (and after a C{deop},
    #: of the kind L{chatd.core.opgrants.WITHHELD}), so that other
    #: processes can apply it too (L{replicate}).
    onChange: Callable[[str, str, Sanction | None], None] | None = None

    def reportTo(self, onChange: Callable[[str, str, Sanction | None], None]) -> None:
        """
        Call C{onChange} after each sanction added or lifted here.
        """
        self.onChange = onChange

    def replicate(self, kind: str, target: str, sanction: Sanction | None) -> None:
        """
        Apply a change made by another process: add (or replace) C{sanction},
        or lift the sanction of C{kind} on C{target} when it is C{None}.
        It is stored here, and not reported to L{onChange} again.
        """
        self.replicateOperators(kind, target, sanction)
        if sanction is None:
            if self._sanctions.pop((kind, target), None) is not None:
                self._persist(self.store.deleteSanction(kind, target))
            return
        self._sanctions[(kind, target)] = sanction
        self._persist(self.store.saveSanction(sanction))
