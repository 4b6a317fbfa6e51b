--[[ requeue-by-slot-9: return every leased batch of one worker slot, found among P:leases by
its key prefix P:batch:<node>:<instance>:[<run>:] — with an attempt ('requeue', after an exit
the node did not cause, each item's cause then recorded in P:causes) or without ('hand-back',
after a stop the node made).
KEYS[1] Q  KEYS[2] P:leases  KEYS[3] P:taken  KEYS[4] P:retry  KEYS[5] P:attempts  KEYS[6] P:dead
KEYS[7] P:stats  KEYS[8] P:config  KEYS[9] P:causes
ARGV[1] slot prefix (must lie under P:batch:)
ARGV[2] 'requeue' or 'hand-back'
ARGV[3] default max_attempts (P:config wins)
ARGV[4] cause of a requeue: a JSON object of at most 4096 bytes ({kind, message, exit_code, logs,
        ...}), or '' for none
Returns {batches, items, dead, more}: more = 1 when the 1000-item cap left batches behind
(call again) or {negative code, detail} having written nothing. ]]
-- @include common

local k = {input = KEYS[1], leases = KEYS[2], taken = KEYS[3], retry = KEYS[4], attempts = KEYS[5],
  dead = KEYS[6], stats = KEYS[7], config = KEYS[8], causes = KEYS[9]}
local prefix, mode = ARGV[1], ARGV[2]
local batch_prefix = batch_prefix_of(k.leases)
if string.sub(prefix, 1, #batch_prefix) ~= batch_prefix or #prefix <= #batch_prefix then
  return {E_BAD_ARG, 'slot prefix ' .. prefix}
end
if mode ~= 'requeue' and mode ~= 'hand-back' then return {E_BAD_ARG, 'mode ' .. tostring(mode)} end
local err = check_types({{k.input, 'list', E_INPUT}, {k.leases, 'zset', E_LEASES}, {k.taken, 'hash', E_TAKEN},
  {k.retry, 'list', E_RETRY}, {k.attempts, 'hash', E_ATTEMPTS}, {k.dead, 'list', E_DEAD},
  {k.stats, 'hash', E_STATS}, {k.config, 'hash', E_CONFIG}, {k.causes, 'hash', E_CAUSES}})
if err then return err end
local cause
cause, err = check_cause(ARGV[4])
if err then return err end

-- Select this slot's batches within the item cap before writing anything.
local chosen, total, more = {}, 0, 0
for _, key in ipairs(redis.call('ZRANGE', k.leases, 0, -1)) do
  if string.sub(key, 1, #prefix) == prefix then
    if bad_type(key, 'list', E_BATCH) then return {E_BATCH, key} end
    local len = redis.call('LLEN', key)
    if total + len > MAX_ITEMS then
      more = 1
    else
      chosen[#chosen + 1] = key
      total = total + len
    end
  end
end

local max_attempts = config_number(k.config, 'max_attempts', ARGV[3])
local now = now_ms()
local batches, items, dead = 0, 0, 0
for _, key in ipairs(chosen) do
  if redis.call('LLEN', key) == 0 then
    redis.call('ZREM', k.leases, key)
    redis.call('HDEL', k.taken, key)
  elseif mode == 'requeue' then
    local record = cause and cause_record(cause, batch_prefix, key, now)
    local moved, died = requeue_batch(k, key, max_attempts, record)
    batches, items, dead = batches + 1, items + moved, dead + died
  else
    items = items + hand_back_batch(k, key)
    batches = batches + 1
  end
end
if mode == 'requeue' then count_requeued(k.stats, items, now) end
return {batches, items, dead, more}
