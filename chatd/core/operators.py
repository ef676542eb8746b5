# -*- test-case-name: tests.unit.irc.test_irc_oper,tests.unit.core.test_operatorreserve -*-
"""
Chatd operators for a session (IRC's C{OPER}): who holds the rights, and
through which administrator's name and password, so that the console can
show them, take them away (C{deop}), and end them with that
administrator's flag (C{admin revoke}).  And the names whose accounts
hold the rights (L{OperatorKeys}): the configured ones (C{--operators}),
which a reload sets, warning of those without an account, and the
console's grants.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from twisted.logger import Logger

from chatd.core import status
from chatd.core.events import OperatorRightsEnded
from chatd.core.names import key
from chatd.core.participant import IParticipant
from chatd.core.rightschange import CONFIGURATION, THE_SERVER, changingRights
from chatd.core.usermodes import setUserModes, userModesOf

if TYPE_CHECKING:
    from chatd.core.interfaces import IChatService
    from chatd.core.roles import IAdministration
    from chatd.core.service import ChatService

log = Logger()


class SessionOperators:
    """
    The participants made chatd operators until they leave, each with the
    administrator name that proved it (C{""}: another node's, unknown here).
    """

    def __init__(self) -> None:
        self._through: dict[IParticipant, str] = {}

    def grant(self, participant: IParticipant, through: str = "") -> None:
        self._through[participant] = through

    def discard(self, participant: IParticipant) -> bool:
        """Take the rights away; whether it had them."""
        return self._through.pop(participant, None) is not None

    def through(self, participant: IParticipant) -> str | None:
        """The administrator name its rights came through, or C{None}: none."""
        return self._through.get(participant)

    def grantedThrough(self, admin: str) -> list[IParticipant]:
        """Those whose rights came through administrator C{admin}."""
        return [each for each, name in self._through.items() if key(name) == key(admin)]

    def __contains__(self, participant: object) -> bool:
        return participant in self._through

    def __iter__(self) -> Iterator[IParticipant]:
        return iter(list(self._through))

    def __bool__(self) -> bool:
        return bool(self._through)


class OperatorKeys:
    """
    The keys of the names whose accounts hold chatd operator rights, from
    two sources kept apart: the configured names (C{--operators}, set at
    start and by a reload) and the console's C{op} grants (kept as
    sanctions).  A console C{deop} of a configured name withholds it until
    the next reload or restart; nothing else does: an account deleted
    loses the grants given to it, and a configured name keeps its rights,
    which its account has again as soon as an administrator creates it.
    Asked of each operator's decision, on every node and front-end, through
    L{chatd.core.people.People.isOperator}.
    """

    def __init__(self, configured: Iterable[str] = ()) -> None:
        self._configured = {key(name) for name in configured}
        self._withheld: set[str] = set()
        self._granted: set[str] = set()

    def __contains__(self, nickKey: object) -> bool:
        if nickKey in self._granted:
            return True
        return nickKey in self._configured and nickKey not in self._withheld

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._granted | (self._configured - self._withheld)))

    def __bool__(self) -> bool:
        return bool(self._granted) or not self._withheld.issuperset(self._configured)

    def configure(self, names: Iterable[str]) -> None:
        """A reload's names: they hold, each configured name withheld before too."""
        self._configured = {key(name) for name in names}
        self._withheld.clear()

    def grant(self, nickKey: str) -> None:
        """The console's C{op} gave C{nickKey} rights (here or on another node)."""
        self._granted.add(nickKey)

    def ungrant(self, nickKey: str) -> None:
        """
        The console's grant to C{nickKey} ended (its account was deleted):
        a configured name keeps its rights.
        """
        self._granted.discard(nickKey)

    def withhold(self, nickKey: str) -> None:
        """
        The console's C{deop} of C{nickKey}: its grant ends, and a
        configured name gives no rights until the next reload.
        """
        self._granted.discard(nickKey)
        if nickKey in self._configured:
            self._withheld.add(nickKey)

    def reserved(self) -> set[str]:
        """
        The keys no user may register (L{reservedNames}): the configured
        names, withheld ones too, and the grants.
        """
        return self._configured | self._granted


def sessionOperators(service: IAdministration, participant: IParticipant) -> list[IParticipant]:
    """
    The connections of C{participant} (a person: each one) that hold
    session operator rights.
    """
    granted = service.people.sessionOperators
    connections = getattr(participant, "connections", [])
    return [each for each in dict.fromkeys([participant, *connections]) if each in granted]


