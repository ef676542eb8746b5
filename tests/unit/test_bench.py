"""
Tests for the benchmark package's command line and figures
(C{scripts/bench}): C{--quick} shortens only what was not given, bad
combinations are refused, percentiles read as documented, and the room
layouts deal the clients over nodes and rooms as documented.  The load
itself is exercised by C{tests/integration/test_loadgen.py} and by running the bench.
"""

from __future__ import annotations

import copy
import io
from contextlib import redirect_stderr
from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from scripts.bench.__main__ import parse
from scripts.bench.harness import PHASES
from scripts.bench.instructions import workload
from scripts.bench.layouts import ROOM, deal, fanouts, perNode, roomName, spread
from scripts.bench.pacing import Pace
from scripts.bench.report import percentiles, reportClusterRounds, reportPerNode, reportServers


class ParseTests(SynchronousTestCase):
    def test_quickShortensDefaultsOnly(self) -> None:
        """
        C{--quick} shortens the phases, but keeps what is given explicitly.
        """
        args = parse(["--quick", "--duration", "9", "--no-pin"])
        self.assertEqual((args.duration, args.warmup, args.idle), (9.0, 1.0, 2000))
        self.assertEqual((args.daemon_cpu, args.generator_cpu), (None, None))

    def test_defaults(self) -> None:
        """
        Without options: every phase, N=500, S=50, W=32, chatd over TCHAT.
        """
        args = parse(["--no-pin"])
        self.assertEqual(args.phases.split(","), list(PHASES))
        self.assertEqual((args.clients, args.senders, args.window), (500, 50, 32))
        self.assertEqual((args.protocol, args.servers, args.nodes), ("tchat", ["chatd"], []))
        self.assertEqual((args.layout, args.rooms), ("one-room", 12))

    def test_layoutRooms(self) -> None:
        """
        C{--layout} takes the known layouts; their C{--rooms} is 1 to N.
        """
        args = parse(["--nodes", "1,2", "--layout", "pairs", "--rooms", "6", "--no-pin"])
        self.assertEqual((args.nodes, args.layout, args.rooms), ([1, 2], "pairs", 6))
        for argv in (["--layout", "scattered"], ["--layout", "local", "--rooms", "0"]):
            with redirect_stderr(io.StringIO()):
                self.assertRaises(SystemExit, parse, argv)
        with redirect_stderr(io.StringIO()) as err:
            self.assertRaises(SystemExit, parse, ["--layout", "local", "--clients", "5"])
        self.assertIn("--rooms", err.getvalue())

    def test_compareNotWithNodes(self) -> None:
        """
        C{--compare} runs one daemon per checkout: with C{--nodes} it is
        refused, not ignored.
        """
        with redirect_stderr(io.StringIO()) as err:
            self.assertRaises(SystemExit, parse, ["--nodes", "1,2", "--compare", "."])
        self.assertIn("--nodes", err.getvalue())

    def test_serversNeedIrc(self) -> None:
        """
        Other servers speak only IRC: C{--servers ngircd} over TCHAT is refused.
        """
        with redirect_stderr(io.StringIO()) as err:
            self.assertRaises(SystemExit, parse, ["--servers", "chatd,ngircd"])
        self.assertIn("--protocol irc", err.getvalue())
        args = parse(["--protocol", "irc", "--servers", "chatd,ngircd", "--nodes", "1,3"])
        self.assertEqual((args.servers, args.nodes), (["chatd", "ngircd"], [1, 3]))


class PaceTests(SynchronousTestCase):
    def test_owedSpreadOverSenders(self) -> None:
        """
        C{perSecond} is shared evenly by the senders: each owes its share of
        the time since the pace began, less what it sent.
        """
        now = [100.0]
        pace = Pace(300.0, ["a", "b", "c"], clock=lambda: now[0])
        self.assertEqual(pace.owed("a"), 0)
        now[0] = 100.5
        self.assertEqual([pace.owed(s) for s in "abc"], [50, 50, 50])
        pace.took("a", 30)
        self.assertEqual((pace.owed("a"), pace.owed("b")), (20, 50))
        now[0] = 101.0
        self.assertEqual((pace.owed("a"), pace.owed("b")), (70, 100))

    def test_rateOption(self) -> None:
        """
        C{--rate} is per node and off (0) unless given.
        """
        self.assertEqual(parse(["--no-pin"]).rate, 0)
        self.assertEqual(parse(["--rate", "30000", "--no-pin"]).rate, 30000.0)


