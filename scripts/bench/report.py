"""
Figures for the benchmark (C{scripts/bench}): the machine's facts, percentiles and the
readable summary.
"""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .layouts import perNode

Result = dict[str, Any]


HEADLINES = {
    "setup s": ("setup", "seconds"),
    "deliveries/s": ("throughput", "deliveriesPerSecond"),
    "deliveries/daemon CPU s": ("throughput", "deliveriesPerDaemonCpuSecond"),
    "deliveries/main thread CPU s": ("throughput", "deliveriesPerMainThreadCpuSecond"),
    "other threads' share of daemon CPU": ("throughput", "otherThreadsShare"),
    "latency p99 ms": ("latency", "deliveryMs", "p99"),
    "daemon CPU ms/message": ("latency", "daemonCpuMsPerMessage"),
    "logins/s": ("logins", "loginsPerSecond"),
    "logins/daemon CPU s": ("logins", "loginsPerDaemonCpuSecond"),
    "bytes/connection": ("memory", "bytesPerConnection"),
}


def percentiles(samples: list[int]) -> dict[str, float]:
    """
    p50, p99 and max of nanosecond samples, in milliseconds.
    """
    if not samples:
        return {}
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1e6, 3)

    return {"p50": at(0.50), "p99": at(0.99), "max": round(ordered[-1] / 1e6, 3)}


def machine() -> Result:
    """
    The facts a reader needs to compare figures.
    """
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = Path("/proc/meminfo").read_text().split()[1]
    import twisted

    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memoryGiB": round(int(memory) / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "twisted": twisted.__version__,
    }


def report(results: Result, out: Callable[[str], object] = print) -> None:
    """
    Print a readable summary of C{results}.
    """
    m = results.get("machine")
    if m is not None:
        out(
            f"machine: {m['cpu']}, {m['cores']} cores, {m['memoryGiB']} GiB, Linux {m['kernel']}, "
            f"Python {m['python']}, Twisted {m['twisted']}; protocol {results['protocol']}"
        )
    if "setup" in results:
        s = results["setup"]
        out(f"(a0) setup: {s['clients']:,} clients registered and joined in {s['seconds']:.2f} s")
    if "throughput" in results:
        t = results["throughput"]
        rate = t.get("ratePerNode")
        paced = f", paced at {rate:,.0f} messages/s per node" if rate else ""
        out(
            f"(a) throughput: {t['deliveriesPerSecond']:,} deliveries/s "
            f"(N={t['clients']}, S={t['senders']}, W={t['window']}{paced}, {t['seconds']} s); "
            f"lost {t['lost']}, errors {t['errors']}, disconnected {t['disconnected']}; "
            f"daemon CPU {t['daemonCpu']:.0%} (main thread {t.get('mainThreadCpu', 0):.0%}), "
            f"generator CPU {t['generatorCpu']:.0%}, "
            f"other processes {t['otherCpu']:.0%}; "
            f"{t['deliveriesPerDaemonCpuSecond']:,} deliveries per daemon CPU second"
        )
        answer = t.get("answerUnderLoadMs") or {}
        out(
            f"    meanwhile an idle client's requests, one after another: "
            f"{t.get('answersUnderLoad', 0):,} answered, p50 {answer.get('p50')} ms, "
            f"p99 {answer.get('p99')} ms, max {answer.get('max')} ms"
        )
    if "latency" in results:
        lat = results["latency"]
        d, last = lat["deliveryMs"], lat["lastRecipientMs"]
        out(
            f"(b) latency, 1 in flight, {lat['messages']} messages: per delivery p50 "
            f"{d.get('p50')} ms, p99 {d.get('p99')} ms, max {d.get('max')} ms; last recipient "
            f"p99 {last.get('p99')} ms; lost {lat['lost']}; daemon CPU {lat['daemonCpu']:.0%} "
            f"({lat['daemonCpuMsPerMessage']} ms per message), "
            f"all processes {lat['busyCores']:.2f} cores busy"
        )
    if "logins" in results:
        lg = results["logins"]
        out(
            f"(c) logins: {lg['loginsPerSecond']:,}/s median of {lg['rounds']} bursts of "
            f"{lg['connections']} (best {lg['bestLoginsPerSecond']:,}/s), "
            f"daemon CPU {lg['daemonCpu']:.0%}; "
            f"{lg['loginsPerDaemonCpuSecond']:,} logins per daemon CPU second"
        )
    for phase, error in results.get("failed", {}).items():
        out(f"phase {phase} FAILED: {error}")
    if "memory" in results:
        mem = results["memory"]
        note = (
            ""
            if mem["connections"] == mem["requested"]
            else (f" (RLIMIT_NOFILE {mem['fileLimit']} allowed only {mem['connections']})")
        )
        size = mem["bytesPerConnection"]
        out(
            f"(d) memory: {size:,} bytes ({size / 1024:.2f} KiB) per idle connection, "
            f"{mem['connections']:,} connections{note}"
        )
        if "answerMs" in mem:
            answer = mem["answerMs"]
            out(
                f"    each then asked once: {mem['answered']:,} answered, p50 "
                f"{answer.get('p50')} ms, p99 {answer.get('p99')} ms, max {answer.get('max')} ms; "
                f"{mem['answeredOver10Ms']:,} over 10 ms"
            )


