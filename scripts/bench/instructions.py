"""
What one delivery costs in CPU instructions: room traffic through a
C{ChatService} and its IRC factory (or its TCHAT one: C{--protocol tchat}),
in memory (no sockets, a L{Clock}, no store), run under Valgrind's
callgrind, which counts the instructions the process executes.  The count
does not depend on what else the machine runs, so two builds compare to
within a fraction of a percent on a shared, noisy machine where timings
move by a tenth from run to run.

Usage: .venv/bin/python -m scripts.bench.instructions [--compare OTHER_CHECKOUT]
           [--members 200] [--senders 20] [--messages 100] [--rounds 3] [--protocol tchat]

Each build runs twice, once with no round (start-up and set-up only) and
once with C{--rounds}: the difference, divided by the deliveries, is what a
delivery costs.  Needs Debian's C{valgrind}.  docs/dev/BENCHMARKING.md says
how to read it; docs/PERFORMANCE.md records runs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def workload(members: int, senders: int, messages: int, rounds: int, protocol: str = "irc") -> int:
    """
    In this process: C{members} clients in one room, over IRC (with
    C{server-time} and C{message-tags}) or TCHAT; per round, each of
    C{senders} says C{messages} lines, one reactor turn per line of every
    sender.  Then one more line, to check the traffic reaches the room: how
    many other members it reached.
    """
    from twisted.internet.address import IPv4Address
    from twisted.internet.task import Clock
    from twisted.internet.testing import StringTransport

    from chatd.core.service import ChatService
    from chatd.irc.factory import IRCFactory
    from chatd.tchat import TchatFactory

    clock = Clock()
    clock.advance(1_700_000_000)
    service = ChatService(clock, maxGroupSize=members + 1, rooms=["lobby"])
    tchat = protocol == "tchat"
    factory = (
        TchatFactory(service, clock, floodBurst=None, aliveAfter=60)
        if tchat
        else IRCFactory(
            service, clock, floodBurst=None, aliveAfter=60, presence=service.people.presence
        )
    )
    clients = []
    for number in range(members):
        client = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 10000 + number))
        assert client is not None
        transport = StringTransport()
        client.makeConnection(transport)
        client.dataReceived(
            f"clt: LOGIN u{number}\nclt: ENTER lobby\n".encode()
            if tchat
            else b"CAP REQ :server-time message-tags\r\n"
            + f"NICK u{number}\r\nUSER u{number} 0 * :u{number}\r\n".encode()
            + b"CAP END\r\nJOIN #lobby\r\n"
        )
        clients.append((client, transport))
    for _ in range(5):
        clock.advance(1)
    text = "hello everyone, this is line {} of the benchmark"
    lines = [
        (
            f"clt: SPEAK lobby\nclt: {text.format(number)}\nclt: .\n"
            if tchat
            else f"PRIVMSG #lobby :{text.format(number)}\r\n"
        ).encode()
        for number in range(messages)
    ]
    for _ in range(rounds):
        for line in lines:
            for client, _ in clients[:senders]:
                client.dataReceived(line)
            clock.advance(0)
            for _, transport in clients:
                transport.clear()
    clients[0][0].dataReceived(lines[0])
    clock.advance(0)
    marker = b"srv: SPEAK u0 lobby " if tchat else b" PRIVMSG #lobby :"
    return sum(marker in transport.value() for _, transport in clients)


def instructions(
    checkout: Path, args: argparse.Namespace, rounds: int, measured: bool = True
) -> int:
    """
    The instructions a child process runs for C{rounds} rounds with the
    chatd of C{checkout} (not C{measured}: run as it is, to compile its
    modules, which would otherwise count in the first measure; C{0}).
    """
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    command = [
        *(valgrind if measured else ()),
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        str(rounds),
        *("--members", str(args.members), "--senders", str(args.senders)),
        *("--messages", str(args.messages)),
        *("--protocol", args.protocol),
    ]
    # The same hash seed for every run: sets and dictionaries laid out alike.
    environment = {"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        command, cwd=checkout, env=environment, capture_output=True, text=True, check=True
    )
    if not measured:
        return 0
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def perDelivery(checkout: Path, args: argparse.Namespace) -> float:
    """
    Instructions per delivery with C{checkout}'s chatd (start-up taken out).
    """
    instructions(checkout, args, 0, measured=False)
    setUp = instructions(checkout, args, 0)
    loaded = instructions(checkout, args, args.rounds)
    deliveries: int = args.rounds * args.messages * args.senders * args.members
    return (loaded - setUp) / deliveries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", type=Path, help="another checkout, measured the same way")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--protocol", choices=("irc", "tchat"), default="irc")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        reached = workload(args.members, args.senders, args.messages, args.child, args.protocol)
        if reached != args.members - 1:
            raise SystemExit(f"a line reached {reached} of {args.members - 1} other members")
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("needs valgrind (Debian: apt-get install valgrind)")
    mine = perDelivery(ROOT, args)
    print(f"{ROOT}: {mine:,.0f} instructions per delivery")
    if args.compare is not None:
        other = perDelivery(args.compare.resolve(), args)
        print(f"{args.compare}: {other:,.0f} instructions per delivery")
        print(f"deliveries per instruction, this checkout against the other: {other / mine:.3f}")


if __name__ == "__main__":
    main()
