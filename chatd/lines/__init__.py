"""
What chatd's connection-oriented front-ends share below the chat service.

L{chatd.lines.lineproto} frames, decodes and limits the line protocols (TCHAT,
talk, IRC); L{chatd.lines.outbox} batches output and caps slow readers;
L{chatd.lines.idle} keeps every connection's liveness deadline behind one
timer; L{chatd.lines.throttle} says how long a throttled client's lines may
wait, behind the domain's one token bucket (L{chatd.core.tokenbucket}).
"""
