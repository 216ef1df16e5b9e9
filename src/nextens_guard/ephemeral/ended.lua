-- The logins that ended (logouts), on the Redis server's clock, so every process
-- agrees on when one may be forgotten.
--
-- KEYS[1]  a sorted set: login id -> the second of server time it may be forgotten
-- ARGV[1]  'end' (record ARGV[2]) or 'list' (answer every login not yet forgotten)
-- ARGV[2]  the login id that ended             (for 'end')
-- ARGV[3]  seconds to remember it              (for 'end')
--
-- 'end' also drops what may be forgotten, and lets the whole set expire with its
-- newest member, so the set holds at most the logouts of the last ARGV[3] seconds.

-- Redis 5 and later replicate a script by its effects, so reading TIME before a write
-- is allowed.
local now = tonumber(redis.call('TIME')[1])

if ARGV[1] == 'list' then
  return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
end

local seconds = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + seconds, ARGV[2])
redis.call('EXPIRE', KEYS[1], seconds + 1)
return 1
