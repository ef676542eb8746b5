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
#: rights (IRC C{OPER}) of the person served there, and of the
#: connections whose C{OPER} gave that administrator name.
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


def deopSession(service: IAdministration, nick: str, by: str) -> tuple[bool, int]:
    """
    The console's C{deop} of C{nick}, for the rights of sessions (IRC
    C{OPER}): those of the person called C{nick}, and those of every
    connection whose C{OPER} gave administrator name C{nick}.  Taken
    here; other nodes take their own (L{peerDeop}).  Whether C{nick}'s
    person had such rights, and how many connections here had them
    through the name.
    """
    target = service.find(nick)
    held = target is not None and bool(sessionOperators(service, target))
    tellPeers = getattr(service.observer, "moderate", None)
    if tellPeers is not None:
        tellPeers(DEOP_SESSION, nick=nick, by=by)
    return held, _deopHere(service, nick, by)


def _deopHere(service: IAdministration, nick: str, by: str) -> int:
    """
    Take the session rights of C{nick}'s person, if served here, and of
    the connections here whose C{OPER} named C{nick}; how many of those.
    """
    text = f"{by} took your operator rights away"
    target = service.find(nick)
    if target is not None and service.people.isConnected(target):
        endSessionOperator(service, target, text)
    return endGrantsThrough(service, nick, text)


def endOperators(service: IAdministration, passwords: Path | None, nick: str, by: str) -> int:
    """
    Administrator C{nick}'s flag was revoked: end the operator rights that
    IRC C{OPER} with that name gave here (unless the password file still
    lets that name in, as for L{endSessions}); how many.
    """
    if passwords is not None and key(nick) in map(key, readPasswords(passwords)):
        return 0
    return endGrantsThrough(
        service, nick, f"{by} revoked administrator {nick}: you are no longer an operator"
    )


def peerDeop(service: IAdministration, fields: dict[str, str]) -> None:
    """
    Another node's console took the session rights of C{nick}: those of
    its person or of C{OPER} with that name, served here.
    """
    _deopHere(service, fields["nick"], fields["by"])
