-- Shared helpers, pasted into a script where it says `-- @include common` (both SDKs do the
-- same textual include before computing the SHA). Error replies are {negative code, detail};
-- the codes are listed in scripts/manifest.json (both SDKs read them from there).

local E_INPUT, E_OUTPUT, E_RETRY, E_DEAD, E_ATTEMPTS = -1, -2, -3, -4, -5
local E_LEASES, E_TAKEN, E_STATS, E_CONFIG, E_SEQ, E_BATCH = -6, -7, -8, -9, -10, -11
local E_RESULT_COUNT, E_TOO_MANY, E_BAD_ARG = -12, -13, -14
local E_CAUSES = -15
local MAX_ITEMS = 1000
-- A cause as the caller sends it (a JSON object) is at most this many bytes.
local MAX_CAUSE = 4096

-- Redis's own clock, in milliseconds.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A read-only command on `key` whose reply the script needs anyway, doubling as its type check:
-- a wrong type answers nil, {code, key} instead of raising (redis.pcall), so the script can
-- return before its first write. Hot paths check types this way rather than with TYPE.
local function read(code, cmd, key, ...)
  local r = redis.pcall(cmd, key, ...)
  if type(r) == 'table' and r.err then return nil, {code, key} end
  return r
end

-- A positive number from a config value (HMGET reply, false when absent), else the default.
local function positive(v, default)
  local x = tonumber(v)
  if x == nil or x <= 0 then return tonumber(default) end
  return x
end

-- nil when `key` is absent or of type `expected`, else the error reply for `code`.
local function bad_type(key, expected, code)
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= expected then return {code, key} end
  return nil
end

-- Checks a list of {key, type, code}; the first mismatch as an error reply, else nil.
local function check_types(specs)
  for i = 1, #specs do
    local err = bad_type(specs[i][1], specs[i][2], specs[i][3])
    if err then return err end
  end
  return nil
end

-- The keys of requeue-8, reap-8 and requeue-orphans-7, in their KEYS order (P:causes, KEYS[8],
-- only in the scripts that record why items were requeued).
local function requeue_keys()
  return {leases = KEYS[1], taken = KEYS[2], retry = KEYS[3], attempts = KEYS[4], dead = KEYS[5],
    stats = KEYS[6], config = KEYS[7], causes = KEYS[8]}
end