def endSessionOperator(service: IAdministration, participant: IParticipant, text: str) -> bool:
    """
    Take C{participant}'s session operator rights (each connection's) away
    and tell each connection that held them C{text}, as an
    L{OperatorRightsEnded} its front-end shows in its own way (IRC: user
    mode C{-o}); other nodes hear of it through its profile, sent after
    the front-ends had their say.  Whether it had any.
    """
    held = sessionOperators(service, participant)
    if not held:
        return False
    with changingRights(service, THE_SERVER):  # the rooms show it last
        for each in held:
            service.people.sessionOperators.discard(each)
            each.notice(OperatorRightsEnded(text, service.clock.seconds()))
        for each in held:  # once each front-end showed it gone (IRC's -o)
            modes = userModesOf(service.people, each)
            setUserModes(service.people, each, modes - {"o"})
    status.changed(service, participant, status.PROFILE)
    return True


def grantSessionOperator(service: IChatService, participant: IParticipant, through: str) -> None:
    """
    Make C{participant} a chatd operator for the rest of its session
    (L{chatd.core.people.People.grantOperator}): the rooms where its
    status shows otherwise now show C{+o} (L{changingRights}).
    """
    with changingRights(service, THE_SERVER):
        service.people.grantOperator(participant, through)


def withdrawSessionOperator(service: IChatService, participants: Iterable[IParticipant]) -> bool:
    """
    End the session rights of those of C{participants} that hold them, as
    the rooms show (C{-o}); whether any did.
    """
    held: SessionOperators = service.people.sessionOperators
    holding = [each for each in dict.fromkeys(participants) if each in held]
    if holding:
        with changingRights(service, THE_SERVER):
            for each in holding:
                held.discard(each)
    return bool(holding)


def giveUpSessionOperator(service: IChatService, participant: IParticipant) -> bool:
    """
    C{participant} gives up the rights its C{OPER} gave it (IRC's
    C{MODE nick -o}); whether it had them.
    """
    person = service.people.personOf(participant)
    return withdrawSessionOperator(service, [participant, person])


def endGrantsThrough(service: IAdministration, admin: str, text: str) -> int:
    """
    The session operators whose rights came through administrator name
    C{admin} lose them (its flag was revoked, or the console's C{deop}
    named it), each told C{text}; how many.
    """
    ended = service.people.sessionOperators.grantedThrough(admin)
    for each in ended:
        endSessionOperator(service, each, text)
    return len(ended)


def describeSessionOperator(service: IAdministration, participant: IParticipant) -> str | None:
    """
    How the console shows C{participant}'s session operator rights, if any.
    """
    for each in sessionOperators(service, participant):
        through = service.people.sessionOperators.through(each)
        how = f"IRC OPER as {through}" if through else "IRC OPER on another node"
        return f"operator until they sign out ({how})"
    return None


def configureOperators(service: ChatService, names: Iterable[str]) -> None:
    """
    A reload's operator names: the configured list is one source of
    operator names, the console's C{op} grants (kept as sanctions) the
    other; a name taken out of the list keeps a grant the console made.
    A newly listed name without an account is warned of (L{warnUnregistered}).
    Whoever gains or loses the rights by it is told, and the rooms they
    are in show it, as for the console's C{op} and C{deop}
    (L{changingRights}).
    """
    names = list(names)
    before = {key(name) for name in service.operatorNames}
    with changingRights(service, CONFIGURATION, tell=True):
        service.people.configureOperators(names)
    persistence = service.persistence
    if persistence is None or persistence.loaded:  # (else its load warns of every name)
        warnUnregistered(service, [name for name in names if key(name) not in before])


def reservedNames(service: ChatService) -> set[str]:
    """
    The keys of the operators' names, asked afresh each time (the rule of
    L{chatd.core.accounts.registering}: one without an account is
    reserved): the configured ones (C{--operators}), even one the console's
    C{deop} withheld until the next reload, and the console's C{op} grants.
    """
    return service.people.operatorKeys.reserved()


def warnUnregisteredGrants(service: ChatService) -> None:
    """
    At start, warn of the console's C{op} grants that have no account, as
    L{warnUnregistered} does of the configured names; called once the
    accounts are loaded and once the sanctions are: the second to be done
    warns.
    """
    persistence = service.persistence
    if not service.moderation.loading.loaded or (persistence and not persistence.loaded):
        return
    configured = {key(name) for name in service.operatorNames}
    warnUnregistered(service, [g for g in service.moderation.granted() if g not in configured])


def warnUnregistered(service: ChatService, names: Iterable[str]) -> None:
    """
    Warn of each operator name of C{names} that has no account, at start
    (the configured names, and the console's grants:
    L{warnUnregisteredGrants}) and on a reload (those newly listed): nobody
    gets its rights until an administrator creates the account, which no
    user may register (L{chatd.core.accounts.registering}); a server with
    no store has no accounts at all.
    """
    persistence = service.persistence
    for name in names:
        if persistence is None:
            log.warn(
                "operator {name} has no registered account (this server keeps no"
                " accounts): the name gives no rights; use IRC OPER",
                name=name,
            )
        elif key(name) not in persistence.registered:
            log.warn(
                "operator {name} has no registered account: nobody gets its rights until"
                " an administrator creates it, and no user may register it; create it now"
                " on the admin console: add account {name}",
                name=name,
            )
