# -*- test-case-name: tests.integration.test_store_search -*-
"""
Searching stored messages with each database's own full-text search
(L{chatd.storage.interfaces.IChatStore.search}): SQLite's FTS5 and
PostgreSQL's text search, both matching whole words in any case, every
word of the query.

L{searchIndex} is schema migration 10 (L{chatd.storage.schema}), whole in
one step: on SQLite an external-content FTS5 table, C{messages_fts}, over
C{messages.body}, filled from the messages already stored and kept in
step by the message writer (each batch) and by triggers (deletions and
edits), see L{LIGHTER_SQLITE_INDEX}; on PostgreSQL a GIN expression index on
C{to_tsvector('simple', body)}, which indexes the stored rows as it is built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred

from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.names import key
from chatd.storage.conversations import WINDOW_COLUMNS, rowToEvent

if TYPE_CHECKING:
    from chatd.storage.database import Database

#: The FTS5 table and its triggers (an external-content table stores only
#: the index: the text stays in C{messages}).  Diacritics are kept, as
#: PostgreSQL's C{simple} configuration keeps them.  Migration 14 made it
#: lighter (L{LIGHTER_SQLITE_INDEX}).
SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
    " INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
    " INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);"
    " END",
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN"
    " INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);"
    " INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')",
)

#: Migration 14, on SQLite: the FTS5 table made again without each row's
#: size (C{columnsize=0}: only ranking by relevance reads it, and search
#: orders by time) and without the insert trigger, since the message writer
#: indexes each batch it writes with one L{INDEX_BATCH}.  Storing a message
#: then costs a quarter less CPU; deleting and editing one still go
#: through the other triggers.
LIGHTER_SQLITE_INDEX = (
    "DROP TRIGGER messages_fts_insert",
    "DROP TABLE messages_fts",
    "CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages',"
    " content_rowid='id', columnsize=0, tokenize='unicode61 remove_diacritics 0')",
    "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')",
)

#: Indexes the messages with ids from the first to the second parameter,
#: just inserted by the writer, in its transaction; PostgreSQL's expression
#: index needs nothing.
INDEX_BATCH = {
    "qmark": "INSERT INTO messages_fts (rowid, body)"
    " SELECT id, body FROM messages WHERE id BETWEEN ? AND ?",
    "format": None,
}

POSTGRES_INDEX = (
    "CREATE INDEX messages_search ON messages USING GIN (to_tsvector('simple', body))",
)

#: The condition a message's text meets, by parameter style (one C{?}:
#: the query, as L{matchArgument} makes it).
MATCHES = {
    "qmark": "id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)",
    "format": "to_tsvector('simple', body) @@ plainto_tsquery('simple', ?)",
}


def searchIndex(txn: Any, paramstyle: str) -> None:
    """
    Migration 10: the full-text index of messages' text, for every message
    stored so far and every one stored from now on.
    """
    for statement in SQLITE_INDEX if paramstyle == "qmark" else POSTGRES_INDEX:
        txn.execute(statement)


def lighterSearchIndex(txn: Any, paramstyle: str) -> None:
    """
    Migration 14: L{LIGHTER_SQLITE_INDEX} on SQLite, nothing on PostgreSQL.
    """
    if paramstyle == "qmark":
        for statement in LIGHTER_SQLITE_INDEX:
            txn.execute(statement)


def matchArgument(words: list[str], paramstyle: str) -> str | None:
    """
    The argument of L{MATCHES} for C{words}, or C{None} when no word has a
    letter or a digit (nothing can match).  For FTS5 each word is quoted
    as a string, so that no user input is read as query syntax.
    """
    words = [word for word in words if any(c.isalnum() for c in word)]
    if not words:
        return None
    if paramstyle == "format":
        return " ".join(words)
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def scope(nick: str, rooms: list[str], private: bool) -> tuple[str, list[object]] | None:
    """
    The SQL condition selecting the messages of C{rooms} and, if
    C{private}, registered C{nick}'s private conversations; C{None}: none.
    """
    clauses: list[str] = []
    args: list[object] = []
    if rooms:
        clauses.append(f"room_key IN ({', '.join('?' for _ in rooms)})")
        args.extend(key(room) for room in rooms)
    if private:
        clauses.append("(room_key IS NULL AND (sender_account = ? OR recipient_account = ?))")
        args.extend([key(nick), key(nick)])
    return (" OR ".join(clauses), args) if clauses else None


class SQLSearch:
    """
    L{IChatStore.search} for L{chatd.storage.sql.SQLChatStore}.
    """

    database: Database
    paramstyle: str
    flush: Callable[[], Deferred[None]]

    async def _search(
        self, nick: str, rooms: list[str], words: list[str], limit: int, private: bool
    ) -> list[RoomMessage | PrivateMessage]:
        where, match = scope(nick, rooms, private), matchArgument(words, self.paramstyle)
        if where is None or match is None:
            return []
        await self.flush()
        condition, args = where
        rows = await self.database.select(
            f"SELECT {WINDOW_COLUMNS} FROM messages WHERE {MATCHES[self.paramstyle]}"
            f" AND ({condition}) ORDER BY sent_ms DESC, id DESC LIMIT ?",
            match,
            *args,
            limit,
        )
        return [rowToEvent(*row) for row in rows]

    def search(
        self, nick: str, rooms: list[str], words: list[str], limit: int, private: bool = True
    ) -> Deferred[list[RoomMessage | PrivateMessage]]:
        return Deferred.fromCoroutine(self._search(nick, rooms, words, limit, private))