-- Their types, checked before any write.
local function check_requeue_keys(k)
  local specs = {{k.leases, 'zset', E_LEASES}, {k.taken, 'hash', E_TAKEN}, {k.retry, 'list', E_RETRY},
    {k.attempts, 'hash', E_ATTEMPTS}, {k.dead, 'list', E_DEAD}, {k.stats, 'hash', E_STATS}, {k.config, 'hash', E_CONFIG}}
  if k.causes then specs[#specs + 1] = {k.causes, 'hash', E_CAUSES} end
  return check_types(specs)
end

-- A caller's cause (issue 19): '' for none, else a JSON object of at most MAX_CAUSE bytes.
-- Returns the decoded table (nil for ''), or nil and the error reply.
local function check_cause(arg)
  if arg == nil or arg == '' then return nil end
  if #arg > MAX_CAUSE then return nil, {E_BAD_ARG, 'cause over ' .. MAX_CAUSE .. ' bytes'} end
  local ok, cause = pcall(cjson.decode, arg)
  if not ok or type(cause) ~= 'table' then return nil, {E_BAD_ARG, 'cause is not a JSON object'} end
  return cause
end

-- The record kept in P:causes for each item of `batch_key`: the cause plus where (node, instance
-- and run, read off the batch key P:batch:<node>:<instance>:<run>:...) and when (Redis time).
local function cause_record(cause, batch_prefix, batch_key, now)
  local node, instance, run = string.match(string.sub(batch_key, #batch_prefix + 1), '^([^:]+):([^:]+):([^:]+):')
  cause.node = cause.node or node
  cause.instance = cause.instance or instance
  cause.run = cause.run or run
  cause.at = now
  return cjson.encode(cause)
end

-- P:batch: from P:leases: the prefix every batch key of the queue starts with.
local function batch_prefix_of(leases_key)
  return string.sub(leases_key, 1, -8) .. ':batch:'
end

-- A positive number from P:config, else the caller's default.
local function config_number(config_key, field, default)
  return positive(redis.call('HGET', config_key, field), default)
end

-- Counts requeued items in P:stats and notes when (every script that requeues with an attempt).
local function count_requeued(stats, items, now)
  if items > 0 then
    redis.call('HINCRBY', stats, 'requeued', items)
    redis.call('HSET', stats, 'last_reap_ms', now)
  end
end

-- Requeues one batch list with an attempt per item: to retry, or to dead at max_attempts.
-- Deletes the list, its lease and its taken time. Pushes before it deletes.
-- k = {retry=, attempts=, dead=, leases=, taken=, causes=}. With `record` (cause_record's JSON)
-- and k.causes, each item's cause is set to it: an item keeps the cause of its last attempt.
-- Returns items, dead.
local function requeue_batch(k, batch_key, max_attempts, record)
  local items = redis.call('LRANGE', batch_key, 0, -1)
  if record and k.causes and #items > 0 then
    local pairs_ = {}
    for i = 1, #items do
      pairs_[#pairs_ + 1] = items[i]
      pairs_[#pairs_ + 1] = record
    end
    redis.call('HSET', k.causes, unpack(pairs_))
  end
  local to_retry, to_dead = {}, {}
  for i = 1, #items do
    if redis.call('HINCRBY', k.attempts, items[i], 1) >= max_attempts then
      to_dead[#to_dead + 1] = items[i]
    else
      to_retry[#to_retry + 1] = items[i]
    end
  end
  -- One LPUSH each, in item order: the same lists as one LPUSH per item.
  if #to_retry > 0 then redis.call('LPUSH', k.retry, unpack(to_retry)) end
  if #to_dead > 0 then redis.call('LPUSH', k.dead, unpack(to_dead)) end
  local dead = #to_dead
  redis.call('DEL', batch_key)
  redis.call('ZREM', k.leases, batch_key)
  redis.call('HDEL', k.taken, batch_key)
  return #items, dead
end

-- Returns a batch without an attempt: items that failed before go to retry, the others to
-- the input's right end in their order (taken next). Returns the item count.
local function hand_back_batch(k, batch_key)
  local items = redis.call('LRANGE', batch_key, 0, -1)
  local has_attempts = redis.call('EXISTS', k.attempts) == 1
  local to_input, to_retry = {}, {}
  for i = #items, 1, -1 do
    if has_attempts and redis.call('HEXISTS', k.attempts, items[i]) == 1 then
      to_retry[#to_retry + 1] = items[i]
    else
      to_input[#to_input + 1] = items[i]
    end
  end
  -- One push each, last item first: the first item ends at Q's right end (taken next).
  if #to_input > 0 then redis.call('RPUSH', k.input, unpack(to_input)) end
  if #to_retry > 0 then redis.call('LPUSH', k.retry, unpack(to_retry)) end
  redis.call('DEL', batch_key)
  redis.call('ZREM', k.leases, batch_key)
  redis.call('HDEL', k.taken, batch_key)
  return #items
end

-- A batch key must lie under this queue's batch prefix (so it shares Q's slot) and be a list.
local function check_batch_key(batch_prefix, batch_key)
  if string.sub(batch_key, 1, #batch_prefix) ~= batch_prefix then
    return {E_BAD_ARG, 'not a batch key of this queue: ' .. batch_key}
  end
  return bad_type(batch_key, 'list', E_BATCH)
end

-- Sum of LLEN over batch keys, to check a call stays within MAX_ITEMS before writing.
local function total_items(keys, from)
  local total = 0
  for i = from, #keys do total = total + redis.call('LLEN', keys[i]) end
  return total
end
