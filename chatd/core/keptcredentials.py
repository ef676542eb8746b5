# -*- test-case-name: tests.unit.test_tchat_keptsignin,tests.unit.irc.test_irc_keptsignin,tests.unit.cluster.test_cluster_keptsignin,tests.unit.core.test_keptcredentials -*-  # noqa: E501
"""
The stored credentials of the accounts this node read lately, kept in
memory so that a registered user still signs in while the database is
unavailable (L{chatd.core.accounts.Accounts.authenticate}).

The database stays the truth: a sign-in reads it as ever and refreshes the
entry; only a read that fails because the store is unavailable decides
from the entry.  An entry goes when this node, or another node sharing the
store (through its relayed change), changes or deletes the account, and
every entry goes when this node may have missed such a change (its link
to the cluster's bus comes up, L{chatd.core.sharing.reload}); while the
bus is away, no entry is used.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from twisted.logger import Logger

from chatd.core import errors
from chatd.core.names import key
from chatd.storage.interfaces import IChatStore

#: How many accounts are kept at most, the least lately read going first.
KEPT_ACCOUNTS = 10_000


@dataclass(frozen=True)
class Credentials:
    """
    What a sign-in to an account decides from: its C{name} as registered
    (C{None}: not read yet), its argon2 C{passwordHash}, and its
    SCRAM-SHA-256 C{verifier} (if any).
    """

    name: str | None
    passwordHash: str
    verifier: str | None = None


class KeptCredentials:
    """
    The L{Credentials} of at most C{size} accounts, by name key, the least
    lately used first out.

    @ivar changes: how many entries were dropped so far: a read that began
        before a drop does not put back what the drop took away
        (L{keepRead}).
    """

    def __init__(self, size: int = KEPT_ACCOUNTS) -> None:
        self.size = size
        self.changes = 0
        self._entries: OrderedDict[str, Credentials] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, nick: str) -> Credentials | None:
        """
        C{nick}'s kept credentials, or C{None}.
        """
        found = self._entries.get(key(nick))
        if found is not None:
            self._entries.move_to_end(key(nick))
        return found

    def keep(self, nick: str, credentials: Credentials) -> None:
        """
        Keep C{credentials} for C{nick}, as this node just wrote or read
        them in the store.
        """
        self._entries[key(nick)] = credentials
        self._entries.move_to_end(key(nick))
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def keepRead(self, nick: str, credentials: Credentials, since: int) -> None:
        """
        Keep C{credentials} for C{nick}, read from the store by a read that
        began when L{changes} was C{since}: not if an entry was dropped
        meanwhile (the change that dropped it may be newer than the read).
        """
        if self.changes == since:
            self.keep(nick, credentials)

    def update(self, nick: str, **fields: Any) -> None:
        """
        Change C{fields} of C{nick}'s entry, if it has one.
        """
        found = self._entries.get(key(nick))
        if found is not None:
            self._entries[key(nick)] = replace(found, **fields)

    def forget(self, nick: str) -> None:
        """
        C{nick}'s account changed or went: its entry goes.
        """
        self.changes += 1
        self._entries.pop(key(nick), None)

    def forgetAll(self) -> None:
        """
        Changes may have been missed: every entry goes.
        """
        self.changes += 1
        self._entries.clear()


class CredentialReads:
    """
    A sign-in's reads of an account in the store, answered from the
    credentials L{kept} here while the store is unavailable; a read that
    finds the account gone drops them.  That they are used is logged once
    per outage.
    """

    log = Logger()

    def __init__(self, store: IChatStore, size: int = KEPT_ACCOUNTS) -> None:
        self.store = store
        self.kept = KeptCredentials(size)
        #: Whether this node hears every change made to an account
        #: elsewhere now (a cluster's node: while its bus is up, once the
        #: store was re-read since it last came back).
        self.trusted: Callable[[], bool] = lambda: True
        self._fromKept = False

    def _instead(self, nick: str) -> Credentials:
        """
        C{nick}'s kept credentials, the store being unavailable.

        @raise StoreUnavailable: none are kept, or this node may not have
            heard of a change made to them elsewhere (L{trusted}).
        """
        credentials = self.kept.get(nick)
        if credentials is None or not self.trusted():
            raise errors.StoreUnavailable()
        return credentials

    async def passwordHash(self, nick: str) -> tuple[str | None, bool]:
        """
        C{nick}'s password hash (C{None}: no such account), and whether it
        is the one kept here (the store is unavailable).

        @raise StoreUnavailable: the store is away and keeps no credentials
            of C{nick} here.
        """
        try:
            passwordHash = await self.store.accountHash(nick)
        except errors.StoreUnavailable:
            credentials = self._instead(nick)
            if not self._fromKept:
                self._fromKept = True
                self.log.warn(
                    "the store is unavailable: sign-ins are checked against the"
                    " credentials kept in memory of the {count} accounts read lately",
                    count=len(self.kept),
                )
            return credentials.passwordHash, True
        if self._fromKept:
            self._fromKept = False
            self.log.info("the store answers: sign-ins are checked against it again")
        if passwordHash is None:
            self.kept.forget(nick)  # deleted meanwhile
        return passwordHash, False

    async def verifier(self, nick: str) -> str | None:
        """
        C{nick}'s SCRAM verifier, or C{None}.

        @raise StoreUnavailable: the store is away and keeps no credentials
            of C{nick} here.
        """
        try:
            return await self.store.scramVerifier(nick)
        except errors.StoreUnavailable:
            return self._instead(nick).verifier

    async def name(self, nick: str) -> str | None:
        """
        C{nick}'s account as registered (C{Regt0} for C{REGT0}), or C{None}.

        @raise StoreUnavailable: the store is away and keeps no credentials
            of C{nick} here.
        """
        try:
            name = await self.store.accountName(nick)
        except errors.StoreUnavailable:
            return self._instead(nick).name
        if name is None:
            self.kept.forget(nick)
        else:
            self.kept.update(nick, name=name)
        return name

    def refresh(self, nick: str, passwordHash: str, since: int, verifier: str | None) -> None:
        """
        Keep what a sign-in that began when L{KeptCredentials.changes} was
        C{since} read of C{nick} in the store.
        """
        old = self.kept.get(nick)
        name = None if old is None else old.name
        self.kept.keepRead(nick, Credentials(name, passwordHash, verifier), since)
