--[[ take-10: ack the slot's previous batch (optional), heal up to 10 expired leases, take the
next batch (SPEC §4 take and waiting). One round trip per batch.
KEYS[1]  Q          input list
KEYS[2]  P:seq      batch counter
KEYS[3]  P:leases   zset batch key -> lease deadline (ms, Redis time)
KEYS[4]  P:taken    hash batch key -> taken time (ms)
KEYS[5]  P:retry    list
KEYS[6]  P:attempts hash item -> failed attempts
KEYS[7]  P:dead     list
KEYS[8]  P:stats    hash
KEYS[9]  P:config   hash
KEYS[10] output list when ARGV[2] = '1' (exactly-once); otherwise the caller passes Q here
ARGV[1]  previous batch key to ack, or ''
ARGV[2]  '1' push the previous batch's results to KEYS[10]; '0' they were pushed already
ARGV[3]  node id (stats per node)
ARGV[4]  lane prefix P:batch:<node>:<instance>:<run>:<lane>: (new key = prefix .. INCR P:seq);
         '' to take nothing (ack and heal only)
ARGV[5]  K, batch size, 1..1000
ARGV[6]  '1' take one item from retry when retry has any (isolation)
ARGV[7]  block time in ms: a waiting key is leased for block time + lease_s
ARGV[8]  default lease_s   ARGV[9] default batch_timeout_s   ARGV[10] default max_attempts
         (P:config wins when it has the field)
ARGV[11] n, the previous batch's result count (the batch must hold exactly n items)
ARGV[12..11+n] the results in item order, when ARGV[2] = '1'
Returns {ack, batch_key, items, retry_len, lease_ms, source, healed}
  ack 0 no previous batch, 1 acked, 2 previous batch gone (it was requeued): nothing pushed
  items oldest first; empty for a waiting key (source 'wait'); source 'input' | 'retry' | 'wait'
  retry_len LLEN retry after the take; lease_ms the lease granted from now; healed: expired
  leases with items requeued by this call
or {negative code, detail} having written nothing (CONTRACT.md). ]]
-- @include common
-- @include ack
-- @include heal
-- @include take-reads

local k = {input = KEYS[1], seq = KEYS[2], leases = KEYS[3], taken = KEYS[4], retry = KEYS[5],
  attempts = KEYS[6], dead = KEYS[7], stats = KEYS[8], config = KEYS[9], output = KEYS[10]}
local prev, push, node, lane = ARGV[1], ARGV[2] == '1', ARGV[3], ARGV[4]
local size, from_retry, block_ms = tonumber(ARGV[5]), ARGV[6] == '1', tonumber(ARGV[7])
local n = tonumber(ARGV[11])
local batch_prefix = string.sub(k.seq, 1, -5) .. ':batch:'

-- Arguments first.
if lane ~= '' then
  if size == nil or size < 1 or size > MAX_ITEMS then return {E_BAD_ARG, 'batch size ' .. tostring(ARGV[5])} end
  if string.sub(lane, 1, #batch_prefix) ~= batch_prefix then return {E_BAD_ARG, 'lane prefix ' .. lane} end
end
if block_ms == nil or block_ms < 0 then return {E_BAD_ARG, 'block ms ' .. tostring(ARGV[7])} end
if n == nil or n < 0 or n > MAX_ITEMS then return {E_TOO_MANY, tostring(ARGV[11])} end
if push and #ARGV ~= 11 + n then return {E_BAD_ARG, 'result count ' .. n .. ' but ' .. (#ARGV - 11) .. ' results'} end
if prev ~= '' and string.sub(prev, 1, #batch_prefix) ~= batch_prefix then
  return {E_BAD_ARG, 'not a batch key of this queue: ' .. prev}
end

-- Then the type of every key this call may write, before the first write (take-reads).
local _, err, cfg, retry_len, attempts_len, expired, prev_len
local reads
reads, err = take_reads(k)
if err then return err end
cfg, retry_len, attempts_len, expired = reads.cfg, reads.retry_len, reads.attempts_len, reads.expired
local now = reads.now
local acking = false
if prev ~= '' then
  prev_len, err = read(E_BATCH, 'LLEN', prev)
  if err then return err end
  if prev_len > 0 then
    if prev_len ~= n then return {E_RESULT_COUNT, prev_len} end
    acking = true
    if push then
      _, err = read(E_OUTPUT, 'LLEN', k.output)
      if err then return err end
    end
  end
end
if acking or #expired > 0 then
  _, err = read(E_STATS, 'HLEN', k.stats)
  if err then return err end
end
if #expired > 0 then
  _, err = read(E_DEAD, 'LLEN', k.dead)
  if err then return err end
end
local seq
if lane ~= '' then
  _, err = read(E_INPUT, 'LLEN', k.input)
  if err then return err end
  -- The first write, so it doubles as P:seq's check: INCR refuses a wrong type or a value that
  -- is not an integer, and then nothing was written.
  seq, err = read(E_SEQ, 'INCR', k.seq)
  if err then return err end
end

local ack = 0
if prev ~= '' then
  ack = ack_batch(k, prev, prev_len, push, node, n, ARGV, 12, attempts_len > 0)
end

-- Heal: requeue a few expired leases (at most 1000 items), drop empty ones (housekeeping).
local healed = 0
if #expired > 0 then
  local healed_items
  healed, healed_items = heal_expired(k, expired, positive(cfg[3], ARGV[10]), now)
  if healed_items > 0 then retry_len = redis.call('LLEN', k.retry) end
end

if lane == '' then return {ack, '', {}, retry_len, 0, 'none', healed} end

-- One item moves with one LMOVE (retry, or a batch of 1: the per-item path); more with RPOP
-- and one RPUSH.
local key = lane .. seq
local items, source = nil, 'input'
if from_retry and retry_len > 0 then
  items, source = {redis.call('LMOVE', k.retry, key, 'RIGHT', 'RIGHT')}, 'retry'
  retry_len = retry_len - 1
elseif size == 1 then
  local item = redis.call('LMOVE', k.input, key, 'RIGHT', 'RIGHT')
  if item then items = {item} else items, source = {}, 'wait' end
else
  items = redis.call('RPOP', k.input, size)
  if items then redis.call('RPUSH', key, unpack(items)) else items, source = {}, 'wait' end
end

local lease_s = positive(cfg[1], ARGV[8])
local timeout_s = positive(cfg[2], ARGV[9])
local lease_ms = lease_s * 1000
if #items == 0 then lease_ms = lease_ms + block_ms end
if lease_ms > timeout_s * 1000 + block_ms then lease_ms = timeout_s * 1000 + block_ms end
redis.call('ZADD', k.leases, now + lease_ms, key)
redis.call('HSET', k.taken, key, now)
return {ack, key, items, retry_len, lease_ms, source, healed}
