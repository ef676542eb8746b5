# -*- test-case-name: tests.unit.admin.test_admin_commands -*-
"""
What the console's C{op}, C{deop} and C{whois} say of operator rights
given to a name: they hold only for a password login to that registered
account (the core's L{chatd.core.people.People.isOperator}), so a guest
now using the name is told they come at such a login, not that they hold
them; whoever loses them to a C{deop} is told so.
"""

from __future__ import annotations

from chatd.core.events import OperatorRightsEnded
from chatd.core.interfaces import IParticipant
from chatd.core.operators import sessionOperators
from chatd.core.reach import reachedBy
from chatd.core.roles import IAdministration


def announceOp(service: IAdministration, nick: str, by: str, shown: str = "") -> str:
    """
    Tell whoever holds C{nick} now, or is signed in to the account C{nick}
    under another nickname, what C{by}'s C{op} gives them; the console's
    reply, naming C{nick} as C{shown} (the nickname typed, and its account).
    """
    shown = shown or nick
    target = service.find(nick)
    if target is None or service.isOperator(target):
        for each in reachedBy(service, nick):
            if service.isOperator(each):
                service.notify(each, f"{by} made you an operator")
        return f"{shown} is now an operator"
    service.notify(
        target,
        f"{by} made the account {nick} an operator: the rights come once you log in"
        " to it with its password",
    )
    return f"{shown} is now an operator, once logged in to the account with its password (not now)"


def operatorLine(service: IAdministration, nick: str) -> str:
    """
    C{whois}'s line for a name given operator rights: held now, to come
    with a password login (a guest holds the name), or to come with the
    name (a configured operator name, signed in to under another one).
    """
    target = service.find(nick)
    if target is not None and not service.isOperator(target):
        return "operator once logged in to the account with its password (not now)"
    signedIn = [each for each in reachedBy(service, nick) if each is not target]
    if target is None and signedIn and not any(map(service.isOperator, signedIn)):
        return f"operator under the name {nick} only (not now: signed in as {signedIn[0].nick})"
    return "operator"


def operatorsByName(service: IAdministration, nick: str) -> list[IParticipant]:
    """
    Those whose operator rights a C{deop} of C{nick} may end, but for the
    rights of a session (IRC C{OPER}), which are told on their own.
    """
    return [
        each
        for each in reachedBy(service, nick)
        if service.isOperator(each) and not sessionOperators(service, each)
    ]


def announceDeop(service: IAdministration, before: list[IParticipant], by: str) -> None:
    """
    Tell those of C{before} (L{operatorsByName}) who are no operators now
    that C{by} took their rights away, as a deop of a session tells it.
    """
    for each in before:
        if not service.isOperator(each):
            each.notice(
                OperatorRightsEnded(f"{by} took your operator rights away", service.clock.seconds())
            )
