--[[ requeue-orphans-7: requeue batch lists that have no lease and are older than lease_s (the
hub's occasional scan; the caller finds candidates with SCAN MATCH P:batch:*). A list without a
lease arises when a BLMOVE lands on a waiting key after its lease expired and its worker died.
Age is the list's idle time (every renew reads the list, so a live one stays young).
KEYS[1] P:leases KEYS[2] P:taken KEYS[3] P:retry KEYS[4] P:attempts KEYS[5] P:dead
KEYS[6] P:stats  KEYS[7] P:config
ARGV[1] default lease_s   ARGV[2] default max_attempts (P:config wins)
ARGV[3..] candidate batch keys
Returns {batches, items, dead}
or {negative code, detail} having written nothing. ]]
-- @include common

local k = requeue_keys()
local batch_prefix = batch_prefix_of(k.leases)
local err = check_requeue_keys(k)
if err then return err end
local lease_s = config_number(k.config, 'lease_s', ARGV[1])
local max_attempts = config_number(k.config, 'max_attempts', ARGV[2])

local chosen, total = {}, 0
for i = 3, #ARGV do
  local key = ARGV[i]
  if string.sub(key, 1, #batch_prefix) == batch_prefix and redis.call('ZSCORE', k.leases, key) == false then
    -- OBJECT IDLETIME first: it must not see our own reads. It fails under an LFU eviction
    -- policy; then a lease-less list counts as old (a live worker renews and re-leases it).
    local ok, idle = pcall(redis.call, 'OBJECT', 'IDLETIME', key)
    if not ok then idle = lease_s end
    if idle and idle >= lease_s and not bad_type(key, 'list', E_BATCH) then
      local len = redis.call('LLEN', key)
      if len > 0 and total + len <= MAX_ITEMS then
        chosen[#chosen + 1] = key
        total = total + len
      end
    end
  end
end
local batches, items, dead = 0, 0, 0
for _, key in ipairs(chosen) do
  local moved, died = requeue_batch(k, key, max_attempts)
  batches, items, dead = batches + 1, items + moved, dead + died
end
count_requeued(k.stats, items, now_ms())
return {batches, items, dead}
