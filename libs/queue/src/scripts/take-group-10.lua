--[[ take-group-10: ack any number of a lane's finished batches, heal up to 10 expired leases, take up
to G batches of K items (small batches: one script run and one round trip for many batches, each
batch still its own key, lease and attempt; CONTRACT.md "Prefetch").
KEYS[1]  Q          input list
KEYS[2]  P:seq      batch counter
KEYS[3]  P:leases   zset batch key -> lease deadline (ms, Redis time)
KEYS[4]  P:taken    hash batch key -> taken time (ms)
KEYS[5]  P:retry    list
KEYS[6]  P:attempts hash item -> failed attempts
KEYS[7]  P:dead     list
KEYS[8]  P:stats    hash
KEYS[9]  P:config   hash
KEYS[10] output list when ARGV[1] = '1' (exactly-once); otherwise the caller passes Q here
ARGV[1]  '1' push the acked batches' results to KEYS[10]; '0' they were pushed already
ARGV[2]  node id (stats per node)
ARGV[3]  lane prefix P:batch:<node>:<instance>:<run>:<lane>: (new keys = prefix .. P:seq values);
         '' to take nothing (ack and heal only)
ARGV[4]  K, items per batch, 1..1000
ARGV[5]  G, batches to take, at least 1, G * K at most 1000
ARGV[6]  '1' take one item from retry when retry has any (isolation: one batch of one item)
ARGV[7]  block time in ms: a waiting key is leased for block time + lease_s
ARGV[8]  default lease_s   ARGV[9] default batch_timeout_s   ARGV[10] default max_attempts
         (P:config wins when it has the field)
ARGV[11] A, the number of batches acked (0..1000, each key at most once)
ARGV[12..] the A batch keys, then their A result counts (each batch must hold exactly its count),
         then, when ARGV[1] = '1', every result, batch after batch, in item order
Returns {acked, gone, batch_keys, items, retry_len, lease_ms, source, healed}
  acked: batches acked; gone: acked batches already gone (requeued): nothing pushed for them
  batch_keys and items (one list per batch, oldest first) of the batches taken: up to G full
  batches from the input (the last may be partial), one retried item (source 'retry'), or one
  waiting key with no items (source 'wait'); source 'input' | 'retry' | 'wait' | 'none' (no lane)
  retry_len LLEN retry after the take; lease_ms the lease granted from now; healed: expired
  leases with items requeued by this call
or {negative code, detail} having written nothing (CONTRACT.md). ]]
-- @include common
-- @include heal
-- @include take-reads

local k = {input = KEYS[1], seq = KEYS[2], leases = KEYS[3], taken = KEYS[4], retry = KEYS[5],
  attempts = KEYS[6], dead = KEYS[7], stats = KEYS[8], config = KEYS[9], output = KEYS[10]}
local push, node, lane = ARGV[1] == '1', ARGV[2], ARGV[3]
local size, want, from_retry = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6] == '1'
local block_ms, a = tonumber(ARGV[7]), tonumber(ARGV[11])
local batch_prefix = string.sub(k.seq, 1, -5) .. ':batch:'

