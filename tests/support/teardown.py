"""
The end of an end-to-end test, however it ends: what it started is closed
(the programs and clients, then the daemon), and on a failure what each
program showed is printed first, for pytest's report.
"""

from __future__ import annotations

from inspect import isawaitable
from types import TracebackType
from typing import Protocol, TypeVar

from tests.support.daemon import Daemon


class Closeable(Protocol):
    def close(self) -> object:
        """
        Stop, or start stopping and return an awaitable.
        """


_Kept = TypeVar("_Kept", bound=Closeable)


class Teardown:
    """
    C{async with Teardown(daemon) as ending:} then C{ending.keep(client)}
    for each client or program the test starts.  At the end each kept one
    is closed, the last kept first (a C{close()} that returns an awaitable
    is awaited), then the daemon stopped.  If the test failed, the
    C{report()} of each kept one that has one is printed before.
    """

    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon
        self.kept: list[Closeable] = []

    def keep(self, thing: _Kept) -> _Kept:
        """
        Close C{thing} at the end; return it.
        """
        self.kept.append(thing)
        return thing

    async def __aenter__(self) -> Teardown:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if error is not None:
                for thing in self.kept:
                    report = getattr(thing, "report", None)
                    if report is not None:
                        print(report())
            for thing in reversed(self.kept):
                closing = thing.close()
                if isawaitable(closing):
                    await closing
        finally:
            self.daemon.stop()