def _table(rows: dict[str, Result], label: str, out: Callable[[str], object]) -> None:
    """
    The headline figures side by side, one row per server or node count.
    """
    out(
        f"| {label} | setup s | deliveries/s | per daemon CPU s | daemon CPU | generator CPU "
        "| latency p50 / p99 ms | logins/s | bytes/connection |"
    )
    out("|---|---|---|---|---|---|---|---|---|")
    for name, found in rows.items():
        t, lat, lg = found.get("throughput", {}), found.get("latency", {}), found.get("logins", {})
        d = lat.get("deliveryMs", {"p50": "-", "p99": "-"})
        setup = found.get("setup", {}).get("seconds")
        out(
            f"| {name} | {'-' if setup is None else f'{setup:.2f}'} "
            f"| {t.get('deliveriesPerSecond', 0):,} "
            f"| {t.get('deliveriesPerDaemonCpuSecond', 0):,} | {t.get('daemonCpu', 0):.0%} "
            f"| {t.get('generatorCpu', 0):.0%} | {d.get('p50')} / {d.get('p99')} "
            f"| {lg.get('loginsPerSecond', '-')} "
            f"| {found.get('memory', {}).get('bytesPerConnection', '-')} |"
        )


def reportServers(servers: Result, out: Callable[[str], object] = print) -> None:
    """
    IRC servers compared on the same load, in one run.
    """
    _table(servers, "server", out)


def reportCluster(counts: Result, out: Callable[[str], object] = print) -> None:
    """
    Each node count's figures (daemon CPU: all nodes and Redis together).
    """
    for count, found in counts.items():
        out(f"{count} node(s); Redis used {found['redisCpuSeconds']} CPU s:")
        report(found, out)
    _table(counts, "nodes", out)
    reportPerNode(counts, out)


def reportPerNode(counts: Result, out: Callable[[str], object] = print) -> None:
    """
    The cluster's figures per node (L{perNode}), one row per node count.
    """
    rows = perNode(counts)
    if not rows:
        return
    layout = next(iter(counts.values())).get("layout", "one-room")
    out(f"per node, layout {layout} (CPU seconds in the measured window of phase (a)):")
    out(
        "| nodes | deliveries/s | per node /s | node CPU s, each | Redis CPU s "
        "| per node-CPU s | per node vs 1 node | per node-CPU s vs 1 node |"
    )
    out("|---|---|---|---|---|---|---|---|")
    for count, row in rows.items():
        cpu = " / ".join(f"{seconds:.2f}" for seconds in row["nodeCpuSeconds"]) or "-"
        perCpu = row["perNodeCpuSecond"]
        out(
            f"| {count} | {row['deliveriesPerSecond']:,} | {row['perNodePerSecond']:,} | {cpu} "
            f"| {row['redisCpuSeconds']} | {'-' if perCpu is None else f'{perCpu:,}'} "
            f"| {row.get('vsOneNode', '-')} | {row.get('cpuVsOneNode', '-')} |"
        )


def reportClusterRounds(rounds: list[Result], out: Callable[[str], object] = print) -> None:
    """
    Over several rounds of the same node counts (C{--nodes} with
    C{--rounds}), each count's deliveries per node-CPU second against the
    1-node run of its own round: the median, and the spread the shared
    machine gives one comparison.
    """
    ratios: dict[str, list[float]] = {}
    for counts in rounds:
        for count, row in perNode(counts).items():
            if count != "1" and "cpuVsOneNode" in row:
                ratios.setdefault(count, []).append(row["cpuVsOneNode"])
    for count, found in ratios.items():
        out(
            f"{count} nodes, per node-CPU s vs 1 node: median {statistics.median(found):.3f}"
            f" of {len(found)} rounds ({min(found):.3f} to {max(found):.3f})"
        )
