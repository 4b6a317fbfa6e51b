--[[ stats-6: one snapshot of a queue's figures (SPEC §4 stats).
KEYS[1] Q  KEYS[2] P:leases  KEYS[3] P:retry  KEYS[4] P:dead  KEYS[5] P:stats  KEYS[6] P:config
ARGV none
Returns {input, retry, in_flight, batches, dead, processed, requeued, last_reap_ms, now_ms,
         expired, config, nodes}
  in_flight: items in leased batches; batches: leased batch keys (waiting keys included);
  expired: leases past their deadline; config: flat {field, value, ...} of P:config;
  nodes: flat {node id, processed, ...}
or {negative code, detail}. ]]
-- @include common

local input, leases, retry, dead, stats, config = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local err = check_types({{input, 'list', E_INPUT}, {leases, 'zset', E_LEASES}, {retry, 'list', E_RETRY},
  {dead, 'list', E_DEAD}, {stats, 'hash', E_STATS}, {config, 'hash', E_CONFIG}})
if err then return err end
local now = now_ms()
local in_flight, batches = 0, 0
for _, key in ipairs(redis.call('ZRANGE', leases, 0, -1)) do
  batches = batches + 1
  if redis.call('TYPE', key)['ok'] == 'list' then in_flight = in_flight + redis.call('LLEN', key) end
end
local nodes = {}
local flat = redis.call('HGETALL', stats)
local processed, requeued, last_reap = 0, 0, 0
for i = 1, #flat, 2 do
  local f, v = flat[i], flat[i + 1]
  if f == 'processed' then processed = tonumber(v)
  elseif f == 'requeued' then requeued = tonumber(v)
  elseif f == 'last_reap_ms' then last_reap = tonumber(v)
  elseif string.sub(f, 1, 5) == 'node:' then
    nodes[#nodes + 1] = string.sub(f, 6)
    nodes[#nodes + 1] = v
  end
end
return {redis.call('LLEN', input), redis.call('LLEN', retry), in_flight, batches, redis.call('LLEN', dead),
  processed, requeued, last_reap, now, redis.call('ZCOUNT', leases, '-inf', now), redis.call('HGETALL', config), nodes}
