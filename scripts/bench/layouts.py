# -*- test-case-name: tests.unit.test_bench -*-
"""
Room layouts (C{--layout}): which node and which room each of the N clients
of phases (a) and (b) gets, and the per-node figures of a cluster run.

The same clients, rooms and senders for every node count: client C{i} is
in room C{i mod R} (C{--rooms} R), so the rooms' sizes, the fan-out of a
message and the senders (the first S clients: every room has some) do not
depend on the nodes; only where the members sit does.

  - C{one-room}: every client in one room, dealt over the nodes in turn:
    with two or more nodes nearly every message crosses Redis.
  - C{local}: room C{r} entirely on node C{r mod nodes}.
  - C{pairs}: the even rooms entirely on one node, the odd rooms' members
    alternately on two neighbouring nodes, the rooms' home nodes taken in
    turn.

With one node every layout puts everyone on it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

ROOM = "lobby"
LAYOUTS = ("one-room", "local", "pairs")

#: A client's place: the index of its node and the name of its room.
Seat = tuple[int, str]
Result = dict[str, Any]


def roomName(index: int) -> str:
    return f"room{index}"


def deal(layout: str, clients: int, nodes: int, rooms: int) -> list[Seat]:
    """
    The seat of each of C{clients} clients, in client order, over C{nodes}
    nodes and (but for C{one-room}) C{rooms} rooms.
    """
    if layout == "one-room":
        return [(i % nodes, ROOM) for i in range(clients)]
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    seats = []
    for i in range(clients):
        room, ordinal = i % rooms, i // rooms
        if layout == "local":
            node = room % nodes
        else:  # pairs: room 2k on node k, room 2k + 1 on nodes k and k + 1
            home = (room // 2) % nodes
            node = home if room % 2 == 0 or ordinal % 2 == 0 else (home + 1) % nodes
        seats.append((node, roomName(room)))
    return seats


def spread(seats: list[Seat]) -> dict[str, tuple[list[int], int]]:
    """
    Each room's nodes with members (in order) and its number of members.
    """
    nodes: dict[str, set[int]] = {}
    for node, room in seats:
        nodes.setdefault(room, set()).add(node)
    sizes = Counter(room for _, room in seats)
    return {room: (sorted(held), sizes[room]) for room, held in nodes.items()}


def fanouts(rooms: list[str], perMessage: int) -> list[int]:
    """
    Deliveries one message makes, by the client in C{rooms}' order who
    sends it: one per other member of its room (C{perMessage} each).
    """
    sizes = Counter(rooms)
    return [(sizes[room] - 1) * perMessage for room in rooms]


def perNode(counts: Result) -> dict[str, Result]:
    """
    Per node count, the figures the cluster's done condition compares: total
    deliveries/s, the same per node, each node's CPU seconds in the measured
    window (Redis's apart), deliveries per node-CPU second (Redis not
    counted) and the per-node rates as a ratio of the 1-node run's.
    """
    rows: dict[str, Result] = {}
    for count, found in counts.items():
        t = found.get("throughput")
        if not t or not t.get("seconds"):
            continue
        nodes = int(found.get("nodes", count))
        delivered = t["deliveriesPerSecond"] * t["seconds"]
        cpu = t.get("nodeCpuSeconds") or []
        rows[count] = {
            "deliveriesPerSecond": t["deliveriesPerSecond"],
            "perNodePerSecond": round(t["deliveriesPerSecond"] / nodes),
            "nodeCpuSeconds": cpu,
            "redisCpuSeconds": t.get("redisCpuSecondsMeasured"),
            "perNodeCpuSecond": round(delivered / sum(cpu)) if sum(cpu) else None,
        }
    base = rows.get("1")
    for row in rows.values():
        for key, ratio in (("perNodePerSecond", "vsOneNode"), ("perNodeCpuSecond", "cpuVsOneNode")):
            if base and base[key] and row[key] is not None:
                row[ratio] = round(row[key] / base[key], 3)
    return rows
