"""
A schema migration that makes the stored name keys again
(L{chatd.storage.rekey.rekeyAll}), added after the columns of schema 31:
an account keeps when it was last seen and each membership when it was
entered, under the new keys, migrated in place (SQLite, PostgreSQL) or by
C{chatd-admin copy} of an SQLite site into PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_twisted

from chatd.core.names import key
from chatd.storage import migration, opening, tools
from chatd.storage.rekey import rekeyAll
from chatd.storage.schema import MIGRATIONS
from tests.support.pgserver import postgresServer
from tests.support.storefixtures import OLDER_KINDS, loaded, olderStore

__all__ = ["postgresServer"]

#: C{tina}'s key as an older rule made it (her name case-folded), which the
#: re-keying changes.
OLD_TINA = "tina"
ENTERED_JEUX, LAST_SEEN = 1_795_000_000_123, 1_795_000_900_456


@pytest.fixture
def laterRekeying(monkeypatch: pytest.MonkeyPatch) -> None:
    """
    This chatd's migrations, and one more after them that makes the keys
    again, as the next change of the names rule would add.
    """
    later = [*MIGRATIONS, [rekeyAll]]
    for module in (migration, opening, tools):
        monkeypatch.setattr(module, "MIGRATIONS", later)


def _beforeLaterRekeying(execute: Any, paramstyle: str) -> None:
    """
    A database at today's schema (one before the later re-keying): the
    account C{tina} under its older key, last seen at L{LAST_SEEN}, a
    member of C{Jeux} since L{ENTERED_JEUX} and of C{Général} since a time
    not known.
    """
    execute(f"UPDATE schema_version SET version = {len(MIGRATIONS)}")
    execute(
        "INSERT INTO accounts (nick_key, nick, hash, created, last_seen) VALUES"
        f" ('{OLD_TINA}', 'tina', 'h-tina', 1, {LAST_SEEN})"
    )
    execute(
        "INSERT INTO rooms (room_key, name, mode, capacity, topic, autojoin, created, founder)"
        " VALUES ('JEUX', 'Jeux', 'open', NULL, '', 0, 1, '')"
    )
    execute(
        "INSERT INTO memberships (nick_key, room_key, entered) VALUES"
        f" ('{OLD_TINA}', 'JEUX', {ENTERED_JEUX}), ('{OLD_TINA}', '{key('Général')}', NULL)"
    )


@pytest.mark.parametrize("kind", OLDER_KINDS)
@pytest_twisted.ensureDeferred
async def test_enteredAndLastSeenKept(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, laterRekeying: None
) -> None:
    """
    Re-keyed, C{tina}'s rows are under today's keys, with when she was
    last seen and when she entered Jeux as they were (Général's still not
    known); on SQLite, on PostgreSQL, and copied from SQLite to PostgreSQL.
    """
    store = await olderStore(kind, request, tmp_path, _beforeLaterRekeying)
    async with loaded(store) as snapshot:
        assert key("tina") in snapshot.accounts
        assert await store.memberships("tina") == ["Général", "Jeux"]
        assert await store.enteredRooms("tina") == {key("Jeux"): ENTERED_JEUX}
        assert await store.lastSeen("tina") == LAST_SEEN
