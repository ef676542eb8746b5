# -*- test-case-name: tests.unit.storage.test_schema -*-
"""
The statements that insert a batch of messages: one C{VALUES} entry per
message, in statements of a dozen sizes, as many rows as the engine lets
one statement bind.  Apart from the migrations (L{chatd.storage.schema})
because the writer's hot path is all they serve.
"""

from __future__ import annotations

from sqlite3 import SQLITE_LIMIT_VARIABLE_NUMBER

#: A batch of messages is inserted with C{INSERT_MESSAGES} followed by one
#: comma-separated L{messageValues} entry per message, in statements of the
#: sizes L{insertSizes} gives, each ending with
#: L{chatd.storage.uniquemsgid.SKIP_STORED}.
INSERT_MESSAGES = (
    "INSERT INTO messages (id, room_key, room, sender, recipient_key, recipient, body, sent,"
    " pending, msgid, sent_ms, sender_key, sender_account, recipient_account, notice,"
    " sender_userhost, search_text) VALUES "
)
MESSAGE_COLUMNS = INSERT_MESSAGES.count(",") + 1


def messageValues(nulls: frozenset[int] = frozenset(), id: str = "?") -> str:
    """
    One message's C{VALUES} entry: a placeholder per column, but C{NULL}
    written out for the columns numbered in C{nulls}, and C{id} for the
    id (column C{0}).  Python's C{sqlite3} binds C{None} through its
    adaptation lookup, which costs more than binding any other value: a
    message with no recipient or no room is written with these columns as
    text.
    """
    columns = ("NULL" if i in nulls else "?" for i in range(1, MESSAGE_COLUMNS))
    return "(" + ", ".join((id, *columns)) + ")"


#: Parameters one statement may bind where the driver cannot say: PostgreSQL's
#: wire protocol counts them in 16 bits.
POSTGRES_PARAMETERS = 65535


def rowsPerInsert(connection: object) -> int:
    """
    How many messages one C{INSERT} may hold on C{connection}: SQLite says
    how many parameters its build allows (32,766 by default since 3.32, 999
    before); PostgreSQL allows L{POSTGRES_PARAMETERS}.  One is kept for the
    statement's offset of ids (see L{chatd.storage.writer}).
    """
    getlimit = getattr(connection, "getlimit", None)  # sqlite3's, from Python 3.11
    limit = POSTGRES_PARAMETERS if getlimit is None else getlimit(SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, (limit - 1) // MESSAGE_COLUMNS)


def insertSizes(count: int, most: int) -> list[int]:
    """
    The rows of each C{INSERT} that writes C{count} messages, at most
    C{most} each: powers of two, largest first.  A statement of a size seen
    before is in the driver's statement cache, and parsing a new one costs
    about as much as inserting its rows, so a batch of any size takes few
    statements, all of a dozen texts parsed once.
    """
    largest = 1 << (max(1, most).bit_length() - 1)
    sizes = []
    while count:
        size = min(largest, 1 << (count.bit_length() - 1))
        sizes.append(size)
        count -= size
    return sizes
