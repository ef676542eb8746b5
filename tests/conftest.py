"""
Shared pytest set-up: every test must leave the global reactor as it found it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def noLeftoverDelayedCalls() -> Iterator[None]:
    """
    Fail the test that leaves a DelayedCall behind, not the next one.
    """
    from twisted.internet import reactor  # not at module top: --reactor decides

    before = set(reactor.getDelayedCalls())
    yield
    leftover = [call for call in reactor.getDelayedCalls() if call not in before and call.active()]
    for call in leftover:
        call.cancel()
    assert not leftover, f"test left DelayedCalls behind: {leftover!r}"
