"""
Cluster mode: several chatd processes serve one chat through Redis.

Only imported when C{--cluster} is given.  L{chatd.cluster.redis} keeps the
link to Redis up, L{chatd.cluster.bus} carries events between nodes and
L{chatd.cluster.presence} holds heartbeats and nickname claims.
"""