-- Arguments first.
if lane ~= '' then
  if size == nil or size < 1 or size > MAX_ITEMS then return {E_BAD_ARG, 'batch size ' .. tostring(ARGV[4])} end
  if want == nil or want < 1 or want ~= math.floor(want) then return {E_BAD_ARG, 'batches ' .. tostring(ARGV[5])} end
  if want * size > MAX_ITEMS then return {E_TOO_MANY, tostring(want * size)} end
  if string.sub(lane, 1, #batch_prefix) ~= batch_prefix then return {E_BAD_ARG, 'lane prefix ' .. lane} end
end
if block_ms == nil or block_ms < 0 then return {E_BAD_ARG, 'block ms ' .. tostring(ARGV[7])} end
if a == nil or a < 0 or a > MAX_ITEMS or a ~= math.floor(a) then return {E_TOO_MANY, tostring(ARGV[11])} end
if #ARGV < 11 + 2 * a then return {E_BAD_ARG, 'ack count ' .. a .. ' but ' .. (#ARGV - 11) .. ' ack arguments'} end
local counts, total, seen = {}, 0, {}
for i = 1, a do
  local key, n = ARGV[11 + i], tonumber(ARGV[11 + a + i])
  if string.sub(key, 1, #batch_prefix) ~= batch_prefix then return {E_BAD_ARG, 'not a batch key of this queue: ' .. key} end
  if seen[key] then return {E_BAD_ARG, 'batch key acked twice: ' .. key} end
  if n == nil or n < 0 or n ~= math.floor(n) then return {E_BAD_ARG, 'result count ' .. tostring(ARGV[11 + a + i])} end
  seen[key], counts[i], total = true, n, total + n
end
if total > MAX_ITEMS then return {E_TOO_MANY, tostring(total)} end
local given = #ARGV - 11 - 2 * a
if given ~= (push and total or 0) then return {E_BAD_ARG, 'result count ' .. total .. ' but ' .. given .. ' results'} end

-- Then the type of every key this call may write, before the first write (take-reads).
local _, err, cfg, retry_len, attempts_len, expired, input_len
local reads
reads, err = take_reads(k)
if err then return err end
cfg, retry_len, attempts_len, expired = reads.cfg, reads.retry_len, reads.attempts_len, reads.expired
local now = reads.now
-- Each acked batch's length: 0 (gone) or exactly its count.
local lens, live = {}, 0
for i = 1, a do
  lens[i], err = read(E_BATCH, 'LLEN', ARGV[11 + i])
  if err then return err end
  if lens[i] > 0 then
    if lens[i] ~= counts[i] then return {E_RESULT_COUNT, lens[i]} end
    live = live + 1
  end
end
if live > 0 and push then
  _, err = read(E_OUTPUT, 'LLEN', k.output)
  if err then return err end
end
if live > 0 or #expired > 0 then
  _, err = read(E_STATS, 'HLEN', k.stats)
  if err then return err end
end
if #expired > 0 then
  _, err = read(E_DEAD, 'LLEN', k.dead)
  if err then return err end
end
-- How many keys this call takes: one from retry, up to G from the input, or one waiting key.
local taking, first_seq = 0, 0
if lane ~= '' then
  input_len, err = read(E_INPUT, 'LLEN', k.input)
  if err then return err end
  taking = 1
  if not (from_retry and retry_len > 0) and input_len > 0 then taking = math.min(want, math.ceil(input_len / size)) end
  -- The first write, so it doubles as P:seq's check (as take-10's INCR).
  local last
  last, err = read(E_SEQ, 'INCRBY', k.seq, taking)
  if err then return err end
  first_seq = last - taking + 1
end

-- Acks: every live batch's results in one push, stats once, the lists, leases and taken times
-- in one command each.
local acked_keys = {}
for i = 1, a do acked_keys[i] = ARGV[11 + i] end
if live > 0 then
  local processed, at, out, live_keys = 0, 11 + 2 * a, {}, {}
  for i = 1, a do
    local n = counts[i]
    if lens[i] > 0 then
      live_keys[#live_keys + 1] = acked_keys[i]
      processed = processed + n
      if push then for j = 1, n do out[#out + 1] = ARGV[at + j] end end
    end
    if push then at = at + n end
  end
  if #out > 0 then redis.call('LPUSH', k.output, unpack(out)) end
  redis.call('HINCRBY', k.stats, 'processed', processed)
  redis.call('HINCRBY', k.stats, 'node:' .. node, processed)
  if attempts_len > 0 then
    local items = {}
    for i = 1, #live_keys do
      local held = redis.call('LRANGE', live_keys[i], 0, -1)
      for j = 1, #held do items[#items + 1] = held[j] end
    end
    redis.call('HDEL', k.attempts, unpack(items))
  end
  redis.call('DEL', unpack(live_keys))
end
if a > 0 then
  redis.call('ZREM', k.leases, unpack(acked_keys))
  redis.call('HDEL', k.taken, unpack(acked_keys))
end

-- Heal: requeue a few expired leases (at most 1000 items), drop empty ones (housekeeping).
local healed = 0
if #expired > 0 then
  local healed_items
  healed, healed_items = heal_expired(k, expired, positive(cfg[3], ARGV[10]), now)
  if healed_items > 0 then retry_len = redis.call('LLEN', k.retry) end
end

if lane == '' then return {live, a - live, {}, {}, retry_len, 0, 'none', healed} end

local keys, batches, source = {}, {}, 'input'
if from_retry and retry_len > 0 then
  keys[1] = lane .. first_seq
  batches[1], source = {redis.call('LMOVE', k.retry, keys[1], 'RIGHT', 'RIGHT')}, 'retry'
  retry_len = retry_len - 1
elseif input_len == 0 then
  keys[1], batches[1], source = lane .. first_seq, {}, 'wait'
elseif size == 1 then
  for i = 1, taking do
    keys[i] = lane .. (first_seq + i - 1)
    batches[i] = {redis.call('LMOVE', k.input, keys[i], 'RIGHT', 'RIGHT')}
  end
else
  local items = redis.call('RPOP', k.input, taking * size)
  for i = 1, taking do
    local batch = {}
    for j = (i - 1) * size + 1, math.min(i * size, #items) do batch[#batch + 1] = items[j] end
    keys[i], batches[i] = lane .. (first_seq + i - 1), batch
    redis.call('RPUSH', keys[i], unpack(batch))
  end
end

local lease_s = positive(cfg[1], ARGV[8])
local timeout_s = positive(cfg[2], ARGV[9])
local lease_ms = lease_s * 1000
if source == 'wait' then lease_ms = lease_ms + block_ms end
if lease_ms > timeout_s * 1000 + block_ms then lease_ms = timeout_s * 1000 + block_ms end
local scored, stamped = {}, {}
for i = 1, #keys do
  scored[2 * i - 1], scored[2 * i] = now + lease_ms, keys[i]
  stamped[2 * i - 1], stamped[2 * i] = keys[i], now
end
redis.call('ZADD', k.leases, unpack(scored))
redis.call('HSET', k.taken, unpack(stamped))
return {live, a - live, keys, batches, retry_len, lease_ms, source, healed}
