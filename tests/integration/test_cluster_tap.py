"""
C{--cluster}: off by default (and then nothing of the cluster is imported),
checked when given, and wiring a L{ClusterNode} to the chat service.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from twisted.application.service import IServiceCollection
from twisted.internet.testing import MemoryReactorClock
from twisted.python.usage import UsageError

from chatd.options import Options
from chatd.tap import makeService
from tests.support.daemon import ROOT


def parse(*args: str) -> Options:
    options = Options()
    options.parseOptions(list(args))
    return options


def test_offByDefault(tmp_path: Path) -> None:
    """
    Without C{--cluster} no cluster module nor Redis client is imported.
    """
    script = (
        "import sys\n"
        "from twisted.internet.testing import MemoryReactorClock\n"
        "from chatd.tap import Options, makeService\n"
        "o = Options()\n"
        f"o.parseOptions(['--port', 'tcp:0', '--talk', '', '--data-dir', {str(tmp_path)!r}])\n"
        "makeService(o, MemoryReactorClock())\n"
        "print(sorted(m for m in sys.modules if 'redis' in m or m.startswith('chatd.cluster')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_badURL() -> None:
    """
    A C{--cluster} value that is not a redis:// URL is a usage error.
    """
    with pytest.raises(UsageError):
        parse("--cluster", "localhost:6379")


def test_sharedDatabase(tmp_path: Path) -> None:
    """
    Cluster nodes may share a database: with C{--db} the bridge announces
    and applies changes to what the nodes cache from it (and only then).
    """
    from chatd.cluster.node import ClusterNode

    for db, shared in (("postgresql://chat@127.0.0.1:1/chat", True), (None, False)):
        args = ["--port", "tcp:0", "--talk", "", "--web", "", "--cluster", "redis://127.0.0.1/0"]
        args += ["--data-dir", str(tmp_path / (db and "shared" or "own"))]
        top = makeService(parse(*args, *(["--db", db] if db else [])), MemoryReactorClock())
        assert IServiceCollection.providedBy(top)
        [node] = [s for s in top if isinstance(s, ClusterNode)]
        persistence = node.bridge.service.persistence
        assert persistence is not None
        assert (node.bridge.sharedStore, persistence.sharedStore) == (shared, shared)
        assert (persistence.onChange == node.bridge.publishStored) is shared


def test_clusterNodeWired() -> None:
    """
    With C{--cluster} the service tree holds a cluster node whose bridge
    observes the chat service.
    """
    from chatd.cluster.node import ClusterNode

    top = makeService(
        parse("--port", "tcp:0", "--talk", "", "--web", "", "--cluster", "redis://127.0.0.1:1/2"),
        MemoryReactorClock(),
    )
    assert IServiceCollection.providedBy(top)
    [node] = [s for s in top if isinstance(s, ClusterNode)]
    assert node.bridge.service.observer is node.bridge
    assert node.link.stream == f"chatd:2:inbox:{node.nodeId}"


def test_joinsOnceTheStoreIsLoaded() -> None:
    """
    A node starts its Redis link only once its own store is loaded, so
    another node's news about a room never meets a blank room that loading
    then measures itself against (an approval room would lose its mode).
    """
    from twisted.internet.defer import Deferred

    from chatd.cluster.node import ClusterNode
    from chatd.core.service import ChatService
    from chatd.storage.memory import MemoryChatStore

    class SlowStore(MemoryChatStore):
        def __init__(self) -> None:
            super().__init__()
            self.pending: Deferred[object] = Deferred()

        def load(self) -> Deferred:  # type: ignore[type-arg]
            loaded = super().load()
            return self.pending.addCallback(lambda _: loaded)

    reactor = MemoryReactorClock()
    store = SlowStore()
    service = ChatService(reactor, store=store)
    node = ClusterNode(service, "redis://127.0.0.1:1/0", reactor, nodeId="slow")
    service.startService()
    node.startService()
    try:
        assert node.link.parent is None and not reactor.tcpClients
        store.pending.callback(None)
        assert node.link.parent is node and node.link.running
    finally:
        node.stopService()
        service.stopService()
