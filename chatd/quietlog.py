# -*- test-case-name: tests.unit.cluster.test_cluster_retries,tests.unit.admin.test_admin_sshlog -*-
"""
Quieter Twisted classes: a L{Logger} to put in place of a class's own
C{_log} that drops the lines chatd says better itself, or that say nothing
an operator can act on, and passes every other one on as before.
"""

from __future__ import annotations

from twisted.logger import ILogObserver, LogEvent, Logger, globalLogPublisher
from zope.interface import provider


def loggerWithout(*beginnings: str) -> Logger:
    """
    A L{Logger} whose events go to the global log publisher unless their
    format begins with one of C{beginnings}.
    """

    @provider(ILogObserver)
    def observe(event: LogEvent) -> None:
        if not str(event.get("log_format") or "").startswith(beginnings):
            globalLogPublisher(event)

    return Logger(observer=observe)
