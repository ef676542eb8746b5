# -*- test-case-name: tests.unit.admin.test_admin_revoke -*-
"""
Ending an administrator's open sessions once their administrator flag is
revoked, on this node (C{admin revoke}) or on another cluster node (its
L{REVOKE_ADMIN} moderation action).  L{chatd.admin.commands.Consoles} holds
the sessions; this module says which of them end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from chatd.admin.credentials import readPasswords
from chatd.core.names import key
from chatd.core.operators import endGrantsThrough, endSessionOperator, sessionOperators
from chatd.core.roles import IAdministration

#: The cluster moderation action that ends a revoked administrator's
#: sessions on every node.
REVOKE_ADMIN = "revoke-admin"

#: The cluster moderation action that takes away the session operator
#: rights (IRC C{OPER}) of the person served there.
DEOP_SESSION = "deop-session"


class Session(Protocol):
    """
    What an open console session shows of itself: who logged in, and how
    to end its terminal (C{None} once detached).
    """

    @property
    def who(self) -> str: ...

    @property
    def close(self) -> Callable[[], object] | None: ...


def endSessions(
    sessions: Iterable[Session],
    passwords: Path | None,
    nick: str,
    sparing: Session | None = None,
) -> int:
    """
    Close the open sessions (consoles and manhole shells) of C{nick}, whose
    administrator flag was just revoked, except C{sparing}: the revoking
    session itself.  A name that is also in the password file keeps its
    sessions, since its file password still lets it in.  Returns how many
    were closed.
    """
    if passwords is not None and key(nick) in map(key, readPasswords(passwords)):
        return 0
    closed = 0
    for session in list(sessions):
        if session is not sparing and key(session.who) == key(nick) and session.close:
            session.close()
            closed += 1
    return closed


def deopSession(service: IAdministration, nick: str, by: str) -> bool:
    """
    The console's C{deop} of someone whose rights are their session's
    (IRC C{OPER}): taken here, or by the node that serves them; whether
    they had such rights.
    """
    target = service.find(nick)
    if target is None or not sessionOperators(service, target):
        return False
    if service.people.isConnected(target):
        endSessionOperator(service, target, f"{by} took your operator rights away")
    else:
        tellPeers = getattr(service.observer, "moderate", None)
        if tellPeers is not None:
            tellPeers(DEOP_SESSION, nick=nick, by=by)
    return True


def endOperators(service: IAdministration, passwords: Path | None, nick: str, by: str) -> int:
    """
    Administrator C{nick}'s flag was revoked: end the operator rights that
    IRC C{OPER} with that name gave here (unless the password file still
    lets that name in, as for L{endSessions}); how many.
    """
    if passwords is not None and key(nick) in map(key, readPasswords(passwords)):
        return 0
    return endGrantsThrough(service, nick, by)


def peerDeop(service: IAdministration, fields: dict[str, str]) -> None:
    """Another node's console took the session rights of someone served here."""
    target = service.find(fields["nick"])
    if target is not None and service.people.isConnected(target):
        endSessionOperator(service, target, f"{fields['by']} took your operator rights away")
