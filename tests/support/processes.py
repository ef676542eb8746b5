"""
Process ids for the tests of a lock that names its holder's process.
"""

from __future__ import annotations

import os
import subprocess
import sys


def goneProcess() -> int:
    """
    The id of a process that has ended: a daemon killed with C{kill -9}.
    """
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


def runningProcess() -> int:
    """
    The id of another process that runs as long as the tests do (their
    parent): a daemon that runs.
    """
    return os.getppid()
