# -*- test-case-name: tests.unit.cluster.test_cluster_pack,tests.unit.cluster.test_cluster_runs,tests.unit.cluster.test_cluster_bus -*-  # noqa: E501
"""
The envelopes' text: compact JSON, one envelope per line of a stream entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import Any

import orjson


def dumps(value: Any) -> str:
    """
    JSON without spaces, non-ASCII kept.  C{orjson} encodes an envelope's
    fields ten times faster than the standard library's encoder (0.2
    against 2.2 µs), and decodes them four times faster: on a node whose
    rooms are shared with another, every message pays both.  What it
    refuses (a lone surrogate, which UTF-8 cannot carry, in text the core
    does not check, such as an administrator's notice; an integer past 64
    bits) the standard library encodes, a lone surrogate as C{?}.
    """
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "replace").decode()


#: Envelopes in one stream entry at most: an inbox's length counts entries,
#: so this and L{ENTRY_CHARS} bound its memory; past about twenty, more per
#: entry saves little.
ENTRY_LIMIT = 32

#: Characters of envelopes in one stream entry at most (an envelope longer
#: than that goes alone): a run of room messages is one envelope
#: (L{chatd.cluster.bus.Bus.publishRun}), so counting envelopes alone would
#: not bound an entry.
ENTRY_CHARS = 8192

#: One envelope on its way to one node: (publication order, receiving node,
#: kind, text, envelope), where envelope is the order of the envelope's first
#: entry: the entries of one envelope for several nodes share it.
Entry = tuple[int, str, str, str, int]

#: A kind's JSON text: a handful of kinds, one for every envelope.
kindJSON = lru_cache(maxsize=64)(dumps)


def encode(node: str, seq: int, kind: str, fields: dict[str, Any]) -> str:
    """
    The wire form of one envelope.  L{chatd.cluster.bus.Bus} builds the
    same text by splicing each receiver's number into fields encoded once;
    this is the form it must equal, and how a test writes another node's
    envelope.
    """
    return dumps({"n": node, "q": seq, "k": kind, **fields})


def pack(chunk: list[Entry], inbox: Callable[[str], str]) -> list[tuple[str, str]]:
    """
    The stream entries for C{chunk}: one per receiving node (or per
    L{ENTRY_LIMIT} envelopes or L{ENTRY_CHARS} characters of them), its
    envelopes in order, one per line, with the inbox (C{inbox(node)}) it
    goes to.  Entries for different nodes go to different streams, so their
    order among themselves does not matter.
    """
    entries: list[tuple[str, str]] = []
    pending: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    for _, node, _, text, _ in chunk:
        lines = pending.get(node)
        if lines is not None and (
            len(lines) == ENTRY_LIMIT or sizes[node] + len(text) > ENTRY_CHARS
        ):  # full: this one starts the node's next entry
            entries.append((inbox(node), "\n".join(lines)))
            lines = None
        if lines is None:
            lines = pending[node] = []
            sizes[node] = 0
        lines.append(text)
        sizes[node] += len(text) + 1
    entries += [(inbox(node), "\n".join(lines)) for node, lines in pending.items()]
    return entries


def batches(entries: list[Entry], limit: int) -> Iterator[list[Entry]]:
    """
    C{entries} in commands of at most C{limit}, split only between
    envelopes: an envelope for several nodes (a kick, for every inbox) goes
    to all of them in one script, so no node can read it, and answer it
    through another inbox, before the others have it.  An envelope for
    more than C{limit} nodes goes whole, in a command of its own.
    """
    batch: list[Entry] = []
    for _, envelope in groupby(entries, key=itemgetter(4)):
        parts = list(envelope)
        if batch and len(batch) + len(parts) > limit:
            yield batch
            batch = []
        batch += parts
    if batch:
        yield batch


def unpack(entry: str) -> list[Any]:
    """
    The envelopes of one stream entry, one per line, decoded (C{None} for a
    line that is not JSON).

    The whole entry is decoded in one C{orjson.loads}, as one array: per
    envelope that costs about half of one call per line (one call's
    overhead, and the decoder shares the repeated keys' strings).  A bad
    line fails the whole array, so the entry is then decoded line by line,
    and the other lines are kept.
    """
    lines = entry.count("\n") + 1
    if lines == 1:  # a quiet turn's one envelope: no array to build
        return [loadsOrNone(entry)]
    try:
        envelopes = orjson.loads("[" + entry.replace("\n", ",") + "]")
    except ValueError:
        pass
    else:
        if len(envelopes) == lines:  # else lines that only parse together
            return envelopes  # type: ignore[no-any-return]
    return [loadsOrNone(line) for line in entry.split("\n")]


def loadsOrNone(line: str) -> Any:
    try:
        return orjson.loads(line)
    except ValueError:
        return None
