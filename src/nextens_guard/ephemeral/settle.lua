-- Look at or settle one attempt for one user, atomically, on the Redis server's clock.
--
-- Every process runs the same script against the same keys, so parallel attempts are
-- counted one after another and a limit is never passed; using the server's TIME
-- means processes whose clocks disagree still agree on when a lockout ends.
--
-- The user's keys share one hash tag, so they always sit in one cluster slot. The
-- address's failures are shared by every user behind that address and sit in a slot
-- of their own. On a single server (ARGV[12] = 'here') this script reads and counts
-- the address too. On a cluster the address key lives elsewhere: address.lua counts
-- it, and this script gets the address's verdict from the caller (see redis.py).
--
-- KEYS[1]  the user's failures for this purpose: a hash with
--          n            consecutive failures
--          locked_until end of the current lockout, in ms of server time
-- KEYS[2]  the last TOTP step this user had accepted (shared by every purpose)
-- KEYS[3]  the future TOTP steps burned for this user: a set (shared by every purpose)
-- KEYS[4]  the address's failures for this purpose, a counter that lives one window;
--          only when ARGV[12] is 'here'
-- ARGV[1]  'peek' (only report the wait), 'right' or 'wrong'
-- ARGV[2]  the TOTP step a right code matched; '' when the attempt is not a code
-- ARGV[3]  the future TOTP step a wrong code matched, to burn; '' when none
-- ARGV[4]  max_failures            ARGV[5]  lockout_seconds
-- ARGV[6]  lockout_max_seconds     ARGV[7]  address_max_failures
-- ARGV[8]  address_window_seconds  ARGV[9]  failure_memory_seconds
-- ARGV[10] seconds to remember the last accepted step and the burned steps
-- ARGV[11] address_strikes: the user's own consecutive failures before the address
--          limit holds them back
-- ARGV[12] the address: 'here' (KEYS[4]); 'unknown'; or the ms for which the address
--          holds back users with strikes ('0': it does not)
--
-- Returns {outcome, seconds to wait, the user's consecutive failures}; outcome is
-- 'accepted', 'rejected', 'replayed', 'locked', 'open' for a peek at a user and address
-- that may try now, or 'ask' when the address is 'unknown' and its verdict would decide:
-- nothing was written then, and the caller asks again with the verdict. With the
-- address elsewhere, the wait is the user's own; a failure is counted at the address
-- by the caller, which adds the address's wait.

local user_key, step_key, burn_key = KEYS[1], KEYS[2], KEYS[3]
local mode, step, burn = ARGV[1], ARGV[2], ARGV[3]
local max_failures = tonumber(ARGV[4])
local lockout_ms = tonumber(ARGV[5]) * 1000
local lockout_max_ms = tonumber(ARGV[6]) * 1000
local address_max_failures = tonumber(ARGV[7])
local address_window_ms = tonumber(ARGV[8]) * 1000
local failure_memory_ms = tonumber(ARGV[9]) * 1000
local step_ttl_seconds = ARGV[10]
local address_strikes = tonumber(ARGV[11])
local address = ARGV[12]
local address_key = KEYS[4]

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- Rounded up, so a client that waits exactly this long is never a moment early.
local function whole_seconds(ms)
  return math.max(1, math.ceil(ms / 1000))
end

-- How long the address holds back users with strikes, before this attempt (0: not).
local function address_hold()
  if address ~= 'here' then
    return tonumber(address)
  end
  if tonumber(redis.call('GET', address_key) or 0) >= address_max_failures then
    return redis.call('PTTL', address_key)
  end
  return 0
end

local wait = 0
local user = redis.call('HMGET', user_key, 'n', 'locked_until')
local strikes = tonumber(user[1] or 0)
local locked_until = tonumber(user[2] or 0)
if locked_until > now then
  wait = locked_until - now
end
-- The address limit holds back only a user who has failed often enough themselves, so
-- colleagues behind one office address are not locked out by one person's failures.
if strikes >= address_strikes then
  if address == 'unknown' then
    if wait > 0 then
      -- Refused either way; the caller lengthens the wait by the address's if need be.
      return {'locked', whole_seconds(wait), strikes}
    end
    return {'ask', 0, strikes}
  end
  wait = math.max(wait, address_hold())
end
if wait > 0 then
  return {'locked', whole_seconds(wait), strikes}
end
if mode == 'peek' then
  return {'open', 0, strikes}
end

local outcome = 'rejected'
if mode == 'right' then
  local fresh = step == ''
  if not fresh then
    local last = redis.call('GET', step_key)
    fresh = (not last or tonumber(step) > tonumber(last))
      and redis.call('SISMEMBER', burn_key, step) == 0
  end
  if fresh then
    if step ~= '' then
      redis.call('SET', step_key, step, 'EX', step_ttl_seconds)
    end
    redis.call('DEL', user_key)
    return {'accepted', 0, 0}
  end
  outcome = 'replayed'
elseif burn ~= '' then
  -- A future step this wrong code matched: the drift hint has told whoever typed it
  -- that it will be right, so it must never be accepted when its time comes.
  redis.call('SADD', burn_key, burn)
  redis.call('EXPIRE', burn_key, step_ttl_seconds)
end

-- A failure: the user's consecutive count and the address's window count both grow.
local failures = redis.call('HINCRBY', user_key, 'n', 1)
local lock_ms = 0
if failures >= max_failures then
  -- Limits.lockout_for: the wait doubles with every failure past the limit, up to the cap.
  local doublings = math.min(failures - max_failures, 30)
  lock_ms = math.min(lockout_ms * 2 ^ doublings, lockout_max_ms)
  redis.call('HSET', user_key, 'locked_until', now + lock_ms)
end
-- A lockout longer than the failure memory must not be forgotten before it ends.
redis.call('PEXPIRE', user_key, math.max(failure_memory_ms, lock_ms))

if address == 'here' then
  local address_failures = redis.call('INCR', address_key)
  local window_left = redis.call('PTTL', address_key)
  if window_left < 0 then
    -- The first failure opens the window; it is never extended, so it is a fixed window.
    redis.call('PEXPIRE', address_key, address_window_ms)
    window_left = address_window_ms
  end
  if address_failures >= address_max_failures and failures >= address_strikes then
    lock_ms = math.max(lock_ms, window_left)
  end
end

if lock_ms > 0 then
  return {outcome, whole_seconds(lock_ms), failures}
end
return {outcome, 0, failures}
