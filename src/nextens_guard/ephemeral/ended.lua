-- What was revoked: logins that ended (logouts) and users' raised generation floors
-- (resets, recoveries, "log out everywhere", deactivations), on the Redis server's
-- clock, so every process agrees on when one may be forgotten.
--
-- KEYS[1]  a sorted set: member -> the second of server time it may be forgotten
-- ARGV[1]  'end' (record ARGV[3..]) or 'list' (answer every member not yet forgotten)
-- ARGV[2]  seconds to remember them           (for 'end')
-- ARGV[3..] the members: a login id, or 'floor:<generation>:<user id>'
--
-- 'end' also drops what may be forgotten, and lets the whole set expire with its
-- newest member, so the set holds at most what was revoked in the last ARGV[2] seconds.

-- Redis 5 and later replicate a script by its effects, so reading TIME before a write
-- is allowed.
local now = tonumber(redis.call('TIME')[1])

if ARGV[1] == 'list' then
  return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
end

local seconds = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 3, #ARGV do
  redis.call('ZADD', KEYS[1], now + seconds, ARGV[i])
end
redis.call('EXPIRE', KEYS[1], seconds + 1)
return 1
