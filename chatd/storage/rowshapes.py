# -*- test-case-name: tests.unit.storage.test_schema -*-
"""
The rows the message writer queues, and their shapes: which columns a row
leaves NULL decides the C{VALUES} entry that inserts it, so that C{NULL}s
are written as text rather than bound (see L{chatd.storage.writer}).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from operator import itemgetter
from typing import Any

from chatd.core.searchform import ownForm, searchForm
from chatd.storage.insertrows import MESSAGE_COLUMNS, messageValues

MessageRow = tuple[
    int,
    str | None,
    str | None,
    str,
    str | None,
    str | None,
    str,
    int,
    int,
    str | None,
    int,
    str,
    str | None,
    str | None,
    int,
    str | None,
]

#: Where a row being written has its body's search form
#: (L{chatd.storage.search.searchText}), the last column of the C{INSERT}:
#: after a queued row's columns, added by L{withSearchText} when it is not
#: NULL (it is derived, so neither the journal nor the spool keeps it).
SEARCH_TEXT = MESSAGE_COLUMNS - 1

#: The columns of a queued row (L{MessageRow}: its ticket, then the columns
#: after the id) that are often NULL, by group of columns NULL together: a
#: room message has no recipient and a private one no room; a message may
#: have no msgid, its sender or recipient no account, and its sender no
#: C{user@host}; an ASCII body without formatting codes has no search form.
NULLABLE = ((1, 2), (4, 5), (9,), (12,), (13,), (15,), (SEARCH_TEXT,))


def shapeOf(row: MessageRow) -> tuple[bool, ...]:
    """
    Which groups of L{NULLABLE} are NULL in C{row}, by their first column:
    written out, as this runs for every message (derived from L{NULLABLE}
    with C{map} it cost 0.4 µs more per row).  The search form is NULL for
    an ASCII body without formatting codes (L{ownForm}, whose common case,
    printable ASCII, is written out too).
    """
    body = row[6]
    return (
        row[1] is None,
        row[4] is None,
        row[9] is None,
        row[12] is None,
        row[13] is None,
        row[15] is None,
        body.isascii() and (body.isprintable() or not ownForm(body)),
    )


def withSearchText(row: MessageRow) -> tuple[Any, ...]:
    """
    C{row}, whose body has a search form of its own (L{ownForm}), with it
    at L{SEARCH_TEXT}.
    """
    return (*row, searchForm(row[6]))


class Shape:
    """
    What writes the rows of one L{shapeOf}: the C{VALUES} entry with those
    columns written as C{NULL}, and a getter of a row's other columns.  With
    C{idFromTicket} (SQLite, whose ids in a batch follow its tickets), the
    id is computed in the statement, its first parameter plus the row's
    ticket, so the parameters are the rows' columns end to end, gathered
    without a Python loop.
    """

    def __init__(self, shape: tuple[bool, ...], idFromTicket: bool) -> None:
        nulls = frozenset(
            i for isNull, group in zip(shape, NULLABLE, strict=True) for i in group if isNull
        )
        others = (i for i in range(1, MESSAGE_COLUMNS) if i not in nulls)
        self.idFromTicket = idFromTicket
        if idFromTicket:
            self.values = messageValues(nulls, id="?1 + ?")
            self.columns: Callable[[tuple[Any, ...]], tuple[Any, ...]] = itemgetter(0, *others)
        else:
            self.values = messageValues(nulls)
            self.columns = itemgetter(*others)

    def parameters(self, rows: list[tuple[Any, ...]], ids: list[int], first: int) -> list[Any]:
        """
        The parameters of the statement that writes C{rows}, whose ids are
        C{ids}, one per ticket from C{first} on.
        """
        columns = self.columns
        if self.idFromTicket:
            return [ids[0] - first, *chain.from_iterable(map(columns, rows))]
        return [value for row in rows for value in (ids[row[0] - first], *columns(row))]


#: Where a kept row (without its ticket, as the spool and the journal keep
#: it) has its msgid.
KEPT_MSGID = 8

_TEXT, _INT, _NULL = (str,), (int,), (type(None),)
#: What each column of a kept row may hold (L{MessageRow}'s, but the ticket).
_KEPT_TYPES = (
    _TEXT + _NULL,  # room key
    _TEXT + _NULL,  # room
    _TEXT,  # sender
    _TEXT + _NULL,  # recipient key
    _TEXT + _NULL,  # recipient
    _TEXT,  # body
    _INT,  # when (seconds)
    _INT,  # pending
    _TEXT + _NULL,  # msgid
    _INT,  # moment (milliseconds)
    _TEXT,  # sender key
    _TEXT + _NULL,  # sender account
    _TEXT + _NULL,  # recipient account
    _INT,  # notice
    _TEXT + _NULL,  # sender's user@host
)
#: The columns of a kept row, and of one a chatd that kept no C{user@host}
#: wrote (read back after an upgrade: its sender's is not known).
KEPT_COLUMNS = len(_KEPT_TYPES)
OLDER_KEPT_COLUMNS = KEPT_COLUMNS - 1


def currentRow(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """
    C{row}, a kept row (L{isKeptRow}), with every column of this chatd's:
    one an older chatd wrote gets no C{user@host}.
    """
    return row if len(row) == KEPT_COLUMNS else (*row, None)


def isKeptRow(row: tuple[Any, ...]) -> bool:
    """
    Whether C{row}, read back from a file, is one the writer kept (this
    chatd, or one before it kept C{user@host}s): each column of its type
    (an edited file must not put a text where history reads a number).
    """
    return len(row) in (KEPT_COLUMNS, OLDER_KEPT_COLUMNS) and all(
        type(value) in allowed for value, allowed in zip(row, _KEPT_TYPES, strict=False)
    )
