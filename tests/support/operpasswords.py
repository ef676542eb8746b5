"""
The administrators' passwords IRC's C{OPER} is checked against, in tests:
one administrator, C{operuser}, password C{operpassword}.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from twisted.internet.defer import succeed
from twisted.internet.interfaces import IReactorTime
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.credentials import AdminChecker, setPassword, verify


def operChecker(test: SynchronousTestCase, clock: IReactorTime) -> AdminChecker:
    """
    A checker of C{OPER operuser operpassword}, its file in a directory of
    its own outside the checkout (removed after C{test}), its hash checked
    at once (the daemon checks it in a thread).
    """
    directory = tempfile.mkdtemp(prefix="chatd-oper-")
    test.addCleanup(shutil.rmtree, directory)
    path = Path(directory) / "admin-passwords"
    setPassword(path, "operuser", "operpassword")

    def check(*args: Any) -> Any:
        return succeed(verify(*args))

    return AdminChecker(path, clock, verifier=check)
