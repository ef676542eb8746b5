# -*- test-case-name: tests.integration.test_store -*-
"""
The database schema, as numbered migrations shared by SQLite and PostgreSQL.

A store records the last migration it applied in C{schema_version}; at start
it applies the ones after it, in one transaction, so a data directory made by
an older chatd is upgraded in place and a failed or interrupted upgrade
leaves it untouched, to be made again at the next start.
Append new migrations to L{MIGRATIONS}; never edit one that has shipped.

The SQL uses C{?} placeholders and only what both engines accept (C{BIGINT},
C{TEXT}, partial indexes, C{ON CONFLICT ... DO UPDATE}); C{{id_type}} is the
one difference: SQLite's C{INTEGER PRIMARY KEY} is the 64-bit rowid itself
(no second index to maintain per message), PostgreSQL's needs C{BIGINT}.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from chatd.storage.alwayson import LAST_SEEN_COLUMNS
from chatd.storage.interfaces import APPROVAL, OPEN, RoomSettings
from chatd.storage.rekey import rekey, rekeyAll, senderKeys
from chatd.storage.search import (
    foldedSearchIndex,
    lighterSearchIndex,
    searchIndex,
    unaccentedSearchText,
    visibleSearchText,
)
from chatd.storage.uniquemsgid import uniqueMsgids

#: The rooms a fresh data directory starts with (those of seed 004).
DEFAULT_ROOMS = (
    RoomSettings("Blabla", OPEN),
    RoomSettings("Général", OPEN, autojoin=True),
    RoomSettings("Comptabilité", APPROVAL),
    RoomSettings("Informatique", APPROVAL),
    RoomSettings("Marketing", APPROVAL),
)

#: C{{id_type}} in L{MIGRATIONS}, by parameter style.
ID_TYPE = {"qmark": "INTEGER", "format": "BIGINT"}

#: A migration step is SQL for both engines, a mapping from parameter
#: style to that engine's SQL (C{None}: nothing to do there), or a function
#: called as C{step(cursor, paramstyle)} for what SQL alone cannot compute;
#: one that goes through the messages returns an iterator of how many it
#: has done, of how many (L{chatd.storage.search.Filling}), which the
#: migration runs through.
Statement = str | dict[str, str | None] | Callable[[Any, str], Iterator[tuple[int, int]] | None]

VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"

#: Small settings the nodes sharing a database share, by name
#: (L{chatd.storage.storedcloak}: the cloak secret).
SETTINGS_TABLE = "CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)"

#: Starts PostgreSQL's message ids after those in the table (after copying
#: messages in with their ids, too).
RESTART_IDS = (
    "SELECT setval('messages_id_seq', (SELECT COALESCE(MAX(id), 0) + 1 FROM messages), false)"
)

MIGRATIONS: list[list[Statement]] = [
    # 1: accounts, rooms, memberships, approval requests and messages.
    [
        """CREATE TABLE accounts (
            nick_key TEXT PRIMARY KEY,
            nick TEXT NOT NULL,
            hash TEXT NOT NULL,
            created BIGINT NOT NULL)""",
        """CREATE TABLE rooms (
            room_key TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            mode TEXT NOT NULL,
            capacity INTEGER,
            topic TEXT NOT NULL,
            autojoin INTEGER NOT NULL,
            created BIGINT NOT NULL)""",
        """CREATE TABLE memberships (
            nick_key TEXT NOT NULL REFERENCES accounts (nick_key) ON DELETE CASCADE,
            room_key TEXT NOT NULL REFERENCES rooms (room_key) ON DELETE CASCADE,
            PRIMARY KEY (nick_key, room_key))""",
        """CREATE TABLE access (
            room_key TEXT NOT NULL REFERENCES rooms (room_key) ON DELETE CASCADE,
            nick_key TEXT NOT NULL,
            nick TEXT NOT NULL,
            approved INTEGER NOT NULL,
            requested BIGINT NOT NULL,
            PRIMARY KEY (room_key, nick_key))""",
        """CREATE TABLE messages (
            id {id_type} PRIMARY KEY,
            room_key TEXT,
            room TEXT,
            sender TEXT NOT NULL,
            recipient_key TEXT,
            recipient TEXT,
            body TEXT NOT NULL,
            sent BIGINT NOT NULL,
            pending INTEGER NOT NULL)""",
        "CREATE INDEX messages_room ON messages (room_key, id)",
        "CREATE INDEX messages_pending ON messages (recipient_key, id) WHERE pending = 1",
    ],
    # 2: message ids come from the database, so several chatd processes can
    # share one PostgreSQL database (cluster mode).  PostgreSQL gets a
    # sequence, started after the ids already used; SQLite, which only one
    # process writes, takes MAX(id) in the writing transaction.
    [
        {"format": "CREATE SEQUENCE messages_id_seq OWNED BY messages.id", "qmark": None},
        {"format": RESTART_IDS, "qmark": None},
        {
            "format": "ALTER TABLE messages ALTER COLUMN id SET DEFAULT nextval('messages_id_seq')",
            "qmark": None,
        },
    ],
    # 3: moderation (chatd.modstore.IModerationStore) in the chat database, so
    # that with --db it is in PostgreSQL, shared by cluster nodes.
    [
        """CREATE TABLE sanctions (
            kind TEXT NOT NULL,
            target TEXT NOT NULL,
            name TEXT NOT NULL,
            reason TEXT NOT NULL,
            by_admin TEXT NOT NULL,
            at DOUBLE PRECISION NOT NULL,
            until DOUBLE PRECISION,
            PRIMARY KEY (kind, target))""",
        {
            "format": """CREATE TABLE audit (
            id BIGSERIAL PRIMARY KEY,
            at DOUBLE PRECISION NOT NULL,
            who TEXT NOT NULL,
            what TEXT NOT NULL)""",
            "qmark": """CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at DOUBLE PRECISION NOT NULL,
            who TEXT NOT NULL,
            what TEXT NOT NULL)""",
        },
    ],
    # 4: accounts flagged admin log into the admin consoles and the manhole
    # with their account password (chatd.admin.accountcheck).  Existing
    # accounts are not administrators.
    [
        "ALTER TABLE accounts ADD COLUMN admin INTEGER NOT NULL DEFAULT 0",
    ],
    # 5: the room operators' settings (mode letters, key, ban and exception
    # masks, chatd.core.room.Room.savedRules), so a restart keeps them.
    [
        "ALTER TABLE rooms ADD COLUMN rules TEXT NOT NULL DEFAULT ''",
    ],
    # 6: name keys are PRECIS names' confusable skeletons (chatd.core.names.key):
    # every stored key is recomputed, and look-alikes are merged.
    [rekey],
    # 7: a room's founder (the registered account that created it, who is
    # its operator on entering) and who set its topic and when, so a restart
    # keeps them (its creation time is the existing "created" column).
    [
        "ALTER TABLE rooms ADD COLUMN founder TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE rooms ADD COLUMN topic_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE rooms ADD COLUMN topic_at BIGINT NOT NULL DEFAULT 0",
    ],
    # 8: each message's id as clients saw it live (IRCv3 msgid), so history
    # shows the same id and can be asked for around it.  Older messages get
    # one made from their row id.
    [
        "ALTER TABLE messages ADD COLUMN msgid TEXT",
        "UPDATE messages SET msgid = 'm' || CAST(id AS TEXT) WHERE msgid IS NULL",
        "CREATE INDEX messages_msgid ON messages (msgid)",
    ],
    # 9: history windows (IRC's CHATHISTORY): each message's time in
    # milliseconds (older ones: their second); a private message's sender
    # key, and the keys of its sender and recipient if their name was
    # registered when it was sent (the accounts whose history it is: a
    # name registered later does not inherit what its earlier users said).
    [
        "ALTER TABLE messages ADD COLUMN sent_ms BIGINT",
        "UPDATE messages SET sent_ms = sent * 1000",
        "ALTER TABLE messages ADD COLUMN sender_key TEXT",
        "ALTER TABLE messages ADD COLUMN sender_account TEXT",
        "ALTER TABLE messages ADD COLUMN recipient_account TEXT",
        senderKeys,
        "CREATE INDEX messages_sent_by ON messages (sender_account, recipient_key, id)"
        " WHERE room_key IS NULL",
        "CREATE INDEX messages_sent_to ON messages (recipient_account, sender_key, id)"
        " WHERE room_key IS NULL",
    ],
    # 10: full-text search of messages' text (chatd.storage.search): FTS5
    # on SQLite, kept in step by triggers; a tsvector index on PostgreSQL.
    # Messages already stored are indexed too.
    [searchIndex],
    # 11: read markers (chatd.storage.markers): how far each registered
    # account has read each room and private conversation, in milliseconds.
    [
        """CREATE TABLE read_markers (
            nick_key TEXT NOT NULL REFERENCES accounts (nick_key) ON DELETE CASCADE,
            room INTEGER NOT NULL,
            target_key TEXT NOT NULL,
            target TEXT NOT NULL,
            millis BIGINT NOT NULL,
            PRIMARY KEY (nick_key, room, target_key))""",
    ],
    # 12: each account's SCRAM-SHA-256 verifier (chatd.storage.scram), derived
    # at registration or at its next password login: none for existing
    # accounts until then (SCRAM answers them 904, PLAIN still works).
    [
        "ALTER TABLE accounts ADD COLUMN scram TEXT",
    ],
    # 13: whether each account is always on (chatd.storage.alwayson): it
    # stays in its rooms while none of its connections is open.
    [
        "ALTER TABLE accounts ADD COLUMN always_on INTEGER NOT NULL DEFAULT 0",
    ],
    # 14: a lighter full-text index on SQLite, filled by the message writer a
    # batch at a time (chatd.storage.search.LIGHTER_SQLITE_INDEX).
    [lighterSearchIndex],
    # 15: history in the order messages were sent, then stored
    # (chatd.storage.conversations): in a cluster, each node writes its
    # messages in batches, so ids alone put a node's batch first.
    [
        "DROP INDEX messages_room",
        "CREATE INDEX messages_room ON messages (room_key, sent_ms, id)",
        "DROP INDEX messages_sent_by",
        "DROP INDEX messages_sent_to",
        "CREATE INDEX messages_sent_by ON messages (sender_account, recipient_key, sent_ms, id)"
        " WHERE room_key IS NULL",
        "CREATE INDEX messages_sent_to ON messages (recipient_account, sender_key, sent_ms, id)"
        " WHERE room_key IS NULL",
    ],
    # 16: whether each message was an IRC NOTICE (chatd.core.events), so
    # history replays it as one; messages stored before are not notices.
    [
        "ALTER TABLE messages ADD COLUMN notice INTEGER NOT NULL DEFAULT 0",
    ],
    # 17: whether an operator ended an always-on account's presence (a kick,
    # a ban, a kill) since its last login (chatd.storage.alwayson): it is
    # not put back in its rooms at start.
    [
        "ALTER TABLE accounts ADD COLUMN presence_ended INTEGER NOT NULL DEFAULT 0",
    ],
    # 18: name keys again (chatd.core.names.key): a capital of another script
    # that looks like a Latin one (Cyrillic Т, М, В) is now the Latin letter,
    # as its small letter is; look-alikes are merged as in 6.
    [rekeyAll],
    # 19: name keys again: each character as it reads, its own look-alike
    # first (Cyrillic г is r, Greek σ is o, ν is v), its capital's only
    # when it has none; look-alikes are merged as in 6.
    [rekeyAll],
    # 20: name keys again: marks that make another letter are kept (kana
    # voicing marks, Indic vowel signs and viramas, Cyrillic Й and Ї), so
    # names only they told apart get keys of their own; nothing merges.
    [rekeyAll],
    # 21: search in any Unicode form and case, and inside the text of scripts
    # written without spaces (chatd.core.searchform): each message's search
    # form in search_text (NULL for an ASCII body), filled for the messages
    # stored so far, and the full-text index made again over it
    # (chatd.storage.search.foldedSearchIndex).
    [foldedSearchIndex],
    # 22: a message is stored once, whoever writes it (chatd.storage.uniquemsgid):
    # the later copies of a msgid stored more than once are deleted, and its
    # index becomes unique.
    [uniqueMsgids],
    # 23: each registered account's ignore list (chatd.storage.ignores): the
    # masks whose private messages it does not get, by their key.
    [
        """CREATE TABLE IF NOT EXISTS ignores (
            nick_key TEXT NOT NULL REFERENCES accounts (nick_key) ON DELETE CASCADE,
            mask_key TEXT NOT NULL,
            mask TEXT NOT NULL,
            PRIMARY KEY (nick_key, mask_key))""",
    ],
    # 24: search finds what readers see (chatd.core.searchform.visible): the
    # search form of each message stored with IRC formatting codes made
    # again without them, ASCII ones included (chatd.storage.search.visibleSearchText).
    [visibleSearchText],
    # 25: the user@host each message's sender showed when it said it
    # (chatd.core.hosts: user/<account>, or a guest's cloak, never an
    # address), so that IRC history shows the mask its live lines had.
    # Messages stored before have none (IRC shows nick!nick@chatd).
    [
        "ALTER TABLE messages ADD COLUMN sender_userhost TEXT",
    ],
    # 26: small settings the nodes sharing a database share (the cloak secret,
    # chatd.storage.storedcloak), if a node's start did not make the table already.
    [SETTINGS_TABLE],
    # 27: search finds a word without its accents or vowel points, as names
    # do (chatd.core.searchform): the search form of each message in other
    # text than ASCII made again (chatd.storage.search.unaccentedSearchText).
    [unaccentedSearchText],
    # 28: whether an administrator set a room's topic from the console (it
    # reads as the administrator's, chatd.core.events.Administrator), and
    # the cluster's stamp of the room's latest change (chatd.cluster.rooms),
    # so a restarted node's next change ranks after the changes it had seen.
    [
        "ALTER TABLE rooms ADD COLUMN topic_admin INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE rooms ADD COLUMN stamp TEXT NOT NULL DEFAULT ''",
    ],
    # 29: the refusals kept for each registered account's next login
    # (chatd.storage.refusals): an operator refused its request to enter an
    # approval room while it was away; one per room, the latest.
    [
        """CREATE TABLE IF NOT EXISTS refusals (
            nick_key TEXT NOT NULL REFERENCES accounts (nick_key) ON DELETE CASCADE,
            room_key TEXT NOT NULL,
            room TEXT NOT NULL,
            reason TEXT NOT NULL,
            refused BIGINT NOT NULL,
            PRIMARY KEY (nick_key, room_key))""",
    ],
    # 30: a room's messages by sender (chatd.storage.redaction.latestBy):
    # someone's latest message in a room in one indexed query (talk's /delete).
    [
        "CREATE INDEX IF NOT EXISTS messages_room_sender"
        " ON messages (room_key, sender_key, sent_ms, id) WHERE room_key IS NOT NULL",
    ],
    # 31: when each account was last connected and entered each room (chatd.storage.alwayson).
    [*LAST_SEEN_COLUMNS],
    # 32: name keys again: a Latin small capital reads as its letter
    # (chatd.core.smallcapitals: ɴickServ is NickServ, ᴀdmin admin);
    # look-alikes are merged as in 6.
    [rekeyAll],
]

#: How a batch of C{n} message ids is reserved, in the writing transaction,
#: by parameter style: one query either way, so a batch stays one round trip
#: more, not one per message.  PostgreSQL's sequence hands out ids no other
#: process gets (not necessarily consecutive: they are sorted before use);
#: SQLite's single writer continues from the highest id.
RESERVE_IDS = {
    "format": "SELECT nextval('messages_id_seq') FROM generate_series(1, %s)",
    "qmark": "SELECT COALESCE(MAX(id), 0) FROM messages",
}

#: The highest message id handed out so far, by parameter style.
HIGHEST_ID = {
    "format": "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END"
    " FROM messages_id_seq",
    "qmark": "SELECT MAX(id) FROM messages",
}

#: Taken first in a PostgreSQL migration so that nodes starting together on
#: a fresh database migrate one after the other, not into each other.
MIGRATION_LOCK = "SELECT pg_advisory_xact_lock(7426738)"
