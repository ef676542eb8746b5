"""
Before/after ratios (C{--compare}, C{--history-cost}): the phases on two
daemons in alternation, so both see the same machine noise.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Any

from .phases import Bench, runPhases
from .report import HEADLINES, Result, report


def compare(args: argparse.Namespace, workdir: Path, run: list[str]) -> Result:
    """
    Run the phases on C{--root} and C{--compare} in alternation, C{--rounds}
    times each, so both see the same machine noise; print the medians and
    their ratio (root / compare).  With C{--history-cost} the second is the
    same checkout with room messages not stored.
    """
    if args.history_cost:
        roots = {"history on": (args.root, False), "history off": (args.root, True)}
    else:
        roots = {"root": (args.root, False), "compare": (args.compare, False)}
    seen: dict[str, dict[str, list[float]]] = {name: {} for name in roots}
    for round_ in range(args.rounds):
        for name, (root, unstored) in roots.items():
            results = runPhases(Bench(args, workdir, root, unstored=unstored), run)
            print(f"round {round_ + 1}, {name} ({root}):")
            report(results)
            for headline, path in HEADLINES.items():
                value: Any = results
                for step in path:
                    value = value.get(step) if isinstance(value, dict) else None
                if value is not None:
                    seen[name].setdefault(headline, []).append(float(value))
    summary: Result = {}
    mine, theirs = roots
    for headline in HEADLINES:
        a_, b_ = seen[mine].get(headline), seen[theirs].get(headline)
        if a_ and b_:
            a, b = statistics.median(a_), statistics.median(b_)
            ratio = round(a / b, 3) if b else None  # a share can be nought
            summary[headline] = {mine: a, theirs: b, "ratio": ratio}
            print(
                f"{headline}: {a:,.3f} vs {b:,.3f} (median of {args.rounds})"
                + ("" if ratio is None else f": ratio {ratio:.3f}")
            )
    perCPU = summary.get("deliveries/daemon CPU s")
    perMain = summary.get("deliveries/main thread CPU s")
    others = summary.get("other threads' share of daemon CPU")
    if args.history_cost and perCPU and perMain and others:
        print(
            f"storing history costs {100 * (1 - perCPU['ratio']):.1f} % of the deliveries"
            f" per daemon CPU second: the writer thread takes"
            f" {100 * (others[mine] - others[theirs]):.1f} % of the daemon's CPU, and the main"
            f" thread alone delivers {abs(100 * (1 - perMain['ratio'])):.1f} %"
            f" {'less' if perMain['ratio'] < 1 else 'more'} per CPU second"
        )
    return {"roots": {name: str(root) for name, (root, _) in roots.items()}, "medians": summary}
