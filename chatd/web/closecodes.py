# -*- test-case-name: tests.unit.web.test_web_admit,tests.unit.web.test_web_forwarded -*-
"""
The WebSocket close codes chatd sends (RFC 6455 section 7.4.1), and the one
rule for closing a connection the service or an admission limit turned away:
both web endpoints (C{/ws}, and IRC over C{/socket}) close it the same way,
so a browser client backs off alike whichever it speaks.
"""

from __future__ import annotations

from chatd.core.errors import ChatError, ServerFull

CLOSE_NORMAL, CLOSE_GOING_AWAY, CLOSE_POLICY, CLOSE_TOO_BIG, CLOSE_TRY_LATER = (
    1000,
    1001,
    1008,
    1009,
    1013,
)


def refusalClose(refusal: ChatError) -> tuple[int, str]:
    """
    The close code and reason of a connection refused for C{refusal}:
    1013 (try again later) when waiting helps (the server full, too many
    connections from the address), else 1008 (policy: a banned address).
    """
    if isinstance(refusal, ServerFull):
        return CLOSE_TRY_LATER, "refused: server full"
    if refusal.temporary:
        return CLOSE_TRY_LATER, f"refused: {refusal.text}"
    return CLOSE_POLICY, f"refused: {refusal.text}"
