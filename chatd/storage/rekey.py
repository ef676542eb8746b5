# -*- test-case-name: tests.integration.test_rekey -*-
"""
Schema migrations in Python: recompute every stored name key with today's
L{chatd.core.names.key} (PRECIS, then the UTS #39 confusable skeleton), in the
caller's transaction, on SQLite and PostgreSQL alike.

Names that were two under the old key and are one under the new one
(C{alice} and C{аlice} with a Cyrillic a) cannot both stay: the oldest
account or room (by creation time, then name) keeps the name; each younger
one is deleted with what hangs on it (an account's room memberships,
approvals and private messages; a room's memberships, approvals and
history), and a warning names it in the log.  A row that stays keeps its
other columns: an account when it was last seen, a membership when it was
entered (L{_putBack}).

A stored private message stays with the person it belonged to: where it
names an account (or its old key was an account's), its keys become that
account's new key; only a guest's are made from the name as spelled in
the row, whichever other spelling shared its old key (L{_regroup}).
"""

from __future__ import annotations

from typing import Any

from twisted.logger import Logger

from chatd.core.names import key

Cursor = Any

log = Logger()

_TEMPORARY = "\x01rekey:"

#: Which names each key a re-keying changed was held by, and their keys
#: now, until the sanctions (in a store of their own) have followed them
#: at the next start (L{chatd.storage.renamedkeys}).
RENAMED_TABLE = """CREATE TABLE IF NOT EXISTS renamed_keys (
    old_key TEXT NOT NULL,
    new_key TEXT NOT NULL,
    name TEXT NOT NULL,
    account INTEGER NOT NULL,
    PRIMARY KEY (old_key, new_key))"""


def _sql(query: str, paramstyle: str) -> str:
    return query.replace("?", "%s") if paramstyle == "format" else query


