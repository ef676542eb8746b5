"""
A real C{twistd -n chatd --db postgresql://...} whose link to a real
PostgreSQL goes half-open (L{StallProxy} stops forwarding without closing):
nothing hangs, the log says so once, and everything recovers when the link
is back (docs/STORAGE.md, "When the database does not answer").
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater

from chatd.core import errors
from chatd.storage.health import QUERY
from chatd.storage.postgres import TCP_SETTINGS, postgresStore
from tests.support.daemon import Daemon, startDaemon
from tests.support.e2eclients import command, connect, getJSON, spoken
from tests.support.lineclient import LineClient
from tests.support.pgserver import createDatabase, postgresServer
from tests.support.stallproxy import StallProxy, postgresProxy
from tests.support.storefixtures import stop

__all__ = ["postgresProxy", "postgresServer"]

#: The test's C{--db-timeout}: seconds a query may go unanswered.
BOUND = 3


async def login(daemon: Daemon, line: str) -> tuple[LineClient, str, float]:
    """
    A new TCHAT connection that sent C{line}: the final reply, and how many
    seconds it took.
    """
    client = await connect(daemon)
    began = time.monotonic()
    reply = (await command(client, line))[-1]
    return client, reply, time.monotonic() - began


def healthz(port: int) -> tuple[int, dict[str, object], float]:
    """C{/healthz} on C{port}: its status, body, and how many seconds it took."""
    began = time.monotonic()
    status, body = getJSON(f"http://127.0.0.1:{port}/healthz")
    return status, body, time.monotonic() - began


@pytest.mark.parametrize("back", ["resume", "forget"])
@pytest_twisted.ensureDeferred
async def test_halfOpenLink(
    tmp_path: Path, postgresServer: str, postgresProxy: StallProxy, back: str
) -> None:
    """
    While the link to PostgreSQL forwards nothing and closes nothing,
    C{/healthz} answers within a couple of seconds, then 503 with the
    reason (the operator's listener); a guest signs in; a login that needs
    the database, and a registration, are told C{ERROR 03} within the
    watchdog's bound; a room message is acknowledged; the log says once
    that the database is unavailable.  Once the link is back (C{resume}:
    what was held arrives; C{forget}: the connections held stay silent for
    good, new ones work, so only the connections the watchdog ended free
    the pool), C{/healthz} says 200, the login works and the message is in
    history.
    """
    url = postgresProxy.url(createDatabase(postgresServer))
    args = ("--port", "tcp:0:interface=127.0.0.1", "--db", url, "--db-timeout", str(BOUND))
    daemon = startDaemon(tmp_path, *args)
    local = daemon.ports["MetricsSite"]
    try:
        alice, reply, _ = await login(daemon, "clt: LOGIN alice")
        assert (await command(alice, "clt: REGIS secret-pw"))[-1] == "srv: OKAY!"
        await alice.close()
        carol, reply, _ = await login(daemon, "clt: LOGIN carol")
        assert (await command(carol, "clt: ENTER Blabla"))[-1] == "srv: OKAY!"
        assert healthz(local)[0] == 200

        postgresProxy.stall()
        status, body, took = healthz(local)
        assert took < 3, (took, status, body)  # never waits on the database
        said = await command(carol, "clt: SPEAK Blabla", "clt: said while silent", "clt: .")
        assert said[-1] == "srv: OKAY!"
        guest, reply, took = await login(daemon, "clt: LOGIN pgguest")
        assert reply == "srv: OKAY!", reply
        assert took < BOUND + 3, took
        dora, reply, took = await login(daemon, "clt: LOGIN dora secret-pw")
        assert reply == "srv: ERROR 03", reply  # whether dora is registered needs the database
        assert took < BOUND + 3, took
        began = time.monotonic()
        assert (await command(guest, "clt: REGIS secret-pw"))[-1] == "srv: ERROR 03"
        assert time.monotonic() - began < BOUND + 3
        for _ in range(40):
            status, body, took = healthz(local)
            assert took < 3, (took, status, body)
            if status == 503:
                break
            await deferLater(reactor, 0.25, lambda: None)
        assert status == 503, body
        assert "no answer from the database in 3 s" in str(body["store"]), body

        getattr(postgresProxy, back)()
        for _ in range(60):
            if healthz(local)[0] == 200:
                break
            await deferLater(reactor, 0.5, lambda: None)
        assert healthz(local)[0] == 200
        for _ in range(20):
            await dora.close()
            dora, reply, _ = await login(daemon, "clt: LOGIN alice secret-pw")
            if reply == "srv: OKAY!":
                break
            await deferLater(reactor, 0.5, lambda: None)
        assert reply == "srv: OKAY!"
        assert "said while silent" in spoken(await command(carol, "clt: HISTO Blabla 5"))
        for client in (dora, carol, guest):
            await client.close()
    finally:
        daemon.stop()
    log = daemon.logText()
    assert log.count("the chat database is unavailable") == 1, log
    assert "the chat database works again" in log, log


@pytest_twisted.ensureDeferred
async def test_endedConnectionFreesThePool(postgresServer: str, postgresProxy: StallProxy) -> None:
    """
    A store with one pooled connection, whose link goes silent for good
    (L{StallProxy.forget}): the query the watchdog gave up on fails in its
    bound, and its connection is ended under the driver, so the pool's one
    thread is free and the next query, on a new connection, works.
    """
    url = postgresProxy.url(createDatabase(postgresServer))
    store = postgresStore(url, reactor, connections=1, queryTimeout=1.0, flushInterval=0.01)
    store.startService()
    try:
        await store.load()
        postgresProxy.stall()
        began = time.monotonic()
        with pytest.raises(errors.StoreUnavailable):
            await store.database.probeQuery(QUERY)
        assert time.monotonic() - began < 3
        postgresProxy.forget()
        problem = await store.check()
        for _ in range(40):
            if problem is None:
                break
            await deferLater(reactor, 0.5, lambda: None)
            problem = await store.check()
        assert problem is None
    finally:
        postgresProxy.close()  # a thread still waiting gets its end, and the store stops
        await stop(store)
    assert store.health.failures >= 1


@pytest_twisted.ensureDeferred
async def test_connectionSettings(postgresServer: str) -> None:
    """
    The store's connections have libpq's TCP keepalives and
    C{tcp_user_timeout}, and the server ends their idle transactions.
    """
    store = postgresStore(createDatabase(postgresServer), reactor, flushInterval=0.01)
    store.startService()
    try:
        await store.load()

        def settings(txn: Any) -> tuple[dict[str, str], str]:
            txn.execute("SHOW idle_in_transaction_session_timeout")
            return txn.connection.info.get_parameters(), txn.fetchone()[0]

        parameters, idle = await store.database.run(settings, what=QUERY)
    finally:
        await stop(store)
    assert {name: parameters.get(name) for name in TCP_SETTINGS} == {
        name: str(value) for name, value in TCP_SETTINGS.items()
    }
    assert idle == "1min"


@pytest_twisted.ensureDeferred
async def test_stopWhileSilent(
    tmp_path: Path, postgresServer: str, postgresProxy: StallProxy
) -> None:
    """
    A SIGTERM while the link to PostgreSQL forwards nothing: the daemon
    stops within its bounds, the room messages acknowledged meanwhile kept
    in C{unwritten-messages.json} and said so in the log; started again on
    a working link, it writes them, and history has them.
    """
    url = postgresProxy.url(createDatabase(postgresServer))
    args: tuple[str, ...] = ("--port", "tcp:0:interface=127.0.0.1", "--db", url)
    args += ("--db-timeout", str(BOUND), "--data-dir", str(tmp_path / "data"))
    daemon = startDaemon(tmp_path, *args)
    try:
        carol = await connect(daemon)
        assert (await command(carol, "clt: LOGIN carol"))[-1] == "srv: OKAY!"
        assert (await command(carol, "clt: ENTER Blabla"))[-1] == "srv: OKAY!"
        postgresProxy.stall()
        said = await command(carol, "clt: SPEAK Blabla", "clt: kept at the stop", "clt: .")
        assert said[-1] == "srv: OKAY!"
        await carol.close()
        began = time.monotonic()
        assert daemon.stop(timeout=60) == -15  # twistd ends as the signal says
        took = time.monotonic() - began
    finally:
        daemon.stop()
    log = daemon.logText()
    assert took < 30, (took, log)
    assert "not written" in log, log
    assert (tmp_path / "data" / "unwritten-messages.json").exists()
    postgresProxy.resume()
    again = startDaemon(tmp_path, *args)
    try:
        reader = await connect(again)
        assert (await command(reader, "clt: LOGIN reader"))[-1] == "srv: OKAY!"
        assert (await command(reader, "clt: ENTER Blabla"))[-1] == "srv: OKAY!"
        assert "kept at the stop" in spoken(await command(reader, "clt: HISTO Blabla 5"))
        await reader.close()
    finally:
        again.stop()
