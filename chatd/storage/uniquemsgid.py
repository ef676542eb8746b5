# -*- test-case-name: tests.integration.test_store_msgid -*-
"""
A message is stored once, whoever writes it: the node that received it (its
batch), its journal read back after a crash, or, with a shared database, a
surviving node writing a dead node's last messages (L{chatd.cluster.adoption}).
Each of them looks before it writes, but two can look before either has
written; the database settles it.

L{uniqueMsgids} is the schema migration that makes C{messages.msgid} unique
(L{chatd.storage.schema}); L{SKIP_STORED} ends every C{INSERT} of messages
(L{chatd.storage.writer}), so that a row whose msgid is stored already is
skipped rather than failing its batch.
"""

from __future__ import annotations

from typing import Any

from twisted.logger import Logger

log = Logger()

#: Ends an C{INSERT INTO messages}: a row whose msgid the table holds is not
#: inserted (SQLite from 3.24, PostgreSQL from 9.5); the condition names the
#: partial unique index L{UNIQUE_INDEX} makes.
SKIP_STORED = " ON CONFLICT (msgid) WHERE msgid IS NOT NULL DO NOTHING"

#: Deletes every copy of a msgid but the first stored (the lowest id).  On
#: SQLite the delete trigger takes each out of the full-text index.
DELETE_COPIES = (
    "DELETE FROM messages WHERE id IN (SELECT later.id FROM messages AS later"
    " JOIN (SELECT msgid, MIN(id) AS first FROM messages WHERE msgid IS NOT NULL"
    " GROUP BY msgid HAVING COUNT(*) > 1) AS copied"
    " ON later.msgid = copied.msgid AND later.id > copied.first)"
)

#: The index of migration 8, made again unique (messages without a msgid,
#: if any, are not in it).
UNIQUE_INDEX = (
    "DROP INDEX messages_msgid",
    "CREATE UNIQUE INDEX messages_msgid ON messages (msgid) WHERE msgid IS NOT NULL",
)


def uniqueMsgids(txn: Any, paramstyle: str) -> None:
    """
    The migration: delete the later copies of each message stored more than
    once (saying how many), then make the msgid index unique.
    """
    txn.execute(DELETE_COPIES)
    copies = txn.rowcount
    if copies > 0:
        log.warn(
            "{count} later copies of messages stored more than once were deleted from history:"
            " each message is now stored once",
            count=copies,
        )
    for statement in UNIQUE_INDEX:
        txn.execute(statement)
