# -*- test-case-name: tests.integration.test_store_search -*-
"""
Searching stored messages with each database's own full-text search
(L{chatd.storage.interfaces.IChatStore.search}): SQLite's FTS5 and
PostgreSQL's text search, matching every term of the query
(L{chatd.core.searchform}: whole words of space-separated scripts,
pairs of characters of spaceless ones, in any Unicode form and case).

Both index each message's search form (L{chatd.core.searchform.searchForm}),
which migration 21 (L{foldedSearchIndex}) keeps in the column
C{messages.search_text}, written with the message; it is NULL when the body
is ASCII without IRC formatting codes, whose search form is its lower case,
which both tokenizers make of it themselves, so such a message costs
nothing more (L{chatd.core.searchform.ownForm}).  Migration 24
(L{visibleSearchText}) gives the ASCII messages stored before with
formatting codes their search form, and makes the others' again without
the codes; migration 27 (L{unaccentedSearchText}) makes those of the
messages in other text than ASCII again without accents and vowel points.
On SQLite an external-content FTS5 table, C{messages_fts}, reads it
through the view C{messages_searched}, is filled by the message writer
(each batch, see L{INDEX_BATCH}) and kept in step by triggers (deletions
and edits); on PostgreSQL a GIN expression index on
C{to_tsvector('simple', ...)} of it.

Migrations 10 (L{searchIndex}) and 14 (L{lighterSearchIndex}) made the index
over the body itself, as shipped; 21 makes it again.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred

from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.names import key
from chatd.core.searchform import hasCodes, ownForm, searchForm, searchTerms
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

#: Migration 10, on PostgreSQL: the expression index over the body.
POSTGRES_INDEX = (
    "CREATE INDEX messages_search ON messages USING GIN (to_tsvector('simple', body))",
)

#: The trigger that reindexes a message whose text or search form changes
#: (migration 21, L{FOLDED_SQLITE_INDEX}).
UPDATE_TRIGGER = (
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF body, search_text ON messages BEGIN"
    " INSERT INTO messages_fts (messages_fts, rowid, body)"
    " VALUES ('delete', old.id, COALESCE(old.search_text, old.body));"
    " INSERT INTO messages_fts (rowid, body) VALUES (new.id, COALESCE(new.search_text, new.body));"
    " END"
)

#: Makes the SQLite index again from what it indexes, all at once.
REBUILD_SQLITE_INDEX = "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')"

#: Migration 21, on SQLite: the FTS5 table made again over each message's
#: search form (L{searchText}), read through a view, and cut by FTS5's
#: C{ascii} tokenizer: every character outside ASCII belongs to a word, since
#: the search form has made spaces of punctuation, symbols and spaces there
#: (the C{unicode61} tokenizer split words at combining marks, as in Thai or
#: Hindi).  In ASCII it cuts as C{unicode61} does.
FOLDED_SQLITE_INDEX = (
    "CREATE VIEW messages_searched AS SELECT id, COALESCE(search_text, body) AS body FROM messages",
    "CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages_searched',"
    " content_rowid='id', columnsize=0, tokenize='ascii')",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
    " INSERT INTO messages_fts (messages_fts, rowid, body)"
    " VALUES ('delete', old.id, COALESCE(old.search_text, old.body)); END",
    UPDATE_TRIGGER,
    REBUILD_SQLITE_INDEX,
)

#: What migration 21 drops first on SQLite: the index of migration 14.
UNFOLDED_SQLITE_INDEX = (
    "DROP TRIGGER messages_fts_delete",
    "DROP TRIGGER messages_fts_update",
    "DROP TABLE messages_fts",
)

#: Migration 21, on PostgreSQL: the expression index made again over the
#: search form.
FOLDED_POSTGRES_INDEX = (
    "DROP INDEX messages_search",
    "CREATE INDEX messages_search ON messages"
    " USING GIN (to_tsvector('simple', COALESCE(search_text, body)))",
)

#: Indexes the messages with ids from the first to the second parameter,
#: just inserted by the writer, in its transaction; PostgreSQL's expression
#: index needs nothing.
INDEX_BATCH = {
    "qmark": "INSERT INTO messages_fts (rowid, body)"
    " SELECT id, COALESCE(search_text, body) FROM messages WHERE id BETWEEN ? AND ?",
    "format": None,
}

#: How many messages L{fillSearchText} reads at a time.
FILL_CHUNK = 10_000

#: The condition a message's text meets on SQLite: one C{?}, the FTS5 query
#: L{matching} makes.
SQLITE_MATCH = "id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)"

#: What PostgreSQL's index holds (its expression, which the query repeats).
POSTGRES_VECTOR = "to_tsvector('simple', COALESCE(search_text, body))"


def searchText(body: str) -> str | None:
    """
    What a message with C{body} keeps in C{search_text}: its search form,
    or C{None} for an ASCII body without formatting codes (the index takes
    the body itself; L{ownForm}).
    """
    return searchForm(body) if ownForm(body) else None


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


def foldedSearchIndex(txn: Any, paramstyle: str) -> Filling:
    """
    Migration 21: each message's search form in C{search_text}, for the
    messages stored so far (L{fillingSearchText}), and the index made again
    over it (L{FOLDED_SQLITE_INDEX}, L{FOLDED_POSTGRES_INDEX}).
    """
    sqlite = paramstyle == "qmark"
    for statement in UNFOLDED_SQLITE_INDEX if sqlite else FOLDED_POSTGRES_INDEX[:1]:
        txn.execute(statement)
    txn.execute("ALTER TABLE messages ADD COLUMN search_text TEXT")
    yield from fillingSearchText(txn, paramstyle)
    for statement in FOLDED_SQLITE_INDEX if sqlite else FOLDED_POSTGRES_INDEX[1:]:
        txn.execute(statement)


def visibleSearchText(txn: Any, paramstyle: str) -> Filling:
    """
    Migration 24: the search form of every stored message with formatting
    codes made again, as readers see it (L{refillingSearchText} of the
    bodies L{hasCodes}).
    """
    return refillingSearchText(txn, paramstyle, hasCodes)


def unaccentedSearchText(txn: Any, paramstyle: str) -> Filling:
    """
    Migration 27: the search form of every stored message whose text is
    not ASCII made again without accents, vowel points and tatweel
    (L{refillingSearchText}: only the forms that change are written).
    """
    return refillingSearchText(txn, paramstyle, _notASCII)


def _notASCII(body: str) -> bool:
    return not body.isascii()


#: What a migration step that goes through the messages yields after each
#: L{FILL_CHUNK} of them (how many it has read, of how many), for
#: L{chatd.storage.migration} to log how far it has got.
Filling = Iterator[tuple[int, int]]


def refillingSearchText(txn: Any, paramstyle: str, which: Callable[[str], bool]) -> Filling:
    """
    L{fillingSearchText} of the messages whose body is C{which}, on an
    index that already exists.  On SQLite its update trigger is dropped
    meanwhile and the index made again once at the end, if a form changed:
    reindexing each message as it is written took 60 microseconds a
    message, 30 seconds for half a million, against 2 for the whole index.
    """
    sqlite = paramstyle == "qmark"
    if sqlite:
        txn.execute("DROP TRIGGER messages_fts_update")
    changed = yield from fillingSearchText(txn, paramstyle, which)
    if sqlite:
        if changed:
            txn.execute(REBUILD_SQLITE_INDEX)
        txn.execute(UPDATE_TRIGGER)


def fillSearchText(txn: Any, paramstyle: str, which: Callable[[str], bool] = ownForm) -> None:
    """
    L{fillingSearchText}, all at once.
    """
    for _ in fillingSearchText(txn, paramstyle, which):
        pass


def fillingSearchText(
    txn: Any, paramstyle: str, which: Callable[[str], bool] = ownForm
) -> Generator[tuple[int, int], None, int]:
    """
    Write the search form of every stored message whose body is C{which}
    (by default, each that has one: L{searchText}) and whose stored one
    differs, L{FILL_CHUNK} messages at a time, yielding after each how
    many messages it has read, of how many; returns how many it wrote.
    """
    select = "SELECT id, body, search_text FROM messages WHERE id > ? ORDER BY id LIMIT ?"
    update = "UPDATE messages SET search_text = ? WHERE id = ?"
    if paramstyle == "format":
        select, update = select.replace("?", "%s"), update.replace("?", "%s")
    txn.execute("SELECT COUNT(*) FROM messages")
    total, done, written, last = txn.fetchone()[0], 0, 0, -1
    while True:
        txn.execute(select, (last, FILL_CHUNK))
        rows = txn.fetchall()
        if not rows:
            return written
        forms = ((searchForm(body), id, stored) for id, body, stored in rows if which(body))
        changed = [(form, id) for form, id, stored in forms if form != stored]
        if changed:
            txn.executemany(update, changed)
        last, done, written = rows[-1][0], done + len(rows), written + len(changed)
        yield done, total


def matching(words: list[str], paramstyle: str) -> tuple[str, list[str]] | None:
    """
    The SQL condition, and its arguments, that a message holding every
    term of C{words} (L{searchTerms}) meets; C{None} when there is no term
    (no word has a letter or a digit: nothing can match).  No user input
    is read as query syntax: for FTS5 each term is quoted as a string, for
    PostgreSQL each phrase goes to C{phraseto_tsquery}.
    """
    terms = searchTerms(words)
    if not terms:
        return None
    if paramstyle == "qmark":
        query = " ".join(
            '"' + term.text.replace('"', '""') + '"' + ("*" if term.prefix else "")
            for term in terms
        )
        return SQLITE_MATCH, [query]
    queries = " && ".join(
        "to_tsquery('simple', ?)" if term.prefix else "phraseto_tsquery('simple', ?)"
        for term in terms
    )
    arguments = [
        "'" + term.text.replace("\\", "\\\\").replace("'", "''") + "':*"
        if term.prefix
        else term.text
        for term in terms
    ]
    return f"{POSTGRES_VECTOR} @@ ({queries})", arguments


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
        where, match = scope(nick, rooms, private), matching(words, self.paramstyle)
        if where is None or match is None:
            return []
        await self.flush()
        condition, args = where
        matches, terms = match
        rows = await self.database.select(
            f"SELECT {WINDOW_COLUMNS} FROM messages WHERE {matches}"
            f" AND ({condition}) ORDER BY sent_ms DESC, id DESC LIMIT ?",
            *terms,
            *args,
            limit,
        )
        return [rowToEvent(*row) for row in rows]

    def search(
        self, nick: str, rooms: list[str], words: list[str], limit: int, private: bool = True
    ) -> Deferred[list[RoomMessage | PrivateMessage]]:
        return Deferred.fromCoroutine(self._search(nick, rooms, words, limit, private))
