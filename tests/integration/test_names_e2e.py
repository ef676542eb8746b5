"""
The real C{twistd -n chatd}: an C{--operators} name gives rights only to a
password login of its account, the daemon warns about such a name without
an account, and look-alikes of an online name are refused over TCHAT and IRC.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest_twisted
from twisted.internet import reactor

from tests.support.blockingclients import addAccount
from tests.support.daemon import Daemon, startDaemon
from tests.support.e2eclients import command, connect
from tests.support.lineclient import LineClient, connectLines


async def ircLogin(daemon: Daemon, *lines: str) -> tuple[LineClient, list[str]]:
    """
    An IRC connection that sent C{lines}; the lines read up to its welcome
    (001) or its first error numeric.
    """
    client = await connectLines(reactor, daemon.ports["IRCFactory"])
    client.send(*lines)
    return client, await ircUntil(client, (" 001 ", " 433 ", " 464 ", "ERROR "))


async def ircUntil(client: LineClient, marks: tuple[str, ...]) -> list[str]:
    seen = []
    while True:
        line = await client.line()
        seen.append(line)
        if any(mark in line for mark in marks):
            return seen


def waitForLog(daemon: Daemon, text: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in daemon.logText():
        assert time.monotonic() < deadline, daemon.logText()
        time.sleep(0.05)


@pytest_twisted.ensureDeferred
async def test_operatorNeedsPasswordLogin(tmp_path: Path) -> None:
    """
    C{--operators alice} without an account: the log warns, and whoever
    takes the name (over IRC) gets 481 on KILL; a guest may not register it
    (TCHAT REGIS: 12).  Once the console created the account,
    its password login (IRC PASS) may KILL, and a login without the
    password is refused.  Meanwhile C{АLICE} is taken over TCHAT (23) and
    C{NICK АLICE} over IRC is 433.
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--data-dir",
        str(tmp_path / "data"),
        "--operators",
        "alice",
        "--flood-burst",
        "0",
        factories=("TchatFactory", "IRCFactory"),
    )
    try:
        waitForLog(daemon, "operator alice has no registered account")
        bob, _ = await ircLogin(daemon, "NICK bob", "USER b 0 * :B")
        guest, welcome = await ircLogin(daemon, "NICK alice", "USER a 0 * :A")
        assert " 001 " in welcome[-1]
        guest.send("KILL bob :bye")
        assert " 481 " in (await ircUntil(guest, (" 481 ", "KILL")))[-1]
        spoof = await connect(daemon)
        assert (await command(spoof, "clt: LOGIN \u0410LICE"))[-1] == "srv: ERROR 23"
        _, refused = await ircLogin(daemon, "NICK \u0410LICE", "USER s 0 * :S")
        assert " 433 " in refused[-1]
        await guest.close()

        owner = await connect(daemon)
        assert (await command(owner, "clt: LOGIN alice"))[-1] == "srv: OKAY!"
        assert (await command(owner, "clt: REGIS sesame-42"))[-1] == "srv: ERROR 12"
        await owner.close()
        addAccount(daemon, tmp_path / "data", "alice", "sesame-42")
        again = await connect(daemon)
        assert (await command(again, "clt: LOGIN alice"))[-1] == "srv: ERROR 22"
        root, welcome = await ircLogin(daemon, "PASS sesame-42", "NICK alice", "USER a 0 * :A")
        assert " 001 " in welcome[-1]
        root.send("KILL bob :bye")
        await ircUntil(bob, ("ERROR ",))
        await bob.closed
        for client in (spoof, again, root):
            await client.close()
    finally:
        daemon.stop()
