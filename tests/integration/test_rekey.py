"""
The migration that recomputes stored name keys (L{chatd.storage.rekey}),
on SQLite and PostgreSQL: a database whose keys were case-folded names gets
today's keys, and look-alike accounts and rooms are merged into the oldest.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
import pytest_twisted
from twisted.internet.task import Clock
from twisted.logger import ILogObserver, formatEvent, globalLogPublisher

from chatd.core import errors
from chatd.core.names import key
from chatd.core.service import ChatService
from chatd.modstore import BAN, KICK, OPERATOR, MemoryModerationStore, Sanction
from chatd.storage.conversations import Conversation
from chatd.storage.rekey import rekey, rekeyAll
from chatd.storage.renamedkeys import RenamedKeys
from chatd.storage.schema import ID_TYPE, MIGRATIONS, VERSION_TABLE
from chatd.storage.sql import SQLChatStore
from chatd.storage.tools import copyReport, copyToPostgres
from chatd.testing import RecordingParticipant
from tests.support.pgserver import createDatabase, postgresServer
from tests.support.storefixtures import (
    OLDER_KINDS,
    SetBack,
    loaded,
    olderStore,
    setBack,
    setBackSQLite,
    sqlStore,
    unfoldSearch,
)

__all__ = ["postgresServer"]

FAKE_ALICE = "\u0430lice"  # Cyrillic a
FAKE_GENERAL = "G\u00e9n\u00e9r\u0430l"  # Cyrillic a


def _unfolded(before: Callable[[Any], None]) -> SetBack:
    """
    C{before}, on a database whose search index is first set back as
    before migration 21.
    """

    def unfoldedThenBefore(execute: Callable[..., Any], paramstyle: str) -> None:
        unfoldSearch(execute, paramstyle)
        before(execute)

    return unfoldedThenBefore


def _beforeRekey(execute: Any, paramstyle: str) -> None:
    """
    A database as chatd left it before the migration, keyed by case-folded
    names: C{alice} and a younger C{аlice}, C{Général} and a younger
    look-alike, each with memberships, a request and messages.
    """
    execute(VERSION_TABLE)
    before = next(i for i, statements in enumerate(MIGRATIONS) if rekey in statements)
    for statements in MIGRATIONS[:before]:
        for statement in statements:
            assert not callable(statement)
            sql = statement if isinstance(statement, str) else statement[paramstyle]
            if sql is not None:
                execute(sql.replace("{id_type}", ID_TYPE[paramstyle]))
    execute(f"INSERT INTO schema_version (version) VALUES ({before})")
    accounts = [("alice", "h1", 1), (FAKE_ALICE, "h2", 2), ("Marc", "h3", 3)]
    for nick, hash, created in accounts:
        execute(
            "INSERT INTO accounts (nick_key, nick, hash, created) VALUES"
            f" ('{nick.casefold()}', '{nick}', '{hash}', {created})"
        )
    for name, created in [("Général", 1), (FAKE_GENERAL, 2), ("Marketing", 1)]:
        execute(
            "INSERT INTO rooms (room_key, name, mode, capacity, topic, autojoin, created)"
            f" VALUES ('{name.casefold()}', '{name}', 'open', NULL, '', 0, {created})"
        )
    for nick, room in [("alice", "marketing"), (FAKE_ALICE, "marketing"), ("marc", "général")]:
        execute(f"INSERT INTO memberships (nick_key, room_key) VALUES ('{nick}', '{room}')")
    execute(
        "INSERT INTO access (room_key, nick_key, nick, approved, requested)"
        " VALUES ('marketing', 'marc', 'Marc', 1, 5)"
    )
    messages = [
        (1, "'marketing'", "'Marketing'", "NULL", "NULL", 0),
        (2, "'général'", "'Général'", "NULL", "NULL", 0),
        (3, f"'{FAKE_GENERAL.casefold()}'", f"'{FAKE_GENERAL}'", "NULL", "NULL", 0),
        (4, "NULL", "NULL", "'marc'", "'Marc'", 1),
        (5, "NULL", "NULL", f"'{FAKE_ALICE}'", f"'{FAKE_ALICE}'", 1),
    ]
    for id, roomKey, room, recipientKey, recipient, pending in messages:
        execute(
            "INSERT INTO messages (id, room_key, room, sender, recipient_key, recipient, body,"
            f" sent, pending) VALUES ({id}, {roomKey}, {room}, 'x', {recipientKey},"
            f" {recipient}, 'm{id}', {id}, {pending})"
        )


async def _checkRekeyed(store: SQLChatStore) -> None:
    async with loaded(store) as snapshot:
        assert snapshot.accounts == {key("alice"), key("Marc")}
        assert await store.accountHash("\u0410LICE") == "h1"
        names = {room.name for room in snapshot.rooms}
        assert "Général" in names and FAKE_GENERAL not in names and "Marketing" in names
        assert snapshot.access == {key("marketing"): {key("marc"): ("Marc", True)}}
        assert await store.memberships("ALICE") == ["Marketing"]
        assert await store.memberships("marc") == ["Général"]
        assert [m.lines for m in await store.history("Marketing", 10)] == [("m1",)]
        assert [m.lines for m in await store.history("Général", 10)] == [("m2",)]
        assert [m.lines for _, m in await store.undelivered("MARC")] == [("m4",)]
        assert await store.undelivered("alice") == []


@pytest_twisted.ensureDeferred
async def test_rekeySQLite(tmp_path: Path) -> None:
    """
    An SQLite database gets today's keys; the younger look-alike account
    and room are gone with their private messages and history.
    """
    path = str(tmp_path / "old.sqlite3")
    connection = sqlite3.connect(path)
    _beforeRekey(connection.execute, "qmark")
    connection.commit()
    connection.close()
    await _checkRekeyed(sqlStore(path))


@pytest_twisted.ensureDeferred
async def test_rekeyPostgres(postgresServer: str) -> None:
    """
    The same on PostgreSQL.
    """
    import psycopg

    url = createDatabase(postgresServer)
    with psycopg.connect(url) as connection:  # commits and closes
        _beforeRekey(connection.execute, "format")
    await _checkRekeyed(sqlStore(url))


#: Names whose key changed when capitals of other scripts became their
#: Latin look-alike: a Cyrillic capital Te (younger than C{tina}, whose
#: look-alike it now is), and a Russian name starting with a capital Em.
CYRILLIC_TINA = "\u0422ina"
MASHA = "\u041c\u0430\u0448\u0430"
OLD_KEYS = {"tina": "tlna", CYRILLIC_TINA: "\u1d1blna", MASHA: "\u028da\u0448a"}
JEUX = "J\u0415ux"


def _beforeRekeyAll(execute: Any) -> None:
    """
    Rows as version 17 keyed them, in a database of today's schema set
    back to 17: accounts C{tina}, a younger C{Тina} and C{Маша}, with read
    markers, a membership and private messages between them (and one the
    younger look-alike sent).
    """
    version = next(i for i, statements in enumerate(MIGRATIONS) if rekeyAll in statements)
    setBack(execute, version)
    for created, (nick, oldKey) in enumerate(OLD_KEYS.items()):
        execute(
            "INSERT INTO accounts (nick_key, nick, hash, created) VALUES"
            f" ('{oldKey}', '{nick}', 'h-{nick}', {created})"
        )
    execute(
        "INSERT INTO rooms (room_key, name, mode, capacity, topic, autojoin, created, founder)"
        f" VALUES ('jeux', 'Jeux', 'open', NULL, '', 0, 1, '{CYRILLIC_TINA}')"
    )
    execute(f"INSERT INTO memberships (nick_key, room_key) VALUES ('{OLD_KEYS[MASHA]}', 'jeux')")
    # An approval room where tina waits and her younger look-alike was let in;
    # and a younger look-alike of Jeux (a Cyrillic capital Ie), which goes.
    for room, name, mode, created in [
        ("secret", "Secret", "approval", 2),
        ("jeux2", JEUX, "open", 3),
    ]:
        execute(
            "INSERT INTO rooms (room_key, name, mode, capacity, topic, autojoin, created, founder)"
            f" VALUES ('{room}', '{name}', '{mode}', NULL, '', 0, {created}, '')"
        )
    for nick, approved in [("tina", 0), (CYRILLIC_TINA, 1)]:
        execute(
            "INSERT INTO access (room_key, nick_key, nick, approved, requested) VALUES"
            f" ('secret', '{OLD_KEYS[nick]}', '{nick}', {approved}, 1)"
        )
    for nick, isRoom, target, millis in [
        (MASHA, 1, "Jeux", 5000),
        (MASHA, 0, "tina", 6000),
        (CYRILLIC_TINA, 1, "Jeux", 7000),
        (MASHA, 1, JEUX, 8000),
    ]:
        execute(
            "INSERT INTO read_markers (nick_key, room, target_key, target, millis) VALUES"
            f" ('{OLD_KEYS[nick]}', {isRoom}, '{OLD_KEYS.get(target, target.lower())}', '{target}',"
            f" {millis})"
        )
    for id, sender, recipient in [
        (1, MASHA, "tina"),
        (2, "tina", MASHA),
        (3, CYRILLIC_TINA, "tina"),
    ]:
        execute(
            "INSERT INTO messages (id, room_key, room, sender, recipient_key, recipient, body,"
            " sent, pending, msgid, sent_ms, sender_key, sender_account, recipient_account)"
            f" VALUES ({id}, NULL, NULL, '{sender}', '{OLD_KEYS[recipient]}', '{recipient}',"
            f" 'm{id}', {id}, 0, 'm{id}', {id * 1000}, '{OLD_KEYS[sender]}',"
            f" '{OLD_KEYS[sender]}', '{OLD_KEYS[recipient]}')"
        )


async def _checkRekeyedAll(store: SQLChatStore) -> None:
    async with loaded(store) as snapshot:
        assert snapshot.accounts == {key("tina"), key(MASHA)}
        assert await store.accountHash(CYRILLIC_TINA) == "h-tina"  # the older account's
        assert await store.accountHash("\u043c\u0430\u0448\u0430") == f"h-{MASHA}"
        assert await store.memberships(MASHA) == ["Jeux"]
        [jeux] = [room for room in snapshot.rooms if room.name == "Jeux"]
        assert jeux.founder == ""  # the deleted look-alike's: not tina's now
        markers = set(await store.readMarkers(MASHA))
        assert markers == {("Jeux", True, 5000), ("tina", False, 6000)}  # not the lost JЕux's
        assert [room.name for room in snapshot.rooms if key(room.name) == key("Jeux")] == ["Jeux"]
        # tina still waits: her deleted look-alike's approval is not hers.
        assert snapshot.access[key("Secret")] == {key("tina"): ("tina", False)}
        assert await store.readMarkers("tina") == []
        talk = await store.window(Conversation.between(MASHA, "Tina"), limit=10, newest=False)
        assert [m.lines for m in talk] == [("m1",), ("m2",)]
        own = await store.window(Conversation.between("tina", "tina"), limit=10)
        assert own == []  # what the younger look-alike sent went with it


@pytest.mark.parametrize("kind", ["SQLite", "PostgreSQL"])
@pytest_twisted.ensureDeferred
async def test_rekeyAll(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """
    Keys made before capital look-alikes were Latin letters are made
    again, read markers and private messages' keys included; the younger
    look-alike account goes.  On SQLite and PostgreSQL.
    """
    await _checkRekeyedAll(await olderStore(kind, request, tmp_path, _unfolded(_beforeRekeyAll)))


@pytest_twisted.ensureDeferred
async def test_copyOfAnOlderSchemaRekeys(tmp_path: Path, postgresServer: str) -> None:
    """
    C{chatd-admin copy} of an SQLite database keyed by the older rule
    gives PostgreSQL today's keys, as starting the daemon on it would, and
    says what it wrote: the younger look-alike account went, with what it
    sent, its approval and its read marker.
    """
    path = str(tmp_path / "chat.sqlite3")
    await setBackSQLite(path, _unfolded(_beforeRekeyAll))
    url = createDatabase(postgresServer)
    counts = copyToPostgres(path, url)
    assert {table: counts[table] for table in ("accounts", "messages")} == {
        "accounts": (3, 2),
        "messages": (3, 2),
    }
    report = copyReport(counts)
    assert report.startswith("2 accounts (of 3 read), "), report
    assert "; the rest were look-alike names of older accounts or rooms" in report
    await _checkRekeyedAll(sqlStore(url))


#: Names whose key changed when marks that make another letter were kept:
#: C{かがく} (science) was C{かかく} (price), C{ゲン} was C{ケン}, C{Йосип}
#: was C{Иосип}; with the keys the older rule gave them.
KAGAKU = "\u304b\u304c\u304f"
KAKAKU = "\u304b\u304b\u304f"
GEN = "\u30b2\u30f3"
JOSIP = "\u0419\u043e\u0441\u0438\u043f"
MARKED_KEYS = {GEN: "\u30b1\u30f3", JOSIP: "\u1d0eoc\u1d0e\u03c0", KAGAKU: "\u304b\u304b\u276c"}


def _beforeMarksKept(execute: Any) -> None:
    """
    Rows as version 19 keyed them, in a database of today's schema set
    back to 19: accounts C{ゲン} and C{Йосип}, a room C{かがく} (whose key
    was C{かかく}'s) with C{ゲン} in it and a message.
    """
    setBack(execute, 19)
    for created, nick in enumerate((GEN, JOSIP)):
        execute(
            "INSERT INTO accounts (nick_key, nick, hash, created) VALUES"
            f" ('{MARKED_KEYS[nick]}', '{nick}', 'h-{nick}', {created})"
        )
    execute(
        "INSERT INTO rooms (room_key, name, mode, capacity, topic, autojoin, created, founder)"
        f" VALUES ('{MARKED_KEYS[KAGAKU]}', '{KAGAKU}', 'open', NULL, '', 0, 1, '')"
    )
    execute(
        "INSERT INTO memberships (nick_key, room_key) VALUES"
        f" ('{MARKED_KEYS[GEN]}', '{MARKED_KEYS[KAGAKU]}')"
    )
    execute(
        "INSERT INTO messages (id, room_key, room, sender, recipient_key, recipient, body,"
        " sent, pending, msgid, sent_ms, sender_key, sender_account, recipient_account)"
        f" VALUES (1, '{MARKED_KEYS[KAGAKU]}', '{KAGAKU}', '{GEN}', NULL, NULL, 'm1', 1, 0,"
        f" 'm1', 1000, '{MARKED_KEYS[GEN]}', '{MARKED_KEYS[GEN]}', NULL)"
    )


async def _checkMarksKept(store: SQLChatStore) -> None:
    async with loaded(store) as snapshot:
        assert snapshot.accounts == {key(GEN), key(JOSIP)}
        assert await store.accountHash(GEN) == f"h-{GEN}"
        assert await store.accountHash("\u30b1\u30f3") is None  # ケン is another name now
        assert await store.accountHash("\u0439\u043e\u0441\u0438\u043f") == f"h-{JOSIP}"
        assert await store.accountHash("\u0418\u043e\u0441\u0438\u043f") is None
        assert [room.name for room in snapshot.rooms if room.name.startswith("\u304b")] == [KAGAKU]
        assert await store.memberships(GEN) == [KAGAKU]
        assert [m.lines for m in await store.history(KAGAKU, 10)] == [("m1",)]
        assert await store.history(KAKAKU, 10) == []  # a room of its own, still to create


@pytest.mark.parametrize("kind", ["SQLite", "PostgreSQL"])
@pytest_twisted.ensureDeferred
async def test_rekeyMarksKept(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """
    Keys made while every combining mark was dropped are made again:
    C{かがく}, C{ゲン} and C{Йосип} keep their rows under keys of their
    own, and C{かかく}, C{ケン}, C{Иосип} are free.  On SQLite and
    PostgreSQL.
    """
    await _checkMarksKept(await olderStore(kind, request, tmp_path, _unfolded(_beforeMarksKept)))


#: Names the keeping of marks split (each pair had one key before, the
#: first's), with the keys the older rule gave them.
KEN, IRA, YIRA, KIN, GIN = (
    "\u30b1\u30f3",
    "\u0406\u0440\u0430",
    "\u0407\u0440\u0430",
    "キン",
    "ギン",
)
IOSIP = "\u0418\u043e\u0441\u0438\u043f"
SPLIT_KEYS = {KEN: KEN, GEN: KEN, IRA: "lpa", YIRA: "lpa", KIN: KIN, GIN: KIN, "bob": "bob"}
SPLIT_KEYS |= {"alice": "allce", IOSIP: MARKED_KEYS[JOSIP], JOSIP: MARKED_KEYS[JOSIP]}


def _beforeSplit(execute: Any) -> None:
    """
    Private messages as version 19 kept them, in a database of today's
    schema set back to 19: accounts C{ケン}, C{Іра}, C{Иосип}, C{alice} and C{bob};
    bob's waiting messages for C{ケン}, also typed C{ゲン}, and for C{Іра}
    typed C{Їра}; alice's message to C{ゲン}, delivered to C{ケン}, and
    C{ケン}'s answer while called C{ゲン}; waiting messages for the guests
    C{キン} and C{ギン}; alice's read marker of her talk with C{ゲン}.
    """
    setBack(execute, 19)
    for created, nick in enumerate((KEN, IRA, IOSIP, "alice", "bob")):
        execute(
            "INSERT INTO accounts (nick_key, nick, hash, created) VALUES"
            f" ('{SPLIT_KEYS[nick]}', '{nick}', 'h-{nick}', {created})"
        )
    accounts = {KEN, IRA, IOSIP, "alice", "bob"}
    for id, sender, senderAccount, recipient, recipientAccount, pending in [
        (1, "bob", "bob", KEN, KEN, 1),
        (2, "bob", "bob", GEN, KEN, 1),
        (3, "bob", "bob", YIRA, IRA, 1),
        (4, "alice", "alice", GEN, KEN, 0),
        (5, GEN, KEN, "alice", "alice", 0),
        (6, "bob", "bob", KIN, None, 1),
        (7, "bob", "bob", GIN, None, 1),
    ]:
        owners = [
            f"'{SPLIT_KEYS[n]}'" if n in accounts else "NULL"
            for n in (senderAccount, recipientAccount)
        ]
        execute(
            "INSERT INTO messages (id, room_key, room, sender, recipient_key, recipient, body,"
            " sent, pending, msgid, sent_ms, sender_key, sender_account, recipient_account)"
            f" VALUES ({id}, NULL, NULL, '{sender}', '{SPLIT_KEYS[recipient]}', '{recipient}',"
            f" 'm{id}', {id}, {pending}, 'm{id}', {id * 1000}, '{SPLIT_KEYS[sender]}',"
            f" {owners[0]}, {owners[1]})"
        )
    execute(
        "INSERT INTO read_markers (nick_key, room, target_key, target, millis)"
        f" VALUES ('allce', 0, '{KEN}', '{GEN}', 4000)"
    )


async def _checkSplit(store: SQLChatStore) -> None:
    async with loaded(store):

        async def waiting(nick: str) -> list[str]:
            return [m.lines[0] for _, m in await store.undelivered(nick)]

        assert await waiting(KEN) == ["m1", "m2"]  # addressed as either spelling: still theirs
        assert await waiting(GEN) == []  # whoever registers ゲン gets none of it
        assert await waiting(IRA) == ["m3"] and await waiting(YIRA) == []
        assert await waiting(KIN) == ["m6"] and await waiting(GIN) == ["m7"]  # guests: as spelled

        async def talk(nick: str, other: str) -> list[str]:
            found = await store.window(Conversation.between(nick, other), limit=10, newest=False)
            return [m.lines[0] for m in found]

        assert await talk("alice", KEN) == ["m4", "m5"]
        assert await talk("alice", GEN) == []
        assert await talk(KEN, "alice") == ["m4", "m5"]
        assert await store.readMarker("alice", KEN, False) == 4000
        assert await store.readMarker("alice", GEN, False) is None


@pytest.mark.parametrize("kind", OLDER_KINDS)
@pytest_twisted.ensureDeferred
async def test_rekeySplitKeepsMessagesWithTheirAccount(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """
    A private message stays with the account it was for, or from, under
    that account's new key, whichever spelling it was addressed with; a
    guest's is re-keyed by its own spelling, row by row.  On SQLite, on
    PostgreSQL, and after C{chatd-admin copy} of such an SQLite database.
    """
    await _checkSplit(await olderStore(kind, request, tmp_path, _unfolded(_beforeSplit)))


def _beforeSplitSanctions(execute: Any) -> None:
    """
    L{_beforeSplit}'s database, where the guest C{キン} also said something
    in a room.
    """
    _beforeSplit(execute)
    execute(
        "INSERT INTO messages (id, room_key, room, sender, recipient_key, recipient, body,"
        " sent, pending, msgid, sent_ms, sender_key, sender_account, recipient_account)"
        f" VALUES (8, 'blabla', 'Blabla', '{KIN}', NULL, NULL, 'm8', 8, 0, 'm8', 8000,"
        f" '{KIN}', NULL, NULL)"
    )


#: Sanctions as the older build stored them (typed with a look-alike, under
#: the key it had then): a ban typed Їра of the account Іра, a kick typed
#: Йосип of the account Иосип, a ban typed ギン of the guest キン, and an
#: operator grant typed ゲン of the account ケン.
OLD_SANCTIONS = [
    Sanction(BAN, "lpa", YIRA, "spam", "root", 1.0),
    Sanction(KICK, SPLIT_KEYS[JOSIP], JOSIP, "flood", "root", 1.0, 2e9),
    Sanction(BAN, KIN, GIN, "abuse", "root", 1.0),
    Sanction(OPERATOR, KEN, GEN, "", "root", 1.0),
]


async def _checkSanctionsFollow(store: SQLChatStore) -> None:
    async with loaded(store):
        sanctions = MemoryModerationStore()
        for sanction in OLD_SANCTIONS:
            await sanctions.saveSanction(sanction)
        clock = Clock()
        clock.advance(1e9)
        service = ChatService(clock, rooms=["Blabla"])
        warnings: list[dict[str, object]] = []
        observer = cast(ILogObserver, warnings.append)
        globalLogPublisher.addObserver(observer)
        try:
            await service.moderation.restore(sanctions, RenamedKeys(store))
        finally:
            globalLogPublisher.removeObserver(observer)
        await service.moderation.writes.settled()

        def refused(nick: str) -> type[Exception] | None:
            participant = RecordingParticipant("127.0.0.1")
            service.connect(participant)
            try:
                service.login(participant, nick)
            except (errors.Banned, errors.Kicked) as error:
                return type(error)
            service.disconnect(participant)
            return None

        assert refused(IRA) is errors.Banned  # the account the ban removed
        assert refused(YIRA) is errors.Banned  # and the spelling typed
        assert refused(IOSIP) is errors.Kicked and refused(JOSIP) is errors.Kicked
        assert refused(KIN) is errors.Banned and refused(GIN) is errors.Banned
        assert set(service.moderation.operators) == {key(KEN)}  # the account's, not ゲン's
        said = " ".join(formatEvent(event) for event in warnings)
        assert f"ban of {YIRA} kept: it holds for {IRA}, {YIRA} and the names" in said, said
        assert set(sanctions.sanctions) == {
            (BAN, key(IRA)),
            (BAN, key(YIRA)),
            (KICK, key(IOSIP)),
            (KICK, key(JOSIP)),
            (BAN, key(KIN)),
            (BAN, key(GIN)),
            (OPERATOR, key(KEN)),
        }
        assert await RenamedKeys(store).load() == {}  # followed once: a later start changes none


@pytest.mark.parametrize("kind", OLDER_KINDS)
@pytest_twisted.ensureDeferred
async def test_rekeySplitSanctionsKeepCovering(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """
    A sanction stored under a key the upgrade split keeps covering who it
    covered: an account's follows the account's new key, and the spelling
    typed; a guest's holds for each spelling the database knew under the
    old key; a grant follows the account alone.  The log says so.  On
    SQLite, on PostgreSQL, and after C{chatd-admin copy} of such an SQLite
    database (the sanctions imported at the first start on PostgreSQL).
    """
    store = await olderStore(kind, request, tmp_path, _unfolded(_beforeSplitSanctions))
    await _checkSanctionsFollow(store)
