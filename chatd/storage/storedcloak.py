# -*- test-case-name: tests.unit.storage.test_storedcloak,tests.integration.test_cluster_cloaks_e2e -*-  # noqa: E501
"""
The cloak secret's durable home when the nodes of a cluster share a
PostgreSQL database (C{--db postgresql://...}): the row C{cloak_secret} of
the table C{settings}.

At start, before the daemon serves anyone, a node offers the secret of its
own C{cloak.key} (L{chatd.storage.cloakkey}) and takes the stored one, in
one transaction: C{INSERT ... ON CONFLICT DO NOTHING}, then C{SELECT}.  The
first node to start on the database sets it; every later one, and every
node after Redis lost its copy, takes it (L{chatd.cluster.cloaks} then
makes Redis's copy from it); a node that could not ask it at start asks
again until it answers.  SQLite (one node) keeps C{cloak.key} alone.
"""

from __future__ import annotations

from typing import Any

from twisted.logger import Logger

from chatd.storage.cloakkey import DatabaseAway, NoStoredSecret, parseCloakSecret
from chatd.storage.migration import convert
from chatd.storage.schema import MIGRATION_LOCK, SETTINGS_TABLE

#: The row of L{SETTINGS_TABLE} that holds the cloak secret (hexadecimal digits).
STORED_CLOAK = "cloak_secret"

#: Seconds to wait for PostgreSQL at start, for the cloak secret.
CONNECT_TIMEOUT = 5

#: The warning for a node that stores its own secret in a database holding
#: accounts already: a copy made without the secret (an older chatd-admin).
NO_SECRET_COPIED = (
    "the database holds {count} accounts but no cloak secret (it was copied by an older"
    " chatd-admin copy): this node's secret is now every node's, so guests' hosts change"
    " unless this node's data directory is the one that was copied. To keep them, stop this"
    " node before anyone connects, run DELETE FROM settings WHERE name = '"
    + STORED_CLOAK
    + "' on the database, and start first the node whose data directory was copied"
)

log = Logger()


def agreeStoredSecret(txn: Any, paramstyle: str, offered: bytes) -> bytes:
    """
    Store C{offered} as the cloak secret unless one is stored, in the
    caller's transaction, and return the stored one.

    @raise NoStoredSecret: the row holds no secret.
    """
    if paramstyle == "format":  # after the schema's migrations, or before: not amid them
        txn.execute(MIGRATION_LOCK)
    txn.execute(SETTINGS_TABLE)
    txn.execute(
        convert(
            "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            paramstyle,
        ),
        (STORED_CLOAK, offered.hex()),
    )
    txn.execute(convert("SELECT value FROM settings WHERE name = ?", paramstyle), (STORED_CLOAK,))
    row = txn.fetchone()
    stored = parseCloakSecret(str(row[0])) if row is not None else None
    if stored is None:
        raise NoStoredSecret(f"the settings row {STORED_CLOAK} of the database holds no secret")
    return stored


def postgresSecret(dsn: str, offered: bytes, timeout: int = CONNECT_TIMEOUT) -> bytes:
    """
    L{agreeStoredSecret} on the PostgreSQL database C{dsn}, in one
    transaction of its own (blocking: called at start, before the reactor
    runs, and in a thread when asked again, L{chatd.storage.cloakkey.CloakSecret}).

    @raise DatabaseAway: the database cannot be asked now.
    @raise NoStoredSecret: it holds no secret (or psycopg is missing).
    """
    try:
        import psycopg
    except ImportError as error:  # (the store says how to install it)
        raise NoStoredSecret("the database could not be asked (no psycopg)") from error
    try:
        with psycopg.connect(dsn, connect_timeout=timeout) as connection:
            with connection.cursor() as cursor:
                cursor.execute(MIGRATION_LOCK)  # (held to the end of the transaction)
                uncloaked = accountsWithoutSecret(cursor)
                stored = agreeStoredSecret(cursor, "format", offered)
    except psycopg.Error as error:
        raise DatabaseAway(f"the database could not be asked ({error})") from error
    if uncloaked:
        log.warn(NO_SECRET_COPIED, count=uncloaked)
    return stored


def accountsWithoutSecret(txn: Any) -> int:
    """
    How many accounts the PostgreSQL database of C{txn} holds while it holds
    no cloak secret (0 if it holds one, or no chatd tables yet).
    """
    txn.execute("SELECT to_regclass('accounts') IS NOT NULL, to_regclass('settings') IS NOT NULL")
    accounts, settings = txn.fetchone()
    if not accounts:
        return 0
    if settings:
        txn.execute("SELECT count(*) FROM settings WHERE name = %s", (STORED_CLOAK,))
        if txn.fetchone()[0]:
            return 0
    txn.execute("SELECT count(*) FROM accounts")
    return int(txn.fetchone()[0])
