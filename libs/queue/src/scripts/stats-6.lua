--[[ stats-6: one snapshot of a queue's figures (SPEC §4 stats).
KEYS[1] Q  KEYS[2] P:leases  KEYS[3] P:retry  KEYS[4] P:dead  KEYS[5] P:stats  KEYS[6] P:config
ARGV[1..] node ids whose processed counts to report (at most 1000; none: no per-node figures)
Returns {input, retry, in_flight, batches, dead, processed, requeued, last_reap_ms, now_ms,
         expired, config, nodes}
  in_flight: items in leased batches; batches: leased batch keys (waiting keys included);
  expired: leases past their deadline; config: flat {field, value, ...} of P:config;
  nodes: flat {node id, processed, ...} of the asked ids that have a count
or {negative code, detail}.
P:stats is read by field, never whole: workers may write any number of node:* fields into it. ]]
-- @include common

local input, leases, retry, dead, stats, config = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local err = check_types({{input, 'list', E_INPUT}, {leases, 'zset', E_LEASES}, {retry, 'list', E_RETRY},
  {dead, 'list', E_DEAD}, {stats, 'hash', E_STATS}, {config, 'hash', E_CONFIG}})
if err then return err end
if #ARGV > MAX_ITEMS then return {E_TOO_MANY, #ARGV} end
local now = now_ms()
local in_flight, batches = 0, 0
for _, key in ipairs(redis.call('ZRANGE', leases, 0, -1)) do
  batches = batches + 1
  if redis.call('TYPE', key)['ok'] == 'list' then in_flight = in_flight + redis.call('LLEN', key) end
end
local totals = redis.call('HMGET', stats, 'processed', 'requeued', 'last_reap_ms')
local nodes = {}
if #ARGV > 0 then
  local fields = {}
  for i, id in ipairs(ARGV) do fields[i] = 'node:' .. id end
  local counts = redis.call('HMGET', stats, unpack(fields))
  for i, id in ipairs(ARGV) do
    if counts[i] then
      nodes[#nodes + 1] = id
      nodes[#nodes + 1] = counts[i]
    end
  end
end
return {redis.call('LLEN', input), redis.call('LLEN', retry), in_flight, batches, redis.call('LLEN', dead),
  tonumber(totals[1]) or 0, tonumber(totals[2]) or 0, tonumber(totals[3]) or 0, now,
  redis.call('ZCOUNT', leases, '-inf', now), redis.call('HGETALL', config), nodes}
