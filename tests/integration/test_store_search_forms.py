"""
Searching stored messages in any Unicode form and case, without accents
or vowel points, and inside the text of scripts written without spaces
(L{chatd.core.searchform}), on every store: text sent decomposed is found
by a query typed precomposed and the reverse, C{ecole} finds C{école},
C{istanbul} finds C{İstanbul}, C{محمد} finds C{مُحَمَّد}, C{東京} finds
C{明日東京に行きます}; IRC formatting codes are not searched, so C{red}
finds C{\x0304,12red}; and on SQLite and PostgreSQL, the messages stored
before migration 21 (with codes before 24, with accents before 27) are
found too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted

from chatd.storage.health import QUERY, WRITE
from chatd.storage.sql import SQLChatStore
from tests.support.pgserver import postgresServer
from tests.support.storefixtures import (
    OLDER_KINDS,
    backend,
    loaded,
    olderStore,
    setBack,
    store,
    unfoldSearch,
)

__all__ = ["backend", "postgresServer", "store"]

NFD_CAFE = "un cafe\u0301 au lait"
NFC_CAFE = "le caf\u00e9 est ferm\u00e9"
ISTANBUL = "\u0130stanbul'da \u0131\u015f\u0131k var"
TOKYO = "\u660e\u65e5\u6771\u4eac\u306b\u884c\u304d\u307e\u3059"  # 明日東京に行きます
APART = "\u6771\u4eac\u3068\u4eac\u90fd"  # 東京と京都: 東京 and 京都, not 東京都
SEOUL = "\uc11c\uc6b8\uc5d0\uc11c \ub9cc\ub098\uc694"  # 서울에서 만나요
THAI = "\u0e17\u0e35\u0e48\u0e19\u0e35\u0e48\u0e2a\u0e27\u0e22\u0e21\u0e32\u0e01"  # ที่นี่สวยมาก


def _international(store: Any) -> None:
    """
    A message of each kind in Blabla, one a second, the last with msgid C{last}.
    """
    for second, text in enumerate((NFD_CAFE, NFC_CAFE, ISTANBUL, TOKYO, APART, SEOUL), 1):
        store.addMessage("Blabla", "x", None, (text,), second, millis=second * 1000)
    store.addMessage("Blabla", "x", None, (THAI,), 7, msgid="last", millis=7000)


async def _found(store: Any, *words: str) -> list[str]:
    return [m.lines[0] for m in await store.search("x", ["Blabla"], list(words), 10)]


@pytest_twisted.ensureDeferred
async def test_anyForm(store: Any) -> None:
    """
    A word is found in either Unicode form (composed or decomposed
    accents), in any case, with or without its accents, the Turkish I's as
    one letter.
    """
    _international(store)
    for cafe in ("caf\u00e9", "cafe\u0301", "CAF\u00c9", "CAFE\u0301"):
        assert await _found(store, cafe) == [NFC_CAFE, NFD_CAFE], ascii(cafe)
    assert await _found(store, "cafe") == [NFC_CAFE, NFD_CAFE]
    assert await _found(store, "ferme") == [NFC_CAFE]
    for istanbul in ("istanbul'da", "ISTANBUL'DA", "\u0130stanbul'da", "i\u0307stanbul'da"):
        assert await _found(store, istanbul) == [ISTANBUL], ascii(istanbul)
    assert await _found(store, "I\u015eIK") == [ISTANBUL]  # IŞIK, ışık in capitals
    assert await _found(store, "ISIK") == await _found(store, "isik") == [ISTANBUL]


#: Messages with accents and vowel points, and an ASCII one.
ECOLE = "L'\u00e9cole est ferm\u00e9e"  # L'école est fermée
HARAKAT = "\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f \u0647\u0646\u0627"  # مُحَمَّد هنا
TATWEEL = "\u0645\u0640\u062d\u0640\u0645\u0640\u062f"  # مـحـمـد
NIQQUD = "\u05e9\u05c1\u05b8\u05dc\u05d5\u05b9\u05dd"  # שָׁלוֹם
PLAIN = "plain ascii"
ACCENTED = (ECOLE, HARAKAT, TATWEEL, NIQQUD, PLAIN)


async def _checkAccents(store: Any) -> None:
    """
    C{store}, holding L{ACCENTED} in Blabla, finds each by its words typed
    without accents, vowel points or tatweel, or with them.
    """
    assert await _found(store, "ecole", "FERMEE") == [ECOLE]
    assert await _found(store, "\u00c9COLE") == [ECOLE]  # ÉCOLE
    muhammad = "\u0645\u062d\u0645\u062f"  # محمد
    assert await _found(store, muhammad) == [TATWEEL, HARAKAT]
    assert await _found(store, HARAKAT.split()[0]) == [TATWEEL, HARAKAT]
    assert await _found(store, "\u05e9\u05dc\u05d5\u05dd") == [NIQQUD]  # שלום
    assert await _found(store, "plain") == [PLAIN]
    if isinstance(store, SQLChatStore) and store.paramstyle == "qmark":
        await store.database.run(_integrityCheck, what=WRITE)


@pytest_twisted.ensureDeferred
async def test_accents(store: Any) -> None:
    """
    Accents, Hebrew and Arabic vowel points and the Arabic tatweel do not
    count: a word is found as a pupil types it, without them.
    """
    for second, text in enumerate(ACCENTED, 1):
        store.addMessage("Blabla", "x", None, (text,), second, millis=second * 1000)
    await _checkAccents(store)


@pytest_twisted.ensureDeferred
async def test_spacelessScripts(store: Any) -> None:
    """
    In Japanese, Chinese, Korean and Thai a query is found anywhere in the
    text, from one character on: as written, its characters next to one
    another.
    """
    _international(store)
    for part in ("\u660e\u65e5\u6771\u4eac", "\u6771\u4eac\u306b", "\u307e\u3059", "\u884c"):
        assert await _found(store, part) == [TOKYO], ascii(part)
    for inBoth in ("\u6771\u4eac", "\u4eac"):  # 東京, 京
        assert await _found(store, inBoth) == [APART, TOKYO], ascii(inBoth)
    assert await _found(store, "\u6771\u4eac\u90fd") == []  # 東京都: not next to one another
    assert await _found(store, "\u5927\u962a") == []  # 大阪
    assert await _found(store, "\uc11c\uc6b8") == [SEOUL]  # 서울, before its particle
    assert await _found(store, "\ub9cc\ub098", "\uc5d0\uc11c") == [SEOUL]
    assert await _found(store, "\u0e2a\u0e27\u0e22") == [THAI]  # สวย
    assert await _found(store, "\u6771\u4eac", "caf\u00e9") == []  # every word


@pytest_twisted.ensureDeferred
async def test_wholeWords(store: Any) -> None:
    """
    Punctuation outside ASCII separates words; the SQL stores still match
    whole words of space-separated scripts, and split them at typographic
    punctuation as at ASCII punctuation.
    """
    store.addMessage("Blabla", "x", None, ("don\u2019t \u00abpicnic\u00bb",), 1)
    assert await _found(store, "picnic") == ["don\u2019t \u00abpicnic\u00bb"]
    if isinstance(store, SQLChatStore):
        assert await _found(store, "don't") == ["don\u2019t \u00abpicnic\u00bb"]
        assert await _found(store, "pic") == []


@pytest_twisted.ensureDeferred
async def test_deletedNotFound(store: Any) -> None:
    """
    A deleted message is no longer found, whatever its script; the SQLite
    index stays in step with the messages (FTS5's own check).
    """
    _international(store)
    assert await store.deleteMessage("last") is True
    assert await _found(store, "\u0e2a\u0e27\u0e22") == []
    if isinstance(store, SQLChatStore) and store.paramstyle == "qmark":
        await store.database.run(_integrityCheck, what=WRITE)


#: Messages with IRC formatting codes: colours with their numbers, bold
#: inside a word, a reset.
CODED = (
    "bold and \x0304,12red on blue",
    "\x0303green",
    "\x0304Rouge\x03 \u00e9t\u00e9",
    "\x02gras\x02ascii",
)


async def _checkCodes(store: Any) -> None:
    """
    C{store}, holding L{CODED} in Blabla, finds each by the words readers
    see, not by a colour's numbers.
    """
    assert await _found(store, "red", "blue") == [CODED[0]]
    assert await _found(store, "green") == [CODED[1]]
    assert await _found(store, "ROUGE") == [CODED[2]]
    assert await _found(store, "grasascii") == [CODED[3]]
    assert await _found(store, "\x02red\x02") == [CODED[0]]
    assert await _found(store, "04red") == await _found(store, "03green") == []
    if isinstance(store, SQLChatStore):  # whole words
        assert await _found(store, "gras") == []
        if store.paramstyle == "qmark":
            await store.database.run(_integrityCheck, what=WRITE)


@pytest_twisted.ensureDeferred
async def test_formattingCodes(store: Any) -> None:
    """
    IRC formatting codes in a message are not part of its words, in ASCII
    text or not.
    """
    for second, text in enumerate(CODED, 1):
        store.addMessage("Blabla", "x", None, (text,), second, millis=second * 1000)
    await _checkCodes(store)


def _integrityCheck(txn: Any) -> None:
    txn.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")


def _olderMessages(execute: Callable[..., Any], paramstyle: str) -> None:
    """
    Set a database of today's schema back to version 20 and store, as that
    version did, C{TOKYO}, C{NFD_CAFE} and C{ISTANBUL} in Blabla.
    """
    unfoldSearch(execute, paramstyle)
    setBack(execute, 20)
    mark = "?" if paramstyle == "qmark" else "%s"
    for second, text in enumerate((TOKYO, NFD_CAFE, ISTANBUL), 1):
        execute(
            "INSERT INTO messages (room_key, room, sender, body, sent, pending, msgid, sent_ms,"
            f" sender_key) VALUES ('blabla', 'Blabla', 'x', {mark}, {second}, 0, 'm{second}',"
            f" {second * 1000}, 'x')",
            (text,),
        )


async def _checkFolded(store: SQLChatStore) -> None:
    """
    C{store}, just migrated from version 20, finds what was stored before
    in any form, and what it writes now.
    """
    async with loaded(store):
        store.addMessage("Blabla", "x", None, ("\u6771\u4eac\u30bf\u30ef\u30fc",), 9)  # 東京タワー
        assert await _found(store, "\u6771\u4eac") == ["\u6771\u4eac\u30bf\u30ef\u30fc", TOKYO]
        assert await _found(store, "caf\u00e9") == [NFD_CAFE]
        assert await _found(store, "istanbul'da") == [ISTANBUL]
        if store.paramstyle == "qmark":
            await store.database.run(_integrityCheck, what=WRITE)


@pytest.mark.parametrize("kind", ["SQLite", "PostgreSQL"])
@pytest_twisted.ensureDeferred
async def test_migrated(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """
    Migration 21 gives the messages an SQLite or PostgreSQL database
    stored before it their search form, and indexes them by it.
    """
    await _checkFolded(await olderStore(kind, request, tmp_path, _olderMessages))


def _storedAt(version: int, texts: tuple[str, ...]) -> Callable[[Callable[..., Any], str], None]:
    """
    What sets a database of today's schema back to C{version} and stores
    C{texts} in Blabla as that version did: no search form for an ASCII
    body, the body lowered for the others (their codes and accents kept).
    """

    def setUp(execute: Callable[..., Any], paramstyle: str) -> None:
        setBack(execute, version)
        mark = "?" if paramstyle == "qmark" else "%s"
        for second, text in enumerate(texts, 1):
            execute(
                "INSERT INTO messages (room_key, room, sender, body, sent, pending, msgid,"
                f" sent_ms, sender_key, search_text) VALUES ('blabla', 'Blabla', 'x', {mark},"
                f" {second}, 0, 'm{second}', {second * 1000}, 'x', {mark})",
                (text, None if text.isascii() else text.lower()),
            )

    return setUp


async def _checkVisible(store: SQLChatStore) -> None:
    """
    C{store}, just migrated from version 23, finds the messages stored
    before with codes by what readers see.
    """
    async with loaded(store):
        await _checkCodes(store)


@pytest.mark.parametrize("kind", ["SQLite", "PostgreSQL"])
@pytest_twisted.ensureDeferred
async def test_codesMigrated(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """
    Migration 24 gives the messages an SQLite or PostgreSQL database
    stored before it with formatting codes their search form without them,
    and reindexes them by it.
    """
    await _checkVisible(await olderStore(kind, request, tmp_path, _storedAt(23, CODED)))


async def _checkUnaccented(store: SQLChatStore) -> None:
    """
    C{store}, just migrated from version 26, finds the messages stored
    before without their accents; the ASCII one still has no search form.
    """

    def formless(txn: Any) -> list[str]:
        txn.execute("SELECT body FROM messages WHERE search_text IS NULL")
        return [row[0] for row in txn.fetchall()]

    async with loaded(store):
        await _checkAccents(store)
        assert await store.database.run(formless, what=QUERY) == [PLAIN]


@pytest.mark.parametrize("kind", OLDER_KINDS)
@pytest_twisted.ensureDeferred
async def test_accentsMigrated(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """
    Migration 27 makes the search form of the messages an SQLite or
    PostgreSQL database stored before it again without accents, vowel
    points and tatweel, and reindexes them by it; so does the copy of an
    older SQLite database to PostgreSQL.
    """
    await _checkUnaccented(await olderStore(kind, request, tmp_path, _storedAt(26, ACCENTED)))
