"""
Schema 32 makes the name keys again once a Latin small capital reads as its
letter (L{chatd.core.smallcapitals}): an account spelled with them that an
older account already read as is merged away, the others only change key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_twisted

from chatd.core.names import key
from chatd.storage.schema import MIGRATIONS
from tests.support.pgserver import postgresServer
from tests.support.storefixtures import loaded, olderStore, setBack

__all__ = ["postgresServer"]

#: Accounts as schema 31 keyed them: C{alice}, a younger C{ᴀlice} (small
#: capital A) and C{ʀooᴛ}, whose small capitals were keys of their own.
OLD_KEYS = {"alice": "allce", "\u1d00lice": "\u1d00llce", "\u0280oo\u1d1b": "\u0280oo\u1d1b"}


def _before32(execute: Any, paramstyle: str) -> None:
    setBack(execute, 31)
    for created, (nick, oldKey) in enumerate(OLD_KEYS.items()):
        execute(
            "INSERT INTO accounts (nick_key, nick, hash, created) VALUES"
            f" ('{oldKey}', '{nick}', 'h-{nick}', {created})"
        )


@pytest.mark.parametrize("kind", ["SQLite", "PostgreSQL"])
@pytest_twisted.ensureDeferred
async def test_smallCapitalsRekeyed(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """
    After the upgrade C{ᴀlice} is gone (C{alice} is older) and C{ʀooᴛ}
    is the account C{root}, found by either spelling.
    """
    assert len(MIGRATIONS) == 32
    store = await olderStore(kind, request, tmp_path, _before32)
    async with loaded(store) as snapshot:
        assert snapshot.accounts == {key("alice"), key("root")}
        assert await store.accountHash("\u1d00lice") == "h-alice"
        assert await store.accountHash("root") == "h-\u0280oo\u1d1b"
