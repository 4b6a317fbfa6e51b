--[[ reap-8: requeue leases past their deadline (the hub's cleanup). Each expired batch with
items is requeued with an attempt per item, its items' cause recorded in P:causes (hung past
batch_timeout_s, or a lease nobody renewed); an expired empty batch only loses its lease and
taken (housekeeping, not counted as a reap).
KEYS[1] P:leases KEYS[2] P:taken KEYS[3] P:retry KEYS[4] P:attempts KEYS[5] P:dead
KEYS[6] P:stats  KEYS[7] P:config KEYS[8] P:causes
ARGV[1] at most this many expired leases per call (1..1000)
ARGV[2] default max_attempts   ARGV[3] default batch_timeout_s (P:config wins)
Returns {batches, items, dead, dropped, more}: dropped = empty leases removed; more = 1 when
expired leases remain (call again)
or {negative code, detail} having written nothing. ]]
-- @include common
-- @include heal

local k = requeue_keys()
local limit = tonumber(ARGV[1])
if limit == nil or limit < 1 or limit > 1000 then return {E_BAD_ARG, 'limit ' .. tostring(ARGV[1])} end
local err = check_requeue_keys(k)
if err then return err end

local now = now_ms()
local max_attempts = config_number(k.config, 'max_attempts', ARGV[2])
local batch_timeout_s = config_number(k.config, 'batch_timeout_s', ARGV[3] or 600)
local expired = redis.call('ZRANGEBYSCORE', k.leases, '-inf', now, 'LIMIT', 0, limit)
local batches, items, dead, dropped = heal_expired(k, expired, max_attempts, now, batch_timeout_s)
local more = 0
if redis.call('ZCOUNT', k.leases, '-inf', now) > 0 then more = 1 end
return {batches, items, dead, dropped, more}
