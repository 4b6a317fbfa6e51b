--[[ requeue-8: requeue batches with an attempt per item (SPEC §4 requeue): each item gets +1 in
attempts and goes to retry, or to dead at max_attempts; list, lease and taken go. With a cause,
each item's cause (issue 19) is set in P:causes.
KEYS[1] P:leases KEYS[2] P:taken KEYS[3] P:retry KEYS[4] P:attempts KEYS[5] P:dead
KEYS[6] P:stats  KEYS[7] P:config KEYS[8] P:causes
ARGV[1] default max_attempts (P:config wins)
ARGV[2] cause: a JSON object of at most 4096 bytes ({kind, message, ...}), or '' for none
ARGV[3..] batch keys (together at most 1000 items)
Returns {batches, items, dead}: batches that held items; an empty or gone batch only loses its
lease and taken (housekeeping, not counted)
or {negative code, detail} having written nothing. ]]
-- @include common

local k = requeue_keys()
local batch_prefix = batch_prefix_of(k.leases)
local err = check_requeue_keys(k)
if err then return err end
local cause
cause, err = check_cause(ARGV[2])
if err then return err end
for i = 3, #ARGV do
  err = check_batch_key(batch_prefix, ARGV[i])
  if err then return err end
end
local total = total_items(ARGV, 3)
if total > MAX_ITEMS then return {E_TOO_MANY, total} end

local now = now_ms()
local max_attempts = config_number(k.config, 'max_attempts', ARGV[1])
local batches, items, dead = 0, 0, 0
for i = 3, #ARGV do
  if redis.call('LLEN', ARGV[i]) > 0 then
    local record = cause and cause_record(cause, batch_prefix, ARGV[i], now)
    local moved, died = requeue_batch(k, ARGV[i], max_attempts, record)
    batches, items, dead = batches + 1, items + moved, dead + died
  else
    redis.call('ZREM', k.leases, ARGV[i])
    redis.call('HDEL', k.taken, ARGV[i])
  end
end
count_requeued(k.stats, items, now)
return {batches, items, dead}
