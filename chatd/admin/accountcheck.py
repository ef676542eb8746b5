# -*- test-case-name: tests.integration.test_admin_accounts -*-
"""
Registered accounts flagged admin as a second source of administrators,
next to the password file: an L{chatd.admin.credentials.ExtraCheck} for
L{chatd.admin.credentials.AdminChecker}.

The flag is read from the store at every login (never cached), so a grant or
a revoke from the console takes effect at the next login, on every node of a
cluster sharing the database, with nothing to propagate.  The account's own
password is checked with the accounts' argon2 checker, in a thread (one of
the gate's bounded hashing slots).  The L{AdminChecker} runs this check
inside the same gate turn as the password file's, and answers a refusal (a
wrong password, an account that is not flagged, a name nobody registered)
exactly like a failed password-file login: same back-off, same log line,
same message.  The log line names the account only if it is flagged admin
(L{accountAdminKnown}), as it names only the password file's names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from chatd.admin.credentials import AdminChecker, ExtraCheck, KnownCheck
from chatd.core.names import isValidName, key, normalize

if TYPE_CHECKING:
    from chatd.core.persistence import Persistence

log = Logger()


def accountAdminCheck(persistence: Persistence) -> ExtraCheck:
    """
    An L{ExtraCheck} accepting a registered account flagged admin with its
    account password, against C{persistence}'s store: the administrator is
    the account, under its own name whatever spelling was typed (C{ALICE},
    C{ÀLICE}), so the audit trail and the log name one person one way.
    """

    async def check(name: str, password: str) -> str | None:
        nick = normalize(name)
        passwordHash = None
        try:
            if isValidName(nick):
                await persistence.whenReady()
                passwordHash = await persistence.store.adminHash(nick)
            # A dummy hash is verified for None, as slowly: the answer takes
            # the same time whether or not the name is an admin account.
            ok = await persistence.accounts.checker.verify(passwordHash, password)
            if ok:
                flagged = await persistence.store.admins()
                nick = next((each for each in flagged if key(each) == key(nick)), nick)
        except Exception:  # (the name is not logged: it may be a password)
            log.failure("could not check a name against the accounts flagged admin")
            return None
        if not ok:
            return None
        log.info("{name} logs in as an account flagged admin", name=nick)
        return nick

    def run(name: str, password: str) -> Deferred[str | None]:
        return Deferred.fromCoroutine(check(name, password))

    return run


def accountAdminKnown(persistence: Persistence) -> KnownCheck:
    """
    A L{KnownCheck}: whether a name is an account flagged admin (so a failed
    login may name it), against C{persistence}'s store; not when the store
    cannot say.
    """

    async def known(name: str) -> bool:
        nick = normalize(name)
        if not isValidName(nick):
            return False
        try:
            await persistence.whenReady()
            flagged = await persistence.store.admins()
        except Exception:
            log.failure("could not read the accounts flagged admin")
            return False
        return any(key(each) == key(nick) for each in flagged)

    def run(name: str) -> Deferred[bool]:
        return Deferred.fromCoroutine(known(name))

    return run


def addAccountAdmins(checker: AdminChecker, persistence: Persistence) -> None:
    """
    Let the accounts flagged admin in C{persistence}'s store log in through
    C{checker}, and be named by its failed-login line.
    """
    checker.extraChecks.append(accountAdminCheck(persistence))
    checker.knownChecks.append(accountAdminKnown(persistence))
