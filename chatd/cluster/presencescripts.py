# -*- test-case-name: tests.unit.cluster.test_cluster_presence -*-
"""
The Lua scripts a node's presence runs in Redis: each is one atomic step,
so two nodes never interleave inside a heartbeat, a discovery or a release.
"""

#: Renew this node's key (holding this beat's stamp, ARGV[4]:
#: L{chatd.cluster.beats.stamp}), its place in the registry of nodes, its
#: inbox's expiry and its users' claims; return the 1-based indexes of the
#: claims another node holds now.
HEARTBEAT = """
redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
local lost = {}
for i = 4, #KEYS do
  local holder = redis.call('GET', KEYS[i])
  if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
  elseif not holder then
    redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
  else
    table.insert(lost, i - 3)
  end
end
return lost
"""

#: The nodes of the registry (KEYS[1]) whose key (ARGV[1] .. id) exists;
#: the others are taken out of it (a node put back at its next beat).
DISCOVER = """
local alive = {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. node) == 1 then
    table.insert(alive, node)
  else
    redis.call('SREM', KEYS[1], node)
  end
end
return alive
"""

#: Delete a claim only if this node still holds it.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

#: Extend a claim (KEYS[1]) to ARGV[2] ms if this node (ARGV[1]) holds it,
#: or take it again if it expired; 0 if another node holds it now.
RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

#: A node's key (KEYS[1]): the stamp of its last beat and what is left of
#: its life (ms), read at once; nil when it is gone.
LAST_BEAT = """
local stamp = redis.call('GET', KEYS[1])
if not stamp then
  return nil
end
return {stamp, redis.call('PTTL', KEYS[1])}
"""
