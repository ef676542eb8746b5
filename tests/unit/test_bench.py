"""
Tests for the benchmark package's command line and figures
(C{scripts/bench}): C{--quick} shortens only what was not given, bad
combinations are refused, and percentiles read as documented.  The load
itself is exercised by C{tests/integration/test_loadgen.py} and by running the bench.
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr

from twisted.trial.unittest import SynchronousTestCase

from scripts.bench.__main__ import parse
from scripts.bench.harness import PHASES
from scripts.bench.report import percentiles, reportServers


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

    def test_serversNeedIrc(self) -> None:
        """
        Other servers speak only IRC: C{--servers ngircd} over TCHAT is refused.
        """
        with redirect_stderr(io.StringIO()) as err:
            self.assertRaises(SystemExit, parse, ["--servers", "chatd,ngircd"])
        self.assertIn("--protocol irc", err.getvalue())
        args = parse(["--protocol", "irc", "--servers", "chatd,ngircd", "--nodes", "1,3"])
        self.assertEqual((args.servers, args.nodes), (["chatd", "ngircd"], [1, 3]))


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
