-- Look at, count or take back one failure at one address, on a cluster, where the
-- address's counter sits in a slot of its own (see settle.lua for the single server).
--
-- KEYS[1]  the address's failures for this purpose: a counter that lives one window
-- ARGV[1]  'peek', 'count' or 'uncount'
-- ARGV[2]  address_max_failures    ARGV[3]  address_window_seconds
--
-- Returns {counted, hold before, hold after}: counted is 1 when this call added a
-- failure (only that one may be taken back); a hold is how many ms the address holds
-- back users with strikes (0: it does not), before and after this call.

local key, mode = KEYS[1], ARGV[1]
local max_failures = tonumber(ARGV[2])
local window_ms = tonumber(ARGV[3]) * 1000

if mode == 'uncount' then
  -- The attempt counted ahead turned out to be refused unseen: it never happened.
  if redis.call('DECR', key) <= 0 then
    redis.call('DEL', key)
  end
  return {0, 0, 0}
end

local failures = tonumber(redis.call('GET', key) or 0)
if failures >= max_failures then
  -- Over the limit already: counting further changes nothing anyone can observe, as a
  -- count is only ever compared with the limit, so nothing is written to take back.
  local left = redis.call('PTTL', key)
  return {0, left, left}
end
if mode == 'peek' then
  return {0, 0, 0}
end

failures = redis.call('INCR', key)
local window_left = redis.call('PTTL', key)
if window_left < 0 then
  -- The first failure opens the window; it is never extended, so it is a fixed window.
  redis.call('PEXPIRE', key, window_ms)
  window_left = window_ms
end
if failures >= max_failures then
  return {1, 0, window_left}
end
return {1, 0, 0}
