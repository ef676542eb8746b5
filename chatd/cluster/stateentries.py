# -*- test-case-name: tests.unit.cluster.test_cluster_operstate,tests.unit.cluster.test_cluster_stateentries -*-  # noqa: E501
"""
Each entry of another node's whole state (a user, a room, a room's
settings, a sanction) applied apart from the others.  A state is how a
node learns everything another node holds, once: an entry that fails (a
bug, a value this node cannot take) loses that entry, logged with its
traceback, not the rest of the state, which would otherwise stay unknown
here until the next state.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from twisted.logger import Logger


@contextmanager
def oneEntry(log: Logger, node: str, what: str, **names: Any) -> Iterator[None]:
    """
    Apply, in the block, one entry of C{node}'s state: C{what}, a log
    format of C{names} (C{"the room {room}"}).  If it fails, the failure
    is logged, with its traceback, and the block is left: the caller goes
    on with the next entry.
    """
    try:
        yield
    except Exception:
        log.failure(f"taking {what} from the state of node {{node}}", node=node, **names)
