# -*- test-case-name: tests.unit.admin.test_admin_commands -*-
"""
What the console's C{op} and C{whois} say of operator rights given to a
name: they hold only for a password login to that registered account (the
core's L{chatd.core.people.People.isOperator}), so a guest now using the
name is told they come at such a login, not that they hold them.
"""

from __future__ import annotations

from chatd.core.roles import IAdministration


def announceOp(service: IAdministration, nick: str, by: str) -> str:
    """
    Tell whoever holds C{nick} now what C{by}'s C{op} gives them; the
    console's reply.
    """
    target = service.find(nick)
    if target is None or service.isOperator(target):
        if target is not None:
            service.notify(target, f"{by} made you an operator")
        return f"{nick} is now an operator"
    service.notify(
        target,
        f"{by} made the account {nick} an operator: the rights come once you log in"
        " to it with its password",
    )
    return f"{nick} is now an operator, once logged in to the account with its password (not now)"


def operatorLine(service: IAdministration, nick: str) -> str:
    """
    C{whois}'s line for a name given operator rights.
    """
    target = service.find(nick)
    if target is None or service.isOperator(target):
        return "operator"
    return "operator once logged in to the account with its password (not now)"