def _survivors(rows: list[tuple[str, str]]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """
    From C{(old key, name)} rows, oldest first: the new key of each row that
    keeps its name, and the C{(old key, name)} of those that collide with
    an older one.
    """
    taken: dict[str, str] = {}
    kept: dict[str, str] = {}
    dropped = []
    for oldKey, name in rows:
        newKey = key(name)
        if newKey in taken:
            dropped.append((oldKey, name))
            continue
        taken[newKey] = name
        kept[oldKey] = newKey
    return kept, dropped


def _move(txn: Cursor, paramstyle: str, table: str, column: str, moves: dict[str, str]) -> None:
    """
    Change C{column} from each old key to its new one, through a temporary
    value, so that no change lands on a key another row still has.
    """
    changed = {old: new for old, new in moves.items() if old != new}
    update = _sql(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", paramstyle)
    for old, new in changed.items():
        txn.execute(update, (_TEMPORARY + new, old))
    for new in changed.values():
        txn.execute(update, (new, _TEMPORARY + new))


def rekey(txn: Cursor, paramstyle: str) -> None:
    """
    The migration step: see the module's docstring.
    """
    _rekeyNames(txn, paramstyle, withAccounts=False)


def _rekeyNames(txn: Cursor, paramstyle: str, withAccounts: bool) -> None:
    """
    L{rekey}; C{withAccounts}: the private messages name their people's
    accounts (schema version 9), which their keys follow.
    """

    def run(query: str, *args: Any) -> None:
        txn.execute(_sql(query, paramstyle), args)

    def rows(query: str) -> list[Any]:
        txn.execute(query)
        return list(txn.fetchall())

    accounts, lostAccounts = _survivors(
        rows("SELECT nick_key, nick FROM accounts ORDER BY created, nick")
    )
    rooms, lostRooms = _survivors(rows("SELECT room_key, name FROM rooms ORDER BY created, name"))
    memberships, membershipColumns = _rowsOf(txn, "memberships")
    access = rows("SELECT room_key, nick_key, nick, approved, requested FROM access")
    run("DELETE FROM memberships")
    run("DELETE FROM access")
    for oldKey, nick in lostAccounts:
        log.warn(
            "account {nick} looks like an older account: deleted with its private messages",
            nick=nick,
        )
        run("DELETE FROM messages WHERE room_key IS NULL AND recipient_key = ?", oldKey)
        run("DELETE FROM accounts WHERE nick_key = ?", oldKey)
    for oldKey, name in lostRooms:
        log.warn("room {name} looks like an older room: deleted with its history", name=name)
        run("DELETE FROM messages WHERE room_key = ?", oldKey)
        run("DELETE FROM rooms WHERE room_key = ?", oldKey)
    _move(txn, paramstyle, "accounts", "nick_key", accounts)
    _move(txn, paramstyle, "rooms", "room_key", rooms)
    _move(txn, paramstyle, "messages", "room_key", rooms)
    _regroup(txn, paramstyle, "recipient_key", ("recipient",), withAccounts, accounts)
    _putBack(txn, paramstyle, "memberships", membershipColumns, memberships, accounts, rooms)
    kept: dict[tuple[str, str], tuple[str, int, int]] = {}
    owners = {new: old for old, new in accounts.items()}
    for roomKey, nickKey, nick, approved, requested in access:
        newKey = accounts.get(nickKey, key(nick))
        if roomKey not in rooms or owners.get(newKey, nickKey) != nickKey:
            continue  # a deleted look-alike's (or a guest's) is not the account's
        where = (rooms[roomKey], newKey)
        if where not in kept or approved > kept[where][1]:
            kept[where] = (nick, approved, requested)
    for (roomKey, nickKey), (nick, approved, requested) in kept.items():
        run(
            "INSERT INTO access (room_key, nick_key, nick, approved, requested)"
            " VALUES (?, ?, ?, ?, ?)",
            roomKey,
            nickKey,
            nick,
            approved,
            requested,
        )


def _rowsOf(txn: Cursor, table: str) -> tuple[list[dict[str, Any]], list[str]]:
    """
    Every row of C{table}, each with every column it has (C{memberships}:
    when it was entered, from schema 31), and those columns' names.
    """
    txn.execute(f"SELECT * FROM {table}")
    columns = [column[0] for column in txn.description]
    return [dict(zip(columns, row, strict=True)) for row in txn.fetchall()], columns


def _putBack(
    txn: Cursor,
    paramstyle: str,
    table: str,
    columns: list[str],
    rows: list[dict[str, Any]],
    accounts: dict[str, str],
    rooms: dict[str, str],
) -> None:
    """
    Write again the C{rows} of C{table} (read by L{_rowsOf}, then deleted)
    of the C{accounts} and C{rooms} that stay, under their new keys, with
    every other column as it was: a membership keeps when it was entered.
    """
    kept: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        if row["nick_key"] in accounts and row["room_key"] in rooms:
            where = (accounts[row["nick_key"]], rooms[row["room_key"]])
            kept.setdefault(where, {**row, "nick_key": where[0], "room_key": where[1]})
    insert = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    )
    txn.executemany(_sql(insert, paramstyle), [[row[c] for c in columns] for row in kept.values()])


def _regroup(
    txn: Cursor,
    paramstyle: str,
    column: str,
    spelling: tuple[str, ...],
    withAccounts: bool,
    accounts: dict[str, str],
    private: bool = True,
) -> None:
    """
    Give each private message's C{column} (a person's key; every
    message's, unless C{private}) its new key:
    that of the account the row names (its C{*_account} column, when
    C{withAccounts}), else that of the account whose key it was, else that
    of the row's own spelling (C{spelling}'s columns, the first given):
    a message stays with the person it belonged to, even where another
    spelling of their name is someone else's now.  Each group of rows
    moves through a temporary value, as in L{_move}.
    """
    account = column.replace("_key", "_account")
    named = ("COALESCE(" + account + ", '')",) if withAccounts else ()
    columns = (column, *spelling, *named)
    which = "room_key IS NULL AND " if private else ""
    txn.execute(
        f"SELECT DISTINCT {', '.join(columns)} FROM messages WHERE {which}{column} IS NOT NULL"
    )
    moves = {}
    for group in txn.fetchall():
        old, name, owner = group[0], group[1], group[-1] if withAccounts else ""
        new = accounts.get(owner) or accounts.get(old) or key(name or old)
        if new != old:
            moves[tuple(group)] = new
    where = " AND ".join(f"{c} = ?" for c in (column, *spelling, *named))
    update = _sql(f"UPDATE messages SET {column} = ? WHERE {which}{where}", paramstyle)
    for group, new in moves.items():
        txn.execute(update, (_TEMPORARY + new, *group))
    settle = _sql(f"UPDATE messages SET {column} = ? WHERE {column} = ?", paramstyle)
    for new in set(moves.values()):
        txn.execute(settle, (new, _TEMPORARY + new))


def senderKeys(txn: Cursor, paramstyle: str) -> None:
    """
    Fill the columns of schema version 8 of the stored private messages:
    their senders' keys, and the keys of those of their people who are
    registered now (the best guess of who was when they were sent).
    """
    _senderKeys(txn, paramstyle)
    for column, account in (
        ("sender_key", "sender_account"),
        ("recipient_key", "recipient_account"),
    ):
        txn.execute(
            f"UPDATE messages SET {account} = {column} WHERE room_key IS NULL"
            f" AND {column} IN (SELECT nick_key FROM accounts)"
        )


def rekeyAll(txn: Cursor, paramstyle: str) -> None:
    """
    L{rekey} again, once L{key} changed (capitals of other scripts that
    look like Latin ones, C{Т} or C{М}, became the Latin letter), and the
    key columns added since it was first written: the sender keys of
    private messages, their accounts, and read markers.
    """
    txn.execute("SELECT nick_key, nick FROM accounts ORDER BY created, nick")
    accounts, lost = _survivors(list(txn.fetchall()))
    for oldKey, name in lost:  # what it sent goes with it, as what it was sent does
        txn.execute(
            _sql("DELETE FROM messages WHERE room_key IS NULL AND sender_account = ?", paramstyle),
            (oldKey,),
        )
        # Its rooms are nobody's: their founder's name now reads as the older account's.
        txn.execute(_sql("UPDATE rooms SET founder = '' WHERE founder = ?", paramstyle), (name,))
    txn.execute("SELECT room_key, name FROM rooms ORDER BY created, name")
    rooms, lostRoomRows = _survivors(list(txn.fetchall()))
    lostRooms = {name for _, name in lostRoomRows}
    lostNames = {name for _, name in lost}
    txn.execute("SELECT nick_key, room, target_key, target, millis FROM read_markers")
    markers = [  # those of a deleted room or account go with it
        (nickKey, room, targetKey, target, millis)
        for nickKey, room, targetKey, target, millis in list(txn.fetchall())
        if target not in (lostRooms if room else lostNames)
    ]
    txn.execute("DELETE FROM read_markers")  # they name accounts, whose keys move
    _recordRenamed(txn, paramstyle, accounts, markers)
    _rekeyNames(txn, paramstyle, withAccounts=True)
    _regroup(txn, paramstyle, "sender_key", ("sender",), True, accounts, private=False)
    for column in ("sender_account", "recipient_account"):
        _move(txn, paramstyle, "messages", column, accounts)
    latest: dict[tuple[str, str, str], tuple[str, int]] = {}
    for nickKey, room, targetKey, target, millis in markers:
        if nickKey in accounts:  # else its account merged into an older one
            # A conversation's is with the account its old key was, if any.
            targets = rooms if room else accounts
            where = (accounts[nickKey], room, targets.get(targetKey) or key(target))
            if not room and where[2] == where[0]:
                continue  # a conversation with itself, after the merge
            if where not in latest or millis > latest[where][1]:
                latest[where] = (target, millis)
    txn.executemany(
        _sql(
            "INSERT INTO read_markers (nick_key, room, target_key, target, millis)"
            " VALUES (?, ?, ?, ?, ?)",
            paramstyle,
        ),
        [(*where, target, millis) for where, (target, millis) in latest.items()],
    )


def _senderKeys(txn: Cursor, paramstyle: str) -> None:
    """
    Each stored private message's sender key, from its sender's name.
    """
    txn.execute("SELECT DISTINCT sender FROM messages WHERE room_key IS NULL")
    senders = [row[0] for row in txn.fetchall()]
    txn.executemany(
        _sql(
            "UPDATE messages SET sender_key = ? WHERE room_key IS NULL AND sender = ?", paramstyle
        ),
        [(key(sender), sender) for sender in senders],
    )


def _recordRenamed(
    txn: Cursor, paramstyle: str, accounts: dict[str, str], markers: list[tuple[Any, ...]]
) -> None:
    """
    Keep in L{RENAMED_TABLE} the names held under each old key, with their
    keys now: an account's (its name, its new key), else each spelling a
    guest used (in messages, approvals and read markers of conversations),
    so that a sanction stored under an old key keeps covering who it
    covered (L{chatd.core.sanctionstart.inForce}), even one typed with a
    spelling whose key changed where the account's did not.
    """
    txn.execute("SELECT nick_key, nick FROM accounts")
    named = [(old, name, True) for old, name in txn.fetchall() if old in accounts]
    for query in (
        "SELECT DISTINCT sender_key, sender FROM messages WHERE sender_account IS NULL",
        "SELECT DISTINCT recipient_key, recipient FROM messages"
        " WHERE room_key IS NULL AND recipient_account IS NULL",
        "SELECT nick_key, nick FROM access",
    ):
        txn.execute(query)
        named += [(old, name, False) for old, name in txn.fetchall() if old is not None]
    named += [(old, name, False) for _, room, old, name, _ in markers if not room]
    found: dict[str, dict[str, tuple[str, bool]]] = {}
    for old, name, isAccount in named:
        if isAccount or old not in accounts:  # an account's other spellings are its own
            new = accounts[old] if isAccount else key(name)
            found.setdefault(old, {}).setdefault(new, (name, isAccount))
    txn.execute(RENAMED_TABLE)
    txn.executemany(
        _sql(
            "INSERT INTO renamed_keys (old_key, new_key, name, account) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (old_key, new_key) DO NOTHING",
            paramstyle,
        ),
        [
            (old, new, name, int(isAccount))
            for old, names in found.items()
            for new, (name, isAccount) in names.items()
        ],
    )