class ReportTests(SynchronousTestCase):
    def test_percentiles(self) -> None:
        """
        Nanosecond samples become p50, p99 and max in milliseconds.
        """
        samples = [i * 1_000_000 for i in range(1, 101)]
        self.assertEqual(percentiles(samples), {"p50": 51.0, "p99": 100.0, "max": 100.0})
        self.assertEqual(percentiles([]), {})

    def test_serverTable(self) -> None:
        """
        One Markdown row per server, a dash for a phase not run.
        """
        lines: list[str] = []
        found = {"throughput": {"deliveriesPerSecond": 1234567, "daemonCpu": 1.0}}
        reportServers({"chatd": found, "other": {**found, "setup": {"seconds": 9.4}}}, lines.append)
        self.assertEqual(lines[0].split("|")[1].strip(), "server")
        self.assertIn("| chatd | - | 1,234,567 |", lines[2])
        self.assertIn("- / - | - | - |", lines[2])
        self.assertIn("| other | 9.40 | 1,234,567 |", lines[3])


class LayoutTests(SynchronousTestCase):
    """
    L{deal}: which node and room each client of phases (a) and (b) gets.
    """

    def test_oneRoom(self) -> None:
        """
        C{one-room}: every client in the one room, dealt over the nodes in turn.
        """
        self.assertEqual(deal("one-room", 5, 2, 12), [(0, ROOM), (1, ROOM)] * 2 + [(0, ROOM)])
        self.assertEqual(deal("one-room", 3, 1, 12), [(0, ROOM)] * 3)

    def test_roomsDoNotDependOnNodes(self) -> None:
        """
        Client C{i} is in room C{i mod R} whatever the layout and node count,
        so the rooms' sizes and each message's fan-out are the same for every
        node count; with one node everyone is on it.
        """
        for layout in ("local", "pairs"):
            rooms = [[room for _, room in deal(layout, 50, nodes, 4)] for nodes in (1, 2, 3)]
            self.assertEqual(rooms[0], [roomName(i % 4) for i in range(50)])
            self.assertEqual(rooms[1:], [rooms[0]] * 2)
            self.assertEqual({node for node, _ in deal(layout, 50, 1, 4)}, {0})
        self.assertEqual(fanouts(["a", "b", "a", "a"], 2), [4, 0, 4, 4])

    def test_local(self) -> None:
        """
        C{local}: each room's members all on one node, room C{r} on node
        C{r mod nodes}; the first S clients (the senders) on every node.
        """
        seats = deal("local", 24, 2, 4)
        self.assertEqual(
            spread(seats),
            {
                "room0": ([0], 6),
                "room1": ([1], 6),
                "room2": ([0], 6),
                "room3": ([1], 6),
            },
        )
        self.assertEqual({node for node, _ in seats[:4]}, {0, 1})
        self.assertEqual([node for node, _ in deal("local", 6, 3, 6)], [0, 1, 2, 0, 1, 2])

    def test_pairs(self) -> None:
        """
        C{pairs}: the even rooms on one node, the odd rooms' members
        alternately on two neighbouring nodes; homes taken in turn, so with
        12 rooms every node holds as many members as the next.
        """
        seats = deal("pairs", 48, 2, 4)
        self.assertEqual(
            spread(seats),
            {
                "room0": ([0], 12),
                "room1": ([0, 1], 12),
                "room2": ([1], 12),
                "room3": ([0, 1], 12),
            },
        )
        room1 = [node for node, room in seats if room == "room1"]
        self.assertEqual(room1[:4], [0, 1, 0, 1])
        # The senders (the first S = 8): two per room, one on each node in a pair room.
        self.assertEqual([room for _, room in seats[:8]], [roomName(r % 4) for r in range(8)])
        self.assertEqual([node for node, room in seats[:8] if room == "room1"], [0, 1])
        self.assertEqual([node for node, room in seats[:8] if room == "room3"], [1, 0])
        for nodes in (2, 3):
            placed = spread(deal("pairs", 1200, nodes, 12))
            self.assertEqual(sorted(len(held) for held, _ in placed.values()), [1] * 6 + [2] * 6)
            load = [node for node, _ in deal("pairs", 1200, nodes, 12)]
            self.assertEqual({load.count(node) for node in range(nodes)}, {1200 // nodes})
        spanned = spread(deal("pairs", 36, 3, 6))
        self.assertEqual([spanned[roomName(r)][0] for r in (1, 3, 5)], [[0, 1], [1, 2], [0, 2]])

    def test_unknownLayout(self) -> None:
        self.assertRaises(ValueError, deal, "scattered", 4, 2, 2)


class PerNodeTests(SynchronousTestCase):
    """
    L{perNode} and L{reportPerNode}: the figures of the cluster's done
    condition, per node and against the 1-node run.
    """

    counts = {
        "1": {
            "nodes": 1,
            "layout": "pairs",
            "redisCpuSeconds": 0.5,
            "throughput": {
                "seconds": 10.0,
                "deliveriesPerSecond": 1_000_000,
                "nodeCpuSeconds": [10.0],
                "redisCpuSecondsMeasured": 0.01,
            },
        },
        "2": {
            "nodes": 2,
            "layout": "pairs",
            "redisCpuSeconds": 2.0,
            "throughput": {
                "seconds": 10.0,
                "deliveriesPerSecond": 1_600_000,
                "nodeCpuSeconds": [8.0, 12.0],
                "redisCpuSecondsMeasured": 1.5,
            },
        },
        "3": {"nodes": 3, "failed": {"crowd": "no"}, "redisCpuSeconds": 0.0},
    }

    def test_perNode(self) -> None:
        """
        Per node: the rate divided by the nodes, deliveries per second of
        the nodes' CPU (Redis's apart), and both as ratios of one node's; a
        count whose phase failed has no row.
        """
        rows = perNode(self.counts)
        self.assertEqual(list(rows), ["1", "2"])
        two = rows["2"]
        self.assertEqual((two["perNodePerSecond"], two["perNodeCpuSecond"]), (800_000, 800_000))
        self.assertEqual((two["vsOneNode"], two["cpuVsOneNode"]), (0.8, 0.8))
        self.assertEqual((rows["1"]["vsOneNode"], two["redisCpuSeconds"]), (1.0, 1.5))

    def test_reportPerNode(self) -> None:
        """
        One Markdown row per node count that measured phase (a).
        """
        lines: list[str] = []
        reportPerNode(self.counts, lines.append)
        self.assertIn(
            "per node, layout pairs (CPU seconds in the measured window of phase (a)):", lines
        )
        self.assertEqual(
            lines[-1], "| 2 | 1,600,000 | 800,000 | 8.00 / 12.00 | 1.5 | 800,000 | 0.8 | 0.8 |"
        )

    def test_reportClusterRounds(self) -> None:
        """
        Over rounds, each count's ratio per node-CPU second to its own
        round's single node: the median and the spread.
        """
        slower: dict[str, Any] = copy.deepcopy(self.counts)
        slower["2"]["throughput"]["nodeCpuSeconds"] = [10.0, 12.0]  # 1.6 M / 22 s
        faster: dict[str, Any] = copy.deepcopy(self.counts)
        faster["2"]["throughput"]["nodeCpuSeconds"] = [8.0, 8.0]
        lines: list[str] = []
        reportClusterRounds([self.counts, slower, faster], lines.append)
        self.assertEqual(
            lines, ["2 nodes, per node-CPU s vs 1 node: median 0.800 of 3 rounds (0.727 to 1.000)"]
        )


class InstructionsTests(SynchronousTestCase):
    def test_workloadDelivers(self) -> None:
        """
        The traffic C{scripts.bench.instructions} counts reaches every other
        member of the room.
        """
        self.assertEqual(workload(members=5, senders=2, messages=3, rounds=1), 4)
