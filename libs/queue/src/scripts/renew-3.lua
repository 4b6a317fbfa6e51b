--[[ renew-3: extend a live batch's lease (SPEC §4 renew). Creates nothing for a gone batch.
KEYS[1] P:leases   KEYS[2] P:taken   KEYS[3] P:config
ARGV[1] batch key
ARGV[2] default lease_s   ARGV[3] default batch_timeout_s (P:config wins)
Returns {1, lease_ms}: lease set to now + lease_s but never beyond taken + batch_timeout_s
        (lease_ms, from now, may then be 0 or less: the batch is past its timeout)
        {0, 0}: the batch list is gone (acked, requeued or handed back): nothing created
or {negative code, detail}. ]]
-- @include common

local leases, taken, config = KEYS[1], KEYS[2], KEYS[3]
local batch_key = ARGV[1]
local batch_prefix = batch_prefix_of(leases)
local err = check_batch_key(batch_prefix, batch_key)
if err then return err end
err = check_types({{leases, 'zset', E_LEASES}, {taken, 'hash', E_TAKEN}, {config, 'hash', E_CONFIG}})
if err then return err end
-- LLEN (not EXISTS) so the list's idle time shows it is alive to the orphan scan.
if redis.call('LLEN', batch_key) == 0 then return {0, 0} end
local now = now_ms()
local lease_s = config_number(config, 'lease_s', ARGV[2])
local timeout_s = config_number(config, 'batch_timeout_s', ARGV[3])
local taken_at = tonumber(redis.call('HGET', taken, batch_key))
if taken_at == nil then
  taken_at = now
  redis.call('HSET', taken, batch_key, now)
end
local deadline = now + lease_s * 1000
if deadline > taken_at + timeout_s * 1000 then deadline = taken_at + timeout_s * 1000 end
redis.call('ZADD', leases, deadline, batch_key)
return {1, deadline - now}
