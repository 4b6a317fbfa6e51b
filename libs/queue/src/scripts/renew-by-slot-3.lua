--[[ renew-by-slot-3: keep every leased batch of one frozen worker slot alive on its behalf (the
node does it while it holds the slot's container paused), found among P:leases by its key prefix
P:batch:<node>:<instance>:[<run>:]. Frozen time does not count toward batch_timeout_s: each
batch's taken time moves forward by frozen_ms (never past now). Creates nothing for a gone batch.
KEYS[1] P:leases   KEYS[2] P:taken   KEYS[3] P:config
ARGV[1] slot prefix (must lie under P:batch:)
ARGV[2] frozen_ms: how long the slot was frozen since the previous call (0 or more)
ARGV[3] default lease_s   ARGV[4] default batch_timeout_s (P:config wins)
Returns {batches, items}: the batches renewed and the items they hold
or {negative code, detail} having written nothing. ]]
-- @include common

local leases, taken, config = KEYS[1], KEYS[2], KEYS[3]
local prefix = ARGV[1]
local frozen_ms = tonumber(ARGV[2])
local batch_prefix = batch_prefix_of(leases)
if string.sub(prefix, 1, #batch_prefix) ~= batch_prefix or #prefix <= #batch_prefix then
  return {E_BAD_ARG, 'slot prefix ' .. prefix}
end
if frozen_ms == nil or frozen_ms < 0 or frozen_ms ~= math.floor(frozen_ms) then
  return {E_BAD_ARG, 'frozen_ms ' .. tostring(ARGV[2])}
end
local err = check_types({{leases, 'zset', E_LEASES}, {taken, 'hash', E_TAKEN}, {config, 'hash', E_CONFIG}})
if err then return err end

local chosen = {}
for _, key in ipairs(redis.call('ZRANGE', leases, 0, -1)) do
  if string.sub(key, 1, #prefix) == prefix then
    if bad_type(key, 'list', E_BATCH) then return {E_BATCH, key} end
    chosen[#chosen + 1] = key
  end
end

local now = now_ms()
local lease_s = config_number(config, 'lease_s', ARGV[3])
local timeout_s = config_number(config, 'batch_timeout_s', ARGV[4])
local batches, items = 0, 0
for _, key in ipairs(chosen) do
  -- LLEN (not EXISTS) so the list's idle time shows it is alive to the orphan scan.
  local len = redis.call('LLEN', key)
  if len > 0 then
    local taken_at = tonumber(redis.call('HGET', taken, key)) or now
    taken_at = math.min(now, taken_at + frozen_ms)
    redis.call('HSET', taken, key, taken_at)
    local deadline = now + lease_s * 1000
    if deadline > taken_at + timeout_s * 1000 then deadline = taken_at + timeout_s * 1000 end
    redis.call('ZADD', leases, deadline, key)
    batches, items = batches + 1, items + len
  end
end
return {batches, items}
