# -*- test-case-name: tests.unit.test_bench -*-
"""
Benchmark chatd over real 127.0.0.1 sockets: throughput, latency, login
bursts and memory per idle connection.

Run from the checkout's root:

    .venv/bin/python -m scripts.bench            # every phase, one or two minutes
    .venv/bin/python -m scripts.bench --quick    # a ~30 s smoke run
    .venv/bin/python -m scripts.bench --json out.json --phases throughput,latency
    .venv/bin/python -m scripts.bench --protocol websocket     # or irc; see adapters.py
    .venv/bin/python -m scripts.bench --protocol irc --servers chatd,ngircd,inspircd
    .venv/bin/python -m scripts.bench --nodes 1,2,3 --phases throughput,latency   # cluster
    .venv/bin/python -m scripts.bench --nodes 1,2 --layout pairs --phases throughput

See scripts/bench/README.md and docs/dev/BENCHMARKING.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .cluster import cluster
from .compare import compare
from .daemon import raiseFileLimit
from .harness import PHASES, ROOT, Result
from .layouts import LAYOUTS
from .loadgen import ADAPTERS
from .phases import Bench, runPhases
from .report import machine, report, reportCluster, reportClusterRounds, reportServers
from .servers import SERVERS


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench", description=__doc__.split("\n\n")[0]
    )
    add = parser.add_argument
    add("--protocol", choices=sorted(ADAPTERS), default="tchat")
    add("--phases", default=",".join(PHASES), help="comma-separated subset of " + ",".join(PHASES))
    add("--clients", type=int, default=500, help="N: clients (in one room but with --layout)")
    add("--senders", type=int, default=50, help="S: clients that send in phase (a)")
    add("--window", type=int, default=32, help="W: messages in flight per sender")
    add(
        "--rate",
        type=float,
        default=0,
        help="phase (a) at a steady pace: messages per second per node, spread over the "
        "senders (the same load on each node whatever --nodes), W capping each in flight",
    )
    add("--lines", type=int, default=1, help="body lines per message")
    add("--body", type=int, default=20, help="characters per body line")
    add("--warmup", type=float, default=2.0, help="seconds of load before measuring")
    add("--duration", type=float, default=20.0, help="seconds measured in phase (a)")
    add("--latency-messages", type=int, default=1000)
    add("--latency-seconds", type=float, default=30.0, help="time bound of phase (b)")
    add("--burst", type=int, default=1000, help="connections in one login burst")
    add("--burst-rounds", type=int, default=5)
    add("--idle", type=int, default=10000, help="idle connections in phase (d)")
    add("--daemon-cpu", type=int, default=0, help="CPU the daemon is pinned to")
    add("--generator-cpu", type=int, default=1, help="CPU this generator is pinned to")
    add("--no-pin", action="store_true", help="pin neither process")
    add(
        "--nice",
        type=int,
        default=0,
        help="run the daemon and the generator at this nice level (negative, as root: "
        "less noise from other work on a shared machine)",
    )
    add(
        "--profile",
        type=Path,
        help="run the daemon under pyinstrument; each measured phase's text report is "
        "appended here",
    )
    add("--json", type=Path, help="also write the results as JSON here ('-': stdout)")
    add("--quick", action="store_true", help="a ~30 s smoke run")
    add("--root", type=Path, default=ROOT, help="checkout whose chatd runs (default: this one)")
    add(
        "--daemon-args",
        default="",
        help="more options for every daemon, e.g. '--history-count 0'",
    )
    add(
        "--autojoin",
        action="store_true",
        help="keep the autojoin room a fresh data directory is seeded with (each login "
        "then enters it, notifying every member)",
    )
    add(
        "--log-connections",
        action="store_true",
        help="keep the daemon's log line per login and disconnect (by default the bench "
        "passes --quiet-connections: the text formatting costs ~40%% of a login)",
    )
    add(
        "--servers",
        default="chatd",
        help="with --protocol irc: comma-separated IRC servers loaded in turn in one run, "
        f"of {','.join(SERVERS)} (Debian packages ngircd, inspircd)",
    )
    add(
        "--nodes",
        default="",
        help="cluster mode: comma-separated node counts, e.g. 1,2,3: phases (a) and (b) "
        "with the N clients spread over that many --cluster nodes on one redis-server",
    )
    add(
        "--layout",
        choices=LAYOUTS,
        default="one-room",
        help="phases (a) and (b): every client in one room, or in --rooms rooms each on one "
        "node (local) or half on one node and half split over two (pairs); see layouts.py",
    )
    add("--rooms", type=int, default=12, help="R: rooms with --layout local or pairs")
    add("--compare", type=Path, help="another checkout: run both in turn, report the ratios")
    add(
        "--history-cost",
        action="store_true",
        help="run chatd in turn with and without storing room messages, report the ratios",
    )
    add(
        "--rounds",
        type=int,
        default=None,
        help="turns each with --compare or --history-cost (default 3); with --nodes, each"
        " node count in every turn, and the median ratio (default 1)",
    )
    args = parser.parse_args(argv)
    servers = [name for name in args.servers.split(",") if name]
    if set(servers) - set(SERVERS) or (servers != ["chatd"] and args.protocol != "irc"):
        parser.error(f"--servers takes {','.join(SERVERS)}, with --protocol irc")
    args.servers = servers
    args.nodes = [int(count) for count in args.nodes.split(",") if count]
    if args.rounds is None:
        args.rounds = 1 if args.nodes else 3
    if args.nodes and args.compare is not None:
        parser.error("--compare runs one daemon per checkout: not with --nodes")
    if args.history_cost and (
        args.nodes or args.compare is not None or servers != ["chatd"] or args.profile
    ):
        parser.error(
            "--history-cost runs one chatd: not with --nodes, --compare, --servers, --profile"
        )
    if args.layout != "one-room" and not 1 <= args.rooms <= args.clients:
        parser.error("--rooms takes 1 to --clients")
    if args.quick:  # shorter phases, unless given explicitly
        quick = {
            "warmup": 1.0,
            "duration": 4.0,
            "latency_messages": 200,
            "latency_seconds": 5.0,
            "burst_rounds": 2,
            "idle": 2000,
        }
        for name, value in quick.items():
            if getattr(args, name) == parser.get_default(name):
                setattr(args, name, value)
    if args.no_pin or shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        if not args.no_pin:
            print("not pinning: needs taskset (util-linux) and two CPUs", file=sys.stderr)
        args.daemon_cpu = args.generator_cpu = None
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    run = [phase for phase in args.phases.split(",") if phase]
    unknown = set(run) - set(PHASES)
    if unknown:
        sys.exit(f"unknown phases: {', '.join(sorted(unknown))}")
    if args.generator_cpu is not None:
        os.sched_setaffinity(0, {args.generator_cpu})
    if args.nice:
        os.nice(args.nice)  # the generator too: the closed loop needs both
    raiseFileLimit(max(args.clients, args.burst, args.idle) + 500)
    if args.profile is not None:
        args.profile.write_text("")  # each phase appends its report
    results: Result = {"machine": machine(), "protocol": args.protocol, "options": dict(vars(args))}
    for key in ("profile", "json", "root", "compare"):
        results["options"][key] = str(results["options"][key])
    with tempfile.TemporaryDirectory(prefix="chatd-bench-") as scratch:
        if args.nodes:
            report(results)
            rounds = []
            for _ in range(args.rounds):
                rounds.append(cluster(Bench(args, Path(scratch), args.root), args.nodes, run))
                reportCluster(rounds[-1])
            results["cluster"] = rounds[0] if len(rounds) == 1 else {"rounds": rounds}
            if len(rounds) > 1:
                reportClusterRounds(rounds)
        elif args.servers != ["chatd"]:
            report(results)
            results["servers"] = {}
            for name in args.servers:
                print(f"server {name}:")
                found = runPhases(Bench(args, Path(scratch), args.root, name), run)
                report(found)
                results["servers"][name] = found
            reportServers(results["servers"])
        elif args.compare is None and not args.history_cost:
            results.update(runPhases(Bench(args, Path(scratch), args.root), run))
            report(results)
        else:
            report(results)
            results["compare"] = compare(args, Path(scratch), run)
    if args.json is not None:
        text = json.dumps(results, indent=2)
        if str(args.json) == "-":
            print(text)
        else:
            args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
